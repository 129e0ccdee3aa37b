"""packyard: build, test, version, document and publish the many small Python packages of
one packaging repository.

The library behind ``noxfile.py`` and ``tasks.py``; see ``docs/architecture.md`` for the
modules and how data flows from ``packages/`` to an index.
"""

__version__ = "0.1.0"
