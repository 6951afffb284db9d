"""A perpetual market as the perps exchange lists it: its terms (tick, contract size, fractional trading, the group
of markets it is in), its status and version, its marks, its risk and funding parameters, and what its trading
made of it (last price, volume, open interest). Set by the control plane (listing.py), moved by trading."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Defaults of what a listing does not say (docs/perps.md): a 5% maintenance margin rate (20x), an initial margin of
# twice the maintenance margin; funding limits as a percentage, a bar without premium counted as 0.
DEFAULT_MAINTENANCE_RATE = 50_000  # millionths
DEFAULT_INITIAL_MULTIPLIER = 2_000_000  # millionths
DEFAULT_FUNDING_DEADBAND = 0  # millionths of funding_limit_unit
DEFAULT_FUNDING_CAP = 4_000_000  # millionths of the unit: 4 (percent)
STATUSES = ("inactive", "active", "closed")
FUNDING_LIMIT_UNITS = ("percentage", "dollar")
INVALID_PREMIUM_HANDLING = ("dampen", "exclude")


@dataclass(slots=True)
class PerpMark:
    """A price the exchange marks the market at (TickerPrice): in price units, and when its source stamped it."""

    price: int
    at: datetime


@dataclass(slots=True)
class PerpMarket:
    ticker: str
    market_id: str
    title: str
    tick: int  # price units: every price is a multiple of it
    contract_size: str  # as listed, a fixed-point number ("0.001000")
    underlying_multiplier: str
    fractional: bool  # counts may be hundredths of a contract; else whole contracts only
    exchange_index: int
    asset_class: str | None
    maintenance_rate: int  # millionths of the notional: the maintenance margin
    initial_multiplier: int  # millionths: the initial margin is the maintenance margin times it
    funding_deadband: int  # millionths of funding_limit_unit
    funding_cap: int
    funding_limit_unit: str
    funding_invalid_premium_handling: str
    settlement_mark: PerpMark
    liquidation_mark: PerpMark
    reference: PerpMark
    status: str = "active"
    market_version: int = 1
    listed: datetime | None = None
    last_price: int | None = None
    volume: int = 0  # hundredths of a contract, one side
    volume_notional: int = 0  # micro-dollars
    open_interest: int = 0  # hundredths: the longs' sum (the shorts' too)
    halt_sources: list[str] = field(default_factory=list)

    @property
    def mark(self) -> int:
        """The price positions are marked at: their unrealized P&L, margin and risk (the liquidation mark)."""
        return self.liquidation_mark.price
