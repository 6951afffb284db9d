"""What the inspector reads beside the control plane, wired to one app: the accounts, Kalshi's markets, the
connections and the live feed with its sources (the bus the ledger and the book publish on, the journal, the scenario,
the frame tap).

app.py makes one `Views` when the admin API is on; admin/routes.py serves its reads and its feed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockexchange.admin.accounts import AccountReads
from mockexchange.admin.connections import ConnectionReads
from mockexchange.admin.feed import Feed
from mockexchange.admin.frames import Recording
from mockexchange.admin.kalshi_markets import MarketReads
from mockexchange.control import Control
from mockexchange.core.connections import LiveConnections
from mockexchange.journal.journal import Journal
from mockexchange.scenario.operations import Scenarios
from mockexchange.venues.deribit.context import DeribitContext
from mockexchange.venues.kalshi.context import KalshiContext


@dataclass(slots=True)
class Views:
    accounts: AccountReads
    markets: MarketReads
    connections: ConnectionReads
    feed: Feed
    recording: Recording  # the websockets' last frames are noted once someone inspects (admin/frames.py)

    @classmethod
    def of(
        cls,
        control: Control,
        scenarios: Scenarios,
        journal: Journal,
        kalshi: KalshiContext,
        deribit: DeribitContext,
        connections: LiveConnections,
    ) -> Views:
        accounts = AccountReads(kalshi, deribit)
        recording = Recording()
        connection_reads = ConnectionReads(connections, on_read=recording.start)

        def state() -> dict[str, Any]:
            return {"clock": control.clock(), "scenario": scenarios.scenario_status()}

        def control_state() -> dict[str, Any]:
            return {
                **state(),
                "faults": control.faults()["faults"],
                "rate_limits": control.rate_limits(),
                "rest_lag": control.rest_lag(),
            }

        def user_of(venue: str, key_id: str | None) -> str | None:
            if key_id is None:
                return None
            if venue == "kalshi":
                key = kalshi.keys.get(key_id)
                return key.user_id if key is not None else None
            credential = deribit.auth.registry.get(key_id)
            return credential.user_id if credential is not None else None

        feed = Feed(journal, {"state": state, "control": control_state}, user_of, connection_reads)
        feed.on_open = recording.start
        feed.watch(control.ledger.state.bus.subscribe)
        if deribit.book.state.bus is not control.ledger.state.bus:
            feed.watch(deribit.book.state.bus.subscribe)
        feed.watch_journal()
        scenarios.on_change = feed.changed
        return cls(accounts, MarketReads(kalshi), connection_reads, feed, recording)

    def connection_changed(self) -> None:
        """A tapped websocket opened, ended or moved a frame (admin/frames.py)."""
        self.feed.notify("connections")
