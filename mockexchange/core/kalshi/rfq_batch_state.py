"""What the RFQ batches part keeps (rfq_batches.py): the batches and batch quotes it keeps, the batches' best bids as
last shown, the part's sequence of bids (their time priority), each maker's live batch quotes and each user's latest
closed batches and ended batch quotes (up to a bound: the older are forgotten); the ledger's `rfq_batches`, which a
snapshot holds. The batches' children are RFQs the communications part keeps (rfq_state.py), apart from its open RFQs
by market."""

from __future__ import annotations

from dataclasses import dataclass, field

from mockexchange.core.kalshi.rfq_batch_records import BatchQuote, BestChild, RfqBatch
from mockexchange.core.kept_index import KeptIndex


@dataclass(slots=True)
class RfqBatchState:
    """The RFQ batches and batch quotes (the ledger's `rfq_batches`)."""

    batches: dict[str, RfqBatch] = field(default_factory=dict)  # every batch kept, by id, oldest first
    batch_quotes: dict[str, BatchQuote] = field(default_factory=dict)  # every batch quote kept, by id, oldest first
    of_batch: dict[str, dict[str, None]] = field(default_factory=dict)  # batch id -> its kept batch quotes' ids
    best: dict[str, tuple[BestChild, ...]] = field(default_factory=dict)  # batch id -> its best bids as last shown
    sequence: int = 0  # the last bid's place in time (a bid's priority)
    made: int = 0  # the batches made (the last one's `number`)
    live_quotes: dict[str, dict[str, None]] = field(default_factory=dict)  # maker -> its open, accepted, confirmed
    closed: KeptIndex[RfqBatch] = field(default_factory=KeptIndex)  # creator -> its kept closed batches, by close
    ended_quotes: KeptIndex[BatchQuote] = field(default_factory=KeptIndex)  # maker -> its kept ended ones, by end
    ended_keys: dict[str, tuple[int, int]] = field(default_factory=dict)  # batch quote id -> its key in ended_quotes

    def clear(self) -> None:
        self.batches.clear()
        self.batch_quotes.clear()
        self.of_batch.clear()
        self.best.clear()
        self.sequence = self.made = 0
        self.live_quotes.clear()
        self.closed.clear()
        self.ended_quotes.clear()
        self.ended_keys.clear()

    def quotes_of(self, rfq_batch_id: str) -> list[BatchQuote]:
        """The batch's batch quotes, oldest first."""
        held = self.batch_quotes
        return [held[quote_id] for quote_id in self.of_batch.get(rfq_batch_id, ())]
