"""The perps exchange's markets as the control plane sets them: listed, their marks set (positions' P&L, margin and
risk read them), their status and version changed; and the exchange's own settings."""

from __future__ import annotations

from datetime import datetime

from mockexchange.core.book import Book
from mockexchange.core.events import Change
from mockexchange.core.perps import funding, premium
from mockexchange.core.perps.account_commands import (
    SetPerpsEnabled,
    SetPerpsExchangeStatus,
    SetPerpsFeeTier,
    SetPerpsRiskParameters,
)
from mockexchange.core.perps.errors import PerpsError, not_found
from mockexchange.core.perps.market_commands import ListPerpMarket, SetPerpMarks, UpdatePerpMarket
from mockexchange.core.perps.markets import PerpMark, PerpMarket
from mockexchange.core.perps.state import PerpsState
from mockexchange.core.perps.units import DOLLAR_PLACES, RATE_PLACES
from mockexchange.core.values import Refused


class PerpListing:
    def __init__(self, state: PerpsState) -> None:
        self.state = state

    def market(self, ticker: str) -> PerpMarket:
        market = self.state.markets.get(ticker)
        if market is None:
            raise not_found(f"market {ticker!r}")
        return market

    def list_market(self, listed: ListPerpMarket) -> PerpMarket:
        state = self.state
        with state.lock:
            if listed.ticker in state.markets:
                raise PerpsError(f"market {listed.ticker!r} is listed already", 409, "conflict")
            now = state.clock.now()
            mark = PerpMark(listed.mark_price, now)
            reference = PerpMark(listed.reference_price or listed.mark_price, now)
            market = PerpMarket(
                listed.ticker, state.new_id(), listed.title or listed.ticker, listed.tick_size,
                _fixed(listed.contract_size), _fixed(listed.underlying_multiplier),
                listed.fractional_trading_enabled, listed.exchange_index, listed.asset_class,
                listed.maintenance_margin_rate, listed.initial_margin_multiplier, listed.funding_deadband,
                listed.funding_cap, listed.funding_limit_unit, listed.funding_invalid_premium_handling,
                mark, PerpMark(mark.price, now), reference, listed.status, listed=now,
            )  # fmt: skip
            state.markets[market.ticker] = market
            state.by_market_id[market.market_id] = market.ticker
            state.books[market.ticker] = Book()
            premium.record(state, market, now)
            funding.start(state, market)
            state.trades[market.ticker] = []
            state.volume_before[market.ticker] = []
            state.bus.publish(Change("perps.market", None, market))
            return market

    def set_marks(self, marks: SetPerpMarks, at: datetime | None = None) -> PerpMarket:
        """Set the market's marks now (or at `at`, a path's point's time, which the clock has reached)."""
        state = self.state
        with state.lock:
            market = self.market(marks.ticker)
            now = at or state.clock.now()
            liquidation, settlement = self.check_marks(market, marks)
            if liquidation is not None:
                market.liquidation_mark = PerpMark(liquidation, now)
            if settlement is not None:
                market.settlement_mark = PerpMark(settlement, now)
            if marks.reference_price is not None:
                market.reference = PerpMark(marks.reference_price, now)
                premium.record(state, market, now)
            state.bus.publish(Change("perps.market", None, market))
            return market

    def check_marks(self, market: PerpMarket, marks: SetPerpMarks) -> tuple[int | None, int | None]:
        """Refuse a mark off the market's tick; answer the liquidation and settlement marks `marks` sets."""
        liquidation = marks.mark_price or marks.liquidation_mark_price
        settlement = marks.mark_price or marks.settlement_mark_price
        for price in (liquidation, settlement, marks.reference_price):
            if price is not None and price % market.tick:
                raise Refused(f"a mark must be a multiple of the market's tick ({market.tick} ten-thousandths)")
        return liquidation, settlement

    def update_market(self, update: UpdatePerpMarket) -> PerpMarket:
        state = self.state
        with state.lock:
            market = self.market(update.ticker)
            if update.status is not None:
                market.status = update.status
            if update.market_version is not None:
                market.market_version = update.market_version
            premium.record(state, market, state.clock.now())
            state.bus.publish(Change("perps.market", None, market))
            return market

    def set_exchange_status(self, status: SetPerpsExchangeStatus) -> SetPerpsExchangeStatus:
        with self.state.lock:
            self.state.exchange_active, self.state.trading_active = status.exchange_active, status.trading_active
        return status

    def set_enabled(self, enabled: SetPerpsEnabled) -> SetPerpsEnabled:
        with self.state.lock:
            (self.state.disabled.discard if enabled.enabled else self.state.disabled.add)(enabled.user_id)
        return enabled

    def set_fee_tier(self, tier: SetPerpsFeeTier) -> SetPerpsFeeTier:
        with self.state.lock:
            self.state.fee_tiers[tier.user_id] = tier.tier
        return tier

    def set_risk_parameters(self, parameters: SetPerpsRiskParameters) -> SetPerpsRiskParameters:
        with self.state.lock:
            self.state.liquidation_threshold = parameters.liquidation_margin_ratio_threshold
            self.state.queue_threshold = parameters.queue_entry_margin_ratio_threshold
        return parameters


def _fixed(millionths: int) -> str:
    """A listing's millionths as the wire's fixed-point text of 6 places ("0.001000")."""
    whole, part = divmod(millionths, 10**RATE_PLACES)
    return f"{whole}.{part:0{DOLLAR_PLACES}d}"
