"""kalshi-sdk's websocket client (PyPI `kalshi-sdk`, import name `kalshi`), run inside that client's own venv: subscribe
to `market_positions`, `fill` and `user_orders` (or any channel), and to markets' order books through the SDK's own
book keeper, say so, then print every typed message and every book the SDK delivers until enough have arrived.

The test that starts this script applies fills to the mock once it reads the `subscribed` line, then reads the
messages (tests/clients/test_kalshi_sdk_websocket.py). Like the other scripts it runs isolated (`python -I`) and
imports only the client library, the standard library and the stdlib-only harness beside it (see client_harness.py).

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
import logging
import os
import sys
from pathlib import Path
from typing import Any

import kalshi.ws.channels
from kalshi import AsyncKalshiClient, KalshiConfig

sys.path.append(str(Path(__file__).resolve().parent))  # after the client library: see client_harness.py
import client_harness


def emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


class Frames:
    """The SDK's JSON codec hooks, noting every frame as it passes."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.sent: list[str] = []

    def loads(self, raw: bytes | str) -> Any:
        self.received.append(raw.decode() if isinstance(raw, bytes) else raw)
        return json.loads(raw)

    def dumps(self, command: Any) -> str:
        text = json.dumps(command)
        self.sent.append(text)
        return text


class LogRecorder(logging.Handler):
    """What the SDK logs on `kalshi.ws`: where it says it skipped a frame."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[dict[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            message += f" | {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        self.records.append({"level": record.levelname, "logger": record.name, "message": message[:3000]})


def describe(name: str, message: Any) -> dict[str, Any]:
    payload = message.msg
    fields = {field: getattr(payload, field) for field in type(payload).model_fields}
    return {
        "event": "message",
        "subscription": name,
        "class": type(message).__name__,
        "payload_class": type(payload).__name__,
        "envelope": {"type": message.type, "sid": message.sid, "seq": message.seq},
        "fields": client_harness.plain(fields),
        "types": {field: type(value).__name__ for field, value in fields.items()},
        "extra": client_harness.plain(payload.model_extra or {}),
    }


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
    logs = LogRecorder()
    sdk_log = logging.getLogger("kalshi.ws")
    sdk_log.addHandler(logs)
    sdk_log.setLevel(logging.DEBUG)
    frames = Frames()
    config = KalshiConfig(
        base_url=os.environ["MOCKEXCHANGE_BASE_URL"],
        ws_base_url=os.environ["MOCKEXCHANGE_WS_URL"],
        max_retries=0,
        ws_max_retries=0,
        ws_json_loads=frames.loads,
        ws_json_dumps=frames.dumps,
    )
    expect = plan["expect"]
    received = 0
    enough = asyncio.Event()
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

        async def drain(name: str, stream: Any) -> None:
            nonlocal received
            try:
                async for message in stream:
                    emit(describe_book(message) if name.startswith("book ") else describe(name, message))
                    received += 1
                    if received >= expect:
                        enough.set()
            except Exception as exc:  # the SDK ends an iterator with an error it wants the consumer to see
                emit({"event": "stream_error", "subscription": name, **client_harness.error_outcome(exc)})
            else:
                emit({"event": "stream_closed", "subscription": name})

        tasks = [asyncio.create_task(drain(name, stream)) for name, stream in streams]
        try:
            await asyncio.wait_for(enough.wait(), timeout=plan["timeout_s"])
            reason = "count"
        except TimeoutError:
            reason = "timeout"
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    emit(
        {
            "event": "done",
            "reason": reason,
            "messages": received,
            "received": frames.received,
            "sent": frames.sent,
            "logs": logs.records,
        }
    )


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        asyncio.run(main(json.load(handle)))
