"""`python -m helpers` is the `pumpkin` command."""

import sys

from helpers.cli import main

sys.exit(main())
