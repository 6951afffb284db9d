"""Deribit's mass quotes (`private/mass_quote`), declared once as a command and placed through the one order entry:
each side of each quote is a good-till-cancelled limit order of the wallet, tagged with the request's `quote_id`, its
`quote_set_id` and MMP group (orders.py's `QuoteTag`, which makes it an MMP order), resting on the shared book and
matching like any order.

The group must be configured (mmp.py: its configuration names its index) and not frozen, else the whole request is
refused. Each side is then judged on its own, its refusal one of the answer's `errors` while the others go on: its
instrument must be of the group's index; its size within the group's `max_quote_quantity` (with the group's other
quotes on that side of the instrument); it must not cross the group's own quote on the other side (the request's or
the one resting: Deribit's `order_overlap`). A group holds one quote per side per instrument: a new one amends the
resting one (order_entry.py's `edit_order`: smaller at the same price it keeps its place), its amount the new open
size, its tag the new request's.

A quote's own funds are not checked (Deribit skips a quote's risk checks): the group reserves 3% of its
`max_quote_quantity` as initial margin, which the wallet's available funds must cover when a request comes
(`_check_reserve`). Mass quotes count toward their group's market maker protection and are cancelled by its
trigger; the venue cancels those a websocket connection placed when it closes (cancel on disconnect, which a mass
quote requires).
"""

from __future__ import annotations

from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, ClassVar, NamedTuple

from mockexchange.core.commands import UserCommand, value
from mockexchange.core.deribit import mmp, order_entry, triggers
from mockexchange.core.deribit.bounds import ZERO, ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.deribit.kinds import ACCOUNT_ID, AMOUNT, INSTRUMENT, PRICE
from mockexchange.core.deribit.matching import crossing
from mockexchange.core.deribit.mmp_records import MmpConfig
from mockexchange.core.deribit.order_commands import DeribitOrder, EditDeribitOrder, PlaceDeribitOrder
from mockexchange.core.deribit.orders import DerivativeOrder, QuoteTag
from mockexchange.core.deribit.records import DeribitTrade
from mockexchange.core.money import plain
from mockexchange.core.stepping import DEEP, Footprint, restarting
from mockexchange.core.values import FLAG, Choice, Entries, Kind, Text

RESERVE = Decimal("0.03")  # of a group's max_quote_quantity, held as initial margin (Deribit's OpenAPI 2.1.1)
ONE = Decimal(1)
MAX_SIDES = 200  # sides one mass quote places (the mock's bound: 100 instruments both ways)
QUOTE_ID = Text(64)
SIDES = {"bid": "buy", "ask": "sell"}


class QuoteSide(NamedTuple):
    """One side of one quote: Deribit's `quotes[i].bid` or `.ask` with its instrument and quote set."""

    instrument_name: str
    side: str  # bid, ask
    price: Decimal
    amount: Decimal
    quote_set_id: str | None = None
    post_only: bool | None = None
    reject_post_only: bool | None = None


_SIDE_KINDS: dict[str, Kind[Any]] = {
    "instrument_name": INSTRUMENT, "side": Choice(tuple(SIDES)), "price": PRICE, "amount": AMOUNT,
    "quote_set_id": QUOTE_ID, "post_only": FLAG, "reject_post_only": FLAG,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class PlaceDeribitQuotes(UserCommand):
    """A mass quote of the wallet's MMP group: each side placed, or amending the group's quote there."""

    name: ClassVar[str] = "deribit_mass_quote"
    quote_id: str = value(QUOTE_ID)
    mmp_group: str = value(mmp.GROUP)
    quotes: tuple[QuoteSide, ...] = value(Entries(QuoteSide, _SIDE_KINDS, MAX_SIDES, "quote sides"))
    subaccount_id: int | None = value(ACCOUNT_ID, None)


class SideRefused(NamedTuple):
    instrument_name: str
    side: str
    error: ExchangeError


@dataclass(slots=True)
class Quoted:
    """What a mass quote did: each side's order as it left it, their trades, and the sides refused."""

    orders: list[DerivativeOrder]
    trades: list[DeribitTrade]
    errors: list[SideRefused]


@restarting
def mass_quote(exchange: DeribitExchange, given: PlaceDeribitQuotes) -> Quoted:
    """Place or amend each side (module docstring); long (core/stepping.py) over the instruments quoted if a side's
    cross may reach more than a short command's orders."""
    with exchange.lock, ExitStack() as long:
        wallet = exchange.accounts.wallet(given.user_id, given.subaccount_id)
        config = mmp.group_config(exchange, wallet.id, given.mmp_group)
        if config is None:
            said = f"MMP group {given.mmp_group!r} has no configuration (private/set_mmp_config with mmp_group)"
            raise ExchangeError(said, status=409, reason=mmp.REFUSED, param="mmp_group")
        listed = {side.instrument_name: _listed(exchange, side.instrument_name) for side in given.quotes}
        mmp.check_frozen(exchange, config.key)
        _check_reserve(exchange, given.user_id, wallet.id, config, listed)
        if _deep(exchange, given, listed):
            names = {name for name, instrument in listed.items() if instrument is not None}
            long.enter_context(exchange.lock.long(Footprint(None, frozenset(names))))
        made = Quoted([], [], [])
        named = {(side.instrument_name, side.side): side.price for side in given.quotes}  # (the last of each)
        for side in given.quotes:
            try:
                order, trades = _quote_side(exchange, given, config, listed[side.instrument_name], side, named)
            except ExchangeError as error:
                made.errors.append(SideRefused(side.instrument_name, side.side, error))
            else:
                made.orders.append(order)
                made.trades.extend(trades)
        return made


def _check_reserve(
    exchange: DeribitExchange, user_id: str, wallet_id: int, config: MmpConfig, listed: dict[str, Instrument | None]
) -> None:
    """The group's margin reserve, once for the whole request: Deribit skips a quote's own risk checks, its group
    reserving `RESERVE` of its `max_quote_quantity` as initial margin. The wallet's available funds in each
    settlement currency quoted must cover it (in coins; in USDC at the index for a linear instrument)."""
    mqq = config.max_quote_quantity if config.max_quote_quantity is not None else ZERO
    for currency, instrument in {i.settlement_currency: i for i in listed.values() if i is not None}.items():
        if instrument.price_index != config.index_name:
            continue
        need = RESERVE * mqq * (ONE if instrument.is_inverse else exchange.market.index_price(instrument.price_index))
        available = exchange.valuation.account_summary(user_id, currency, wallet_id).available_funds
        if available < need:
            said = f"the group's reserve ({RESERVE:%} of max_quote_quantity) needs {plain(need)} {currency}"
            raise ExchangeError(f"{said}; {plain(available)} is available", reason="not_enough_funds")


def _listed(exchange: DeribitExchange, name: str) -> Instrument | None:
    try:
        return exchange.market.instrument(name)
    except ExchangeError:
        return None


def _deep(exchange: DeribitExchange, given: PlaceDeribitQuotes, listed: dict[str, Instrument | None]) -> bool:
    """Whether a side's cross may reach more than `DEEP` resting orders (matching.py's `crossing` would run long):
    never while the books quoted hold no more than that together."""
    kept = exchange.state.orders
    books = [] if kept is None else [kept.books.get(name) for name in listed]
    if sum(len(book) for book in books if book is not None) <= DEEP:
        return False
    for side in given.quotes:
        instrument = listed[side.instrument_name]
        if instrument is None or side.post_only:
            continue
        direction = SIDES[side.side]
        try:
            reach = crossing(exchange, instrument, given.user_id, direction, side.amount, side.price)
        except ExchangeError:
            continue  # (off the grid: that side's refusal)
        if not isinstance(reach, nullcontext):
            return True
    return False


def _quote_side(
    exchange: DeribitExchange, given: PlaceDeribitQuotes, config: MmpConfig, instrument: Instrument | None,
    side: QuoteSide, named: dict[tuple[str, str], Decimal],
) -> tuple[DerivativeOrder, list[DeribitTrade]]:  # fmt: skip
    if instrument is None:
        said = f"no listed instrument {side.instrument_name!r}"
        raise ExchangeError(said, reason="invalid_or_unsupported_instrument")
    group, wallet_id = given.mmp_group, config.wallet_id
    if instrument.price_index != config.index_name:
        name, index = instrument.instrument_name, instrument.price_index
        said = f"MMP group {group!r} quotes {config.index_name}; {name} is of {index}"
        raise ExchangeError(said, reason="invalid_or_unsupported_instrument")
    direction = SIDES[side.side]
    resting = _group_quotes(exchange, wallet_id, instrument.instrument_name, group)
    _check_overlap(named, instrument, side, resting)
    kept = resting.get(direction)
    coins = mmp.coins_of(instrument, side.amount, side.price)
    mmp.check_placing(exchange, wallet_id, instrument, group, direction, coins, kept.order_id if kept else None)
    tag = QuoteTag(given.quote_id, side.quote_set_id or "", group)
    if kept is None:
        order = PlaceDeribitOrder(
            given.user_id, instrument.instrument_name, direction, side.amount, side.price,
            subaccount_id=given.subaccount_id, post_only=bool(side.post_only),
            reject_post_only=bool(side.reject_post_only),
        )  # fmt: skip
        return order_entry.submit_order(exchange, order, quote=tag)
    return _amend(exchange, kept, tag, side)


def _amend(
    exchange: DeribitExchange, kept: DerivativeOrder, tag: QuoteTag, side: QuoteSide
) -> tuple[DerivativeOrder, list[DeribitTrade]]:
    """The group's resting quote amended to the side: its open size the side's amount, its price the side's, its tag
    the new request's (restored if the edit is refused)."""
    orders = exchange.state.orders
    assert orders is not None
    # (the edit publishes the order as it leaves it, tagged; a tag is nothing the open orders' sums count)
    orders.orders[kept.order_id] = replace(kept, quote=tag)
    edit = EditDeribitOrder(
        kept.order_id, kept.filled_amount + side.amount, side.price, post_only=side.post_only,
        reject_post_only=side.reject_post_only,
    )  # fmt: skip
    try:
        return order_entry.edit_order(exchange, edit)
    except ExchangeError:
        orders.orders[kept.order_id] = kept
        raise


def _group_quotes(exchange: DeribitExchange, wallet_id: int, name: str, group: str) -> dict[str, DerivativeOrder]:
    """The group's open quotes on the instrument, by direction."""
    orders = exchange.state.orders
    resting = [] if orders is None else orders.of_wallet(wallet_id, name)
    return {order.direction: order for order in resting if order.quote is not None and order.quote.mmp_group == group}


def _check_overlap(
    named: dict[tuple[str, str], Decimal], instrument: Instrument, side: QuoteSide, resting: dict[str, DerivativeOrder]
) -> None:
    """The side must not cross the group's quote on the other side of the instrument: the request's if it names one
    (`named`: each side's price, by instrument), else the one resting."""
    other = "ask" if side.side == "bid" else "bid"
    price: Decimal | None = named.get((side.instrument_name, other))
    if price is None:
        held = resting.get(SIDES[other])
        price = held.price if held is not None else None
    if price is None:
        return
    bid, ask = (side.price, price) if side.side == "bid" else (price, side.price)
    if bid >= ask:
        said = f"the {side.side} at {side.price:f} would cross the group's own {other} at {price:f}"
        said += f" on {instrument.instrument_name}"
        raise ExchangeError(said, status=409, reason="order_overlap")


def fired(exchange: DeribitExchange, made: Quoted) -> Quoted:
    """The mass quote once what its fills made due has fired (triggers, then market maker protection, which may
    cancel its own quotes): each order as the exchange keeps it then."""
    triggers.fire(exchange)
    mmp.settle(exchange)
    orders = [order_entry.find_order(exchange, order.order_id) or order for order in made.orders]
    return Quoted(orders, made.trades, made.errors)


def check_mmp_order(exchange: DeribitExchange, order: DeribitOrder) -> None:
    """An order placed with `mmp: true`: a limit order, its index's MMP orders not frozen, within their
    `max_quote_quantity`."""
    if order.order_type != "limit":
        raise ExchangeError("mmp applies to limit orders only", param="mmp")
    with exchange.lock:
        wallet = exchange.accounts.wallet(order.user_id, order.subaccount_id)
        instrument = exchange.market.list_instrument(order.instrument_name)
        amount = mmp.coins_of(instrument, order.amount, order.price)
        mmp.check_placing(exchange, wallet.id, instrument, None, order.direction, amount)


def check_mmp_edit(exchange: DeribitExchange, edit: EditDeribitOrder) -> None:
    """An edit of an MMP order, or one making an order MMP's: as a new one (`check_mmp_order`), itself not counted."""
    with exchange.lock:
        order = order_entry.find_order(exchange, edit.order_id)
        if order is None or not (order.mmp or edit.mmp) or edit.mmp is False or order.quote is not None:
            return
        if order.order_type != "limit":
            raise ExchangeError("mmp applies to limit orders only", param="mmp")
        instrument = exchange.market.instrument(order.instrument_name)
        amount = mmp.coins_of(instrument, edit.amount - order.filled_amount, edit.price)
        mmp.check_placing(exchange, order.account_id, instrument, None, order.direction, amount, order.order_id)
