"""What the communications part keeps (communications.py): every RFQ and quote, the open RFQs of each user by market,
each RFQ's quotes, and each user's communications id; the ledger's `communications`, which a snapshot holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from mockexchange.core.kalshi.rfq_records import Quote, Rfq


@dataclass(slots=True)
class CommunicationsState:
    """The RFQs and quotes (the ledger's `communications`: a snapshot of the ledger holds it as it holds the rows)."""

    rfqs: dict[str, Rfq] = field(default_factory=dict)  # every RFQ, by id, oldest first
    quotes: dict[str, Quote] = field(default_factory=dict)  # every quote, by id, oldest first
    # user -> market ticker -> the id of the user's open RFQ there (a user has one open RFQ a market)
    open_rfqs: dict[str, dict[str, str]] = field(default_factory=dict)
    rfq_quotes: dict[str, list[str]] = field(default_factory=dict)  # RFQ id -> its quotes' ids, oldest first
    ids: dict[str, str] = field(default_factory=dict)  # user -> communications id (drawn at first need)

    def clear(self) -> None:
        for kept in fields(self):
            getattr(self, kept.name).clear()

    def quotes_of(self, rfq_id: str) -> list[Quote]:
        """The RFQ's quotes, oldest first."""
        quotes = self.quotes
        return [quotes[quote_id] for quote_id in self.rfq_quotes.get(rfq_id, ())] if isinstance(rfq_id, str) else []
