"""What Kalshi's block trade proposals hold (the communications API's `BlockTradeProposal`): a trade of one market
agreed off the book between a buyer and a seller, proposed by one of them and accepted by the other. The ledger's
block trades part (block_trades.py) keeps and changes them; the venue renders them and decides what a caller sees.

Amounts are the core's units (units.py): the count in hundredths of a contract (Kalshi's centicount), the price in
ten-thousandths of a dollar (Kalshi's centi-cents), the YES price the buyer pays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# A proposal's statuses (Kalshi's BlockTradeProposal.status, a free string in the spec: the mock's words)
PENDING, EXECUTED, EXPIRED, FAILED = "pending", "executed", "expired", "failed"
STATUSES = (PENDING, EXECUTED, EXPIRED, FAILED)
MAKER_SIDES = ("yes", "no")  # yes: the buyer is the trade's maker; no: the seller is


@dataclass(frozen=True, slots=True)
class Party:
    """One side of a block trade: the user who agreed to it, and the account it trades on (the user's subaccount, or
    an FCM member's subtrader: then `account` is the subtrader's user id and `subaccount` 0)."""

    user_id: str
    subaccount: int = 0
    subtrader_id: str = ""

    @property
    def account(self) -> str:
        return self.subtrader_id or self.user_id


@dataclass(slots=True, eq=False)
class BlockTradeProposal:
    """One proposal: `count` hundredths of `market_ticker` at YES price `price`, the buyer buying YES from the seller.
    Pending until both sides accepted (then executed at once, or failed if a side could not pay) or until it
    expires at `expiration_ts` (`status_at`: the status is kept `pending` then, and read as expired)."""

    proposal_id: str
    proposer_user_id: str
    buyer: Party
    seller: Party
    market_ticker: str
    price: int  # ten-thousandths of a dollar: the YES price
    count: int  # hundredths of a contract
    maker_side: str
    expiration_ts: datetime
    created_ts: datetime
    updated_ts: datetime
    status: str = PENDING
    buyer_accepted_ts: datetime | None = None
    seller_accepted_ts: datetime | None = None
    executed_ts: datetime | None = None
    buyer_order_id: str = ""
    seller_order_id: str = ""

    def status_at(self, now: datetime) -> str:
        """The status a read at `now` shows: a pending proposal past its expiration is expired, found or not."""
        if self.status == PENDING and self.expiration_ts <= now:
            return EXPIRED
        return self.status

    def party_of(self, user_id: str) -> list[str]:
        """The sides `user_id` is a party to ("buyer", "seller")."""
        return [side for side, party in (("buyer", self.buyer), ("seller", self.seller)) if party.user_id == user_id]


@dataclass(eq=False)
class BlockTradeState:
    """The proposals the ledger keeps (one object on `LedgerState`): by id, and each party's ids in the order they
    were proposed (a user's list pages over it)."""

    proposals: dict[str, BlockTradeProposal] = field(default_factory=dict)
    by_user: dict[str, list[str]] = field(default_factory=dict)

    def add(self, proposal: BlockTradeProposal) -> None:
        self.proposals[proposal.proposal_id] = proposal
        for user_id in dict.fromkeys((proposal.buyer.user_id, proposal.seller.user_id)):
            self.by_user.setdefault(user_id, []).append(proposal.proposal_id)

    def clear(self) -> None:
        self.proposals.clear()
        self.by_user.clear()
