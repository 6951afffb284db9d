"""The render cache: each record's wire bytes, rendered once per profile and spliced into every page that shows it.

A page of 100 positions used to render 100 rows (500 Decimals to strings) on every read; now each row, event roll-up,
fill and settlement is rendered to JSON once (`orjson.dumps` of the profile's renderer, render.py) and kept as an
`orjson.Fragment`, which `orjson.dumps` writes into the page as it is: the bytes are those of the dict it was made
from, so a page is byte for byte what rendering it whole would give. What is kept, and while it is served:

- a market position row (`Fragments.rows`), keyed by its `version`: the store stamps a new one, unique within the
  store, on every change (`PositionStore.add`, the end of `changing`, `mark_settled`), so a version names one state
  of one row; a lagged read's row as it was then is a snapshot holding the version it had then, so neither is served
  the other's bytes. A row's slot (user, subaccount, ticker) holds one version: rendered again after a change, the
  bytes of its previous state go at once;
- an event roll-up (`Rollups`), keyed by what picks its rows (owner, settlement status, ticker, row filter) and its
  event, for one stamp: the store's version (its last stamp: any row changed, anywhere, renders them all again) and
  the read's as-of time;
- a fill or a settlement, keyed by its (time, sequence) in its time index: records never change once made;
- a whole page of positions, fills or settlements (`Pages`), keyed by every parameter that shapes it (the cursor
  too), for one stamp of its source: the store's version or the time index's (`TimeIndex.version`: a record added,
  the index cleared or sealed) and the as-of time. A page asked again before anything changed is its bytes, without
  a walk; after a change, it is walked again and spliced from the fragments that are still good.

Each kind is kept per profile and for one source object (the position store, the time index): a state restored from a
snapshot brings new objects, and the first read of them starts from empty.

Bounded: each kind keeps at most its budget of bytes, counted as the JSON plus `ENTRY_OVERHEAD` per entry (what CPython
holds beside it, measured with tracemalloc: the fragment and bytes objects, the keys, the entries); past it the rows,
fills and settlements rendered longest ago go first (first in, first out), and roll-ups and pages are dropped all at
once. With `DEFAULT_BUDGETS` a context holds at most 96 MiB per profile whatever the portfolio (4 MiB of whole
pages for each kind of page: positions, fills, settlements, trades, markets); the 32 MiB of
positions hold about 34,000 rows of 3.34 (263 bytes of JSON each, about 760 held), fills about 10,000; the markets'
16 MiB (market data, markets.py: each market keyed by its id and version) about 9,000 markets, the trades' 8 MiB
(keyed by their index key, as fills are) about 7,000.

Every use happens under the ledger's lock (the venues read under it), so the cache needs no lock of its own.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

import orjson

from mockexchange.core.kalshi.rows import MarketPosition

ENTRY_OVERHEAD = 720  # bytes held per entry beside the JSON (tracemalloc: ~500 for a position row, ~720 for a fill)
MIB = 1024 * 1024
# Per profile; "pages" is per kind of page (positions, fills, settlements, trades, markets): 96 MiB in all.
DEFAULT_BUDGETS = {
    "positions": 32 * MIB, "rollups": 4 * MIB, "fills": 12 * MIB, "settlements": 4 * MIB, "pages": 4 * MIB,
    "markets": 16 * MIB, "trades": 8 * MIB,
}  # fmt: skip

K = TypeVar("K", "Fragments", "Rollups", "Pages")
_VERSION = operator.attrgetter("version")
_FIRST = operator.itemgetter(0)
_SECOND = operator.itemgetter(1)


def rendered_bytes(value: Any) -> bytes:
    """`orjson.dumps(value)`, in a bytes object of its own size: orjson's answer keeps the buffer it wrote into, at
    least 4 KiB however short the JSON (tracemalloc), which a cache of short rows would hold 15 times over."""
    return bytes(memoryview(orjson.dumps(value)))


class Fragments:
    """One kind of record's rendered fragments, for one profile.

    A fragment is kept under a key that names one state of one record, so a key is never served another state's
    bytes: a row's version, a record's index key. `slot` names the record itself: a slot holds one key at a time, so a
    row rendered again after a change drops the bytes of its previous state at once.
    """

    __slots__ = ("max_bytes", "renders", "_values", "_order", "_slots", "_bytes", "_source")

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.renders = 0  # fragments rendered (misses), for tests and benchmarks
        # key -> what is kept: a fragment; for a position row, (fragment, its event ticker)
        self._values: dict[Hashable, Any] = {}
        self._order: OrderedDict[Hashable, tuple[int, Hashable]] = OrderedDict()  # key -> (size, slot), oldest first
        self._slots: dict[Hashable, Hashable] = {}  # slot -> the key it holds
        self._bytes = 0
        self._source: object = None

    def __len__(self) -> int:
        return len(self._values)

    @property
    def size(self) -> int:
        """Bytes held, as the budget counts them."""
        return self._bytes

    def bind(self, source: object) -> Fragments:
        """The object the keys belong to (a store, an index); another one empties the cache first."""
        if source is not self._source:
            self.clear()
            self._source = source
        return self

    def clear(self) -> None:
        self._values.clear()
        self._order.clear()
        self._slots.clear()
        self._bytes = 0

    def get(self, key: Hashable) -> Any:
        return self._values.get(key)

    def put(self, key: Hashable, rendered: Any, slot: Hashable = None) -> orjson.Fragment:
        """Keep `rendered` (a JSON-ready value) as the fragment of `key`, in place of what `slot` held."""
        body = rendered_bytes(rendered)
        fragment = orjson.Fragment(body)
        self._keep(key, fragment, len(body), slot)
        return fragment

    def _keep(self, key: Hashable, value: Any, length: int, slot: Hashable) -> None:
        self.renders += 1
        if key in self._order:
            self._drop(key)
        if slot is not None:
            previous = self._slots.pop(slot, None)
            if previous is not None and previous in self._order:
                self._drop(previous)
        size = length + ENTRY_OVERHEAD
        if size > self.max_bytes:
            return
        self._values[key] = value
        self._order[key] = (size, slot)
        if slot is not None:
            self._slots[slot] = key
        self._bytes += size
        while self._bytes > self.max_bytes:
            self._drop(next(iter(self._order)))

    def _drop(self, key: Hashable) -> None:
        size, slot = self._order.pop(key)
        del self._values[key]
        self._bytes -= size
        if slot is not None and self._slots.get(slot) == key:
            del self._slots[slot]

    def rows(
        self, rows: list[MarketPosition], render: Callable[[MarketPosition], Any]
    ) -> tuple[list[orjson.Fragment], list[str]]:
        """Market position rows (current rows or snapshots of them, read under the ledger's lock) as fragments, and
        their event tickers; keyed by version (unique within the store the cache is bound to), so a row served from
        the cache costs one read of its version."""
        found: list[Any] = list(map(self._values.get, map(_VERSION, rows)))  # None where not kept
        if None in found:
            for i, value in enumerate(found):
                if value is None:
                    row = rows[i]
                    body = rendered_bytes(render(row))
                    found[i] = value = (orjson.Fragment(body), row.event_ticker)
                    self._keep(row.version, value, len(body), (row.user_id, row.subaccount, row.ticker))
        return list(map(_FIRST, found)), list(map(_SECOND, found))

    def records(self, found: Sequence[tuple[Hashable, Any]], render: Callable[[Any], Any]) -> list[orjson.Fragment]:
        """A time index's (key, record) pairs as fragments, keyed by the index key (records never change)."""
        fragments: list[Any] = list(map(self._values.get, map(_FIRST, found)))  # None where not kept
        if None in fragments:
            for i, fragment in enumerate(fragments):
                if fragment is None:
                    key, record = found[i]
                    fragments[i] = self.put(key, render(record))
        return fragments


class Rollups:
    """Event roll-ups' fragments for one profile: per read (owner, settlement status, ticker, row filter), event ->
    fragment, all of them for one stamp (the store's version and the read's as-of time): a new stamp, after any change
    to any row, drops them all (a roll-up sums rows of other pages too, so it has no version of its own). Past its
    budget it is emptied too."""

    __slots__ = ("max_bytes", "renders", "_reads", "_bytes", "_stamp", "_source")

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.renders = 0
        self._reads: dict[Hashable, dict[str, orjson.Fragment]] = {}
        self._bytes = 0
        self._stamp: Hashable = None
        self._source: object = None

    def __len__(self) -> int:
        return sum(map(len, self._reads.values()))

    @property
    def size(self) -> int:
        return self._bytes

    def clear(self) -> None:
        self._reads.clear()
        self._bytes = 0

    def of(self, source: object, stamp: Hashable, read: Hashable) -> dict[str, orjson.Fragment]:
        """The fragments kept for `read` (event -> fragment; add with `put`), for the store `source` at `stamp`; a
        look-up only (do not change it)."""
        if stamp != self._stamp or source is not self._source:
            self.clear()
            self._stamp, self._source = stamp, source
        found = self._reads.get(read)
        if found is None:
            found = self._reads[read] = {}
        return found

    def put(self, read: Hashable, event: str, rendered: Any) -> orjson.Fragment:
        """Keep `rendered` (a JSON-ready value) as the roll-up of `event` for `read`, at the stamp of the last `of`."""
        body = rendered_bytes(rendered)
        fragment = orjson.Fragment(body)
        self.renders += 1
        size = len(body) + ENTRY_OVERHEAD
        if size <= self.max_bytes:
            if self._bytes + size > self.max_bytes:
                self.clear()
            self._reads.setdefault(read, {})[event] = fragment
            self._bytes += size
        return fragment


class Pages:
    """Whole answers of one kind of read, as fragments, for one stamp of their source (the position store's version or
    a time index's, and the read's as-of time; the ledger's `markets_version` and the historical cutoff): a read asked
    again before anything changed is its bytes, without a walk. A new stamp drops them all; so does passing the
    budget. Answers that time alone changes (a market's 24-hour volume, its previous day's stats) are kept for a span
    of exchange time too: from the latest time one was rendered at until the earliest time one would read otherwise
    (`put`'s `now` and `until`); a read outside it (time ran on past it, or a clock was set back) drops them all."""

    __slots__ = ("max_bytes", "renders", "_pages", "_bytes", "_stamp", "_source", "_since", "_until")

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.renders = 0
        self._pages: dict[Hashable, orjson.Fragment] = {}
        self._bytes = 0
        self._stamp: Hashable = None
        self._source: object = None
        self._since: int | None = None  # the span of exchange time the pages hold for (Unix microseconds)
        self._until: int | None = None

    def __len__(self) -> int:
        return len(self._pages)

    @property
    def size(self) -> int:
        return self._bytes

    def clear(self) -> None:
        self._pages.clear()
        self._bytes = 0
        self._since = self._until = None

    def get(self, source: object, stamp: Hashable, read: Hashable, now: int | None = None) -> orjson.Fragment | None:
        """The page kept for `read` (every parameter that shapes the answer) at `stamp` of `source`, if any; `now`
        (Unix microseconds of exchange time): for pages kept for a span of it."""
        if stamp != self._stamp or source is not self._source:
            self.clear()
            self._stamp, self._source = stamp, source
            return None
        if now is not None and (
            (self._since is not None and now < self._since) or (self._until is not None and now >= self._until)
        ):
            self.clear()
            return None
        return self._pages.get(read)

    def put(self, read: Hashable, page: Any, now: int | None = None, until: int | None = None) -> orjson.Fragment:
        """Keep `page` (a JSON-ready value) as the answer to `read` at the stamp of the last `get`; rendered at `now`
        and good until `until` (Unix microseconds of exchange time; None: until the stamp moves)."""
        body = orjson.dumps(page)
        self.renders += 1
        size = len(body) + ENTRY_OVERHEAD
        if size > self.max_bytes:
            return orjson.Fragment(body)  # not kept: orjson's own buffer will do
        if self._bytes + size > self.max_bytes:
            self.clear()
        fragment = self._pages[read] = orjson.Fragment(bytes(memoryview(body)))  # kept: a copy of its own size
        self._bytes += size
        if now is not None:
            self._since = now if self._since is None else max(self._since, now)
        if until is not None:
            self._until = until if self._until is None else min(self._until, until)
        return fragment


class RenderCache:
    """A Kalshi context's fragments, per (kind, profile name); kinds are `DEFAULT_BUDGETS`' keys."""

    __slots__ = ("budgets", "_kinds")

    def __init__(self, budgets: dict[str, int] | None = None) -> None:
        self.budgets = {**DEFAULT_BUDGETS, **(budgets or {})}
        self._kinds: dict[tuple[str, ...], Any] = {}

    @classmethod
    def disabled(cls) -> RenderCache:
        """A cache that keeps nothing: every read renders (what the tests compare the cache with)."""
        return cls(dict.fromkeys(DEFAULT_BUDGETS, 0))

    def of(self, kind: str, profile: str) -> Fragments:
        """The fragments of positions, fills or settlements for a profile."""
        return self._kept((kind, profile), Fragments, kind)

    def rollups(self, profile: str) -> Rollups:
        return self._kept(("rollups", profile), Rollups, "rollups")

    def pages(self, kind: str, profile: str) -> Pages:
        """Whole pages of positions, fills or settlements for a profile."""
        return self._kept(("pages", kind, profile), Pages, "pages")

    def _kept(self, key: tuple[str, ...], make: Callable[[int], K], budget: str) -> K:
        """What is kept under `key`, made on first use with the budget of its kind."""
        found = self._kinds.get(key)
        if found is None:
            found = self._kinds[key] = make(self.budgets[budget])
        return found

    @property
    def size(self) -> int:
        return sum(f.size for f in self._kinds.values())
