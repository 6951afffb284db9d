"""A perps account's order commands, declared once (core/commands.py): placed, cancelled (one, or all), decreased and
amended. The venue's routes (POST /margin/orders, ...), the admin API, the Python API, scenarios and the state file
build them; trading.py takes them. A count is in hundredths of a contract, a price in ten-thousandths of a dollar
(units.py); their plain values are FixedPointCount and FixedPointDollars strings ("10", "97000.5")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from mockexchange.core.commands import UserCommand, value
from mockexchange.core.perps.orders import SELF_TRADE, SIDES, TIME_IN_FORCE
from mockexchange.core.perps.units import COUNT, PRICE_KIND, REMAINING
from mockexchange.core.values import FLAG, LATEST_SECONDS, TEXT, Choice, Integer, Refused, Text, UnixTime

MAX_SUBACCOUNT = 63
SUBACCOUNT = Integer(0, MAX_SUBACCOUNT)
CLIENT_ORDER_ID = Text(64)
MARKET_VERSION = Integer(-(2**31), 2**31 - 1)  # the spec's int32: 0 skips the check, any other not the market's 409
EXPIRY_SECONDS = Integer(0, LATEST_SECONDS)  # an amend's: 0 removes the expiry


@dataclass(frozen=True, slots=True)
class PlacePerpOrder(UserCommand):
    """Place a limit order on a perpetual market (ticker), bid or ask, `count` at `price`: it trades with what rests
    across it, then rests (good_till_canceled) or is cancelled (immediate_or_cancel; fill_or_kill trades all or
    nothing). Refused when it would raise the account's initial margin above its equity."""

    name: ClassVar[str] = "place_perp_order"
    ticker: str = value(TEXT)
    side: str = value(Choice(SIDES))
    count: int = value(COUNT)
    price: int = value(PRICE_KIND)
    client_order_id: str = value(CLIENT_ORDER_ID)
    time_in_force: str = value(Choice(TIME_IN_FORCE), "good_till_canceled")
    self_trade_prevention_type: str = value(Choice(SELF_TRADE), "taker_at_cross")
    expiration_time: datetime | None = value(UnixTime(), None)
    post_only: bool = value(FLAG, False)
    reduce_only: bool = value(FLAG, False)
    cancel_order_on_pause: bool = value(FLAG, False)
    subaccount: int = value(SUBACCOUNT, 0)
    order_group_id: str | None = value(TEXT, None)
    market_version: int = value(MARKET_VERSION, 0)

    def check(self) -> None:
        if self.reduce_only and self.time_in_force == "good_till_canceled":
            raise Refused("a reduce_only order must be immediate_or_cancel or fill_or_kill", "invalid_order")
        if self.post_only and self.time_in_force != "good_till_canceled":
            raise Refused("a post_only order must be good_till_canceled", "invalid_order")


@dataclass(frozen=True, slots=True)
class CancelPerpOrder(UserCommand):
    """Cancel what rests of an order of the user's subaccount."""

    name: ClassVar[str] = "cancel_perp_order"
    order_id: str = value(TEXT)
    subaccount: int = value(SUBACCOUNT, 0)


@dataclass(frozen=True, slots=True)
class CancelPerpOrders(UserCommand):
    """Cancel every resting order of the user (of one subaccount, if given)."""

    name: ClassVar[str] = "cancel_perp_orders"
    subaccount: int | None = value(SUBACCOUNT, None)


@dataclass(frozen=True, slots=True)
class DecreasePerpOrder(UserCommand):
    """Make a resting order smaller, `reduce_by` contracts or to `reduce_to` (0 cancels it); it keeps its place."""

    name: ClassVar[str] = "decrease_perp_order"
    order_id: str = value(TEXT)
    subaccount: int = value(SUBACCOUNT, 0)
    reduce_by: int | None = value(COUNT, None)
    reduce_to: int | None = value(REMAINING, None)

    def check(self) -> None:
        if (self.reduce_by is None) == (self.reduce_to is None):
            raise Refused("give exactly one of reduce_by and reduce_to")


@dataclass(frozen=True, slots=True)
class AmendPerpOrder(UserCommand):
    """Change a resting order's price, size (`count`: its whole size, what filled included) or expiry. Only a smaller
    size or a new expiry keeps its place; otherwise it goes behind the others at its price, trading first with what
    rests across it."""

    name: ClassVar[str] = "amend_perp_order"
    order_id: str = value(TEXT)
    ticker: str = value(TEXT)
    side: str = value(Choice(SIDES))
    price: int = value(PRICE_KIND)
    count: int = value(COUNT)
    subaccount: int = value(SUBACCOUNT, 0)
    client_order_id: str | None = value(CLIENT_ORDER_ID, None)
    updated_client_order_id: str | None = value(CLIENT_ORDER_ID, None)
    expiration_time: int | None = value(EXPIRY_SECONDS, None)
