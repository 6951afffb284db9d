"""A mock whose HTTP answers are changed on the wire before a client reads them: what the real-client cells
must fail on (tests/clients/test_exchange_data_cells.py, test_pykalshi_cells.py, test_pmxt_cells.py). The middleware
is tests/contract/broken_server.py's `BreakingAnswers`, loaded from its file (tests/ is no package)."""

from __future__ import annotations

import dataclasses
import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from mockexchange.contract.clients.matrix import CLIENTS_BY_NAME, FAIL, client_cells
from mockexchange.contract.clients.plans import run_plan
from mockexchange.contract.clients.scenes.scene import judge, plan, problems
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


class ByMethod(BreakingAnswers):  # type: ignore[misc]
    """Answers under `paths` broken by `wrong(method, tail, data)`; a refusal (`said_done`: a method and a status)
    said done with `done(tail)`'s status and body."""

    paths: tuple[str, ...] = ()
    said_done = ("DELETE", 404)

    def covers(self, scope: dict[str, Any]) -> bool:
        return any(path in scope["path"] for path in self.paths)

    def broken(self, path: str, data: Any) -> None:
        raise AssertionError("answered by __call__")  # (it needs the method)

    def wrong(self, method: str, tail: str, data: Any) -> None:
        raise NotImplementedError

    def done(self, tail: str) -> tuple[int, bytes]:
        raise NotImplementedError

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not self.covers(scope):
            await self.app(scope, receive, send)
            return
        tail, method = scope["path"].split("/trade-api/v2", 1)[-1], scope["method"]
        status, headers, body = await capture(self.app, scope, receive)
        if (method, status) == self.said_done:
            status, body = self.done(tail)
        elif status in (200, 201) and body:
            data = orjson.loads(body)
            self.wrong(method, tail, data)
            body = orjson.dumps(data)
        await send_bytes(send, status, headers, body)


def failed_checks(client: str, scene: Any, tmp_path: Path) -> dict[str, list[str]]:
    """Each check of `scene` the matrix's row `client` fails (against whatever server the scene's module makes: a
    test breaks it first), with its problems."""
    row = CLIENTS_BY_NAME[client]
    assert row.spec is not None and row.dialect is not None
    stage = scene.seed(tmp_path, row.profile)
    try:
        outcomes = run_plan(row.spec, stage, plan(scene, row.dialect, stage), tmp_path)
        return problems(judge(scene, row.dialect, stage, outcomes))
    finally:
        stage.mock.stop()


def each_fails(failed: dict[str, list[str]], named: dict[str, str]) -> None:
    """Exactly the checks `named` failed, each with a problem naming what it names."""
    assert set(failed) == set(named), failed
    for check, field in named.items():
        assert any(field in problem for problem in failed[check]), (check, failed[check])


def read_cells_fail(client: str, named: dict[str, str], tmp_path: Path) -> None:
    """The row's read cells `named` (with the server already broken where the matrix makes its mocks) each FAIL,
    their reason naming what `named` says."""
    cells, _ = client_cells(CLIENTS_BY_NAME[client], list(named), [], tmp_path)
    assert {name: cell.status for name, cell in cells.items()} == dict.fromkeys(named, FAIL), cells
    for name, field in named.items():
        assert field in cells[name].reason, (name, cells[name].reason)
