"""kalshi-sdk 22.4.0's `PerpsClient`, unmodified from PyPI in its own venv (python 3.12), through the client matrix's
`perps` cell (mockexchange/contract/clients/perps_client.py) failing on a broken server, naming the field. That it
passes the mock, every resource of it the mock serves called, is the client matrix's test (tests/clients/
test_client_matrix.py), which runs the same cell."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mockexchange.contract.clients.libraries import KALSHI_SDK, ensure_venv
from mockexchange.contract.clients.perps_client import perps_verdict
from mockexchange.core.perps.units import DOLLAR
from mockexchange.venues.perps import fcm, render

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py


def test_a_broken_server_fails_the_cell_naming_the_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = render.position

    def broken(held: Any, subaccount: int) -> dict[str, Any]:
        return made(held, subaccount) | {"entry_price": "1.000000"}  # a wrong entry price, well formed

    limit, cap = fcm.limit, 100 * DOLLAR + DOLLAR // 2  # the subtrader's cap the client sets on BTC-PERP

    def wrong_cap(micro: int) -> str:
        return limit(micro * 2 if micro == cap else micro)  # that cap answered doubled, well formed

    monkeypatch.setattr(render, "position", broken)
    monkeypatch.setattr(fcm, "limit", wrong_cap)
    judged = perps_verdict(ensure_venv(KALSHI_SDK), tmp_path)
    assert not judged.passed
    assert "position BTC-PERP: entry_price: Decimal('1.000000')" in judged.reason, judged.reason
    assert "fcm_risk_controls market BTC-PERP: im_cap: Decimal('201.0000')" in judged.reason, judged.reason
