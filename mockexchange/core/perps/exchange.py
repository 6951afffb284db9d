"""The perps exchange, one object: its state (state.py) and its parts over it (the markets' `listing`, the orders'
`trading`, the fills' `filling`), its cash the margined instance's (`use_cash`: the registration hands it over), and
the reads the venue renders (an account's margin, a market's 24-hour volume)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from mockexchange.core.clock import Clock, fixed_at
from mockexchange.core.events import EventBus
from mockexchange.core.perps import funding, margin, mark_path
from mockexchange.core.perps.cash import MarginCash
from mockexchange.core.perps.corporate_actions import PerpCorporateActions
from mockexchange.core.perps.exit_triggers import PerpExitTriggers
from mockexchange.core.perps.filling import PerpFilling
from mockexchange.core.perps.history import DEFAULT_HISTORY_SIZE
from mockexchange.core.perps.liquidation import PerpLiquidations
from mockexchange.core.perps.listing import PerpListing
from mockexchange.core.perps.mark_path import SetPerpMarkPath
from mockexchange.core.perps.market_commands import ListPerpMarket, SetPerpMarks, UpdatePerpMarket
from mockexchange.core.perps.markets import PerpMarket
from mockexchange.core.perps.risk_limits import Members, NoMembers
from mockexchange.core.perps.state import DEFAULT_FUNDING_INTERVAL, PerpsState
from mockexchange.core.perps.trading import PerpTrading
from mockexchange.core.perps.units import notional

DAY = timedelta(days=1)


class _NoCash:
    """A perps exchange's cash before the registration shares the margined instance's: none, and nothing moves it."""

    def __init__(self, lock: Any) -> None:
        self.lock = lock

    def balance(self, user_id: str, subaccount: int) -> int:
        return 0

    def move(self, user_id: str, change: int, subaccount: int) -> None:
        raise RuntimeError("the perps exchange has no cash: its registration shares the margined instance's")

    def subaccounts(self, user_id: str) -> int:
        return 0


class PerpsExchange:
    def __init__(
        self, clock: Clock, bus: EventBus, ids: Any, history_size: int = DEFAULT_HISTORY_SIZE,
        funding_interval: timedelta = DEFAULT_FUNDING_INTERVAL,
    ) -> None:  # fmt: skip
        self.state = PerpsState(clock, bus, ids, history_size, funding_interval)
        self.listing = PerpListing(self.state)
        self.corporate_actions = PerpCorporateActions(self.state, self.listing)
        self._running_due = False
        self.on_schedule: Callable[[], None] | None = None  # told when `next_due` may have come sooner (a timer's)
        self.use_cash(_NoCash(self.state.lock), NoMembers())

    def use_cash(self, cash: MarginCash, members: Members) -> None:
        """Take `cash` as the exchange's (the margined instance's) and run under its lock; `members`, who of Kalshi's
        users are FCM members and subtraders."""
        self.cash = cash
        self.state.lock = cash.lock
        self.filling = PerpFilling(self.state, cash)
        self.trading = PerpTrading(self.state, self.listing, self.filling, cash, members)
        self.trading.run_due = self.run_due
        self.exit_triggers = PerpExitTriggers(self.state, self.listing, self.trading)
        self.filling.on_fill = self.exit_triggers.filled
        self.trading.on_end = self.exit_triggers.ended
        self.liquidations = PerpLiquidations(self.state, self.trading, cash, self.account)

    # -- time and marks ------------------------------------------------------------------------------------------

    def run_due(self) -> None:
        """Make what the exchange clock has reached, in time order (under the lock: every command calls it first, a
        move of the clock too): the marks' points of a path and the funding times, each at its own time (a point at a
        funding time first), each followed by what its move of the marks sets off; then resting orders' expiries.
        Once at a time: what it sets off (an order a trigger places) does not run it again."""
        state = self.state
        with state.lock:
            if self._running_due:
                return
            self._running_due = True
            try:
                self._run_timed()
                self.trading.expire_due()
            finally:
                self._running_due = False

    def _run_timed(self) -> None:
        state = self.state
        while True:
            now = state.clock.now()
            point, due = mark_path.next_point(state.mark_paths), state.funding_due
            if point is not None and point.at <= now and (due is None or point.at <= due):
                with self._at(point.at):
                    mark_path.take(state.mark_paths, point)
                    self.listing.set_marks(point.marks, point.at)
                    self.marks_moved((point.marks.ticker,))
            elif due is not None and due <= now:
                with self._at(due):
                    self.marks_moved(funding.fund_due(state, self.cash))
            else:
                return

    @contextmanager
    def _at(self, when: datetime) -> Iterator[None]:
        """Make what fell due at `when` at that time: every time the exchange reads meanwhile (a fill's, a trigger's, a
        liquidation's record) is `when`, not the time the clock has moved on to."""
        with fixed_at(self.state, when):
            yield

    def next_due(self) -> datetime | None:
        """When something next falls due on the exchange clock: a path's point, a funding time or an order's expiry
        (None: nothing)."""
        state = self.state
        with state.lock:
            point = mark_path.next_point(state.mark_paths)
            times = [point.at if point else None, state.funding_due, state.expiries[0][0] if state.expiries else None]
            return min((when for when in times if when is not None), default=None)

    def set_mark_path(self, path: SetPerpMarkPath) -> PerpMarket:
        """Hold a market's marks for later along a path (mark_path.py), after what fell due before; a point at or
        before now is set at once, and what its move sets off follows."""
        state = self.state
        with state.lock:
            self.run_due()
            market = self.listing.market(path.ticker)
            now = state.clock.now()
            points = mark_path.resolved(path, now)
            for point in points:
                self.listing.check_marks(market, point.marks)
            mark_path.hold(state.mark_paths, market.ticker, [point for point in points if point.at > now])
            self._scheduled()
            for point in points:
                if point.at <= now:
                    self.set_marks(point.marks)
            return market

    def list_market(self, listed: ListPerpMarket) -> PerpMarket:
        """List a market (listing.py) after what fell due before: its first funding time may be sooner than any due."""
        with self.state.lock:
            self.run_due()
            market = self.listing.list_market(listed)
        self._scheduled()
        return market

    def update_market(self, update: UpdatePerpMarket) -> PerpMarket:
        """Change a market's status or version (listing.py) after what fell due before (its premium's history stays
        in time order)."""
        with self.state.lock:
            self.run_due()
            return self.listing.update_market(update)

    def _scheduled(self) -> None:
        if self.on_schedule is not None:
            self.on_schedule()

    def funding_estimate(self, market: PerpMarket, made: bool = True) -> funding.PerpFundingEstimate:
        """The market's in-progress funding period as it stands (what fell due made first; `made` False: as it is,
        at the time what fell due is being made at, for what a change sets off)."""
        with self.state.lock:
            if made:
                self.run_due()
            return funding.estimate(self.state, market)

    def set_marks(self, marks: SetPerpMarks) -> PerpMarket:
        """Set a market's marks now (what fell due before comes first, at the marks it fell due at), then what the
        move sets off (`marks_moved`)."""
        with self.state.lock:
            self.run_due()
            market = self.listing.set_marks(marks)
            self.marks_moved((market.ticker,))
            return market

    def marks_moved(self, tickers: tuple[str, ...]) -> None:
        """What a move of the marks of `tickers` sets off, in this order: the exit triggers it reaches fire, then the
        accounts it takes past the liquidation threshold are liquidated."""
        self.exit_triggers.marks_moved(tickers)
        self.liquidations.run(tickers)

    @property
    def lock(self) -> Any:
        return self.state.lock

    def reset(self) -> None:
        with self.state.lock:
            self.state.clear()

    def account(self, user_id: str, subaccount: int = 0) -> margin.PerpAccount:
        """The account's margin at the marks now (its cash the margined instance's)."""
        return margin.account(self.state, self.cash.balance(user_id, subaccount), user_id, subaccount)

    def volume_24h(self, market: PerpMarket) -> tuple[int, int]:
        """The market's volume (hundredths) and its notional (micro-dollars) over the last 24 hours."""
        trades = self.state.trades[market.ticker]
        since = self.state.clock.now() - DAY
        first = bisect_left(trades, since, key=lambda trade: trade.created)
        recent = trades[first:]
        before = self.state.volume_before[market.ticker]
        volume = market.volume - before[first] if first < len(before) else 0
        return volume, sum(notional(trade.count, trade.price) for trade in recent)
