"""pykalshi's websocket feed (PyPI `pykalshi`, its `Feed`), run inside that client's own venv: subscribe to channels,
say so once the server has acknowledged them, then print every message the feed hands its handlers until enough have
arrived.

The caller (mockexchange/contract/clients/pykalshi_feed.py) makes fills once it reads the `subscribed` line. Like the
other scripts it runs isolated (`python -I`) and imports only the client library, the standard library and the
stdlib-only harnesses beside it (client_harness.py, ws_harness.py).

How the feed is driven: `KalshiClient(api_key_id=..., private_key_path=..., api_base=...)`, `feed = client.feed()`,
`feed.on(channel, handler)` and `feed.subscribe(channel)` for each subscription, then `feed.start()`. pykalshi 2.0.0
takes no websocket address (it connects to Kalshi's production or demo host), so the script sets the feed's
`_ws_url`, as docs/trading-bot.md does. The feed tells its handlers nothing of acknowledgements, so the plan's last
subscription is a market's `orderbook_delta` (`sentinel`): the server answers commands in order, so once that book's
snapshot arrives, every subscription before it is acknowledged. A message the feed cannot validate against its model
reaches the handler as the raw dict (it logs a warning on `pykalshi.feed`): the event says which class it was.

A book (`books` in the plan) is kept by pykalshi's own `OrderbookManager` as its docstring shows its users: the
snapshot (a message with `yes_dollars`) applied whole, each delta applied to its level; the book is printed after each
message. The sentinel may be a book's market: its snapshot says the same.

Reads
-----
  MOCKEXCHANGE_BASE_URL, MOCKEXCHANGE_WS_URL, MOCKEXCHANGE_KEY_ID, MOCKEXCHANGE_PEM_PATH
  the plan, a JSON file named by argv[1]:
    {"subscriptions": [{"name": "positions", "channel": "market_positions", "params"?: {"market_tickers": [...]}},
                       ...], "books"?: ["TICKER", ...],
     "sentinel": "TICKER", "expect": N, "timeout_s": T}

Prints
------
One JSON object per line, flushed as it happens:
  {"event": "subscribed", "names": [...]}
  {"event": "message", "subscription", "class", "fields": {name: value}, "types": {name: its Python type}}
  {"event": "book", "ticker", "yes": [[price, quantity], ...], "no": [...]}   its OrderbookManager's book after a
                                                                                frame, lowest price first
  {"event": "done", "reason": "count"|"timeout", "messages": n, "logs": [{"level", "logger", "message"}]}
An exception exits non-zero with the traceback on stderr.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

from pykalshi import KalshiClient
from pykalshi.orderbook import OrderbookManager

sys.path.append(str(Path(__file__).resolve().parent))  # after the client library: see client_harness.py
import client_harness
from ws_harness import LogRecorder, emit


def main(plan: dict) -> None:
    logs = LogRecorder("pykalshi.feed")
    client = KalshiClient(
        api_key_id=os.environ["MOCKEXCHANGE_KEY_ID"],
        private_key_path=os.environ["MOCKEXCHANGE_PEM_PATH"],
        api_base=os.environ["MOCKEXCHANGE_BASE_URL"],
        max_retries=0,
    )
    feed = client.feed()
    feed._ws_url = os.environ["MOCKEXCHANGE_WS_URL"]  # pykalshi 2.0.0 has no option for it
    lock, received, enough, acknowledged = threading.Lock(), [0], threading.Event(), threading.Event()

    def handler(name: str):
        def take(message: Any) -> None:
            fields = message.model_dump() if hasattr(message, "model_dump") else message
            event = {"event": "message", "subscription": name, "class": type(message).__name__}
            types = {field: type(value).__name__ for field, value in fields.items()}
            emit(event | {"fields": client_harness.plain(fields), "types": types})
            with lock:
                received[0] += 1
                if received[0] >= plan["expect"]:
                    enough.set()

        return take

    books = {ticker: OrderbookManager(ticker) for ticker in plan.get("books", [])}
    held: list[dict] | None = []  # the books kept before `subscribed` is printed

    def keep(message: Any) -> None:
        """As OrderbookManager's docstring has its users keep a book; then the book kept."""
        book = books.get(message.market_ticker)
        if book is not None:
            if hasattr(message, "yes_dollars"):  # a snapshot
                book.apply_snapshot(message.yes_dollars, message.no_dollars)
            else:
                book.apply_delta(message.side, message.price_dollars, message.delta_fp)
            levels = {side: sorted([[p, q] for p, q in getattr(book, side).items()], key=lambda level: float(level[0]))
                      for side in ("yes", "no")}  # fmt: skip
            with lock:  # (a book before `subscribed` is printed after it, as the caller reads them)
                (held.append if held is not None else emit)({"event": "book", "ticker": book.ticker, **levels})
                received[0] += 1
                if received[0] >= plan["expect"]:
                    enough.set()
        if message.market_ticker == plan["sentinel"]:
            acknowledged.set()

    for sub in plan["subscriptions"]:
        feed.on(sub["channel"], handler(sub["name"]))
        feed.subscribe(sub["channel"], **sub.get("params", {}))
    feed.on("orderbook_delta", keep)
    for ticker in dict.fromkeys([*books, plan["sentinel"]]):
        feed.subscribe("orderbook_delta", market_ticker=ticker)
    feed.start()
    if not acknowledged.wait(plan["timeout_s"]):
        raise RuntimeError(f"no snapshot of {plan['sentinel']} within {plan['timeout_s']} s: not subscribed")
    with lock:
        emit({"event": "subscribed", "names": [sub["name"] for sub in plan["subscriptions"]] + [*books]})
        for event in held or ():
            emit(event)
        held = None
    reason = "count" if enough.wait(plan["timeout_s"]) else "timeout"
    feed.stop()
    client.close()
    emit({"event": "done", "reason": reason, "messages": received[0], "logs": logs.records})


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        main(json.load(handle))
