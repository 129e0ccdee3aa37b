"""A package's versions: the released ones (tracking files) and the next one (Conventional
Commits: bump, notes, changelog).
"""
