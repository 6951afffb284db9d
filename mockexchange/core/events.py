"""In-process publish/subscribe: every state change in the ledger is published here as one event (and each Kalshi API
key added or removed, by the key registry, auth/kalshi/keys.py, outside the ledger's lock: no venue takes those).

Subscribers receive events synchronously, in the order the ledger applied them, while the ledger's lock is held, so
what they see is never behind or ahead of what a read of the ledger returns. A subscriber must not block, and should
do little: it runs in the caller's thread, inside its lock. Each venue has one (`venues/fanout.py`), whatever number
of websocket connections it serves, which hands a change over to the event loop once; the scenario runner has one.
A subscriber that names the kinds it takes (the fan-outs do) is not called for any other kind. One that says when it
wants changes at all (a fan-out with no connection does not) is left out of a bulk seeding's work while it does not:
nothing is made for nobody (`takers`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

Subscriber = Callable[["Change"], None]


@dataclass(frozen=True, slots=True, init=False)
class Change:
    """One state change. (Kalshi's own word "event" is taken by groups of markets.)"""

    kind: str  # "fill", "position", "settlement", "cash", "reset", ...
    user_id: str | None
    payload: Any

    def __init__(self, kind: str, user_id: str | None, payload: Any) -> None:
        # The slots' own setters (a frozen dataclass's `__init__` goes through `object.__setattr__` per field):
        # ~0.3 us a change less, a bulk seeding publishes three per fill.
        _set_kind(self, kind)
        _set_user_id(self, user_id)
        _set_payload(self, payload)


# (the class's own slot descriptors: on the class, `Change.kind` reads as the field to a type checker)
_set_kind: Callable[[Change, str], None] = vars(Change)["kind"].__set__
_set_user_id: Callable[[Change, str | None], None] = vars(Change)["user_id"].__set__
_set_payload: Callable[[Change, Any], None] = vars(Change)["payload"].__set__


class Subscribed:
    """What `EventBus.subscribe` answers: call it to unsubscribe (idempotent); a subscriber with `wants` calls
    `wants_changed` whenever its answer may have changed (its first connection came, its last went)."""

    __slots__ = ("_bus", "_entry")

    def __init__(self, bus: EventBus, entry: _Entry) -> None:
        self._bus, self._entry = bus, entry

    def __call__(self) -> None:
        self._bus._drop(self._entry)

    def wants_changed(self) -> None:
        self._bus._forget_takers()


_Entry = tuple[Subscriber, frozenset[str] | None, Callable[[], bool] | None]


class EventBus:
    def __init__(self) -> None:
        # (subscriber, the kinds it takes or None for every kind, its `wants` or None), in the order they subscribed
        self._subscribers: list[_Entry] = []
        # kind -> the subscribers that take it, in that order: worked out on first use, dropped on every (un)subscribe
        self._routes: dict[str, tuple[Subscriber, ...]] = {}
        # kind -> those of its subscribers that want changes now (`takers`): worked out under the lock on first use,
        # dropped on every (un)subscribe and every `wants_changed`, which a subscriber calls after its answer moved
        # (so a stale answer worked out meanwhile is dropped too)
        self._taking: dict[str, tuple[Subscriber, ...]] = {}
        self._lock = threading.Lock()

    def subscribe(
        self,
        subscriber: Subscriber,
        kinds: Collection[str] | None = None,
        *,
        wants: Callable[[], bool] | None = None,
    ) -> Subscribed:
        """Call `subscriber` with every change published from now on (only those of `kinds`, if given: a change of
        another kind is not handed to it at all); call the answer to stop. `wants`, if given, says whether the
        subscriber does anything with a change at the moment (a fan-out with no connection, a feed with no page):
        `takers` leaves it out while it answers False; the subscriber calls the answer's `wants_changed` when that
        may have changed."""
        entry = (subscriber, None if kinds is None else frozenset(kinds), wants)
        with self._lock:
            self._subscribers = [*self._subscribers, entry]
            self._routes, self._taking = {}, {}
        return Subscribed(self, entry)

    def _drop(self, entry: _Entry) -> None:
        with self._lock:
            self._subscribers = [s for s in self._subscribers if s is not entry]
            self._routes, self._taking = {}, {}

    def _forget_takers(self) -> None:
        with self._lock:
            self._taking = {}

    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def subscribers(self, kind: str) -> tuple[Subscriber, ...]:
        """The subscribers a change of `kind` is handed to, in order (a publisher of many changes may call them)."""
        routes = self._routes
        route = routes.get(kind)
        if route is None:
            route = routes[kind] = tuple(s for s, kinds, _ in self._subscribers if kinds is None or kind in kinds)
        return route

    def takers(self, kind: str) -> tuple[Subscriber, ...]:
        """`subscribers(kind)` that want changes now (see `subscribe`): a publisher (`ledger.filling.apply_fill`, and
        `apply_fills` for every change of its instant) calls these, and makes no change of that kind if there are
        none."""
        found = self._taking.get(kind)
        if found is None:
            with self._lock:
                found = self._taking[kind] = tuple(
                    s
                    for s, kinds, wants in self._subscribers
                    if (kinds is None or kind in kinds) and (wants is None or wants())
                )
        return found

    def publish(self, change: Change) -> None:
        # Copy-on-write lists: publishing never takes the lock.
        route = self._routes.get(change.kind)
        if route is None:
            route = self.subscribers(change.kind)
        for subscriber in route:
            subscriber(change)
