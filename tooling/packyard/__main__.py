"""``python -m packyard``: the ``packyard`` command line (:func:`packyard.cli.main`)."""

from packyard.cli import main

raise SystemExit(main())
