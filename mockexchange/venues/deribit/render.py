"""Deribit v2's wire rendering of positions, instruments, currencies, account summaries and trades: snake_case
field names, money as exact JSON numbers (written from the Decimal's digits, never through a float), times in
milliseconds. Fields that do not apply to a kind (greeks for futures, `size_currency` for options) are left out, as
Deribit leaves them out.

Every computed figure is rounded (half away from zero) to the decimal places Deribit sends for its kind of field, as its
documented responses show them: prices 8, a position's amounts (P&L, margins, `size_currency`, a future's delta) 9, an
account summary's amounts 8, its deltas 9, option greeks 5 (`PLACES`). So a position closed at a profit of 1/3 BTC
reads 0.333333333, and one whose arithmetic leaves 1e-29 reads 0. Sizes and amounts the client sent are exact."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.deribit.rate_budgets import DERIBIT_BUDGETS
from mockexchange.core.deribit.records import DeribitTrade
from mockexchange.core.deribit.views import AccountSummary, PositionView
from mockexchange.core.deribit.wallets import Wallet
from mockexchange.web.answers import json_number

Row = dict[str, Any]

# Decimal places per kind of figure (Deribit's documented examples: a position's `initial_margin` 0.000197283 and
# `size_currency` 10.646886321; a summary's `balance` 302.60065765, `delta_total_map` 31.594357699, `options_delta`
# -1.01962, `options_theta` 15.97071, `options_gamma_map` 0.00001).
PRICE = 8  # prices: average, mark, index, settlement, estimated liquidation (a satoshi, the exchange's finest)
POSITION = 9  # a position's amounts in the settlement currency (P&L, margins, size_currency, a future's delta)
SUMMARY = 8  # an account summary's amounts (balance, equity, margins, P&L, options value)
DELTA = 9  # an account summary's deltas (delta_total, delta_total_map)
GREEK = 5  # option greeks: a position's delta, gamma, vega, theta; the summary's options_* greeks and their maps
RATIO_MAP = 16  # estimated_liquidation_ratio_map (Deribit's example: 0.1009872222854525); the ratio itself is SUMMARY
PLACES = {"price": PRICE, "position": POSITION, "summary": SUMMARY, "delta": DELTA, "greek": GREEK, "ratio": RATIO_MAP}
_WIDE = Context(prec=60)  # quantize needs room for every digit of the result; the exchange's figures stay far below
_QUANTA = [Decimal(1).scaleb(-places) for places in range(RATIO_MAP + 1)]  # 1, 0.1, ... by places


def rounded(value: Decimal, places: int) -> Decimal:
    """`value` to `places` decimal places, half away from zero (0.0000000005 -> 0.000000001)."""
    return value.quantize(_QUANTA[places], ROUND_HALF_UP, _WIDE)


def number(value: Decimal, places: int) -> Any:
    """The JSON number of `value` rounded to `places` (trailing zeros dropped, never `-0`, never an exponent)."""
    return json_number(value.quantize(_QUANTA[places], ROUND_HALF_UP, _WIDE))


class Numbers(dict[tuple[Decimal, int], Any]):
    """The JSON numbers one read renders, by value and places (`numbers[price, PRICE]`): a read of many rows that
    share figures (an index, a mark, a price level) renders each once."""

    def __missing__(self, key: tuple[Decimal, int]) -> Any:
        found = self[key] = number(*key)
        return found


def _put(row: Row, name: str, value: Decimal | int | None, places: int | None = None) -> None:
    if value is None:
        return
    if isinstance(value, int):
        row[name] = value
    else:
        row[name] = json_number(value) if places is None else number(value, places)


# -- positions ------------------------------------------------------------------------------------------------------


def position(view: PositionView) -> Row:
    """`private/get_position(s)` and the positions of `user.changes.*`: the OpenAPI's `position_with_elp`."""
    row: Row = {
        "average_price": number(view.average_price, PRICE),
        "delta": number(view.delta, POSITION if view.kind == "future" else GREEK),
        "direction": view.direction,
        "floating_profit_loss": number(view.floating_profit_loss, POSITION),
        "index_price": number(view.index_price, PRICE),
        "initial_margin": number(view.initial_margin, POSITION),
        "instrument_name": view.instrument_name,
        "kind": view.kind,
        "maintenance_margin": number(view.maintenance_margin, POSITION),
        "mark_price": number(view.mark_price, PRICE),
        "open_orders_margin": number(view.open_orders_margin, POSITION),
        "realized_profit_loss": number(view.realized_profit_loss, POSITION),
        # Before any settlement Deribit reports the last settlement price; the mock has none, so the mark.
        "settlement_price": number(
            view.settlement_price if view.settlement_price is not None else view.mark_price, PRICE
        ),
        "size": json_number(view.size),
        "total_profit_loss": number(view.total_profit_loss, POSITION),
    }
    # Futures only ("added only for futures"): the mock's simple margin model; 0 when flat or never liquidated.
    _put(row, "estimated_liquidation_price", view.estimated_liquidation_price, PRICE)
    _put(row, "size_currency", view.size_currency, POSITION)
    _put(row, "leverage", view.leverage)
    _put(row, "realized_funding", view.realized_funding, POSITION)
    _put(row, "interest_value", view.interest_value, POSITION)
    _put(row, "gamma", view.gamma, GREEK)
    _put(row, "vega", view.vega, GREEK)
    _put(row, "theta", view.theta, GREEK)
    _put(row, "average_price_usd", view.average_price_usd, PRICE)
    _put(row, "floating_profit_loss_usd", view.floating_profit_loss_usd, POSITION)
    return row


# -- instruments ----------------------------------------------------------------------------------------------------

# The mock's choice of fee rates (Deribit's published standard tier at the time of writing).
_COMMISSIONS = {"future": (Decimal("0.0005"), Decimal("0")), "option": (Decimal("0.0003"), Decimal("0.0003"))}


def changes(instrument_name: str, view: PositionView, trades: list[Any], orders: list[Row]) -> Row:
    """The data of `user.changes.*`: what one change did to an instrument, and the position it leaves."""
    return {"instrument_name": instrument_name, "trades": trades, "positions": [position(view)], "orders": orders}


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
        "state": "delivered" if expired else "open",  # the exchange's state: expired instruments are delivered at once
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
    decimals: int
    network_currency: str


# The mock's figures (withdrawal fees vary with the network on the real venue). `decimals` and `network_currency` of
# BTC and ETH are Deribit's documented example's (8 and 6; their own chains); the tokens' are the mock's choice: 6
# places, on Ethereum.
CURRENCY_FACTS = (
    CurrencyFacts("BTC", "Bitcoin", "BITCOIN", 4, 1, Decimal("0.0001"), Decimal("0.0001"), 8, "BTC"),
    CurrencyFacts("ETH", "Ethereum", "ETHER", 4, 1, Decimal("0.0006"), Decimal("0.0006"), 6, "ETH"),
    CurrencyFacts("USDC", "USD Coin", "USDC", 2, 1, Decimal("1"), Decimal("1"), 6, "ETH"),
    CurrencyFacts("USDT", "Tether USD", "USDT", 2, 1, Decimal("1"), Decimal("1"), 6, "ETH"),
    CurrencyFacts("EURR", "Euro R", "EURR", 2, 1, Decimal("1"), Decimal("1"), 6, "ETH"),
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
        # The mock's choice: every currency it lists counts towards cross collateral (Deribit's pool varies).
        "in_cross_collateral_pool": True,
        "decimals": facts.decimals,
        "network_currency": facts.network_currency,
        "network_fee": json_number(facts.withdrawal_fee),  # as in Deribit's example: the withdrawal fee
    }


# -- account summary ------------------------------------------------------------------------------------------------


def account_fields(wallet: Wallet, account_type: str) -> Row:
    """The account's own fields of `private/get_account_summary` and `private/get_account_summaries`, those Deribit
    requires and those its examples carry (documented as sent with `extended=true`; the mock sends them always).
    `system_name` is the username and the email an address of the reserved `.invalid` domain: the mock keeps neither.
    `interuser_transfers_enabled` and `login_enabled` are the wallet's settings. Those the mock has none of read as in
    Deribit's examples: no MMP, no referrer; self-trades cancel the maker, within the account only; Block RFQs do not
    match within the entity."""
    return {
        "id": wallet.id,
        "username": wallet.username,
        "system_name": wallet.username,
        "email": f"{wallet.username}@mockexchange.invalid",
        "type": account_type,
        "security_keys_enabled": False,
        "creation_timestamp": unix_ms(wallet.created),
        "interuser_transfers_enabled": wallet.interuser_transfers_enabled,
        "login_enabled": wallet.login_enabled,
        "mmp_enabled": False,
        "referrer_id": None,
        "self_trading_reject_mode": "reject_taker",  # what matching.py does (SELF_TRADE)
        "self_trading_extended_to_subaccounts": False,
        "block_rfq_self_match_prevention": True,
    }


def _per_index(figures: dict[str, Decimal], places: int) -> Row:
    return {index: number(value, places) for index, value in sorted(figures.items())}


def _limits() -> Row:
    """The account's rate limits as Deribit words them (requests a second and the burst), from the credits the mock
    charges (docs/rate-limits.md): one matching-engine bucket for all trading, no limit per currency."""

    def requests(bucket: str) -> Row:
        budget = DERIBIT_BUDGETS[bucket]
        return {"burst": budget.capacity // budget.cost, "rate": budget.refill_per_second // budget.cost}

    trading = requests("matching_engine")
    return {
        "limits_per_currency": False,
        "non_matching_engine": requests("non_matching_engine"),
        "matching_engine": {"trading": {"total": trading}},
    }


def portfolio(summary: AccountSummary) -> Row:
    """One wallet's figures in one currency: the data of `user.portfolio.{currency}`, and the figures of an account
    summary."""
    zero = json_number(Decimal(0))
    return {
        "currency": summary.currency,
        "balance": number(summary.balance, SUMMARY),
        "equity": number(summary.equity, SUMMARY),
        "margin_balance": number(summary.margin_balance, SUMMARY),
        "available_funds": number(summary.available_funds, SUMMARY),
        "available_withdrawal_funds": number(summary.available_withdrawal_funds, SUMMARY),
        "initial_margin": number(summary.initial_margin, SUMMARY),
        "maintenance_margin": number(summary.maintenance_margin, SUMMARY),
        "projected_initial_margin": number(summary.initial_margin, SUMMARY),
        "projected_maintenance_margin": number(summary.maintenance_margin, SUMMARY),
        "total_pl": number(summary.total_pl, SUMMARY),
        "futures_pl": number(summary.futures_pl, SUMMARY),
        "options_pl": number(summary.options_pl, SUMMARY),
        "options_value": number(summary.options_value, SUMMARY),
        "options_delta": number(summary.options_delta, GREEK),
        "options_gamma": number(summary.options_gamma, GREEK),
        "options_vega": number(summary.options_vega, GREEK),
        "options_theta": number(summary.options_theta, GREEK),
        "options_gamma_map": _per_index(summary.options_gamma_map, GREEK),
        "options_vega_map": _per_index(summary.options_vega_map, GREEK),
        "options_theta_map": _per_index(summary.options_theta_map, GREEK),
        "delta_total": number(summary.delta_total, DELTA),
        "delta_total_map": _per_index(summary.delta_total_map, DELTA),
        "projected_delta_total": number(summary.delta_total, DELTA),
        "estimated_liquidation_ratio": number(summary.estimated_liquidation_ratio, SUMMARY),
        "estimated_liquidation_ratio_map": _per_index(summary.estimated_liquidation_ratio_map, RATIO_MAP),
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


def account_summary(summary: AccountSummary, account: Row | None = None) -> Row:
    """A summary of `private/get_account_summary` (with `account`, the account's own fields) or one of the list of
    `private/get_account_summaries` (whose account fields are at the top, once): the portfolio's figures and the
    account's rate `limits`. No `fees`: Deribit sends them only to users with discounts, which the mock has none of."""
    return {**portfolio(summary), "limits": _limits(), **(account or {})}


# -- trades ---------------------------------------------------------------------------------------------------------


def trade(item: DeribitTrade, contract_size: Decimal) -> Row:
    row: Row = {
        "trade_id": item.trade_id,
        "trade_seq": item.trade_seq,
        "instrument_name": item.instrument_name,
        "timestamp": unix_ms(item.timestamp),
        "order_id": item.order_id,
        "order_type": item.order_type,
        "direction": item.direction,
        "price": json_number(item.price),
        "amount": json_number(item.amount),
        "contracts": json_number(item.amount / contract_size),
        "fee": json_number(item.fee),
        "fee_currency": item.fee_currency,
        "liquidity": item.liquidity,  # M: its order rested, T: it took
        "state": "filled",
        "tick_direction": item.tick_direction,
        "profit_loss": number(item.profit_loss, SUMMARY),
        "matching_id": None,
        "post_only": False,
        "reduce_only": False,
        "self_trade": False,
        "mmp": False,
        "api": True,
        "risk_reducing": False,
    }
    _put(row, "index_price", item.index_price, PRICE)
    _put(row, "mark_price", item.mark_price, PRICE)
    if item.label:  # Deribit shows a trade's label only when its order had one
        row["label"] = item.label
    return row
