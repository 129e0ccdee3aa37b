"""Dependency inference: imports scanned from source, the guards around them, the import map,
and the PEP 508 requirements they give.
"""
