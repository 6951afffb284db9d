"""Kalshi's historical cutoff on the control plane: read it, set it (what moves is core/kalshi/archive.py's; the
command is declared in core/kalshi/archive_commands.py).

`Control` reads it (`historical_cutoff`) and sets it (`set_historical_cutoff`, kalshi_operations.py): the admin API's
`GET|POST /_admin/historical/cutoff`, the Python API's methods of those names, a scenario's `historical_cutoff` step.
"""

from __future__ import annotations

from typing import Any

from mockexchange.core.kalshi.ledger import Ledger


def historical_cutoff(ledger: Ledger) -> dict[str, Any]:
    """The four cutoffs (ISO 8601), and the events whose positions are archived."""
    with ledger.reading():
        archive = ledger.state.archive
        return {
            **{name: when.isoformat() for name, when in archive.cutoffs.items()},
            "archived_events": sorted(archive.archived_events),
        }
