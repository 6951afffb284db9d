"""The one road a perps fill takes: each side's position moved (positions.py: entry price, realized P&L), its fee
charged at its tier's maker or taker rate, its cash (the margined instance's) moved by the P&L less the fee, its order
and its fill record; the market's trade, last price, volume and open interest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from mockexchange.core.events import Change
from mockexchange.core.perps import history, positions
from mockexchange.core.perps.cash import MarginCash
from mockexchange.core.perps.fees import TIERS, fee
from mockexchange.core.perps.markets import PerpMarket
from mockexchange.core.perps.orders import PerpOrder
from mockexchange.core.perps.positions import PerpPosition
from mockexchange.core.perps.records import PerpFill, PerpTrade
from mockexchange.core.perps.state import PerpsState
from mockexchange.core.perps.units import notional


class PerpFilling:
    def __init__(self, state: PerpsState, cash: MarginCash) -> None:
        self.state, self.cash = state, cash
        # What a fill of an order that moved its account's position from a size tells (the exchange's exit triggers)
        self.on_fill: Callable[[PerpOrder, int], None] = lambda order, before: None

    def trade(self, taker: PerpOrder, maker: PerpOrder, count: int, price: int, outcome: Any) -> None:
        """One match: `count` at `price` between the incoming order and a resting one (`outcome`, the incoming
        order's: what it filled, its value and fees)."""
        state = self.state
        now, trade_id, seq = state.clock.now(), state.new_id(), state.next_seq()
        market = state.markets[taker.ticker]
        taken = self._side(market, taker, True, count, price, trade_id, now, seq)
        self._side(market, maker, False, count, price, trade_id, now, seq)
        trade = PerpTrade(trade_id, market.ticker, count, price, taker.side, now, seq, market.open_interest)
        history.keep_trade(state, trade, market.volume)
        value = notional(count, price)
        market.last_price = price
        market.volume += count
        market.volume_notional += value
        outcome.filled += count
        outcome.value += value
        outcome.fees += taken.fee
        state.bus.publish(Change("perps.trade", None, trade))

    def _side(
        self, market: PerpMarket, order: PerpOrder, is_taker: bool, count: int, price: int, trade_id: str,
        now: datetime, seq: int,
    ) -> PerpFill:  # fmt: skip
        state = self.state
        held = state.positions.setdefault((order.user_id, order.subaccount), {})
        position = held.setdefault(market.ticker, PerpPosition())
        before = position.size
        effect = positions.fill(position, order.buys, count, price)
        tier = TIERS[state.fee_tiers.get(order.user_id, 0)]
        value = notional(count, price)
        paid = fee(value, tier.taker if is_taker else tier.maker)
        position.fees = position.fees + paid if position.size else 0  # (the fees of the position open now)
        market.open_interest += max(position.size, 0) - max(before, 0)
        self.cash.move(order.user_id, effect.realized - paid, order.subaccount)
        order.filled += count
        order.remaining -= count
        order.filled_value += value
        order.fees += paid
        order.updated = now
        made = PerpFill(
            state.new_id(), trade_id, order.order_id, order.user_id, order.subaccount, market.ticker, order.side,
            is_taker, count, price, effect.entry_cost, effect.entry_size, paid, effect.realized, now, seq, order.source,
        )  # fmt: skip
        history.keep_fill(state, made)
        state.bus.publish(Change("perps.fill", order.user_id, made))
        self.on_fill(order, before)
        return made
