"""A market's candlesticks (`GET /series/{series}/markets/{ticker}/candlesticks`, `/markets/candlesticks`), worked out
from what the mock keeps: its trades (their prices and counts, market_feed.py), the top of its book each time it
moved (`Market.quotes`), and its holders' positions after each trade (each fill's post position).

A candle covers one period of `period` seconds ending at a multiple of it (its `end_period_ts`); there is one for each
period in which something happened (a trade, or the top of the book moving), as the periods with no data are absent
from Kalshi's answers. Its price figures are the trades' (open, high, low, close, the count-weighted mean half even to
the price unit, the last price before it), None without a trade; its bid and ask are those in force at its start and
end and the extremes between (an empty side: a bid of 0, an ask of 1); its volume the trades'; its open interest the
larger side held over the mock's holders at its end, from the fills' post positions (a position moved by an FCM
position transfer, which prints no trade, is not seen). Amounts are in the core's units.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from mockexchange.core.kalshi.fill_log import FillLog
from mockexchange.core.kalshi.markets import Market
from mockexchange.core.kalshi.units import PRICE, count_units, half_even, price_units
from mockexchange.core.numbers import INT64_MAX
from mockexchange.core.time_index import TimeIndex

_US = 1_000_000


@dataclass(frozen=True, slots=True)
class Range:
    open: int
    low: int
    high: int
    close: int


@dataclass(frozen=True, slots=True)
class Candle:
    end_period_ts: int  # Unix seconds
    yes_bid: Range
    yes_ask: Range
    price: Range | None  # None: no trade in the period
    mean: int | None
    previous: int | None  # the last trade's price before the period
    volume: int
    open_interest: int


def _quotes(market: Market) -> list[tuple[int, int, int]]:
    quotes = market.quotes
    if quotes is None:
        return []
    return [(quotes[i], quotes[i + 1], quotes[i + 2]) for i in range(0, len(quotes), 3)]


def _spread(bid: int, ask: int) -> tuple[int, int]:
    return (0 if bid < 0 else bid), (PRICE if ask < 0 else ask)


def candles(
    market: Market, market_trades: TimeIndex, fills: FillLog, period: int, start: int, end: int
) -> list[Candle]:
    """The candles of periods of `period` seconds ending from `start` to `end` (Unix seconds, both included)."""
    step = period * _US
    numbers = market_trades.numbers(market.ticker)
    trades = [] if numbers is None else list(numbers)
    times = fills.times
    ends = sorted({(times[n] - 1) // step * step + step for n in trades} |
                  {(at - 1) // step * step + step for at, _, _ in _quotes(market)})  # fmt: skip
    return [c for c in _walk(market, trades, fills, ends, step) if start <= c.end_period_ts <= end]


def _walk(market: Market, trades: list[int], fills: FillLog, ends: list[int], step: int) -> Iterator[Candle]:
    quotes = _quotes(market)
    times = fills.times
    held: dict[tuple[str, int], int] = {}
    t = q = 0
    bid, ask = -1, -1
    last: int | None = None
    for end in ends:
        begin = end - step
        while q < len(quotes) and quotes[q][0] <= begin:
            bid, ask = quotes[q][1], quotes[q][2]
            q += 1
        seen = [_spread(bid, ask)]
        while q < len(quotes) and quotes[q][0] <= end:
            bid, ask = quotes[q][1], quotes[q][2]
            seen.append(_spread(bid, ask))
            q += 1
        previous, prices, volume, paid = last, [], 0, 0
        while t < len(trades) and times[trades[t]] <= end:
            fill = fills.view(trades[t])
            yes, count = price_units(fill.yes_price), count_units(fill.count)
            prices.append(yes)
            volume += count
            paid += yes * count
            held[(fill.user_id, fill.subaccount)] = count_units(fill.post_position)
            last = yes
            t += 1
        bids, asks = [b for b, _ in seen], [a for _, a in seen]
        yield Candle(
            end // _US, Range(bids[0], min(bids), max(bids), bids[-1]), Range(asks[0], min(asks), max(asks), asks[-1]),
            Range(prices[0], min(prices), max(prices), prices[-1]) if prices else None,
            half_even(paid, volume) if volume else None, previous, volume,
            max(sum(p for p in held.values() if p > 0), -sum(p for p in held.values() if p < 0)),
        )  # fmt: skip


def latest_before(market: Market, market_trades: TimeIndex, fills: FillLog, period: int, start: int) -> Candle | None:
    """Kalshi's `include_latest_before_start`: the last candle ending before `start`, moved to the first period end
    at or after it, its prices null and its `previous` the close it had."""
    before = candles(market, market_trades, fills, period, 0, start - 1)
    if not before:
        return None
    real = before[-1]
    moved_to = -(-start // period) * period
    if moved_to > INT64_MAX:
        return None  # a period ending past int64 seconds: no wire carries it (a `start_ts` near the int64 bound)
    previous = real.price.close if real.price is not None else real.previous
    return replace(real, end_period_ts=moved_to, price=None, mean=None, previous=previous, volume=0)
