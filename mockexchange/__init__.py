"""mockexchange: a faithful, stateful mock of exchange position APIs, plus a contract-test kit."""

from mockexchange.server import MockServer
from mockexchange.settings import Settings
from mockexchange.version import __version__

__all__ = ["MockServer", "Settings", "__version__"]
