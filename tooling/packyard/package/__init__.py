"""What a package is: its entry in ``packages/``, its metadata, PEP 723 block, extras, links
and test files.
"""
