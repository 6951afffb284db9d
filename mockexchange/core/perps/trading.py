"""The perps exchange's orders: placed (checked, its margin checked, crossed with the book, the rest rested or
cancelled), cancelled, decreased, amended, expired. Each match is filled on both sides by filling.py, the one road a
fill takes; what an order did comes back as an `PerpOutcome`."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from copy import copy
from dataclasses import dataclass, field, replace
from datetime import datetime

from mockexchange.core.book import ASK, BID, Matched, Side
from mockexchange.core.events import Change
from mockexchange.core.perps import history, margin
from mockexchange.core.perps.book_changes import BookClock
from mockexchange.core.perps.cash import MarginCash
from mockexchange.core.perps.errors import PerpsError, not_enabled, not_found
from mockexchange.core.perps.filling import PerpFilling
from mockexchange.core.perps.listing import PerpListing
from mockexchange.core.perps.markets import PerpMarket
from mockexchange.core.perps.order_commands import (
    AmendPerpOrder,
    CancelPerpOrder,
    CancelPerpOrders,
    DecreasePerpOrder,
    PlacePerpOrder,
)
from mockexchange.core.perps.order_groups import PerpOrderGroups
from mockexchange.core.perps.orders import (
    AMEND,
    BOOK_RULE,
    DECREASE,
    EXPIRY_CANCEL,
    LIQUIDATION,
    MARGIN_CANCEL,
    POST_ONLY_CANCEL,
    REDUCE_ONLY_CANCEL,
    SELF_TRADE_CANCEL,
    TRADE,
    PerpOrder,
)
from mockexchange.core.perps.risk_limits import Members, PerpRiskLimits
from mockexchange.core.perps.state import PerpsState
from mockexchange.core.perps.units import CONTRACT
from mockexchange.core.values import UnixTime

ORDER_CHANGE = "perps.order"


@dataclass(slots=True)
class PerpOutcome:
    """An order as a command left it, and what this command filled of it (count, value and fees: its average
    price and fee); `reduced_by`, what a cancel or decrease took off."""

    order: PerpOrder
    filled: int = 0
    value: int = 0
    fees: int = 0
    reduced_by: int = 0
    resized: bool = False  # (an amend) its resting size changed or it traded
    cancelled: list[PerpOrder] = field(default_factory=list)  # (cancel all) every order it cancelled


class PerpTrading:
    def __init__(
        self, state: PerpsState, listing: PerpListing, filling: PerpFilling, cash: MarginCash, members: Members
    ) -> None:
        self.state, self.listing, self.filling, self.cash = state, listing, filling, cash
        # What falls due on the exchange clock, made before each command (the exchange's `run_due`; alone: expiries)
        self.run_due: Callable[[], None] = self.expire_due
        # What an order that rests no more tells (the exchange's exit triggers: one anchored to it)
        self.on_end: Callable[[PerpOrder], None] = lambda order: None
        self.book_clock = BookClock()
        self.groups = PerpOrderGroups(state, self.known, self._end)
        self.limits = PerpRiskLimits(state, members, cash.subaccounts, self._end)

    # -- placing -------------------------------------------------------------------------------------------------

    def place(self, placed: PlacePerpOrder, reason: str | None = None) -> PerpOutcome:
        """Place an order (with a `reason`: the exchange's own, a liquidation's or an exit trigger's)."""
        state = self.state
        with state.lock:
            self.run_due()
            market = self._tradable(placed.user_id, placed.ticker, placed.subaccount)
            if placed.market_version and placed.market_version != market.market_version:
                raise PerpsError(
                    f"market_version {placed.market_version} is not the market's ({market.market_version})", 409,
                    "market_version_mismatch",
                )  # fmt: skip
            if placed.price % market.tick:
                raise PerpsError(f"price must be a multiple of the tick size ({market.tick} ten-thousandths)", 400,
                                 "invalid_price")  # fmt: skip
            _whole(market, placed.count)
            now = state.clock.now()
            if placed.expiration_time is not None and placed.expiration_time <= now:
                raise PerpsError("expiration_time must be in the future", 400, "invalid_expiration_time")
            if (placed.user_id, placed.client_order_id) in state.client_ids:
                raise PerpsError(f"client_order_id {placed.client_order_id!r} names a resting order", 409,
                                 "order_already_exists")  # fmt: skip
            order = _order(placed, now, reason)
            group = None if placed.order_group_id is None else self.groups.join(
                order, placed.order_group_id, market.exchange_index
            )  # fmt: skip
            if placed.reduce_only:
                self._cap_reduce_only(order)
            if order.remaining and not (reason and order.reduce_only):  # (the exchange's close: never)
                self._check_margin(order)
            order.order_id, order.seq = state.new_id(), state.next_seq()  # (accepted: a refusal draws nothing)
            self._keep(order)
            if group is not None:
                group.orders[order.order_id] = None
            outcome = PerpOutcome(order)
            if order.remaining:
                self._cross(order, outcome)
            else:
                order.status = "canceled"
                history.ended(state, order)
            _told(state, order)
            self.groups.trip()
            return outcome

    def fill_off_book(self, taker: PlacePerpOrder, maker: PlacePerpOrder, price: int) -> PerpOutcome:
        """Fill two of the exchange's own orders with each other, `taker.count` at `price`, off the book (a
        liquidation's rest taken over by the backstop): each kept as an order, filled by the one fill road, executed.
        The taker's outcome."""
        state = self.state
        with state.lock:
            now = state.clock.now()
            orders = [_order(placed, now, LIQUIDATION) for placed in (taker, maker)]
            for order in orders:
                order.order_id, order.seq = state.new_id(), state.next_seq()
                self._keep(order)
            outcome = PerpOutcome(orders[0])
            self.filling.trade(orders[0], orders[1], taker.count, price, outcome)
            for order in orders:
                order.status, order.last_update_reason = "executed", TRADE
                history.ended(state, order)
                _told(state, order)
            return outcome

    def _tradable(self, user_id: str, ticker: str, subaccount: int) -> PerpMarket:
        state = self.state
        if user_id in state.disabled:
            raise not_enabled()
        if not (state.exchange_active and state.trading_active):
            raise PerpsError("the perps exchange is not trading", 400, "exchange_closed")
        self.known(user_id, subaccount)
        market = self.listing.market(ticker)
        if market.status != "active":
            raise PerpsError(f"market {ticker!r} is {market.status}", 400, "market_closed")
        return market

    def known(self, user_id: str, subaccount: int) -> None:
        """Refuse a subaccount the user does not have (404)."""
        if not 0 <= subaccount <= self.cash.subaccounts(user_id):
            raise not_found(f"margin subaccount {subaccount}")

    def _cap_reduce_only(self, order: PerpOrder) -> None:
        """A reduce-only order is capped at what it can close of the position."""
        held = self.state.positions.get((order.user_id, order.subaccount), {}).get(order.ticker)
        size = held.size if held is not None else 0
        closable = max(-size, 0) if order.buys else max(size, 0)
        if order.remaining > closable:
            order.remaining = order.count = closable
            order.last_update_reason = REDUCE_ONLY_CANCEL

    def _check_margin(self, order: PerpOrder, without: str | None = None) -> None:
        """Refuse an order that raises the account's initial margin above its equity (a reducing one never does)."""
        state, cash = self.state, self.cash.balance(order.user_id, order.subaccount)
        before = margin.account(state, cash, order.user_id, order.subaccount, without=without)
        after = margin.account(state, cash, order.user_id, order.subaccount, order, without)
        if after.initial > before.initial and after.initial > after.equity:
            raise PerpsError(
                f"the order needs {after.initial - before.initial} micro-dollars of initial margin; "
                f"{max(before.equity - before.initial, 0)} are free", 400, "insufficient_balance",
            )  # fmt: skip
        self.limits.check(order, before, after)

    def _cross(self, order: PerpOrder, outcome: PerpOutcome) -> None:
        """Trade the order with what rests across it, then rest what is left (good_till_canceled) or cancel it."""
        state = self.state
        book = state.books[order.ticker]
        if order.post_only and book.crosses(_side(order), order.price):
            self._end(order, POST_ONLY_CANCEL)
            return
        rule = BOOK_RULE[order.self_trade_prevention_type]
        planned = book.plan(_side(order), order.remaining, order.price, order.user_id, rule)
        if order.time_in_force == "fill_or_kill" and (planned.stopped or planned.left):
            self._end(order, order.last_update_reason)
            return
        self.book_clock.moved(state, order, book.apply(planned).changes)
        self._fill(order, planned, outcome)
        if planned.stopped:
            self._end(order, SELF_TRADE_CANCEL)
        elif order.remaining and order.time_in_force == "good_till_canceled":
            rested = book.add(order.order_id, order.user_id, _side(order), order.price, order.remaining, order)
            self._rest(order)
            self.book_clock.moved(state, order, (rested,))
        elif order.remaining:
            self._end(order, order.last_update_reason)
        history.quote(state, order.ticker)

    def _fill(self, order: PerpOrder, matched: Matched, outcome: PerpOutcome) -> None:
        for gone in matched.cancelled:
            self._end(gone.data, SELF_TRADE_CANCEL)
        for match in matched.matches:
            maker: PerpOrder = match.maker.data
            self.filling.trade(order, maker, match.size, match.price, outcome)
            now = self.state.clock.now()
            self.groups.matched(order, match.size, now)
            self.groups.matched(maker, match.size, now)
            if not maker.remaining:
                self._end(maker, TRADE)
            else:
                _told(self.state, maker)
        if matched.matches:
            order.last_update_reason = TRADE
            if not order.remaining:
                order.status = "executed"
                history.ended(self.state, order)

    # -- what rests ----------------------------------------------------------------------------------------------

    def _keep(self, order: PerpOrder) -> None:
        self.state.orders[order.order_id] = order
        self.state.user_orders.setdefault(order.user_id, []).append(order)

    def _rest(self, order: PerpOrder) -> None:
        state = self.state
        state.resting.setdefault(order.user_id, set()).add(order.order_id)
        state.client_ids[(order.user_id, order.client_order_id)] = order.order_id
        if order.expiration is not None:
            heapq.heappush(state.expiries, (order.expiration, order.seq, order.order_id))

    def _end(self, order: PerpOrder, reason: str) -> None:
        """The order rests no more: out of the book (if it was in it) and of its account's resting orders."""
        state = self.state
        book = state.books[order.ticker]
        resting = order.order_id in book
        if resting:
            _, change = book.cancel(order.order_id)
        state.resting.get(order.user_id, set()).discard(order.order_id)
        if state.client_ids.get((order.user_id, order.client_order_id)) == order.order_id:
            del state.client_ids[(order.user_id, order.client_order_id)]
        order.status = "executed" if not order.remaining and reason == TRADE else "canceled"
        order.remaining = 0 if order.status == "canceled" else order.remaining
        order.last_update_reason = reason
        order.updated = state.clock.now()
        if resting:
            self.book_clock.moved(state, order, (change,))
        history.ended(state, order)
        history.quote(state, order.ticker)
        _told(state, order)
        self.on_end(order)

    def _owned(self, user_id: str, order_id: str, subaccount: int) -> PerpOrder:
        order = self.state.orders.get(order_id)
        if order is None or order.user_id != user_id or order.subaccount != subaccount:
            raise not_found(f"order {order_id!r}")
        return order

    def _resting(self, user_id: str, order_id: str, subaccount: int) -> PerpOrder:
        """The user's resting order; one that ended is 404, as one that never was (the only refusal the spec's
        cancel documents besides 401, and Kalshi's prediction exchange's answer)."""
        order = self._owned(user_id, order_id, subaccount)
        if order.status != "resting":
            raise PerpsError(f"order {order_id!r} is {order.status}", 404, "not_found")
        return order

    # -- cancels, decreases, amends, expiries ---------------------------------------------------------------------

    def cancel(self, cancel: CancelPerpOrder) -> PerpOutcome:
        with self.state.lock:
            self.run_due()
            order = self._resting(cancel.user_id, cancel.order_id, cancel.subaccount)
            left = order.remaining
            self._end(order, DECREASE)
            return PerpOutcome(order, reduced_by=left)

    def cancel_all(self, cancel: CancelPerpOrders) -> PerpOutcome | None:
        state = self.state
        with state.lock:
            self.run_due()
            cancelled = self._cancel_resting(cancel.user_id, cancel.subaccount, DECREASE)
            return PerpOutcome(cancelled[0], cancelled=cancelled) if cancelled else None

    def margin_cancel(self, user_id: str, subaccount: int) -> list[PerpOrder]:
        """Cancel every resting order of the account (`MarginCancel`: a liquidation's first step)."""
        with self.state.lock:
            return self._cancel_resting(user_id, subaccount, MARGIN_CANCEL)

    def _cancel_resting(self, user_id: str, subaccount: int | None, reason: str) -> list[PerpOrder]:
        """Cancel the user's resting orders (of one subaccount, if given), oldest first; answer them."""
        state = self.state
        ids = sorted(state.resting.get(user_id, ()), key=lambda order_id: state.orders[order_id].seq)
        orders = [state.orders[order_id] for order_id in ids]
        cancelled = [o for o in orders if subaccount is None or o.subaccount == subaccount]
        for order in cancelled:
            self._end(order, reason)
        return cancelled

    def decrease(self, decrease: DecreasePerpOrder) -> PerpOutcome:
        with self.state.lock:
            self.run_due()
            order = self._resting(decrease.user_id, decrease.order_id, decrease.subaccount)
            left = order.remaining - decrease.reduce_by if decrease.reduce_by is not None else decrease.reduce_to
            assert left is not None  # (the command has one of them)
            if not 0 <= left < order.remaining:
                raise PerpsError(f"the order has {order.remaining} hundredths left: it cannot decrease to {left}")
            _whole(self.listing.market(order.ticker), left)
            return self._resize(order, left, DECREASE)

    def _resize(self, order: PerpOrder, left: int, reason: str) -> PerpOutcome:
        """Leave `left` of what rests, in its place (0: cancelled)."""
        reduced = order.remaining - left
        if not left:
            self._end(order, reason)
            return PerpOutcome(order, reduced_by=reduced)
        change = self.state.books[order.ticker].reduce(order.order_id, left)
        order.remaining, order.count = left, order.count - reduced
        order.last_update_reason, order.updated = reason, self.state.clock.now()
        self.book_clock.moved(self.state, order, (change,))
        history.quote(self.state, order.ticker)
        _told(self.state, order)
        return PerpOutcome(order, reduced_by=reduced, resized=True)

    def amend(self, amend: AmendPerpOrder) -> PerpOutcome:
        state = self.state
        with state.lock:
            self.run_due()
            order = self._resting(amend.user_id, amend.order_id, amend.subaccount)
            if amend.ticker != order.ticker or amend.side != order.side:
                raise PerpsError("an amend keeps the order's ticker and side", 400, "invalid_order")
            if amend.client_order_id is not None and amend.client_order_id != order.client_order_id:
                raise PerpsError("client_order_id is not the order's", 400, "invalid_order")
            market = self.listing.market(order.ticker)
            if amend.price % market.tick:
                raise PerpsError("price must be a multiple of the tick size", 400, "invalid_price")
            _whole(market, amend.count)
            left = amend.count - order.filled
            if left <= 0:
                raise PerpsError(f"count must be above what filled ({order.filled} hundredths)")
            expiry = order.expiration if amend.expiration_time is None else _expiry(amend.expiration_time)
            if expiry is not None and expiry <= state.clock.now() and expiry != order.expiration:
                raise PerpsError("expiration_time must be in the future", 400, "invalid_expiration_time")
            stays = amend.price == order.price and left <= order.remaining  # (it keeps its place in the queue)
            if not stays:  # placed anew: checked as an order is, before anything changes
                self._tradable(order.user_id, order.ticker, order.subaccount)
                self._check_margin(replace(order, price=amend.price, remaining=left, count=amend.count), order.order_id)
            if amend.updated_client_order_id is not None:
                self._rename(order, amend.updated_client_order_id)
            if expiry != order.expiration:
                order.expiration = expiry
                if expiry is not None:
                    heapq.heappush(state.expiries, (expiry, order.seq, order.order_id))
            if stays:
                if left == order.remaining:
                    order.last_update_reason, order.updated = AMEND, state.clock.now()
                    return PerpOutcome(order)
                outcome = self._resize(order, left, AMEND)
                return outcome
            _, change = state.books[order.ticker].cancel(order.order_id)
            state.resting[order.user_id].discard(order.order_id)
            order.last_update_reason, order.updated = AMEND, state.clock.now()
            self.book_clock.moved(state, order, (change,))
            order.price, order.remaining, order.count = amend.price, left, amend.count
            outcome = PerpOutcome(order, resized=True)
            self._cross(order, outcome)
            if order.status == "resting" and order.last_update_reason == TRADE:
                order.last_update_reason = AMEND
            _told(state, order)
            self.groups.trip()
            return outcome

    def _rename(self, order: PerpOrder, renamed: str) -> None:
        state = self.state
        if (order.user_id, renamed) in state.client_ids and renamed != order.client_order_id:
            raise PerpsError(f"client_order_id {renamed!r} names a resting order", 409, "order_already_exists")
        del state.client_ids[(order.user_id, order.client_order_id)]
        order.client_order_id = renamed
        state.client_ids[(order.user_id, renamed)] = order.order_id

    def expire_due(self) -> None:
        """Cancel the resting orders whose expiration time the exchange clock has reached."""
        state = self.state
        now = state.clock.now()
        while state.expiries and state.expiries[0][0] <= now:
            when, _, order_id = heapq.heappop(state.expiries)
            order = state.orders.get(order_id)
            if order is not None and order.status == "resting" and order.expiration == when:
                self._end(order, EXPIRY_CANCEL)


def _whole(market: PerpMarket, count: int) -> None:
    """Refuse a count (an order's, or what a decrease leaves) that splits a contract where the market trades whole
    ones."""
    if not market.fractional and count % CONTRACT:
        raise PerpsError("this market trades whole contracts only", 400, "invalid_order")


def _order(placed: PlacePerpOrder, now: datetime, reason: str | None) -> PerpOrder:
    """The order `placed` asks for, as placed now (no id yet: drawn once it is accepted)."""
    return PerpOrder(
        "", placed.user_id, placed.subaccount, placed.ticker, placed.client_order_id, placed.side, placed.price,
        placed.count, placed.time_in_force, placed.self_trade_prevention_type, now, now, 0, remaining=placed.count,
        post_only=placed.post_only, reduce_only=placed.reduce_only, cancel_order_on_pause=placed.cancel_order_on_pause,
        expiration=placed.expiration_time, order_group_id=placed.order_group_id, reason=reason,
    )  # fmt: skip


def _expiry(seconds: int) -> datetime | None:
    """An amend's expiration time (0: none)."""
    return UnixTime().read(seconds, "expiration_time") if seconds else None


def _told(state: PerpsState, order: PerpOrder) -> None:
    """Publish the order as it is now (a copy: the websocket renders it after the command has gone on), if someone
    takes it."""
    if state.bus.takers(ORDER_CHANGE):
        state.bus.publish(Change(ORDER_CHANGE, order.user_id, copy(order)))


def _side(order: PerpOrder) -> Side:
    return BID if order.buys else ASK
