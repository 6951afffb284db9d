"""A yield token's APR as Deribit's `public/get_apr_history` shows it: set through the control plane over the exchange
clock (a path, price_path.py), read a full epoch day at a time, each day's APR the one in force at its end; days run
from the first point's to yesterday by the exchange clock (today is not full yet), newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from mockexchange.core.deribit.path_feed import PathFeed
from mockexchange.core.deribit.price_path import EPOCH

DAY = timedelta(days=1)
_LAST_INSTANT = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class AprDay:
    day: int  # days since the epoch
    apr: Decimal  # in percent


class Apr(PathFeed):
    """Each yield token's APR (the state's `apr`, by Deribit's lower-case code)."""

    name = "apr"

    def days(self, currency: str, limit: int, before: int | None = None) -> tuple[list[AprDay], int | None]:
        """The full days before the day `before` (every full day if None), newest first, at most `limit`; and the day
        to ask before for the older ones (None: there are none)."""
        path = self.state.apr.get(currency)
        if path is None or not path.points:
            return [], None
        first = (path.points[0].timestamp - EPOCH) // DAY
        day = (self.state.clock.now() - EPOCH) // DAY - 1  # yesterday: the last full day
        if before is not None:
            day = min(day, before - 1)
        found: list[AprDay] = []
        while day >= first and len(found) < limit:
            apr = path.value_at(EPOCH + (day + 1) * DAY - _LAST_INSTANT)
            assert apr is not None  # (the first point's day holds it by its end)
            found.append(AprDay(day, apr))
            day -= 1
        return found, (found[-1].day if found and day >= first else None)
