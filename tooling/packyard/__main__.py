from packyard.cli import main

raise SystemExit(main())
