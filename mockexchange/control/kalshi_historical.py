"""Kalshi's historical cutoff on the control plane: read it, set it (what moves is core/kalshi/archive.py's; the
command is declared in core/kalshi/archive_commands.py).

`Control` inherits them: the admin API's `GET|POST /_admin/historical/cutoff`, the Python API's `historical_cutoff()`
and `set_historical_cutoff(...)`, a scenario's `historical_cutoff` step.
"""

from __future__ import annotations

from typing import Any

from mockexchange.control.commands import operation
from mockexchange.core.kalshi.archive_commands import SetHistoricalCutoff
from mockexchange.core.kalshi.ledger import Ledger


class HistoricalOperations:
    """Mixed into `Control`, which owns the ledger they act on and runs their commands (`Control.run`)."""

    ledger: Ledger

    def historical_cutoff(self) -> dict[str, Any]:
        """The four cutoffs (ISO 8601), and the events whose positions are archived."""
        with self.ledger.reading():
            archive = self.ledger.state.archive
            return {
                **{name: when.isoformat() for name, when in archive.cutoffs.items()},
                "archived_events": sorted(archive.archived_events),
            }

    # (its answer is the cutoff as it reads after, and how many events' positions moved)
    set_historical_cutoff = operation(
        SetHistoricalCutoff, lambda control, moved: {**control.historical_cutoff(), "events_moved": moved}, reads=True
    )
