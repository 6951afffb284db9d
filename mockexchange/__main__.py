"""`python -m mockexchange`: the command line, as the `mockexchange` script runs it."""

import sys

from mockexchange.cli import main

sys.exit(main())
