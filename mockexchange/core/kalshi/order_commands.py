"""A Kalshi account's order commands, declared once (core/commands.py): placed (one or a batch), cancelled (one, a
batch, all), amended and decreased. The venue's v2 and legacy routes, the admin API, the Python API, scenario steps and
the state file build these; the ledger's handlers (order_handlers.py, trading.py) take them.

Amounts are the core's units (units.py): a count in hundredths of a contract, a price in ten-thousandths of a dollar
(the YES price), a cost cap in micro-dollars; their plain values are Kalshi's decimal strings ("10", "0.56", "12.50").
`side` is v2's `bid` or `ask` on the YES book, or the legacy API's `yes` or `no` with its `action`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from mockexchange.core.commands import Items, UserCommand, value
from mockexchange.core.kalshi.checks import MAX_EXCHANGE_INDEX, MAX_SUBACCOUNT
from mockexchange.core.kalshi.orders import LIMIT, MAX_BATCH, ORDER_TYPES, SELF_TRADE_TYPES, TIME_IN_FORCE
from mockexchange.core.kalshi.positions import ACTIONS, SIDES
from mockexchange.core.kalshi.units import COUNT_PLACES, DOLLAR, DOLLAR_PLACES, PRICE_PLACES, contracts, dollar_units
from mockexchange.core.money import (
    MAX_CENTS,
    MAX_COUNT,
    MoneyError,
    parse_decimal,
    parse_price_units,
    parse_scaled,
    shown,
)
from mockexchange.core.values import (
    EARLIEST_EXCHANGE_TIME,
    FLAG,
    TEXT,
    Choice,
    Integer,
    Kind,
    Scaled,
    UnixTime,
)

BOOK_SIDES = {"bid": ("yes", "buy"), "ask": ("yes", "sell")}  # Kalshi's v2 side, as the legacy side and action
NO_EXPIRATION = EARLIEST_EXCHANGE_TIME  # an amend's expiration_time 0: none (omitted: as it is)

_COUNT_WORDS = f"at most 2 places, at most {MAX_COUNT} contracts"
_MOST_COUNT = int(MAX_COUNT) * 10**COUNT_PLACES
_MOST_CAP = Decimal(MAX_CENTS) / 100


def _count(least: int) -> Scaled:
    """Hundredths of a contract, from `least` hundredths."""
    return Scaled(
        lambda text, name: parse_scaled(text, name, COUNT_PLACES, _COUNT_WORDS), COUNT_PLACES, least, _MOST_COUNT,
        f"from {contracts(least)} to {MAX_COUNT} contracts",
    )  # fmt: skip


def _cap(text: Any, name: str) -> int:
    """Dollars of at most 2 places, in micro-dollars (its range checked before: no unit is made of 1e999999)."""
    cap = parse_decimal(text, name, 2, f"0.01 to {_MOST_CAP} dollars, at most 2 places")
    if not Decimal("0.01") <= cap <= _MOST_CAP:
        raise MoneyError(f"{name} must be from 0.01 to {_MOST_CAP} dollars, not {shown(text)}")
    return dollar_units(cap)


COUNT = _count(1)
LEAST_COUNT = _count(0)  # a decrease to nothing
PRICE = Scaled(parse_price_units, PRICE_PLACES, 1, 10**PRICE_PLACES - 1, "from 0.0001 to 0.9999 dollars",
               "invalid_price")  # fmt: skip
CAP = Scaled(_cap, DOLLAR_PLACES, DOLLAR // 100, int(_MOST_CAP) * DOLLAR, f"from 0.01 to {_MOST_CAP} dollars")
SUBACCOUNT = Integer(0, MAX_SUBACCOUNT)
EXCHANGE_INDEX = Integer(-1, MAX_EXCHANGE_INDEX)  # -1: the market's own
SIDE: Kind[str] = Choice((*BOOK_SIDES, *SIDES))
UNIX_TIME = UnixTime()


_BOOK_SIDE, _LEGACY_SIDE = Choice(tuple(BOOK_SIDES)), Choice(SIDES)


class Sided:
    """An order's side as it names it: v2's `side` (bid or ask) alone, or a legacy side with its `action`; a side of
    the other form is refused."""

    __slots__ = ()
    side: str
    action: str | None

    def check(self) -> None:
        _ = self.sides  # (reading them refuses a side of the other form)

    @property
    def sides(self) -> tuple[str, str]:
        """The legacy side and action the order names."""
        if self.action is None:
            found = BOOK_SIDES.get(self.side)
            return found if found is not None else BOOK_SIDES[_BOOK_SIDE.read(self.side, "side")]
        return _LEGACY_SIDE.read(self.side, "side"), self.action


@dataclass(frozen=True, slots=True)
class PlaceOrder(Sided, UserCommand):
    """An order of the user's (Kalshi's CreateOrderV2Request, or the legacy CreateOrderRequest with `action`): it
    crosses the book, then rests, ends, or is refused whole. `price` None: a market order's, which takes at any price.
    `fcm_bound`: placed through an FCM member's key bound to the subtrader (its daily cap applies)."""

    name: ClassVar[str] = "place_order"
    ticker: str = value(TEXT)
    side: str = value(SIDE)
    count: int = value(COUNT)
    price: int | None = value(PRICE, nullable=True)
    time_in_force: str = value(Choice(TIME_IN_FORCE))
    self_trade_prevention_type: str = value(Choice(SELF_TRADE_TYPES))
    client_order_id: str | None = value(TEXT, None)
    expiration_time: datetime | None = value(UNIX_TIME, None)
    post_only: bool = value(FLAG, False)
    reduce_only: bool = value(FLAG, False)
    cancel_order_on_pause: bool = value(FLAG, False)
    subaccount: int = value(SUBACCOUNT, 0)
    order_group_id: str | None = value(TEXT, None)
    exchange_index: int | None = value(EXCHANGE_INDEX, None)
    fcm_bound: bool = value(FLAG, False)
    action: str | None = value(Choice(ACTIONS), None)
    order_type: str = value(Choice(ORDER_TYPES), LIMIT)
    buy_max_cost: int | None = value(CAP, None)


@dataclass(frozen=True, slots=True)
class CancelOrder(UserCommand):
    """Cancel a resting order of the user's subaccount (Kalshi's CancelOrderV2: `exchange_index` -1 or omitted with
    `market_ticker` routes by the market)."""

    name: ClassVar[str] = "cancel_user_order"
    order_id: str = value(TEXT)
    subaccount: int = value(SUBACCOUNT, 0)
    exchange_index: int | None = value(EXCHANGE_INDEX, None)
    market_ticker: str | None = value(TEXT, None)


@dataclass(frozen=True, slots=True)
class CancelAllOrders(UserCommand):
    """Cancel every resting order of the user (of one subaccount, if given)."""

    name: ClassVar[str] = "cancel_all_orders"
    subaccount: int | None = value(SUBACCOUNT, None)


@dataclass(frozen=True, slots=True)
class AmendOrder(Sided, UserCommand):
    """Change a resting order's price, total count (filled plus what is to rest) or expiration (Unix seconds; 0:
    none; omitted: as it is): Kalshi's AmendOrderV2 (the legacy AmendOrder with `action`)."""

    name: ClassVar[str] = "amend_order"
    order_id: str = value(TEXT)
    ticker: str = value(TEXT)
    side: str = value(SIDE)
    price: int = value(PRICE)
    count: int = value(COUNT)
    subaccount: int = value(SUBACCOUNT, 0)
    client_order_id: str | None = value(TEXT, None)
    updated_client_order_id: str | None = value(TEXT, None)
    expiration_time: datetime | None = value(UNIX_TIME, None)
    exchange_index: int | None = value(EXCHANGE_INDEX, None)
    action: str | None = value(Choice(ACTIONS), None)


@dataclass(frozen=True, slots=True)
class DecreaseOrder(UserCommand):
    """Make a resting order smaller, by or to a count (exactly one): Kalshi's DecreaseOrderV2."""

    name: ClassVar[str] = "decrease_order"
    order_id: str = value(TEXT)
    subaccount: int = value(SUBACCOUNT, 0)
    reduce_by: int | None = value(COUNT, None)
    reduce_to: int | None = value(LEAST_COUNT, None)
    exchange_index: int | None = value(EXCHANGE_INDEX, None)
    market_ticker: str | None = value(TEXT, None)


@dataclass(frozen=True, slots=True)
class PlaceOrders(UserCommand):
    """A batch of the user's orders, placed in turn; each answers itself or its refusal."""

    name: ClassVar[str] = "place_orders"
    orders: tuple[PlaceOrder, ...] = value(Items(PlaceOrder, MAX_BATCH, "orders", ("user_id", "fcm_bound")))
    fcm_bound: bool = value(FLAG, False)


@dataclass(frozen=True, slots=True)
class CancelOrders(UserCommand):
    """A batch of cancels of the user's orders; each answers itself or its refusal."""

    name: ClassVar[str] = "cancel_user_orders"
    orders: tuple[CancelOrder, ...] = value(Items(CancelOrder, MAX_BATCH, "cancels", ("user_id",)))
