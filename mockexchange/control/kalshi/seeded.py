"""Kalshi's operations on the mock that seed what no client made: accounts, fills (one or a batch), resting orders,
deposits and withdrawals, settlement.

Each is a typed command declared once in the core (core/kalshi/account_commands.py, fill_commands.py,
seeded_order_commands.py, market_commands.py's `SettleMarket`), its method generated from the declaration
(`operation`): it reads its plain JSON-like values into the command (money as decimal strings or integers within its
bounds, never floats), runs it (`Control.run`: kept by a state file, then the ledger's handler) and answers a JSON-ready
dict; a refusal is a `ControlError`.
"""

from __future__ import annotations

from typing import Any

from mockexchange.control.answers import answer, fields
from mockexchange.core.kalshi.account_handlers import Opened
from mockexchange.core.kalshi.fill_log import Fill
from mockexchange.core.kalshi.orders import OrderOutcome
from mockexchange.core.money import plain


def fill_json(fill: Fill) -> dict[str, Any]:
    names = "fill_id order_id user_id subaccount ticker event_ticker side action count price fee post_position"
    return fields(fill, names, spell=plain, created_time=fill.created)


def account_json(opened: Opened) -> dict[str, Any]:
    names = "user_id balance_cents fcm_member subtrader_of"
    return fields(opened.account, names, balance_cents=opened.command.balance_cents)


transfer_json = answer("id user_id kind status type amount_cents fee_cents")
order_json = answer("order_id user_id ticker side action count price subaccount")
settled_json = answer("ticker result settled_time")


def fills_json(made: list[Fill]) -> dict[str, Any]:
    return {"count": len(made), "fill_ids": [fill.fill_id for fill in made]}


def cancelled_json(done: OrderOutcome) -> dict[str, Any]:
    return {"order_id": done.order.order_id, "cancelled": True}
