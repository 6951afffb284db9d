"""What kalshi-sdk's websocket scripts share (kalshi_sdk_ws.py, the Kalshi exchange's client; kalshi_sdk_perps_ws.py,
the perps exchange's): the events they print, one JSON object a line; the SDK's JSON codec hooks that note every frame
received and sent; a recorder of what the SDK logs; a typed message as an event; and draining the subscriptions until
enough messages have arrived, then the `done` event. Standard library only, as client_harness.py (beside it, which
says how a script finds it).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Callable
from typing import Any

import client_harness


def emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


class Frames:
    """The SDK's JSON codec hooks (its config's `ws_json_loads` / `ws_json_dumps`), noting every frame as it passes:
    a frame the SDK drops (it logs and skips one it cannot parse) shows up as a frame without a typed message."""

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
    """What the SDK logs on its websocket's logger: where it says it skipped a frame."""

    def __init__(self, logger: str) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[dict[str, str]] = []
        sdk_log = logging.getLogger(logger)
        sdk_log.addHandler(self)
        sdk_log.setLevel(logging.DEBUG)

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            message += f" | {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        self.records.append({"level": record.levelname, "logger": record.name, "message": message[:3000]})


def describe(name: str, message: Any) -> dict[str, Any]:
    """A typed message of subscription `name`: its payload model's declared fields read as attributes (Decimals as
    strings), their Python types, and what the model kept beyond them."""
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


async def follow(
    streams: list[tuple[str, Any]],
    plan: dict,
    frames: Frames,
    logs: LogRecorder,
    shown: Callable[[str, Any], list[dict[str, Any]]],
) -> None:
    """Print what `shown(name, message)` makes of each message of each stream as the SDK delivers it, until the
    plan's `expect` messages have arrived or its `timeout_s` has passed; then the `done` event."""
    received = 0
    enough = asyncio.Event()

    async def drain(name: str, stream: Any) -> None:
        nonlocal received
        try:
            async for message in stream:
                for event in shown(name, message):
                    emit(event)
                received += 1
                if received >= plan["expect"]:
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
    done = {"reason": reason, "messages": received, "received": frames.received, "sent": frames.sent}
    emit({"event": "done", **done, "logs": logs.records})
