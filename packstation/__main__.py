"""Allow `python -m packstation`."""

import sys

from packstation.cli import main

sys.exit(main())
