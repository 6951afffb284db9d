"""Orders on the exchange (the ledger's `trading` part): placed by accounts (the venue's order API) or seeded by the
control plane, crossed with the book (matching.py), rested, decreased, amended, cancelled, expired on the exchange
clock, and ended with their market (what every change to an order keeps up, and its end: order_upkeep.py).

Every command is one exchange action under the ledger's lock: it is checked whole first (a refused command changes
nothing), then the book moves once, published as one `BookMoved` (its cause the user whose command it was); each order
it changes is published as an `order` change (the order as it stands after it, with why it changed: orders.py's
reasons, decided where the change is made).

What an order may be, in Kalshi's words (CreateOrderV2Request): `good_till_canceled` rests what it does not fill, until
its `expiration_time` if it has one (a time still to come); `immediate_or_cancel` and `fill_or_kill` never rest (a
fill-or-kill fills whole or not at all) and take no expiration_time; `post_only` is refused if it would cross;
`reduce_only` (immediate-or-cancel only) is cut to what reduces the position held; `cancel_order_on_pause` ends the
order when its market or the exchange's trading pauses. Orders are refused unless the market is active and the
exchange trades; every resting order ends when its market closes, is determined or settles, and when it resumes after
a pause (Kalshi cancels resting orders then). A seeded order (the control plane's `create_order`) states a resting
order as a fact, as it was before orders matched (so a state file of then replays): any price of up to 4 places, on a
level of the price structure or not; it never takes (one that would cross is refused), needs and holds no cash
(orders.py), lists its market if new, and chooses no self-trade rule.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, TypeVar

from mockexchange.core.book import LevelChange, merged
from mockexchange.core.ids import uuid_text
from mockexchange.core.kalshi import units
from mockexchange.core.kalshi.accounts import Account
from mockexchange.core.kalshi.checks import MAX_RESTING_ORDERS, LedgerError, Refusal, check_contracts, check_trade
from mockexchange.core.kalshi.lifecycle import refusal, tradable
from mockexchange.core.kalshi.liquidity import book_moved
from mockexchange.core.kalshi.market_changes import Cause
from mockexchange.core.kalshi.market_feed import touch
from mockexchange.core.kalshi.markets import Market, MarketBook
from mockexchange.core.kalshi.matching import Planned
from mockexchange.core.kalshi.order_commands import NO_EXPIRATION, AmendOrder, PlaceOrder
from mockexchange.core.kalshi.order_upkeep import cause_of
from mockexchange.core.kalshi.orders import (
    AMEND,
    CANCELED,
    DECREASE,
    EXECUTED,
    EXPIRY_CANCEL,
    FOK,
    GTC,
    IOC,
    MARKET,
    REDUCE_ONLY_CANCEL,
    RESTING,
    SELF_TRADE_CANCEL,
    TRADE,
    Order,
    OrderOutcome,
    book_side,
    whole,
)
from mockexchange.core.kalshi.positions import buys_yes
from mockexchange.core.kalshi.price_levels import is_level, worst_level
from mockexchange.core.kalshi.units import PRICE, price
from mockexchange.core.stepping import DEEP, Footprint, MustStep, restarting

if TYPE_CHECKING:
    from mockexchange.core.kalshi.catalogue import Catalogue
    from mockexchange.core.kalshi.ledger_state import LedgerState
    from mockexchange.core.kalshi.matching import Matching
    from mockexchange.core.kalshi.order_groups import OrderGroups
    from mockexchange.core.kalshi.order_upkeep import OrderUpkeep


class _Keep(Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP  # an amend that leaves the expiration_time as it is
Expiration = datetime | None | _Keep  # what an amend makes of an order's expiration_time (None: it has none)
T = TypeVar("T")


def _invalid(message: str, code: str = "invalid_order") -> Refusal:
    return Refusal(message, 400, code)


class Trading:
    """The orders (`ledger.trading`; module docstring), under the ledger's lock. It takes the ledger's state and what
    it calls of the other parts: the cross (matching.py), the orders kept (order_upkeep.py), the catalogue (a market's
    fee rule, a market a seeded order lists), the lifecycle's `run_due` (lifecycle.py's `run_due_now`), the
    subaccounts' `known` check (subaccounts.py), the order groups (order_groups.py) and the FCM desk's refusal of a
    subtrader's order (`fcm_refusal`, fcm.py's `order_refusal`)."""

    def __init__(
        self,
        state: LedgerState,
        matching: Matching,
        kept: OrderUpkeep,
        catalogue: Catalogue,
        run_due: Callable[[], None],
        known: Callable[[Account, int, str], None],
        groups: OrderGroups,
        fcm_refusal: Callable[[str, str | None, int, bool], str | None],
    ) -> None:
        self.state = state
        self.lock = state.lock  # (what `restarting` waits on)
        self.matching = matching
        self.kept = kept
        self.catalogue = catalogue
        self.run_due = run_due
        self.known = known
        self.groups = groups
        self.fcm_refusal = fcm_refusal

    # -- placing -----------------------------------------------------------------------------------------------------

    @restarting
    def submit_order(self, placed: PlaceOrder) -> OrderOutcome:
        """An account's order (`PlaceOrder`): its count of its side at its YES price. It crosses what it can, then
        rests, ends, or is refused whole (`Refusal`, with Kalshi's code). A market order (the legacy API's) never rests;
        without a price it takes at any price (its limit the worst level of the book). `buy_max_cost` (a buy that does
        not rest) caps what the contracts it buys and their fees cost: the cross is cut to what the cap pays for (a
        fill-or-kill order fills whole within it or not at all)."""
        side, action = placed.sides
        user_id, subaccount, count = placed.user_id, placed.subaccount, placed.count
        _check_order_terms(placed, action)
        state = self.state
        with self.lock:
            self.run_due()
            now = state.clock.now()
            account = state.account(user_id)
            market = self._order_market(placed.ticker, placed.exchange_index)
            self.known(account, subaccount, "subaccount")
            yes_price = placed.price
            if yes_price is None:
                yes_price = worst_level(market.price_level_structure, buys_yes(side, action))
            self._check_price(market, yes_price)
            if placed.expiration_time is not None and placed.expiration_time <= now:
                raise _invalid("expiration_time must be in the future", "invalid_expiration_time")
            if placed.order_group_id is not None:
                self.groups.group_for_order(placed.order_group_id, user_id, subaccount, market.exchange_index)
            client_order_id = placed.client_order_id or ""
            if client_order_id:
                self._check_unnamed((user_id, client_order_id))
            order = Order(
                "", user_id, subaccount, placed.ticker, market.exchange_index, side, action, yes_price, count, count,
                now, now, client_order_id, placed.time_in_force, placed.expiration_time, placed.post_only,
                placed.self_trade_prevention_type, placed.cancel_order_on_pause, placed.order_group_id,
                order_type=placed.order_type,
            )  # fmt: skip
            if placed.reduce_only:
                order.initial = order.remaining = min(count, self._reducible(order))
                order.last_update_reason = REDUCE_ONLY_CANCEL if order.initial < count else None
            if account.subtrader_of is not None:
                self._check_fcm(order, market, placed.fcm_bound)
            return self._enter(order, market, account, now, check_cash=True, cap=placed.buy_max_cost)

    def place_order(
        self,
        user_id: str,
        ticker: str,
        side: str,
        action: str,
        count: Decimal,
        price: Decimal,
        *,
        subaccount: int = 0,
        event_ticker: str | None = None,
        order_id: str | None = None,
    ) -> Order:
        """A seeded resting order (the control plane's): `count` contracts of `side` at that side's `price`."""
        count_held, price_held = check_trade(side, action, count, price, subaccount)
        state = self.state
        with self.lock:
            self.run_due()
            account = state.account(user_id)
            tradable(state, ticker)
            if order_id is not None and order_id in state.all_orders:
                raise LedgerError(f"order {order_id!r} already exists", status=409)
            yes_price = price_held if side == "yes" else PRICE - price_held
            listed = state.markets.get(ticker)
            resting_on = book_side(side, action)
            if listed is not None and listed.book is not None and listed.book.crosses(resting_on, yes_price):
                raise LedgerError(
                    f"a seeded order rests and never takes: {resting_on} at {units.price(yes_price)} "
                    f"would cross the book of {ticker!r} (place it through the API to trade, or seed the trade as "
                    "fills)",
                    status=409,
                )
            market = self.catalogue.list_market(ticker, event_ticker)
            now = state.clock.now()
            order = Order(
                order_id or "", user_id, subaccount, ticker, market.exchange_index, side, action, yes_price,
                count_held, count_held, now, now, self_trade_prevention_type=None, seeded=True,
            )  # fmt: skip
            return self._enter(order, market, account, now, check_cash=False).order

    def _enter(
        self, order: Order, market: Market, account: Account, now: datetime, check_cash: bool, cap: int | None = None
    ) -> OrderOutcome:
        """A new order, checked so far, onto the book: it crosses (checked whole first, cut to what `cap` pays for if
        given; long if it reaches deep), then rests what it may."""
        long = self.matching.long_cross(order, market, order.remaining)
        if long is None:
            return self._enter_book(order, market, account, now, check_cash, cap)
        with long:
            return self._enter_book(order, market, account, now, check_cash, cap)

    def _enter_book(
        self, order: Order, market: Market, account: Account, now: datetime, check_cash: bool, cap: int | None
    ) -> OrderOutcome:
        state, matching, kept = self.state, self.matching, self.kept
        rule = self.catalogue.fee_rule_for(market.ticker, None)
        size = order.remaining
        book = market.book
        if order.post_only and book is not None and book.crosses(order.book_side, order.yes_price):
            raise Refusal(f"the post-only order would cross the book of {market.ticker!r}", 400, "post_only_cross")
        planned = matching.plan_cross(order, market, size, rule) if size else None
        if planned is not None and cap is not None:
            planned = matching.plan_within(order, market, planned, rule, cap)
        if planned is not None and order.time_in_force == FOK and planned.plan.filled < size:
            planned = None  # fill whole or not at all: nothing crosses
        left = planned.plan.left if planned is not None else size
        rests = order.time_in_force == GTC and left and not (planned is not None and planned.plan.stopped)
        order.remaining = left if rests else 0
        order.maker_rule = rule if rests else None
        if rests:
            row = state.positions.get(order.user_id, order.subaccount, order.ticker)
            held = row.resting_orders_count if row is not None else 0
            check_contracts(held, whole(left), "resting contracts", account.resting, "resting", per=1)
            self._check_resting_orders(order.user_id)
        if planned is not None:
            matching.check_cross(order, account, planned, order.holds() if rests else 0, 0, check_cash)
        # Checked: from here on nothing is refused (and only now is an id drawn: a refusal draws none). A drawn id's
        # integer goes to the fill log as it is, never read back from its text.
        logged_id: str | int = order.order_id
        if not logged_id:
            logged_id = matching.drawn_id()
            order.order_id = uuid_text(logged_id) if isinstance(logged_id, int) else logged_id
        kept.register(order)
        touch(market, now)
        crossed = matching.make_cross(order, market, planned, now, logged_id) if planned is not None else None
        changes: list[LevelChange] = planned.plan.changes if planned is not None else []  # (a level once: Book.apply)
        if rests:
            book = market.book = market.book if market.book is not None else MarketBook()
            added = book.add(order.order_id, order.user_id, order.book_side, order.yes_price, left, order)
            changes = merged([*changes, added])
            state.orders[order.order_id] = order
            kept.rest_moved(order, 0, now)
            kept.hold(order, now)
            kept.schedule_expiry(order)
            kept.changed(order, TRADE if order.filled else None)
        else:
            executed = order.filled and order.filled == order.initial
            kept.end(order, EXECUTED if executed else CANCELED, now, None, 0, reason=_ended_placed(order, planned))
        book_moved(state, market, changes, now, cause_of(order))
        if state.groups_due:
            self.groups.trip_groups(now)
        filled = crossed or (0, 0, 0)
        return OrderOutcome(order.answered(), filled[0], filled[1], filled[2], 0, now)

    # -- changing and ending ------------------------------------------------------------------------------------------

    def cancel_order(
        self, order_id: str, user_id: str | None = None, subaccount: int | None = None, *,
        exchange_index: int | None = None,
    ) -> OrderOutcome:  # fmt: skip
        """End a resting order (`user_id`, `subaccount`, `exchange_index`: only if it is theirs, there; None: the
        control plane's cancel)."""
        with self.lock:
            self.run_due()
            order = self._resting(order_id, user_id, subaccount, exchange_index)
            now = self.state.clock.now()
            market = self.state.markets[order.ticker]
            touch(market, now)
            reduced = order.remaining
            change = self.kept.end(order, CANCELED, now, market.book, reason=DECREASE)
            book_moved(self.state, market, [change] if change else [], now, cause_of(order) if user_id else None)
            return OrderOutcome(order.answered(), 0, 0, 0, reduced, now)

    @restarting
    def cancel_orders(self, user_id: str, subaccount: int | None = None) -> list[OrderOutcome]:
        """End every resting order of the user (of one subaccount, if given): one action per market; long
        (core/stepping.py) past `DEEP` orders."""
        with self.lock:
            self.run_due()
            now = self.state.clock.now()
            by_market: dict[str, list[Order]] = {}
            for order in self.resting_of(user_id):
                if subaccount in (None, order.subaccount):
                    by_market.setdefault(order.ticker, []).append(order)
            many = sum(map(len, by_market.values())) > DEEP
            with self.lock.long(Footprint.of((user_id,), by_market)) if many else nullcontext():
                return self._cancel_each(by_market, user_id, now)

    def _cancel_each(self, by_market: dict[str, list[Order]], user_id: str, now: datetime) -> list[OrderOutcome]:
        step = self.lock.stepper()
        done: list[OrderOutcome] = []
        for ticker, orders in by_market.items():
            market = self.state.markets[ticker]
            touch(market, now)
            changes = []
            for order in orders:
                if step is not None:
                    step()
                reduced = order.remaining
                change = self.kept.end(order, CANCELED, now, market.book, reason=DECREASE)
                changes += [change] if change else []
                done.append(OrderOutcome(order.answered(), 0, 0, 0, reduced, now))
            book_moved(self.state, market, merged(changes), now, Cause(user_id, orders[0].subaccount, None))
        return done

    def decrease_order(
        self, order_id: str, user_id: str, subaccount: int, reduce_by: int | None = None, reduce_to: int | None = None,
        *, exchange_index: int | None = None,
    ) -> OrderOutcome:  # fmt: skip
        """Make a resting order smaller (hundredths: by `reduce_by` or to `reduce_to`, exactly one given); it keeps
        its place in the queue; to nothing, it ends (cancelled)."""
        if (reduce_by is None) == (reduce_to is None):
            raise _invalid("give exactly one of reduce_by and reduce_to")
        for name, value in (("reduce_by", reduce_by), ("reduce_to", reduce_to)):
            if value is not None and value < (1 if name == "reduce_by" else 0):
                raise _invalid(f"{name} must be {'positive' if name == 'reduce_by' else 'at least 0'}")
        with self.lock:
            self.run_due()
            order = self._resting(order_id, user_id, subaccount, exchange_index)
            now = self.state.clock.now()
            market = self.state.markets[order.ticker]
            target = max(order.remaining - reduce_by, 0) if reduce_by is not None else reduce_to
            assert target is not None
            if target > order.remaining:
                raise _invalid(f"reduce_to must be at most what rests ({units.contracts(order.remaining)} contracts)")
            reduced = order.remaining - target
            if not reduced:
                return OrderOutcome(order.answered(), 0, 0, 0, 0, now)
            touch(market, now)
            if not target:
                change = self.kept.end(order, CANCELED, now, market.book, reason=DECREASE)
            else:
                change = self._shrink(order, market, target, now)
                self.kept.changed(order, DECREASE)
            book_moved(self.state, market, [change] if change else [], now, cause_of(order))
            return OrderOutcome(order.answered(), 0, 0, 0, reduced, now)

    @restarting
    def amend_order(self, amend: AmendOrder, exchange_index: int | None) -> OrderOutcome:
        """Change a resting order's price, its total count (what it filled plus what is to rest) and its expiration_time
        (None: none). Only the expiration_time, or a smaller count at the same price, keeps its place; a new price or a
        larger count puts it at the back of its level, crossing first what it now crosses. `exchange_index`: where
        the amend routes (order_handlers.py's `route`); an expiration_time of 0 seconds is none, none given keeps it."""
        order_id, user_id, yes_price, count = amend.order_id, amend.user_id, amend.price, amend.count
        side, action = amend.sides
        client_order_id, updated_client_order_id = amend.client_order_id, amend.updated_client_order_id
        given = amend.expiration_time
        expiration_time: Expiration = KEEP if given is None else None if given == NO_EXPIRATION else given
        with self.lock:
            self.run_due()
            order = self._resting(order_id, user_id, amend.subaccount, exchange_index)
            now = self.state.clock.now()
            market = self.state.markets[order.ticker]
            if amend.ticker != order.ticker or buys_yes(side, action) != order.buys_yes:
                raise _invalid(f"order {order_id!r} is a {order.book_side} of {order.ticker!r}: those stay")
            if client_order_id not in (None, "", order.client_order_id):
                raise _invalid(f"client_order_id {client_order_id!r} is not order {order_id!r}'s")
            if updated_client_order_id and updated_client_order_id != order.client_order_id:
                self._check_unnamed((user_id, updated_client_order_id))
            self._check_price(market, yes_price)
            if count <= order.filled:
                raise _invalid(f"count must be more than the {units.contracts(order.filled)} contracts it filled")
            if isinstance(expiration_time, datetime) and expiration_time <= now:
                raise _invalid("expiration_time must be in the future", "invalid_expiration_time")
            rest = count - order.filled
            if yes_price == order.yes_price and rest <= order.remaining:
                return self._amend_in_place(order, market, rest, expiration_time, updated_client_order_id, count, now)
            self._check_trading(market)  # (an amend that moves the order places it anew: not while trading is off)
            with self.matching.long_cross(order, market, rest, yes_price) or nullcontext():
                return self._amend_anew(
                    order, market, yes_price, rest, expiration_time, updated_client_order_id, count, now
                )

    def _amend_in_place(
        self, order: Order, market: Market, rest: int, expiration_time: Expiration, new_id: str | None, count: int,
        now: datetime,
    ) -> OrderOutcome:  # fmt: skip
        reduced = order.remaining - rest
        touch(market, now)
        change = self._shrink(order, market, rest, now) if reduced else None
        self._amended(order, expiration_time, new_id, count, now)
        book_moved(self.state, market, [change] if change else [], now, cause_of(order))
        return OrderOutcome(order.answered(), 0, 0, 0, reduced, now)

    def _amend_anew(
        self, order: Order, market: Market, yes_price: int, rest: int, expiration_time: Expiration, new_id: str | None,
        count: int, now: datetime,
    ) -> OrderOutcome:  # fmt: skip
        book = market.book
        assert book is not None
        state, matching, kept = self.state, self.matching, self.kept
        account = state.accounts[order.user_id]
        rule = self.catalogue.fee_rule_for(market.ticker, None)
        if order.post_only and book.crosses(order.book_side, yes_price):
            raise Refusal(f"the post-only order would cross the book of {market.ticker!r}", 400, "post_only_cross")
        # What the order becomes, planned and checked while it still rests where it is (its own level is on the other
        # side of the book from what it crosses): a refused amend moves nothing, not even its place in the queue.
        trial = order.copy()
        trial.yes_price, trial.remaining, trial.maker_rule = yes_price, rest, rule
        trial.maker_run = order.maker_run if yes_price == order.yes_price else 0
        if new_id:
            trial.client_order_id = new_id
        planned = matching.plan_cross(trial, market, rest, rule)
        left = 0 if planned.plan.stopped else planned.plan.left
        trial.remaining = left
        old_whole, old_remaining = order.resting_whole, order.remaining
        if left:
            row = state.positions.get(order.user_id, order.subaccount, order.ticker)
            held = row.resting_orders_count - old_whole if row is not None else 0
            check_contracts(
                held, trial.resting_whole, "resting contracts", account.resting - old_whole, "resting", per=1
            )
        matching.check_cross(trial, account, planned, trial.holds(), order.held, True)
        # Checked: from here on nothing is refused.
        touch(market, now)
        _, out = book.cancel(order.order_id)
        order.yes_price, order.maker_rule, order.maker_run = yes_price, rule, trial.maker_run
        if new_id and new_id != order.client_order_id:
            kept.rename(order, new_id)
        order.initial = count
        crossed = matching.make_cross(order, market, planned, now)
        changes = [out, *planned.plan.changes]
        order.updated = now
        if left:
            order.remaining = left
            changes.append(book.add(order.order_id, order.user_id, order.book_side, yes_price, left, order))
            kept.rest_moved(order, old_whole, now)
            kept.hold(order, now)
            self._amended(order, expiration_time, None, count, now)
        else:
            order.remaining = 0  # filled whole, or self-trade prevention stopped it
            executed = order.filled == count
            reason = AMEND if executed else SELF_TRADE_CANCEL
            kept.end(order, EXECUTED if executed else CANCELED, now, None, old_whole, reason=reason)
        book_moved(state, market, merged(changes), now, cause_of(order))
        if state.groups_due:
            self.groups.trip_groups(now)
        reduced = old_remaining - order.remaining
        return OrderOutcome(order.answered(), crossed.filled, crossed.yes_value, crossed.fees, reduced, now)

    def _amended(
        self, order: Order, expiration_time: Expiration, new_id: str | None, count: int, now: datetime
    ) -> None:
        """An amend's last steps: the order's new client order id, expiration_time and total count; published."""
        if new_id and new_id != order.client_order_id:
            self.kept.rename(order, new_id)
        if expiration_time is not KEEP:
            order.expiration_time = expiration_time
            self.kept.schedule_expiry(order)
        order.initial = count
        order.updated = now
        self.kept.changed(order, AMEND)

    def _shrink(self, order: Order, market: Market, target: int, now: datetime) -> LevelChange:
        """A resting order made smaller in place (it keeps its place in time): its hold and counts follow."""
        assert market.book is not None
        before = order.resting_whole
        change = market.book.reduce(order.order_id, target)
        order.remaining = target
        order.updated = now
        self.kept.rest_moved(order, before, now)
        self.kept.hold(order, now)
        return change

    # -- checks ----------------------------------------------------------------------------------------------------

    def _order_market(self, ticker: str, exchange_index: int | None) -> Market:
        """The market an order names, if it takes orders now (Kalshi's codes: not found, closed)."""
        market = self.state.markets.get(ticker) if isinstance(ticker, str) else None
        if market is None or exchange_index not in (None, -1, market.exchange_index):
            where = "" if market is None else f" on exchange index {exchange_index}"
            raise Refusal(f"no market {ticker!r}{where}", 404, "not_found")
        self._check_trading(market)
        return market

    def _check_trading(self, market: Market) -> None:
        """The market and the exchange trade now (Kalshi's codes: closed)."""
        why = refusal(market)
        if why is not None:
            raise Refusal(f"{why}: it takes no orders", 409, "market_closed")
        closed = self.state.exchange.refusal_now(self.state.clock)
        if closed is not None:
            raise Refusal(f"{closed}: it takes no orders", 409, "exchange_closed")

    def _check_price(self, market: Market, yes_price: int) -> None:
        """The price is a level of the market's book."""
        structure = market.price_level_structure
        if not is_level(structure, yes_price):
            raise Refusal(f"price {price(yes_price)} is not a level of {market.ticker!r} ({structure})", 400,
                          "invalid_price")  # fmt: skip

    def _check_resting_orders(self, user_id: str) -> None:
        """One more order of the user's may rest: it rests fewer than `MAX_RESTING_ORDERS` (the orders it keeps less
        its ended ones)."""
        resting = self.state.order_index.count(user_id) - self.state.archive.ended_orders.count(user_id)
        if resting >= MAX_RESTING_ORDERS:
            raise Refusal(f"{user_id!r} rests {resting:,} orders, the most one account may: cancel one first")

    def _check_unnamed(self, named: tuple[str, str]) -> None:
        """No order the user keeps has the client order id (`named`: the user and the id, as the state's
        `client_orders` keys them; an empty id names none)."""
        if named[1] and named in self.state.client_orders:
            raise Refusal(f"client_order_id {named[1]!r} names an order already", 409, "order_already_exists")

    def _reducible(self, order: Order) -> int:
        """What a reduce-only order may be: the position held on the side it sells (hundredths)."""
        row = self.state.positions.get(order.user_id, order.subaccount, order.ticker)
        position = self.state.positions.cells(row)[0] if row is not None else 0
        return max(-position, 0) if order.buys_yes else max(position, 0)

    def _check_fcm(self, order: Order, market: Market, bound_key: bool) -> None:
        """An FCM subtrader's order: its event's category not blocked, its daily cap not passed (through a key bound
        to it)."""
        event = self.state.events.get(market.event_ticker)
        cost = order.remaining * order.paid + self.state.fee_schedule.fee_units(order.remaining, order.yes_price, True)
        why = self.fcm_refusal(order.user_id, event.category if event else None, cost, bound_key)
        if why is not None:
            raise Refusal(why, 403, "forbidden")

    def _resting(
        self, order_id: str, user_id: str | None, subaccount: int | None, exchange_index: int | None = None
    ) -> Order:
        """A resting order (of `user_id` and `subaccount`, on `exchange_index`, if given); 404 otherwise, as for one
        that never was."""
        order = self.state.orders.get(order_id) if isinstance(order_id, str) else None
        if (
            order is None
            or (user_id is not None and (order.user_id, order.subaccount) != (user_id, subaccount))
            or exchange_index not in (None, order.exchange_index)
        ):
            raise Refusal(f"no resting order {order_id!r}", 404, "not_found")
        return order

    # -- reads -------------------------------------------------------------------------------------------------------

    def resting_of(self, user_id: str) -> list[Order]:
        """The user's resting orders, oldest first: read from its own orders (its order index, which holds its ended
        orders up to their bound too), never from every account's. Under the lock."""
        return [order for order in self.state.order_index.records(user_id) if order.status == RESTING]

    def queue_position(self, order_id: str, user_id: str, subaccount: int) -> int:
        """The hundredths resting ahead of the order at its price."""
        with self.lock:
            order = self._resting(order_id, user_id, subaccount)
            book = self.state.markets[order.ticker].book
            assert book is not None
            return book.queue_ahead(order_id)

    @restarting
    def queue_positions(
        self, user_id: str, keep: Callable[[Order], bool], row: Callable[[Order, int], T]
    ) -> list[T]:  # fmt: skip
        """`row(order, ahead)` of each of the user's resting orders `keep` takes, by ticker, then time: `ahead`, the
        hundredths resting ahead of it at its price (each level walked once for all of them). Past `DEEP` resting
        orders the read is long (core/stepping.py; inline on an event loop, `MustStep`), over the user and the markets
        its orders rest in."""
        with self.lock:
            many = self.state.order_index.count(user_id) - self.state.archive.ended_orders.count(user_id) > DEEP
            if many and self.lock.on_loop:
                raise MustStep()
            resting = self.resting_of(user_id)  # (oldest first)
            footprint = Footprint.of((user_id,), {order.ticker for order in resting})
            with self.lock.long(footprint) if many else nullcontext():
                step = self.lock.stepper()
                by_market: dict[str, list[Order]] = {}
                for order in resting:
                    if step is not None:
                        step()
                    if keep(order):
                        by_market.setdefault(order.ticker, []).append(order)
                rows: list[T] = []
                for ticker in sorted(by_market):
                    book = self.state.markets[ticker].book
                    assert book is not None
                    ahead = book.queues_ahead((order.order_id for order in by_market[ticker]), step)
                    for order in by_market[ticker]:
                        if step is not None:
                            step()
                        rows.append(row(order, ahead[order.order_id]))
                return rows


def _ended_placed(order: Order, planned: Planned | None) -> str:
    """Why an order that did not rest ended as it was placed: a reduce-only order cut to the position held (the cut
    set its reason); self-trade prevention stopping it; filled whole; else what its time in force left unfilled
    (immediate-or-cancel, fill-or-kill: it expired at once)."""
    if order.last_update_reason == REDUCE_ONLY_CANCEL:
        return REDUCE_ONLY_CANCEL
    if planned is not None and planned.plan.stopped:
        return SELF_TRADE_CANCEL
    return TRADE if order.filled and order.filled == order.initial else EXPIRY_CANCEL


def _check_order_terms(placed: PlaceOrder, action: str) -> None:
    """What an order's terms ask of each other (each field is its kind's already: order_commands.py)."""
    time_in_force = placed.time_in_force
    if placed.price is None and placed.order_type != MARKET:
        raise _invalid("a limit order needs a price", "invalid_price")
    if placed.buy_max_cost is not None:
        _check_cap(action, time_in_force, placed.buy_max_cost)
    if placed.order_type == MARKET and time_in_force == GTC:
        raise _invalid("a market order never rests: immediate_or_cancel or fill_or_kill")
    if placed.reduce_only and time_in_force != IOC:
        raise _invalid("reduce_only orders must be immediate_or_cancel")
    if placed.post_only and time_in_force != GTC:
        raise _invalid("post_only orders must be good_till_canceled")
    if placed.expiration_time is not None and time_in_force != GTC:
        raise _invalid("only a good_till_canceled order takes an expiration_time", "invalid_expiration_time")


def _check_cap(action: str, time_in_force: str, buy_max_cost: int) -> None:
    """`buy_max_cost` caps a buy that does not rest (what rests would spend past the cap later), in micro-dollars."""
    if action != "buy":
        raise _invalid("buy_max_cost caps what a buy spends: a sell takes none")
    if time_in_force == GTC:
        raise _invalid("buy_max_cost is for an order that does not rest (immediate_or_cancel or fill_or_kill)")
