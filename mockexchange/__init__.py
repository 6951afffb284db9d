"""mockexchange: a faithful, stateful mock of exchange position APIs, plus a contract-test kit."""

from mockexchange.server import MockServer
from mockexchange.settings import Settings

__all__ = ["MockServer", "Settings"]
__version__ = "0.1.0"
