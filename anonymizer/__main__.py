from anonymizer.cli import main

raise SystemExit(main())
