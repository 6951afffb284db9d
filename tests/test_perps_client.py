"""kalshi-sdk 22.4.0's `PerpsClient`, unmodified from PyPI in its own venv (python 3.12), through the client matrix's
`perps` cell (mockexchange/contract/clients/perps_client.py): every resource of it the mock serves, each value it
parsed equal to the perps exchange's state; and the same cell failing on a broken server, naming the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mockexchange.contract.clients.libraries import KALSHI_SDK, ensure_venv
from mockexchange.contract.clients.perps_client import perps_verdict
from mockexchange.core.perps.units import DOLLAR
from mockexchange.venues.perps import fcm, render

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py


def test_the_perps_client_reads_what_the_exchange_holds(tmp_path: Path) -> None:
    judged = perps_verdict(ensure_venv(KALSHI_SDK), tmp_path)
    assert judged.passed, judged.reason
    for call in ("create", "amend", "decrease", "cancel", "transfer", "markets", "books", "positions", "risk",
                 "subaccount_transfer", "group_create", "group_limit", "group_trigger", "group_delete", "groups",
                 "fee_tier_rates", "notional_limit", "corporate_actions", "candles", "trigger_set", "trigger_update",
                 "trigger_cancel", "isolated_trailing", "isolated_cancel", "triggers_eth", "triggers_isolated",
                 "funding_history", "funding_rates", "funding_estimate", "premium_index", "fcm_subtrader",
                 "fcm_cap_market", "fcm_cap_delete", "fcm_limit", "fcm_limit_delete", "fcm_risk_controls",
                 "fcm_risk_controls_held", "fcm_notional_limit"):  # fmt: skip
        assert call in judged.reason


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
