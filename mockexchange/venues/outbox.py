"""A websocket connection's outbox, bounded in items and in bytes, and what makes the bytes honest: a change shared by
many connections (`Shared`) keeps the renderings it is asked for, for all of them, so what it holds grows after it was
queued; each outbox holding it is told (`grew`) and may overflow then.

What an outbox counts is what waits in it: a client's command at the bytes it takes, a shared change at its `size` (an
estimate of its payload when made, then every rendering it keeps, counted as each is made). A change shared by several
outboxes is counted by each: N connections hold at most N times the bound. Both venues' connections use it, on their
loop only; what to do on an overflow (error 25 and the close, or the close 1008) is the connection's.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable
from typing import Any, Generic, TypeVar

# What keeping one rendering costs beside its bytes: the bytes object's header and its entry in the change's dictionary
# of renderings (a key, often an integer of its own).
KEPT_OVERHEAD = 128


class Shared:
    """A change on its way to several connections of one loop; `size`: what it holds, in bytes."""

    __slots__ = ("size", "_holders")

    def __init__(self, size: int) -> None:
        self.size = size
        self._holders: dict[Outbox[Any], None] | None = None  # the outboxes it waits in (made when first queued)

    def held_by(self, outbox: Outbox[Any]) -> None:
        if self._holders is None:
            self._holders = {}
        self._holders[outbox] = None

    def let_go(self, outbox: Outbox[Any]) -> None:
        if self._holders:
            self._holders.pop(outbox, None)

    def kept(self, rendering: bytes) -> bytes:
        """`rendering` is kept for every connection from now on: counted by the outboxes holding the change."""
        grown = len(rendering) + KEPT_OVERHEAD
        self.size += grown
        if self._holders:
            for outbox in tuple(self._holders):  # (one may overflow, and let go of the change, meanwhile)
                outbox.grew(grown)
        return rendering


T = TypeVar("T")


class Outbox(Generic[T]):
    """At most `limit` items and `limit_bytes` bytes; past either, `overflow` is called (and nothing is queued). A
    command (str or bytes) counts the bytes it takes, a `Shared` change its size; anything else `small` bytes."""

    def __init__(self, limit: int, limit_bytes: int, overflow: Callable[[], None], small: int = 256) -> None:
        self.limit = limit
        self.limit_bytes = limit_bytes
        self.bytes = 0
        self._small = small
        self._overflow = overflow
        self._items: deque[T] = deque()

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: T) -> bool:
        """Queue `item`; False (and `overflow` called) if it would pass a bound."""
        size = self._size(item)
        if len(self._items) >= self.limit or self.bytes + size > self.limit_bytes:
            self._overflow()
            return False
        self._items.append(item)
        self.bytes += size
        if isinstance(item, Shared):
            item.held_by(self)
        return True

    def pop(self) -> T:
        item = self._items.popleft()
        self.bytes -= self._size(item)
        if isinstance(item, Shared):
            item.let_go(self)
        return item

    def clear(self) -> None:
        while self._items:
            self.pop()
        self.bytes = 0

    def grew(self, by: int) -> None:
        """A change waiting here keeps `by` bytes more."""
        self.bytes += by
        if self.bytes > self.limit_bytes:
            self._overflow()

    def _size(self, item: T) -> int:
        if isinstance(item, Shared):
            return item.size
        if isinstance(item, str | bytes):
            return sys.getsizeof(item)  # (a character of a str may take 4 bytes)
        return self._small
