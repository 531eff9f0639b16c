"""`python -m gateway` is the `ordofax` command."""

from gateway.cli import main

raise SystemExit(main())
