"""``python -m sqllint``: the same entry point as the ``sqllint`` command."""

from sqllint.cli import main

raise SystemExit(main())
