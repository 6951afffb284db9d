"""A Kalshi account's orders on the control plane: placed (one or a batch), cancelled (one, a batch, all), amended and
decreased, as Kalshi's v2 order API words them (`side` bid or ask on the YES book, `count` and `price` decimal strings
as the wire writes them, `expiration_time` Unix seconds); an order of the legacy API (venues/kalshi/legacy_orders.py)
names its `side` yes or no with an `action` buy or sell (its `price` still the YES price), and may be a market order
(`order_type`) and cap what it buys (`buy_max_cost`, dollars). The venue's order routes run these commands for their
clients (venues/kalshi/commands.py), so a state file keeps every order a client placed; the Python API and the admin
API's callers may run them too.

Each answers what the command did, in plain values (`outcome_json`): the order's id, client order id and status, what it
filled by this command (`filled`, their YES value `fill_value` and `fees`, dollars), what rests (`remaining`), what it
took off what rested (`reduced`), and `ts_ms`, the exchange clock's milliseconds. Each is declared once, as a
command of the ledger's (core/kalshi/order_commands.py), which a venue builds and runs itself (`Control.run`),
rendering Kalshi's answer from the ledger's `OrderOutcome`. A refusal is the ledger's (its Kalshi code kept,
control/errors.py); an item of a batch refused answers its refusal in its place (`error`: status, code, message) and
the others go on.
"""

from __future__ import annotations

from typing import Any

from mockexchange.control.answers import fields
from mockexchange.core.clock import unix_ms
from mockexchange.core.commands import ItemRefused
from mockexchange.core.kalshi.orders import OrderOutcome
from mockexchange.core.kalshi.units import contracts, dollars
from mockexchange.core.money import plain


def outcome_json(done: OrderOutcome) -> dict[str, Any]:
    order = done.order
    return fields(
        order,
        "order_id client_order_id user_id ticker status",
        spell=plain,
        filled=contracts(done.filled),
        fill_value=dollars(done.yes_value),
        fees=dollars(done.fees),
        remaining=contracts(order.remaining),
        reduced=contracts(done.reduced),
        ts_ms=unix_ms(done.when),
    )


def batch_json(items: list[OrderOutcome | ItemRefused]) -> dict[str, Any]:
    """A batch's answer in plain values: each item's `outcome_json`, or its refusal."""
    return {"orders": [outcome_json(item) if isinstance(item, OrderOutcome) else item.json() for item in items]}
