from intersession.cli import main

raise SystemExit(main())
