"""Rows opened at once (`PositionStore.open_filled`, `open_rows`): a new row given its amounts in one step, and a
batch's rows in the markets it lists written together.
"""

from __future__ import annotations

import itertools
from array import array
from bisect import insort
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from sortedcontainers import SortedList

from mockexchange.core.columns import Column, decode, micros
from mockexchange.core.kalshi.books import _LONG_EVENT, _Book, _Event
from mockexchange.core.kalshi.cells import opening_terms
from mockexchange.core.kalshi.event_totals import _MAX_PARTS, _PART, _add_share, _part_at
from mockexchange.core.kalshi.rows import MarketPosition
from mockexchange.core.kalshi.stored_rows import _AMOUNT_CELLS, _ZERO_CODES, Place, StoredPosition


class BulkRows:
    """Rows opened at once: a part of `PositionStore`, whose columns, books and totals it writes."""

    def open_filled(
        self,
        user_id: str,
        subaccount: int,
        place: Place,
        when: datetime,
        *amounts: Decimal,
        terms: tuple[list[int], tuple[int, ...]] | None = None,
        snapshot: bool = True,
    ) -> MarketPosition | None:
        """A new row given its six amounts at once (position, market_exposure, total_traded, realized_pnl, fees_paid,
        volume; a batch's first fill in a market): what `open` then `update` do, to the same cells, totals and
        versions, in one step. Returns the row's snapshot (None if not `snapshot`). `terms`: `opening_terms` of these
        amounts and the place's exchange index, if the caller has them (then the amounts may be left out: they are
        the codes' values)."""
        if terms is None:
            terms = opening_terms(amounts, place.exchange_index)
        if self.history.keeping or when.tzinfo is not UTC or terms is None:
            amounts = amounts or tuple(decode(code) for code in terms[0])  # type: ignore[index]
            return self.update(self.open(user_id, subaccount, place, when), when, *amounts)
        codes, after = terms
        # `_append`, `_file` and `_add_share(_share(...))`, written out for the common case.
        owner_key = (user_id, subaccount)
        owner = self._owner_ids.get(owner_key)
        if owner is None:
            owner = self._owner_ids[owner_key] = len(self._owner_keys)
            self._owner_keys.append(owner_key)
        ticker, event_ticker = place.ticker, place.event_ticker
        handle = len(self._places)
        self._owner.append(owner)
        self._flags.append(0)
        self._resting.append(0)
        self._versions.append(0)
        self._amounts.extend(codes)  # type: ignore[arg-type]
        self._updated.append(micros(when))
        self._places.append(place)
        held = self._holders.get(ticker)
        if held is None:
            self._holders[ticker] = handle
        elif type(held) is int:
            self._holders[ticker] = {self._owner[held]: held, owner: handle}
        else:
            held[owner] = handle  # type: ignore[index]
        book = self._books.get((owner, "unsettled"))
        if book is None:
            book = self._books[(owner, "unsettled")] = _Book()
        event = book.rows.get(event_ticker)
        if event is None:
            event = book.rows[event_ticker] = _Event()
            book.events.add(event_ticker)
        tickers = event.tickers
        if type(tickers) is list:
            if not tickers or tickers[-1] < ticker:
                tickers.append(ticker)
            else:
                insort(tickers, ticker)
            if len(tickers) > _LONG_EVENT:
                event.tickers = SortedList(tickers)
        else:
            tickers.add(ticker)  # type: ignore[attr-defined]
        totals = event.totals
        if type(totals) is not Column or not _add_share(totals, after):  # type: ignore[arg-type]
            # Totals the row's share does not fit in units: as `open` left it (zeros), then `update`'s own way.
            base = _AMOUNT_CELLS * handle
            self._amounts[base : base + _AMOUNT_CELLS] = array("q", _ZERO_CODES)
            self._stamp(handle)
            amounts = amounts or tuple(decode(code) for code in codes)  # type: ignore[arg-type]
            return self.update(StoredPosition(self, handle), when, *amounts)
        self.version = version = self.version + 2  # `open` stamps the row, then `update` does
        self._versions[handle] = version
        if not snapshot:
            return None
        return MarketPosition(
            user_id, subaccount, ticker, event_ticker, place.exchange_index, when,
            *(amounts or tuple(decode(code) for code in codes)), 0, False, version,  # type: ignore[arg-type]
        )  # fmt: skip

    def open_rows(
        self,
        user_id: str,
        subaccount: int,
        when: datetime,
        places: Sequence[Place],
        codes: Sequence[int],
        shares: Sequence[tuple[int, ...]],
        stamps: Sequence[int] | None = None,
        stamped: int = 0,
    ) -> bool:
        """New rows of one owner, each as `open_filled(user_id, subaccount, place, when, terms=(its six codes, its
        share))` would open it, one after the other, in no place the owner holds a row in: at once (a batch's rows
        in the markets it lists). False, and nothing changed, where that is not the common case (a history kept, a
        time not in UTC, an event whose totals would not hold the rows' shares in units): open them one by one.
        `stamps`: each row's version less the store's before (default: 2, 4, 6..., as `open_filled` one after the
        other makes them), and `stamped` the store's version moved in all (a batch's rows changed again while they
        waited were stamped again: `restamp`)."""
        n = len(places)
        if not n:
            return True
        if self.history.keeping or when.tzinfo is not UTC or len(codes) != n * _AMOUNT_CELLS or len(shares) != n:
            return False
        owner_key = (user_id, subaccount)
        owner = self._owner_ids.get(owner_key)
        book = self._books.get((owner, "unsettled")) if owner is not None else None
        # Each event's totals as they will be, worked out first (all or nothing); the rows of each event, in order.
        found = _totals_after(book, places, shares)
        if found is None:
            return False
        updates, rows_of = found
        # Written: the owner, the rows' cells, their places among their markets' holders, the books and the totals.
        if owner is None:
            owner = self._owner_ids[owner_key] = len(self._owner_keys)
            self._owner_keys.append(owner_key)
        if book is None:
            book = self._books[(owner, "unsettled")] = _Book()
        first = len(self._places)
        self._owner.extend(array("I", (owner,)) * n)
        self._flags.extend(bytes(n))
        self._resting.extend(array("q", (0,)) * n)
        self._amounts.extend(array("q", codes))  # (an array from a list converts faster than extend does)
        self._updated.extend(array("q", (micros(when),)) * n)
        version = self.version
        if stamps is None:
            self._versions.extend(range(version + 2, version + 2 * n + 1, 2))  # `open` stamps a row, then `update`
            self.version = version + 2 * n
        else:
            self._versions.extend(array("q", [version + stamp for stamp in stamps]))
            self.version = version + stamped
        holders = self._holders
        for handle, place in enumerate(places, first):
            ticker = place.ticker
            held = holders.get(ticker)
            if held is None:
                holders[ticker] = handle
            elif type(held) is int:
                holders[ticker] = {self._owner[held]: held, owner: handle}
            else:
                held[owner] = handle  # type: ignore[index]
        self._places += places
        _file_rows(book, updates, rows_of)
        return True

    def restamp(self, first: int, before: int, stamps: Sequence[int], stamped: int) -> None:
        """The versions of the rows from handle `first` on (opened one after the other from store version `before`)
        and of the store, as `open_rows(..., stamps, stamped)` would have made them."""
        for k, stamp in enumerate(stamps):
            self._versions[first + k] = before + stamp
        self.version = before + stamped


def _totals_after(
    book: _Book | None, places: Sequence[Place], shares: Sequence[tuple[int, ...]]
) -> tuple[list[tuple[str, array[int]]], dict[str, list[str]]] | None:
    """`open_rows`' first step: each event's totals once the rows' shares are in (the owner's `book`, if it has one),
    and the rows of each event, in order; None where the totals would not hold them in units or parts."""
    taken: dict[str, dict[tuple[int, int], list[tuple[int, ...]]]] = {}  # event -> its parts' shares
    rows_of: dict[str, list[str]] = {}
    for place, share in zip(places, shares, strict=True):
        event_ticker = place.event_ticker
        tickers = rows_of.get(event_ticker)
        if tickers is None:
            tickers = rows_of[event_ticker] = []
            taken[event_ticker] = {}
        tickers.append(place.ticker)
        if share[2] or share[3] or share[4] or share[5] or share[6] or share[7]:  # (zeros take no part)
            part = taken[event_ticker].get((share[0], share[1]))
            if part is None:
                taken[event_ticker][(share[0], share[1])] = [share]
            else:
                part.append(share)
    updates: list[tuple[str, array[int]]] = []
    for event_ticker, parts in taken.items():
        event = book.rows.get(event_ticker) if book is not None else None
        if event is not None and type(event.totals) is not Column:
            return None
        after = array("q", event.totals if event is not None else ())  # type: ignore[arg-type]
        for (exchange_index, mask), part_shares in parts.items():
            sums = [sum(cell) for cell in itertools.islice(zip(*part_shares, strict=True), 2, None)]
            at = _part_at(after, exchange_index, mask)
            try:
                if at is None:
                    if len(after) >= _PART * _MAX_PARTS:
                        return None
                    after.extend(array("q", (exchange_index, mask, *sums)))
                else:
                    held = after[at + 2 : at + _PART]
                    after[at + 2 : at + _PART] = array("q", (a + b for a, b in zip(held, sums, strict=True)))
            except OverflowError:
                return None
        updates.append((event_ticker, after))
    return updates, rows_of


def _file_rows(book: _Book, updates: list[tuple[str, array[int]]], rows_of: dict[str, list[str]]) -> None:
    """`open_rows`' last step: the rows' tickers filed in their events of the owner's `book`, and the events' new
    totals."""
    for event_ticker, after in updates:
        event = book.rows.get(event_ticker)
        if event is None:
            event = book.rows[event_ticker] = _Event()
            book.events.add(event_ticker)
        tickers = event.tickers
        added = rows_of[event_ticker]
        if type(tickers) is list:
            if not tickers or tickers[-1] < added[0]:
                tickers += added
                if added != sorted(added):  # (the batch's tickers are distinct: in order or not)
                    tickers.sort()
            else:
                for ticker in added:
                    insort(tickers, ticker)
            if len(tickers) > _LONG_EVENT:
                event.tickers = SortedList(tickers)
        else:
            tickers.update(added)  # type: ignore[attr-defined]
        event.totals[:] = after  # type: ignore[index]
