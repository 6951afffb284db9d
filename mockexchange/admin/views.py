"""What the inspector reads beside the control plane, wired to one app: every venue's panel (its accounts and its own
reads, admin/panels.py), the connections and the live feed with its sources (the bus every venue publishes on, the
journal, the scenario, the frame tap).

app.py makes one `Views` when the admin API is on; admin/routes.py serves its reads and its feed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mockexchange.admin.accounts import AccountReads
from mockexchange.admin.connections import ConnectionReads
from mockexchange.admin.feed import Feed
from mockexchange.admin.frames import Recording
from mockexchange.admin.panels import Panel
from mockexchange.control import Control
from mockexchange.core.connections import LiveConnections
from mockexchange.journal.journal import Journal
from mockexchange.scenario.operations import Scenarios


@dataclass(slots=True)
class Views:
    accounts: AccountReads
    connections: ConnectionReads
    feed: Feed
    recording: Recording  # the websockets' last frames are noted once someone inspects (admin/frames.py)

    @classmethod
    def of(
        cls,
        control: Control,
        scenarios: Scenarios,
        journal: Journal,
        panels: Iterable[Panel],
        connections: LiveConnections,
    ) -> Views:
        accounts = AccountReads(panels)
        recording = Recording()
        connection_reads = ConnectionReads(connections, on_read=recording.start)

        def state() -> dict[str, Any]:
            return {"clock": control.clock(), "scenario": scenarios.scenario_status()}

        def control_state() -> dict[str, Any]:
            return {
                **state(),
                "faults": control.faults()["faults"],
                "rate_limits": control.rate_limits(),
                # each venue's settings the page shows (Kalshi's REST lag)
                **{
                    name: getattr(control, read)() for venue in control.venues for name, read in venue.inspected.items()
                },
            }

        reads = {"state": state, "control": control_state}
        feed = Feed(journal, reads, accounts.user_of, connection_reads, accounts.panels)
        feed.on_open = recording.start
        feed.watch(control.parts.bus.subscribe)  # every venue's changes (and the keys') go on the mock's one bus
        feed.watch_journal()
        scenarios.on_change = feed.changed
        return cls(accounts, connection_reads, feed, recording)

    def connection_changed(self) -> None:
        """A tapped websocket opened, ended or moved a frame (admin/frames.py)."""
        self.feed.notify("connections")
