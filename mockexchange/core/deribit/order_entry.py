"""Deribit orders placed, edited, cancelled and read: the control plane places them (its seeded orders and a client's
through the venue's commands), the venue reads them. A limit or market order crosses its instrument's book first
(matching.py); a stop or take order waits, untriggered. Each change of an order is published on the exchange's bus as
one `Change` of kind `derivatives.order` (the order as it is now).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from mockexchange.core.deribit import linked
from mockexchange.core.deribit.bounds import ZERO, ExchangeError, bounded
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.deribit.matching import Crossing, amount_units, crossing, price_ticks, side_of
from mockexchange.core.deribit.order_commands import CancelDeribitOrders, DeribitOrder, EditDeribitOrder
from mockexchange.core.deribit.orders import (
    ALL_TIMES_IN_FORCE,
    CHANGE,
    MARKET_TYPES,
    MAX_OPEN_PER_ACCOUNT,
    MAX_OPEN_PER_INSTRUMENT,
    TAKING_TYPES,
    TIMES_IN_FORCE,
    TRIGGERS,
    DerivativeOrder,
    DerivativeOrders,
    QuoteTag,
)
from mockexchange.core.deribit.records import DeribitTrade
from mockexchange.core.events import Change
from mockexchange.core.stepping import DEEP, Footprint, MustStep, restarting, stepping

T = TypeVar("T")
PRICELESS = ("market", "market_limit")  # taking orders with no price
# -- changes --------------------------------------------------------------------------------------------------------


@restarting
def submit_order(
    exchange: DeribitExchange, order: DeribitOrder, quote: QuoteTag | None = None
) -> tuple[DerivativeOrder, list[DeribitTrade]]:
    """An order for the user's (sub)account; the instrument is listed if new. A limit or market order crosses the
    book first (its fills at the resting prices), then what is left rests (a limit order good till cancelled or
    day) or is cancelled; a stop or take order rests untriggered. A client's order (`PlaceDeribitOrder.check_funds`)
    must have the taker's available funds cover it; the control plane's seeded ones are not checked, nor is a mass
    quote's side, which carries its `quote` (quotes.py: its group's reserve is checked for the whole request). A
    linked order's secondaries (linked.py) are made with it: an OCO's other order placed after it, an OTO's waiting
    for it. Answers the order as it is after, and its trades (its own side of each)."""
    secondaries = linked.legs(order)
    for checked in (order, *secondaries):
        _check_terms(checked)
    user_id, amount = order.user_id, order.amount
    with exchange.lock, ExitStack() as long:
        wallet = exchange.accounts.wallet(user_id, order.subaccount_id)
        instrument = exchange.market.list_instrument(order.instrument_name)
        _tradable(exchange, instrument)
        for each in (order, *secondaries):
            _on_the_grid(instrument, each.amount, price=each.price, trigger_price=each.trigger_price,
                         trigger_offset=each.trigger_offset)  # fmt: skip
        if order.order_type in TAKING_TYPES and not order.post_only:  # (decided before anything changes: it may start
            long.enter_context(crossing(exchange, instrument, user_id, order.direction, amount, order.price))  # again)
        made = [_made(exchange, each, wallet.id, instrument) for each in (order, *secondaries)]
        kept = _kept(exchange)
        _room(exchange, kept, order, wallet.id, instrument.instrument_name, secondaries)
        placed = replace(made[0], order_id=_placed_id(kept, order.order_id))
        if quote is not None:
            placed = replace(placed, mmp=True, quote=quote)
        others = [replace(other, order_id=_next_id(kept)) for other in made[1:]]
        if secondaries:
            placed, others = linked.link(order, placed, others)
        for other in others:
            if not other.is_secondary_oto:
                _beside(kept, instrument, placed, other)
        answer = _enter(exchange, kept, placed, instrument, order.check_funds and quote is None)
        for other in others:  # an OTO's secondaries wait for their primary; an OCO's other order is placed as it is
            if other.is_secondary_oto:
                _keep(exchange, kept, other)
                continue
            try:
                _enter(exchange, kept, other, instrument, order.check_funds)
            except ExchangeError as refused:
                if answer[1]:  # the primary's trades stand: the other ends rejected, as a linked order placed late does
                    reject(exchange, kept, other, refused)
                    continue
                if answer[0].is_open:  # it only rests: taken back with the refusal
                    cancel_order(exchange, answer[0].order_id, "oco_other_closed")
                raise
        linked.register(kept, placed, others)
        return answer


def reject(
    exchange: DeribitExchange, kept: DerivativeOrders, order: DerivativeOrder, refused: ExchangeError
) -> DerivativeOrder:
    """An order refused as it is placed after another (a linked order's partner, a trigger's): kept `rejected` (the
    refusal's reason its `cancel_reason`), nothing traded, and published. Answers it as it ended."""
    ended = replace(order, order_state="rejected", cancel_reason=refused.reason or "rejected")
    kept.close(ended, exchange.state.history_size)
    exchange.state.bus.publish(Change(CHANGE, ended.user_id, ended))
    return ended


def _beside(kept: DerivativeOrders, instrument: Instrument, primary: DerivativeOrder, other: DerivativeOrder) -> None:
    """An OCO's other order refused before either is placed if, post-only with `reject_post_only`, it would take:
    from the book as it is, or from its own primary resting on the other side. Placed after the primary, it would be
    refused with the primary already placed."""
    if not (other.post_only and other.reject_post_only) or other.price is None:
        return
    limit = price_ticks(instrument, other.price)
    takes = kept.book_of(instrument.instrument_name).crosses(side_of(other), limit)
    if primary.price is not None and primary.direction != other.direction and primary.order_type in TAKING_TYPES:
        against = price_ticks(instrument, primary.price)
        takes = takes or (limit <= against if other.direction == "sell" else limit >= against)
    if takes:
        raise ExchangeError("a post_only order would take liquidity", status=409, reason="post_only_reject")


def _tradable(exchange: DeribitExchange, instrument: Instrument) -> None:
    """An instrument still trading (not expired) and its index not locked."""
    expiration = instrument.expiration
    if expiration is not None and exchange.state.clock.now() >= expiration:
        raise ExchangeError(f"{instrument.instrument_name} has expired", status=409)
    if instrument.price_index in exchange.state.locked_indices:  # (platform.py: the platform's status locks it)
        raise ExchangeError(
            f"trading on the index {instrument.price_index} is locked (public/status): no order is taken on "
            f"{instrument.instrument_name} until it is unlocked", status=409, reason="locked_by_admin",
        )  # fmt: skip


def _room(
    exchange: DeribitExchange,
    kept: DerivativeOrders,
    order: DeribitOrder,
    wallet_id: int,
    name: str,
    secondaries: tuple[DeribitOrder, ...],
) -> None:
    """The wallet may keep the order's secondaries beside it, on the instrument and its account's together (an order
    that may rest); what they all may trade within its wallet's traded bound (each is counted as it is kept)."""
    more = len(secondaries)
    may_rest = order.order_type not in TAKING_TYPES or order.time_in_force in TIMES_IN_FORCE or more > 0
    if may_rest and kept.open_on(wallet_id, name) + more >= MAX_OPEN_PER_INSTRUMENT:
        raise ExchangeError(
            f"account {wallet_id} has {MAX_OPEN_PER_INSTRUMENT} open orders on {name}, the most one account may",
            status=409, reason="max_open_orders_per_instrument",
        )  # fmt: skip
    wallets = (w.id for w in exchange.accounts.account(order.user_id).wallets())
    if may_rest and kept.open_in(wallets) + more >= MAX_OPEN_PER_ACCOUNT:
        raise ExchangeError(
            f"{order.user_id!r} has {MAX_OPEN_PER_ACCOUNT:,} open orders, its main account's and its subaccounts' "
            "together, the most the mock keeps for one account: cancel some first", status=409,
            reason="pme_max_total_open_orders",
        )  # fmt: skip
    exchange.trading.check_traded(wallet_id, order.amount + sum((leg.amount for leg in secondaries), ZERO))


def _placed_id(kept: DerivativeOrders, given: str | None) -> str:
    """The id given (a seeded order's: refused if taken), else the next the book draws."""
    if given is None:
        return _next_id(kept)
    if given in kept.orders:
        raise ExchangeError(f"order id {given!r} is taken", status=409)
    return given


def _next_id(kept: DerivativeOrders) -> str:
    while str(kept.next_id) in kept.orders:
        kept.next_id += 1
    kept.next_id += 1
    return str(kept.next_id - 1)


def _made(exchange: DeribitExchange, order: DeribitOrder, wallet_id: int, instrument: Instrument) -> DerivativeOrder:
    """The order a command makes (its id drawn as it is kept: "" until then); a trailing
    stop's trigger price its offset from its trigger's price now (refused while that has none)."""
    amount, price = order.amount, order.price
    now = exchange.state.clock.now()
    made = DerivativeOrder(
        order_id="", user_id=order.user_id, account_id=wallet_id,
        instrument_name=instrument.instrument_name, direction=order.direction, amount=amount, price=price,
        order_type=order.order_type,
        order_state="open" if order.order_type in TAKING_TYPES else "untriggered",
        time_in_force=order.time_in_force, label=order.label, post_only=order.post_only,
        reduce_only=order.reduce_only, api=order.api,
        max_show=amount if order.max_show is None else bounded(order.max_show, "max_show", ZERO, amount),
        trigger=order.trigger, trigger_price=order.trigger_price, created=now, updated=now,
        reject_post_only=order.reject_post_only, trigger_offset=order.trigger_offset, mmp=order.mmp,
    )  # fmt: skip
    return trail_from(exchange, made) if made.trigger_offset is not None else made


def trail_from(exchange: DeribitExchange, order: DerivativeOrder) -> DerivativeOrder:
    """A trailing stop starting from its trigger's price now (`trigger_reference_price`): its trigger price that
    price less its offset (a sell), or plus it (a buy); refused while the trigger has no price."""
    assert order.trigger is not None and order.trigger_offset is not None
    seen = watched_price(exchange, order.instrument_name, order.trigger)
    if seen is None:
        raise ExchangeError(
            f"{order.instrument_name} has no {order.trigger} yet for a trailing_stop to follow", param="trigger"
        )
    offset = order.trigger_offset if order.direction == "buy" else -order.trigger_offset
    return replace(order, trigger_reference_price=seen, trigger_price=max(seen + offset, ZERO))


def watched_price(exchange: DeribitExchange, instrument_name: str, trigger: str) -> Decimal | None:
    """The price a trigger on the instrument watches, as it is now (None: none yet, e.g. no trade for `last_price`)."""
    instrument = exchange.market.instrument(instrument_name)
    try:
        if trigger == "index_price":
            return exchange.market.index_price(instrument.price_index)
        if trigger == "mark_price":
            return exchange.market.mark_price(instrument_name)
    except ExchangeError:  # no index price yet
        return None
    return exchange.market.last_price(instrument_name)


def _keep(exchange: DeribitExchange, kept: DerivativeOrders, order: DerivativeOrder) -> DerivativeOrder:
    kept.put(order)
    exchange.state.bus.publish(Change(CHANGE, order.user_id, order))
    return order


def _enter(
    exchange: DeribitExchange, kept: DerivativeOrders, order: DerivativeOrder, instrument: Instrument, funds: bool
) -> tuple[DerivativeOrder, list[DeribitTrade]]:
    """A made order into the exchange: one that takes crosses the book, a trigger order waits."""
    if order.order_type in TAKING_TYPES:
        crossed = Crossing(exchange, kept, order, instrument)
        return crossed.run(check_funds=funds, reject_post_only=order.reject_post_only)
    return _keep(exchange, kept, order), []


def _check_terms(order: DeribitOrder) -> None:
    """`submit_order`'s checks of what an order's terms say together (each term is its command's kind already): its
    time in force for its type, its price, its trigger (a trailing stop's offset)."""
    order_type = order.order_type
    allowed = ALL_TIMES_IN_FORCE if order_type in TAKING_TYPES else TIMES_IN_FORCE
    if order.time_in_force not in allowed:
        said = f"time_in_force must be one of {', '.join(allowed)} for a {order_type} order"
        raise ExchangeError(said, param="time_in_force")
    if order.post_only and order_type in (*MARKET_TYPES, *PRICELESS):
        raise ExchangeError("post_only applies to orders with a price")
    _check_price(order_type, order.price)
    if order_type in TAKING_TYPES:
        if order.trigger is not None or order.trigger_price is not None:
            raise ExchangeError(f"a {order_type} order has no trigger or trigger_price", param="trigger")
    elif order.trigger not in TRIGGERS:
        raise ExchangeError(f"a {order_type} order needs a trigger: one of {', '.join(TRIGGERS)}", param="trigger")
    if order_type == "trailing_stop":
        if order.trigger_offset is None:
            raise ExchangeError("a trailing_stop order needs a trigger_offset", param="trigger_offset")
        if order.trigger_price is not None:
            raise ExchangeError("a trailing_stop's trigger_price follows its trigger_offset", param="trigger_price")
        return
    if order.trigger_offset is not None:
        raise ExchangeError(f"a {order_type} order has no trigger_offset", param="trigger_offset")
    if order_type not in TAKING_TYPES and order.trigger_price is None:
        raise ExchangeError(f"a {order_type} order needs a trigger_price", param="trigger_price")


def _check_price(order_type: str, price: Decimal | None) -> None:
    """A market, stop_market or take_market order has no price; any other needs one (its bounds are its kind's)."""
    if order_type in MARKET_TYPES or order_type in PRICELESS:
        if price is not None:
            raise ExchangeError(f"a {order_type} order has no price", param="price")
    elif price is None:
        raise ExchangeError(f"a {order_type} order needs a price", param="price")


def _on_the_grid(instrument: Instrument, amount: Decimal, **prices: Decimal | None) -> None:
    """The amount a multiple of the instrument's minimum (`invalid_amount`), each price given on its tick
    (`price_wrong_tick`), as Deribit checks an order when it is placed or edited."""
    if amount % instrument.min_trade_amount != ZERO:
        raise ExchangeError(
            f"amount must be a multiple of {instrument.min_trade_amount} for {instrument.instrument_name}",
            reason="invalid_amount",
        )
    for name, price in prices.items():
        if price is not None:
            price_ticks(instrument, price, name)


def _open_order(exchange: DeribitExchange, order_id: str) -> tuple[DerivativeOrders, DerivativeOrder]:
    """The exchange's orders and the open order `order_id` (under the exchange's lock); refused if unknown or closed."""
    kept = exchange.state.orders
    order = kept.orders.get(order_id) if kept is not None else None
    if kept is None or order is None:
        raise ExchangeError(f"unknown order_id {order_id!r}", status=404, reason="order_not_found")
    if not order.is_open:
        raise ExchangeError(f"order {order_id!r} is {order.order_state} already", status=409, reason="already_closed")
    return kept, order


def cancel_order(exchange: DeribitExchange, order_id: str, reason: str = "user_request") -> DerivativeOrder:
    """Cancel an open order (`cancel_reason` user_request, or the reason given); it stays readable by id while its
    account keeps it."""
    with exchange.lock:
        kept, order = _open_order(exchange, order_id)
        cancelled = replace(order, order_state="cancelled", cancel_reason=reason, updated=exchange.state.clock.now())
        kept.close(cancelled, exchange.state.history_size)
        exchange.state.bus.publish(Change(CHANGE, order.user_id, cancelled))
        return cancelled


@restarting
def edit_order(exchange: DeribitExchange, edit: EditDeribitOrder) -> tuple[DerivativeOrder, list[DeribitTrade]]:
    """Change an open order's amount (what it had filled stays filled) and price. A limit order made smaller at its
    price keeps its place in time; any other change takes it out of the book and enters it again (it may take what
    now crosses, then rests behind the others; the taker's available funds checked). An untriggered order changes its
    terms in place; a trailing stop given a new offset trails again from its trigger's price now, as when placed."""
    order_id, amount, price, trigger_price = edit.order_id, edit.amount, edit.price, edit.trigger_price
    with exchange.lock, ExitStack() as long:
        kept, order = _open_order(exchange, order_id)
        if amount <= order.filled_amount:
            raise ExchangeError(f"amount {amount:f} is not more than the {order.filled_amount:f} filled already")
        _check_price(order.order_type, price)
        exchange.trading.check_traded(order.account_id, amount - order.filled_amount, order.remaining)
        instrument = exchange.market.instrument(order.instrument_name)
        _on_the_grid(instrument, amount, price=price, trigger_price=trigger_price, trigger_offset=edit.trigger_offset)
        if edit.trigger_offset is not None and (order.trigger_offset is None or order.order_state != "untriggered"):
            raise ExchangeError(f"{order_id}: only an untriggered trailing_stop has a trigger_offset to change",
                                param="trigger_offset")  # fmt: skip
        post_only = order.post_only if edit.post_only is None else edit.post_only
        if order.order_state == "open" and not (price == order.price and amount <= order.amount
                                                and post_only == order.post_only):  # fmt: skip
            _tradable(exchange, instrument)  # (entered again, as an order placed: not while its index is locked)
        if order.order_state == "open":  # (decided before anything changes: it may start again)
            remaining = amount - order.filled_amount
            long.enter_context(crossing(exchange, instrument, order.user_id, order.direction, remaining, price))
        triggered_at = order.trigger_price
        if trigger_price is not None and order.trigger is not None:
            triggered_at = trigger_price
        # A flag not given stays as it was.
        edited = replace(
            order, amount=amount, price=price, replaced=True,
            max_show=amount if order.max_show == order.amount else min(order.max_show, amount),  # hidden stays so
            updated=exchange.state.clock.now(), trigger_price=triggered_at,
            post_only=post_only,
            reject_post_only=order.reject_post_only if edit.reject_post_only is None else edit.reject_post_only,
            reduce_only=order.reduce_only if edit.reduce_only is None else edit.reduce_only,
            mmp=order.mmp if edit.mmp is None or order.quote is not None else edit.mmp,
        )  # fmt: skip
        if edit.trigger_offset is not None:
            edited = trail_from(exchange, replace(edited, trigger_offset=edit.trigger_offset))
        resting = kept.books.get(order.instrument_name)
        if order.order_state != "open" or resting is None or order_id not in resting:
            kept.put(edited)
            exchange.state.bus.publish(Change(CHANGE, order.user_id, edited))
            return edited, []
        if price == order.price and amount <= order.amount and edited.post_only == order.post_only:
            resting.reduce(order_id, amount_units(instrument, edited.remaining))
            kept.put(edited)
            exchange.state.bus.publish(Change(CHANGE, order.user_id, edited))
            return edited, []
        taken, _ = resting.cancel(order_id)
        entering = Crossing(exchange, kept, edited, instrument)
        if order.quote is not None:  # a quote moved where it crosses nothing rests at once (no funds check: quotes.py)
            rested = entering.rest_clear()
            if rested is not None:
                return rested, []
        try:
            return entering.run(check_funds=order.quote is None, reject_post_only=edited.reject_post_only)
        except ExchangeError:  # (refused before anything traded: funds, post-only) the order back where it rested
            resting.restore(taken)
            raise


@restarting
def cancel_orders(exchange: DeribitExchange, cancel: CancelDeribitOrders) -> list[DerivativeOrder]:
    """Cancel the wallet's open orders that match every filter the command gives, for its reason; the cancelled, each
    published once."""
    types, ids = cancel.order_types, None if cancel.order_ids is None else frozenset(cancel.order_ids)
    with exchange.lock:
        wallet = exchange.accounts.wallet(cancel.user_id, cancel.subaccount_id)
        chosen = [
            order
            for order in open_orders(exchange, wallet.id, currency=cancel.currency, kind=cancel.kind,
                                     instrument_name=cancel.instrument_name)
            if cancel.label in (None, order.label) and (types is None or order.order_type in types)
            and (ids is None or order.order_id in ids)
            and cancel.price_index in (None, exchange.market.instrument(order.instrument_name).price_index)
        ]  # fmt: skip
        if len(chosen) <= DEEP:
            return [cancel_order(exchange, order.order_id, cancel.reason) for order in chosen]
        owners = {order.user_id for order in chosen}  # (many: long, core/stepping.py)
        with exchange.lock.long(Footprint.of(owners, {order.instrument_name for order in chosen})):
            return [_stepped(exchange, cancel_order, order.order_id, cancel.reason) for order in chosen]


def _stepped(exchange: DeribitExchange, change: Callable[..., T], *args: Any) -> T:
    """One step of a long command: the reads waiting beside it first."""
    exchange.lock.step()
    return change(exchange, *args)


def order_history(
    exchange: DeribitExchange,
    wallet_id: int,
    *,
    currency: str | None = None,
    kind: str | None = None,
    instrument_name: str | None = None,
    include_unfilled: bool = False,
    since: datetime | None = None,
) -> list[DerivativeOrder]:
    """The wallet's closed orders it keeps (filled, and cancelled ones that filled something; every cancelled one with
    `include_unfilled`), closed at `since` or later if given, newest change first."""
    with exchange.lock:
        if exchange.state.orders is None:
            return []
        found = []
        for order in reversed(exchange.state.orders.closed_of(wallet_id)):  # newest closed first
            if not include_unfilled and order.filled_amount == ZERO:
                continue
            if since is not None and order.updated < since:
                continue
            instrument = exchange.market.instrument(order.instrument_name)
            if (
                instrument_name in (None, order.instrument_name)
                and currency in (None, instrument.settlement_currency)
                and kind in (None, instrument.kind)
            ):
                found.append(order)
        found.sort(key=lambda order: order.updated, reverse=True)  # (a clock set back closes orders out of order)
        return found


def order_trades(exchange: DeribitExchange, order_id: str) -> list[DeribitTrade]:
    """The fills of one order its wallet still keeps, oldest first."""
    with exchange.lock:
        order = find_order(exchange, order_id)
        if order is None:
            return []
        return [trade for trade in exchange.state.trades.of_wallet(order.account_id) if trade.order_id == order_id]


def _kept(exchange: DeribitExchange) -> DerivativeOrders:
    if exchange.state.orders is None:
        exchange.state.orders = DerivativeOrders()
    return exchange.state.orders


# -- reads ----------------------------------------------------------------------------------------------------------


def find_order(exchange: DeribitExchange, order_id: str) -> DerivativeOrder | None:
    """The order with this id, open or closed; None if the exchange has none (never placed, or its account no longer
    keeps it)."""
    with exchange.lock:
        return exchange.state.orders.orders.get(order_id) if exchange.state.orders is not None else None


def open_orders(
    exchange: DeribitExchange,
    wallet_id: int,
    *,
    currency: str | None = None,
    kind: str | None = None,
    instrument_name: str | None = None,
    step: Callable[[], None] | None = None,
) -> list[DerivativeOrder]:
    """The wallet's open orders, in the order they were placed; `currency` filters on the settlement currency; `step`
    is called as each is passed (a long read's, `reading_open`)."""
    with exchange.lock:
        if exchange.state.orders is None:
            return []
        found = []
        for order in stepping(exchange.state.orders.of_wallet(wallet_id, instrument_name), step):
            instrument = exchange.market.instrument(order.instrument_name)
            if currency in (None, instrument.settlement_currency) and kind in (None, instrument.kind):
                found.append(order)
        return found


@contextmanager
def reading_open(exchange: DeribitExchange, user_id: str, wallet_ids: list[int]) -> Iterator[Callable[[], None] | None]:
    """The exchange held still (`reading`) for a read of the wallets' open orders, which yields what the read calls as
    it passes each order and each row it makes (None: nothing). Past `DEEP` open orders the read is long
    (core/stepping.py: inline on an event loop, `MustStep`), over the user and the instruments they rest on; as a long
    command it may raise `Restart` as it starts, so the read is `restarting`. Called without the lock held."""
    with exchange.reading():
        kept = exchange.state.orders
        if kept is None or kept.open_in(wallet_ids) <= DEEP:
            yield None
            return
        if exchange.lock.on_loop:
            raise MustStep()
        names = {name for wallet_id in wallet_ids for name in kept.held.get(wallet_id, ())}
        with exchange.lock.long(Footprint.of((user_id,), names)):
            yield exchange.lock.step
