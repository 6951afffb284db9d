"""Kalshi's block trade proposals on the control plane: proposed by the buyer or the seller and accepted by the other
side, each a typed command declared once in the core (core/kalshi/block_trade_commands.py), which the venue's block
trade routes run for their clients (venues/kalshi/block_trades.py), so a state file keeps every proposal a client
made; and a user's proposals read. A proposal's answer is its fields in plain values (amounts as the wire's
integers: `price_centi_cents`, `centicount`).
"""

from __future__ import annotations

from typing import Any

from mockexchange.control.errors import core_call, refused_values
from mockexchange.core.kalshi.block_trade_records import BlockTradeProposal
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.values import TEXT


def proposal_json(proposal: BlockTradeProposal) -> dict[str, Any]:
    """The proposal as it is now (its status as stored: a read's `proposals_json` shows it expired once due)."""
    return _json(proposal, proposal.status)


def _json(proposal: BlockTradeProposal, status: str) -> dict[str, Any]:
    def at(when: Any) -> str | None:
        return None if when is None else when.isoformat()

    buyer, seller = proposal.buyer, proposal.seller
    return {
        "block_trade_proposal_id": proposal.proposal_id, "proposer_user_id": proposal.proposer_user_id,
        "buyer_user_id": buyer.user_id, "buyer_subaccount": buyer.subaccount, "buyer_subtrader_id": buyer.subtrader_id,
        "seller_user_id": seller.user_id, "seller_subaccount": seller.subaccount,
        "seller_subtrader_id": seller.subtrader_id, "market_ticker": proposal.market_ticker,
        "price_centi_cents": proposal.price, "centicount": proposal.count, "maker_side": proposal.maker_side,
        "status": status, "expiration_ts": at(proposal.expiration_ts), "created_ts": at(proposal.created_ts),
        "buyer_accepted_ts": at(proposal.buyer_accepted_ts), "seller_accepted_ts": at(proposal.seller_accepted_ts),
        "executed_ts": at(proposal.executed_ts), "buyer_order_id": proposal.buyer_order_id,
        "seller_order_id": proposal.seller_order_id,
    }  # fmt: skip


def proposals_json(ledger: Ledger, user_id: Any) -> dict[str, Any]:
    """Every proposal the user (an account's) is a party to, newest first, each with its status as a read shows it
    now."""
    with refused_values():
        user_id = TEXT.read(user_id, "user_id")
    with ledger.reading():
        core_call(ledger.state.account, user_id)  # (a user without an account: the ledger's 404)
        now = ledger.state.clock.now()
        found, _ = ledger.block_trades.proposals_of(user_id, None, None, None, len(ledger.state.block_trades.proposals))
        return {"block_trade_proposals": [_json(proposal, proposal.status_at(now)) for _, proposal in found]}
