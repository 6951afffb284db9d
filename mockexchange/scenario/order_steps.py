"""What a scenario file says of orders: Deribit's seeded orders (the `deribit:` set-up's `orders` and the timeline's
`deribit_order`), and the timeline's counterparty orders, `place_order` (Kalshi, as `POST /portfolio/events/orders`
places one) and `deribit_place_order` (Deribit, as `private/buy` and `private/sell` do).

A counterparty order is the control plane's command of its name (control/kalshi_orders.py, control/deribit_orders.py),
with its fields: it crosses the book, every account's resting orders and the house's levels included, its funds checked,
then rests or ends. It is the other side of a bot's trade, where Kalshi's seeded `order` never takes and a `fill` books
a trade without a book.

Each field is read as its kind of value when the file is read, its words the core's; what only the state can say (an
unknown user or market, a price off the market's levels, funds short) is refused when the step runs, naming its line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from yaml.nodes import Node

from mockexchange.control.deribit_orders import PLACED_TYPES
from mockexchange.core.commands import Command, declared
from mockexchange.core.deribit import orders as deribit
from mockexchange.core.deribit.bounds import MAX_ACCOUNT_ID
from mockexchange.core.kalshi.order_commands import PlaceOrder
from mockexchange.scenario.scalars import (
    boolean,
    command_field,
    deribit_amount,
    deribit_balance,
    instrument,
    integer,
    one_of,
    text,
)

Check = Callable[[Node], Any]
Specs = dict[str, tuple[Check, bool]]  # each field's check, and whether it is required; schema.py makes them `Field`s

DIRECTION = one_of("buy", "sell")
DERIBIT_ID = integer(1, MAX_ACCOUNT_ID)
_OPTIONAL_FLAGS = ("post_only", "reduce_only")

# Kalshi's CreateOrderV2Request (`side` bid or ask), or the legacy CreateOrderRequest (`side` yes or no with `action`),
# for the user: the `PlaceOrder` command's fields (core/kalshi/order_commands.py). `price` is the YES price.
PLACE_ORDER: Specs = {field.name: (command_field(field), field.required) for field in declared(PlaceOrder)}
# The steps that are a command of the core's, made when the file is read and run as it is
COMMANDS: dict[str, type[Command]] = {"place_order": PlaceOrder}


def _deribit(order_types: tuple[str, ...], times_in_force: tuple[str, ...], **more: tuple[Check, bool]) -> Specs:
    """A Deribit order's fields: the terms both kinds share (in the order the set-up has always listed them), the
    order types and times in force it may take, and `more` of its own."""
    return {
        "user_id": (text, True),
        "instrument_name": (instrument, True),
        "direction": (DIRECTION, True),
        "amount": (deribit_amount, True),
        "price": (deribit_amount, False),  # required but for stop_market and take_market (and market)
        "subaccount_id": (DERIBIT_ID, False),
        "order_type": (one_of(*order_types), False),
        "time_in_force": (one_of(*times_in_force), False),
        "label": (text, False),
        **{flag: (boolean, False) for flag in _OPTIONAL_FLAGS},
        **more,
        "max_show": (deribit_balance, False),
        "trigger": (one_of(*deribit.TRIGGERS), False),
        "trigger_price": (deribit_amount, False),
    }


# A seeded Deribit order (control/deribit_orders.py's `deribit_order`): it may rest untriggered, keep an id given.
DERIBIT_ORDER = {
    **_deribit(deribit.ORDER_TYPES, deribit.TIMES_IN_FORCE, api=(boolean, False)),
    "order_id": (text, False),
}
# A Deribit client's order (`deribit_place_order`): a market order, immediate-or-cancel and fill-or-kill too.
DERIBIT_PLACE_ORDER = _deribit(PLACED_TYPES, deribit.ALL_TIMES_IN_FORCE, reject_post_only=(boolean, False))

STEPS: dict[str, Specs] = {"place_order": PLACE_ORDER, "deribit_place_order": DERIBIT_PLACE_ORDER}
