"""`python -m mockexchange.cli`: the command line."""

import sys

from mockexchange.cli import main

sys.exit(main())
