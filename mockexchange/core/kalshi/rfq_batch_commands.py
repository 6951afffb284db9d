"""Kalshi's RFQ batch commands, declared once (core/commands.py): a batch asked and deleted, a maker's batch quote
made and deleted, the batch accepted on one side by its creator and each winner's batch quote confirmed. The venue's
RFQ batch routes, the admin API, the Python API, scenario steps and the state file build these; the ledger's
`rfq_batches` part takes them.

Amounts are the core's units, as rfq_commands.py's: a count in hundredths, a bid in ten-thousandths of a dollar, a
target cost in micro-dollars. A list of objects (a batch's children, a batch quote's bids, an accept's min bids) is
read by `Entries`. An id given (`rfq_batch_id`, `batch_quote_id`) is for seeding; a client's is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple

from mockexchange.core.commands import UserCommand, value
from mockexchange.core.kalshi.order_commands import COUNT
from mockexchange.core.kalshi.rfq_commands import BID, SIDE, SUBACCOUNT, TARGET_COST, CreateQuote
from mockexchange.core.values import FLAG, TEXT, Entries, Refused, Text

CLIENT_BATCH_ID = Text(64, 0, blank=True)  # Kalshi's maxLength ("": none given)
# A batch's children, and so a batch quote's bids and an accept's min bids (one each a child): 2 to 57 (the spec's
# minItems and maxItems); the children drawing on at most 6 distinct legs (rfq_records.legs_of)
LEAST_CHILDREN, MOST_CHILDREN, MOST_LEGS = 2, 57, 6


class Child(NamedTuple):
    """One child of a batch: its market, its own size if it has one (else the batch's), and its RFQ's id if given
    (for seeding; else one is drawn)."""

    market_ticker: str
    contracts: int | None = None
    target_cost: int | None = None
    rfq_id: str | None = None


class QuoteEntry(NamedTuple):
    """A batch quote's bids on one child."""

    rfq_id: str
    yes_bid: int
    no_bid: int


class MinBid(NamedTuple):
    """An accept's price protection on one child: the least bid it takes on the accepted side."""

    rfq_id: str
    bid: int


CHILDREN = Entries(Child, {"market_ticker": TEXT, "contracts": COUNT, "target_cost": TARGET_COST, "rfq_id": TEXT},
                   MOST_CHILDREN, "children", LEAST_CHILDREN)  # fmt: skip
QUOTE_ENTRIES = Entries(QuoteEntry, {"rfq_id": TEXT, "yes_bid": BID, "no_bid": BID}, MOST_CHILDREN, "quotes",
                        LEAST_CHILDREN)  # fmt: skip
MIN_BIDS = Entries(MinBid, {"rfq_id": TEXT, "bid": BID}, MOST_CHILDREN, "min bids", LEAST_CHILDREN)


@dataclass(frozen=True, slots=True)
class CreateRfqBatch(UserCommand):
    """A new RFQ batch of the user's subaccount (Kalshi's CreateRFQBatchRequest): one child RFQ a market, each sized
    by its own count or target cost or else the batch's, all the same way; `replace_existing` closes the user's oldest
    open batch as needed to stay within its open batches (rfq_batches.MAX_OPEN_BATCHES)."""

    name: ClassVar[str] = "create_rfq_batch"
    children: tuple[Child, ...] = value(CHILDREN)
    contracts: int | None = value(COUNT, None)
    target_cost: int | None = value(TARGET_COST, None)
    target_cost_excludes_fees: bool = value(FLAG, False)
    rest_remainder: bool = value(FLAG, False)
    replace_existing: bool = value(FLAG, False)
    obscure_creator_id: bool = value(FLAG, False)
    client_batch_id: str = value(CLIENT_BATCH_ID, "")
    subaccount: int = value(SUBACCOUNT, 0)
    rfq_batch_id: str | None = value(TEXT, None)

    def check(self) -> None:
        if self.rest_remainder:
            raise Refused("rest_remainder must be false: a batch executes as one fill-or-kill")
        if self.contracts is not None and self.target_cost is not None:
            raise Refused("a batch is sized by contracts or by target_cost_dollars, not both")
        if any(child.contracts is not None and child.target_cost is not None for child in self.children):
            raise Refused("a child is sized by contracts_fp or by target_cost_dollars, not both")
        sized = [self.sizes(child) for child in self.children]
        if any(count is None and cost is None for count, cost in sized):
            raise Refused("every child needs a size: its own contracts or target_cost_dollars, or the batch's")
        if len({count is None for count, _ in sized}) > 1:
            raise Refused("every child must be sized the same way, by contracts or by target cost")
        if self.target_cost_excludes_fees and sized[0][1] is None:
            raise Refused("target_cost_excludes_fees needs the children sized by target cost")
        tickers = [child.market_ticker for child in self.children]
        if len(set(tickers)) != len(tickers):
            raise Refused("the children must be distinct markets")
        given = [child.rfq_id for child in self.children if child.rfq_id is not None]
        if len(set(given)) != len(given):
            raise Refused("the children's rfq_ids must be distinct")

    def sizes(self, child: Child) -> tuple[int | None, int | None]:
        """The child's count and target cost: its own, else the batch's (exactly one of them set, once checked)."""
        if child.contracts is not None or child.target_cost is not None:
            return child.contracts, child.target_cost
        return self.contracts, self.target_cost


@dataclass(frozen=True, slots=True)
class DeleteRfqBatch(UserCommand):
    """Close one of the user's open RFQ batches and its children; its open batch quotes are cancelled."""

    name: ClassVar[str] = "delete_rfq_batch"
    rfq_batch_id: str = value(TEXT)


@dataclass(frozen=True, slots=True)
class CreateBatchQuote(UserCommand):
    """A maker's bids on every child of another user's open RFQ batch (Kalshi's CreateRFQBatchQuoteRequest); it
    replaces the maker's open batch quote on the batch."""

    name: ClassVar[str] = "create_batch_quote"
    rfq_batch_id: str = value(TEXT)
    quotes: tuple[QuoteEntry, ...] = value(QUOTE_ENTRIES)
    rest_remainder: bool = value(FLAG)
    post_only: bool = value(FLAG, False)
    subaccount: int = value(SUBACCOUNT, 0)
    batch_quote_id: str | None = value(TEXT, None)

    def check(self) -> None:
        for entry in self.quotes:  # (each child's bids as a single quote's: CreateQuote's own checks)
            CreateQuote(self.user_id, entry.rfq_id, entry.yes_bid, entry.no_bid, self.rest_remainder)
        # (a child priced twice is the handler's refusal, once the batch is found: a batch none has is a 404 first)


@dataclass(frozen=True, slots=True)
class OnBatchQuote(UserCommand):
    """A command on one batch quote of the batch the route names."""

    rfq_batch_id: str = value(TEXT)
    batch_quote_id: str = value(TEXT)


@dataclass(frozen=True, slots=True)
class DeleteBatchQuote(OnBatchQuote):
    """The maker withdraws its open batch quote."""

    name: ClassVar[str] = "delete_batch_quote"


@dataclass(frozen=True, slots=True)
class ConfirmBatchQuote(OnBatchQuote):
    """A winning maker confirms the children its batch quote won; the last winner's confirmation starts the execution
    timer."""

    name: ClassVar[str] = "confirm_batch_quote"


@dataclass(frozen=True, slots=True)
class AcceptRfqBatch(UserCommand):
    """The batch's creator accepts every child on one side, each from the maker bidding best on it; `min_bids`, one a
    child, the least bid it takes on each. `client_order_id` (None: none) is the accept's idempotency key: a retry
    with it answers the accept it made."""

    name: ClassVar[str] = "accept_rfq_batch"
    rfq_batch_id: str = value(TEXT)
    accepted_side: str = value(SIDE)
    min_bids: tuple[MinBid, ...] = value(MIN_BIDS)
    client_order_id: str | None = value(TEXT, None)

    # (a child named twice in min_bids is the handler's refusal, once the batch is found: a batch none has is a 404)
