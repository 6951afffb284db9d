"""kalshi-sdk's websocket client (PyPI `kalshi-sdk`, import name `kalshi`), run inside that client's own venv: subscribe
to `market_positions`, `fill` and `user_orders` (or any channel), and to markets' order books through the SDK's own
book keeper, say so, then print every typed message and every book the SDK delivers until enough have arrived.

The test that starts this script applies fills to the mock once it reads the `subscribed` line, then reads the
messages (tests/clients/test_kalshi_sdk_websocket.py). Like the other scripts it runs isolated (`python -I`) and
imports only the client library, the standard library and the stdlib-only harness beside it (client_harness.py;
ws_harness.py, what it shares with the perps exchange's script, kalshi_sdk_perps_ws.py).

How the SDK is driven: `AsyncKalshiClient(key_id=..., private_key_path=..., config=KalshiConfig(base_url=...,
ws_base_url=..., max_retries=0, ws_max_retries=0, ws_json_loads=..., ws_json_dumps=...))`, then `async with
client.ws.connect() as session`, then `await session.subscribe_market_positions()` / `await session.subscribe_fill()` /
`await session.subscribe_user_orders()`, `await session.subscribe_ticker(tickers=...)` / `await
session.subscribe_trade(tickers=...)` (their only param, `market_tickers`, is the helpers' `tickers`), or the generic
`await session.subscribe(channel, params=...)` when a subscription names other params or another channel, each
answering an async iterator of typed models once the server acknowledged the subscribe. `ws_json_loads` /
`ws_json_dumps` are the SDK's public hooks for the JSON codec; here they also note every frame received and sent, so
that a message the SDK drops (it logs and skips a frame it cannot parse, it never raises) shows up as a frame without
a typed message.

A book (`books` in the plan) is the SDK's `session.orderbook(ticker)`: it subscribes to `orderbook_delta` (with the
initial snapshot) and yields the whole book its `OrderbookManager` keeps after each snapshot and delta, rebuilt by
the SDK from the frames; the script prints each.

The SDK's own limit: 22.4.0 allows no params at all on `fill` and `market_positions` (`kalshi.ws.channels.
_CHANNEL_PARAMS` maps both to an empty set), so a market filter on them is refused before anything is sent. A plan
can ask for that refusal to be shown (`refused`), and can add keys to that allow-list (`widen`): the only way to make
this SDK version send a market filter on these channels. Widening changes one module-level dict, not the SDK's code;
what is sent, parsed and routed stays the SDK's own.

Reads
-----
  MOCKEXCHANGE_BASE_URL, MOCKEXCHANGE_WS_URL, MOCKEXCHANGE_KEY_ID, MOCKEXCHANGE_PEM_PATH
  the plan, a JSON file named by argv[1]:
    {"subscriptions": [{"name": "positions", "channel": "market_positions", "params"?: {...}}, ...],
     "books"?: ["TICKER", ...],
     "refused"?: [{"channel": "fill", "params": {"market_tickers": ["A"]}}],
     "widen"?: {"fill": ["market_tickers"]},
     "expect": N, "timeout_s": T}

Prints
------
One JSON object per line, flushed as it happens:
  {"event": "refused", "channel", "params", "ok", "error": {...}|null, "sent": [frames sent during the attempt]}
  {"event": "subscribed", "names": [...]}                 every subscription was acknowledged: apply the fills now
  {"event": "message", "subscription", "class", "payload_class", "envelope": {"type", "sid", "seq"},
   "fields": {name: value}, "types": {name: python type}, "extra": {...}}
  {"event": "book", "ticker", "yes": [[price, quantity], ...], "no": [...]}   the SDK's book after a frame (Decimals
   as strings, as its Orderbook lists them: lowest price first)
  {"event": "stream_error" | "stream_closed", "subscription", ...}   an iterator ended before the script stopped it
  {"event": "done", "reason": "count"|"timeout", "messages": n, "received": [raw frames], "sent": [raw frames],
   "logs": [{"level", "logger", "message"}]}
`fields` are the payload model's declared fields read as attributes (Decimals as strings); `extra` what the model kept
beyond them. An exception exits non-zero with the traceback on stderr.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import kalshi.ws.channels
from kalshi import AsyncKalshiClient, KalshiConfig

sys.path.append(str(Path(__file__).resolve().parent))  # after the client library: see client_harness.py
import client_harness
from ws_harness import Frames, LogRecorder, describe, emit, follow


def describe_book(book: Any) -> dict[str, Any]:
    sides = {side: [[str(level.price), str(level.quantity)] for level in getattr(book, side)] for side in ("yes", "no")}
    return {"event": "book", "ticker": book.ticker, **sides}


async def subscribe(session: Any, channel: str, params: dict | None) -> Any:
    if channel in ("ticker", "trade") and set(params or {}) <= {"market_tickers"}:
        typed = session.subscribe_ticker if channel == "ticker" else session.subscribe_trade
        return await typed(tickers=(params or {}).get("market_tickers"))
    if params:
        return await session.subscribe(channel, params=params)
    if channel == "market_positions":
        return await session.subscribe_market_positions()
    if channel == "fill":
        return await session.subscribe_fill()
    if channel == "user_orders":
        return await session.subscribe_user_orders()
    return await session.subscribe(channel)


async def main(plan: dict) -> None:
    logs = LogRecorder("kalshi.ws")
    frames = Frames()
    config = KalshiConfig(
        base_url=os.environ["MOCKEXCHANGE_BASE_URL"],
        ws_base_url=os.environ["MOCKEXCHANGE_WS_URL"],
        max_retries=0,
        ws_max_retries=0,
        ws_json_loads=frames.loads,
        ws_json_dumps=frames.dumps,
    )
    async with (
        AsyncKalshiClient(
            key_id=os.environ["MOCKEXCHANGE_KEY_ID"],
            private_key_path=os.environ["MOCKEXCHANGE_PEM_PATH"],
            config=config,
        ) as client,
        client.ws.connect() as session,
    ):
        for attempt in plan.get("refused", []):
            before = len(frames.sent)
            try:
                await subscribe(session, attempt["channel"], attempt.get("params"))
                error = None
            except Exception as exc:  # the SDK's refusal is the observation
                error = client_harness.error_outcome(exc)["error"]
            emit({"event": "refused", **attempt, "ok": error is None, "error": error, "sent": frames.sent[before:]})

        for channel, keys in plan.get("widen", {}).items():  # after the refusals, which show the SDK as published
            allowed = kalshi.ws.channels._CHANNEL_PARAMS
            allowed[channel] = allowed.get(channel, frozenset()) | frozenset(keys)

        streams = []
        for sub in plan["subscriptions"]:
            streams.append((sub["name"], await subscribe(session, sub["channel"], sub.get("params"))))
        for ticker in plan.get("books", []):
            streams.append((f"book {ticker}", await session.orderbook(ticker)))
        emit({"event": "subscribed", "names": [name for name, _ in streams]})

        def shown(name: str, message: Any) -> list[dict[str, Any]]:
            return [describe_book(message) if name.startswith("book ") else describe(name, message)]

        await follow(streams, plan, frames, logs, shown)


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        asyncio.run(main(json.load(handle)))
