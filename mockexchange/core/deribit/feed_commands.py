"""Deribit's inputs the mock has no source for, as commands declared once (core/commands.py): a perpetual's funding
rate, a currency's historical volatility and a yield token's APR over the exchange clock (each a path, price_path.py),
the indices the platform is locked in, and an announcement. The admin API, the Python API, scenario steps and the state
file build these; funding.py, volatility.py, apr.py and platform.py take their values (handlers.py). An index's price
(the volatility index's too: `btcdvol_usdc`) is a market command's (market_commands.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from mockexchange.core.commands import Command, value
from mockexchange.core.deribit.bounds import PLACES
from mockexchange.core.deribit.kinds import CURRENCY, INDEX, INSTRUMENT
from mockexchange.core.deribit.price_path import PathKind, Point
from mockexchange.core.values import FLAG, Choice, Decimals, IsoTime, Listed, Text

# A perpetual's funding rate for 8 hours, as a fraction of the position's value (0.0001 = 0.01%)
RATE = Decimals(Decimal(-1), Decimal(1), PLACES)
HISTORICAL = Decimals(Decimal(0), Decimal(10_000), PLACES)  # a historical volatility, in percent (45.5 = 45.5%)
APR = Decimals(Decimal(-1000), Decimal(1000), PLACES)  # in percent
APR_CURRENCIES = ("usde", "steth", "usdc", "build")  # the yield tokens of Deribit's public/get_apr_history (2.1.1)
MAX_LOCKED = 100  # indices one status names
MAX_TITLE, MAX_BODY = 256, 16_384  # characters of an announcement's title and of its body


@dataclass(frozen=True, slots=True)
class SetDeribitFundingRate(Command):
    """A perpetual's funding rate for 8 hours along a path (`rate` at each point), from the first point on in place of
    what was set for then (funding.py)."""

    name: ClassVar[str] = "set_deribit_funding_rate"
    instrument_name: str = value(INSTRUMENT)
    path: tuple[Point, ...] = value(PathKind(RATE, "rate"))


@dataclass(frozen=True, slots=True)
class SetDeribitHistoricalVolatility(Command):
    """A currency's historical volatility along a path (`volatility` at each point, in percent: volatility.py)."""

    name: ClassVar[str] = "set_deribit_historical_volatility"
    currency: str = value(CURRENCY)
    path: tuple[Point, ...] = value(PathKind(HISTORICAL, "volatility"))


@dataclass(frozen=True, slots=True)
class SetDeribitApr(Command):
    """A yield token's APR along a path (`apr` at each point, in percent); a day's APR is the one in force at its end
    (apr.py)."""

    name: ClassVar[str] = "set_deribit_apr"
    currency: str = value(Choice(APR_CURRENCIES))
    path: tuple[Point, ...] = value(PathKind(APR, "apr"))


@dataclass(frozen=True, slots=True)
class SetDeribitPlatformStatus(Command):
    """The price indices the platform is locked in from now on (none: unlocked), as `public/status` reports them."""

    name: ClassVar[str] = "set_deribit_platform_status"
    locked_indices: tuple[str, ...] = value(Listed(INDEX, MAX_LOCKED, noun="index names"))


@dataclass(frozen=True, slots=True)
class AddDeribitAnnouncement(Command):
    """An announcement, published at `publication_time` (now if not given; a later one shows once the clock reaches
    it); its id is drawn from 1 up."""

    name: ClassVar[str] = "add_deribit_announcement"
    title: str = value(Text(MAX_TITLE))
    body: str = value(Text(MAX_BODY, blank=True))
    important: bool = value(FLAG, False)
    confirmation: bool = value(FLAG, False)
    publication_time: datetime | None = value(IsoTime(), None)
