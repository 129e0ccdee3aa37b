"""Package indexes: what a simple index holds (PEP 691/503), the configured repositories and
their credentials, the local index on loopback.
"""
