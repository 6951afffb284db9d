"""What a Deribit mass quote of 100 quotes costs against one crossing `private/buy` (issue 56's bound: at most 20
times), both over one websocket connection (a mass quote needs cancel on disconnect, which only a connection has), for
this tree, and another one (`--before`) as ratios.

    .venv/bin/python bench/mass_quote_cost.py                       # this tree: 5 rounds of 300 requests a figure
    .venv/bin/python bench/mass_quote_cost.py --before /tmp/before  # both trees in turn

The market maker's MMP group quotes 50 BTC futures dated a day apart, a bid and an ask each (100 quotes of 10 USD, far
from each other: nothing crosses); each request moves every quote a tick (one request down, the next up), so each
side amends its resting quote and enters the book again. The buy is an immediate-or-cancel limit order for 10 USD of
BTC-PERPETUAL at 60000 against another account's resting sell of 10,000,000 USD there, so each request crosses that
one level and fills (bench/deribit_order_cost.py's). Both go over the same connection, authenticated once with
`public/auth` (as a websocket client signs), with cancel on disconnect on. Each frame is handed straight to the app's
ASGI websocket (no socket, no client library) and its reply awaited; the figure is the process's CPU time per request
in the least disturbed batch of 50, each measurement a child process of its own, the medians of the rounds reported.
A tree without `private/mass_quote` measures the buy alone.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from typing import Any

import benchlib

USER, MAKER = "bench", "bench-maker"
FUTURES = [benchlib.FIXED_TIME.date() + timedelta(days=30 + n) for n in range(50)]
BATCH = 50


class Socket:
    """One websocket connection to an ASGI app, driven by hand: each request's reply awaited by its id."""

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.inbox.put_nowait({"type": "websocket.connect"})
        scope = {
            "type": "websocket", "asgi": {"version": "3.0"}, "scheme": "ws", "path": "/ws/api/v2",
            "raw_path": b"/ws/api/v2", "query_string": b"", "root_path": "", "headers": [],
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80), "subprotocols": [],
        }  # fmt: skip
        self.task = loop.create_task(app(scope, self.inbox.get, self._send))
        self.next_id = 0

    async def _send(self, message: dict[str, Any]) -> None:
        if message["type"] == "websocket.send":
            frame = json.loads(message["text"])
            if "id" in frame:
                await self.replies.put(frame)

    async def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        text = json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        await self.inbox.put({"type": "websocket.receive", "text": text})
        while True:
            reply = await self.replies.get()
            if reply["id"] == self.next_id:
                return reply


def _quotes(offset: int) -> list[dict[str, Any]]:
    return [
        {"instrument_name": f"BTC-{day:%-d%b%y}".upper(), "quote_set_id": "bench",
         "bid": {"price": 59000 - offset * 2.5, "amount": 10}, "ask": {"price": 61000 + offset * 2.5, "amount": 10}}
        for day in FUTURES
    ]  # fmt: skip


def timed(loop: asyncio.AbstractEventLoop, requests: int, call: Any) -> float:
    """The CPU time per request of `call(n)` in its least disturbed batch of `BATCH`."""
    batches = []
    for _ in range(max(1, requests // BATCH)):
        started = time.process_time()
        loop.run_until_complete(_batch(call))
        batches.append((time.process_time() - started) / BATCH)
    return min(batches)


async def _batch(call: Any) -> None:
    for n in range(BATCH):
        reply = await call(n)
        assert "result" in reply, reply


def measure(requests: int) -> dict[str, float]:
    from mockexchange.app import build_app
    from mockexchange.core.clock import ManualClock
    from mockexchange.settings import Settings

    app = build_app(Settings(), clock=ManualClock(benchlib.FIXED_TIME), seed=7)
    control = app.control
    control.create_deribit_account(USER, balances={"BTC": "1000"})
    control.create_deribit_account(MAKER, balances={"BTC": "1000"})
    control.set_index_price("btc_usd", "60000")
    for day in FUTURES:
        control.list_instrument(f"BTC-{day:%-d%b%y}".upper())
    control.deribit_order(MAKER, "BTC-PERPETUAL", "sell", "10000000", "60000")
    key = control.create_deribit_key(USER)
    loop = asyncio.new_event_loop()
    socket = Socket(app.asgi, loop)
    auth = {"grant_type": "client_credentials", "client_id": key["client_id"], "client_secret": key["client_secret"]}
    assert "result" in loop.run_until_complete(socket.call("public/auth", auth))
    buy = {"instrument_name": "BTC-PERPETUAL", "amount": 10, "type": "limit", "price": 60000,
           "time_in_force": "immediate_or_cancel"}  # fmt: skip
    figures = {"buy_us": timed(loop, requests, lambda n: socket.call("private/buy", buy)) * 1e6}
    loop.run_until_complete(socket.call("private/enable_cancel_on_disconnect", {}))
    config = {"index_name": "btc_usd", "interval": 1, "frozen_time": 0, "quantity_limit": 1000,
              "max_quote_quantity": 1000, "mmp_group": "bench"}  # fmt: skip
    if "result" in loop.run_until_complete(socket.call("private/set_mmp_config", config)):

        def quote(n: int) -> Any:
            params = {"quote_id": str(n), "mmp_group": "bench", "quotes": _quotes(n % 2)}
            return socket.call("private/mass_quote", params)

        first = loop.run_until_complete(quote(1))
        assert first["result"]["errors_count"] == 0, first
        assert len(app.control.exchange.state.orders.of_wallet(app.control.exchange.accounts.wallet(USER).id)) == 100
        figures["quote_us"] = timed(loop, requests, quote) * 1e6
        figures["quote_over_buy"] = figures["quote_us"] / figures["buy_us"]
    loop.run_until_complete(socket.inbox.put({"type": "websocket.disconnect", "code": 1000}))
    loop.run_until_complete(asyncio.wait_for(socket.task, 5))
    loop.close()
    return figures


ROWS = [
    ("crossing private/buy, websocket (CPU us)", "buy_us"),
    ("private/mass_quote, 100 quotes (CPU us)", "quote_us"),
    ("  / private/buy (bound: 20)", "quote_over_buy"),
]


if __name__ == "__main__":
    benchlib.request_bench(__doc__, __file__, measure, ROWS)
