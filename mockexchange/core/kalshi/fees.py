"""Trading fees: the exchange's fee schedule, applied when a fill does not state its own fee."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mockexchange.core.money import CENTI_CENT, ONE, ceil_to


@dataclass(frozen=True, slots=True)
class QuadraticFee:
    """fee = rate x count x P x (1 - P), rounded up to the centi-cent.

    Kalshi's general schedule: 7% for takers. Makers pay nothing on most markets (0.0175 on some); the maker rate is a
    setting. A captured fill (1 contract at 0.52, taker) carried `fee_cost` "0.017500": 0.07 x 0.52 x 0.48 = 0.017472,
    rounded up to 0.0175.
    """

    taker_rate: Decimal = Decimal("0.07")
    maker_rate: Decimal = Decimal("0")

    def fee(self, count: Decimal, price: Decimal, is_taker: bool) -> Decimal:
        rate = self.taker_rate if is_taker else self.maker_rate
        return ceil_to(rate * count * price * (ONE - price), CENTI_CENT)
