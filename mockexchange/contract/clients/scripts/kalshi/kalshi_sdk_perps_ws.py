"""kalshi-sdk's perps (margin) websocket client, `kalshi.perps.PerpsWebSocket`, run inside that client's own venv:
subscribe to the perps exchange's channels through its typed helpers, say so, then print every typed message the SDK
delivers (and, after each order book message, the book its own keeper holds) until enough have arrived.

The matrix's `perps-ws` cell (mockexchange/contract/clients/perps_ws.py) starts this script and trades on the mock
once it reads the `subscribed` line. Like the other scripts it runs isolated (`python -I`) and imports only the client
library, the standard library and the stdlib-only harness beside it (client_harness.py, ws_harness.py).

How the SDK is driven: `PerpsWebSocket(auth=KalshiAuth.from_key_path(key_id, pem_path), config=PerpsConfig(
base_url=..., ws_base_url=...: the mock's loopback host, which the config takes as it is, max_retries=0,
ws_max_retries=0, ws_json_loads=..., ws_json_dumps=...))`, then `async with ws.connect() as session`, then per
subscription `await session.subscribe_orderbook_delta(tickers=...)` (the snapshot first, then deltas, applied by the
SDK's `PerpsOrderbookManager` before they are delivered) / `subscribe_ticker` / `subscribe_trade` / `subscribe_fill`
/ `subscribe_user_orders` (each with `tickers=...`), each answering an async iterator of typed models once the server
acknowledged the subscribe.

The book the SDK keeps: a snapshot message's `msg.bid` / `msg.ask` are, after its dispatch, the live maps of the
SDK's `PerpsOrderbookManager` (price -> count), which every later delta of the market mutates (the SDK says so on
`subscribe_orderbook_delta`); the script prints them after each snapshot and delta it is given. The recv loop may run
ahead of the consumer, so a book printed after a delta may hold later ones too: a reader waits for all of a step's
messages and takes the last book.

Reads
-----
  MOCKEXCHANGE_BASE_URL, MOCKEXCHANGE_WS_URL (the perps websocket, .../trade-api/ws/v2/margin), MOCKEXCHANGE_KEY_ID,
  MOCKEXCHANGE_PEM_PATH
  the plan, a JSON file named by argv[1]:
    {"subscriptions": [{"name": "book", "channel": "orderbook_delta", "tickers": ["BTC-PERP"]}, ...],
     "expect": N, "timeout_s": T}

Prints
------
One JSON object per line, flushed as it happens:
  {"event": "subscribed", "names": [...]}                 every subscription was acknowledged: trade now
  {"event": "message", "subscription", "class", "payload_class", "envelope": {"type", "sid", "seq"},
   "fields": {name: value}, "types": {name: python type}, "extra": {...}}   (ws_harness.py's `describe`; a
   snapshot's `bid` and `ask` are left out of `fields`: the book event after it shows them)
  {"event": "book", "ticker", "bid": [[price, count], ...] best first, "ask": [...] best first}   the SDK's book
  {"event": "stream_error" | "stream_closed", "subscription", ...}   an iterator ended before the script stopped it
  {"event": "done", "reason": "count"|"timeout", "messages": n, "received": [raw frames], "sent": [raw frames],
   "logs": [{"level", "logger", "message"}]}
An exception exits non-zero with the traceback on stderr.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from kalshi.auth import KalshiAuth
from kalshi.perps import PerpsConfig, PerpsWebSocket

sys.path.append(str(Path(__file__).resolve().parent))  # after the client library: see client_harness.py
from ws_harness import Frames, LogRecorder, describe, emit, follow

BOOK_TYPES = ("orderbook_snapshot", "orderbook_delta")


async def subscribe(session: Any, channel: str, tickers: list[str] | None) -> Any:
    """The SDK's typed helper for the channel."""
    helpers = {
        "orderbook_delta": session.subscribe_orderbook_delta,
        "ticker": session.subscribe_ticker,
        "trade": session.subscribe_trade,
        "fill": session.subscribe_fill,
        "user_orders": session.subscribe_user_orders,
    }
    return await helpers[channel](tickers=tickers)


class Books:
    """The live maps of the SDK's book keeper, from each market's snapshot message."""

    def __init__(self) -> None:
        self.sides: dict[str, Any] = {}

    def shown(self, name: str, message: Any) -> list[dict[str, Any]]:
        """The message as an event, and after a book message the book the SDK keeps of its market."""
        if message.type not in BOOK_TYPES:
            return [describe(name, message)]
        ticker = message.msg.market_ticker
        described = describe(name, message)
        if message.type == "orderbook_snapshot":
            self.sides[ticker] = message.msg  # (its bid and ask: the keeper's own maps from now on)
            for side in ("bid", "ask"):
                described["fields"].pop(side)
                described["types"].pop(side)
        held = self.sides.get(ticker)
        if held is None:
            return [described]
        book = {"bid": sorted(held.bid.items(), reverse=True), "ask": sorted(held.ask.items())}
        levels = {side: [[str(price), str(count)] for price, count in book[side]] for side in book}
        return [described, {"event": "book", "ticker": ticker, **levels}]


async def main(plan: dict) -> None:
    logs = LogRecorder("kalshi.perps.ws")
    frames = Frames()
    config = PerpsConfig(
        base_url=os.environ["MOCKEXCHANGE_BASE_URL"],
        ws_base_url=os.environ["MOCKEXCHANGE_WS_URL"],
        max_retries=0,
        ws_max_retries=0,
        ws_json_loads=frames.loads,
        ws_json_dumps=frames.dumps,
    )
    auth = KalshiAuth.from_key_path(os.environ["MOCKEXCHANGE_KEY_ID"], os.environ["MOCKEXCHANGE_PEM_PATH"])
    async with PerpsWebSocket(auth=auth, config=config).connect() as session:
        streams = []
        for sub in plan["subscriptions"]:
            streams.append((sub["name"], await subscribe(session, sub["channel"], sub.get("tickers"))))
        emit({"event": "subscribed", "names": [name for name, _ in streams]})
        await follow(streams, plan, frames, logs, Books().shown)


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        asyncio.run(main(json.load(handle)))
