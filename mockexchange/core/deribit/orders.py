"""Resting Deribit orders: seeded (and cancelled) by the control plane, read by the venue, and the margin they hold.

The book keeps them (`DerivativesBook.orders`, a `DerivativeOrders` made with the first order) and calls back here for
the margin of a position's open orders and of a wallet's; everything else is these functions, under the book's lock,
each change published on the book's bus as one `Change` of kind `derivatives.order` (the order as it is now).

Orders never match: the mock has no order book. An order stays `open` (a limit order) or `untriggered` (a stop or take
order) until it is cancelled; cancelled orders stay readable by id (`private/get_order_state`).

Open orders' margin (the mock's simple rule, docs/deribit.md "Margins and leverage"): per wallet and instrument, over
its open limit orders that are not `reduce_only` (untriggered orders hold none), each side (buys, sells) holds the
initial margin of the part of its remaining amount that would add to the position (a buy beyond the short position, a
sell beyond the long one); `open_orders_margin` is the larger side's. A side's part is valued at its orders' prices:
futures as a position of that size (`notional * initial rate`, the notional `amount / price` coin for inverse futures,
`amount * price` USDC for linear ones), option buys as the premium (`amount * price`), option sells as a short
option's initial margin at the mark.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from mockexchange.core.deribit import derivatives as d
from mockexchange.core.deribit.book import (
    MAX_AMOUNT,
    MAX_PRICE,
    MIN_PRICE,
    SMALLEST,
    ZERO,
    BookError,
    DerivativesBook,
    bounded,
)
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.events import Change

CHANGE = "derivatives.order"  # the kind of the Change each order change publishes
ORDER_TYPES = ("limit", "stop_limit", "take_limit", "stop_market", "take_market")
MARKET_TYPES = ("stop_market", "take_market")  # no price: "market_price" on the wire
TIMES_IN_FORCE = ("good_til_cancelled", "good_til_day")  # what can rest (fill_or_kill and immediate_or_cancel cannot)
TRIGGERS = ("index_price", "mark_price", "last_price")
OPEN_STATES = ("open", "untriggered")
MAX_LABEL = 64  # characters of a label (Deribit's limit)
MAX_ORDER_ID = 64  # characters of an order id given by the caller
MAX_ORDERS = 100_000  # orders kept at once (open and cancelled), every account's; reset to start again


@dataclass(frozen=True, slots=True)
class DerivativeOrder:
    order_id: str
    user_id: str
    account_id: int  # the wallet (main or subaccount) the order is for
    instrument_name: str
    direction: str  # buy, sell
    amount: Decimal  # USD for inverse futures, the coin otherwise (as trades)
    price: Decimal | None  # None for stop_market and take_market
    order_type: str
    order_state: str  # open, untriggered, cancelled
    time_in_force: str
    label: str
    post_only: bool
    reduce_only: bool
    api: bool  # placed through the API (else the web)
    max_show: Decimal
    trigger: str | None  # stop and take orders: what triggers them
    trigger_price: Decimal | None
    created: datetime
    updated: datetime
    filled_amount: Decimal = ZERO
    average_price: Decimal = ZERO
    cancel_reason: str | None = None

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.filled_amount

    @property
    def is_open(self) -> bool:
        return self.order_state in OPEN_STATES


@dataclass(slots=True)
class DerivativeOrders:
    """Every order kept, by id, in the order they were placed; the open ones by wallet; the next id to draw."""

    orders: dict[str, DerivativeOrder] = field(default_factory=dict)
    open: dict[int, dict[str, None]] = field(default_factory=dict)  # wallet id -> its open orders' ids, in order
    next_id: int = 1

    def of_wallet(self, wallet_id: int) -> list[DerivativeOrder]:
        """The wallet's open orders, in the order they were placed."""
        return [self.orders[order_id] for order_id in self.open.get(wallet_id, ())]

    def expire(self, instrument_name: str, when: datetime) -> list[DerivativeOrder]:
        """Cancel the open orders on an instrument delivered at `when` (`cancel_reason` session_end: its last session
        is over); the cancelled orders, for the book to publish."""
        ended = []
        for wallet_id, open_ids in list(self.open.items()):
            for order_id in [i for i in open_ids if self.orders[i].instrument_name == instrument_name]:
                order = self.orders[order_id] = replace(
                    self.orders[order_id], order_state="cancelled", cancel_reason="session_end", updated=when
                )
                del open_ids[order_id]
                ended.append(order)
            if not open_ids:
                del self.open[wallet_id]
        return ended

    def margin(
        self,
        book: DerivativesBook,
        user_id: str,
        wallet_id: int,
        instrument_name: str | None = None,
        currency: str | None = None,
    ) -> Decimal:
        """The initial margin the wallet's open orders hold: on one instrument, or on every instrument settled in
        `currency` (the book's hooks: a position's `open_orders_margin`, the account summary's initial margin)."""
        by_instrument: dict[str, list[DerivativeOrder]] = {}
        for order in self.of_wallet(wallet_id):
            if instrument_name in (None, order.instrument_name):
                by_instrument.setdefault(order.instrument_name, []).append(order)
        total = ZERO
        for name, orders in by_instrument.items():
            instrument = book.instrument(name)
            if currency in (None, instrument.settlement_currency):
                size = book.position_state(user_id, name, wallet_id).position.size
                total += instrument_margin(book, instrument, size, orders)
        return total


# -- margin ---------------------------------------------------------------------------------------------------------


def instrument_margin(
    book: DerivativesBook, instrument: Instrument, size: Decimal, orders: list[DerivativeOrder]
) -> Decimal:
    """`open_orders_margin` of one instrument's open orders, the position being `size` (module docstring)."""
    held = [o for o in orders if o.order_state == "open" and not o.reduce_only and o.price is not None]
    buys = [o for o in held if o.direction == "buy"]
    sells = [o for o in held if o.direction == "sell"]
    buy_excess = sum((o.remaining for o in buys), ZERO) - max(ZERO, -size)
    sell_excess = sum((o.remaining for o in sells), ZERO) - max(ZERO, size)
    return max(
        _side_margin(book, instrument, buys, buy_excess, "buy"),
        _side_margin(book, instrument, sells, sell_excess, "sell"),
    )


def _side_margin(
    book: DerivativesBook, instrument: Instrument, orders: list[DerivativeOrder], excess: Decimal, side: str
) -> Decimal:
    if excess <= ZERO:
        return ZERO
    share = excess / sum((o.remaining for o in orders), ZERO)  # of each order's value: the part that adds
    if instrument.kind == "future":
        if instrument.is_inverse:
            coins = share * sum((o.remaining / o.price for o in orders if o.price), ZERO)
            notional = coins
        else:
            coins = excess
            notional = share * sum((o.remaining * o.price for o in orders if o.price), ZERO)
        initial_rate, _ = d.future_margin_rates(coins, book.rates)
        return notional * initial_rate
    if side == "buy":
        return share * sum((o.remaining * o.price for o in orders if o.price), ZERO)
    mark = book.mark_price(instrument.instrument_name)
    index = book.index_price(instrument.price_index)
    return d.margins(instrument, -excess, mark, index, book.rates).initial_margin


# -- changes --------------------------------------------------------------------------------------------------------


def place_order(
    book: DerivativesBook,
    user_id: str,
    instrument_name: str,
    direction: str,
    amount: Decimal,
    price: Decimal | None,
    *,
    subaccount_id: int | None = None,
    order_type: str = "limit",
    time_in_force: str = "good_til_cancelled",
    label: str = "",
    post_only: bool = False,
    reduce_only: bool = False,
    api: bool = True,
    max_show: Decimal | None = None,
    trigger: str | None = None,
    trigger_price: Decimal | None = None,
    order_id: str | None = None,
) -> DerivativeOrder:
    """A resting order for the user's (sub)account; the instrument is listed if new. It never matches."""
    if direction not in ("buy", "sell"):
        raise BookError("direction must be 'buy' or 'sell'")
    if order_type not in ORDER_TYPES:
        raise BookError(f"order_type must be one of {', '.join(ORDER_TYPES)}")
    if time_in_force not in TIMES_IN_FORCE:
        raise BookError(f"time_in_force must be one of {', '.join(TIMES_IN_FORCE)} (other orders do not rest)")
    bounded(amount, "amount", SMALLEST, MAX_AMOUNT)
    if order_type in MARKET_TYPES:
        if price is not None:
            raise BookError(f"a {order_type} order has no price")
    elif price is None:
        raise BookError(f"a {order_type} order needs a price")
    else:
        bounded(price, "price", MIN_PRICE, MAX_PRICE)
    if order_type == "limit":
        if trigger is not None or trigger_price is not None:
            raise BookError("a limit order has no trigger or trigger_price")
    else:
        if trigger not in TRIGGERS:
            raise BookError(f"a {order_type} order needs a trigger: one of {', '.join(TRIGGERS)}")
        if trigger_price is None:
            raise BookError(f"a {order_type} order needs a trigger_price")
        bounded(trigger_price, "trigger_price", MIN_PRICE, MAX_PRICE)
    if post_only and order_type in MARKET_TYPES:
        raise BookError("post_only applies to orders with a price")
    shown = amount if max_show is None else bounded(max_show, "max_show", ZERO, amount)
    if len(label) > MAX_LABEL:
        raise BookError(f"label must be at most {MAX_LABEL} characters")
    if order_id is not None and not 0 < len(order_id) <= MAX_ORDER_ID:
        raise BookError(f"order_id must be 1 to {MAX_ORDER_ID} characters")
    with book.lock:
        wallet = book.wallet(user_id, subaccount_id)
        instrument = book.list_instrument(instrument_name)
        step = instrument.min_trade_amount
        if amount % step != ZERO:
            raise BookError(f"amount must be a multiple of {step} for {instrument.instrument_name}")
        now = book.clock.now()
        expiration = instrument.expiration
        if expiration is not None and now >= expiration:
            raise BookError(f"{instrument.instrument_name} has expired", status=409)
        kept = _kept(book)
        if len(kept.orders) >= MAX_ORDERS:
            raise BookError(f"the mock keeps at most {MAX_ORDERS} orders (reset to start again)", status=409)
        if order_id is None:
            while str(kept.next_id) in kept.orders:
                kept.next_id += 1
            order_id = str(kept.next_id)
            kept.next_id += 1
        elif order_id in kept.orders:
            raise BookError(f"order id {order_id!r} is taken", status=409)
        order = DerivativeOrder(
            order_id=order_id,
            user_id=user_id,
            account_id=wallet.id,
            instrument_name=instrument.instrument_name,
            direction=direction,
            amount=amount,
            price=price,
            order_type=order_type,
            order_state="open" if order_type == "limit" else "untriggered",
            time_in_force=time_in_force,
            label=label,
            post_only=post_only,
            reduce_only=reduce_only,
            api=api,
            max_show=shown,
            trigger=trigger,
            trigger_price=trigger_price,
            created=now,
            updated=now,
        )
        kept.orders[order_id] = order
        kept.open.setdefault(wallet.id, {})[order_id] = None
        book.bus.publish(Change(CHANGE, user_id, order))
        return order


def cancel_order(book: DerivativesBook, order_id: str) -> DerivativeOrder:
    """Cancel an open order (`cancel_reason` user_request); it stays readable by id."""
    with book.lock:
        kept = book.orders
        order = kept.orders.get(order_id) if kept is not None else None
        if kept is None or order is None:
            raise BookError(f"unknown order_id {order_id!r}", status=404)
        if not order.is_open:
            raise BookError(f"order {order_id!r} is {order.order_state} already", status=409)
        cancelled = replace(order, order_state="cancelled", cancel_reason="user_request", updated=book.clock.now())
        kept.orders[order_id] = cancelled
        wallet_open = kept.open.get(order.account_id, {})
        wallet_open.pop(order_id, None)
        if not wallet_open:
            kept.open.pop(order.account_id, None)
        book.bus.publish(Change(CHANGE, order.user_id, cancelled))
        return cancelled


def _kept(book: DerivativesBook) -> DerivativeOrders:
    if book.orders is None:
        book.orders = DerivativeOrders()
    return book.orders


# -- reads ----------------------------------------------------------------------------------------------------------


def find_order(book: DerivativesBook, order_id: str) -> DerivativeOrder | None:
    """The order with this id, open or cancelled; None if the book has none."""
    with book.lock:
        return book.orders.orders.get(order_id) if book.orders is not None else None


def open_orders(
    book: DerivativesBook,
    wallet_id: int,
    *,
    currency: str | None = None,
    kind: str | None = None,
    instrument_name: str | None = None,
) -> list[DerivativeOrder]:
    """The wallet's open orders, in the order they were placed; `currency` filters on the settlement currency."""
    with book.lock:
        if book.orders is None:
            return []
        found = []
        for order in book.orders.of_wallet(wallet_id):
            instrument = book.instrument(order.instrument_name)
            if (
                instrument_name in (None, order.instrument_name)
                and currency in (None, instrument.settlement_currency)
                and kind in (None, instrument.kind)
            ):
                found.append(order)
        return found
