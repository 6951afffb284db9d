"""kalshi-sdk 22.4.0's perps websocket client (`PerpsWebSocket`), unmodified from PyPI in its own venv, through the
client matrix's `perps-ws` cell (mockexchange/contract/clients/perps_ws.py) failing on a server that breaks a frame,
naming what differs. That it passes the mock (every typed message equal to the perps exchange's state, its book
keeper's book equal to the exchange's) is the client matrix's test (tests/clients/test_client_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mockexchange.contract.clients.libraries import KALSHI_SDK, ensure_venv
from mockexchange.contract.clients.perps_ws import perps_ws_verdict
from mockexchange.venues.perps import ws_render

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py


def _wrong_post_position(made: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def fill(fill: Any, client_ids: Any) -> dict[str, Any]:
        msg = made(fill, client_ids)
        return msg | {"post_position": "0.40"} if msg["post_position"] == "1.00" else msg  # one fill, well formed

    return fill


def _short_delta(made: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def delta(moved: Any, level: Any, cause: Any) -> dict[str, Any]:
        msg = made(moved, level, cause)
        return msg | {"delta": "-0.10"} if msg["delta"] == "-0.20" else msg  # the maker's sell takes 0.10, not 0.20

    return delta


def test_broken_frames_fail_the_cell_naming_what_differs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fill's wrong `post_position` and a short delta, in one run: the cell names both."""
    for renderer, broken in (("fill", _wrong_post_position), ("delta", _short_delta)):
        monkeypatch.setattr(ws_render, renderer, broken(getattr(ws_render, renderer)))
    judged = perps_ws_verdict(ensure_venv(KALSHI_SDK), tmp_path)
    assert not judged.passed
    for said in ("MarginFillMessage", "post_position: the client '0.40' (Decimal), the mock 1.00",
                 "the book after it: the SDK's book"):  # fmt: skip
        assert said in judged.reason, judged.reason
