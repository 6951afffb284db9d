"""Deribit orders on the control plane: seeded (`deribit_order`, the admin API's: it matches as well, but its taker's
funds are not checked) and a client's, placed (they cross the book first, then rest or end), edited and cancelled
(one, or every one a filter names), as the venue's private/buy, sell, edit, cancel* and close_position run them
(venues/deribit/order_writes.py), so a state file keeps every order a client placed. Each is declared once, as a
command of the book's (core/deribit/order_commands.py), which a venue builds and runs itself (`Control.run`),
rendering Deribit's answer from the book's objects; after an order is placed or edited, what is due fires
(core/deribit/triggers.py).

Each answers in plain values: the order as it is after (`order_json`: the control plane's fields and Deribit's order
object's) and the trades it made (`trade_json`, its own side
of each); a cancel of several, the orders cancelled. A refusal is the book's `BookError` (its Deribit reason kept) as a
`ControlError`.
"""

from __future__ import annotations

from typing import Any

from mockexchange.control.answers import digits, fields
from mockexchange.control.deribit.seeded import own_order_json, trade_json
from mockexchange.core.deribit.handlers import Placed
from mockexchange.core.deribit.mmp_records import MmpConfig
from mockexchange.core.deribit.order_object import order_object
from mockexchange.core.deribit.orders import DerivativeOrder
from mockexchange.core.deribit.quotes import Quoted


def order_json(control: Any, order: DerivativeOrder) -> dict[str, Any]:
    """An order as the admin API and the Python API answer it: the control plane's own fields (whose it is, its
    wallet, `created` in ISO 8601, the book's own `cancel_reason` and a priceless order's null `price`), then every
    other field of Deribit's order object (core/deribit/order_object.py, the venue's one renderer: `contracts`, the
    times in ms, a trailing stop's, a linked order's, `mmp`, a quote's, ...), its numbers as digits."""
    contract_size = control.exchange.market.instrument(order.instrument_name).contract_size
    own = own_order_json(order)
    return own | {name: shown for name, shown in order_object(order, contract_size, digits).items() if name not in own}


def placed_json(control: Any, made: Placed) -> dict[str, Any]:
    """What the admin API and the Python API answer of an order placed or edited; a venue renders the objects."""
    order, trades = made
    return {"order": order_json(control, order), "trades": [trade_json(trade) for trade in trades]}


def seeded_json(control: Any, made: Placed) -> dict[str, Any]:
    """A seeded order as it is after placing it."""
    return order_json(control, made[0])


def orders_json(control: Any, cancelled: list[DerivativeOrder]) -> list[dict[str, Any]]:
    return [order_json(control, order) for order in cancelled]


def mmp_configs_json(made: list[MmpConfig]) -> list[dict[str, Any]]:
    """The market maker protection configurations a set left (none once removed)."""
    return [fields(config, "id wallet_id index_name mmp_group interval frozen_time quantity_limit delta_limit"
                           " vega_limit max_quote_quantity") for config in made]  # fmt: skip


def quoted_json(control: Any, made: Quoted) -> dict[str, Any]:
    """A mass quote: each side's order as it left it, their trades, and each side refused with why."""
    return {
        "orders": [order_json(control, order) for order in made.orders],
        "trades": [trade_json(trade) for trade in made.trades],
        "errors": [{"instrument_name": refused.instrument_name, "side": refused.side, "error": str(refused.error)}
                   for refused in made.errors],
    }  # fmt: skip
