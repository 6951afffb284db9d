"""The perps operations' answers in plain values (control/answers.py's `fields`): a market, an order as a command left
it, an account's margin."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from mockexchange.control.answers import fields
from mockexchange.control.errors import refused_values
from mockexchange.core.commands import Command, write
from mockexchange.core.perps import units
from mockexchange.core.perps.exchange import PerpsExchange
from mockexchange.core.perps.exit_trigger_records import PerpExitTrigger
from mockexchange.core.perps.liquidation import INSURANCE_FUND
from mockexchange.core.perps.margin import PerpAccount
from mockexchange.core.perps.markets import PerpMarket
from mockexchange.core.perps.order_commands import SUBACCOUNT
from mockexchange.core.perps.records import PerpCorporateAction, PerpLiquidation
from mockexchange.core.perps.trading import PerpOutcome
from mockexchange.core.values import TEXT


def market_json(market: PerpMarket) -> dict[str, Any]:
    return fields(
        market, "ticker market_id status market_version exchange_index",
        tick_size=units.price(market.tick),
        mark_price=units.price(market.liquidation_mark.price),
        settlement_mark_price=units.price(market.settlement_mark.price),
        reference_price=units.price(market.reference.price),
    )  # fmt: skip


def corporate_action_json(action: PerpCorporateAction) -> dict[str, Any]:
    """A notice: its id and market, when it was set, and the command's plain values that set it."""
    return {"action_id": action.action_id, "market_id": action.market_id, "updated": action.updated.isoformat(),
            **write(action.terms)}  # fmt: skip


def order_json(outcome: PerpOutcome) -> dict[str, Any]:
    order = outcome.order
    return fields(
        order, "order_id user_id subaccount ticker client_order_id side status last_update_reason",
        price=units.price(order.price), count=units.contracts(order.count),
        fill_count=units.contracts(order.filled), remaining_count=units.contracts(order.remaining),
        filled_now=units.contracts(outcome.filled), fees_now=units.dollars(outcome.fees),
        reduced_by=units.contracts(outcome.reduced_by),
    )  # fmt: skip


def setting_json(command: Command) -> dict[str, Any]:
    """A setting's answer: the setting as it stands (the command's plain values)."""
    return write(command)


def cancelled_json(outcome: PerpOutcome | None) -> dict[str, Any]:
    return {"cancelled": [] if outcome is None else [order.order_id for order in outcome.cancelled]}


def perps_account(control: Any, user_id: str, subaccount: int = 0) -> dict[str, Any]:
    """A user's perps account at the marks now: its cash (the margined instance's), equity, margin and positions."""
    with refused_values():  # (read as the commands read them)
        TEXT.read(user_id, "user_id")
        SUBACCOUNT.read(subaccount, "subaccount")
    exchange: PerpsExchange = control.perps
    with exchange.lock:
        account = exchange.account(user_id, subaccount)
        return {
            "user_id": user_id,
            "subaccount": subaccount,
            "cash": str(units.dollars(account.cash)),
            "equity": str(units.dollars(account.equity)),
            "maintenance_margin": str(units.dollars(account.maintenance)),
            "initial_margin": str(units.dollars(account.initial)),
            "positions": [
                {
                    "ticker": held.market.ticker,
                    "position": str(units.contracts(held.position.size)),
                    "entry_cost": str(units.dollars(held.position.entry_cost)),
                    "realized_pnl": str(units.dollars(held.position.realized)),
                    "unrealized_pnl": str(units.dollars(held.unrealized)),
                }
                for held in account.held()
            ],
        }


def exit_trigger_json(trigger: PerpExitTrigger) -> dict[str, Any]:
    """An exit trigger as the command left it (prices and counts as decimals; a leg not set: None)."""

    def price(units_: int | None) -> Any:
        return None if units_ is None else units.price(units_)

    return fields(
        trigger, "trigger_id user_id subaccount ticker slot kind status reason triggered_leg triggered_order_id "
        "anchor_order_id client_trigger_id trail_bps created updated",
        count=units.contracts(trigger.count), filled_count=units.contracts(trigger.filled),
        stop_loss_price=price(trigger.stop_loss), take_profit_price=price(trigger.take_profit),
        trail_amount=price(trigger.trail_amount), watermark_price=price(trigger.watermark),
    )  # fmt: skip


def exit_triggers_json(triggers: list[PerpExitTrigger]) -> dict[str, Any]:
    return {"cancelled": [trigger.trigger_id for trigger in triggers]}


def perps_liquidations(control: Any, user_id: str, subaccount: int | None = None) -> dict[str, Any]:
    """A user's liquidations (of one subaccount, if given), oldest first, each with who bore what; and its accounts
    in the liquidation queue, with their margin ratio now."""
    with refused_values():
        TEXT.read(user_id, "user_id")
        if subaccount is not None:
            SUBACCOUNT.read(subaccount, "subaccount")
    exchange: PerpsExchange = control.perps
    with exchange.lock:
        state = exchange.state
        records = [r for r in state.liquidations.get(user_id, ()) if subaccount in (None, r.subaccount)]
        queued = sorted((key, since) for key, since in state.liquidation_queue.items() if key[0] == user_id)
        return {
            "liquidations": [_liquidation_json(record) for record in records],
            "queue": [
                {"subaccount": sub, "since": since.isoformat(), "margin_ratio": _ratio(exchange.account(user_id, sub))}
                for (_, sub), since in queued
                if subaccount in (None, sub)
            ],
        }


def _liquidation_json(record: PerpLiquidation) -> dict[str, Any]:
    return {
        "liquidation_id": record.liquidation_id,
        "user_id": record.user_id,
        "subaccount": record.subaccount,
        "created": record.created.isoformat(),
        "equity": str(units.dollars(record.equity)),
        "maintenance_margin": str(units.dollars(record.maintenance)),
        "cancelled_orders": list(record.cancelled),
        "closes": [
            {
                "ticker": close.ticker,
                "position": str(units.contracts(close.size)),
                "book_count": str(units.contracts(close.book_count)),
                "book_value": str(units.dollars(close.book_value)),
                "backstop_count": str(units.contracts(close.backstop_count)),
                "backstop_price": str(units.price(close.backstop_price)),
            }
            for close in record.closes
        ],
        "deficit_covered": str(units.dollars(record.deficit)),
        "covered_by": INSURANCE_FUND if record.deficit else None,
    }


def _ratio(account: PerpAccount) -> str | None:
    """Equity over maintenance margin, to 6 places (None without a position)."""
    if not account.maintenance:
        return None
    return str(units.exact_dollars(Fraction(account.equity, account.maintenance)))
