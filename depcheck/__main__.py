from depcheck.entry import main

raise SystemExit(main())
