"""Liquidation: what the exchange does to an account whose margin ratio (equity over maintenance margin, at the
liquidation marks) a move of the marks takes to the risk parameters' thresholds (docs/perps.md, "Liquidation").

At or below `liquidation_margin_ratio_threshold` the account is liquidated: its resting orders are cancelled
(`MarginCancel`), then each position (by ticker) is closed through the book by a reduce-only immediate-or-cancel order
of the exchange's (`order_source` system) bound at the account's bankruptcy price for it (the price at which its
equity would reach zero, the other marks standing), and what the book does not take the backstop account takes over
at the liquidation mark, a fill of both sides through the one fill road (filling.py). If the account's cash ends
below zero, the insurance fund pays it back to zero (both sides through the cash). A record keeps who bore what.
Above the liquidation threshold and at or below `queue_entry_margin_ratio_threshold` the account is in the
liquidation queue (kept with the time it entered; nothing else is done to it). The backstop and the insurance fund
are the house's accounts: never liquidated, and their cash may go below zero.
"""

from __future__ import annotations

from collections.abc import Callable

from mockexchange.core.events import Change
from mockexchange.core.perps.cash import MarginCash
from mockexchange.core.perps.errors import PerpsError
from mockexchange.core.perps.margin import PerpAccount
from mockexchange.core.perps.markets import PerpMarket
from mockexchange.core.perps.order_commands import PlacePerpOrder
from mockexchange.core.perps.orders import LIQUIDATION
from mockexchange.core.perps.records import PerpClose, PerpLiquidation
from mockexchange.core.perps.state import PerpsState
from mockexchange.core.perps.trading import PerpTrading
from mockexchange.core.perps.units import MAX_PRICE_UNITS, MILLION
from mockexchange.core.rounding import ceiling

BACKSTOP = "perps-backstop"  # takes over what the book does not take of a liquidated position
INSURANCE_FUND = "perps-insurance-fund"  # pays a liquidated account's deficit
HOUSE = frozenset({BACKSTOP, INSURANCE_FUND})
LIQUIDATION_CHANGE = "perps.liquidation"


class PerpLiquidations:
    def __init__(
        self, state: PerpsState, trading: PerpTrading, cash: MarginCash, account: Callable[[str, int], PerpAccount]
    ) -> None:
        self.state, self.trading, self.cash = state, trading, cash
        self.account = account  # (an account's margin at the marks now: the exchange's)
        self._running = False

    def run(self, tickers: tuple[str, ...]) -> None:
        """Liquidate every account holding a position in one of `tickers` that is at or below the liquidation
        threshold, and keep the liquidation queue of those checked; again while a liquidation's trades take another
        account there (each account once). Once at a time."""
        state = self.state
        with state.lock:
            if self._running:
                return
            self._running = True
            try:
                moved, done = set(tickers), set[tuple[str, int]]()
                while liquidated := [key for key in sorted(self._holding(moved) - done) if self._check(key)]:
                    done.update(liquidated)  # (in order: a replay of the commands liquidates alike)
            finally:
                self._running = False

    def _holding(self, tickers: set[str]) -> set[tuple[str, int]]:
        """The accounts (not the house's) holding a position in one of `tickers`."""
        return {
            key for key, held in self.state.positions.items()
            if key[0] not in HOUSE and any(held[ticker].size for ticker in tickers & held.keys())
        }  # fmt: skip

    def _check(self, key: tuple[str, int]) -> bool:
        """Liquidate the account if its margin ratio is at or below the threshold (True), else keep its place in the
        queue."""
        state = self.state
        account = self.account(*key)
        if _at_or_below(account, state.liquidation_threshold):
            state.liquidation_queue.pop(key, None)
            self._liquidate(account)
            return True
        if _at_or_below(account, state.queue_threshold):
            state.liquidation_queue.setdefault(key, state.clock.now())
        else:
            state.liquidation_queue.pop(key, None)
        return False

    def _liquidate(self, account: PerpAccount) -> None:
        state, user_id, subaccount = self.state, account.user_id, account.subaccount
        equity, maintenance = account.equity, account.maintenance  # (as found: its positions change below)
        markets = [held.market for held in account.held()]
        liquidation_id = state.new_id()
        cancelled = tuple(order.order_id for order in self.trading.margin_cancel(user_id, subaccount))
        closes = tuple(self._close(liquidation_id, user_id, subaccount, market) for market in markets)
        deficit = max(0, -self.cash.balance(user_id, subaccount))
        if deficit:
            self.cash.move(user_id, deficit, subaccount)
            self.cash.move(INSURANCE_FUND, -deficit, 0)
        record = PerpLiquidation(
            liquidation_id, user_id, subaccount, state.clock.now(), equity, maintenance, cancelled, closes, deficit,
        )  # fmt: skip
        kept = state.liquidations.setdefault(user_id, [])
        kept.append(record)
        if len(kept) > state.history_size:
            del kept[0]
        state.bus.publish(Change(LIQUIDATION_CHANGE, user_id, record))

    def _close(self, liquidation_id: str, user_id: str, subaccount: int, market: PerpMarket) -> PerpClose:
        """Close the account's position in `market`: through the book as far as the bankruptcy price allows, the rest
        taken over by the backstop at the liquidation mark."""
        position = self.state.positions[(user_id, subaccount)][market.ticker]
        size = position.size
        side, other = ("ask", "bid") if size > 0 else ("bid", "ask")
        bound = _bankruptcy_price(market, size, self.account(user_id, subaccount).equity)
        book_count = book_value = 0
        if bound is not None:
            try:
                outcome = self.trading.place(
                    _closing(user_id, subaccount, market.ticker, side, abs(size), bound, liquidation_id), LIQUIDATION
                )
                book_count, book_value = outcome.filled, outcome.value
            except PerpsError:  # (the market or the exchange not trading, the user not enabled: the backstop's all)
                pass
        rest, mark = abs(position.size), market.mark
        if rest:
            self.trading.fill_off_book(
                _closing(user_id, subaccount, market.ticker, side, rest, mark, liquidation_id),
                _closing(BACKSTOP, 0, market.ticker, other, rest, mark, liquidation_id),
                mark,
            )
        return PerpClose(market.ticker, size, book_count, book_value, rest, mark)


def _at_or_below(account: PerpAccount, threshold: int) -> bool:
    """Whether the account holds a position and its margin ratio is at or below `threshold` (millionths)."""
    return bool(account.maintenance) and account.equity * MILLION <= threshold * account.maintenance


def _closing(user_id: str, subaccount: int, ticker: str, side: str, count: int, price: int, tag: str) -> PlacePerpOrder:
    return PlacePerpOrder(
        user_id, ticker, side, count, price, f"liquidation-{tag}"[:64], "immediate_or_cancel", reduce_only=True,
        subaccount=subaccount,
    )  # fmt: skip


def _bankruptcy_price(market: PerpMarket, size: int, equity: int) -> int | None:
    """The worst price (price units, on the tick) the account's position of `size` may close at through the book: the
    price x at which its equity would reach zero (equity + size x (x - mark) = 0), rounded to the tick on the side
    that is no worse (a sale's up, a purchase's down); None where no price the exchange takes is that good."""
    tick, mark = market.tick, market.mark
    if size > 0:  # a sale: at or above x
        price = ceiling(ceiling(mark * size - equity, size), tick) * tick
        return max(price, tick) if price <= MAX_PRICE_UNITS else None
    held = -size  # a purchase: at or below x
    price = (mark * held + equity) // held // tick * tick
    return min(price, MAX_PRICE_UNITS // tick * tick) if price >= tick else None
