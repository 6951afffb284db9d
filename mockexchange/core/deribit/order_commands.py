"""Deribit's order commands, declared once (core/commands.py): an order seeded by the control plane (`deribit_order`),
a client's order placed (`deribit_place_order`: private/buy, private/sell, close_position), edited and cancelled (one,
or every one a filter names). The venue (venues/deribit/order_writes.py), the admin API, the Python API, scenario steps
and the state file build these; the exchange's handlers (handlers.py, order_entry.py) take them.

The names say Deribit's: a buy and a sell are one order with its `direction`, as Deribit's order object has it. Amounts
and prices are exact Decimals within the exchange's bounds (bounds.py); their plain values are decimal strings ("10",
"0.5") or integers, as the control plane has always taken them. The field names and their order are the control
plane's parameters (a state file written before holds those names; a Python call gives them in that order).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, NamedTuple

from mockexchange.core.commands import Command, UserCommand, value
from mockexchange.core.deribit.bounds import MAX_AMOUNT, PLACES
from mockexchange.core.deribit.kinds import ACCOUNT_ID, AMOUNT, DIRECTION, INSTRUMENT, PRICE
from mockexchange.core.deribit.orders import (
    ALL_TIMES_IN_FORCE,
    CANCEL_REASONS,
    MAX_LABEL,
    MAX_OPEN_PER_ACCOUNT,
    MAX_ORDER_ID,
    ORDER_TYPES,
    TIMES_IN_FORCE,
    TRIGGERS,
)
from mockexchange.core.values import FLAG, TEXT, Choice, Decimals, Entries, Kind, Listed, Refused, Text

# A client's order may be a market order too, or a market_limit (a market order whose rest stays at its first price).
PLACED_TYPES = (*ORDER_TYPES, "market", "market_limit")
LINKED_TYPES = ("one_triggers_other", "one_cancels_other", "one_triggers_one_cancels_other")
FILL_CONDITIONS = ("first_hit", "complete_fill", "incremental")
MAX_SECONDARIES = 10  # the mock's bound on an order's `otoco_config` (Deribit publishes none)
GOOD_TIL_CANCELLED = "good_til_cancelled"


@dataclass(frozen=True, slots=True)
class Label(Kind[str]):
    """An order's label: none ("") or a non-empty text of at most `MAX_LABEL` characters."""

    plain = str

    def read(self, value: Any, name: str) -> str:
        return "" if value == "" else Text(MAX_LABEL).read(value, name)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "maxLength": MAX_LABEL}


@dataclass(frozen=True, slots=True)
class OrderTypes(Kind[tuple[str, ...]]):
    """The order types a cancel of several names: a list of a client's order types."""

    plain = list[str]

    def read(self, value: Any, name: str) -> tuple[str, ...]:
        if not isinstance(value, list | tuple):
            raise Refused(f"{name} must be a list of order types")
        return tuple(Choice(PLACED_TYPES).read(item, name) for item in value)

    def write(self, value: tuple[str, ...]) -> list[str]:
        return list(value)

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "string", "enum": list(PLACED_TYPES)}}


SHOWN = Decimals(Decimal(0), MAX_AMOUNT, PLACES)  # max_show: 0 hides the whole order
LABEL = Label()
TRIGGER = Choice(TRIGGERS)
ORDER_ID = Text(MAX_ORDER_ID)


class LinkedLeg(NamedTuple):
    """One secondary order of a linked order (`otoco_config`): its terms as private/buy takes them, each left out
    (None) taking the primary's (its amount), the opposite direction, a limit order, good till cancelled, no label, no
    flags."""

    amount: Decimal | None = None
    direction: str | None = None
    type: str | None = None
    price: Decimal | None = None
    trigger: str | None = None
    trigger_price: Decimal | None = None
    trigger_offset: Decimal | None = None
    label: str | None = None
    post_only: bool | None = None
    reject_post_only: bool | None = None
    reduce_only: bool | None = None
    time_in_force: str | None = None


LEGS = Entries(LinkedLeg, {
    "amount": AMOUNT, "direction": DIRECTION, "type": Choice(PLACED_TYPES), "price": PRICE, "trigger": TRIGGER,
    "trigger_price": PRICE, "trigger_offset": PRICE, "label": LABEL, "post_only": FLAG, "reject_post_only": FLAG,
    "reduce_only": FLAG, "time_in_force": Choice(ALL_TIMES_IN_FORCE),
}, MAX_SECONDARIES, "secondary orders", least=0)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _OrderTerms(UserCommand):
    """What every order names first: whose wallet, which instrument, which way, how much, at what price (none for a
    market order, or a stop or take market order)."""

    instrument_name: str = value(INSTRUMENT)
    direction: str = value(DIRECTION)
    amount: Decimal = value(AMOUNT)
    price: Decimal | None = value(PRICE, None)
    subaccount_id: int | None = value(ACCOUNT_ID, None)


@dataclass(frozen=True, slots=True)
class SeedDeribitOrder(_OrderTerms):
    """An order for the user, seeded: a limit order at `price`, which trades with what crosses it first (at the
    resting prices; its funds are not checked) and rests what is left, or a stop or take order waiting for its trigger
    (`stop_market` and `take_market` have no price). Served by private/get_open_orders_by_* and get_order_state,
    published on user.orders.*, and its margin counted in open_orders_margin."""

    name: ClassVar[str] = "deribit_order"
    check_funds: ClassVar[bool] = False
    reject_post_only: ClassVar[bool] = False
    mmp: ClassVar[bool] = False
    order_type: str = value(Choice(ORDER_TYPES), "limit")
    time_in_force: str = value(Choice(TIMES_IN_FORCE), GOOD_TIL_CANCELLED)
    label: str = value(LABEL, "")
    post_only: bool = value(FLAG, False)
    reduce_only: bool = value(FLAG, False)
    api: bool = value(FLAG, True)
    max_show: Decimal | None = value(SHOWN, None)
    trigger: str | None = value(TRIGGER, None)
    trigger_price: Decimal | None = value(PRICE, None)
    order_id: str | None = value(ORDER_ID, None)
    trigger_offset: Decimal | None = value(PRICE, None)
    linked_order_type: ClassVar[str | None] = None
    trigger_fill_condition: ClassVar[str] = "first_hit"
    otoco_config: ClassVar[tuple[LinkedLeg, ...]] = ()


@dataclass(frozen=True, slots=True)
class PlaceDeribitOrder(_OrderTerms):
    """A client's order (private/buy, private/sell, close_position): it crosses the book (fills at the resting
    prices, the taker's available funds checked), then rests or ends; a stop or take order rests untriggered (a
    trailing stop's trigger price `trigger_offset` from its trigger's price); a market_limit order rests what it does
    not fill at its first fill's price. A linked order (`linked_order_type`) carries its secondaries (`otoco_config`),
    placed or cancelled as it fills by `trigger_fill_condition` (linked.py)."""

    name: ClassVar[str] = "deribit_place_order"
    check_funds: ClassVar[bool] = True
    api: ClassVar[bool] = True
    order_id: ClassVar[str | None] = None  # the book numbers it
    order_type: str = value(Choice(PLACED_TYPES), "limit")
    time_in_force: str = value(Choice(ALL_TIMES_IN_FORCE), GOOD_TIL_CANCELLED)
    label: str = value(LABEL, "")
    post_only: bool = value(FLAG, False)
    reject_post_only: bool = value(FLAG, False)
    reduce_only: bool = value(FLAG, False)
    max_show: Decimal | None = value(SHOWN, None)
    trigger: str | None = value(TRIGGER, None)
    trigger_price: Decimal | None = value(PRICE, None)
    trigger_offset: Decimal | None = value(PRICE, None)
    linked_order_type: str | None = value(Choice(LINKED_TYPES), None)
    trigger_fill_condition: str = value(Choice(FILL_CONDITIONS), "first_hit")
    otoco_config: tuple[LinkedLeg, ...] = value(LEGS, ())
    mmp: bool = value(FLAG, False)  # market maker protection's (mmp.py): a limit order only


DeribitOrder = SeedDeribitOrder | PlaceDeribitOrder  # what order_entry.submit_order takes


@dataclass(frozen=True, slots=True)
class EditDeribitOrder(Command):
    """Change an open order's amount and price (private/edit): made smaller at its price it keeps its place,
    otherwise it enters the book again (and may take what crosses); an untriggered order its trigger price, or a
    trailing stop its offset. A flag not given stays as it was."""

    name: ClassVar[str] = "deribit_edit_order"
    order_id: str = value(ORDER_ID)
    amount: Decimal = value(AMOUNT)
    price: Decimal | None = value(PRICE, None)
    post_only: bool | None = value(FLAG, None)
    reject_post_only: bool | None = value(FLAG, None)
    reduce_only: bool | None = value(FLAG, None)
    trigger_price: Decimal | None = value(PRICE, None)
    mmp: bool | None = value(FLAG, None)
    trigger_offset: Decimal | None = value(PRICE, None)  # an untriggered trailing stop's new offset


@dataclass(frozen=True, slots=True)
class CancelDeribitOrder(Command):
    """Cancel an open Deribit order (`cancel_reason` user_request); it stays readable by private/get_order_state."""

    name: ClassVar[str] = "deribit_cancel_order"
    order_id: str = value(ORDER_ID)


@dataclass(frozen=True, slots=True)
class CancelDeribitOrders(UserCommand):
    """Cancel the wallet's open orders every filter given names (private/cancel_all*, cancel_by_label; the orders a
    websocket connection placed, `order_ids`, when it closes with cancel on disconnect: `reason`
    `cancel_on_disconnect`); the orders cancelled."""

    name: ClassVar[str] = "deribit_cancel_orders"
    subaccount_id: int | None = value(ACCOUNT_ID, None)
    currency: str | None = value(TEXT, None)
    kind: str | None = value(Choice(("future", "option")), None)
    instrument_name: str | None = value(INSTRUMENT, None)
    label: str | None = value(Text(MAX_LABEL), None)
    order_types: tuple[str, ...] | None = value(OrderTypes(), None)
    order_ids: tuple[str, ...] | None = value(Listed(ORDER_ID, MAX_OPEN_PER_ACCOUNT, noun="order ids"), None)
    price_index: str | None = value(
        TEXT, None
    )  # the instruments' index (a currency pair: private/..._by_currency_pair)
    reason: str = value(Choice(CANCEL_REASONS), "user_request")
