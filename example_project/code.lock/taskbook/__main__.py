"""`python -m taskbook`."""

import sys

from taskbook.cli import main

sys.exit(main())
