"""The websocket connections open on one mock, both venues', so the control plane can close a user's connections
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
from typing import Any, Protocol


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

    def __init__(self) -> None:
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
        """The open connections of `venue` (None: both), in the order they opened (a read: the inspector's)."""
        with self._lock:
            return [c for c in self._open.values() if venue in (None, c.venue)]

    def count(self, venue: str | None = None) -> int:
        with self._lock:
            return sum(venue in (None, c.venue) for c in self._open.values())

    def close(
        self, code: int, reason: str, *, venue: str | None = None, user_id: str | None = None, key_id: str | None = None
    ) -> int:
        """Close every open connection of `venue` (None: either) acting for `user_id` and `key_id` (each None: any);
        the number asked to close."""
        with self._lock:
            found = [
                c
                for c in self._open.values()
                if venue in (None, c.venue) and user_id in (None, c.user_id) and key_id in (None, c.key_id)
            ]
        return sum(connection.close_soon(code, reason) for connection in found)
