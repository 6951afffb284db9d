"""Deribit's public trade channels: `trades.{instrument_name}.{interval}` and `trades.{kind}.{currency}.{interval}`
(each trade as `public/get_last_trades_by_*` lists it, `trade_history.public_trade`), and
`chart.trades.{instrument_name}.{resolution}` (the candle a trade changed, as `public/get_tradingview_chart_data` charts
it from core/deribit/candles.py).

A trade is sent once, as its instrument keeps it (the taker's direction; public_channels.py's routing derives it), in
an array of one: every interval sends every trade (the mock does not gather `100ms` or `agg2`); `raw` needs an
authorized connection. `kind` and `currency` may be `any`, the currency is the one the instrument settles in (as the
last trades by currency read it). A chart channel sends the candle of the clock's current period at once (once its
instrument has traded: a period with no trade after the first holds the close before it, as the chart reads), then
the candle of each trade's period after it, valued when the first connection sends it.
"""

from __future__ import annotations

from collections.abc import Hashable

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.candles import MINUTE_MS, chart
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.venues.deribit.public_channels import (
    PUBLIC_TRADE,
    ChannelContext,
    ChannelFamily,
    MarketChannel,
    MarketItem,
    data_bytes,
    instrument_channel,
    instrument_of,
    interval_refused,
    kind_and_currency,
    listed,
    one,
)
from mockexchange.venues.deribit.trade_history import RESOLUTION, candle_row, public_trade


class TradesChannels(ChannelFamily):
    prefixes = ("trades.",)

    def parse(self, name: str, parts: list[str], exchange: DeribitExchange) -> MarketChannel | str:
        if len(parts) == 3:
            return instrument_channel("trades", name, parts, exchange)
        if len(parts) != 4:
            return "trades.* takes {instrument_name}.{interval} or {kind}.{currency}.{interval}"
        read = kind_and_currency(parts[1], parts[2])
        if isinstance(read, str):
            return read
        kind, currency = read
        return interval_refused(parts[3]) or MarketChannel(name, "trades", interval=parts[3], kind=kind,
                                                           currency=currency)  # fmt: skip

    def keys(self, channel: MarketChannel, exchange: DeribitExchange) -> tuple[Hashable, ...]:
        if channel.instrument_name is not None:
            return (channel.instrument_name,)
        return tuple(("trades", currency) for currency in channel.currencies)

    def news(self, channel: MarketChannel, item: MarketItem, held: ChannelContext) -> tuple[bytes, ...]:
        if item.kind != PUBLIC_TRADE:
            return ()
        trade = item.payload
        if channel.instrument_name not in (None, trade.instrument_name):
            return ()
        instrument = instrument_of(held.exchange, trade.instrument_name)
        if instrument is None or channel.instrument_name is None and not channel.carries(instrument):
            return ()
        return one(item.data("trades", lambda: [public_trade(trade, instrument)]))


class ChartChannels(ChannelFamily):
    prefixes = ("chart.trades.",)

    def parse(self, name: str, parts: list[str], exchange: DeribitExchange) -> MarketChannel | str:
        if len(parts) != 4:
            return "chart.trades.* takes {instrument_name}.{resolution}"
        minutes = RESOLUTION.get(parts[3])
        if minutes is None:
            return f"resolution must be one of {', '.join(RESOLUTION)}"
        return listed(parts[2], exchange) or MarketChannel(name, "chart", parts[2], resolution=minutes)

    def first(self, channel: MarketChannel, held: ChannelContext) -> bytes | None:
        assert channel.instrument_name is not None
        now = unix_ms(held.exchange.state.clock.now())
        return data_bytes(_candle(held, channel.instrument_name, channel.resolution, now)) or None

    def news(self, channel: MarketChannel, item: MarketItem, held: ChannelContext) -> tuple[bytes, ...]:
        name = channel.instrument_name
        if item.kind != PUBLIC_TRADE or item.payload.instrument_name != name:
            return ()
        assert name is not None
        at = unix_ms(item.payload.timestamp)
        minutes = channel.resolution
        return one(item.data(("chart", minutes), lambda: _candle(held, name, minutes, at)))


def _candle(held: ChannelContext, instrument_name: str, minutes: int, at_ms: int) -> object:
    """The row of the candle of the period holding `at_ms` (None: the instrument has not traded by then)."""
    width = minutes * MINUTE_MS
    tick = at_ms - at_ms % width
    series = held.exchange.state.candles.get(instrument_name, [])
    found = next(chart(series, minutes, tick, at_ms, at_ms, 1), None)
    return None if found is None else candle_row(found)
