"""What Kalshi's RFQs and quotes hold (the communications API): an `Rfq` a user asks, the `Quote`s other users answer
it with, and the kinds of their changes on the bus. The communications part of the ledger keeps and changes them; the
venue renders them (Kalshi's `RFQ` and `Quote`, the `communications` channel's messages) and decides what a caller sees.

Amounts are the core's units (units.py): counts in hundredths of a contract, bids in ten-thousandths of a dollar,
a target cost in micro-dollars. A quote's bids are the maker's: `yes_bid` buys YES, `no_bid` buys NO (0: that side is
not quoted). The RFQ's creator accepts one side: the maker buys that side at its bid, the creator the other side at a
dollar less the bid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mockexchange.core.kalshi.multivariate_records import Combo, Leg

# An RFQ's statuses (Kalshi's RFQ.status)
RFQ_OPEN, RFQ_CLOSED = "open", "closed"
# A quote's statuses (Kalshi's Quote.status), in the order a quote goes through them; cancelled ends it anywhere
# before it executes.
QUOTE_OPEN, QUOTE_ACCEPTED, QUOTE_CONFIRMED, QUOTE_EXECUTED, QUOTE_CANCELLED = (
    "open", "accepted", "confirmed", "executed", "cancelled",
)  # fmt: skip
QUOTE_SIDES = ("yes", "no")
# Kalshi's shared placeholder for an obscured creator: the SHA-256 of empty input
OBSCURED_ID = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

# The bus's kinds of their changes (core/events.py's `Change`): the payload is the `Rfq` or the `Quote` as changed;
# the change's user is the RFQ's creator (RFQ_CHANGE) or the quote's creator (QUOTE_CHANGE).
RFQ_CHANGE, QUOTE_CHANGE = "rfq", "quote"


@dataclass(slots=True, eq=False)
class Rfq:
    """One request for quote: a user's, on one market, sized by a count or by a target cost (exactly one)."""

    rfq_id: str
    user_id: str  # the creator's
    subaccount: int
    market_ticker: str
    event_ticker: str
    contracts: int | None  # hundredths of a contract; None: sized by `target_cost`
    target_cost: int | None  # micro-dollars; None: sized by `contracts`
    target_cost_excludes_fees: bool
    rest_remainder: bool
    obscure_creator_id: bool
    created_ts: datetime
    updated_ts: datetime
    status: str = RFQ_OPEN
    cancellation_reason: str = ""
    cancelled_ts: datetime | None = None
    rfq_batch_id: str | None = None  # a child of an RFQ batch: its batch's id
    combo: Combo | None = None  # its market's collection and legs, a combo's (multivariate_records.py)

    @property
    def legs(self) -> tuple[Leg, ...]:
        return legs_of(self.market_ticker, self.event_ticker, self.combo)


def legs_of(market_ticker: str, event_ticker: str, combo: Combo | None) -> tuple[Leg, ...]:
    """What an RFQ on this market asks on: its combo's legs, or a market of no combo itself on its YES side."""
    return combo.legs if combo is not None else (Leg(market_ticker, event_ticker, "yes"),)


@dataclass(slots=True, eq=False)
class Quote:
    """One maker's answer to an RFQ: a bid on each side, for the RFQ's whole size. Accepted by the RFQ's creator on
    one side, confirmed by its maker, executed when the execution timer ends (two orders on the market's book)."""

    quote_id: str
    rfq_id: str
    user_id: str  # the maker's (the quote's creator)
    subaccount: int
    rfq_user_id: str  # the RFQ creator's
    rfq_subaccount: int
    market_ticker: str
    yes_bid: int  # ten-thousandths of a dollar; 0: YES not quoted
    no_bid: int
    yes_contracts: int  # hundredths of a contract offered if YES is accepted (the RFQ's count, or its target cost's)
    no_contracts: int
    rest_remainder: bool
    post_only: bool
    created_ts: datetime
    updated_ts: datetime
    status: str = QUOTE_OPEN
    accepted_side: str | None = None
    accepted_ts: datetime | None = None
    confirmed_ts: datetime | None = None
    executed_ts: datetime | None = None
    cancelled_ts: datetime | None = None
    cancellation_reason: str = ""
    creator_order_id: str = ""  # the maker's order, once executed
    creator_client_order_id: str = ""
    rfq_creator_order_id: str = ""  # the RFQ creator's order, once executed
    rfq_creator_client_order_id: str = ""
    rfq_batch_id: str | None = None  # a quote on a batch's child: the batch's id
    # its RFQ's terms it shows (`obscure_creator_id`, its size), so it shows them after its RFQ is forgotten
    rfq_obscure_creator_id: bool = False
    rfq_contracts: int | None = None
    rfq_target_cost: int | None = None
    rfq_target_cost_excludes_fees: bool = False

    def contracts_on(self, side: str) -> int:
        """The count that trades if `side` is accepted."""
        return self.yes_contracts if side == "yes" else self.no_contracts
