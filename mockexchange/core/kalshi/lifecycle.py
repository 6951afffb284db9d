"""A market's lifecycle on the exchange clock: its status, the transitions the clock makes when they fall due, and the
control plane's operations that move it (pause, resume, close, change the close time, determine, settle); and the
exchange's status, whose trading pauses every market (`set_exchange_status`), and its schedule (`set_exchange_schedule`:
when what it says next changes is a timer of the schedule below, `HOURS_DUE`). The ledger's `lifecycle` part.

Statuses (Kalshi's market lifecycle guide): `initialized` before `open_time`; `active` while it trades; `inactive` while
the exchange pauses it; `closed` from `close_time` (or an early close) until it is determined; `determined` once its
result is known, for `settlement_timer_seconds`; `finalized` once its positions are paid. (`disputed` and `amended` are
never reached: the mock takes no disputes.) The status is kept, not worked out on each read: each transition happens
once, at its own time, whichever way time moved past it (a command or a read finds it due, or the app's timer wakes
for it: `next_due`, `on_schedule`), so a clock that runs backwards never reopens a market.

The clock's transitions (opening at `open_time`, closing at `close_time`, paying when the settlement timer ends) are
kept in a schedule of due times, each a list of tickers: a batch that lists a million markets at one instant adds one
time. A due entry is only a reason to look at the market: what is due is worked out from the market then, so an entry
a later change made stale does nothing. Each transition is dated at its due time, not when it was found due, so a
state file that runs the commands again reaches the same state (docs/persistence.md).

What each publishes (`market_lifecycle_v2`, as Kalshi documents it): the clock's opening and closing publish no
lifecycle event (Kalshi sends none for them), only a `StatusMoved` that no channel sends (the inspector shows it);
pause `deactivated`, resume `activated`; an early close or a new close time `close_date_updated` (a reopened market
then `activated`); a result `determined`; the payout `settled`. Closing and resuming clear the book (Kalshi cancels
resting orders on reactivation), as determining and settling do;
pausing cancels the orders placed with `cancel_order_on_pause`; an order's expiration is one more due time of its
market.

The same schedule holds the other parts' timers (one heap of due times): an entry is a market's ticker (a `str`) or a
`Timer` (due.py), whose `kind` names the part's handler registered in `timers` (the communications part's quote timers,
communications.py), made at its due time as a transition is. A market that closes tells the parts that asked
(`on_close`: its open RFQs close, its combos close), at the time it closes; one determined or paid tells them too
(`on_outcome`: its combos show it, and settle once every leg is paid, through `settle_at`). A combo market's events
are published under a kind of their own (ledger_state.py's `lifecycle_kind`: the multivariate channel's).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from mockexchange.core.events import Change
from mockexchange.core.kalshi import positions
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.due import Due, Timer
from mockexchange.core.kalshi.exchange import StatusNow
from mockexchange.core.kalshi.exchange_schedule import ExchangeSchedule
from mockexchange.core.kalshi.footprints import long_work
from mockexchange.core.kalshi.market_changes import STATUS, Lifecycle, StatusMoved
from mockexchange.core.kalshi.market_commands import SetExchangeSchedule, SetExchangeStatus
from mockexchange.core.kalshi.markets import Market, Settlement
from mockexchange.core.kalshi.orders import CLOSE_CANCEL, HALT_CANCEL
from mockexchange.core.kalshi.rows import MarketPosition
from mockexchange.core.kalshi.stored_rows import StoredPosition
from mockexchange.core.kalshi.units import PRICE, contracts, dollars
from mockexchange.core.stepping import DEEP, MustStep

if TYPE_CHECKING:
    from mockexchange.core.kalshi.ledger_state import LedgerState

OPEN_STATUSES = ("initialized", "active", "inactive")  # not closed yet
HOURS_DUE = "exchange_hours"  # the exchange schedule's timer: when what it says next changes
# GET /markets' `status` filter words and the statuses each matches (Kalshi's market lifecycle guide: `closed` is
# any market past its close that is not finalized yet).
FILTER_WORDS: dict[str, frozenset[str]] = {
    "unopened": frozenset({"initialized"}),
    "open": frozenset({"active"}),
    "paused": frozenset({"inactive"}),
    "closed": frozenset({"closed", "determined", "disputed", "amended"}),
    "settled": frozenset({"finalized"}),
}


def refusal(market: Market) -> str | None:
    """Why the market takes no trading now (None: it is active)."""
    status = market.status
    if status == "active":
        return None
    if status == "finalized":
        return f"market {market.ticker!r} is settled"
    if status == "initialized":
        return f"market {market.ticker!r} is not open yet (it opens at {market.open_time.isoformat()})"
    if status == "inactive":
        return f"market {market.ticker!r} is paused"
    return f"market {market.ticker!r} is {status}"


def tradable(state: LedgerState, ticker: str) -> Market | None:
    """The market if it is listed (None: trading lists it); only an active market on a trading exchange takes
    trading."""
    market = state.markets.get(ticker) if isinstance(ticker, str) else None
    why = refusal(market) if market is not None else None
    if why is None:
        why = state.exchange.refusal_now(state.clock)
    if why is not None:
        raise LedgerError(why, status=409)
    return market


def schedule(state: LedgerState, when: datetime, ticker: Due) -> None:
    """The market `ticker` (or a part's `Timer`) is looked at when `when` comes (its transition, or an order's expiry,
    may fall due then); the app's timer is told if that is the schedule's earliest time."""
    tickers = state.due_at.get(when)
    if tickers is not None:
        tickers.append(ticker)
        return
    state.due_at[when] = [ticker]
    heap = state.due_times
    heapq.heappush(heap, when)
    if heap[0] is when and state.on_schedule is not None:
        state.on_schedule()


class MarketLifecycle:
    """The markets' statuses and schedule, and the exchange's (`ledger.lifecycle`), under the ledger's lock. It takes
    the ledger's state and what it calls of the other parts: the ending of a market's orders that expire (`expire`),
    of every order in its book (`clear_book`) and of those that asked to end on a pause (`cancel_on_pause`)
    (trading.py), and the FCM desk's count of what a subtrader's settlement paid (`executed_moved`, fcm.py)."""

    def __init__(
        self,
        state: LedgerState,
        expire: Callable[[Market, datetime], None],
        clear_book: Callable[[Market, datetime, str], None],
        cancel_on_pause: Callable[[Iterable[Market], datetime], None],
        executed_moved: Callable[[str, datetime, int], None],
    ) -> None:
        self.state = state
        self.expire = expire
        self.clear_book = clear_book
        self.cancel_on_pause = cancel_on_pause
        self.executed_moved = executed_moved
        # The other parts' timers by kind, and what a market's close tells them: set by the ledger as it makes them.
        self.timers: dict[str, Callable[[str, datetime], None]] = {HOURS_DUE: self.hours_due}
        self.on_close: list[Callable[[Market, datetime], None]] = []
        # What a market's result tells the parts that asked (a combo's legs: multivariate.py), as it is determined and
        # as it is paid.
        self.on_outcome: list[Callable[[Market, datetime], None]] = []

    # -- the schedule ----------------------------------------------------------------------------------------------

    def next_due(self) -> datetime | None:
        """The earliest time a transition may fall due (None: none is scheduled)."""
        heap = self.state.due_times
        return heap[0] if heap else None

    def schedule_listing(self, market: Market, now: datetime) -> None:
        """A new market's status from its times, and its transitions scheduled."""
        state, times = self.state, market.times  # (read as a part: each time through the market is a call)
        if times.open_time > now:
            market.status = "initialized"
            schedule(state, times.open_time, market.ticker)
        schedule(state, times.close_time, market.ticker)
        if times.close_time <= now:
            self._advance(market, now)

    def run_due(self) -> None:
        """Make every transition due by now (a read's, the app timer's): nothing to do costs a clock read."""
        state = self.state
        heap = state.due_times
        if not heap or heap[0] > state.clock.now() or state.lock.beside_long:
            return  # (a read beside a long command reads the state it began from: the next one makes them)
        with state.due_guard() if state.due_guard is not None else nullcontext(), state.lock:
            self.run_due_now()

    def run_due_now(self) -> None:
        """`run_due` for a caller that holds the lock (every command does, first). Much to do, inline on an event
        loop (a read, or a command's first step there): run again where it may run long (core/stepping.py's
        `MustStep`, nothing changed yet)."""
        state = self.state
        heap = state.due_times
        if heap:
            now = state.clock.now()
            if heap[0] <= now:
                if state.lock.on_loop and self._due_work(now) > DEEP:
                    raise MustStep()
                self.due_until(now)

    def _due_work(self, now: datetime) -> int:
        """About how many steps the transitions due by `now` take: the orders they may end, the rows they may pay."""
        state = self.state
        work = 0
        for when in state.due_times:
            if when > now:
                continue
            for ticker in state.due_at.get(when, ()):
                market = state.markets.get(ticker) if isinstance(ticker, str) else None
                if market is not None:
                    work += (len(market.book) if market.book is not None else 0) + len(
                        state.positions.holders(market.ticker)
                    )
        return work

    def due_until(self, now: datetime) -> None:
        """Every transition due at `now` or before, in time order, each at its own time."""
        state = self.state
        heap, due_at, markets = state.due_times, state.due_at, state.markets
        while heap and heap[0] <= now:
            when = heapq.heappop(heap)
            for ticker in due_at.pop(when):
                if isinstance(ticker, Timer):
                    self.timers[ticker.kind](ticker.key, when)
                    continue
                market = markets.get(ticker)
                if market is not None:
                    self._advance(market, when)

    def _advance(self, market: Market, until: datetime) -> None:
        """The market's transitions due at `until` or before: opening, its orders expiring, closing, paying out."""
        if market.status == "initialized" and market.open_time <= until:
            market.status = "active"
            self.state.market_changed(market)
            self._status_moved(market, market.open_time)
        closes = market.status in OPEN_STATUSES and market.close_time <= until
        self.expire(market, market.close_time if closes else until)
        if closes:
            self._close(market, market.close_time, early=False)
        if market.status == "determined" and market.settles_at is not None and market.settles_at <= until:
            self._finalize(market, market.settles_at)

    # -- transitions -----------------------------------------------------------------------------------------------

    def _publish(self, lifecycle: Lifecycle) -> None:
        state = self.state
        kind = state.lifecycle_kind(lifecycle.ticker)
        if state.bus.takers(kind):
            state.bus.publish(Change(kind, None, lifecycle))

    def _status_moved(self, market: Market, when: datetime) -> None:
        bus = self.state.bus
        if bus.takers(STATUS):
            bus.publish(Change(STATUS, None, StatusMoved(market.ticker, market.status, when)))

    def _close(self, market: Market, when: datetime, *, early: bool) -> None:
        market.status = "closed"
        self.state.market_changed(market)
        if early:
            market.close_time = when
            market.updated_time = when
            self._publish(Lifecycle(market.ticker, "close_date_updated", when, close_time=when))
        else:
            self._status_moved(market, when)
        self.clear_book(market, when, CLOSE_CANCEL)
        for closed in self.on_close:
            closed(market, when)

    def _finalize(self, market: Market, when: datetime) -> None:
        """Pay the determined market's positions (winners a dollar a contract); its resting orders are cancelled."""
        state = self.state
        result = market.result
        assert result is not None
        market.status = "finalized"
        market.settled_time = when
        market.settles_at = None
        state.market_changed(market)
        self.clear_book(market, when, CLOSE_CANCEL)
        rows = state.positions.of_market(market.ticker)
        with long_work(state, [market.ticker], len(rows)):
            self._pay(market, rows, result, when)
        state.archive.market_settled(state, market)
        state.bus.publish(Change("settlement", None, market))
        self._publish(Lifecycle(market.ticker, "settled", when))
        for moved in self.on_outcome:
            moved(market, when)

    def _pay(self, market: Market, rows: list[StoredPosition], result: str, when: datetime) -> None:
        """Each row of the market settled at `result`, its payout to its holder."""
        state = self.state
        store, bus = state.positions, state.bus
        step = state.lock.stepper()
        for row in rows:
            if step is not None:
                step()
            cells = store.cells(row)
            after, payout = positions.settle(cells, result)
            record = _settlement(row, market, cells, payout, when)
            store.update(row, when, after, snapshot=False)
            holder = state.accounts[row.user_id]
            state.move_cash(holder, row.subaccount, market.exchange_index, payout, when)
            store.mark_settled(row, when)
            state.settlements.add(row.user_id, when, record)
            if holder.subtrader_of is not None:  # (its daily cap counts what the settlement paid: fcm.py)
                self.executed_moved(row.user_id, when, -payout)
            bus.publish(Change("position", row.user_id, row.snapshot()))

    def _determine(self, market: Market, result: str, now: datetime) -> None:
        if market.status in OPEN_STATUSES:
            self._close(market, now, early=True)
        market.result = result
        market.status = "determined"
        market.determined_time = now
        market.settlement_value = PRICE if result == "yes" else 0
        market.settles_at = now + timedelta(seconds=market.settlement_timer_seconds)
        self.state.market_changed(market)
        self._publish(
            Lifecycle(market.ticker, "determined", now, result=result, settlement_value=market.settlement_value)
        )
        schedule(self.state, market.settles_at, market.ticker)
        for moved in self.on_outcome:
            moved(market, now)

    def close_at(self, market: Market, when: datetime) -> None:
        """Close an open market at `when`, inside a transition or command that holds the lock (a combo whose leg
        closed): early, as an early close is told, if before its close time."""
        if market.status in OPEN_STATUSES:
            self._close(market, when, early=when < market.close_time)

    def settle_at(self, market: Market, result: str, when: datetime) -> None:
        """Determine a market and pay it at `when`, inside a transition or command that holds the lock (a combo whose
        legs all settled): one determined already is paid with its own result; one paid already stays."""
        if market.finalized:
            return
        if market.result is None:
            self._determine(market, result, when)
        if not market.finalized:
            self._finalize(market, when)

    # -- operations ------------------------------------------------------------------------------------------------

    @contextmanager
    def _changing(self, ticker: str) -> Iterator[tuple[Market, datetime]]:
        """The market (every transition due by now made first) and now, under the lock."""
        state = self.state
        with state.lock:
            self.run_due_now()
            yield state.market(ticker), state.clock.now()

    def pause_market(self, ticker: str) -> Market:
        """Pause an active market's trading (`inactive`)."""
        with self._changing(ticker) as (market, now):
            if market.status != "active":
                raise LedgerError(f"only an active market can be paused; {ticker!r} is {market.status}", status=409)
            market.status = "inactive"
            market.updated_time = now
            self.state.market_changed(market)
            self.cancel_on_pause((market,), now)
            self._publish(Lifecycle(ticker, "deactivated", now))
        return market

    def resume_market(self, ticker: str) -> Market:
        """Trading resumes on a paused market; its book is cleared (Kalshi cancels resting orders then)."""
        with self._changing(ticker) as (market, now):
            if market.status != "inactive":
                raise LedgerError(f"only a paused market can be resumed; {ticker!r} is {market.status}", status=409)
            market.status = "active"
            market.updated_time = now
            self.state.market_changed(market)
            self.clear_book(market, now, HALT_CANCEL)
            self._publish(Lifecycle(ticker, "activated", now))
        return market

    def set_close_time(self, ticker: str, when: datetime | None) -> Market:
        """Move the close time (None: now): at or before now, the market closes now (`can_close_early` must allow
        it); later, a closed market (not determined yet) opens again."""
        with self._changing(ticker) as (market, now):
            when = now if when is None else when
            if market.status not in (*OPEN_STATUSES, "closed"):
                raise LedgerError(f"market {ticker!r} is {market.status}: its close time is past moving", status=409)
            closes_early = when < market.close_time and market.status != "closed"
            if closes_early and not market.can_close_early:
                raise LedgerError(f"market {ticker!r} cannot close early (can_close_early is false)", status=409)
            if when <= now:
                if market.status != "closed":
                    self._close(market, now, early=True)
                return market
            if when <= market.open_time:
                raise LedgerError("close_time must be after open_time")
            reopened = market.status == "closed"
            market.close_time = when
            if market.latest_expiration_time < when:
                market.latest_expiration_time = when
            market.updated_time = now
            self.state.market_changed(market)
            self._publish(Lifecycle(ticker, "close_date_updated", now, close_time=when))
            if reopened:
                market.status = "active"
                self._publish(Lifecycle(ticker, "activated", now))
            schedule(self.state, when, ticker)
        return market

    def determine_market(self, ticker: str, result: str) -> Market:
        """The market's result is known: it closes (if open), and its positions are paid when its settlement timer
        ends."""
        with self._changing(ticker) as (market, now):
            if market.result is not None:
                raise LedgerError(f"market {ticker!r} is already {market.status}", status=409)
            self._determine(market, result, now)
            self.run_due_now()  # a timer of 0: paid at once
        return market

    def settle_market(self, ticker: str, result: str) -> Market:
        """Determine a market and pay it at once: winners get 1 dollar per contract, every position in it becomes
        settled and gets a settlement record, and its resting orders are cancelled. A market determined already is
        paid now (with that result)."""
        with self._changing(ticker) as (market, now):
            if market.finalized:
                raise LedgerError(f"market {ticker!r} is already settled", status=409)
            if market.result is None:
                self._determine(market, result, now)
            elif market.result != result:
                raise LedgerError(f"market {ticker!r} is determined {market.result!r}, not {result!r}", status=409)
            self._finalize(market, now)
        return market

    # -- the exchange's status and schedule ------------------------------------------------------------------------

    def set_exchange_status(self, given: SetExchangeStatus) -> StatusNow:
        """Switch the exchange (exchange.py) on or off, and its trading; what is not given stays. The estimated resume
        time is set as given (None clears it). Its status now is answered."""
        state = self.state
        with state.lock:
            self.run_due_now()
            status, now = state.exchange, state.clock.now()
            before = status.at(now)
            if given.exchange_active is not None:
                status.exchange_active = given.exchange_active
            if given.trading_active is not None:
                status.trading_active = given.trading_active
            status.estimated_resume_time = given.exchange_estimated_resume_time
            self._status_moved_from(before, now, always=True)
            return status.at(now)

    def set_exchange_schedule(self, given: SetExchangeSchedule) -> tuple[ExchangeSchedule, StatusNow]:
        """The exchange's schedule (exchange_schedule.py): its weekly hours, its maintenance windows; what is not given
        stays. Its timer is set for when what it says next changes. The schedule and the status now are answered."""
        state = self.state
        with state.lock:
            self.run_due_now()
            status, now = state.exchange, state.clock.now()
            before, schedule = status.at(now), status.schedule
            status.schedule = ExchangeSchedule(
                schedule.standard_hours if given.standard_hours is None else given.standard_hours,
                schedule.maintenance_windows if given.maintenance_windows is None else given.maintenance_windows,
            )
            self._status_moved_from(before, now)
            self._time_hours(now)
            return status.schedule, status.at(now)

    def hours_due(self, key: str, when: datetime) -> None:
        """The schedule's timer: what it says may have changed at `when` (a timer of a schedule replaced since, or
        not the chain's latest, does nothing)."""
        status = self.state.exchange
        if when != status.hours_due:
            return
        self._status_moved_from(status.at(when - timedelta(microseconds=1)), when)
        self._time_hours(when)

    def _time_hours(self, now: datetime) -> None:
        status = self.state.exchange
        status.hours_due = due = status.schedule.next_change(now)
        if due is not None:
            schedule(self.state, due, Timer(HOURS_DUE, ""))

    def _status_moved_from(self, before: StatusNow, when: datetime, always: bool = False) -> None:
        """The status moved from `before` at `when`: trading paused, the orders that asked end
        (`cancel_order_on_pause`); a change (`always`: a switch set) is published."""
        state = self.state
        status = state.exchange
        after = status.at(when)
        if before.trading and not after.trading:
            self.cancel_on_pause(state.markets.values(), when)
        if always or after != before:
            state.bus.publish(Change("exchange_status", None, status))


def _settlement(row: MarketPosition, market: Market, cells: positions.Cells, payout: int, now: datetime) -> Settlement:
    """The record of what a market's settlement paid one position of `cells` (before it settled)."""
    position, exposure = cells[0], cells[1]
    return Settlement(
        user_id=row.user_id,
        subaccount=row.subaccount,
        ticker=market.ticker,
        event_ticker=market.event_ticker,
        exchange_index=market.exchange_index,
        market_result=market.result or "",
        yes_count=contracts(max(position, 0)),
        yes_total_cost=dollars(exposure if position > 0 else 0),
        no_count=contracts(max(-position, 0)),
        no_total_cost=dollars(exposure if position < 0 else 0),
        revenue=dollars(payout),
        fee_cost=dollars(cells[4]),
        settled_time=now,
    )
