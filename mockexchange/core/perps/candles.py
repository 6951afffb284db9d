"""A perps market's candlesticks (GetMarginMarketCandlesticks), by the venue-neutral walk (core/candles.py) over what
the exchange keeps of the market (history.py): its trades (price, count, and the open interest each left) and the
top of its book each time it moved (an empty side: a bid and an ask of 0). Amounts are the core's units."""

from __future__ import annotations

from mockexchange.core.candles import US, Candle, Trades, period_ends, walk
from mockexchange.core.candles import latest_before as moved_before
from mockexchange.core.clock import unix_us
from mockexchange.core.perps.records import PerpTrade
from mockexchange.core.perps.state import PerpsState


def _spread(bid: int, ask: int) -> tuple[int, int]:
    return max(bid, 0), max(ask, 0)


def candles(state: PerpsState, ticker: str, period: int, start: int, end: int) -> list[Candle]:
    """The candles of periods of `period` seconds ending from `start` to `end` (Unix seconds, both included)."""
    step = period * US
    trades, quotes = state.trades[ticker], state.quotes.get(ticker, [])
    ends = period_ends([unix_us(trade.created) for trade in trades] + [at for at, _, _ in quotes], step)
    held = [0]  # the open interest the last trade passed left

    def see(trade: PerpTrade) -> None:
        held[0] = trade.open_interest

    walked = walk(
        quotes, Trades(trades, lambda trade: unix_us(trade.created), lambda trade: (trade.price, trade.count), see,
                       lambda: held[0]), ends, step, _spread,
    )  # fmt: skip
    return [candle for candle in walked if start <= candle.end_period_ts <= end]


def latest_before(state: PerpsState, ticker: str, period: int, start: int) -> Candle | None:
    return moved_before(candles(state, ticker, period, 0, start - 1), period, start)
