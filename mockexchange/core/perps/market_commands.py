"""The perps exchange's market commands, declared once (core/commands.py): a market listed, its marks set, its status or
version changed, a corporate action notice set. The control plane (the admin API, the Python API, scenarios, a state
file) builds them; listing.py and corporate_actions.py take them. Amounts are the core's units (units.py); their
plain values are decimal strings ("97000.5", "0.05")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from mockexchange.core.commands import Command, value
from mockexchange.core.perps.markets import (
    DEFAULT_FUNDING_CAP,
    DEFAULT_FUNDING_DEADBAND,
    DEFAULT_INITIAL_MULTIPLIER,
    DEFAULT_MAINTENANCE_RATE,
    FUNDING_LIMIT_UNITS,
    INVALID_PREMIUM_HANDLING,
    STATUSES,
)
from mockexchange.core.perps.units import MILLION, PRICE_KIND, RATE
from mockexchange.core.values import FLAG, TEXT, Choice, Integer, IsoTime, Refused, Text

MAX_EXCHANGE_INDEX = 100
MARKET_VERSION = Integer(1, 2**31 - 1)  # the spec's int32
TITLE = Text(256, 0, blank=True)


@dataclass(frozen=True, slots=True)
class ListPerpMarket(Command):
    """List a perpetual market at `mark_price` (both marks, and the reference price unless given). Its tick size,
    contract size, risk and funding parameters default as docs/perps.md says."""

    name: ClassVar[str] = "list_perp_market"
    ticker: str = value(TEXT)
    mark_price: int = value(PRICE_KIND)
    title: str = value(TITLE, "")
    tick_size: int = value(PRICE_KIND, 100)  # $0.01
    contract_size: int = value(RATE, MILLION)  # millionths: 1.000000
    underlying_multiplier: int = value(RATE, MILLION)
    fractional_trading_enabled: bool = value(FLAG, True)
    exchange_index: int = value(Integer(0, MAX_EXCHANGE_INDEX), 0)
    asset_class: str | None = value(TEXT, None)
    reference_price: int | None = value(PRICE_KIND, None)
    maintenance_margin_rate: int = value(RATE, DEFAULT_MAINTENANCE_RATE)
    initial_margin_multiplier: int = value(RATE, DEFAULT_INITIAL_MULTIPLIER)
    funding_deadband: int = value(RATE, DEFAULT_FUNDING_DEADBAND)
    funding_cap: int = value(RATE, DEFAULT_FUNDING_CAP)
    funding_limit_unit: str = value(Choice(FUNDING_LIMIT_UNITS), "percentage")
    funding_invalid_premium_handling: str = value(Choice(INVALID_PREMIUM_HANDLING), "dampen")
    status: str = value(Choice(STATUSES), "active")

    def check(self) -> None:
        if self.mark_price % self.tick_size:
            raise Refused(f"mark_price must be a multiple of tick_size ({self.tick_size} ten-thousandths)")
        if not 0 < self.maintenance_margin_rate <= MILLION:
            raise Refused("maintenance_margin_rate must be above 0 and at most 1")
        if self.initial_margin_multiplier < MILLION:
            raise Refused("initial_margin_multiplier must be at least 1")
        if not self.contract_size or not self.underlying_multiplier:
            raise Refused("contract_size and underlying_multiplier must be above 0")


@dataclass(frozen=True, slots=True)
class SetPerpMarks(Command):
    """Set a market's marks, now on the exchange clock: `mark_price` both the liquidation and settlement marks, or each
    on its own; the reference price too, if given."""

    name: ClassVar[str] = "set_perp_marks"
    ticker: str = value(TEXT)
    mark_price: int | None = value(PRICE_KIND, None)
    liquidation_mark_price: int | None = value(PRICE_KIND, None)
    settlement_mark_price: int | None = value(PRICE_KIND, None)
    reference_price: int | None = value(PRICE_KIND, None)

    def check(self) -> None:
        given = (self.mark_price, self.liquidation_mark_price, self.settlement_mark_price, self.reference_price)
        if all(price is None for price in given):
            raise Refused("give mark_price, liquidation_mark_price, settlement_mark_price or reference_price")
        if self.mark_price is not None and (self.liquidation_mark_price or self.settlement_mark_price):
            raise Refused("give mark_price (both marks) or the marks one by one, not both")


@dataclass(frozen=True, slots=True)
class UpdatePerpMarket(Command):
    """Change a market's status (`inactive`, `active`, `closed`) or its version (which an order may name: a
    corporate action moves it)."""

    name: ClassVar[str] = "update_perp_market"
    ticker: str = value(TEXT)
    status: str | None = value(Choice(STATUSES), None)
    market_version: int | None = value(MARKET_VERSION, None)


CORPORATE_ACTION_TYPES = ("cash_dividend", "special_dividend", "spin_off", "stock_split", "final_settlement",
                          "ticker_change")  # fmt: skip
CORPORATE_ACTION_STATUSES = ("scheduled", "cancelled", "applied", "lapsed")
SETTLEMENT_REASONS = ("bankruptcy", "merger", "delisting", "other")
_CASH = ("cash_per_share", "cash_per_contract", "ex_date")
# Each type's terms (the others are refused), and those it must have (a cancelled notice has none)
CORPORATE_ACTION_TERMS: dict[str, tuple[str, ...]] = {
    "cash_dividend": _CASH, "special_dividend": _CASH, "spin_off": (),
    "stock_split": ("ratio_old", "ratio_new", "ex_date"),
    "final_settlement": ("reason", "settlement_price_per_share", "settlement_price_per_contract"),
    "ticker_change": ("old_ticker", "new_ticker"),
}  # fmt: skip
_REQUIRED_TERMS = {"stock_split": ("ratio_old", "ratio_new"), "final_settlement": ("reason",),
                   "ticker_change": ("old_ticker", "new_ticker")}  # fmt: skip
_ALL_TERMS = frozenset(name for terms in CORPORATE_ACTION_TERMS.values() for name in terms)
EX_DATE = Text(10, 10, pattern=re.compile(r"\d{4}-\d{2}-\d{2}"))
RATIO = Text(32, pattern=re.compile(r"\d+(\.\d+)?"))


@dataclass(frozen=True, slots=True)
class SetPerpCorporateAction(Command):
    """A corporate action notice of a market (GET /margin/corporate_actions lists it), now on the exchange clock: a
    new one, or the one `action_id` names (its status or terms changed). Its terms are its type's (a dividend's cash
    per share or contract and ex-date, a split's ratio, a final settlement's reason and prices, a ticker change's
    tickers); a cancelled notice has none, nor an execution time."""

    name: ClassVar[str] = "set_perp_corporate_action"
    ticker: str = value(TEXT)
    type: str = value(Choice(CORPORATE_ACTION_TYPES))
    status: str = value(Choice(CORPORATE_ACTION_STATUSES), "scheduled")
    action_id: str | None = value(TEXT, None)
    execution_time: datetime | None = value(IsoTime(), None)
    cash_per_share: int | None = value(PRICE_KIND, None)
    cash_per_contract: int | None = value(PRICE_KIND, None)
    ex_date: str | None = value(EX_DATE, None)
    ratio_old: str | None = value(RATIO, None)
    ratio_new: str | None = value(RATIO, None)
    reason: str | None = value(Choice(SETTLEMENT_REASONS), None)
    settlement_price_per_share: int | None = value(PRICE_KIND, None)
    settlement_price_per_contract: int | None = value(PRICE_KIND, None)
    old_ticker: str | None = value(TEXT, None)
    new_ticker: str | None = value(TEXT, None)

    def check(self) -> None:
        given = {name for name in _ALL_TERMS if getattr(self, name) is not None}
        allowed = () if self.status == "cancelled" else CORPORATE_ACTION_TERMS[self.type]
        if given - set(allowed):
            raise Refused(f"a {self.status} {self.type} notice has no {', '.join(sorted(given - set(allowed)))}")
        missing = [name for name in _REQUIRED_TERMS.get(self.type, ()) if name in allowed and name not in given]
        if missing:
            raise Refused(f"a {self.type} notice needs {', '.join(missing)}")
        if self.status == "cancelled" and self.execution_time is not None:
            raise Refused("a cancelled notice has no execution_time")
        if self.ex_date is not None:
            try:
                date.fromisoformat(self.ex_date)
            except ValueError:
                raise Refused(f"ex_date must be a date (YYYY-MM-DD), not {self.ex_date!r}") from None
