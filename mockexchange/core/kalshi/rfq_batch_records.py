"""What Kalshi's RFQ batches hold (the communications API): an `RfqBatch` a user asks, whose children are ordinary
`Rfq`s (rfq_records.py, each with the batch's `rfq_batch_id`), the `BatchQuote`s makers answer it with (one `Quote` a
child), the snapshot of the best bids across makers the batch's creator is shown (`BestQuotes`), and the kinds of
their changes on the bus. The ledger's `rfq_batches` part keeps and changes them (rfq_batches.py); the venue renders
them and decides what a caller sees.

Amounts are the core's units (units.py), as on the single RFQs and quotes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from mockexchange.core.kalshi.rfq_records import Quote

# An RFQ batch's statuses (Kalshi's RFQBatchStatus): an open batch takes batch quotes; an accepted one waits for its
# winners to confirm or executes; a closed one is finished.
BATCH_OPEN, BATCH_ACCEPTED, BATCH_CLOSED = "open", "accepted", "closed"
# A batch quote's statuses (Kalshi's RFQBatchQuoteStatus)
(BATCH_QUOTE_OPEN, BATCH_QUOTE_ACCEPTED, BATCH_QUOTE_CONFIRMED, BATCH_QUOTE_EXECUTED, BATCH_QUOTE_PARTIAL,
 BATCH_QUOTE_CANCELLED) = ("open", "accepted", "confirmed", "executed", "partially_executed", "cancelled")  # fmt: skip
# Why a batch closed (`close_reason`)
EXECUTED, EXECUTION_FAILED, PARTIALLY_EXECUTED = "executed", "execution failed", "partially executed"
CANCELLED, CONFIRMATION_MISSED, MARKET_CLOSED = "cancelled", "confirmation window expired", "market closed"

# The bus's kinds of their changes (core/events.py's `Change`): the payload is the `RfqBatch` (its creator's), the
# `BatchQuote` (its maker's) as changed, or the batch's new `BestQuotes` (its creator's).
RFQ_BATCH_CHANGE, BATCH_QUOTE_CHANGE, BEST_QUOTES_CHANGE = "rfq_batch", "batch_quote", "rfq_batch_best_quotes"


@dataclass(slots=True, eq=False)
class RfqBatch:
    """One user's request for quotes on several markets at once: its children (`rfq_ids`, in request order) are
    accepted together on one side, each from the maker bidding best on it, and execute together."""

    rfq_batch_id: str
    user_id: str  # the creator's
    subaccount: int
    rfq_ids: tuple[str, ...]  # the children, in request order
    client_batch_id: str
    obscure_creator_id: bool
    created_ts: datetime
    updated_ts: datetime
    status: str = BATCH_OPEN
    accepted_side: str | None = None
    accepted_ts: datetime | None = None
    confirmed_ts: datetime | None = None  # when its last winner confirmed (the execution timer's start)
    closed_ts: datetime | None = None
    close_reason: str = ""
    winners: tuple[str, ...] = ()  # the winning batch quotes' ids, once accepted
    executed_rfq_ids: tuple[str, ...] = ()  # once it executed: the children that traded,
    failed_rfq_ids: tuple[str, ...] = ()  # and those that did not
    best_version: int = 0  # `BestQuotes.version` of its last snapshot
    best_updated_ts: datetime | None = None
    # The accept's idempotency key (its client_order_id, "": none), the min bids it was asked with (child RFQ id ->
    # bid) and its answer, the child quotes as they were accepted: a retry with the key answers them again.
    accept_key: str = ""
    accept_min_bids: tuple[tuple[str, int], ...] = ()
    accepted_quotes: tuple[Quote, ...] = ()
    number: int = 0  # its place among the batches made (a list's tiebreak: it stays when older ones are forgotten)


@dataclass(slots=True, eq=False)
class BatchQuote:
    """One maker's quote on an RFQ batch: a `Quote` on every child (`quotes`, in the batch's order). It counts toward
    the batch's best bids for the eligibility window after it was sent (`created_ts`); each child's bid keeps its time
    priority (`priority`) when a resend leaves it unchanged."""

    batch_quote_id: str
    rfq_batch_id: str
    user_id: str  # the maker's
    subaccount: int
    rfq_user_id: str  # the batch creator's
    rfq_subaccount: int
    quotes: tuple[Quote, ...]  # one a child, in the batch's order
    rest_remainder: bool
    post_only: bool
    created_ts: datetime
    updated_ts: datetime
    # child RFQ id -> the time priority of its YES and NO bids (the part's sequence when each bid was first made)
    priority: dict[str, tuple[int, int]] = field(default_factory=dict)
    status: str = BATCH_QUOTE_OPEN
    accepted_side: str | None = None
    accepted_ts: datetime | None = None
    confirmed_ts: datetime | None = None
    executed_ts: datetime | None = None
    cancelled_ts: datetime | None = None
    cancellation_reason: str = ""
    won: tuple[str, ...] = ()  # the children it won (RFQ ids, in the batch's order), once the batch is accepted
    executed_rfq_ids: tuple[str, ...] = ()
    failed_rfq_ids: tuple[str, ...] = ()

    def quote_on(self, rfq_id: str) -> Quote:
        """Its quote on the child."""
        return next(quote for quote in self.quotes if quote.rfq_id == rfq_id)

    def won_quotes(self) -> tuple[Quote, ...]:
        """Its quotes on the children it won (all of them while the batch is open)."""
        return tuple(quote for quote in self.quotes if quote.rfq_id in self.won) if self.won else self.quotes


class BestBid(NamedTuple):
    """The best bid on one side of one child: its price and the count it offers."""

    bid: int
    contracts: int


class BestChild(NamedTuple):
    """One child's best bids across makers (None: no bid on that side)."""

    rfq_id: str
    yes: BestBid | None
    no: BestBid | None


@dataclass(frozen=True, slots=True)
class BestQuotes:
    """A snapshot of a batch's best bids across makers (Kalshi's RFQBatchBestQuotes), which never names them; a batch
    that is not open has no bids."""

    rfq_batch_id: str
    user_id: str  # the batch creator's
    status: str
    version: int
    updated_ts: datetime | None
    children: tuple[BestChild, ...]

    def complete(self, side: str) -> bool:
        """Whether every child has a bid on `side` (so the batch can be accepted on it)."""
        return bool(self.children) and all(getattr(child, side) is not None for child in self.children)
