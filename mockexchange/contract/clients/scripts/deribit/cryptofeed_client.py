"""cryptofeed (PyPI `cryptofeed`), run inside that client's own venv against a mock's Deribit over TLS: one
instrument's book (`L2_BOOK`), its trades (`TRADES`) and the key's fills (`FILLS`) on one feed, the key's balance in
one currency (`BALANCES`) on another, as its users subscribe them; every callback printed as it comes.

Like the Kalshi scripts it runs isolated (`python -I`, see scripts/kalshi/client_harness.py) and imports only the
client library and the standard library. cryptofeed 2.4.1 takes `wss://` only and has no option for its addresses:
the script sets its `Deribit` class's endpoints to the mock's, and reads the instruments of BTC, ETH and USDC only
(Deribit's published API takes no `currency=SOL`, which cryptofeed also asks for). It trusts the mock's certificate
through `SSL_CERT_FILE` and `REQUESTS_CA_BUNDLE`, which the caller sets. It runs until it is stopped, or for the plan's
`timeout_s` at most.

Reads
-----
  MOCKEXCHANGE_BASE_URL    https://127.0.0.1:PORT
  MOCKEXCHANGE_KEY_ID, MOCKEXCHANGE_KEY_SECRET   the Deribit key's client id and secret
  the plan, a JSON file named by argv[1]: {"symbol": "BTC-USD-PERP", "currency": "BTC", "timeout_s": T}

Prints
------
One JSON object per line, flushed as it happens; numbers as strings, as cryptofeed's `to_dict(numeric_type=str)`
gives them:
  {"event": "book", "book": {"bid": {price: amount}, "ask": {...}}, "sequence": change_id, ...}
  {"event": "trade" | "fill" | "balance", ...}   the callback's object as its `to_dict` gives it
  {"event": "ready"}   once a book and a balance have come: the subscriptions are made
  {"event": "done", "reason": "timeout"}
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

from cryptofeed import FeedHandler
from cryptofeed.connection import RestEndpoint, Routes, WebsocketEndpoint
from cryptofeed.defines import BALANCES, FILLS, L2_BOOK, TRADES
from cryptofeed.exchanges import Deribit

CURRENCIES = ("BTC", "ETH", "USDC")


def emit(event: dict) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def main(plan: dict) -> None:
    base = os.environ["MOCKEXCHANGE_BASE_URL"]
    Deribit.websocket_endpoints = [WebsocketEndpoint(base.replace("https", "wss", 1) + "/ws/api/v2")]
    routes = Routes([f"/api/v2/public/get_instruments?currency={currency}" for currency in CURRENCIES])
    Deribit.rest_endpoints = [RestEndpoint(base, routes=routes)]
    key = {"key_id": os.environ["MOCKEXCHANGE_KEY_ID"], "key_secret": os.environ["MOCKEXCHANGE_KEY_SECRET"]}
    config = {"deribit": key, "log": {"disabled": True}}
    seen: set[str] = set()

    def told(kind: str):
        async def take(item, receipt_timestamp):
            fields = item.to_dict(numeric_type=str)
            if kind == "book":
                fields["sequence"] = item.sequence_number
            emit({"event": kind, **fields})
            if kind in ("book", "balance") and kind not in seen:
                seen.add(kind)
                if seen >= {"book", "balance"}:
                    emit({"event": "ready"})

        return take

    handler = FeedHandler(config=config)
    channels = {L2_BOOK: told("book"), TRADES: told("trade"), FILLS: told("fill")}
    handler.add_feed(Deribit(config=config, symbols=[plan["symbol"]], channels=list(channels), callbacks=channels))
    balances = {BALANCES: told("balance")}
    handler.add_feed(Deribit(config=config, symbols=[plan["currency"]], channels=[BALANCES], callbacks=balances))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def stop() -> None:
        emit({"event": "done", "reason": "timeout"})
        loop.stop()

    loop.call_later(plan["timeout_s"], stop)
    handler.run(start_loop=True, install_signal_handlers=False)


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        main(json.load(handle))
