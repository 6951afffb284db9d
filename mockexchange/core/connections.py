"""The websocket connections open on one mock, every venue's, so the control plane can close a user's connections
with a close code of its choosing (a fault: `close_websockets`, docs/misbehaving.md).

A connection registers itself once it is accepted and leaves when it ends. It is anything with a `venue`, the
`user_id` and `key_id` it acts for (Kalshi: the signing key's user and key id; Deribit: the account and client id bound
by `public/auth`, None before) and a thread-safe `close_soon(code, reason)`. Transport-free: the venues' connections
do the closing on their own loops. `listed` lets the inspector read them (`subscribed(limit)`, on their loop): a
connection names a bounded part of what it holds, at a bounded cost, however much that is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from mockexchange.core.commands import Command, value
from mockexchange.core.faults import VENUE_NAME, FaultError, FaultVenues
from mockexchange.core.money import shown
from mockexchange.core.values import Kind, Refused, Text

MAX_CLOSE_REASON_BYTES = 123  # what fits in a close frame (RFC 6455: 125 bytes of payload, 2 of them the code)
# Close codes a server may send (RFC 6455 and IANA's registry): 1004-1006 and 1015 never go on the wire.
CLOSE_CODES = (1000, 1001, 1002, 1003, *range(1007, 1015))


@dataclass(frozen=True, slots=True)
class _CloseCode(Kind[int]):
    plain = int

    def read(self, value: Any, name: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not (value in CLOSE_CODES or 3000 <= value <= 4999):
            raise Refused(
                f"{name} must be a websocket close code a server may send: 1000-1003, 1007-1014 or 3000-4999 (4001, "
                f"say), not {shown(value)}"
            )
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": 1000, "maximum": 4999}


@dataclass(frozen=True, slots=True)
class _CloseReason(Kind[str]):
    """What a close frame says beside its code: text of at most `MAX_CLOSE_REASON_BYTES` UTF-8 bytes (null: none)."""

    plain = str

    def read(self, value: Any, name: str) -> str:
        if value is None:
            return ""
        if not isinstance(value, str) or len(value.encode("utf-8", "surrogatepass")) > MAX_CLOSE_REASON_BYTES:
            most = MAX_CLOSE_REASON_BYTES
            raise Refused(f"{name} must be a string of at most {most} UTF-8 bytes, not {shown(value)}")
        if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
            raise Refused(f"{name} must be text (no lone surrogates), not {shown(value)}")
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "maxLength": MAX_CLOSE_REASON_BYTES}


@dataclass(frozen=True, slots=True)
class CloseWebsockets(Command):
    """Close the open websocket connections of a user (or a key: Deribit's client id) with a close `code` and
    `reason`, on one venue or every one; answers how many were closed."""

    name: ClassVar[str] = "close_websockets"
    kept: ClassVar[bool] = False  # (a connection is not state: a restart has none open)
    code: int = value(_CloseCode())
    user_id: str | None = value(Text(), None)
    key_id: str | None = value(Text(), None)
    venue: str | None = value(VENUE_NAME, None)  # None: every venue's
    reason: str = value(_CloseReason(), "")

    def check(self) -> None:
        if self.user_id is None and self.key_id is None:
            raise Refused("give user_id or key_id (Deribit: the client id): whose connections to close")


class LiveConnection(Protocol):
    venue: str

    @property
    def user_id(self) -> str | None: ...

    @property
    def key_id(self) -> str | None: ...

    def close_soon(self, code: int, reason: str) -> bool:
        """Ask the connection to close with this code, from any thread; False if it is closing already."""
        ...

    def subscribed(self, limit: int) -> tuple[list[dict[str, Any]], int]:
        """Its first `limit` subscriptions as JSON-ready dicts, each naming at most `limit` markets, and how many
        subscriptions it holds (read on its loop)."""
        ...


class LiveConnections:
    """Thread-safe: connections come and go on the server's loop while a test's thread asks to close them."""

    def __init__(self, venues: FaultVenues | None = None) -> None:
        self.venues = venues or FaultVenues({})  # the venues a close may name
        self._open: dict[int, LiveConnection] = {}
        self._lock = threading.Lock()

    def add(self, connection: LiveConnection) -> Callable[[], None]:
        """Register an open connection; call the answer when it ends."""
        key = id(connection)
        with self._lock:
            self._open[key] = connection

        def remove() -> None:
            with self._lock:
                self._open.pop(key, None)

        return remove

    def listed(self, venue: str | None = None) -> list[LiveConnection]:
        """The open connections of `venue` (None: every venue's), in the order they opened (a read: the inspector's)."""
        with self._lock:
            return [c for c in self._open.values() if venue in (None, c.venue)]

    def close_websockets(self, close: CloseWebsockets) -> dict[str, int]:
        """Ask the connections `close` names to close; how many were asked (a venue this mock has not is refused)."""
        try:
            self.venues.check_venue(close.venue)
        except Refused as exc:
            raise FaultError(str(exc)) from None
        closed = self.close(close.code, close.reason, venue=close.venue, user_id=close.user_id, key_id=close.key_id)
        return {"closed": closed}

    def count(self, venue: str | None = None) -> int:
        with self._lock:
            return sum(venue in (None, c.venue) for c in self._open.values())

    def close(
        self, code: int, reason: str, *, venue: str | None = None, user_id: str | None = None, key_id: str | None = None
    ) -> int:
        """Close every open connection of `venue` (None: any) acting for `user_id` and `key_id` (each None: any);
        the number asked to close."""
        with self._lock:
            found = [
                c
                for c in self._open.values()
                if venue in (None, c.venue) and user_id in (None, c.user_id) and key_id in (None, c.key_id)
            ]
        return sum(connection.close_soon(code, reason) for connection in found)
