"""The control plane's resting orders, declared once (core/commands.py): an order seeded into a market's book (it rests
and never takes, as a bot's quote the clients' orders meet) and any resting order cancelled by its id, whoever's it
is. The admin API, the Python API, scenario steps (`order`, `cancel_order`) and the state file build these; the
ledger's handlers (order_handlers.py) take them.

A seeded order's terms are a seeded fill's (fill_commands.py): `count` contracts of `side` (yes/no) bought or sold at
`price`, that side's price in dollars, read as Decimals as the ledger takes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from mockexchange.core.commands import Command, value
from mockexchange.core.kalshi.fill_commands import SeededTrade
from mockexchange.core.values import TEXT


@dataclass(frozen=True, slots=True)
class SeedOrder(SeededTrade):
    """A resting order, seeded: it joins the market's book (matched by the orders that cross it) and holds its
    owner's cash as any resting order does; it never takes (one that would cross the book is refused)."""

    name: ClassVar[str] = "create_order"
    order_id: str | None = value(TEXT, None)


@dataclass(frozen=True, slots=True)
class CancelRestingOrder(Command):
    """End a resting order, whoever's it is (a client's cancel names its own: order_commands.py's `CancelOrder`)."""

    name: ClassVar[str] = "cancel_order"
    order_id: str = value(TEXT)
