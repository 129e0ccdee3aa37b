"""Moving a package-auto-assembler repository over: reading it, importing its packages, the
report.
"""
