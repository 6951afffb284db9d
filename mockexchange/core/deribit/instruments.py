"""Derivatives instruments: what a name such as `BTC-27DEC24-60000-C` means, and the facts the arithmetic needs.

Names follow Deribit's convention, the de-facto one for crypto derivatives:

    BTC-PERPETUAL         inverse (coin-settled) perpetual       BTC_USDC-PERPETUAL         linear (USDC) perpetual
    BTC-27DEC24           inverse future, expires 27 Dec 2024    ETH_USDC-27DEC24           linear future
    BTC-27DEC24-60000-C   inverse option (call; -P for a put)    XRP_USDC-27DEC24-0d625-P   linear option, strike 0.625

The day has no leading zero (`BTC-5JAN24`), and a fractional strike writes its point as `d`. Every dated instrument
expires at 08:00 UTC on its date. An inverse instrument is quoted against USD and settles in its coin (futures sized in
USD, options sized and priced in the coin); a linear one is quoted, margined and settled in USDC and sized in the coin.
Contract sizes, minimum amounts and tick sizes come from `SPECS`; where the real venue's figure is unknown the value
is the mock's choice (docs/deribit.md lists which).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Literal

Kind = Literal["future", "option"]
OptionType = Literal["call", "put"]

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
EXPIRY_TIME = time(8, 0, tzinfo=UTC)
# What Deribit sends as the expiration of a perpetual: 3000-01-01T08:00:00Z in milliseconds (the usual expiry hour).
PERPETUAL_EXPIRATION_MS = 32_503_708_800_000
INVERSE_BASES = ("BTC", "ETH")  # the only coins with coin-settled contracts
LINEAR_QUOTE = "USDC"

# ASCII only (`\d` alone would take `２７` and `６`), matched whole (`$` alone would take a trailing newline).
_NAME = re.compile(
    r"(?P<base>[A-Z0-9]+)(?:_(?P<quote>[A-Z]+))?-"
    r"(?:(?P<perp>PERPETUAL)|(?P<day>\d{1,2})(?P<month>[A-Z]{3})(?P<year>\d{2})"
    r"(?:-(?P<strike>\d+(?:d\d+)?)-(?P<type>[CP]))?)",
    re.ASCII,
)


class InstrumentError(ValueError):
    """A name that is not an instrument name, or an instrument the mock does not model."""


@dataclass(frozen=True, slots=True)
class Spec:
    """Per-contract facts for one family of instruments (a base coin, inverse or linear, future or option)."""

    contract_size: Decimal  # inverse futures: USD per contract; options and linear futures: coin per contract
    min_trade_amount: Decimal  # in the unit `size` is in
    tick_size: Decimal  # in the unit the price is quoted in
    perpetual_tick_size: Decimal | None = None  # futures only, when the perpetual's tick differs from dated futures'


# (base, linear, kind) -> facts. ("*", True, kind) is the fallback for other USDC-settled coins.
SPECS: dict[tuple[str, bool, Kind], Spec] = {
    ("BTC", False, "future"): Spec(Decimal(10), Decimal(10), Decimal("2.5"), Decimal("0.5")),
    ("ETH", False, "future"): Spec(Decimal(1), Decimal(1), Decimal("0.25"), Decimal("0.05")),
    ("BTC", False, "option"): Spec(Decimal(1), Decimal("0.1"), Decimal("0.0005")),
    ("ETH", False, "option"): Spec(Decimal(1), Decimal(1), Decimal("0.0005")),
    ("BTC", True, "future"): Spec(Decimal("0.001"), Decimal("0.001"), Decimal(1)),
    ("ETH", True, "future"): Spec(Decimal("0.01"), Decimal("0.01"), Decimal("0.1")),
    ("BTC", True, "option"): Spec(Decimal("0.01"), Decimal("0.01"), Decimal(5)),
    ("ETH", True, "option"): Spec(Decimal("0.1"), Decimal("0.1"), Decimal("0.5")),
    ("*", True, "future"): Spec(Decimal(1), Decimal(1), Decimal("0.0001")),
    ("*", True, "option"): Spec(Decimal(1), Decimal(1), Decimal("0.0001")),
}


@dataclass(frozen=True, slots=True)
class Instrument:
    instrument_name: str
    kind: Kind
    base_currency: str
    quote_currency: str  # the currency the price is in: USD (inverse futures), the coin (inverse options), USDC
    counter_currency: str  # USD for inverse instruments, USDC for linear ones
    settlement_currency: str
    instrument_type: Literal["reversed", "linear"]  # Deribit's words for inverse and linear
    settlement_period: Literal["perpetual", "month", "week", "day"]
    expiration_timestamp: int  # ms since the epoch; PERPETUAL_EXPIRATION_MS for perpetuals
    contract_size: Decimal
    min_trade_amount: Decimal
    tick_size: Decimal
    strike: Decimal | None = None
    option_type: OptionType | None = None

    @property
    def is_inverse(self) -> bool:
        return self.instrument_type == "reversed"

    @property
    def is_perpetual(self) -> bool:
        return self.settlement_period == "perpetual"

    @property
    def expiration(self) -> datetime | None:
        if self.is_perpetual:
            return None
        return datetime.fromtimestamp(self.expiration_timestamp // 1000, UTC)

    @property
    def price_index(self) -> str:
        """The index the instrument is marked against, as Deribit names it (`btc_usd`, `eth_usdc`)."""
        return f"{self.base_currency}_{self.counter_currency}".lower()


def expiry_code(day: date) -> str:
    """`27DEC24`, `5JAN24`: day without leading zero, month, two-digit year."""
    return f"{day.day}{MONTHS[day.month - 1]}{day.year % 100:02d}"


def strike_code(strike: Decimal) -> str:
    """`60000`, `0d625`: an integer strike as is; a fractional one with `d` for the point."""
    text = f"{strike.normalize():f}"
    return text.replace(".", "d")


def instrument_name(
    base: str,
    *,
    linear: bool = False,
    expiry: date | None = None,
    strike: Decimal | None = None,
    option_type: OptionType | None = None,
) -> str:
    """The name of a perpetual (no expiry), a future (expiry) or an option (expiry, strike, type)."""
    prefix = f"{base}_{LINEAR_QUOTE}" if linear else base
    if expiry is None:
        if strike is not None or option_type is not None:
            raise InstrumentError("an option needs an expiry")
        return f"{prefix}-PERPETUAL"
    if (strike is None) != (option_type is None):
        raise InstrumentError("an option needs both a strike and an option type")
    if strike is None:
        return f"{prefix}-{expiry_code(expiry)}"
    return f"{prefix}-{expiry_code(expiry)}-{strike_code(strike)}-{'C' if option_type == 'call' else 'P'}"


def _settlement_period(day: date) -> Literal["month", "week", "day"]:
    # Deribit's monthly and quarterly contracts expire on the last Friday of the month, weeklies on other Fridays.
    if day.weekday() != 4:
        return "day"
    return "month" if (day.day + 7) > _days_in_month(day) else "week"


def _days_in_month(day: date) -> int:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return (following - date(day.year, day.month, 1)).days


def parse_instrument_name(name: str) -> Instrument:
    """The instrument a Deribit-style name describes, with the facts from `SPECS`."""
    match = _NAME.fullmatch(name) if isinstance(name, str) else None
    if match is None:
        raise InstrumentError(f"not an instrument name: {name!r}")
    base, quote = match["base"], match["quote"]
    if quote not in (None, LINEAR_QUOTE):
        raise InstrumentError(f"only USDC-settled linear instruments are modelled: {name!r}")
    linear = quote is not None
    if not linear and base not in INVERSE_BASES:
        raise InstrumentError(f"coin-settled instruments exist only for {', '.join(INVERSE_BASES)}: {name!r}")
    kind: Kind = "option" if match["strike"] else "future"
    spec = SPECS.get((base, linear, kind)) or SPECS.get(("*", linear, kind))
    if spec is None:
        raise InstrumentError(f"no contract facts for {name!r}")
    strike: Decimal | None = None
    option_type: OptionType | None = None
    tick = spec.tick_size
    if match["perp"]:
        period: Literal["perpetual", "month", "week", "day"] = "perpetual"
        expiration = PERPETUAL_EXPIRATION_MS
        tick = spec.perpetual_tick_size or tick
    else:
        if match["month"] not in MONTHS:
            raise InstrumentError(f"unknown month in {name!r}")
        try:
            day = date(2000 + int(match["year"]), MONTHS.index(match["month"]) + 1, int(match["day"]))
        except ValueError:
            raise InstrumentError(f"no such date in {name!r}") from None
        if expiry_code(day) != f"{match['day']}{match['month']}{match['year']}":
            raise InstrumentError(f"the day has a leading zero in {name!r}; Deribit writes {expiry_code(day)}")
        period = _settlement_period(day)
        expiration = int(datetime.combine(day, EXPIRY_TIME).timestamp()) * 1000
        if kind == "option":
            try:
                strike = Decimal(match["strike"].replace("d", "."))
            except InvalidOperation:  # pragma: no cover - the pattern admits only digits
                raise InstrumentError(f"bad strike in {name!r}") from None
            if strike <= 0:
                raise InstrumentError(f"strike must be positive in {name!r}")
            option_type = "call" if match["type"] == "C" else "put"
    counter = LINEAR_QUOTE if linear else "USD"
    # Inverse options are priced in their coin, inverse futures in USD, linear instruments in USDC.
    quote_currency = LINEAR_QUOTE if linear else base if kind == "option" else "USD"
    return Instrument(
        instrument_name=name,
        kind=kind,
        base_currency=base,
        quote_currency=quote_currency,
        counter_currency=counter,
        settlement_currency=LINEAR_QUOTE if linear else base,
        instrument_type="linear" if linear else "reversed",
        settlement_period=period,
        expiration_timestamp=expiration,
        contract_size=spec.contract_size,
        min_trade_amount=spec.min_trade_amount,
        tick_size=tick,
        strike=strike,
        option_type=option_type,
    )


def with_facts(instrument: Instrument, **facts: Decimal) -> Instrument:
    """The instrument with other contract facts (contract_size, min_trade_amount, tick_size): for a scenario that
    wants the venue's figures of the day."""
    unknown = set(facts) - {"contract_size", "min_trade_amount", "tick_size"}
    if unknown:
        raise InstrumentError(f"not a contract fact: {', '.join(sorted(unknown))}")
    for key, value in facts.items():
        if not isinstance(value, Decimal) or value <= 0:
            raise InstrumentError(f"{key} must be a positive Decimal")
    return replace(
        instrument,
        contract_size=facts.get("contract_size", instrument.contract_size),
        min_trade_amount=facts.get("min_trade_amount", instrument.min_trade_amount),
        tick_size=facts.get("tick_size", instrument.tick_size),
    )
