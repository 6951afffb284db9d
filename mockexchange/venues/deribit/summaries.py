"""Deribit's book summaries (`public/get_book_summary_by_currency`, `_by_instrument`): per instrument, what its ticker
shows of its book's top, its prices and its last 24 hours (core/deribit/market_stats.py's `Summary`), one row each;
and the order book by an instrument's id (`public/get_order_book_by_instrument_id`: `public/get_order_book`'s answer).

A summary by currency lists every instrument settled in it that has not expired, by name, but one whose index has no
price yet (it cannot be valued); `kind` `spot` or a combo lists none (the mock lists neither).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.market_stats import Summary, summaries
from mockexchange.venues.deribit import render
from mockexchange.venues.deribit.errors import invalid_param
from mockexchange.venues.deribit.market_data import (
    CHANGE,
    DEFAULT_DEPTH,
    DEPTH,
    IV,
    VOLUME,
    funding_fields,
    order_book_row,
    read_ticker,
)
from mockexchange.venues.deribit.methods import INSTRUMENT_KIND, UNLISTED_KINDS, Method, RpcCall, listed_instrument
from mockexchange.venues.deribit.params import INTEGER
from mockexchange.web.answers import json_number

Row = render.Row
_NONE = Decimal(0)
_ZERO = json_number(_NONE)
_TWO = Decimal(2)
PRICE = render.PRICE


def public_get_book_summary_by_currency(call: RpcCall) -> Any:
    currency = call.params.currency(allow_any=False, required=True)
    kind = call.params.read("kind", INSTRUMENT_KIND)
    if kind in UNLISTED_KINDS:
        return []
    exchange = call.ctx.exchange
    with exchange.reading():
        now_ms = unix_ms(exchange.state.clock.now())  # (a perpetual's expiration is in the year 3000)
        listed = [item for item in exchange.market.instruments(currency, kind) if now_ms < item.expiration_timestamp]
        numbers = render.Numbers()
        return [book_summary_row(item, numbers) for item in summaries(exchange, call.ctx.levels, listed)]


def public_get_book_summary_by_instrument(call: RpcCall) -> Any:
    exchange = call.ctx.exchange
    with exchange.reading():
        instrument = exchange.market.instrument(listed_instrument(call))
        found = summaries(exchange, call.ctx.levels, [instrument])
        if not found:  # its index has no price: the exchange's refusal, as the ticker's
            exchange.market.index_price(instrument.price_index)
        return [book_summary_row(item, render.Numbers()) for item in found]


def book_summary_row(item: Summary, numbers: render.Numbers) -> Row:
    """One instrument's book summary: the best bid and ask and their mid (null for a side with no order), the mark, the
    last trade's price (null before any), the 24 hours' volumes (0 without a trade) and high, low and change (null
    then), the open interest; a future's `volume_notional`, a perpetual's funding (the ticker's), an option's
    volatility, interest rate and underlying (the ticker's). `numbers`: what the read rendered already."""
    instrument, stats = item.instrument, item.stats
    bid, ask = item.best_bid, item.best_ask
    volume = stats.volume if stats.volume is not None else _NONE
    volume_usd = stats.volume_usd if stats.volume_usd is not None else _NONE
    index = numbers[item.index_price, PRICE]
    row: Row = {
        "volume": numbers[volume, VOLUME],
        "volume_usd": numbers[volume_usd, VOLUME],
        "quote_currency": instrument.quote_currency,
        "price_change": None if stats.price_change is None else numbers[stats.price_change, CHANGE],
        "open_interest": json_number(item.open_interest),
        "mid_price": None if bid is None or ask is None else numbers[(bid + ask) / _TWO, PRICE],
        "mark_price": numbers[item.mark_price, PRICE],
        "low": None if stats.low is None else numbers[stats.low, PRICE],
        "last": None if item.last_price is None else numbers[item.last_price, PRICE],
        "instrument_name": instrument.instrument_name,
        "high": None if stats.high is None else numbers[stats.high, PRICE],
        "estimated_delivery_price": index,
        "creation_timestamp": unix_ms(item.listed),
        "bid_price": None if bid is None else numbers[bid, PRICE],
        "base_currency": instrument.base_currency,
        "ask_price": None if ask is None else numbers[ask, PRICE],
    }
    if instrument.kind == "future":
        row["volume_notional"] = row["volume_usd"]  # a future's volume in its quote currency: USD, or USDC
        if item.funding is not None:
            row.update(funding_fields(item.funding))
    elif item.mark_iv is not None:
        row.update({
            "underlying_price": index, "underlying_index": "index_price", "interest_rate": _ZERO,
            "mark_iv": numbers[item.mark_iv, IV],
        })  # fmt: skip
    return row


def public_get_order_book_by_instrument_id(call: RpcCall) -> Any:
    instrument_id = call.params.read("instrument_id", INTEGER, required=True)
    depth = call.params.read("depth", DEPTH, DEFAULT_DEPTH)
    exchange = call.ctx.exchange
    with exchange.reading():
        names = [name for name in exchange.state.listings if render.instrument_id(name) == instrument_id]
        if not names:
            said = f"no listed instrument has the id {instrument_id} (public/get_instruments lists them)"
            raise invalid_param("instrument_id", "instrument not found", said)
        return order_book_row(read_ticker(call, min(names), depth))


METHODS: dict[str, Method] = {
    "public/get_book_summary_by_currency": Method(public_get_book_summary_by_currency),
    "public/get_book_summary_by_instrument": Method(public_get_book_summary_by_instrument, instrument=True),
    "public/get_order_book_by_instrument_id": Method(public_get_order_book_by_instrument_id),
}
