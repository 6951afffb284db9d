"""Kalshi's historical cutoff on the control plane: read it, set it (what moves is core/kalshi/archive.py's).

`Control` inherits them: the admin API's `GET|POST /_admin/historical/cutoff`, the Python API's `historical_cutoff()`
and `set_historical_cutoff(...)`, a scenario's `historical_cutoff` step.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mockexchange.control.commands import command
from mockexchange.control.errors import ControlError
from mockexchange.control.values import iso_time
from mockexchange.core.kalshi.archive import CUTOFFS, EPOCH
from mockexchange.core.kalshi.ledger import Ledger

_LATEST = datetime(9999, 1, 1, tzinfo=UTC)  # the exchange clock's own bound (control/operations.py)


class HistoricalOperations:
    ledger: Ledger

    def historical_cutoff(self) -> dict[str, Any]:
        """The four cutoffs (ISO 8601), and the events whose positions are archived."""
        with self.ledger.reading():
            archive = self.ledger.state.archive
            return {
                **{name: when.isoformat() for name, when in archive.cutoffs.items()},
                "archived_events": sorted(archive.archived_events),
            }

    @command()
    def set_historical_cutoff(
        self,
        at: str | None = None,
        market_settled_ts: str | None = None,
        trades_created_ts: str | None = None,
        orders_updated_ts: str | None = None,
        market_positions_last_updated_ts: str | None = None,
    ) -> dict[str, Any]:
        """Set Kalshi's historical cutoff: `at` sets all four, each named one sets itself (over `at`); an ISO 8601 time
        with a timezone, from 1970 on (1970-01-01T00:00:00Z, the default, moves nothing). Fills before
        `trades_created_ts`, orders ended before `orders_updated_ts` and the positions of events wholly settled before
        `market_positions_last_updated_ts` move from the live reads to `/historical/*`; moved back, they come back."""
        named = {
            "market_settled_ts": market_settled_ts,
            "trades_created_ts": trades_created_ts,
            "orders_updated_ts": orders_updated_ts,
            "market_positions_last_updated_ts": market_positions_last_updated_ts,
        }
        changes = {} if at is None else dict.fromkeys(CUTOFFS, _time(at, "at"))
        changes |= {name: _time(value, name) for name, value in named.items() if value is not None}
        if not changes:
            raise ControlError(f"give `at` or one of {', '.join(CUTOFFS)}")
        with self.ledger.reading():
            moved = self.ledger.state.archive.set_cutoffs(self.ledger.state, changes)
            return {**self.historical_cutoff(), "events_moved": moved}


def _time(value: Any, name: str) -> datetime:
    when = iso_time(value, name)
    if not EPOCH <= when < _LATEST:
        raise ControlError(f"{name} must be from {EPOCH.isoformat()} to before {_LATEST.isoformat()}, not {value}")
    return when.astimezone(UTC)
