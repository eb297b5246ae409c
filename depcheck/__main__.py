from depcheck.cli import main

raise SystemExit(main())
