"""The mock's connection limits as its uvicorn protocols read them (the settings' header, body and close timeouts, its
connection cap, a websocket's send buffer: `ConnectionLimits`, carried by `MockConfig`), and what both protocols enforce
them with: a connection's timer (`Deadline`) and an answer written raw that closes the connection (`closing_answer`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import uvicorn

from mockexchange.settings import Settings
from mockexchange.web.answers import DIAGNOSIS_HEADER, header_safe


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """What the mock's protocols read from the settings (through `MockConfig`)."""

    header_timeout_s: float
    body_timeout_s: float
    max_connections: int
    ws_send_buffer_bytes: int
    ws_close_timeout_s: float  # a client that has not answered the close frame by then is cut off

    @classmethod
    def of(cls, settings: Settings) -> ConnectionLimits:
        # The ping timeout is how long the mock waits for a silent client; it waits as long for the close's answer.
        return cls(
            settings.header_timeout_s,
            settings.body_timeout_s,
            settings.max_connections,
            settings.ws_send_buffer_bytes,
            settings.ws_ping_timeout_s,
        )


class MockConfig(uvicorn.Config):
    """uvicorn's configuration, carrying the limits the mock's protocols read."""

    def __init__(self, app: Any, limits: ConnectionLimits, **options: Any) -> None:
        super().__init__(app, **options)
        self.limits = limits


def limits_of(config: uvicorn.Config) -> ConnectionLimits:
    """The limits a protocol's config carries (a plain uvicorn config: the default settings')."""
    return getattr(config, "limits", None) or ConnectionLimits.of(Settings())


def closing_answer(status: int, reason: str, diagnosis: str) -> bytes:
    """A whole HTTP response that closes the connection, written before (or instead of) reading a request."""
    body = f"{reason}\n".encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {len(body)}\r\n"
        f"connection: close\r\n{DIAGNOSIS_HEADER}: {header_safe(diagnosis)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class Deadline:
    """One of a connection's timers: started once (a running one goes on), stopped once what it waited for came."""

    __slots__ = ("handle",)

    def __init__(self) -> None:
        self.handle: asyncio.TimerHandle | None = None

    def start(self, loop: asyncio.AbstractEventLoop, seconds: float, then: Callable[[], None]) -> None:
        if self.handle is None:
            self.handle = loop.call_later(seconds, self._fire, then)

    def _fire(self, then: Callable[[], None]) -> None:
        self.handle = None
        then()

    def stop(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
            self.handle = None
