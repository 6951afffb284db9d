"""Resting Deribit orders, as the book keeps them, and the margin they hold.

The book keeps them (`DerivativesBook.orders`, a `DerivativeOrders` made with the first order) and calls back here for
the margin of a position's open orders and of a wallet's (reading the book through `Marks`); they are placed,
cancelled and read through order_entry.py, under the book's lock.

Limit and market orders match on the venue-neutral book (core/book.py; one `Book` per instrument in `books`, its prices
in ticks and sizes in units of the instrument's minimum amount; matching.py). A limit order that rests stays `open`
until it is filled or cancelled; a stop or take order stays `untriggered` (outside the book) until its trigger fires
(triggers.py) or it is cancelled; filled and cancelled orders stay readable by id (`private/get_order_state`).

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
from typing import Protocol

from mockexchange.core.book import Book
from mockexchange.core.deribit import derivatives as d
from mockexchange.core.deribit.bounds import ZERO
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.deribit.records import PositionState

CHANGE = "derivatives.order"  # the kind of the Change each order change publishes
ORDER_TYPES = ("limit", "stop_limit", "take_limit", "stop_market", "take_market")
MARKET_TYPES = ("stop_market", "take_market")  # no price: "market_price" on the wire
TIMES_IN_FORCE = ("good_til_cancelled", "good_til_day")  # what can rest (fill_or_kill and immediate_or_cancel cannot)
TAKING_TYPES = ("limit", "market")  # what matches when placed (the others wait for their trigger)
ALL_TIMES_IN_FORCE = (*TIMES_IN_FORCE, "fill_or_kill", "immediate_or_cancel")
TRIGGERS = ("index_price", "mark_price", "last_price")
OPEN_STATES = ("open", "untriggered")
MAX_LABEL = 64  # characters of a label (Deribit's limit)
MAX_ORDER_ID = 64  # characters of an order id given by the caller
MAX_ORDERS = 100_000  # orders kept at once (open and cancelled), every account's; reset to start again


class Marks(Protocol):
    """What the margin of open orders reads of the book (`DerivativesBook`): instruments, positions, marks, rates."""

    rates: d.MarginRates

    def instrument(self, name: str) -> Instrument: ...

    def position_state(self, user_id: str, instrument_name: str, subaccount_id: int | None = None) -> PositionState: ...

    def mark_price(self, instrument_name: str) -> Decimal: ...

    def index_price(self, index_name: str) -> Decimal: ...


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
    order_state: str  # open, untriggered, filled, cancelled, rejected (a triggered order its funds no longer cover)
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
    commission: Decimal = ZERO  # the fees of its fills so far
    profit_loss: Decimal = ZERO  # what its fills realized so far
    reject_post_only: bool = False
    replaced: bool = False  # edited at least once (private/edit)
    triggered: bool = False  # a stop or take order whose trigger price was reached (triggers.py)

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
    books: dict[str, Book] = field(default_factory=dict)  # instrument -> its open limit orders, every account's

    def book_of(self, instrument_name: str) -> Book:
        book = self.books.get(instrument_name)
        if book is None:
            book = self.books[instrument_name] = Book()
        return book

    def close(self, order: DerivativeOrder) -> None:
        """Keep `order` (filled or cancelled) and take it out of its wallet's open orders and its book."""
        self.orders[order.order_id] = order
        wallet_open = self.open.get(order.account_id, {})
        wallet_open.pop(order.order_id, None)
        if not wallet_open:
            self.open.pop(order.account_id, None)
        book = self.books.get(order.instrument_name)
        if book is not None and order.order_id in book:
            book.cancel(order.order_id)

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
        self.books.pop(instrument_name, None)
        return ended

    def margin(
        self,
        book: Marks,
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


def instrument_margin(book: Marks, instrument: Instrument, size: Decimal, orders: list[DerivativeOrder]) -> Decimal:
    """`open_orders_margin` of one instrument's open orders, the position being `size` (module docstring)."""
    held = [o for o in orders if o.order_state == "open" and not o.reduce_only and o.price is not None]
    buys = [(o.remaining, o.price) for o in held if o.direction == "buy"]
    sells = [(o.remaining, o.price) for o in held if o.direction == "sell"]
    return max(side_margin(book, instrument, size, buys, "buy"), side_margin(book, instrument, size, sells, "sell"))


def side_margin(
    book: Marks, instrument: Instrument, size: Decimal, lots: list[tuple[Decimal, Decimal]], side: str
) -> Decimal:
    """The initial margin `lots` (amount, price) on one side hold with the position at `size`: that of the part that
    adds to the position (private/get_margins asks it of one lot)."""
    total = sum((amount for amount, _ in lots), ZERO)
    excess = total - (max(ZERO, -size) if side == "buy" else max(ZERO, size))
    if excess <= ZERO:
        return ZERO
    share = excess / total  # of each lot's value: the part that adds
    if instrument.kind == "future":
        if instrument.is_inverse:
            coins = share * sum((amount / price for amount, price in lots), ZERO)
            notional = coins
        else:
            coins = excess
            notional = share * sum((amount * price for amount, price in lots), ZERO)
        initial_rate, _ = d.future_margin_rates(coins, book.rates)
        return notional * initial_rate
    if side == "buy":
        return share * sum((amount * price for amount, price in lots), ZERO)
    mark = book.mark_price(instrument.instrument_name)
    index = book.index_price(instrument.price_index)
    return d.margins(instrument, -excess, mark, index, book.rates).initial_margin
