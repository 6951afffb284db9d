"""Deribit's public market data: `public/get_order_book` and `public/ticker`, read from every account's resting orders
(`core/deribit/public_levels.py`) and the exchange's prices and trades (`core/deribit/market_stats.py`), and their rows,
which the `book.*`, `ticker.*`, `quote.*` and `incremental_ticker.*` channels send too (`market_channels.py`,
`ticker_channels.py`).

Field by field as Deribit's documentation and captured answers show them: prices to 8 places, amounts exact, an empty
side's best price and amount 0, `last_price` null before the first trade, the statistics null without a trade in 24
hours; futures carry `settlement_price` (perpetuals `current_funding`, the funding rate in force, `funding_8h`, what it
accrued over the last 8 hours, core/deribit/funding.py, and, on the ticker, `interest_value` 0: the mock pays no
funding), options `underlying_price`, `underlying_index`, `interest_rate`, the volatilities (`bid_iv`, `ask_iv` 0: the
mock does not solve for them) and `greeks`; an expired instrument `delivery_price` instead of `settlement_price`, state
`delivered`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.market_stats import Stats, Ticker, ticker
from mockexchange.core.deribit.public_levels import LevelsView
from mockexchange.core.values import Integer
from mockexchange.venues.deribit.funding_data import INTEREST
from mockexchange.venues.deribit.methods import Method, RpcCall, listed_instrument
from mockexchange.venues.deribit.render import GREEK, PRICE, Row, number
from mockexchange.web.answers import json_number

DEFAULT_DEPTH = 20  # levels a side when `depth` is not given
DEPTH = Integer(1, 10_000)  # Deribit's documented maximum
VOLUME = 8  # places of the statistics' volumes
CHANGE = 4  # places of price_change (percent)
IV = 2  # places of the volatilities (percent)
_ZERO = json_number(Decimal(0))


def read_ticker(call: RpcCall, name: str, depth: int = 0) -> Ticker:
    exchange = call.ctx.exchange
    with exchange.reading():
        return ticker(exchange, call.ctx.levels, name, depth)


def public_get_order_book(call: RpcCall) -> Any:
    name = listed_instrument(call)
    depth = call.params.read("depth", DEPTH, DEFAULT_DEPTH)
    return order_book_row(read_ticker(call, name, depth))


def public_ticker(call: RpcCall) -> Any:
    return ticker_row(read_ticker(call, listed_instrument(call)))


METHODS: dict[str, Method] = {
    "public/get_order_book": Method(public_get_order_book, instrument=True),
    "public/ticker": Method(public_ticker, instrument=True),
}


# -- rows -------------------------------------------------------------------------------------------------------------


def levels(entries: list[tuple[Decimal, Decimal]]) -> list[list[Any]]:
    return [[number(price, PRICE), json_number(amount)] for price, amount in entries]


def order_book_row(item: Ticker) -> Row:
    """`public/get_order_book`: the ticker's fields, the levels and the book's `change_id`."""
    row = _common(item)
    row["bids"] = levels(item.levels.bids)
    row["asks"] = levels(item.levels.asks)
    row["change_id"] = item.levels.change_id
    return row


def ticker_row(item: Ticker) -> Row:
    """`public/ticker` and the `ticker.*` channels' data."""
    row = _common(item)
    if item.instrument.kind == "future" and item.instrument.is_perpetual:
        row["interest_value"] = _ZERO
    return row


def funding_fields(funding: tuple[Decimal, Decimal]) -> Row:
    """A perpetual's funding as its ticker and book summary show it: the rate in force and what it accrued over the
    last 8 hours (core/deribit/funding.py)."""
    current, last_8h = funding
    return {"funding_8h": number(last_8h, INTEREST), "current_funding": number(current, INTEREST)}


def _common(item: Ticker) -> Row:
    instrument = item.instrument
    row: Row = {
        "timestamp": unix_ms(item.timestamp),
        "stats": _stats(item.stats),
        "state": item.state,
        "open_interest": json_number(item.open_interest),
        "min_price": number(item.min_price, PRICE),
        "max_price": number(item.max_price, PRICE),
        "mark_price": number(item.mark_price, PRICE),
        "last_price": None if item.last_price is None else number(item.last_price, PRICE),
        "instrument_name": instrument.instrument_name,
        "index_price": number(item.index_price, PRICE),
        "estimated_delivery_price": number(item.index_price, PRICE),
        **best_row("bid", item.levels),
        **best_row("ask", item.levels),
    }
    if item.delivery_price is not None:
        row["delivery_price"] = number(item.delivery_price, PRICE)
    elif item.settlement_price is not None:
        row["settlement_price"] = number(item.settlement_price, PRICE)
    if item.funding is not None:
        row.update(funding_fields(item.funding))
    if item.greeks is not None and item.mark_iv is not None:
        greeks = item.greeks
        row.update({
            "underlying_price": number(item.index_price, PRICE),
            "underlying_index": "index_price",
            "interest_rate": _ZERO,
            "mark_iv": number(item.mark_iv, IV),
            "bid_iv": _ZERO,
            "ask_iv": _ZERO,
            "greeks": {
                "delta": number(greeks.delta, GREEK), "gamma": number(greeks.gamma, GREEK),
                "vega": number(greeks.vega, GREEK), "theta": number(greeks.theta, GREEK),
                "rho": number(greeks.rho, GREEK),
            },
        })  # fmt: skip
    return row


def best_row(side: str, view: LevelsView) -> Row:
    """A side's best price and amount (0 and 0 for an empty side): the ticker's and the `quote.*` channel's."""
    best = view.best_bid if side == "bid" else view.best_ask
    if best is None:
        return {f"best_{side}_price": _ZERO, f"best_{side}_amount": _ZERO}
    return {f"best_{side}_price": number(best[0], PRICE), f"best_{side}_amount": json_number(best[1])}


def _stats(stats: Stats) -> Row:
    if stats.volume is None or stats.volume_usd is None or stats.price_change is None:
        return {"volume": None, "price_change": None, "low": None, "high": None}
    return {
        "volume": number(stats.volume, VOLUME),
        "volume_usd": number(stats.volume_usd, VOLUME),
        "price_change": number(stats.price_change, CHANGE),
        "low": None if stats.low is None else number(stats.low, PRICE),
        "high": None if stats.high is None else number(stats.high, PRICE),
    }
