"""Kalshi's historical cutoff moved, declared once (core/commands.py): `SetHistoricalCutoff`, each of the four cutoffs
an ISO 8601 time, held as the exchange's time. The admin API, the Python API, a scenario's `historical_cutoff` step and
the state file build it; the archive takes what it moves (archive.py's `set_cutoffs`, handlers.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from mockexchange.core.commands import Command, value
from mockexchange.core.kalshi.archive import CUTOFFS, MARKETS, ORDERS, POSITIONS, TRADES
from mockexchange.core.values import IsoTime, Refused

TIME = IsoTime()


@dataclass(frozen=True, slots=True)
class SetHistoricalCutoff(Command):
    """Set Kalshi's historical cutoff: `at` sets all four, each named one sets itself (over `at`); an ISO 8601 time
    with a timezone, from 1970 on (1970-01-01T00:00:00Z, the default, moves nothing). Fills before
    `trades_created_ts`, orders ended before `orders_updated_ts` and the positions of events wholly settled before
    `market_positions_last_updated_ts` move from the live reads to `/historical/*`; moved back, they come back."""

    name: ClassVar[str] = "set_historical_cutoff"
    at: datetime | None = value(TIME, None)
    market_settled_ts: datetime | None = value(TIME, None)
    trades_created_ts: datetime | None = value(TIME, None)
    orders_updated_ts: datetime | None = value(TIME, None)
    market_positions_last_updated_ts: datetime | None = value(TIME, None)

    def check(self) -> None:
        if not self.changes():
            raise Refused(f"give `at` or one of {', '.join(CUTOFFS)}")

    def changes(self) -> dict[str, datetime]:
        """Each cutoff it moves, and where to: `at` for all, each named one over it."""
        named = {
            MARKETS: self.market_settled_ts,
            TRADES: self.trades_created_ts,
            ORDERS: self.orders_updated_ts,
            POSITIONS: self.market_positions_last_updated_ts,
        }
        moved = {} if self.at is None else dict.fromkeys(CUTOFFS, self.at)
        return moved | {name: when for name, when in named.items() if when is not None}
