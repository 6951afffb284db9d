"""What the perps exchange keeps of its past, bounded so that no client grows memory without bound: each user's newest
`history_size` fills and ended (cancelled or executed) orders, each market's newest `history_size` trades and moves
of the top of its book (a setting, `Settings.perps_history_size`). Past the bound the oldest is forgotten by every
read (an order's id then 404, and it leaves its group's list); resting orders are always kept. Each user's and
market's bound is its own."""

from __future__ import annotations

from bisect import bisect_left

from mockexchange.core.book import ASK, BID
from mockexchange.core.clock import unix_us
from mockexchange.core.perps.orders import PerpOrder
from mockexchange.core.perps.records import PerpFill, PerpTrade
from mockexchange.core.perps.state import PerpsState

DEFAULT_HISTORY_SIZE = 10_000


def keep_fill(state: PerpsState, fill: PerpFill) -> None:
    fills = state.fills.setdefault(fill.user_id, [])
    fills.append(fill)
    if len(fills) > state.history_size:
        del fills[0]


def keep_trade(state: PerpsState, trade: PerpTrade, volume_before: int) -> None:
    """The market's trade, and its volume before it (the 24 hours' volume reads them together)."""
    trades, before = state.trades[trade.ticker], state.volume_before[trade.ticker]
    trades.append(trade)
    before.append(volume_before)
    if len(trades) > state.history_size:
        del trades[0], before[0]


def quote(state: PerpsState, ticker: str) -> None:
    """The market's book may have moved: its top kept if it did (the market's newest `history_size` kept)."""
    book = state.books[ticker]
    bid, ask = book.best(BID), book.best(ASK)
    top = (-1 if bid is None else bid[0], -1 if ask is None else ask[0])
    quotes = state.quotes.setdefault(ticker, [])
    if quotes and quotes[-1][1:] == top:
        return
    quotes.append((unix_us(state.clock.now()), *top))
    if len(quotes) > state.history_size:
        del quotes[0]


def ended(state: PerpsState, order: PerpOrder) -> None:
    """The order ended (again is nothing new): past the user's bound, its oldest ended order is forgotten."""
    ended = state.ended.setdefault(order.user_id, {})
    ended[order.order_id] = None
    if len(ended) <= state.history_size:
        return
    gone = state.orders.pop(next(iter(ended)))
    del ended[gone.order_id]
    placed = state.user_orders[gone.user_id]  # (as placed: by seq)
    del placed[bisect_left(placed, gone.seq, key=lambda kept: kept.seq)]
    group = state.order_groups.get(gone.order_group_id) if gone.order_group_id else None
    if group is not None:
        group.orders.pop(gone.order_id, None)
