"""Pages of the perps exchange's records, newest first (its orders, fills, trades), keyset by the exchange's sequence:
a cursor names the last record served and the filters it was served under (Kalshi's cursors, venues/kalshi/cursors.py),
so a page costs what it shows, not what was before it."""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from mockexchange.core.numbers import IntegerError, parse_int
from mockexchange.venues.kalshi import cursors
from mockexchange.venues.kalshi.errors import param_error


class Sequenced(Protocol):
    @property
    def seq(self) -> int: ...

    @property
    def created(self) -> datetime: ...


R = TypeVar("R", bound=Sequenced)


def newest(lists: Iterable[Sequence[R]], before: int | None) -> Iterator[R]:
    """The records of every list (each oldest first), newest first, from those before the sequence `before`."""
    runs = []
    for records in lists:
        end = len(records) if before is None else bisect_left(records, before, key=lambda record: record.seq)
        runs.append(records[i] for i in range(end - 1, -1, -1))
    return heapq.merge(*runs, key=lambda record: -record.seq)


def after(operation: str, cursor: str | None, filters: dict[str, Any]) -> int | None:
    """The sequence a page resumes before (None: the first page); a cursor not issued for these filters is 400."""
    key = cursors.decode_param(operation, cursor, filters, 1)
    if key is None:
        return None
    try:
        return parse_int(key[0])
    except IntegerError:
        raise param_error(operation, "Cursor", "cursor", "cursor is not one this server issued (bad key)") from None


def page(
    found: Iterator[R], limit: int, filters: dict[str, Any], keep: Callable[[R], bool], render: Callable[[R], Any],
    times: tuple[int | None, int | None] = (None, None),
) -> tuple[list[Any], str]:  # fmt: skip
    """At most `limit` of `found` that `keep` keeps, created within `times` (Unix seconds, each end taken), rendered;
    and the cursor of the next page ("" : no more)."""
    low, high = times
    taken: list[R] = []
    more = False
    for record in found:
        at = int(record.created.timestamp())
        if (high is not None and at > high) or not keep(record):
            continue
        if low is not None and at < low:
            break  # (older ones follow)
        if len(taken) == limit:
            more = True
            break
        taken.append(record)
    cursor = cursors.encode((str(taken[-1].seq),), filters) if more else ""
    return [render(record) for record in taken], cursor
