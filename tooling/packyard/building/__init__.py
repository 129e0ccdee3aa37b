"""Building and test-installing: the build tree, sdist and wheel, venvs, the test-install,
its result cache, locks.
"""
