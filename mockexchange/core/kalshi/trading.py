"""Orders on the exchange: placed by accounts (the venue's order API) or seeded by the control plane, crossed with the
book (matching.py), rested, decreased, amended, cancelled, expired on the exchange clock, and ended with their market.

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

import heapq
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from mockexchange.core.book import Book, LevelChange, merged
from mockexchange.core.clock import unix_us
from mockexchange.core.events import Change
from mockexchange.core.ids import uuid_text
from mockexchange.core.kalshi import units
from mockexchange.core.kalshi.accounts import Account
from mockexchange.core.kalshi.checks import MAX_RESTING_ORDERS, LedgerError, Refusal, check_contracts, check_trade
from mockexchange.core.kalshi.figures import touch
from mockexchange.core.kalshi.footprints import long_work
from mockexchange.core.kalshi.lifecycle import refusal, schedule, tradable
from mockexchange.core.kalshi.liquidity import book_moved
from mockexchange.core.kalshi.market_changes import Cause
from mockexchange.core.kalshi.markets import Market
from mockexchange.core.kalshi.matching import Planned
from mockexchange.core.kalshi.order_commands import NO_EXPIRATION, AmendOrder, PlaceOrder
from mockexchange.core.kalshi.orders import (
    AMEND,
    CANCELED,
    DECREASE,
    EXECUTED,
    EXPIRY_CANCEL,
    FOK,
    GTC,
    HALT_CANCEL,
    IOC,
    MARKET,
    ORDER,
    REDUCE_ONLY_CANCEL,
    RESTING,
    SELF_TRADE_CANCEL,
    TRADE,
    Done,
    Order,
    book_side,
    whole,
)
from mockexchange.core.kalshi.positions import buys_yes
from mockexchange.core.kalshi.price_levels import is_level, worst_level
from mockexchange.core.kalshi.units import PRICE, price
from mockexchange.core.stepping import DEEP, Footprint, MustStep, restarting

KEEP = object()  # an amend that leaves the expiration_time as it is
# Ended orders an account keeps (Settings.kalshi_ended_orders): past it its oldest go. About 1 KB each (the order and
# its places in the indexes), so some 10 MB an account: far more than a test reads back, and a soak ending an order a
# second keeps its last three hours of them (and every resting order).
KEPT_ENDED = 10_000
T = TypeVar("T")


def _invalid(message: str, code: str = "invalid_order") -> Refusal:
    return Refusal(message, 400, code)


class Trading:
    """A part of `Ledger`: its orders, under its lock."""

    # -- placing -----------------------------------------------------------------------------------------------------

    @restarting
    def submit_order(self, placed: PlaceOrder) -> Done:
        """An account's order (`PlaceOrder`): its count of its side at its YES price. It crosses what it can, then
        rests, ends, or is refused whole (`Refusal`, with Kalshi's code). A market order (the legacy API's) never rests;
        without a price it takes at any price (its limit the worst level of the book). `buy_max_cost` (a buy that does
        not rest) caps what the contracts it buys and their fees cost: the cross is cut to what the cap pays for (a
        fill-or-kill order fills whole within it or not at all)."""
        side, action = placed.sides
        user_id, subaccount, count = placed.user_id, placed.subaccount, placed.count
        _check_order_terms(placed, action)
        with self.lock:  # type: ignore[attr-defined]
            self.lifecycle.run_due_now()  # type: ignore[attr-defined]
            now = self.clock.now()  # type: ignore[attr-defined]
            account = self.account(user_id)  # type: ignore[attr-defined]
            market = self._order_market(placed.ticker, placed.exchange_index)
            self.subaccounts.known(account, subaccount, "subaccount")  # type: ignore[attr-defined]
            yes_price = placed.price
            if yes_price is None:
                yes_price = worst_level(market.price_level_structure, buys_yes(side, action))
            self._check_price(market, yes_price)
            if placed.expiration_time is not None and placed.expiration_time <= now:
                raise _invalid("expiration_time must be in the future", "invalid_expiration_time")
            if placed.order_group_id is not None:
                self.groups.group_for_order(placed.order_group_id, user_id, subaccount, market.exchange_index)  # type: ignore[attr-defined]
            client_order_id = placed.client_order_id or ""
            self._check_client_order_id(user_id, client_order_id)
            order = Order(
                "", user_id, subaccount, placed.ticker, market.exchange_index, side, action, yes_price, count, count,
                now, now, client_order_id, placed.time_in_force, placed.expiration_time, placed.post_only,
                placed.self_trade_prevention_type, placed.cancel_order_on_pause, placed.order_group_id,
                order_type=placed.order_type,
            )  # fmt: skip
            if placed.reduce_only:
                order.initial = order.remaining = min(count, self._reducible(order))
                order.last_update_reason = REDUCE_ONLY_CANCEL if order.initial < count else None
            if self.accounts[user_id].subtrader_of is not None:  # type: ignore[attr-defined]
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
        with self.lock:  # type: ignore[attr-defined]
            self.lifecycle.run_due_now()  # type: ignore[attr-defined]
            account = self.account(user_id)  # type: ignore[attr-defined]
            tradable(self.state, ticker)  # type: ignore[attr-defined]
            if order_id is not None and order_id in self.all_orders:  # type: ignore[attr-defined]
                raise LedgerError(f"order {order_id!r} already exists", status=409)
            yes_price = price_held if side == "yes" else PRICE - price_held
            listed = self.markets.get(ticker)  # type: ignore[attr-defined]
            resting_on = book_side(side, action)
            if listed is not None and listed.book is not None and listed.book.crosses(resting_on, yes_price):
                raise LedgerError(
                    f"a seeded order rests and never takes: {resting_on} at {units.price(yes_price)} "
                    f"would cross the book of {ticker!r} (place it through the API to trade, or seed the trade as "
                    "fills)",
                    status=409,
                )
            market = self.catalogue.list_market(ticker, event_ticker)  # type: ignore[attr-defined]
            now = self.clock.now()  # type: ignore[attr-defined]
            order = Order(
                order_id or "", user_id, subaccount, ticker, market.exchange_index, side, action, yes_price,
                count_held, count_held, now, now, self_trade_prevention_type=None, seeded=True,
            )  # fmt: skip
            return self._enter(order, market, account, now, check_cash=False).order

    def _enter(
        self, order: Order, market: Market, account: Account, now: datetime, check_cash: bool, cap: int | None = None
    ) -> Done:
        """A new order, checked so far, onto the book: it crosses (checked whole first, cut to what `cap` pays for if
        given; long if it reaches deep), then rests what it may."""
        with self._crossing(order, market, order.remaining):  # type: ignore[attr-defined]
            return self._enter_book(order, market, account, now, check_cash, cap)

    def _enter_book(
        self, order: Order, market: Market, account: Account, now: datetime, check_cash: bool, cap: int | None
    ) -> Done:
        rule = self.catalogue.fee_rule_for(market.ticker, None)  # type: ignore[attr-defined]
        size = order.remaining
        book = market.book
        if order.post_only and book is not None and book.crosses(order.book_side, order.yes_price):
            raise Refusal(f"the post-only order would cross the book of {market.ticker!r}", 400, "post_only_cross")
        planned = self._plan_cross(order, market, size, rule) if size else None  # type: ignore[attr-defined]
        if planned is not None and cap is not None:
            planned = self._plan_within(order, market, planned, rule, cap)  # type: ignore[attr-defined]
        if planned is not None and order.time_in_force == FOK and planned.plan.filled < size:
            planned = None  # fill whole or not at all: nothing crosses
        left = planned.plan.left if planned is not None else size
        rests = order.time_in_force == GTC and left and not (planned is not None and planned.plan.stopped)
        order.remaining = left if rests else 0
        order.maker_rule = rule if rests else None
        if rests:
            row = self.positions.get(order.user_id, order.subaccount, order.ticker)  # type: ignore[attr-defined]
            held = row.resting_orders_count if row is not None else 0
            check_contracts(held, whole(left), "resting contracts", account.resting, "resting", per=1)  # type: ignore[attr-defined]
            self._check_resting_orders(order.user_id)
        if planned is not None:
            self._check_cross(order, account, planned, order.holds(), 0, check_cash)  # type: ignore[attr-defined]
        # Checked: from here on nothing is refused (and only now is an id drawn: a refusal draws none). A drawn id's
        # integer goes to the fill log as it is, never read back from its text.
        logged_id: str | int = order.order_id
        if not logged_id:
            logged_id = self._drawn_id()  # type: ignore[attr-defined]
            order.order_id = uuid_text(logged_id) if type(logged_id) is int else logged_id
        self._register(order)
        touch(market, now)
        changes: list[LevelChange] = []
        crossed = self._make_cross(order, market, planned, now, logged_id) if planned is not None else None  # type: ignore[attr-defined]
        if planned is not None:
            changes += planned.plan.changes
        if rests:
            book = market.book = market.book if market.book is not None else Book()
            changes.append(book.add(order.order_id, order.user_id, order.book_side, order.yes_price, left, order))
            self.orders[order.order_id] = order  # type: ignore[attr-defined]
            self._rest_moved(order, 0, now)
            self._hold(order, now)
            self._schedule_expiry(order)
            self._order_changed(order, TRADE if order.filled else None)
        else:
            executed = order.filled and order.filled == order.initial
            self._end(order, EXECUTED if executed else CANCELED, now, None, 0, reason=_ended_placed(order, planned))
        book_moved(self.state, market, merged(changes), now, self._cause(order))  # type: ignore[attr-defined]
        if self.groups_due:  # type: ignore[attr-defined]
            self.groups.trip_groups(now)  # type: ignore[attr-defined]
        filled = crossed or (0, 0, 0)
        return Done(order.answered(), filled[0], filled[1], filled[2], 0, now)

    # -- changing and ending ------------------------------------------------------------------------------------------

    def cancel_order(
        self, order_id: str, user_id: str | None = None, subaccount: int | None = None, *,
        exchange_index: int | None = None,
    ) -> Done:  # fmt: skip
        """End a resting order (`user_id`, `subaccount`, `exchange_index`: only if it is theirs, there; None: the
        control plane's cancel)."""
        with self.lock:  # type: ignore[attr-defined]
            self.lifecycle.run_due_now()  # type: ignore[attr-defined]
            order = self._resting(order_id, user_id, subaccount, exchange_index)
            now = self.clock.now()  # type: ignore[attr-defined]
            market = self.markets[order.ticker]  # type: ignore[attr-defined]
            touch(market, now)
            reduced = order.remaining
            change = self._end(order, CANCELED, now, market.book, reason=DECREASE)
            book_moved(self.state, market, [change] if change else [], now, self._cause(order) if user_id else None)  # type: ignore[attr-defined]
            return Done(order.answered(), 0, 0, 0, reduced, now)

    @restarting
    def cancel_orders(self, user_id: str, subaccount: int | None = None) -> list[Done]:
        """End every resting order of the user (of one subaccount, if given): one action per market; long
        (core/stepping.py) past `DEEP` orders."""
        with self.lock:  # type: ignore[attr-defined]
            self.lifecycle.run_due_now()  # type: ignore[attr-defined]
            now = self.clock.now()  # type: ignore[attr-defined]
            by_market: dict[str, list[Order]] = {}
            for order in self.resting_of(user_id):
                if subaccount in (None, order.subaccount):
                    by_market.setdefault(order.ticker, []).append(order)
            many = sum(map(len, by_market.values())) > DEEP
            with self.lock.long(Footprint.of((user_id,), by_market)) if many else nullcontext():  # type: ignore[attr-defined]
                return self._cancel_each(by_market, user_id, now)

    def _cancel_each(self, by_market: dict[str, list[Order]], user_id: str, now: datetime) -> list[Done]:
        step = self.state.lock.stepper()  # type: ignore[attr-defined]
        done: list[Done] = []
        for ticker, orders in by_market.items():
            market = self.markets[ticker]  # type: ignore[attr-defined]
            touch(market, now)
            changes = []
            for order in orders:
                if step is not None:
                    step()
                reduced = order.remaining
                change = self._end(order, CANCELED, now, market.book, reason=DECREASE)
                changes += [change] if change else []
                done.append(Done(order.answered(), 0, 0, 0, reduced, now))
            book_moved(self.state, market, merged(changes), now, Cause(user_id, orders[0].subaccount, None))  # type: ignore[attr-defined]
        return done

    def decrease_order(
        self, order_id: str, user_id: str, subaccount: int, reduce_by: int | None = None, reduce_to: int | None = None,
        *, exchange_index: int | None = None,
    ) -> Done:  # fmt: skip
        """Make a resting order smaller (hundredths: by `reduce_by` or to `reduce_to`, exactly one given); it keeps
        its place in the queue; to nothing, it ends (cancelled)."""
        if (reduce_by is None) == (reduce_to is None):
            raise _invalid("give exactly one of reduce_by and reduce_to")
        for name, value in (("reduce_by", reduce_by), ("reduce_to", reduce_to)):
            if value is not None and value < (1 if name == "reduce_by" else 0):
                raise _invalid(f"{name} must be {'positive' if name == 'reduce_by' else 'at least 0'}")
        with self.lock:  # type: ignore[attr-defined]
            self.lifecycle.run_due_now()  # type: ignore[attr-defined]
            order = self._resting(order_id, user_id, subaccount, exchange_index)
            now = self.clock.now()  # type: ignore[attr-defined]
            market = self.markets[order.ticker]  # type: ignore[attr-defined]
            target = max(order.remaining - reduce_by, 0) if reduce_by is not None else reduce_to
            assert target is not None
            if target > order.remaining:
                raise _invalid(f"reduce_to must be at most what rests ({units.contracts(order.remaining)} contracts)")
            reduced = order.remaining - target
            if not reduced:
                return Done(order.answered(), 0, 0, 0, 0, now)
            touch(market, now)
            if not target:
                change = self._end(order, CANCELED, now, market.book, reason=DECREASE)
            else:
                change = self._shrink(order, market, target, now)
                self._order_changed(order, DECREASE)
            book_moved(self.state, market, [change] if change else [], now, self._cause(order))  # type: ignore[attr-defined]
            return Done(order.answered(), 0, 0, 0, reduced, now)

    @restarting
    def amend_order(self, amend: AmendOrder, exchange_index: int | None) -> Done:
        """Change a resting order's price, its total count (what it filled plus what is to rest) and its expiration_time
        (None: none). Only the expiration_time, or a smaller count at the same price, keeps its place; a new price or a
        larger count puts it at the back of its level, crossing first what it now crosses. `exchange_index`: where
        the amend routes (order_handlers.py's `route`); an expiration_time of 0 seconds is none, none given keeps it."""
        order_id, user_id, yes_price, count = amend.order_id, amend.user_id, amend.price, amend.count
        side, action = amend.sides
        client_order_id, updated_client_order_id = amend.client_order_id, amend.updated_client_order_id
        given = amend.expiration_time
        expiration_time: datetime | None | object = KEEP if given is None else None if given == NO_EXPIRATION else given
        with self.lock:  # type: ignore[attr-defined]
            self.lifecycle.run_due_now()  # type: ignore[attr-defined]
            order = self._resting(order_id, user_id, amend.subaccount, exchange_index)
            now = self.clock.now()  # type: ignore[attr-defined]
            market = self.markets[order.ticker]  # type: ignore[attr-defined]
            if amend.ticker != order.ticker or buys_yes(side, action) != order.buys_yes:
                raise _invalid(f"order {order_id!r} is a {order.book_side} of {order.ticker!r}: those stay")
            if client_order_id not in (None, "", order.client_order_id):
                raise _invalid(f"client_order_id {client_order_id!r} is not order {order_id!r}'s")
            if updated_client_order_id and updated_client_order_id != order.client_order_id:
                self._check_client_order_id(user_id, updated_client_order_id)
            self._check_price(market, yes_price)
            if count <= order.filled:
                raise _invalid(f"count must be more than the {units.contracts(order.filled)} contracts it filled")
            if isinstance(expiration_time, datetime) and expiration_time <= now:
                raise _invalid("expiration_time must be in the future", "invalid_expiration_time")
            rest = count - order.filled
            if yes_price == order.yes_price and rest <= order.remaining:
                return self._amend_in_place(order, market, rest, expiration_time, updated_client_order_id, count, now)
            with self._crossing(order, market, rest, yes_price):  # type: ignore[attr-defined]
                return self._amend_anew(
                    order, market, yes_price, rest, expiration_time, updated_client_order_id, count, now
                )

    def _amend_in_place(
        self, order: Order, market: Market, rest: int, expiration_time: object, new_id: str | None, count: int,
        now: datetime,
    ) -> Done:  # fmt: skip
        reduced = order.remaining - rest
        touch(market, now)
        change = self._shrink(order, market, rest, now) if reduced else None
        self._amended(order, expiration_time, new_id, count, now)
        book_moved(self.state, market, [change] if change else [], now, self._cause(order))  # type: ignore[attr-defined]
        return Done(order.answered(), 0, 0, 0, reduced, now)

    def _amend_anew(
        self, order: Order, market: Market, yes_price: int, rest: int, expiration_time: object, new_id: str | None,
        count: int, now: datetime,
    ) -> Done:  # fmt: skip
        book = market.book
        assert book is not None
        account = self.accounts[order.user_id]  # type: ignore[attr-defined]
        rule = self.catalogue.fee_rule_for(market.ticker, None)  # type: ignore[attr-defined]
        if order.post_only and book.crosses(order.book_side, yes_price):
            raise Refusal(f"the post-only order would cross the book of {market.ticker!r}", 400, "post_only_cross")
        # What the order becomes, planned and checked while it still rests where it is (its own level is on the other
        # side of the book from what it crosses): a refused amend moves nothing, not even its place in the queue.
        trial = order.copy()
        trial.yes_price, trial.remaining, trial.maker_rule = yes_price, rest, rule
        trial.maker_run = order.maker_run if yes_price == order.yes_price else 0
        if new_id:
            trial.client_order_id = new_id
        planned = self._plan_cross(trial, market, rest, rule)  # type: ignore[attr-defined]
        left = 0 if planned.plan.stopped else planned.plan.left
        trial.remaining = left
        old_whole, old_remaining = order.resting_whole, order.remaining
        if left:
            row = self.positions.get(order.user_id, order.subaccount, order.ticker)  # type: ignore[attr-defined]
            held = row.resting_orders_count - old_whole if row is not None else 0
            check_contracts(held, trial.resting_whole, "resting contracts", account.resting - old_whole,  # type: ignore[attr-defined]
                                  "resting", per=1)  # fmt: skip
        self._check_cross(trial, account, planned, trial.holds(), order.held, True)  # type: ignore[attr-defined]
        # Checked: from here on nothing is refused.
        touch(market, now)
        _, out = book.cancel(order.order_id)
        order.yes_price, order.maker_rule, order.maker_run = yes_price, rule, trial.maker_run
        if new_id and new_id != order.client_order_id:
            self._client_ids(order, new_id)
        order.initial = count
        crossed = self._make_cross(order, market, planned, now)  # type: ignore[attr-defined]
        changes = [out, *planned.plan.changes]
        order.updated = now
        if left:
            order.remaining = left
            changes.append(book.add(order.order_id, order.user_id, order.book_side, yes_price, left, order))
            self._rest_moved(order, old_whole, now)
            self._hold(order, now)
            self._amended(order, expiration_time, None, count, now)
        else:
            order.remaining = 0  # filled whole, or self-trade prevention stopped it
            executed = order.filled == count
            self._end(order, EXECUTED if executed else CANCELED, now, None, old_whole,
                      reason=AMEND if executed else SELF_TRADE_CANCEL)  # fmt: skip
        book_moved(self.state, market, merged(changes), now, self._cause(order))  # type: ignore[attr-defined]
        if self.groups_due:  # type: ignore[attr-defined]
            self.groups.trip_groups(now)  # type: ignore[attr-defined]
        reduced = old_remaining - order.remaining
        return Done(order.answered(), crossed.filled, crossed.yes_value, crossed.fees, reduced, now)

    def _amended(self, order: Order, expiration_time: object, new_id: str | None, count: int, now: datetime) -> None:
        """An amend's last steps: the order's new client order id, expiration_time and total count; published."""
        if new_id and new_id != order.client_order_id:
            self._client_ids(order, new_id)
        if expiration_time is not KEEP:
            order.expiration_time = expiration_time  # type: ignore[assignment]
            self._schedule_expiry(order)
        order.initial = count
        order.updated = now
        self._order_changed(order, AMEND)

    def _shrink(self, order: Order, market: Market, target: int, now: datetime) -> LevelChange:
        """A resting order made smaller in place (it keeps its place in time): its hold and counts follow."""
        assert market.book is not None
        before = order.resting_whole
        change = market.book.reduce(order.order_id, target)
        order.remaining = target
        order.updated = now
        self._rest_moved(order, before, now)
        self._hold(order, now)
        return change

    def _end(
        self, order: Order, status: str, now: datetime, book: Book | None, before: int | None = None, *,
        reason: str | None,
    ) -> LevelChange | None:  # fmt: skip
        """The order ends (`canceled` or `executed`) for `reason` (orders.py's): out of `book` if given (else it is out
        already, or never rested), nothing rests, its hold goes back, the archive keeps it. `before`: what rested in
        whole contracts before the change, if its `remaining` changed already."""
        change = book.cancel(order.order_id)[1] if book is not None and order.order_id in book else None
        was = order.resting_whole if before is None else before
        order.remaining = 0
        order.status = status
        order.updated = now
        order.maker_rule = None
        self._rest_moved(order, was, now)
        self._hold(order, now)
        self.orders.pop(order.order_id, None)  # type: ignore[attr-defined]
        self._order_changed(order, reason)
        self._keep_ended(order, now)
        return change

    # -- what every change keeps up --------------------------------------------------------------------------------

    def _register(self, order: Order) -> None:
        """A new order, known from now on by its id, its client order id, in its user's list and its group's."""
        self.all_orders[order.order_id] = order  # type: ignore[attr-defined]
        order.seq = self.order_index.add(order.user_id, order.created, order)[1]  # type: ignore[attr-defined]
        if order.client_order_id:
            self._client_ids(order, order.client_order_id)
        if order.order_group_id is not None:
            self.order_groups[order.order_group_id].orders[order.order_id] = None  # type: ignore[attr-defined]

    def _keep_ended(self, order: Order, now: datetime) -> None:
        """The order ended at `now`: its account's history of ended orders keeps it; past the account's bound
        (`kept_ended`), the account's oldest ended order (by when it ended) is forgotten by everything that names it.
        Only the order's own account is touched, and what goes follows from the order orders ended in, so a state
        file's replay forgets what the first run forgot."""
        self.archive.order_ended(order, now)  # type: ignore[attr-defined]
        for gone in self.archive.ended_orders.trim(order.user_id, self.kept_ended):  # type: ignore[attr-defined]
            self._forget(gone.order)  # (one, unless the bound was lowered since)

    def _forget(self, order: Order) -> None:
        """An ended order leaves every structure that names it: by id, in its user's list, its client order id (free
        again: Kalshi's only rule is that it names no open order) and its group's list."""
        user_id = order.user_id
        self.all_orders.pop(order.order_id, None)  # type: ignore[attr-defined]
        self.order_index.drop(user_id, (unix_us(order.created), order.seq))  # type: ignore[attr-defined]
        client_orders = self.client_orders  # type: ignore[attr-defined]
        if order.client_order_id and client_orders.get((user_id, order.client_order_id)) == order.order_id:
            del client_orders[(user_id, order.client_order_id)]
        group = self.order_groups.get(order.order_group_id) if order.order_group_id is not None else None  # type: ignore[attr-defined]
        if group is not None:
            group.orders.pop(order.order_id, None)

    def _client_ids(self, order: Order, client_order_id: str) -> None:
        if order.client_order_id and order.client_order_id != client_order_id:
            self.client_orders.pop((order.user_id, order.client_order_id), None)  # type: ignore[attr-defined]
        order.client_order_id = client_order_id
        self.client_orders[(order.user_id, client_order_id)] = order.order_id  # type: ignore[attr-defined]

    def _rest_moved(self, order: Order, before: int, now: datetime) -> None:
        """What the order rests, in whole contracts, was `before`: its position row's `resting_orders_count` and its
        account's total follow (and, for a subtrader, what its daily cap counts of it: fcm.py)."""
        account = self.accounts[order.user_id]  # type: ignore[attr-defined]
        if account.subtrader_of is not None:
            self.fcm.rest_moved(order)  # type: ignore[attr-defined]
        delta = order.resting_whole - before
        if not delta:
            return
        market = self.markets[order.ticker]  # type: ignore[attr-defined]
        row = self._position_row(order.user_id, order.subaccount, market, now)  # type: ignore[attr-defined]
        with self.positions.changing(row, now):  # type: ignore[attr-defined]
            row.resting_orders_count += delta
        account.resting += delta

    def _hold(self, order: Order, now: datetime) -> None:
        """The order holds what it should now (orders.py): the difference leaves or rejoins the available cash."""
        delta = order.holds() - order.held
        if not delta:
            return
        account = self.accounts[order.user_id]  # type: ignore[attr-defined]
        if self.history.keeping:  # type: ignore[attr-defined]
            self.state.remember_cash(account, now)  # type: ignore[attr-defined]
        account.move_cash(order.subaccount, order.exchange_index, -delta, now)
        order.held += delta

    def _order_changed(self, order: Order, reason: str | None) -> None:
        """The order changed for `reason` (orders.py's; None: it was placed and nothing else happened): published."""
        order.last_update_reason = reason
        takers = self.bus.takers(ORDER)  # type: ignore[attr-defined]
        if takers:
            change = Change(ORDER, order.user_id, order.copy())
            for take in takers:
                take(change)

    @staticmethod
    def _cause(order: Order) -> Cause:
        return Cause(order.user_id, order.subaccount, order.client_order_id or None)

    # -- checks ----------------------------------------------------------------------------------------------------

    def _order_market(self, ticker: str, exchange_index: int | None) -> Market:
        """The market an order names, if it takes orders now (Kalshi's codes: not found, closed)."""
        market = self.markets.get(ticker) if isinstance(ticker, str) else None  # type: ignore[attr-defined]
        if market is None or exchange_index not in (None, -1, market.exchange_index):
            where = "" if market is None else f" on exchange index {exchange_index}"
            raise Refusal(f"no market {ticker!r}{where}", 404, "not_found")
        why = refusal(market)
        if why is not None:
            raise Refusal(f"{why}: it takes no orders", 409, "market_closed")
        if not self.exchange.trading:  # type: ignore[attr-defined]
            raise Refusal(f"{self.exchange.refusal()}: it takes no orders", 409, "exchange_closed")  # type: ignore[attr-defined]
        return market

    def _check_price(self, market: Market, yes_price: int) -> None:
        """The price is a level of the market's book."""
        structure = market.price_level_structure
        if not is_level(structure, yes_price):
            raise Refusal(f"price {price(yes_price)} is not a level of {market.ticker!r} ({structure})", 400,
                          "invalid_price")  # fmt: skip

    def _check_resting_orders(self, user_id: str) -> None:
        """One more order of the user's may rest: it rests fewer than `MAX_RESTING_ORDERS` (the orders it keeps less
        its ended ones)."""
        resting = self.order_index.count(user_id) - self.archive.ended_orders.count(user_id)  # type: ignore[attr-defined]
        if resting >= MAX_RESTING_ORDERS:
            raise Refusal(f"{user_id!r} rests {resting:,} orders, the most one account may: cancel one first")

    def _check_client_order_id(self, user_id: str, client_order_id: str) -> None:
        if client_order_id and (user_id, client_order_id) in self.client_orders:  # type: ignore[attr-defined]
            raise Refusal(f"client_order_id {client_order_id!r} names an order already", 409, "order_already_exists")

    def _reducible(self, order: Order) -> int:
        """What a reduce-only order may be: the position held on the side it sells (hundredths)."""
        row = self.positions.get(order.user_id, order.subaccount, order.ticker)  # type: ignore[attr-defined]
        position = self.positions.cells(row)[0] if row is not None else 0  # type: ignore[attr-defined]
        return max(-position, 0) if order.buys_yes else max(position, 0)

    def _check_fcm(self, order: Order, market: Market, bound_key: bool) -> None:
        """An FCM subtrader's order: its event's category not blocked, its daily cap not passed (through a key bound
        to it)."""
        event = self.events.get(market.event_ticker)  # type: ignore[attr-defined]
        cost = order.remaining * order.paid + self.fee_schedule.fee_units(order.remaining, order.yes_price, True)  # type: ignore[attr-defined]
        why = self.fcm.order_refusal(order.user_id, event.category if event else None, cost, bound_key)  # type: ignore[attr-defined]
        if why is not None:
            raise Refusal(why, 403, "forbidden")

    def _resting(
        self, order_id: str, user_id: str | None, subaccount: int | None, exchange_index: int | None = None
    ) -> Order:
        """A resting order (of `user_id` and `subaccount`, on `exchange_index`, if given); 404 otherwise, as for one
        that never was."""
        order = self.orders.get(order_id) if isinstance(order_id, str) else None  # type: ignore[attr-defined]
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
        return [order for order in self.order_index.records(user_id) if order.status == RESTING]  # type: ignore[attr-defined]

    def queue_position(self, order_id: str, user_id: str, subaccount: int) -> int:
        """The hundredths resting ahead of the order at its price."""
        with self.lock:  # type: ignore[attr-defined]
            order = self._resting(order_id, user_id, subaccount)
            book = self.markets[order.ticker].book  # type: ignore[attr-defined]
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
        with self.lock:  # type: ignore[attr-defined]
            many = self.order_index.count(user_id) - self.archive.ended_orders.count(user_id) > DEEP  # type: ignore[attr-defined]
            if many and self.lock.on_loop:  # type: ignore[attr-defined]
                raise MustStep()
            resting = self.resting_of(user_id)  # (oldest first)
            footprint = Footprint.of((user_id,), {order.ticker for order in resting})
            with self.lock.long(footprint) if many else nullcontext():  # type: ignore[attr-defined]
                step = self.state.lock.stepper()  # type: ignore[attr-defined]
                by_market: dict[str, list[Order]] = {}
                for order in resting:
                    if step is not None:
                        step()
                    if keep(order):
                        by_market.setdefault(order.ticker, []).append(order)
                rows: list[T] = []
                for ticker in sorted(by_market):
                    book = self.markets[ticker].book  # type: ignore[attr-defined]
                    assert book is not None
                    ahead = book.queues_ahead((order.order_id for order in by_market[ticker]), step)
                    for order in by_market[ticker]:
                        if step is not None:
                            step()
                        rows.append(row(order, ahead[order.order_id]))
                return rows

    # -- the clock, pauses and the end of a market ----------------------------------------------------------------

    def _schedule_expiry(self, order: Order) -> None:
        if order.expiration_time is not None and order.status == RESTING:
            heap = self.expiries.setdefault(order.ticker, [])  # type: ignore[attr-defined]
            heapq.heappush(heap, (order.expiration_time, order.order_id))
            resting = self.orders  # type: ignore[attr-defined]
            # Mostly orders ended or amended since: only the others kept (O(1) amortized, however many come and go).
            if len(heap) > 2 * len(resting) + 64:
                heap[:] = [(when, i) for when, i in heap if i in resting and resting[i].expiration_time == when]
                heapq.heapify(heap)
            schedule(self.state, order.expiration_time, order.ticker)  # type: ignore[attr-defined]

    def _expire(self, market: Market, until: datetime) -> None:
        """End the market's orders whose expiration_time is `until` or before, each at its expiration_time."""
        heap = self.expiries.get(market.ticker)  # type: ignore[attr-defined]
        while heap and heap[0][0] <= until:
            when, order_id = heapq.heappop(heap)
            order = self.orders.get(order_id)  # type: ignore[attr-defined]
            if order is None or order.expiration_time != when:
                continue  # ended or amended since
            touch(market, when)
            change = self._end(order, CANCELED, when, market.book, reason=EXPIRY_CANCEL)
            book_moved(self.state, market, [change] if change else [], when)  # type: ignore[attr-defined]
        if heap is not None and not heap:
            del self.expiries[market.ticker]  # type: ignore[attr-defined]

    def _cancel_on_pause(self, markets: Iterable[Market], now: datetime) -> None:
        """Trading paused: the orders that asked to be cancelled then end (one action per market)."""
        for market in markets:
            orders = [r.data for r in market.book.orders() if r.data is not None and r.data.cancel_order_on_pause] if (
                market.book is not None) else []  # fmt: skip
            if not orders:
                continue
            touch(market, now)
            changes = [self._end(order, CANCELED, now, market.book, reason=HALT_CANCEL) for order in orders]
            book_moved(self.state, market, merged(c for c in changes if c is not None), now)  # type: ignore[attr-defined]

    def clear_book(self, market: Market, when: datetime, reason: str) -> None:
        """Every order in the market's book ends (cancelled, for `reason`: the market closed or resumed), the house's
        levels go: one action, if any rested."""
        book = market.book
        if book is None or not len(book):
            return
        touch(market, when)
        with long_work(self.state, [market.ticker], len(book)):  # type: ignore[attr-defined]
            step = self.state.lock.stepper()  # type: ignore[attr-defined]
            for resting in list(book.orders()):
                if step is not None:
                    step()
                if resting.data is not None:
                    self._end(resting.data, CANCELED, when, None, reason=reason)
        changes = book.clear()
        market.house = None
        book_moved(self.state, market, changes, when)  # type: ignore[attr-defined]


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
    _check_cap(action, time_in_force, placed.buy_max_cost)
    if placed.order_type == MARKET and time_in_force == GTC:
        raise _invalid("a market order never rests: immediate_or_cancel or fill_or_kill")
    if placed.reduce_only and time_in_force != IOC:
        raise _invalid("reduce_only orders must be immediate_or_cancel")
    if placed.post_only and time_in_force != GTC:
        raise _invalid("post_only orders must be good_till_canceled")
    if placed.expiration_time is not None and time_in_force != GTC:
        raise _invalid("only a good_till_canceled order takes an expiration_time", "invalid_expiration_time")


def _check_cap(action: str, time_in_force: str, buy_max_cost: int | None) -> None:
    """`buy_max_cost` caps a buy that does not rest (what rests would spend past the cap later), in micro-dollars."""
    if buy_max_cost is None:
        return
    if action != "buy":
        raise _invalid("buy_max_cost caps what a buy spends: a sell takes none")
    if time_in_force == GTC:
        raise _invalid("buy_max_cost is for an order that does not rest (immediate_or_cancel or fill_or_kill)")
