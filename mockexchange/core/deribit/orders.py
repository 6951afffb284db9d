"""Resting Deribit orders, as the exchange keeps them, and the margin they hold.

The exchange keeps them (`ExchangeState.orders`, a `DerivativeOrders` made with the first order) and calls back here for
the margin of a position's open orders and of a wallet's (reading the exchange through `Marks` and `Positions`); they
are placed, cancelled and read through order_entry.py, under the exchange's lock.

Limit and market orders match on the venue-neutral book (core/book.py; one `Book` per instrument in `books`, its prices
in ticks and sizes in units of the instrument's minimum amount; matching.py). A limit order that rests stays `open`
until it is filled or cancelled; a stop, take or trailing stop order stays `untriggered` (outside the book) until its
trigger fires (triggers.py) or it is cancelled, as does a linked order's secondary waiting for its primary (linked.py:
`is_secondary_oto`, watching no price). A wallet holds at most `MAX_OPEN_PER_INSTRUMENT` open orders on one instrument.
Filled, cancelled and rejected orders leave the open ones for the wallet's closed orders, readable by id
(`private/get_order_state`) and in the order history while their account keeps them: each account (its main account
and subaccounts together) keeps its newest `history_size` closed orders (the exchange's; wallet_history.py), the
oldest dropped.

Open orders' margin (the mock's simple rule, docs/deribit.md "Margins and leverage"): per wallet and instrument, over
its open limit orders that are not `reduce_only` (untriggered orders hold none), each side (buys, sells) holds the
initial margin of the part of its remaining amount that would add to the position (a buy beyond the short position, a
sell beyond the long one); `open_orders_margin` is the larger side's. A side's part is valued at its orders' prices:
futures as a position of that size (`notional * initial rate`, the notional `amount / price` coin for inverse futures,
`amount * price` USDC for linear ones), option buys as the premium (`amount * price`), option sells as a short
option's initial margin at the mark.

The sums a side's margin reads (its remaining amount, value and coins) are kept per wallet, instrument and side as
orders open, change and close (`Held`, `Lots`, exact), so an order's margin, and a wallet's, costs one step per
instrument the wallet has open orders on, however many orders it has there.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Context, Decimal
from typing import Protocol

from mockexchange.core.book import Book
from mockexchange.core.deribit import derivatives as d
from mockexchange.core.deribit.bounds import ZERO
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.deribit.records import PositionState
from mockexchange.core.deribit.wallet_history import WalletHistory

CHANGE = "derivatives.order"  # the kind of the Change each order change publishes
ORDER_TYPES = ("limit", "stop_limit", "take_limit", "stop_market", "take_market", "trailing_stop")
MARKET_TYPES = ("stop_market", "take_market", "trailing_stop")  # no price: "market_price" on the wire
TIMES_IN_FORCE = ("good_til_cancelled", "good_til_day")  # what can rest (fill_or_kill and immediate_or_cancel cannot)
# What matches when placed (the others wait for their trigger); a market_limit becomes the limit at its first price.
TAKING_TYPES = ("limit", "market", "market_limit")
ALL_TIMES_IN_FORCE = (*TIMES_IN_FORCE, "fill_or_kill", "immediate_or_cancel")
TRIGGERS = ("index_price", "mark_price", "last_price")
# (kind, direction) that fires at or above its trigger price (a trailing stop fires as a stop)
RISING = {("stop", "buy"), ("take", "sell"), ("trailing", "buy")}
OPEN_STATES = ("open", "untriggered")
# Why a client's cancel ended an order: its request, its websocket closing with cancel on disconnect, or a market maker
# protection trigger of its index or group (mmp.py).
CANCEL_REASONS = ("user_request", "cancel_on_disconnect", "mmp_trigger")
MAX_LABEL = 64  # characters of a label (Deribit's limit)
MAX_ORDER_ID = 64  # characters of an order id given by the caller
# A wallet's open orders on one instrument: an order that may rest is refused past it, with the error clients report
# from Deribit (11020 max_open_orders_per_instrument); Deribit's number is set per account and not published (500 is
# what a Rust client library carries). Closed orders are kept per account up to the exchange's `history_size`
# (wallet_history.py).
MAX_OPEN_PER_INSTRUMENT = 500
# An account's open orders, its main wallet's and its subaccounts' together on every instrument: the mock's own bound
# (the per-instrument one above multiplies by the instruments listed and by the 100 subaccounts a client may open
# itself: 858,500 orders of about 1 KB each on the default instruments). Past it an order that may rest is refused
# with Deribit's error for too many open orders in total (10013 pme_max_total_open_orders), as Kalshi's accounts rest
# at most 100,000.
MAX_OPEN_PER_ACCOUNT = 100_000
# The sums of open orders' margin (`Lots`) are kept in this context: an order's amount over its price to COIN_PLACE
# (35 digits or more of any quotient the bounds allow), and every sum of them, of amounts and of values, is exact.
_WIDE = Context(prec=90)
COIN_PLACE = Decimal("1e-50")


def rises(order: DerivativeOrder) -> bool:
    """Whether a stop or take order fires on a price at or above its trigger price (a stop buy, a take sell), rather
    than at or below it (a stop sell, a take buy), as Deribit's trigger words say."""
    return (order.order_type.split("_")[0], order.direction) in RISING


class Marks(Protocol):
    """What the margin of open orders reads of the exchange's market (market.py): instruments, marks, rates."""

    @property
    def rates(self) -> d.MarginRates: ...

    def instrument(self, name: str) -> Instrument: ...

    def mark_price(self, instrument_name: str) -> Decimal: ...

    def index_price(self, index_name: str) -> Decimal: ...


class Positions(Protocol):
    """What the margin of a wallet's open orders reads of its positions (the exchange's valuation.py)."""

    def position_state(self, user_id: str, instrument_name: str, subaccount_id: int | None = None) -> PositionState: ...


@dataclass(frozen=True, slots=True)
class QuoteTag:
    """What makes an order a mass quote's (quotes.py): the request's `quote_id`, its `quote_set_id`, its MMP group."""

    quote_id: str
    quote_set_id: str
    mmp_group: str


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
    # A trailing stop: how far its trigger price follows the best price its trigger saw, and that price when placed.
    trigger_offset: Decimal | None = None
    trigger_reference_price: Decimal | None = None
    original_order_type: str | None = None  # market_limit: placed as one, kept as the limit it became
    # Linked orders (linked.py): the primary's type and fill condition, its secondaries' ids (`oto_order_ids`); a
    # secondary's primary, and whether it waits for it still (`is_secondary_oto`: held off the book and the triggers);
    # the reference the two orders of a one-cancels-other pair share.
    linked_order_type: str | None = None
    trigger_fill_condition: str | None = None
    oto_order_ids: tuple[str, ...] = ()
    primary_order_id: str | None = None
    is_secondary_oto: bool = False
    is_primary_otoco: bool = False
    oco_ref: str | None = None
    # An order of an `incremental` link whose amount the link moves (a secondary, an OCO pair's order): its amount as
    # linked, the whole its proportions are of, and the part the link has given it so far (linked.py).
    linked_amount: Decimal | None = None
    linked_part: Decimal = ZERO
    mmp: bool = False  # counts toward, and is cancelled by, market maker protection (mmp.py): `mmp: true`, a quote
    quote: QuoteTag | None = None  # a mass quote's (quotes.py)

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.filled_amount

    @property
    def is_open(self) -> bool:
        return self.order_state in OPEN_STATES


@dataclass(slots=True)
class Lots:
    """What one side of a wallet's open orders on one instrument holds together, as `side_margin` reads it: their
    remaining amounts, values (amount x price) and coins (amount / price, each to `COIN_PLACE`), each summed in a
    context wide enough that no sum rounds: taking an order out leaves exactly what a rescan of the others sums."""

    amount: Decimal = ZERO
    value: Decimal = ZERO
    coins: Decimal = ZERO

    def add(self, amount: Decimal, price: Decimal, sign: int = 1) -> None:
        """Count a lot of `amount` at `price` in (`sign` -1: out)."""
        if sign < 0:
            amount = -amount
        self.amount = _WIDE.add(self.amount, amount)
        self.value = _WIDE.add(self.value, _WIDE.multiply(amount, price))
        self.coins = _WIDE.add(self.coins, _WIDE.divide(amount, price).quantize(COIN_PLACE, context=_WIDE))

    @classmethod
    def of(cls, lots: Iterable[tuple[Decimal, Decimal]]) -> Lots:
        """The sums of (amount, price) lots, counted afresh."""
        made = cls()
        for amount, price in lots:
            made.add(amount, price)
        return made


@dataclass(slots=True)
class Held:
    """One wallet's open orders on one instrument: their ids in the order placed, and what the ones that hold margin
    (open, not reduce-only, with a price) hold on each side."""

    ids: dict[str, None] = field(default_factory=dict)
    buys: Lots = field(default_factory=Lots)
    sells: Lots = field(default_factory=Lots)


@dataclass(slots=True)
class DerivativeOrders:
    """Every order kept, by id (the open ones, and the closed ones their accounts still keep); the open ones by wallet,
    and by wallet and instrument with the sums their margin is read from; what they may still trade per wallet; each
    wallet's closed orders; the next id to draw. Every change of an order goes through `put` (open) or `close`."""

    orders: dict[str, DerivativeOrder] = field(default_factory=dict)
    open: dict[int, dict[str, None]] = field(default_factory=dict)  # wallet id -> its open orders' ids, in order
    held: dict[int, dict[str, Held]] = field(default_factory=dict)  # wallet id -> instrument -> its open orders there
    reserved: dict[int, Decimal] = field(default_factory=dict)  # wallet id -> its open orders' remaining amounts
    closed: WalletHistory[str] = field(default_factory=WalletHistory)  # each wallet's closed orders' ids, oldest first
    # (instrument, trigger, rising) -> its untriggered orders as (the trigger price, negated if falling, created, id),
    # sorted: those whose watched price is reached come first (`due`), every account's
    waiting: dict[tuple[str, str, bool], list[tuple[Decimal, datetime, str]]] = field(default_factory=dict)
    # (instrument, trigger) -> its untriggered trailing stops' ids (their trigger prices follow the price: triggers.py)
    trailing: dict[tuple[str, str], dict[str, None]] = field(default_factory=dict)
    # the ids of the orders whose links are still to settle (a primary's waiting secondaries, a live OCO pair)
    linked: dict[str, None] = field(default_factory=dict)
    pairs: dict[str, tuple[str, str]] = field(default_factory=dict)  # an OCO pair's reference -> its two orders' ids
    next_id: int = 1
    books: dict[str, Book] = field(default_factory=dict)  # instrument -> its open limit orders, every account's

    def book_of(self, instrument_name: str) -> Book:
        book = self.books.get(instrument_name)
        if book is None:
            book = self.books[instrument_name] = Book()
        return book

    def open_on(self, wallet_id: int, instrument_name: str) -> int:
        """How many open orders the wallet has on the instrument."""
        here = self.held.get(wallet_id, {}).get(instrument_name)
        return 0 if here is None else len(here.ids)

    def open_in(self, wallet_ids: Iterable[int]) -> int:
        """How many open orders the wallets have, on every instrument (a look-up a wallet)."""
        return sum(len(self.open.get(wallet_id, ())) for wallet_id in wallet_ids)

    def put(self, order: DerivativeOrder) -> None:
        """Keep `order` (open or untriggered), placed or changed (it keeps its place among the open ones): its sums
        follow it."""
        wallet_id = order.account_id
        here = self.held.setdefault(wallet_id, {}).setdefault(order.instrument_name, Held())
        old = self.orders.get(order.order_id)
        if old is not None and old.is_open:  # an order never changes wallet or instrument
            self._count(old, here, -1)
        else:
            self.open.setdefault(wallet_id, {})[order.order_id] = None
            here.ids[order.order_id] = None
        self.orders[order.order_id] = order
        self._count(order, here, 1)

    def close(self, order: DerivativeOrder, size: int) -> None:
        """Keep `order` (filled, cancelled or rejected) as its wallet's newest closed order, out of the open ones and
        its book; its account's oldest closed orders past `size` are dropped (their ids are unknown after)."""
        was = self.orders.get(order.order_id)
        self._release(order.order_id)
        self.orders[order.order_id] = order
        book = self.books.get(order.instrument_name)
        if book is not None and order.order_id in book:
            book.cancel(order.order_id)
        if was is None or was.is_open:  # newly closed (an order closed already is only written again)
            for dropped in self.closed.add(order.user_id, order.account_id, order.order_id, size):
                del self.orders[dropped]

    def _release(self, order_id: str) -> None:
        """Take the open order `order_id`, if it is one, out of the open ones and their sums."""
        old = self.orders.get(order_id)
        if old is None or not old.is_open:
            return
        wallet_id, name = old.account_id, old.instrument_name
        instruments = self.held[wallet_id]
        here = instruments[name]
        self._count(old, here, -1)
        del here.ids[order_id]
        if not here.ids:
            del instruments[name]
        wallet_open = self.open[wallet_id]
        del wallet_open[order_id]
        if not wallet_open:
            del self.open[wallet_id], self.held[wallet_id], self.reserved[wallet_id]

    def _count(self, order: DerivativeOrder, here: Held, sign: int) -> None:
        wallet_id = order.account_id
        self.reserved[wallet_id] = self.reserved.get(wallet_id, ZERO) + sign * order.remaining
        if order.order_state == "open" and not order.reduce_only and order.price is not None:
            (here.buys if order.direction == "buy" else here.sells).add(order.remaining, order.price, sign)
        elif order.is_secondary_oto:
            return  # (held for its primary: it watches no price yet)
        elif order.order_state == "untriggered" and order.trigger is not None and order.trigger_price is not None:
            if order.trigger_offset is not None:
                trailing = self.trailing.setdefault((order.instrument_name, order.trigger), {})
                if sign > 0:
                    trailing[order.order_id] = None
                else:
                    del trailing[order.order_id]
                    if not trailing:
                        del self.trailing[(order.instrument_name, order.trigger)]
            rising = rises(order)
            group = self.waiting.setdefault((order.instrument_name, order.trigger, rising), [])
            entry = (order.trigger_price if rising else -order.trigger_price, order.created, order.order_id)
            if sign > 0:
                insort(group, entry)
            else:
                del group[bisect_left(group, entry)]
                if not group:
                    del self.waiting[(order.instrument_name, order.trigger, rising)]

    def due(self, watched: Callable[[str, str], Decimal | None]) -> list[DerivativeOrder]:
        """Every untriggered order whose watched price (`watched(instrument, trigger)`, None: none yet) is reached:
        one look per instrument and trigger, and one step per order due."""
        found = []
        for (name, trigger, rising), group in self.waiting.items():
            price = watched(name, trigger)
            if price is None:
                continue
            reached = price if rising else -price
            for key, _, order_id in group:
                if key > reached:
                    break
                found.append(self.orders[order_id])
        return found

    def of_wallet(self, wallet_id: int, instrument_name: str | None = None) -> list[DerivativeOrder]:
        """The wallet's open orders (on one instrument, if named), in the order they were placed."""
        if instrument_name is None:
            ids: Iterable[str] = self.open.get(wallet_id, ())
        else:
            here = self.held.get(wallet_id, {}).get(instrument_name)
            ids = () if here is None else here.ids
        return [self.orders[order_id] for order_id in ids]

    def closed_of(self, wallet_id: int) -> list[DerivativeOrder]:
        """The wallet's closed orders it still keeps, oldest closed first."""
        return [self.orders[order_id] for order_id in self.closed.of_wallet(wallet_id)]

    def expire(
        self, instrument_name: str, when: datetime, size: int, step: Callable[[], None] | None = None
    ) -> list[DerivativeOrder]:
        """Cancel the open orders on an instrument delivered at `when` (`cancel_reason` session_end: its last session
        is over); the cancelled orders, for the exchange to publish. `step`: a long command's (core/stepping.py)."""
        ending = [
            self.orders[order_id]
            for instruments in self.held.values()
            if (here := instruments.get(instrument_name)) is not None
            for order_id in here.ids
        ]
        ended = []
        for order in ending:
            if step is not None:
                step()
            cancelled = replace(order, order_state="cancelled", cancel_reason="session_end", updated=when)
            self.close(cancelled, size)
            ended.append(cancelled)
        self.books.pop(instrument_name, None)
        return ended

    def margin(
        self,
        marks: Marks,
        positions: Positions,
        user_id: str,
        wallet_id: int,
        instrument_name: str | None = None,
        currency: str | None = None,
    ) -> Decimal:
        """The initial margin the wallet's open orders hold: on one instrument, or on every instrument settled in
        `currency` (the exchange's hooks: a position's `open_orders_margin`, the account summary's initial margin). One
        step per instrument the wallet has open orders on, whatever their number."""
        instruments = self.held.get(wallet_id, {})
        names = instruments if instrument_name is None else (instrument_name,)
        total = ZERO
        for name in names:
            here = instruments.get(name)
            if here is None:
                continue
            instrument = marks.instrument(name)
            if currency in (None, instrument.settlement_currency):
                size = positions.position_state(user_id, name, wallet_id).position.size
                total += lots_margin(marks, instrument, size, here.buys, here.sells)
        return total


# -- margin ---------------------------------------------------------------------------------------------------------


def instrument_margin(marks: Marks, instrument: Instrument, size: Decimal, orders: list[DerivativeOrder]) -> Decimal:
    """`open_orders_margin` of one instrument's open orders, the position being `size` (module docstring), counted
    afresh from the orders."""
    held = [o for o in orders if o.order_state == "open" and not o.reduce_only and o.price is not None]
    buys = Lots.of((o.remaining, o.price) for o in held if o.direction == "buy" and o.price is not None)
    sells = Lots.of((o.remaining, o.price) for o in held if o.direction == "sell" and o.price is not None)
    return lots_margin(marks, instrument, size, buys, sells)


def lots_margin(marks: Marks, instrument: Instrument, size: Decimal, buys: Lots, sells: Lots) -> Decimal:
    """The larger side's margin."""
    return max(side_margin(marks, instrument, size, buys, "buy"), side_margin(marks, instrument, size, sells, "sell"))


def side_margin(marks: Marks, instrument: Instrument, size: Decimal, lots: Lots, side: str) -> Decimal:
    """The initial margin `lots` on one side hold with the position at `size`: that of the part that adds to the
    position (private/get_margins asks it of one lot)."""
    total = lots.amount
    excess = total - (max(ZERO, -size) if side == "buy" else max(ZERO, size))
    if excess <= ZERO:
        return ZERO
    share = excess / total  # of each lot's value: the part that adds
    if instrument.kind == "future":
        if instrument.is_inverse:
            coins = share * lots.coins
            notional = coins
        else:
            coins = excess
            notional = share * lots.value
        initial_rate, _ = d.future_margin_rates(coins, marks.rates)
        return notional * initial_rate
    if side == "buy":
        return share * lots.value
    mark = marks.mark_price(instrument.instrument_name)
    index = marks.index_price(instrument.price_index)
    return d.margins(instrument, -excess, mark, index, marks.rates).initial_margin
