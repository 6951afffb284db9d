"""A fill made: the ledger's `filling` part. A fill alone (`apply_fill`, `book_fill`: the control plane's `fill`),
many at once (`apply_fills`, seeding a large sandbox) or a side of a match (matching.py: `fill_of_order`) takes one road
once it is checked: the caller works out what the fill does to its row (positions.fill) and checks it; `_make_fill`
writes it: the row, its account's contracts, the cash, the market's last price, the ids, the fill log and its index,
the trade it prints among the market's trades (market_feed.py); and its changes go to the subscribers that take them
(`EventBus.takers`: none is made that nobody takes).

A batch (`apply_fills`) is checked whole first (batch_checks.py: all or nothing), then each fill is made as
`apply_fill` makes it, under one hold of the lock and at one instant; a large batch as a long command
(core/stepping.py), which lets the reads of other accounts and markets in as it goes.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mockexchange.core.events import Change
from mockexchange.core.ids import drawer
from mockexchange.core.kalshi import positions
from mockexchange.core.kalshi.accounts import Account
from mockexchange.core.kalshi.batch_checks import check_batch
from mockexchange.core.kalshi.checks import Terms, check_cash, check_contracts, check_ticker, fill_terms
from mockexchange.core.kalshi.fcm import premium
from mockexchange.core.kalshi.fill_commands import SeedFill
from mockexchange.core.kalshi.fill_log import Fill, FillLog
from mockexchange.core.kalshi.footprints import trading_footprint
from mockexchange.core.kalshi.lifecycle import tradable
from mockexchange.core.kalshi.market_feed import hold, roll_day
from mockexchange.core.kalshi.markets import Market
from mockexchange.core.kalshi.new_fill import FillSpec, NewFill, fields_of, new_fills
from mockexchange.core.kalshi.positions import ZERO_CELLS, Cells, fill
from mockexchange.core.kalshi.rows import MarketPosition
from mockexchange.core.kalshi.units import price
from mockexchange.core.stepping import DEEP

if TYPE_CHECKING:
    from mockexchange.core.kalshi.catalogue import Catalogue
    from mockexchange.core.kalshi.ledger_state import LedgerState

Takers = Sequence[Callable[[Change], None]]  # the subscribers that take a kind of change (`EventBus.takers`)


class Filling:
    """Fills (`ledger.filling`; module docstring), under the ledger's lock. It takes the ledger's state and what it
    calls of the other parts: the catalogue (a fill's fee rule, the market it lists), the lifecycle's `due_until`
    (the transitions due before a fill), the feed's `print_trade` (market_feed.py) and the FCM desk's count of what a
    subtrader's fill put at risk (`executed_moved`, fcm.py)."""

    def __init__(
        self,
        state: LedgerState,
        catalogue: Catalogue,
        due_until: Callable[[datetime], None],
        print_trade: Callable[[Market, int, int, int, bool, datetime, bool], None],
        executed_moved: Callable[[str, datetime, int], None],
    ) -> None:
        self.state = state
        self.catalogue = catalogue
        self.due_until = due_until
        self.print_trade = print_trade
        self.executed_moved = executed_moved
        # A new id (a trade's, a fill's, an order's) as the fill log keeps it (ids.drawer). The state keeps one
        # `new_id` for its life (a snapshot restores where it stands, not another).
        self.drawn_id = drawer(state.new_id)

    # -- one fill ------------------------------------------------------------------------------------------------

    @fields_of(NewFill)
    def apply_fill(self, fill: NewFill) -> Fill:
        """A fill of `count` contracts of `side` at that side's `price`, for the user's subaccount, called with
        `NewFill`'s fields (`book_fill`)."""
        return self.book_fill(fill)

    def book_fill(self, fill: SeedFill | NewFill) -> Fill:
        """The fill (`SeedFill`, the control plane's `fill`; or a `NewFill`): `count` contracts of `side` at that
        side's `price`, for the user's subaccount. Answers it as a view of the fill log (it reads as a `Fill`). Its
        fee, if not given, is its market's schedule's."""
        user_id, ticker, subaccount, event_ticker = fill.user_id, fill.ticker, fill.subaccount, fill.event_ticker
        rule = self.catalogue.fee_rule_for(ticker, event_ticker) if fill.fee is None else None
        terms = fill_terms(rule, fill.side, fill.action, fill.count, fill.price, subaccount, fill.is_taker, fill.fee)
        state = self.state
        with state.lock:
            now = state.clock.now()
            due = state.due_times
            if due and due[0] <= now:
                self.due_until(now)
            # Every bound is checked before anything changes: a refused fill lists no market and opens no row.
            account = state.account(user_id)
            listed = tradable(state, ticker)
            if listed is None:  # (an unlisted market holds no row)
                handle, cells = None, ZERO_CELLS
            else:
                handle, cells = state.positions.held_in(user_id, subaccount, listed)
            after, cash = positions.fill(cells, terms.buys, terms.count, terms.paid, terms.fee)
            check_contracts(cells[5], terms.count, "volume", account.filled, "filled")
            check_cash(account, subaccount, listed.exchange_index if listed else 0, cash)
            bus = state.bus
            if listed is None:
                check_ticker(ticker)
                market = self.catalogue.list_checked(ticker, event_ticker, bus.takers("market"), now=now)
            elif event_ticker is None or event_ticker == listed.event_ticker:
                market = listed
            else:
                market = self.catalogue.list_market(ticker, event_ticker)  # (refuses: the market is another event's)
            to_fill, to_position = bus.takers("fill"), bus.takers("position")
            at, changed = self._make_fill(
                account, market, handle, after, cash, terms, subaccount, fill.is_taker, fill.order_id,
                fill.client_order_id, now, bool(to_position),
            )  # fmt: skip
            log = state.fills
            hand_over(to_fill, to_position, user_id, log, at, changed)
            return log.view(at)

    # -- many fills ----------------------------------------------------------------------------------------------

    def apply_fills(self, fills: Iterable[NewFill | Sequence[Any] | Mapping[str, Any]]) -> Sequence[Fill]:
        """Many fills at once, for seeding a large sandbox: each as `apply_fill` would make it, in order, with the same
        ids, amounts, rows, roll-ups, records and published changes, under one hold of the lock and at one instant
        (the clock is read once). A fill is a `NewFill` (or a tuple in its order, or a mapping of its names).

        All or nothing: the whole batch is checked first, against the state as each fill would find it after the ones
        before it; if one would be refused, so is the batch (nothing applied), with that fill's refusal, numbered.
        Answers the fills as views of the fill log (they read as, and equal, the `Fill`s `apply_fill` answers), which
        are also what the fill changes carry."""
        batch = new_fills(fills)
        with self._batch_hold(batch):
            terms = check_batch(self.state, self.catalogue.fee_rule_for, batch)
            # The batch makes no reference cycle, only objects that live on: the cyclic collector, which would walk
            # every one of them again and again while a large state is seeded, waits until it is done.
            collecting = gc.isenabled()
            gc.disable()
            try:
                return self._apply_batch(batch, terms)
            finally:
                if collecting:
                    gc.enable()

    def _batch_hold(self, batch: list[FillSpec]) -> AbstractContextManager[object]:
        """The lock, held for the batch: a long command (core/stepping.py) over its accounts and markets if it has
        more than `DEEP` fills."""
        state = self.state
        lock = state.lock
        if len(batch) <= DEEP:
            return lock
        users = {spec[0] for spec in batch if type(spec[0]) is str}
        tickers = {spec[1] for spec in batch if type(spec[1]) is str}
        return lock.holding_long(lambda: trading_footprint(state, tickers, *users))

    def _apply_batch(self, batch: list[FillSpec], terms: list[Terms]) -> Sequence[Fill]:
        """The fills of a checked batch, each as `apply_fill` makes it, under the lock. The batch is one instant: its
        changes go to the subscribers that take them as it starts (`EventBus.takers`), and none is checked that nobody
        takes."""
        state = self.state
        bus, store, accounts, markets = state.bus, state.positions, state.accounts, state.markets
        to_market, to_fill, to_position = bus.takers("market"), bus.takers("fill"), bus.takers("position")
        now = state.clock.now()
        log = state.fills
        start = len(log)
        make, step, holding, list_checked = self._make_fill, fill, store.held_in, self.catalogue.list_checked
        handing, snapshot = bool(to_fill or to_position), bool(to_position)
        pause = state.lock.stepper()
        for spec, checked in zip(batch, terms, strict=True):
            if pause is not None:
                pause()
            user_id, ticker, _, _, _, _, subaccount, is_taker, event_ticker, _, order_id, client_order_id = spec
            market = markets.get(ticker)
            if market is None:
                market = list_checked(ticker, event_ticker, to_market, now=now)
                handle, cells = None, ZERO_CELLS  # (none yet in a market just listed)
            else:
                handle, cells = holding(user_id, subaccount, market)
            after, cash = step(cells, checked.buys, checked.count, checked.paid, checked.fee)
            at, changed = make(
                accounts[user_id], market, handle, after, cash, checked, subaccount, is_taker, order_id,
                client_order_id, now, snapshot,
            )  # fmt: skip
            if handing:
                hand_over(to_fill, to_position, user_id, log, at, changed)
        return log.span(start, len(log))

    # -- the road every fill takes ---------------------------------------------------------------------------------

    def _make_fill(
        self,
        account: Account,
        market: Market,
        handle: int | None,
        after: Cells,
        cash: int,
        terms: Terms,
        subaccount: int,
        is_taker: bool,
        order_id: str | int | None,
        client_order_id: str | None,
        now: datetime,
        snapshot: bool,
        fill_id: str | int | None = None,
        prints: bool = True,
    ) -> tuple[int, MarketPosition | None]:
        """Write a checked fill whose row (its `handle`, as `PositionStore.held` answers it; None: the owner has none
        in `market` yet) becomes `after` and whose cash moves by `cash` (micro-dollars, its fee included). Answers the
        fill's index in the log and, if `snapshot`, the row's snapshot after it. `fill_id`: the trade's id (a match's
        two fills share it; None: a new one); `prints`: the fill prints its trade (a match's maker fill does
        not: the taker's prints it)."""
        state = self.state
        store = state.positions
        if handle is None:
            handle = store.open_handle(account.user_id, subaccount, market, now, after)
            changed = store.snapshot_of(handle) if snapshot else None
        else:
            changed = store.update_held(handle, now, after, snapshot)
        account.filled += terms.count
        if state.history.keeping:
            state.remember_cash(account, now)
            state.history.record("prices", market.ticker, market.last_yes_price, now)
        account.move_cash(subaccount, market.exchange_index, cash, now)
        state.user_data_updated = now
        if now >= market.previous_day.day_ends:
            roll_day(market, now)  # (before the last price moves: the previous day's is the one before)
        market.last_yes_price = price(terms.yes)
        hold(market, after[0] - (terms.count if terms.buys else -terms.count), after[0], terms.count)
        if fill_id is None:  # (a new fill's id first, then its order's if it has none)
            fill_id = self.drawn_id()
        if order_id is None:
            order_id = self.drawn_id()
        log = state.fills
        at = log.add(
            fill_id, order_id, account.user_id, subaccount, market, terms.side, terms.action, terms.count, terms.price,
            is_taker, terms.fee, now, after[0], client_order_id,
        )  # fmt: skip
        state.fill_index.add_position(account.user_id, now, at)
        if account.subtrader_of is not None:  # (its daily cap counts the fill: fcm.py)
            self.executed_moved(account.user_id, now, premium(terms))
        if prints:  # the trade's taker: the fill's owner if it took, else the other side (buying YES faces a NO taker)
            self.print_trade(market, at, terms.count, terms.yes, terms.buys == bool(is_taker), now, False)
        return at, changed

    def fill_of_order(
        self,
        account: Account,
        market: Market,
        subaccount: int,
        terms: Terms,
        is_taker: bool,
        order_id: str | int,
        client_order_id: str | None,
        now: datetime,
        fill_id: str | int,
        takers: tuple[Takers, Takers],
        checked: dict[tuple[str, str, int], tuple[int | None, Cells]],
    ) -> int:
        """One side of a match, checked already, down the same road: its row (as the check read it, `checked`, if its
        place has not filled since; else read now) moves (positions.fill), it is written (`_make_fill`) and handed to
        those who take fills and rows (`takers`). Answers its index in the log. It prints no trade: the match prints it
        once both sides are written (`print_match`), so what the trade shows (the market's open interest) is whole."""
        held = checked.pop((account.user_id, market.ticker, subaccount), None)
        state = self.state
        handle, cells = held or state.positions.held_in(account.user_id, subaccount, market)
        after, cash = fill(cells, terms.buys, terms.count, terms.paid, terms.fee)
        at, changed = self._make_fill(
            account, market, handle, after, cash, terms, subaccount, is_taker, order_id, client_order_id, now,
            bool(takers[1]), fill_id, False,
        )  # fmt: skip
        hand_over(takers[0], takers[1], account.user_id, state.fills, at, changed)
        return at

    def print_match(self, market: Market, taker_at: int, terms: Terms, now: datetime, block: bool = False) -> None:
        """The trade of a match (`block`: a block trade's) whose two sides are written, printed as its taker's fill
        (`taker_at` in the log, of these terms) as `_make_fill` prints a fill's own."""
        self.print_trade(market, taker_at, terms.count, terms.yes, terms.buys, now, block)


def hand_over(
    to_fill: Takers,
    to_position: Takers,
    user_id: str,
    log: FillLog,
    at: int,
    changed: MarketPosition | None,
) -> None:
    """A fill's two changes (the fill `at` in the log, as a view of it), to the subscribers that take each (the fill
    first, then its row)."""
    if to_fill:
        change = Change("fill", user_id, log.view(at))
        for take in to_fill:
            take(change)
    if to_position:
        change = Change("position", user_id, changed)
        for take in to_position:
            take(change)
