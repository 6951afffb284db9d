"""Kalshi's websocket market tickers are bounded by length as well as by count, over a real websocket: a ticker longer
than the admin API's bound (256 characters) is refused with error 11 in Kalshi's shape, in a subscribe and in an
update, and nothing is added; one of 256 characters is taken, so a subscription can name every market the mock can
list. Without the bound a connection could hold 10,000 tickers of 60 KiB each."""

from __future__ import annotations

import json
from typing import Any

from hostile_sockets import checked_frame
from websockets.sync.client import connect

from mockexchange.core.values import MAX_TEXT
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner
from mockexchange.venues.kalshi.subscriptions import MAX_TICKER_CHARS

WS_PATH = "/trade-api/ws/v2"


def test_the_websocket_bound_is_the_admin_apis():
    assert MAX_TICKER_CHARS == MAX_TEXT == 256


def test_a_ticker_longer_than_256_characters_is_error_11_and_nothing_is_added():
    longest, too_long = "K" * MAX_TICKER_CHARS, "K" * (MAX_TICKER_CHARS + 1)
    with MockServer() as mock:
        mock.create_account("alice")
        key = mock.create_key("alice")
        signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
        headers = signer.headers("GET", WS_PATH)
        with connect(mock.kalshi_ws_url, additional_headers=headers, open_timeout=10) as ws:

            def ask(command: dict[str, Any]) -> dict[str, Any]:
                ws.send(json.dumps(command))
                return checked_frame(ws.recv(timeout=10), mock.app.settings.profile)

            for params in ({"market_ticker": too_long}, {"market_tickers": ["KXA-1", "K" * 60_000]}):
                refused = ask({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"], **params}})
                assert (refused["type"], refused["id"], refused["msg"]) == (
                    "error", 1, {"code": 11, "msg": "Invalid parameter"}
                )  # fmt: skip
                assert "at most 256 characters" in refused["mockexchange_diagnosis"]
                assert len(refused["mockexchange_diagnosis"]) < 300, "the diagnosis quotes an excerpt only"
            assert ask({"id": 2, "cmd": "list_subscriptions"})["msg"] == [], "nothing was subscribed"
            made = ask({"id": 3, "cmd": "subscribe", "params": {"channels": ["fill"], "market_ticker": longest}})
            assert made["type"] == "subscribed" and made["msg"]["sid"] == 1
            update = {"sid": 1, "action": "add_markets", "market_tickers": ["KXB-1", too_long]}
            refused = ask({"id": 4, "cmd": "update_subscription", "params": update})
            assert (refused["type"], refused["msg"]["code"]) == ("error", 11)
            kept = ask({"id": 5, "cmd": "update_subscription", "params": {**update, "market_tickers": ["KXB-1"]}})
            assert kept["msg"]["market_tickers"] == [longest, "KXB-1"], "the refused update added nothing"
