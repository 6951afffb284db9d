"""A Kalshi market's candlesticks (`GET /series/{series}/markets/{ticker}/candlesticks`, `/markets/candlesticks`), by
the venue-neutral walk (core/candles.py) over what the mock keeps: its trades (their prices and counts,
market_feed.py), the top of its book each time it moved (`Market.quotes`: an empty side a bid of 0, an ask of 1), and
its holders' positions after each trade (each fill's post position): a candle's open interest is the larger side held
over the mock's holders at its end (a position moved by an FCM position transfer, which prints no trade, is not
seen). Amounts are in the core's units.
"""

from __future__ import annotations

from mockexchange.core.candles import US, Candle, Trades, period_ends, walk
from mockexchange.core.candles import latest_before as moved_before
from mockexchange.core.kalshi.fill_log import FillLog
from mockexchange.core.kalshi.markets import Market
from mockexchange.core.kalshi.units import PRICE, count_units, price_units
from mockexchange.core.time_index import TimeIndex


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
    step = period * US
    numbers = market_trades.numbers(market.ticker)
    trades = [] if numbers is None else list(numbers)
    times = fills.times
    quotes = _quotes(market)
    ends = period_ends([times[n] for n in trades] + [at for at, _, _ in quotes], step)
    held: dict[tuple[str, int], int] = {}

    def see(n: int) -> None:
        fill = fills.view(n)
        held[(fill.user_id, fill.subaccount)] = count_units(fill.post_position)

    def open_interest() -> int:
        return max(sum(p for p in held.values() if p > 0), -sum(p for p in held.values() if p < 0))

    def terms(n: int) -> tuple[int, int]:
        fill = fills.view(n)
        return price_units(fill.yes_price), count_units(fill.count)

    walked = walk(quotes, Trades(trades, times.__getitem__, terms, see, open_interest), ends, step, _spread)
    return [c for c in walked if start <= c.end_period_ts <= end]


def latest_before(market: Market, market_trades: TimeIndex, fills: FillLog, period: int, start: int) -> Candle | None:
    """Kalshi's `include_latest_before_start` (core/candles.py's `latest_before`)."""
    return moved_before(candles(market, market_trades, fills, period, 0, start - 1), period, start)
