"""A Deribit mock for tests of its public reads over real HTTP: a mock on a manual clock at a fixed instant, the
admin API's operations by their paths, a public method's reply, result and error, exchange times in Deribit's
milliseconds, and the clock moved through the admin API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import plain_http

from mockexchange.core.clock import ManualClock, unix_ms
from mockexchange.server import MockServer

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday at noon: on every grid the reads use (5 minutes, hours)


@contextmanager
def started() -> Iterator[MockServer]:
    """A fresh mock on a manual clock standing at `START` (its default instruments and index prices listed then)."""
    with MockServer(clock=ManualClock(START)) as server:
        yield server


def admin(mock: MockServer, path: str, body: dict[str, Any]) -> Any:
    """`POST /_admin/<path>`: its answer, which must be a 200."""
    response = plain_http.post(f"{mock.base_url}/_admin/{path}", json=body, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def refused(mock: MockServer, path: str, body: dict[str, Any]) -> tuple[int, str]:
    """`POST /_admin/<path>` refused: its status and error."""
    response = plain_http.post(f"{mock.base_url}/_admin/{path}", json=body, timeout=10)
    assert response.status_code >= 400, response.text
    return response.status_code, response.json()["error"]


def rpc(mock: MockServer, method: str, **params: Any) -> dict[str, Any]:
    """A public method's reply over HTTP, its numbers read as Decimals (the wire's exact digits)."""
    body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
    response = plain_http.post(f"{mock.deribit_url}/api/v2/{method}", json=body, timeout=10)
    reply = json.loads(response.text, parse_float=Decimal)
    assert response.status_code == (200 if "result" in reply else 400), response.text
    return reply


def result(mock: MockServer, method: str, **params: Any) -> Any:
    reply = rpc(mock, method, **params)
    assert "result" in reply, reply
    return reply["result"]


def error(mock: MockServer, method: str, **params: Any) -> tuple[int, dict[str, Any] | None]:
    """A refusal's code and data (Deribit's `{reason, param}` for -32602)."""
    reply = rpc(mock, method, **params)
    assert "error" in reply, reply
    return reply["error"]["code"], reply["error"].get("data")


def ms(when: datetime | timedelta) -> int:
    """Deribit's milliseconds of an exchange time, or of that long after `START`."""
    return unix_ms(START + when if isinstance(when, timedelta) else when)


def move_clock(mock: MockServer, seconds: float) -> None:
    admin(mock, "clock", {"seconds": seconds})
