"""The demo portfolio funds every exchange instance it trades on, as a user would: its users' balance breakdowns
(GET /portfolio/balance, signed, over real HTTP) show no negative cash, and a user trading on exchange index 1 lists
the instance transfer that funded it."""

from __future__ import annotations

from decimal import Decimal

import plain_http
from kalshi_http import ok, signed

from mockexchange.scenario.generator import generate
from mockexchange.server import MockServer
from mockexchange.settings import DEFAULT_SEED


def test_no_exchange_instance_of_the_demo_shows_negative_cash() -> None:
    with MockServer() as mock:
        mock.set_rate_limit_tier("off")
        generate(mock.app.scenarios, DEFAULT_SEED)
        users = [
            user["user_id"] for user in plain_http.get(f"{mock.base_url}/_admin/accounts", timeout=10).json()["kalshi"]
        ]
        funded = 0
        for user_id in users:
            with signed(mock, user_id, key_type="ed25519") as client:
                breakdown = ok(client, "/portfolio/balance")["balance_breakdown"]
                assert all(Decimal(part["balance"]) >= 0 for part in breakdown), (user_id, breakdown)
                if any(part["exchange_index"] == 1 for part in breakdown):
                    transfers = ok(client, "/portfolio/intra_exchange_instance_transfers")["transfers"]
                    assert [(t["destination_exchange_shard"], t["status"]) for t in transfers] == [(1, "complete")]
                    funded += 1
        assert funded >= 1, "the demo trades on exchange index 1"
