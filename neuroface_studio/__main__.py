"""Allow ``python -m neuroface_studio``."""

from neuroface_studio.cli import main

raise SystemExit(main())
