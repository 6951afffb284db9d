"""Rows in key order (`PositionStore.walk`, `page`, `event_rollup`): a seek to the key after the cursor and a walk of at
most `limit` matching rows, as they are or, while the ledger keeps a history, as they were at a time.
"""

from __future__ import annotations

import heapq
import itertools
from bisect import bisect_right
from collections.abc import Hashable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from mockexchange.core.kalshi.event_totals import rollup as part_rollup
from mockexchange.core.kalshi.markets import HeldMarket
from mockexchange.core.kalshi.owner_rows import _OwnerRows
from mockexchange.core.kalshi.row_filter import RowFilter
from mockexchange.core.kalshi.rows import EventRollup, MarketPosition, PositionKey, SettlementState, SettlementStatus
from mockexchange.core.kalshi.stored_rows import StoredPosition, StoredRows, _Place, settlement_state
from mockexchange.core.versions import ABSENT, History

# The rows of an owner changed since a time, (now, then) by event: now None if the row is gone, then ABSENT if new.
ByEvent = dict[str, list[tuple[MarketPosition | None, Any]]]


class PositionReads(StoredRows):
    """Reads in key order, and of one row: a part of `PositionStore`, whose books and history (its `__init__` sets
    them) they read."""

    history: History
    # Every account's row in a market (its holders) is kept on the market (`HeldMarket`): the catalogue's
    # (`_listed`), or for a ticker it does not list, a place of the store's own (`_unlisted`).
    _listed: Mapping[str, HeldMarket]
    _unlisted: dict[str, _Place]
    _owner_rows: dict[tuple[int, SettlementState], _OwnerRows]
    _by_event_memo: tuple[dict[Hashable, Any], ByEvent] | None

    def get(self, user_id: str, subaccount: int, ticker: str) -> StoredPosition | None:
        handle = self._handle(user_id, subaccount, ticker)
        return None if handle is None else StoredPosition(self, handle)

    def _held_in(self, ticker: str) -> HeldMarket | None:
        """What holds the market's holders (None: no row of the store was ever in it)."""
        return self._listed.get(ticker) or self._unlisted.get(ticker)

    def _handle(self, user_id: str, subaccount: int, ticker: str) -> int | None:
        market = self._held_in(ticker)
        return None if market is None else self._handle_in(user_id, subaccount, market)

    def _handle_in(self, user_id: str, subaccount: int, market: HeldMarket) -> int | None:
        held = market.holders
        if held is None:  # (no row in the market: the owner is not looked up)
            return None
        owner = self._owner_ids.get((user_id, subaccount))
        if owner is None:
            return None
        if isinstance(held, int):
            return held if self._owner[held] == owner else None
        return held.get(owner)

    def walk(
        self,
        user_id: str,
        subaccount: int,
        status: SettlementStatus,
        *,
        after: PositionKey | None = None,
        event_ticker: str | Sequence[str] | None = None,
        ticker: str | None = None,
        as_of: datetime | None = None,
        ordered: bool = True,
    ) -> Iterator[MarketPosition]:
        """Rows in key order, strictly after `after`, narrowed by event(s) and ticker through the index itself;
        `as_of`: the rows as they were at that time (the history's), else as they are; not `ordered`: the rows
        changed since `as_of` come last (for a sum, which needs no order).

        Several event tickers are walked one after another, in key order.
        """
        rows = self._walk(user_id, subaccount, status, after, event_ticker, ticker)
        if as_of is None:
            return rows
        changed = self.history.changed((user_id, subaccount), as_of)
        if not changed:
            return rows
        # The rows changed since `as_of` are left out of the current walk and merged back as they were then.
        states = _states(status)
        events = (
            None if event_ticker is None else {event_ticker} if isinstance(event_ticker, str) else set(event_ticker)
        )
        then = [
            row
            for row in changed.values()
            if row is not ABSENT
            and _state(row) in states
            and (events is None or row.event_ticker in events)
            and (ticker is None or row.ticker == ticker)
            and (after is None or row.key > after)
        ]
        unchanged = (row for row in rows if row.ticker not in changed)
        if not then:
            return unchanged
        if not ordered:
            return itertools.chain(unchanged, then)
        return heapq.merge(unchanged, sorted(then, key=_key), key=_key)

    def _walk(
        self,
        user_id: str,
        subaccount: int,
        status: SettlementStatus,
        after: PositionKey | None,
        event_ticker: str | Sequence[str] | None,
        ticker: str | None,
    ) -> Iterator[MarketPosition]:
        if event_ticker is not None and not isinstance(event_ticker, str):
            events = sorted(e for e in set(event_ticker) if after is None or e >= after[0])
            return itertools.chain.from_iterable(
                self._walk(user_id, subaccount, status, after, e, ticker) for e in events
            )
        owner = self._owner_ids.get((user_id, subaccount))
        if owner is None:
            return iter(())
        streams: list[Iterator[MarketPosition]] = []
        for state in _states(status):
            owned = self._owner_rows.get((owner, state))
            if not owned:
                continue
            if ticker is not None:
                # A ticker names at most one row; no range to walk.
                handle = self._handle(user_id, subaccount, ticker)
                if (
                    handle is not None
                    and settlement_state(self._flags[handle]) == state
                    and (event_ticker is None or self._places[handle].event_ticker == event_ticker)
                    and (after is None or (self._places[handle].event_ticker, ticker) > after)
                ):
                    streams.append(iter([StoredPosition(self, handle)]))
                continue
            streams.append(self._rows_of(owner, owned, after, event_ticker))
        if not streams:
            return iter(())
        if len(streams) == 1:
            return streams[0]
        return heapq.merge(*streams, key=_key)

    def _rows_of(
        self, owner: int, owned: _OwnerRows, after: PositionKey | None, event_ticker: str | None
    ) -> Iterator[MarketPosition]:
        """The book's rows strictly after `after` (of one event if `event_ticker`), in key order."""
        if event_ticker is not None:
            if after is not None and after[0] > event_ticker:
                return
            events: Iterator[str] = iter((event_ticker,) if event_ticker in owned.rows else ())
        elif after is None:
            events = iter(owned.events)
        else:
            events = owned.events.irange(minimum=after[0])
        listed, unlisted = self._listed, self._unlisted
        for event in events:
            tickers = owned.rows[event].tickers
            if after is not None and event == after[0]:
                if isinstance(tickers, list):
                    walked: Iterator[str] = itertools.islice(tickers, bisect_right(tickers, after[1]), None)
                else:
                    walked = tickers.islice(tickers.bisect_right(after[1]))
            else:
                walked = iter(tickers)
            for ticker in walked:
                held = (listed.get(ticker) or unlisted[ticker]).holders
                assert held is not None  # (its market holds the row)
                yield StoredPosition(self, held if isinstance(held, int) else held[owner])

    def page(
        self,
        user_id: str,
        subaccount: int,
        status: SettlementStatus,
        limit: int,
        *,
        after: PositionKey | None = None,
        event_ticker: str | Sequence[str] | None = None,
        ticker: str | None = None,
        keep: RowFilter | None = None,
        as_of: datetime | None = None,
    ) -> tuple[list[MarketPosition], bool]:
        """Up to `limit` matching rows after `after`, and whether more follow (as of `as_of`, see `walk`). Rows are
        snapshots."""
        rows: list[MarketPosition] = []
        walked = self.walk(
            user_id, subaccount, status, after=after, event_ticker=event_ticker, ticker=ticker, as_of=as_of
        )
        for row in walked:
            if keep is not None and not keep(row):
                continue
            if len(rows) == limit:
                return rows, True
            rows.append(row.snapshot())
        return rows, False

    def event_rollup(
        self,
        user_id: str,
        subaccount: int,
        status: SettlementStatus,
        event_ticker: str,
        *,
        ticker: str | None = None,
        keep: RowFilter | None = None,
        as_of: datetime | None = None,
    ) -> EventRollup:
        """Totals over the event's rows that pass the same filters as the market rows (as of `as_of`, see `walk`)."""
        rollup = EventRollup(event_ticker)
        if ticker is not None:  # one row at most
            walked = self.walk(user_id, subaccount, status, event_ticker=event_ticker, ticker=ticker, as_of=as_of)
            for row in walked:
                if keep is None or keep(row):
                    rollup.add(row)
            return rollup
        states = _states(status)
        owner = self._owner_ids.get((user_id, subaccount))
        for state in states:
            owned = self._owner_rows.get((owner, state)) if owner is not None else None
            event = owned.rows.get(event_ticker) if owned is not None else None
            if event is None:
                continue
            rollup = rollup.merged(part_rollup(event_ticker, event.totals, keep))
        if as_of is not None:
            # The running totals are today's: take out the rows changed since `as_of`, put them back as they were.
            for now, then in self._changed_in_event(user_id, subaccount, as_of).get(event_ticker, ()):
                for part, sign in ((now, -1), (then, 1)):
                    if (
                        part is not None
                        and part is not ABSENT
                        and _state(part) in states
                        and (keep is None or keep(part))
                    ):
                        rollup.add(part, sign)
        return rollup

    def _changed_in_event(self, user_id: str, subaccount: int, as_of: datetime) -> ByEvent:
        """The rows of the owner changed since `as_of`, (now, then) by event; built once per set of changes, so a
        page's roll-ups each look only at their own event's."""
        changed = self.history.changed((user_id, subaccount), as_of)
        memo = self._by_event_memo
        if memo is not None and memo[0] is changed:
            return memo[1]
        by_event: ByEvent = {}
        for ticker, then in changed.items():
            if not isinstance(ticker, str):
                continue  # (what the history keeps of an owner of rows is named by ticker)
            now = self.get(user_id, subaccount, ticker)
            if now is None and then is ABSENT:
                continue  # neither then nor now (rows are only ever dropped by a reset, which drops the history)
            event = now.event_ticker if now is not None else then.event_ticker
            by_event.setdefault(event, []).append((now, then))
        self._by_event_memo = (changed, by_event)
        return by_event


def _state(row: MarketPosition) -> SettlementState:
    return "settled" if row.settled else "unsettled"


def _states(status: SettlementStatus) -> tuple[SettlementState, ...]:
    return ("unsettled", "settled") if status == "all" else (status,)


def _key(row: MarketPosition) -> PositionKey:
    return row.key
