"""A venue's websocket fan-out: one bus subscriber for all of its connections, which hands each change to the event
loops holding connections of the change's key (its user, unless the venue routes by something else: Kalshi routes a
market's public changes by the market), once per loop, and lets the venue deliver it there.

The state publishes a change from whatever thread made it, with its lock held (`core.events`). What runs there is
small and the same with no connection open or with a thousand: a kind check, a dictionary lookup of the key, an
append to each of its loops' inboxes and, when an inbox was empty, one wake-up of that loop. Everything else (which
connection wants the change, rendering it, queueing or writing its frames) runs on the loop, where `deliver` gets
every change handed over since the loop last ran, in the order they were published, each with the connections of its
key on that loop when it was published (a connection opened later never sees an earlier change).

Routing: by default a change goes to the connections added under its `user_id`. A venue may give `key` (the key of a
change), `wide` (more keys whose connections take the change too: those subscribed to every market) and `derive`
(a change made from one that some connection takes, in the publishing thread, handed over right behind it: Kalshi's
ticker, worked out as the book or the trades move). A connection added under several keys of a change gets it once.

An inbox holds at most `limit` changes of one key, and `limit_bytes` of them as the venue's `weigh` counts a change
(a venue passes its outbox bounds, `ws_queue_size` and `ws_queue_bytes`; a book change that moved a thousand levels
weighs as much as they hold): a loop that has not run for that many (the server starved of CPU while a thread fills
at full speed) would leave each of that key's connections that far behind, which ends it anyway (the venue's
overflow). Further changes of that
key are not kept: `deliver` gets, after the kept ones, one `kept` False entry per such key (its last change, and
every connection any of them was for), and ends those connections that listen to anything: a connection never misses
a change silently. An inbox whose loop has closed keeps nothing. So memory stays bounded whatever the publishers do,
as it does per connection.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Collection, Hashable
from typing import Generic, NamedTuple, TypeVar

from mockexchange.core.events import Change, EventBus

C = TypeVar("C")


class HandedChange(NamedTuple, Generic[C]):
    """One change handed to a loop, with its key's connections there when it was published; `kept` False: the
    inbox was full, the change was not kept (the connections it was for overflow)."""

    change: Change
    connections: tuple[C, ...]
    kept: bool


Deliver = Callable[[list[HandedChange[C]]], None]
_NOTHING = (0, 0)  # changes and bytes of a key an inbox holds
Route = tuple[tuple["_Inbox[C]", tuple[C, ...]], ...]


class _Inbox(Generic[C]):
    """Changes waiting for one loop; `drain` runs on it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, deliver: Deliver[C], limit: int, limit_bytes: int) -> None:
        self.loop = loop
        self.deliver = deliver
        self.limit = limit
        self.limit_bytes = limit_bytes
        self.keys = 0  # keys with connections on this loop
        self._pending: list[HandedChange[C]] = []
        self._per_key: dict[Hashable, tuple[int, int]] = {}  # changes and bytes kept per key since the last drain
        self._dropped: dict[Hashable, tuple[Change, tuple[C, ...]]] = {}  # per key: its last change not kept
        self._scheduled = False
        self._closed = False  # the loop has closed: nothing is kept
        self._lock = threading.Lock()  # publishers of two locks (the ledger's, the book's) may put at once

    def put(self, key: Hashable, change: Change, connections: tuple[C, ...], size: int) -> None:
        """Any thread; `size`: the change's weight in bytes."""
        with self._lock:
            if self._closed:
                return
            held, held_bytes = self._per_key.get(key, _NOTHING)
            if held < self.limit and held_bytes + size <= self.limit_bytes:
                self._per_key[key] = (held + 1, held_bytes + size)
                self._pending.append(HandedChange(change, connections, True))
            else:
                self._per_key[key] = (self.limit, held_bytes)  # none kept after one was not (a smaller one, say)
                before = self._dropped.get(key)
                if before is not None and before[1] is not connections:  # the key's connections changed meanwhile
                    connections = tuple(dict.fromkeys(before[1] + connections))
                self._dropped[key] = (change, connections)
            if self._scheduled:
                return
            self._scheduled = True
        try:
            self.loop.call_soon_threadsafe(self.drain)
        except RuntimeError:  # the loop has closed: the server stopped under its connections
            with self._lock:
                self._closed = True
                self._pending.clear()
                self._dropped.clear()

    def drain(self) -> None:
        """On the loop."""
        with self._lock:
            batch, self._pending = self._pending, []
            dropped, self._dropped = self._dropped, {}
            self._per_key.clear()
            self._scheduled = False
        batch += [HandedChange(change, connections, False) for change, connections in dropped.values()]
        if batch:
            self.deliver(batch)


class Fanout(Generic[C]):
    """Thread-safe. `deliver` runs on a loop with what was handed to it (see the module's docstring)."""

    def __init__(
        self,
        bus: EventBus,
        kinds: Collection[str],
        deliver: Deliver[C],
        limit: int,
        *,
        limit_bytes: int = 1 << 62,
        weigh: Callable[[Change], int] | None = None,
        key: Callable[[Change], Hashable] | None = None,
        wide: Callable[[Change], tuple[Hashable, ...]] | None = None,
        derive: Callable[[Change], Change | None] | None = None,
    ) -> None:
        self.kinds = frozenset(kinds)
        self._deliver = deliver
        self._limit = limit
        self._limit_bytes = limit_bytes
        self._weigh = weigh  # a change's weight in bytes (None: none)
        self._key = key  # None: the change's user
        self._wide = wide
        self._derive = derive
        # key -> ((inbox, that key's connections on its loop), ...): replaced whole on every change, read without
        # the lock by publishers
        self._routes: dict[Hashable, Route[C]] = {}
        self._members: dict[Hashable, dict[C, _Inbox[C]]] = {}
        self._inboxes: dict[asyncio.AbstractEventLoop, _Inbox[C]] = {}
        self._lock = threading.Lock()
        # The bus hands it no change of another kind, and a batch of fills makes none while no connection is open.
        self._subscription = bus.subscribe(self._on_change, self.kinds, wants=self._connected)

    def add(self, key: Hashable, connection: C, loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
        """Hand `key`'s changes to `connection` (on `loop`) from now on; call the answer to stop (idempotent)."""
        with self._lock:
            inbox = self._inboxes.get(loop)
            if inbox is None:
                inbox = self._inboxes[loop] = _Inbox(loop, self._deliver, self._limit, self._limit_bytes)
            members = self._members.setdefault(key, {})
            if not any(i is inbox for i in members.values()):
                inbox.keys += 1
            members[connection] = inbox
            self._route(key)

        def remove() -> None:
            with self._lock:
                members = self._members.get(key)
                if members is None or members.pop(connection, None) is None:
                    return
                if not any(i is inbox for i in members.values()):
                    inbox.keys -= 1
                    if not inbox.keys:
                        self._inboxes.pop(loop, None)
                if not members:
                    del self._members[key]
                self._route(key)

        return remove

    def _connected(self) -> bool:
        return bool(self._routes)

    def count(self, key: Hashable | None = None) -> int:
        """Connections registered (for `key`; None: all, a connection counted once per key it is added under)."""
        with self._lock:
            if key is not None:
                return len(self._members.get(key, ()))
            return sum(len(m) for m in self._members.values())

    def _route(self, key: Hashable) -> None:
        """Rebuild one key's route (the lock held)."""
        by_inbox: dict[_Inbox[C], list[C]] = {}
        for connection, inbox in self._members.get(key, {}).items():
            by_inbox.setdefault(inbox, []).append(connection)
        was_connected = bool(self._routes)
        if by_inbox:
            self._routes[key] = tuple((inbox, tuple(conns)) for inbox, conns in by_inbox.items())
        else:
            self._routes.pop(key, None)
        if bool(self._routes) != was_connected:
            self._subscription.wants_changed()

    def _on_change(self, change: Change) -> None:
        """The bus callback: the publishing thread, its lock held."""
        if change.kind not in self.kinds:
            return
        key = change.user_id if self._key is None else self._key(change)
        route = self._routes.get(key)
        if self._wide is not None:
            for wide in self._wide(change):
                route = _joined(route, self._routes.get(wide))
        if route is None:
            return
        derived = self._derive(change) if self._derive is not None else None
        weigh = self._weigh
        size = weigh(change) if weigh is not None else 0
        for inbox, connections in route:
            inbox.put(key, change, connections, size)
            if derived is not None:
                inbox.put(key, derived, connections, weigh(derived) if weigh is not None else 0)


def _joined(one: Route[C] | None, other: Route[C] | None) -> Route[C] | None:
    """Both routes as one: each inbox once, each connection once on it."""
    if one is None or other is None:
        return one if other is None else other
    merged: dict[_Inbox[C], tuple[C, ...]] = {}
    for inbox, connections in one + other:
        merged[inbox] = merged.get(inbox, ()) + connections
    return tuple((inbox, tuple(dict.fromkeys(conns))) for inbox, conns in merged.items())
