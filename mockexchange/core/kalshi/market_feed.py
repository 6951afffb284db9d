"""A market's trades and its stats: every trade printed on it, and what trades and book changes keep of it (volume,
24-hour volume, open interest, the last trade, the previous day's bid, ask and price), read by the market reads and
the `ticker` channel through the ledger's `feed` (`LedgerFeed`, the `MarketFeed` of market_changes.py).

The trades are no copy: a trade is a fill (a scripted fill; of a match or a block trade, its taker's fill: the maker's
is left out), so the trades are two time indexes over the fill log (core/time_index.py): each market's
(`market_trades`), and every market's (`trades`, `GET /markets/trades`). A trade costs each index a few bytes; a block
trade's id is kept besides (`block_trade_ids`: its `is_block_trade`).

Each stat changes in O(1) as a trade prints or the book moves, never by a walk of the trades on a read:
- volume: the contracts traded, ever (the last trade's size is the fill log's: `last_trade_size`);
- the 24-hour volume, on the exchange clock: a running sum of the market's trades since now minus 24 hours, from which
  the trades that age out are taken as time passes (the market keeps where its window starts among its trades);
- open interest: the larger of the YES contracts held and the NO contracts held over all accounts (a fill moves one
  holder; the mock's accounts may be only one side of each trade, so the count of contracts open is whichever side
  the mock holds more of);
- the previous day's stats: the best bid, best ask and last price as they stood at the end of the previous UTC day
  of the exchange clock (the day of the last change, rolled forward when the first change of a later day comes, and
  on a read of a later day).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from mockexchange.core.book import ASK, BID
from mockexchange.core.clock import unix_us
from mockexchange.core.events import Change
from mockexchange.core.kalshi.market_changes import TRADE, MarketStats, Trade
from mockexchange.core.kalshi.markets import Market, PreviousDay, Window
from mockexchange.core.kalshi.units import price_units

if TYPE_CHECKING:
    from mockexchange.core.kalshi.ledger_state import LedgerState

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY = timedelta(days=1)
WINDOW_US = 24 * 3600 * 1_000_000  # the 24-hour volume's window, microseconds


def day_end(when: datetime) -> datetime:
    """The end of `when`'s UTC day (the next midnight, UTC): one object a day, which the day's markets share."""
    return _midnight_after((when - _EPOCH) // _DAY)


@lru_cache(maxsize=16)
def _midnight_after(day: int) -> datetime:
    return _EPOCH + (day + 1) * _DAY


def best(market: Market) -> tuple[int | None, int, int | None, int]:
    """(best bid, its size, best ask, its size) of the market's YES book; None for an empty side."""
    book = market.book
    bid = book.best(BID) if book is not None else None
    ask = book.best(ASK) if book is not None else None
    return (bid[0] if bid else None, bid[1] if bid else 0, ask[0] if ask else None, ask[1] if ask else 0)


def last_price(market: Market) -> int | None:
    return price_units(market.last_yes_price) if market.last_yes_price is not None else None


def roll_day(market: Market, now: datetime) -> None:
    """Before a change at `now`, the first of a later UTC day than the last change's (`now >= day_ends` of its
    `previous_day`): the previous day's stats become what stood until now (nothing changed since the last change's day
    ended)."""
    bid, _, ask, _ = best(market)
    market.previous_day = PreviousDay(bid, ask, last_price(market), day_end(now))


def touch(market: Market, now: datetime) -> None:
    """Before the book or the trades of `market` move at `now`: the previous day's stats, if a day ended."""
    if now >= market.previous_day.day_ends:
        roll_day(market, now)


def hold(market: Market, before: int, after: int, count: int = 0) -> None:
    """One holder's position in the market moved from `before` to `after` (hundredths; + YES, - NO), by a fill of
    `count` hundredths if given."""
    yes = max(after, 0) - max(before, 0)
    if yes:
        market.yes_held = _held(market.yes_held, yes, count)
    no = max(-after, 0) - max(-before, 0)
    if no:
        market.no_held = _held(market.no_held, no, count)


def _held(held: int, moved: int, count: int) -> int:
    # (a side that held none and moves by the whole fill holds the fill's count, an integer the units keep, shared:
    # `+` on 0 makes an integer object a market, as a side left as it was would by adding 0)
    return count if not held and moved == count else held + moved


class LedgerFeed:
    """The ledger's markets as the market data channels read them (`ledger.feed`, the `MarketFeed` of
    market_changes.py): printing trades, and each market's stats, under the ledger's lock."""

    def __init__(self, state: LedgerState) -> None:
        self.state = state
        # An index by id, rebuilt when it misses or is stale: markets are added on several roads (listing, fills,
        # state), and a subscription by id is rare beside the reads by ticker.
        self._tickers_by_id: dict[str, str] = {}

    def print_trade(
        self, market: Market, at: int, count: int, yes_price: int, taker_yes: bool, now: datetime, block: bool = False
    ) -> None:
        """The fill the log holds `at` printed as a trade of `market`: `count` hundredths at `yes_price`, its taker on
        the YES side or not, a block trade's or not; its stats follow (the caller rolled the previous day's and set the
        last price), and its `Trade` goes to those who take them."""
        state = self.state
        state.market_trades.add_trade(market, at)
        state.trades.add_position("", now, at)
        if block:
            state.block_trade_ids.add(state.fills.view(at).fill_id)
        # (`+=` on a volume of 0 makes an integer object of its own: a market traded once holds the count it was given)
        market.volume = market.volume + count if market.volume else count
        state.market_changed(market)
        if not isinstance(market.trades, int):  # (a market's one trade is this one, made now: none ages out yet)
            self.age(market, unix_us(now))
        to_trade = state.bus.takers(TRADE)
        if to_trade:
            fill = state.fills.view(at)
            trade = Trade(fill.fill_id, market.ticker, count, yes_price, "yes" if taker_yes else "no", now, block)
            change = Change(TRADE, None, trade)
            for take in to_trade:
                take(change)

    def age(self, market: Market, now_us: int) -> None:
        """Count the trades older than 24 hours at `now_us` as aged out of the market's 24-hour volume (its
        `window.aged`; its `window.start` then names where the window starts, as a read's key needs)."""
        state = self.state
        numbers = state.market_trades.numbers_in(market)
        if numbers is None:
            return
        fills = state.fills
        times = fills.times
        window = market.window
        cut, i = now_us - WINDOW_US, window.start
        while i < len(numbers) and times[numbers[i]] <= cut:
            window = Window(window.aged + fills.count_units(numbers[i]), i + 1)
            i += 1
        market.window = window

    def last_trade_size(self, market: Market) -> int | None:
        """The count of the market's last trade (hundredths; None: none yet), read from the fill log, which holds it."""
        state = self.state
        numbers = state.market_trades.numbers_in(market)
        return state.fills.count_units(numbers[-1]) if numbers else None

    # -- the MarketFeed (market_changes.py) --------------------------------------------------------------------------

    def market_id(self, ticker: str) -> str | None:
        market = self.state.markets.get(ticker)
        return market.market_id if market is not None else None

    def market_ticker(self, market_id: str) -> str | None:
        markets = self.state.markets
        index = self._tickers_by_id
        ticker = index.get(market_id)
        market = markets.get(ticker) if ticker is not None else None
        if market is None or market.market_id != market_id:
            index.clear()
            index.update((m.market_id, t) for t, m in markets.items())
            ticker = index.get(market_id)
        return ticker

    def book_levels(self, ticker: str, depth: int | None = None) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        market = self.state.markets.get(ticker)
        book = market.book if market is not None else None
        if book is None:
            return [], []
        return book.levels(BID, depth), book.levels(ASK, depth)

    def book_clock(self, ticker: str) -> int:
        market = self.state.markets.get(ticker)
        return market.book_clock if market is not None else 0

    def stats(self, ticker: str) -> MarketStats:
        return self.stats_of(self.state.market(ticker))

    def steady_until(self, markets: Iterable[Market], since: datetime) -> int | None:
        """The exchange time (Unix microseconds) at which the stats of any of these markets, as `stats_of` reads
        them at `since` or later, next move with time alone: the next of their trades to leave a 24-hour window, or
        the end of a market's day still ahead at `since`; None: none will until a market changes."""
        market_trades, times = self.state.market_trades, self.state.fills.times
        ages: int | None = None
        ends: datetime | None = None
        for market in markets:
            numbers = market_trades.numbers_in(market)
            start = market.window.start
            if numbers is not None and start < len(numbers):
                first = times[numbers[start]]
                ages = first if ages is None or first < ages else ages
            day_ends = market.previous_day.day_ends
            if day_ends > since and (ends is None or day_ends < ends):
                ends = day_ends
        ages = None if ages is None else ages + WINDOW_US
        if ends is None:
            return ages
        return unix_us(ends) if ages is None else min(ages, unix_us(ends))

    def stats_of(self, market: Market, now: datetime | None = None) -> MarketStats:
        """The market's stats now (the 24-hour window and the previous day read at the exchange clock's now, or at
        `now`, a read's)."""
        now = self.state.clock.now() if now is None else now
        self.age(market, unix_us(now))
        bid, bid_size, ask, ask_size = best(market)
        last = last_price(market)
        day = market.previous_day
        if now >= day.day_ends:  # no change since the previous day ended: the previous day's stats are now's
            previous = (bid, ask, last)
        else:
            previous = (day.previous_yes_bid, day.previous_yes_ask, day.previous_price)
        volume = market.volume
        return MarketStats(
            bid, bid_size, ask, ask_size, last, self.last_trade_size(market), volume, volume - market.window.aged,
            max(market.yes_held, market.no_held), *previous,
        )  # fmt: skip
