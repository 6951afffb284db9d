"""`python -m mockexchange`: the command line, as the `mockexchange` script runs it."""

import sys

from mockexchange.core import dataclass_code

dataclass_code.install()  # before the command line's own imports too (its parsers': some 180 texts, 0.05 s)

from mockexchange.cli import main  # noqa: E402

sys.exit(main())
