"""Deribit v2's wire rendering of positions, instruments, currencies, account summaries and trades: snake_case
field names, money as exact JSON numbers (written from the Decimal's digits, never through a float), times in
milliseconds. Fields that do not apply to a kind (greeks for futures, `size_currency` for options) are left out, as
Deribit leaves them out."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from mockexchange.core.clock import unix_ms
from mockexchange.core.derivatives_book import AccountSummary, PositionView, Trade
from mockexchange.core.instruments import Instrument
from mockexchange.web import json_number

Row = dict[str, Any]


def _put(row: Row, name: str, value: Decimal | int | None) -> None:
    if value is None:
        return
    row[name] = value if isinstance(value, int) else json_number(value)


# -- positions ------------------------------------------------------------------------------------------------------


def position(view: PositionView) -> Row:
    row: Row = {
        "average_price": json_number(view.average_price),
        "delta": json_number(view.delta),
        "direction": view.direction,
        # The mock has no liquidation engine; Deribit sends 0 or null for accounts it does not estimate.
        "estimated_liquidation_price": None,
        "floating_profit_loss": json_number(view.floating_profit_loss),
        "index_price": json_number(view.index_price),
        "initial_margin": json_number(view.initial_margin),
        "instrument_name": view.instrument_name,
        "kind": view.kind,
        "maintenance_margin": json_number(view.maintenance_margin),
        "mark_price": json_number(view.mark_price),
        "open_orders_margin": json_number(view.open_orders_margin),
        "realized_profit_loss": json_number(view.realized_profit_loss),
        # Before any settlement Deribit reports the last settlement price; the mock has none, so the mark.
        "settlement_price": json_number(
            view.settlement_price if view.settlement_price is not None else view.mark_price
        ),
        "size": json_number(view.size),
        "total_profit_loss": json_number(view.total_profit_loss),
    }
    _put(row, "size_currency", view.size_currency)
    _put(row, "leverage", view.leverage)
    _put(row, "realized_funding", view.realized_funding)
    _put(row, "interest_value", view.interest_value)
    _put(row, "gamma", view.gamma)
    _put(row, "vega", view.vega)
    _put(row, "theta", view.theta)
    _put(row, "average_price_usd", view.average_price_usd)
    _put(row, "floating_profit_loss_usd", view.floating_profit_loss_usd)
    return row


# -- instruments ----------------------------------------------------------------------------------------------------

# The mock's choice of fee rates (Deribit's published standard tier at the time of writing).
_COMMISSIONS = {"future": (Decimal("0.0005"), Decimal("0")), "option": (Decimal("0.0003"), Decimal("0.0003"))}


def instrument_id(name: str) -> int:
    """Deribit's integer instrument id: stable per name in the mock."""
    return zlib.crc32(name.encode()) & 0xFFFFFF


def instrument(item: Instrument, listed: datetime, now: datetime) -> Row:
    taker, maker = _COMMISSIONS[item.kind]
    expired = item.expiration is not None and now >= item.expiration
    row: Row = {
        "tick_size": json_number(item.tick_size),
        "tick_size_steps": [],
        "taker_commission": json_number(taker),
        "maker_commission": json_number(maker),
        "strike": json_number(item.strike) if item.strike is not None else None,
        "settlement_period": item.settlement_period,
        "settlement_currency": item.settlement_currency,
        "rfq": False,
        "quote_currency": item.quote_currency,
        "price_index": item.price_index,
        "option_type": item.option_type,
        "min_trade_amount": json_number(item.min_trade_amount),
        "kind": item.kind,
        "is_active": not expired,
        "instrument_name": item.instrument_name,
        "instrument_id": instrument_id(item.instrument_name),
        "expiration_timestamp": item.expiration_timestamp,
        "creation_timestamp": unix_ms(listed),
        "counter_currency": item.counter_currency,
        "contract_size": json_number(item.contract_size),
        "block_trade_commission": json_number(taker),
        "block_trade_min_trade_amount": json_number(item.min_trade_amount * 25),
        "block_trade_tick_size": json_number(item.tick_size),
        "base_currency": item.base_currency,
        "instrument_type": item.instrument_type,
    }
    if item.kind == "future":
        row["future_type"] = item.instrument_type  # deprecated by Deribit, still sent
        row["max_leverage"] = 50
        row["max_liquidation_commission"] = json_number(Decimal("0.0075"))
    if item.kind != "option":  # futures carry no strike or option type
        del row["strike"], row["option_type"]
    return row


# -- currencies -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CurrencyFacts:
    currency: str
    currency_long: str
    coin_type: str
    fee_precision: int
    min_confirmations: int
    withdrawal_fee: Decimal
    min_withdrawal_fee: Decimal


# The mock's figures (withdrawal fees vary with the network on the real venue).
CURRENCY_FACTS = (
    CurrencyFacts("BTC", "Bitcoin", "BITCOIN", 4, 1, Decimal("0.0001"), Decimal("0.0001")),
    CurrencyFacts("ETH", "Ethereum", "ETHER", 4, 1, Decimal("0.0006"), Decimal("0.0006")),
    CurrencyFacts("USDC", "USD Coin", "USDC", 2, 1, Decimal("1"), Decimal("1")),
    CurrencyFacts("USDT", "Tether USD", "USDT", 2, 1, Decimal("1"), Decimal("1")),
    CurrencyFacts("EURR", "Euro R", "EURR", 2, 1, Decimal("1"), Decimal("1")),
)


def currency(facts: CurrencyFacts) -> Row:
    return {
        "coin_type": facts.coin_type,
        "currency": facts.currency,
        "currency_long": facts.currency_long,
        "fee_precision": facts.fee_precision,
        "min_confirmations": facts.min_confirmations,
        "min_withdrawal_fee": json_number(facts.min_withdrawal_fee),
        "withdrawal_fee": json_number(facts.withdrawal_fee),
        "withdrawal_priorities": [],
    }


# -- account summary ------------------------------------------------------------------------------------------------


def account_summary(summary: AccountSummary, *, username: str, portfolio: bool = False) -> Row:
    """`private/get_account_summary` (and, `portfolio`, the data of `user.portfolio.{currency}`)."""
    zero = json_number(Decimal(0))
    row: Row = {
        "currency": summary.currency,
        "balance": json_number(summary.balance),
        "equity": json_number(summary.equity),
        "margin_balance": json_number(summary.margin_balance),
        "available_funds": json_number(summary.available_funds),
        "available_withdrawal_funds": json_number(summary.available_withdrawal_funds),
        "initial_margin": json_number(summary.initial_margin),
        "maintenance_margin": json_number(summary.maintenance_margin),
        "projected_initial_margin": json_number(summary.initial_margin),
        "projected_maintenance_margin": json_number(summary.maintenance_margin),
        "total_pl": json_number(summary.total_pl),
        "futures_pl": json_number(summary.futures_pl),
        "options_pl": json_number(summary.options_pl),
        "options_value": json_number(summary.options_value),
        "options_delta": json_number(summary.options_delta),
        "options_gamma": json_number(summary.options_gamma),
        "options_vega": json_number(summary.options_vega),
        "options_theta": json_number(summary.options_theta),
        "delta_total": json_number(summary.delta_total),
        "delta_total_map": {k: json_number(v) for k, v in sorted(summary.delta_total_map.items())},
        "projected_delta_total": json_number(summary.delta_total),
        # No trading sessions in the mock: session figures are 0.
        "session_upl": zero,
        "session_rpl": zero,
        "futures_session_upl": zero,
        "futures_session_rpl": zero,
        "options_session_upl": zero,
        "options_session_rpl": zero,
        "fee_balance": zero,
        "additional_reserve": zero,
        "spot_reserve": zero,
        "margin_model": "segregated_sm",
        "portfolio_margining_enabled": False,
        "cross_collateral_enabled": False,
    }
    if not portfolio:
        row["id"] = summary.account_id
        row["username"] = username
    return row


# -- trades ---------------------------------------------------------------------------------------------------------


def trade(item: Trade, contract_size: Decimal) -> Row:
    row: Row = {
        "trade_id": item.trade_id,
        "trade_seq": item.trade_seq,
        "instrument_name": item.instrument_name,
        "timestamp": unix_ms(item.timestamp),
        "order_id": item.order_id,
        "order_type": "limit",
        "direction": item.direction,
        "price": json_number(item.price),
        "amount": json_number(item.amount),
        "contracts": json_number(item.amount / contract_size),
        "fee": json_number(item.fee),
        "fee_currency": item.fee_currency,
        "liquidity": "T",
        "state": "filled",
        "tick_direction": 0,
        "profit_loss": json_number(item.profit_loss),
        "matching_id": None,
        "post_only": False,
        "reduce_only": False,
        "self_trade": False,
        "mmp": False,
        "api": True,
        "risk_reducing": False,
    }
    _put(row, "index_price", item.index_price)
    _put(row, "mark_price", item.mark_price)
    return row
