"""Deribit's public reads of a perpetual's funding (core/deribit/funding.py): `public/get_funding_rate_value` (what its
rate accrued over a span), `get_funding_rate_history` (hourly rows), `get_funding_chart_data` (the rate now and its
points over a length); and their rows. The rate is set through the control plane over the exchange clock (0 until
set); an instrument that is no perpetual has none: 0, and no rows.
"""

from __future__ import annotations

from typing import Any

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.funding import CHART, FundingChart, FundingHour, FundingPoint
from mockexchange.core.values import Choice
from mockexchange.venues.deribit.methods import Method, RpcCall, listed_instrument
from mockexchange.venues.deribit.render import PRICE, Row, number

INTEREST = 16  # places of a rate or what it accrued (Deribit's examples: -0.00025056853702101664)
LENGTH = Choice(tuple(CHART))


def _perpetual(call: RpcCall) -> tuple[str, bool]:
    """The instrument named (listed, or -32602) and whether it is a perpetual."""
    name = listed_instrument(call)
    return name, call.ctx.exchange.market.instrument(name).is_perpetual


def public_get_funding_rate_value(call: RpcCall) -> Any:
    name, perpetual = _perpetual(call)
    start, end = call.params.time("start_timestamp"), call.params.time("end_timestamp")
    with call.ctx.exchange.reading():
        accrued = call.ctx.exchange.funding.accrued(name, start, end) if perpetual else None
    return number(accrued, INTEREST) if accrued is not None else 0


def public_get_funding_rate_history(call: RpcCall) -> Any:
    name, perpetual = _perpetual(call)
    start, end = call.params.time("start_timestamp"), call.params.time("end_timestamp")
    with call.ctx.exchange.reading():
        rows = call.ctx.exchange.funding.hours(name, start, end) if perpetual else []
    return [funding_hour_row(row) for row in rows]


def public_get_funding_chart_data(call: RpcCall) -> Any:
    name, perpetual = _perpetual(call)
    length = call.params.read("length", LENGTH, required=True)
    with call.ctx.exchange.reading():
        chart = call.ctx.exchange.funding.chart(name, length) if perpetual else None
    return funding_chart_row(chart)


METHODS: dict[str, Method] = {
    "public/get_funding_rate_value": Method(public_get_funding_rate_value, instrument=True),
    "public/get_funding_rate_history": Method(public_get_funding_rate_history, instrument=True),
    "public/get_funding_chart_data": Method(public_get_funding_chart_data, instrument=True),
}


# -- rows -------------------------------------------------------------------------------------------------------------


def funding_hour_row(row: FundingHour) -> Row:
    return {
        "timestamp": unix_ms(row.timestamp),
        "index_price": number(row.index_price, PRICE),
        "prev_index_price": number(row.prev_index_price, PRICE),
        "interest_1h": number(row.interest_1h, INTEREST),
        "interest_8h": number(row.interest_8h, INTEREST),
    }


def funding_point_row(point: FundingPoint) -> Row:
    return {
        "timestamp": unix_ms(point.timestamp),
        "index_price": number(point.index_price, PRICE),
        "interest_8h": number(point.interest_8h, INTEREST),
    }


def funding_chart_row(chart: FundingChart | None) -> Row:
    """The chart (None: an instrument with no funding: 0 and no points)."""
    if chart is None:
        return {"current_interest": 0, "interest_8h": 0, "data": []}
    return {
        "current_interest": number(chart.current_interest, INTEREST),
        "interest_8h": number(chart.interest_8h, INTEREST),
        "data": [funding_point_row(point) for point in chart.data],
    }
