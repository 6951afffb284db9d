"""A mock whose HTTP answers are changed on the wire before a client reads them: what the real-client cells
must fail on (tests/clients/test_exchange_data_cells.py, test_pykalshi_cells.py, test_pmxt_cells.py). The middleware
is tests/contract/broken_server.py's `BreakingAnswers`, loaded from its file (tests/ is no package)."""

from __future__ import annotations

import dataclasses
import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mockexchange.server import MockServer

_SPEC = importlib.util.spec_from_file_location("broken_server", Path(__file__).parents[1] / "contract/broken_server.py")
assert _SPEC is not None and _SPEC.loader is not None
broken_server = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(broken_server)
BreakingAnswers = broken_server.BreakingAnswers
capture, send_bytes = broken_server.capture, broken_server.send_bytes  # an answer taken whole, and sent anew


def each(rows: list[dict[str, Any]], **changed: Any) -> None:
    """Every row of a list answered, changed in place."""
    for row in rows:
        row.update(changed)


def serving_through(middleware: Callable[[Any], Any]) -> Callable[..., MockServer]:
    """A `MockServer` maker (in its place, where a client's play makes its mock) whose app answers through
    `middleware`."""

    def make(*args: Any, **options: Any) -> MockServer:
        server = MockServer(*args, **options)
        server.app = dataclasses.replace(server.app, asgi=middleware(server.app.asgi))
        return server

    return make


def breaking_reads(wrong: Callable[[str, Any], None]) -> type:
    """A `BreakingAnswers` whose every Kalshi GET answer is changed in place by `wrong(the path after /trade-api/v2,
    the answer)` before the client reads it."""

    class BreakingReads(BreakingAnswers):  # type: ignore[misc,valid-type]
        def covers(self, scope: dict[str, Any]) -> bool:
            return scope["method"] == "GET" and "/trade-api/v2/" in scope["path"]

        def broken(self, path: str, data: Any) -> None:
            wrong(path.split("/trade-api/v2", 1)[-1], data)

    return BreakingReads
