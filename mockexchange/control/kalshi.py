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

from mockexchange.core.kalshi.account_handlers import Opened
from mockexchange.core.kalshi.fill_log import Fill
from mockexchange.core.kalshi.markets import Market
from mockexchange.core.kalshi.orders import Done, Order
from mockexchange.core.kalshi.transfers import Transfer
from mockexchange.core.money import plain


def fill_json(fill: Fill) -> dict[str, Any]:
    return {
        "fill_id": fill.fill_id,
        "order_id": fill.order_id,
        "user_id": fill.user_id,
        "subaccount": fill.subaccount,
        "ticker": fill.ticker,
        "event_ticker": fill.event_ticker,
        "side": fill.side,
        "action": fill.action,
        "count": plain(fill.count),
        "price": plain(fill.price),
        "fee": plain(fill.fee),
        "post_position": plain(fill.post_position),
        "created_time": fill.created.isoformat(),
    }


def account_json(opened: Opened) -> dict[str, Any]:
    account = opened.account
    return {
        "user_id": account.user_id,
        "balance_cents": opened.command.balance_cents,
        "fcm_member": account.fcm_member,
        "subtrader_of": account.subtrader_of,
    }


def transfer_json(record: Transfer) -> dict[str, Any]:
    return {
        "id": record.id,
        "user_id": record.user_id,
        "kind": record.kind,
        "status": record.status,
        "type": record.type,
        "amount_cents": record.amount_cents,
        "fee_cents": record.fee_cents,
    }


def order_json(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "user_id": order.user_id,
        "ticker": order.ticker,
        "side": order.side,
        "action": order.action,
        "count": f"{order.count:f}",
        "price": f"{order.price:f}",
        "subaccount": order.subaccount,
    }


def settled_json(market: Market) -> dict[str, Any]:
    settled = market.settled_time  # (set: the market is settled)
    return {"ticker": market.ticker, "result": market.result, "settled_time": settled and settled.isoformat()}


def fills_json(made: list[Fill]) -> dict[str, Any]:
    return {"count": len(made), "fill_ids": [fill.fill_id for fill in made]}


def cancelled_json(done: Done) -> dict[str, Any]:
    return {"order_id": done.order.order_id, "cancelled": True}
