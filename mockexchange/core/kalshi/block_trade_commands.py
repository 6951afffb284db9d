"""Kalshi's block trade commands, declared once (core/commands.py): a proposal made by its buyer or its seller, and
accepted by the other side. The venue's block trade routes, the admin API, the Python API and the state file build
these; the ledger's block trades part (block_trades.py) takes them.

Amounts are the wire's integers, which are the core's units: `price_centi_cents` ten-thousandths of a dollar (the
YES price), `centicount` hundredths of a contract. An id given (`block_trade_proposal_id`) is for seeding; a
client's is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from mockexchange.core.commands import UserCommand, value
from mockexchange.core.kalshi.block_trade_records import MAKER_SIDES
from mockexchange.core.kalshi.checks import MAX_SUBACCOUNT
from mockexchange.core.kalshi.units import CONTRACT, PRICE
from mockexchange.core.money import MAX_COUNT
from mockexchange.core.values import TEXT, Choice, Integer, IsoTime, Refused

SUBACCOUNT = Integer(0, MAX_SUBACCOUNT)
PRICE_CENTI_CENTS = Integer(1, PRICE - 1)  # a YES price inside (0, 1) dollar
CENTICOUNT = Integer(1, int(MAX_COUNT) * CONTRACT)
MAKER_SIDE = Choice(MAKER_SIDES)


def _one_of(subtrader_id: str | None, subaccount: int | None, side: str) -> None:
    if subtrader_id and subaccount is not None:
        raise Refused(f"{side}subtrader_id and {side}subaccount cannot both be given")


@dataclass(frozen=True, slots=True)
class ProposeBlockTrade(UserCommand):
    """A block trade proposed by the user, who must be its buyer or its seller (Kalshi's ProposeBlockTradeRequest):
    the proposer's side is accepted as it is made; it expires at `expiration_ts` on the exchange clock."""

    name: ClassVar[str] = "propose_block_trade"
    buyer_user_id: str = value(TEXT)
    seller_user_id: str = value(TEXT)
    market_ticker: str = value(TEXT)
    price_centi_cents: int = value(PRICE_CENTI_CENTS)
    centicount: int = value(CENTICOUNT)
    maker_side: str = value(MAKER_SIDE)
    expiration_ts: datetime = value(IsoTime())
    buyer_subtrader_id: str | None = value(TEXT, None)
    buyer_subaccount: int | None = value(SUBACCOUNT, None)
    seller_subtrader_id: str | None = value(TEXT, None)
    seller_subaccount: int | None = value(SUBACCOUNT, None)
    block_trade_proposal_id: str | None = value(TEXT, None)

    def check(self) -> None:
        _one_of(self.buyer_subtrader_id, self.buyer_subaccount, "buyer_")
        _one_of(self.seller_subtrader_id, self.seller_subaccount, "seller_")


@dataclass(frozen=True, slots=True)
class AcceptBlockTradeProposal(UserCommand):
    """The user accepts a pending proposal it is a party to (Kalshi's AcceptBlockTradeProposalRequest); a subtrader
    or subaccount given must be the one the proposal named for its side (the primary if it named none). Once both
    sides have accepted, it executes."""

    name: ClassVar[str] = "accept_block_trade_proposal"
    block_trade_proposal_id: str = value(TEXT)
    subtrader_id: str | None = value(TEXT, None)
    subaccount: int | None = value(SUBACCOUNT, None)

    def check(self) -> None:
        _one_of(self.subtrader_id, self.subaccount, "")
