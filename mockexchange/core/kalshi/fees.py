"""Trading fees: the exchange's fee schedule, applied when a fill does not state its own fee."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

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
        # rate x (count / 100) x (price / 10^4) x ((10^4 - price) / 10^4) dollars, in centi-cents (x 10^4)
        centi_cents = ceiling(numerator * count * price * (PRICE - price), denominator * 10**6)
        return centi_cents * CENTI_CENT

    def fee(self, count: Decimal, price: Decimal, is_taker: bool) -> Decimal:
        """`fee_units` in dollars, for a count and a price as Decimals."""
        return dollars(self.fee_units(count_units(count), price_units(price), is_taker))
