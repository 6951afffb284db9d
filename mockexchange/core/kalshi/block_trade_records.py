"""What Kalshi's block trade proposals hold (the communications API's `BlockTradeProposal`): a trade of one market
agreed off the book between a buyer and a seller, proposed by one of them and accepted by the other. The ledger's
block trades part (block_trades.py) keeps and changes them; the venue renders them and decides what a caller sees.

Amounts are the core's units (units.py): the count in hundredths of a contract (Kalshi's centicount), the price in
ten-thousandths of a dollar (Kalshi's centi-cents), the YES price the buyer pays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from mockexchange.core.kept_index import KeptIndex

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
    """The proposals the ledger keeps (one object on `LedgerState`): by id; each party's in the order they were
    proposed (`listed`: a user's list pages over it); each proposer's pending ones (at most block_trades.py's
    `MAX_PENDING`) and its latest ended ones (`ended`, by when they ended: past the bound the oldest is forgotten, by
    both parties)."""

    proposals: dict[str, BlockTradeProposal] = field(default_factory=dict)
    listed: KeptIndex[BlockTradeProposal] = field(default_factory=KeptIndex)  # party -> its proposals, by creation
    keys: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)  # proposal id -> party -> listed key
    pending: dict[str, dict[str, None]] = field(default_factory=dict)  # proposer -> its pending proposals' ids
    ended: KeptIndex[BlockTradeProposal] = field(default_factory=KeptIndex)  # proposer -> its kept ended ones

    def add(self, proposal: BlockTradeProposal) -> None:
        self.proposals[proposal.proposal_id] = proposal
        self.keys[proposal.proposal_id] = {
            user_id: self.listed.add(user_id, proposal.created_ts, proposal)
            for user_id in dict.fromkeys((proposal.buyer.user_id, proposal.seller.user_id))
        }
        self.pending.setdefault(proposal.proposer_user_id, {})[proposal.proposal_id] = None

    def end(self, proposal: BlockTradeProposal, when: datetime, most: int) -> None:
        """The proposal ended at `when`: its proposer's ended ones keep it; past `most` the proposer's oldest is
        forgotten (from its parties' lists too). One ended already keeps its place."""
        proposer = proposal.proposer_user_id
        held = self.pending.get(proposer, {})
        if proposal.proposal_id not in held:  # ended already: it expired, then the clock was set back before it
            return
        del held[proposal.proposal_id]
        if not held:
            del self.pending[proposer]
        self.ended.add(proposer, when, proposal)
        for gone in self.ended.trim(proposer, most):
            del self.proposals[gone.proposal_id]
            for user_id, key in self.keys.pop(gone.proposal_id).items():
                self.listed.drop(user_id, key)

    def clear(self) -> None:
        self.proposals.clear()
        self.listed.clear()
        self.keys.clear()
        self.pending.clear()
        self.ended.clear()
