"""Deribit's market commands, declared once (core/commands.py): an instrument listed, a price index moved (now, or along
a path of prices at times), an instrument's mark pinned (or unpinned) and its settlement price set, and the options'
implied volatility. The admin API, the Python API, scenario files and the state file build these; the exchange's market
(market.py) takes their values (handlers.py). The field names and their order are the control plane's parameters (a
state file written before holds those names; a Python call gives them in that order).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from mockexchange.core.commands import Command, value
from mockexchange.core.deribit.bounds import MAX_VOLATILITY, PLACES, SMALLEST
from mockexchange.core.deribit.kinds import CURRENCY, INDEX, INSTRUMENT, PRICE
from mockexchange.core.deribit.price_path import PathKind, Point
from mockexchange.core.values import Decimals, Refused

VOLATILITY = Decimals(SMALLEST, MAX_VOLATILITY, PLACES)  # 0.5 = 50%
PRICE_PATH = PathKind(PRICE, "price")


@dataclass(frozen=True, slots=True)
class ListInstrument(Command):
    """List an instrument by its Deribit name (`BTC-27DEC24-60000-C`), with the default contract facts."""

    name: ClassVar[str] = "list_instrument"
    instrument_name: str = value(INSTRUMENT)


@dataclass(frozen=True, slots=True)
class SetIndexPrice(Command):
    """Move a price index (`btc_usd`, `eth_usdc`): futures marks follow it, options are repriced."""

    name: ClassVar[str] = "set_index_price"
    index_name: str = value(INDEX)
    price: Decimal = value(PRICE)


@dataclass(frozen=True, slots=True)
class SetIndexPath(Command):
    """A price index's path: its price at each point's time (`at`, or `seconds` from now), from the first point on
    in place of what was set for then (core/deribit/price_path.py)."""

    name: ClassVar[str] = "set_index_path"
    index_name: str = value(INDEX)
    path: tuple[Point, ...] = value(PRICE_PATH)


@dataclass(frozen=True, slots=True)
class SetMarkPrice(Command):
    """Pin an instrument's mark price; null unpins it."""

    name: ClassVar[str] = "set_mark_price"
    instrument_name: str = value(INSTRUMENT)
    price: Decimal | None = value(PRICE, None)


@dataclass(frozen=True, slots=True)
class SetSettlementPrice(Command):
    """The price a future or option is delivered at when the exchange clock passes its expiration (without it,
    the index price then); set it before the expiry."""

    name: ClassVar[str] = "set_settlement_price"
    instrument_name: str = value(INSTRUMENT)
    price: Decimal = value(PRICE)


@dataclass(frozen=True, slots=True)
class SetVolatility(Command):
    """Implied volatility (0.5 = 50%) for a base currency's options, or one option's."""

    name: ClassVar[str] = "set_volatility"
    volatility: Decimal = value(VOLATILITY)
    currency: str | None = value(CURRENCY, None)
    instrument_name: str | None = value(INSTRUMENT, None)

    def check(self) -> None:
        if (self.currency is None) == (self.instrument_name is None):
            raise Refused("give exactly one of currency (all its options) or instrument_name (one option)")
