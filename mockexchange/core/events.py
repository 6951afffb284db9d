"""In-process publish/subscribe: every state change in the ledger is published here as one event.

Subscribers receive events synchronously, in the order the ledger applied them, while the ledger's lock is held, so
what they see is never behind or ahead of what a read of the ledger returns. A subscriber must not block, and should
do little: it runs in the caller's thread, inside its lock. Each venue has one (`venues/fanout.py`), whatever number
of websocket connections it serves, which hands a change over to the event loop once; the scenario runner has one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Subscriber = Callable[["Change"], None]


@dataclass(frozen=True, slots=True)
class Change:
    """One state change. (Kalshi's own word "event" is taken by groups of markets.)"""

    kind: str  # "fill", "position", "settlement", "cash", "reset", ...
    user_id: str | None
    payload: Any


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers = [*self._subscribers, subscriber]

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = [s for s in self._subscribers if s is not subscriber]

        return unsubscribe

    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def publish(self, change: Change) -> None:
        # Copy-on-write list: publishing never takes the lock.
        for subscriber in self._subscribers:
            subscriber(change)
