"""What the communications part keeps (communications.py): the RFQs and quotes it keeps, the open RFQs of each user by
market, each RFQ's quotes, each maker's live quotes, each user's latest closed RFQs and ended quotes (up to a bound:
the older are forgotten) and each user's communications id; the ledger's `communications`, which a snapshot holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from mockexchange.core.kalshi.rfq_records import Quote, Rfq
from mockexchange.core.kept_index import KeptIndex


@dataclass(slots=True)
class CommunicationsState:
    """The RFQs and quotes (the ledger's `communications`: a snapshot of the ledger holds it as it holds the rows)."""

    rfqs: dict[str, Rfq] = field(default_factory=dict)  # every RFQ kept, by id, oldest first
    quotes: dict[str, Quote] = field(default_factory=dict)  # every quote kept, by id, oldest first
    # user -> market ticker -> the id of the user's open RFQ there (a user has one open RFQ a market)
    open_rfqs: dict[str, dict[str, str]] = field(default_factory=dict)
    # RFQ id -> its kept quotes' ids, oldest first (an RFQ forgotten keeps its entry while a quote of it is kept)
    rfq_quotes: dict[str, dict[str, None]] = field(default_factory=dict)
    live_quotes: dict[str, dict[str, None]] = field(default_factory=dict)  # maker -> its open, accepted, confirmed
    closed_rfqs: KeptIndex[Rfq] = field(default_factory=KeptIndex)  # creator -> its kept closed RFQs, by close
    ended_quotes: KeptIndex[Quote] = field(default_factory=KeptIndex)  # maker -> its kept ended quotes, by end
    ids: dict[str, str] = field(default_factory=dict)  # user -> communications id (drawn at first need)

    def clear(self) -> None:
        for kept in fields(self):
            getattr(self, kept.name).clear()

    def quotes_of(self, rfq_id: str) -> list[Quote]:
        """The RFQ's quotes, oldest first."""
        quotes = self.quotes
        return [quotes[quote_id] for quote_id in self.rfq_quotes.get(rfq_id, ())] if isinstance(rfq_id, str) else []
