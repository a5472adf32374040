from sshdeck.cli import main

raise SystemExit(main())
