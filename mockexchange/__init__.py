"""mockexchange: a faithful, stateful mock of exchange position APIs, plus a contract-test kit.

`MockServer` is imported on first use: importing any part of the package (the pytest plugin is imported by every
pytest run of a project that installed it) must not bring in the server's imports (uvicorn, Starlette, the app).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockexchange.settings import Settings
from mockexchange.version import __version__

if TYPE_CHECKING:
    from mockexchange.server import MockServer

__all__ = ["MockServer", "Settings", "__version__"]


def __getattr__(name: str) -> object:
    if name == "MockServer":
        from mockexchange.server import MockServer

        return MockServer
    raise AttributeError(f"module 'mockexchange' has no attribute {name!r}")
