"""The price feeds' command, declared once (core/commands.py): a value of a CF Benchmarks index or of a Pyth underlying
at a time of the exchange clock, which the ledger's price feeds keep and publish (price_feeds.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from mockexchange.core import commands
from mockexchange.core.commands import Command
from mockexchange.core.values import TEXT, Decimals, IsoTime, Refused

# A value: any decimal of at most 8 places (the wire's `value_usd` shows 8), below 10^12 in magnitude (Kalshi's are
# coin prices, metals, FX rates and Treasury yields in percent).
VALUE_PLACES = 8
MOST_VALUE = Decimal(10**12)
VALUE = Decimals(-MOST_VALUE, MOST_VALUE, VALUE_PLACES)
ALL = "all"  # what a subscription names every index by: no index is called so


@dataclass(frozen=True, slots=True)
class SetPriceValue(Command):
    """A value of the CF Benchmarks index `index_id` (`BRTI`) or of the Pyth underlying `underlying_ticker`
    (`Metal.XAU/USD`): give one. `at`: its source time on the exchange clock, now or earlier (now by default)."""

    name: ClassVar[str] = "set_price_value"
    value: Decimal = commands.value(VALUE)
    index_id: str | None = commands.value(TEXT, None)
    underlying_ticker: str | None = commands.value(TEXT, None)
    at: datetime | None = commands.value(IsoTime(), None)

    def check(self) -> None:
        if (self.index_id is None) == (self.underlying_ticker is None):
            raise Refused("give exactly one of index_id (a CF Benchmarks index), underlying_ticker (a Pyth underlying)")
        if ALL in (self.index_id, self.underlying_ticker):
            raise Refused(f'"{ALL}" names every index in a subscription: no index is called so')
