"""kalshi-sdk 22.4.0's perps websocket client (`PerpsWebSocket`), unmodified from PyPI in its own venv, through the
client matrix's `perps-ws` cell (mockexchange/contract/clients/perps_ws.py): every typed message it parsed while the
exchange traded equal to the perps exchange's state, its book keeper's book equal to the exchange's; and the cell
failing on a server that breaks a frame, naming what differs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mockexchange.contract.clients.libraries import KALSHI_SDK, ensure_venv
from mockexchange.contract.clients.perps_ws import perps_ws_verdict
from mockexchange.venues.perps import ws_render

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py


def test_the_perps_websocket_client_follows_what_the_exchange_holds(tmp_path: Path) -> None:
    judged = perps_ws_verdict(ensure_venv(KALSHI_SDK), tmp_path)
    assert judged.passed, judged.reason
    assert "the snapshot and 6 deltas" in judged.reason
    assert "10 tickers, 4 trades, 4 fills and 5 user orders" in judged.reason


def _wrong_post_position(made: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    return lambda fill, client_ids: made(fill, client_ids) | {"post_position": "0.40"}  # well formed, wrong


def _short_delta(made: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def delta(moved: Any, level: Any, cause: Any) -> dict[str, Any]:
        msg = made(moved, level, cause)
        return msg | {"delta": "-0.10"} if msg["delta"] == "-0.20" else msg  # the maker's sell takes 0.10, not 0.20

    return delta


@pytest.mark.parametrize(
    ("renderer", "broken", "said"),
    [
        ("fill", _wrong_post_position, "MarginFillMessage"),
        ("delta", _short_delta, "the book after it: the SDK's book"),
    ],
)
def test_a_broken_frame_fails_the_cell_naming_what_differs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renderer: str, broken: Callable[..., Any], said: str
) -> None:
    monkeypatch.setattr(ws_render, renderer, broken(getattr(ws_render, renderer)))
    judged = perps_ws_verdict(ensure_venv(KALSHI_SDK), tmp_path)
    assert not judged.passed
    assert said in judged.reason, judged.reason
    if renderer == "fill":
        assert "post_position: the SDK '0.40' (Decimal), the mock 1.00" in judged.reason, judged.reason
