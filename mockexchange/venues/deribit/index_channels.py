"""Deribit's public channels of a price index: `deribit_price_index.{index_name}` (the index's price, as it is set on
the exchange clock), `markprice.options.{index_name}` (the mark and volatility of every option marked against the
index that has not expired, as `public/ticker` values them) and `perpetual.{instrument_name}.{interval}` (a
perpetual's funding rate in force and its index, as `public/get_funding_chart_data`'s `current_interest` and the
ticker's `index_price` read them).

Each sends what it tells at once when there is something (an index with a price; options of it listed; a perpetual
whose index has a price), then after each move: the index's price; for the marks, the index's price, an option's mark
pinned or unpinned and a volatility set (each option's mark, its `iv` the volatility it is valued with, a fraction: 0.5
is 50%); for a perpetual, its index's price and its funding rate (set, or a point of its path the clock reaches),
valued when the first connection sends it. A `perpetual.*` channel of another listed instrument sends nothing, as
Deribit's; its interval is any of Deribit's (every move is sent; `raw` needs an authorized connection).
"""

from __future__ import annotations

from collections.abc import Hashable
from decimal import Decimal

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.records import Price
from mockexchange.venues.deribit.funding_data import INTEREST
from mockexchange.venues.deribit.public_channels import (
    FUNDING,
    INDEX,
    MARK,
    VOLATILITY,
    ChannelContext,
    ChannelFamily,
    MarketChannel,
    MarketItem,
    data_bytes,
    index_base,
    index_refused,
    instrument_channel,
    instrument_of,
    one,
)
from mockexchange.venues.deribit.render import PRICE, Row, number

IV = 4  # places of a mark's volatility (a fraction: the ticker's `mark_iv` in percent has 2)


class PriceIndexChannels(ChannelFamily):
    prefixes = ("deribit_price_index.",)

    def parse(self, name: str, parts: list[str], exchange: DeribitExchange) -> MarketChannel | str:
        if len(parts) != 2:
            return "deribit_price_index.* takes {index_name}"
        return index_refused(parts[1]) or MarketChannel(name, "deribit_price_index", index_name=parts[1])

    def keys(self, channel: MarketChannel, exchange: DeribitExchange) -> tuple[Hashable, ...]:
        return (("index", channel.index_name),)

    def first(self, channel: MarketChannel, held: ChannelContext) -> bytes | None:
        assert channel.index_name is not None
        price = held.exchange.market.index_prices().get(channel.index_name)
        return None if price is None else data_bytes(index_row(channel.index_name, price))

    def news(self, channel: MarketChannel, item: MarketItem, held: ChannelContext) -> tuple[bytes, ...]:
        if item.kind != INDEX or item.payload[0] != channel.index_name:
            return ()
        name, price = item.payload
        return one(item.data("index", lambda: index_row(name, price)))


def index_row(index_name: str, price: Price) -> Row:
    return {"timestamp": unix_ms(price.timestamp), "price": number(price.value, PRICE), "index_name": index_name}


class OptionMarksChannels(ChannelFamily):
    prefixes = ("markprice.options.",)
    reads_many = True

    def parse(self, name: str, parts: list[str], exchange: DeribitExchange) -> MarketChannel | str:
        if len(parts) != 3:
            return "markprice.options.* takes {index_name}"
        return index_refused(parts[2]) or MarketChannel(name, "markprice", index_name=parts[2])

    def keys(self, channel: MarketChannel, exchange: DeribitExchange) -> tuple[Hashable, ...]:
        assert channel.index_name is not None
        return ("index", channel.index_name), ("vol", index_base(channel.index_name))

    def first(self, channel: MarketChannel, held: ChannelContext) -> bytes | None:
        assert channel.index_name is not None
        return data_bytes(marks_row(held.exchange, channel.index_name)) or None

    def news(self, channel: MarketChannel, item: MarketItem, held: ChannelContext) -> tuple[bytes, ...]:
        index_name = channel.index_name
        assert index_name is not None
        if not _moves_marks(item, index_name, held.exchange):
            return ()
        return one(item.data(("marks", index_name), lambda: marks_row(held.exchange, index_name)))


def _moves_marks(item: MarketItem, index_name: str, exchange: DeribitExchange) -> bool:
    kind, payload = item.kind, item.payload
    if kind == INDEX:
        return payload[0] == index_name
    if kind not in (MARK, VOLATILITY):
        return False
    instrument = instrument_of(exchange, payload[0])
    if instrument is None:  # a currency's volatility (or an instrument no longer listed)
        return kind == VOLATILITY and payload[0] == index_base(index_name)
    return instrument.kind == "option" and instrument.price_index == index_name


def marks_row(exchange: DeribitExchange, index_name: str) -> list[Row] | None:
    """Each option of the index not expired, by name: its mark and volatility now (None: the index has no price, or
    no such option is listed)."""
    market = exchange.market
    index = market.index_prices().get(index_name)
    if index is None:
        return None
    now = exchange.state.clock.now()
    at = unix_ms(now)
    rows: list[Row] = []
    for instrument in market.instruments(kind="option"):
        expiration = instrument.expiration
        if instrument.price_index != index_name or expiration is not None and expiration <= now:
            continue
        name = instrument.instrument_name
        try:
            mark = market.mark_of(market.listing(name), index.value)
        except (ValueError, ArithmeticError):  # (an option Black-76 cannot price: the ticker refuses it too)
            continue
        rows.append(_mark_row(at, mark, market.volatility(name), name))
    return rows or None


def _mark_row(at: int, mark: Decimal, volatility: Decimal, instrument_name: str) -> Row:
    return {"timestamp": at, "mark_price": number(mark, PRICE), "iv": number(volatility, IV),
            "instrument_name": instrument_name}  # fmt: skip


class PerpetualChannels(ChannelFamily):
    prefixes = ("perpetual.",)

    def parse(self, name: str, parts: list[str], exchange: DeribitExchange) -> MarketChannel | str:
        return instrument_channel("perpetual", name, parts, exchange)

    def keys(self, channel: MarketChannel, exchange: DeribitExchange) -> tuple[Hashable, ...]:
        assert channel.instrument_name is not None
        index = _index_of(exchange, channel.instrument_name)
        return (channel.instrument_name,) if index is None else (channel.instrument_name, ("index", index))

    def first(self, channel: MarketChannel, held: ChannelContext) -> bytes | None:
        assert channel.instrument_name is not None
        return data_bytes(perpetual_row(held.exchange, channel.instrument_name)) or None

    def news(self, channel: MarketChannel, item: MarketItem, held: ChannelContext) -> tuple[bytes, ...]:
        name = channel.instrument_name
        assert name is not None
        if item.kind == FUNDING:
            moved = item.payload[0] == name
        else:
            moved = item.kind == INDEX and _index_of(held.exchange, name) == item.payload[0]
        return one(item.data(("perpetual", name), lambda: perpetual_row(held.exchange, name))) if moved else ()


def perpetual_row(exchange: DeribitExchange, instrument_name: str) -> Row | None:
    """A perpetual's funding rate in force and its index now (None: no perpetual, or its index has no price)."""
    instrument = instrument_of(exchange, instrument_name)
    if instrument is None or not instrument.is_perpetual:
        return None
    index = exchange.market.index_or_none(instrument.price_index)
    if index is None:
        return None
    return {
        "timestamp": unix_ms(exchange.state.clock.now()),
        "interest": number(exchange.funding.rate(instrument_name), INTEREST),
        "index_price": number(index, PRICE),
    }


def _index_of(exchange: DeribitExchange, instrument_name: str) -> str | None:
    instrument = instrument_of(exchange, instrument_name)
    return None if instrument is None else instrument.price_index
