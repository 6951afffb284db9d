"""The perps exchange's funding reads (core/perps/funding.py and premium.py), each after what fell due (so a read
after a move of the clock sees its payments): a user's payments (GetMarginFundingHistory, signed), the markets' rates
(GetMarginHistoricalFundingRates), a market's in-progress period (GetMarginFundingRateEstimate) and its per-second
premium (GetMarginPremiumIndex), public. A rate is a spec double written from its exact digits, a premium a decimal
string of at most 12 places."""

from __future__ import annotations

import re
from datetime import UTC, date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.clock import unix_us
from mockexchange.core.perps import funding, premium
from mockexchange.core.perps.markets import PerpMarket
from mockexchange.core.perps.records import PerpFundingPayment, PerpFundingRate
from mockexchange.core.rounding import half_even
from mockexchange.venues.kalshi.context import subaccount_for
from mockexchange.venues.kalshi.errors import KalshiError, param_error
from mockexchange.venues.kalshi.params import INT64, SUBACCOUNT, TICKER, Param, Query, parse_query
from mockexchange.venues.kalshi.render import Row, omitempty, rfc3339
from mockexchange.venues.perps import render
from mockexchange.venues.perps.context import PerpsContext
from mockexchange.venues.perps.markets import market_named

HOUR = 3_600  # seconds: the longest premium index window
START_DATE = Param("start_date", "StartDate", required=True)
END_DATE = Param("end_date", "EndDate", required=True)
START_TS = Param("start_ts", "StartTs", INT64)
END_TS = Param("end_ts", "EndTs", INT64)
WINDOW_TS = Param("start_ts", "StartTs", INT64, required=True)  # (the spec's int64 of no bound)
WINDOW_END = Param("end_ts", "EndTs", INT64, required=True)
REQUIRED_TICKER = Param("ticker", "Ticker", required=True)
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def premium_index(measured: Fraction | None) -> str:
    """A premium as a signed decimal string of at most 12 places ("0": none)."""
    if not measured:
        return "0"
    units = half_even(measured.numerator * funding.RATE, measured.denominator)
    text = f"{Decimal(units).scaleb(-funding.RATE_PLACES).normalize():f}"
    return "0" if text in ("0", "-0") else text


def _rate_row(rate: PerpFundingRate) -> Row:
    """A MarginFundingRate."""
    return {"market_ticker": rate.ticker, "funding_time": rfc3339(rate.funded),
            "funding_rate": render.funding_rate(rate.rate), "mark_price": render.price(rate.mark)}  # fmt: skip


def _payment_row(payment: PerpFundingPayment) -> Row:
    """A MarginFundingHistoryEntry."""
    row = _rate_row(payment.funding)
    row.update(funding_amount=render.money(payment.amount), quantity=render.count(payment.size),
               subaccount_number=payment.subaccount)  # fmt: skip
    return row


def _date(operation: str, param: Param, raw: str) -> date:
    try:
        if DATE.fullmatch(raw):
            return date.fromisoformat(raw)
    except ValueError:
        pass
    msg = (
        f"Parameter validation failed for {operation}: Invalid format for parameter {param.name}: "
        f'error binding string parameter: parsing time "{raw}" as "2006-01-02": cannot parse "{raw}" as "2006"'
    )
    raise KalshiError(400, {"msg": msg}, f"{param.name} must be a date (YYYY-MM-DD)")


def _market_or_all(ctx: PerpsContext, ticker: str | None) -> str | None:
    """The ticker asked for, which must be listed (404); None (or empty): every market."""
    return market_named(ctx, ticker).ticker if ticker else None


def history(ctx: PerpsContext, key: ApiKey, query: Query) -> dict[str, Any]:
    operation = "GetMarginFundingHistory"
    asked = parse_query(operation, (TICKER, START_DATE, END_DATE, SUBACCOUNT), query)
    first, last = _date(operation, START_DATE, asked["start_date"]), _date(operation, END_DATE, asked["end_date"])
    if last < first:
        raise param_error(operation, "EndDate", "gtefield", "end_date must not be before start_date")
    ticker = _market_or_all(ctx, asked["ticker"])
    subaccount = subaccount_for(key, asked["subaccount"])
    ctx.exchange.run_due()
    return {
        "funding_history": [
            _payment_row(payment) for payment in ctx.exchange.state.funding_payments.get(key.user_id, [])
            if ticker in (None, payment.funding.ticker) and subaccount in (None, payment.subaccount)
            and first <= payment.funding.funded.astimezone(UTC).date() <= last
        ]
    }  # fmt: skip


def historical_rates(ctx: PerpsContext, key: Any, query: Query) -> dict[str, Any]:
    operation = "GetMarginHistoricalFundingRates"
    asked = parse_query(operation, (TICKER, START_TS, END_TS), query)
    ticker = _market_or_all(ctx, asked["ticker"])
    start, end = asked["start_ts"], asked["end_ts"]
    if start is not None and end is not None and end < start:
        raise param_error(operation, "EndTs", "gtefield", "end_ts must not be before start_ts")
    ctx.exchange.run_due()
    kept = ctx.exchange.state.funding_rates
    rates = [rate for name in ([ticker] if ticker else sorted(kept)) for rate in kept.get(name, [])]
    rates.sort(key=lambda rate: rate.funded)  # (stable: markets by ticker at one time)

    def within(rate: PerpFundingRate) -> bool:
        seconds = unix_us(rate.funded) // 1_000_000
        return (start is None or seconds >= start) and (end is None or seconds <= end)

    return {"funding_rates": [_rate_row(rate) for rate in rates if within(rate)]}


def estimate(ctx: PerpsContext, key: Any, query: Query) -> dict[str, Any]:
    asked = parse_query("GetMarginFundingRateEstimate", (REQUIRED_TICKER,), query)
    market: PerpMarket = market_named(ctx, asked["ticker"])
    now = ctx.exchange.funding_estimate(market)
    row: Row = {
        "market_ticker": market.ticker, "computed_time": rfc3339(now.computed),
        "funding_rate": render.funding_rate(now.rate), "mark_price": render.price(now.mark),
        "next_funding_time": rfc3339(now.next_funding),
    }  # fmt: skip
    if now.premium is not None and now.premium_second is not None:
        row["premium_index"] = premium_index(now.premium)
    omitempty(row, "premium_index_ts", None if now.premium_second is None else rfc3339(now.premium_second))
    return row


def premium_index_points(ctx: PerpsContext, key: Any, query: Query) -> dict[str, Any]:
    operation = "GetMarginPremiumIndex"
    asked = parse_query(operation, (REQUIRED_TICKER, WINDOW_TS, WINDOW_END), query)
    start, end = asked["start_ts"], asked["end_ts"]
    if end <= start:
        raise param_error(operation, "EndTs", "gtfield", "end_ts must be after start_ts")
    if end - start > HOUR:
        raise param_error(operation, "EndTs", "ltefield", "end_ts must be at most an hour after start_ts")
    market = market_named(ctx, asked["ticker"])
    ctx.exchange.run_due()
    state = ctx.exchange.state
    listed = unix_us(market.listed) if market.listed else 0
    # (the seconds recorded: from the market's listing to the bar in progress now)
    first = max(start * premium.SECOND, listed)
    until = min(end * premium.SECOND, unix_us(state.clock.now()) + 1)
    points = premium.seconds(state, market.ticker, first, until) if first < until else iter(())
    return {
        "points": [
            {
                "second_ts": rfc3339(funding.EPOCH + timedelta(microseconds=second)),
                "premium_index": premium_index(measured),
            }
            for second, measured in points
        ]
    }
