"""ccxt 4.5.90's `coinbaseinternational` (its own venv, unmodified from PyPI) against the mock's Coinbase dialect of
Deribit: it signs a CDP JWT with the key the admin API drew, authenticates with public/auth's coinbase_cdp grant over
the websocket, and loads markets, fetches the balance, places and cancels an order and fetches the open orders and
positions; each judged against the Deribit exchange (mockexchange/contract/clients/ccxt_coinbase.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockexchange.contract.clients import ccxt_coinbase
from mockexchange.server import MockServer

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py


def test_ccxt_coinbaseinternational_trades_through_the_dialect(client_venvs: dict[str, Path], tmp_path: Path) -> None:
    with MockServer() as mock:
        played = ccxt_coinbase.play(mock, tmp_path)
        assert ccxt_coinbase.problems(played) == []
        auth = played.received[0]["result"]  # the first reply on the socket: public/auth's
        assert set(auth) == {"access_token", "expires_in", "scope", "token_type"} and auth["token_type"] == "bearer"
        assert auth["scope"] == (
            "wallet:user:read wallet:accounts:read wallet:transactions:read wallet:buys:create wallet:sells:create"
        )
        requests = [request["path"] for request in played.outcomes["markets"]["requests"]]
        assert requests == ["/coinbase/api/v2/public/get_currencies", "/coinbase/api/v2/public/get_instruments"]
        # ccxt's own REST public/auth fails before sending (TypeError in its sign): no request reached the mock.
        assert played.outcomes["rest_balance"]["error"]["type"] == "TypeError"
        order = played.outcomes["order"]["result"]
        assert (order["symbol"], order["side"], order["price"], order["status"]) == (
            ccxt_coinbase.SYMBOL, "buy", 50000.0, "open",
        )  # fmt: skip
        # The judging can fail: a position ccxt read at another size is named.
        played.outcomes["positions"]["result"][0]["contracts"] = 1
        assert ccxt_coinbase.problems(played)[0].startswith("position: ccxt BTC/USDC:USDC 1")
