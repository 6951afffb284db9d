"""What the RFQ batches part keeps (rfq_batches.py): every batch and batch quote, the batches' best bids as last
shown, and the part's sequence of bids (their time priority); the ledger's `rfq_batches`, which a snapshot holds. The
batches' children are RFQs the communications part keeps (rfq_state.py), apart from its open RFQs by market."""

from __future__ import annotations

from dataclasses import dataclass, field

from mockexchange.core.kalshi.rfq_batch_records import BatchQuote, BestChild, RfqBatch


@dataclass(slots=True)
class RfqBatchState:
    """The RFQ batches and batch quotes (the ledger's `rfq_batches`)."""

    batches: dict[str, RfqBatch] = field(default_factory=dict)  # every batch, by id, oldest first
    batch_quotes: dict[str, BatchQuote] = field(default_factory=dict)  # every batch quote, by id, oldest first
    of_batch: dict[str, list[str]] = field(default_factory=dict)  # batch id -> its batch quotes' ids, oldest first
    best: dict[str, tuple[BestChild, ...]] = field(default_factory=dict)  # batch id -> its best bids as last shown
    sequence: int = 0  # the last bid's place in time (a bid's priority)

    def clear(self) -> None:
        self.batches.clear()
        self.batch_quotes.clear()
        self.of_batch.clear()
        self.best.clear()
        self.sequence = 0

    def quotes_of(self, rfq_batch_id: str) -> list[BatchQuote]:
        """The batch's batch quotes, oldest first."""
        held = self.batch_quotes
        return [held[quote_id] for quote_id in self.of_batch.get(rfq_batch_id, ())]
