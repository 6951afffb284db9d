"""A venue's websocket fan-out: one bus subscriber for all of its connections, which hands each change to the event
loops holding connections of the change's user, once per loop, and lets the venue deliver it there.

The state publishes a change from whatever thread made it, with its lock held (`core.events`). What runs there is
small and the same with no connection open or with a thousand: a kind check, a dictionary lookup of the user, an
append to each of its loops' inboxes and, when an inbox was empty, one wake-up of that loop. Everything else (which
connection wants the change, rendering it, queueing or writing its frames) runs on the loop, where `deliver` gets
every change handed over since the loop last ran, in the order they were published, each with the connections of its
user on that loop when it was published (a connection opened later never sees an earlier change).

An inbox holds at most `limit` changes of one user (a venue passes its outbox bound, `ws_queue_size`): a loop that
has not run for that many (the server starved of CPU while a thread fills at full speed) would leave each of that
user's connections that many changes behind, which ends it anyway (the venue's overflow). Further changes of that
user are not kept: `deliver` gets, after the kept ones, one `kept` False entry per such user (its last change, and
every connection any of them was for), and ends those connections that listen to anything: a connection never misses
a change silently. An inbox whose loop has closed keeps nothing. So memory stays bounded whatever the publishers do,
as it does per connection.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Collection
from typing import Generic, NamedTuple, TypeVar

from mockexchange.core.events import Change, EventBus

C = TypeVar("C")


class Handed(NamedTuple, Generic[C]):
    """One change handed to a loop, with its user's connections there when it was published; `kept` False: the
    inbox was full, the change was not kept (the connections it was for overflow)."""

    change: Change
    connections: tuple[C, ...]
    kept: bool


Deliver = Callable[[list[Handed[C]]], None]


class _Inbox(Generic[C]):
    """Changes waiting for one loop; `drain` runs on it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, deliver: Deliver[C], limit: int) -> None:
        self.loop = loop
        self.deliver = deliver
        self.limit = limit
        self.users = 0  # users with connections on this loop
        self._pending: list[Handed[C]] = []
        self._per_user: dict[str | None, int] = {}  # changes kept per user since the loop last drained
        self._dropped: dict[str | None, tuple[Change, tuple[C, ...]]] = {}  # per user: its last change not kept
        self._scheduled = False
        self._closed = False  # the loop has closed: nothing is kept
        self._lock = threading.Lock()  # publishers of two locks (the ledger's, the book's) may put at once

    def put(self, change: Change, connections: tuple[C, ...]) -> None:
        """Any thread."""
        with self._lock:
            if self._closed:
                return
            user = change.user_id
            held = self._per_user.get(user, 0)
            if held < self.limit:
                self._per_user[user] = held + 1
                self._pending.append(Handed(change, connections, True))
            else:
                before = self._dropped.get(user)
                if before is not None and before[1] is not connections:  # the user's connections changed meanwhile
                    connections = tuple(dict.fromkeys(before[1] + connections))
                self._dropped[user] = (change, connections)
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
            self._per_user.clear()
            self._scheduled = False
        batch += [Handed(change, connections, False) for change, connections in dropped.values()]
        if batch:
            self.deliver(batch)


class Fanout(Generic[C]):
    """Thread-safe. `deliver` runs on a loop with what was handed to it (see the module's docstring)."""

    def __init__(self, bus: EventBus, kinds: Collection[str], deliver: Deliver[C], limit: int) -> None:
        self.kinds = frozenset(kinds)
        self._deliver = deliver
        self._limit = limit
        # user -> ((inbox, that user's connections on its loop), ...): replaced whole on every change, read without
        # the lock by publishers
        self._routes: dict[str, tuple[tuple[_Inbox[C], tuple[C, ...]], ...]] = {}
        self._members: dict[str, dict[C, _Inbox[C]]] = {}
        self._inboxes: dict[asyncio.AbstractEventLoop, _Inbox[C]] = {}
        self._lock = threading.Lock()
        # The bus hands it no change of another kind, and a batch of fills makes none while no connection is open.
        bus.subscribe(self._on_change, self.kinds, wants=self._connected)

    def add(self, user_id: str, connection: C, loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
        """Hand `user_id`'s changes to `connection` (on `loop`) from now on; call the answer to stop (idempotent)."""
        with self._lock:
            inbox = self._inboxes.get(loop)
            if inbox is None:
                inbox = self._inboxes[loop] = _Inbox(loop, self._deliver, self._limit)
            members = self._members.setdefault(user_id, {})
            if not any(i is inbox for i in members.values()):
                inbox.users += 1
            members[connection] = inbox
            self._route(user_id)

        def remove() -> None:
            with self._lock:
                members = self._members.get(user_id)
                if members is None or members.pop(connection, None) is None:
                    return
                if not any(i is inbox for i in members.values()):
                    inbox.users -= 1
                    if not inbox.users:
                        self._inboxes.pop(loop, None)
                if not members:
                    del self._members[user_id]
                self._route(user_id)

        return remove

    def _connected(self) -> bool:
        return bool(self._routes)

    def count(self, user_id: str | None = None) -> int:
        """Connections registered (for `user_id`; None: all)."""
        with self._lock:
            if user_id is not None:
                return len(self._members.get(user_id, ()))
            return sum(len(m) for m in self._members.values())

    def _route(self, user_id: str) -> None:
        """Rebuild one user's route (the lock held)."""
        by_inbox: dict[_Inbox[C], list[C]] = {}
        for connection, inbox in self._members.get(user_id, {}).items():
            by_inbox.setdefault(inbox, []).append(connection)
        if by_inbox:
            self._routes[user_id] = tuple((inbox, tuple(conns)) for inbox, conns in by_inbox.items())
        else:
            self._routes.pop(user_id, None)

    def _on_change(self, change: Change) -> None:
        """The bus callback: the publishing thread, its lock held."""
        if change.kind not in self.kinds:
            return
        route = self._routes.get(change.user_id)  # type: ignore[arg-type]
        if route is None:
            return
        for inbox, connections in route:
            inbox.put(change, connections)
