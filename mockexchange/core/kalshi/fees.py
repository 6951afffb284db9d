"""Trading fees: the exchange's fee schedules, applied when a fill does not state its own fee.

A market's series picks its schedule (`Series.fee_type`, `fee_multiplier`; an event's `fee_type_override` and
`fee_multiplier_override` take precedence): Kalshi's fee schedule words them (the spec's `FeeType`):
- `quadratic`: the general table, rate x count x P x (1 - P), 7% for takers; makers pay the ledger's maker rate
  (nothing unless set: `QuadraticFee.maker_rate`);
- `quadratic_with_maker_fees`: the same for takers, and makers pay a quarter of the taker rate (Kalshi's 0.0175);
- `quadratic_with_combo_maker_fees`: makers pay half of the taker rate;
- `flat`: a charge per contract that does not depend on the price, a cent times the multiplier, for takers (the
  mock's reading of the specific table: docs/known-differences.md).
The multiplier scales every rate. Each is rounded up to the centi-cent, as the general schedule is.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from mockexchange.core.kalshi.units import CENTI_CENT, PRICE, ceiling, count_units, dollars, price_units

_RATIOS: dict[Decimal, tuple[int, int]] = {}  # rate -> (numerator, denominator): the schedule's rates are few


def _ratio(rate: Decimal) -> tuple[int, int]:
    found = _RATIOS.get(rate)
    if found is None:
        if len(_RATIOS) >= 64:
            _RATIOS.clear()
        found = _RATIOS[rate] = rate.as_integer_ratio()
    return found


@dataclass(frozen=True, slots=True)
class QuadraticFee:
    """fee = rate x count x P x (1 - P), rounded up to the centi-cent.

    Kalshi's general schedule: 7% for takers. Makers pay nothing on most markets (0.0175 on some); the maker rate is a
    setting. A captured fill (1 contract at 0.52, taker) carried `fee_cost` "0.017500": 0.07 x 0.52 x 0.48 = 0.017472,
    rounded up to 0.0175.
    """

    taker_rate: Decimal = Decimal("0.07")
    maker_rate: Decimal = Decimal("0")

    def fee_units(self, count: int, price: int, is_taker: bool) -> int:
        """The fee of `count` hundredths at `price` (price units), in micro-dollars: worked out exactly, then rounded
        up to the centi-cent."""
        numerator, denominator = _ratio(self.taker_rate if is_taker else self.maker_rate)
        if not numerator:  # (a rate of 0: most markets' makers)
            return 0
        # rate x (count / 100) x (price / 10^4) x ((10^4 - price) / 10^4) dollars, in centi-cents (x 10^4)
        centi_cents = ceiling(numerator * count * price * (PRICE - price), denominator * 10**6)
        return centi_cents * CENTI_CENT

    def fee(self, count: Decimal, price: Decimal, is_taker: bool) -> Decimal:
        """`fee_units` in dollars, for a count and a price as Decimals."""
        return dollars(self.fee_units(count_units(count), price_units(price), is_taker))


FEE_TYPES = ("quadratic", "quadratic_with_maker_fees", "quadratic_with_combo_maker_fees", "flat")
# Of the taker rate, what makers pay under each schedule that charges them.
_MAKER_SHARES = {"quadratic_with_maker_fees": Decimal("0.25"), "quadratic_with_combo_maker_fees": Decimal("0.5")}
_FLAT_UNIT = Decimal("0.01")  # dollars a contract under `flat`, times the multiplier


class FeeRule(Protocol):
    def fee_units(self, count: int, price: int, is_taker: bool) -> int:
        """The fee of `count` hundredths at `price` (price units), micro-dollars."""
        ...


@dataclass(frozen=True, slots=True)
class FlatFee:
    """fee = count x `per_contract` dollars for a taker, rounded up to the centi-cent; nothing for a maker."""

    per_contract: Decimal

    def fee_units(self, count: int, price: int, is_taker: bool) -> int:
        if not is_taker:
            return 0
        numerator, denominator = _ratio(self.per_contract)
        # per_contract x (count / 100) dollars, in centi-cents (x 10^4)
        return ceiling(numerator * count * 100, denominator) * CENTI_CENT


_SCHEDULES: dict[tuple[QuadraticFee, str, Decimal], FeeRule] = {}


def schedule_for(base: QuadraticFee, fee_type: str, multiplier: Decimal) -> FeeRule:
    """The rule of `fee_type` scaled by `multiplier`, on the ledger's own rates (`base`: its maker rate is a
    setting). The general schedule unscaled is `base` itself."""
    if fee_type == "quadratic" and multiplier == 1:
        return base
    key = (base, fee_type, multiplier)
    found = _SCHEDULES.get(key)
    if found is None:
        if len(_SCHEDULES) >= 256:
            _SCHEDULES.clear()
        if fee_type == "flat":
            found = FlatFee(_FLAT_UNIT * multiplier)
        else:
            share = _MAKER_SHARES.get(fee_type)
            maker = base.maker_rate if share is None else base.taker_rate * share
            found = QuadraticFee(base.taker_rate * multiplier, maker * multiplier)
        _SCHEDULES[key] = found
    return found
