"""The perps exchange's wire rows, each as the spec's schema names and types its fields (perps_openapi.yaml): prices
in FixedPointDollars of 4 places, money (P&L, fees, margin) of 6, an average (an entry price) of 6, counts in
FixedPointCount's 2, times in RFC 3339, the spec's doubles (leverage, rates) as JSON numbers of the Decimal's digits."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from mockexchange.core.clock import unix_ms
from mockexchange.core.perps import funding, units
from mockexchange.core.perps.margin import PerpAccount, PerpMarketRisk
from mockexchange.core.perps.markets import PerpMark, PerpMarket
from mockexchange.core.perps.orders import PerpOrder
from mockexchange.core.perps.positions import entry_price
from mockexchange.core.perps.records import PerpFill, PerpTrade
from mockexchange.venues.kalshi.render import count_fp, dollars4, dollars6, omitempty, rfc3339
from mockexchange.web.answers import json_number

Row = dict[str, Any]
# The notionals (dollars) a market's leverage estimates are keyed by
LEVERAGE_NOTIONALS = ("1000", "10000", "100000", "1000000")
LEVERAGE_PLACES = Decimal("0.0001")


def price(units_: int) -> str:
    return dollars4(units.price(units_))


def money(micro: int) -> str:
    return dollars6(units.dollars(micro))


def count(hundredths: int) -> str:
    return count_fp(units.contracts(hundredths))


def average(value: Fraction | None) -> str:
    """An exact average (dollars) to 6 places; "0.000000" for none."""
    return dollars6(units.exact_dollars(value)) if value is not None else dollars6(Decimal(0))


def number(value: Fraction | int) -> Any:
    """A spec double as a JSON number of 4 places (a leverage, a percentage)."""
    exact = Fraction(value)
    return json_number((Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(LEVERAGE_PLACES))


def number_of(numerator: int, denominator: int) -> Any:
    """numerator / denominator as a spec double; None (null) over 0."""
    return number(Fraction(numerator, denominator)) if denominator else None


def rate(millionths: int) -> Any:
    return json_number(units.rate(millionths))


def funding_rate(rate: int) -> Any:
    """A funding rate (core/perps/funding.py's units) as the spec's double, from its exact digits."""
    return json_number(Decimal(rate).scaleb(-funding.RATE_PLACES))


def ticker_price(mark: PerpMark) -> Row:
    return {"price": price(mark.price), "ts_ms": unix_ms(mark.at)}


def market(m: PerpMarket, best: tuple[tuple[int, int] | None, tuple[int, int] | None], day: tuple[int, int]) -> Row:
    """A MarginMarket: its terms and statuses, its stats (`best`: the best bid and ask, each price and size; `day`:
    the last 24 hours' volume and its notional) and marks."""
    leverage = number(Fraction(units.MILLION, m.maintenance_rate))
    estimates = dict.fromkeys(LEVERAGE_NOTIONALS, leverage)  # (one margin rate at every size)
    row: Row = {
        "market_id": m.market_id, "ticker": m.ticker, "title": m.title, "market_version": m.market_version,
        "exchange_index": m.exchange_index, "contract_size": m.contract_size,
        "underlying_multiplier": m.underlying_multiplier, "tick_size": price(m.tick), "status": m.status,
        "fractional_trading_enabled": m.fractional, "leverage_estimate": leverage, "leverage_estimates": estimates,
        "long_leverage_estimates": estimates, "short_leverage_estimates": estimates,
    }  # fmt: skip
    omitempty(row, "price", None if m.last_price is None else price(m.last_price))
    row |= {
        "volume": count(m.volume), "volume_notional_value_dollars": money(m.volume_notional),
        "open_interest": count(m.open_interest),
        "open_interest_notional_value_dollars": money(units.notional(m.open_interest, m.mark)),
        "volume_24h": count(day[0]), "volume_24h_notional_value_dollars": money(day[1]),
    }  # fmt: skip
    for side, level in zip(("bid", "ask"), best, strict=True):
        omitempty(row, side, None if level is None else price(level[0]))
        row[f"{side}_size_fp"] = count(0 if level is None else level[1])
    row |= {
        "settlement_mark_price": ticker_price(m.settlement_mark),
        "liquidation_mark_price": ticker_price(m.liquidation_mark),
        "reference_price": ticker_price(m.reference),
    }
    omitempty(row, "asset_class", m.asset_class)
    return row | {
        "schedule": None, "funding_deadband": rate(m.funding_deadband), "funding_cap": rate(m.funding_cap),
        "funding_limit_unit": m.funding_limit_unit, "halt_sources": list(m.halt_sources),
        "funding_invalid_premium_handling": m.funding_invalid_premium_handling,
    }  # fmt: skip


def order(o: PerpOrder) -> Row:
    """A MarginOrder (`order_group_id` only in a group, `order_reason` only on the exchange's own)."""
    row = {
        "order_id": o.order_id, "user_id": o.user_id, "client_order_id": o.client_order_id, "ticker": o.ticker,
        "side": o.side, "last_update_reason": o.last_update_reason, "price": price(o.price),
        "fill_count": count(o.filled), "remaining_count": count(o.remaining),
        "expiration_time": None if o.expiration is None else rfc3339(o.expiration),
        "created_time": rfc3339(o.created), "last_update_time": rfc3339(o.updated),
        "self_trade_prevention_type": o.self_trade_prevention_type, "cancel_order_on_pause": o.cancel_order_on_pause,
    }  # fmt: skip
    omitempty(row, "order_group_id", o.order_group_id)
    row["order_source"] = o.source
    omitempty(row, "order_reason", o.reason)
    return row


def fill(f: PerpFill) -> Row:
    """A MarginFill."""
    return {
        "fill_id": f.fill_id, "order_id": f.order_id, "is_taker": f.is_taker, "side": f.side, "count": count(f.count),
        "created_time": rfc3339(f.created), "ticker": f.ticker, "price": price(f.price),
        "entry_price": average(entry_price(f.entry_cost, f.entry_size)), "fees": money(f.fee),
        "realized_pnl": money(f.realized_pnl), "order_source": f.source,
    }  # fmt: skip


def trade(t: PerpTrade) -> Row:
    """A MarginTrade."""
    return {
        "trade_id": t.trade_id, "ticker": t.ticker, "count": count(t.count), "price": price(t.price),
        "created_time": rfc3339(t.created), "taker_side": t.taker_side,
    }  # fmt: skip


def position(held: PerpMarketRisk, subaccount: int) -> Row:
    """A MarginPosition: margin_used is its maintenance margin, roe its unrealized P&L over that, in percent."""
    used = held.maintenance
    return {
        "subaccount": subaccount, "market_ticker": held.market.ticker, "position": count(held.position.size),
        "entry_price": average(held.position.entry_price()), "unrealized_pnl": money(held.unrealized),
        "margin_used": money(used), "fees": money(held.position.fees),
        "roe": number_of(held.unrealized * 100, used), "is_portfolio": False,
    }  # fmt: skip


def balance(account: PerpAccount, compute_available: bool) -> Row:
    """A MarginSubaccountBalance: the positions' value is their unrealized P&L at the marks, the equity the cash plus
    it; resting_orders_margin and available_balance only when asked for (`compute_available_balance`)."""
    orders_margin = account.initial - account.positions_initial if compute_available else 0
    return {
        "subaccount": account.subaccount, "position_value": money(account.unrealized),
        "account_equity": money(account.equity), "maintenance_margin": money(account.maintenance),
        "initial_margin": money(account.positions_initial), "resting_orders_margin": money(orders_margin),
        "available_balance": money(account.available if compute_available else 0),
    }  # fmt: skip


def risk_position(account: PerpAccount, held: PerpMarketRisk, threshold: int) -> Row:
    """A MarginRiskPosition at the market's mark."""
    maintenance = held.maintenance
    liquidation = account.liquidation_price(held.market.ticker, threshold)
    return {
        "subaccount": account.subaccount, "market_ticker": held.market.ticker, "position": count(held.position.size),
        "mark_price": price(held.market.mark), "position_notional": money(held.notional),
        "maintenance_margin_required": money(maintenance),
        "position_leverage": number_of(held.notional, maintenance),
        "estimated_liquidation_price": None if liquidation is None else average(liquidation),
        "is_portfolio": False,
    }  # fmt: skip
