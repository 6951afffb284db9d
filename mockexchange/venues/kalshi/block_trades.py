"""Kalshi's block trade proposals (3.34.0's communications API): listed, proposed and accepted
(`/communications/block-trade-proposals...`).

A write's body is read as Kalshi's Go server reads it (bodies.py); then the typed command runs (`ProposeBlockTrade`,
`AcceptBlockTradeProposal`, core/kalshi/block_trades.py), so a state file keeps what a client proposed and accepted,
and a refusal is the ledger's in Kalshi's shape, having changed nothing: 403 for a proposer neither buyer nor seller,
404 for a proposal the caller is no party to, 400 for the rest.

Who sees what: a proposal is listed to its buyer and its seller (the proposer is one of them); the other party's user
id and subtrader id are empty to a caller who is not that party, as the spec says. The list is the caller's newest
first, paged by a keyset cursor over the caller's proposals in the order they were made.
"""

from __future__ import annotations

from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.commands import kind_of
from mockexchange.core.kalshi.block_trade_commands import AcceptBlockTradeProposal, ProposeBlockTrade
from mockexchange.core.kalshi.block_trade_records import BlockTradeProposal
from mockexchange.core.numbers import IntegerError, parse_int
from mockexchange.core.values import Integer
from mockexchange.venues.kalshi import commands, cursors
from mockexchange.venues.kalshi.bodies import Body, BodyField
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import param_error
from mockexchange.venues.kalshi.params import CURSOR, Param, Parts, parse_query
from mockexchange.venues.kalshi.render import Row, rfc3339

GET_PROPOSALS = "GetBlockTradeProposals"
LIST_PARAMS = [
    CURSOR,
    Param("market_ticker", "MarketTicker"),
    Param("limit", "Limit", Integer(1, 100), 100, range_tags=("min", "max")),
    Param("status", "Status"),
]


def _field(name: str, required: bool = False, go: str = "") -> BodyField:
    """A body field of the command's field of that name, of its kind (a time is read as text here, then by the
    command, which refuses it in the exchange's words). A subtrader id is any string: Go's field is no pointer, so
    "" is none (the handlers drop it), and the command reads what is left."""
    if name.endswith("subtrader_id"):
        return BodyField(name)
    command = AcceptBlockTradeProposal if name == "subaccount" else ProposeBlockTrade
    return BodyField(name, kind_of(command, name), required, go)


PROPOSE = Body("ProposeBlockTradeRequest", (
    _field("buyer_user_id", True), _field("buyer_subtrader_id"), _field("buyer_subaccount"),
    _field("seller_user_id", True), _field("seller_subtrader_id"), _field("seller_subaccount"),
    _field("market_ticker", True), _field("price_centi_cents", True, "int64"), _field("centicount", True, "int64"),
    _field("maker_side", True), BodyField("expiration_ts", required=True),
))  # fmt: skip
ACCEPT = Body("AcceptBlockTradeProposalRequest", (_field("subtrader_id"), _field("subaccount")), optional=True)


def proposal_row(proposal: BlockTradeProposal, caller: str, status: str) -> Row:
    """Kalshi's `BlockTradeProposal` as `caller` sees it: the other party's ids empty."""
    buyer, seller = proposal.buyer, proposal.seller
    shows_buyer, shows_seller = buyer.user_id == caller, seller.user_id == caller
    row: Row = {
        "id": proposal.proposal_id,
        "proposer_user_id": proposal.proposer_user_id,
        "buyer_user_id": buyer.user_id if shows_buyer else "",
        "buyer_subtrader_id": buyer.subtrader_id if shows_buyer else "",
        "seller_user_id": seller.user_id if shows_seller else "",
        "seller_subtrader_id": seller.subtrader_id if shows_seller else "",
        "market_ticker": proposal.market_ticker,
        "price_centi_cents": proposal.price,
        "centicount": proposal.count,
        "maker_side": proposal.maker_side,
        "expiration_ts": rfc3339(proposal.expiration_ts),
        "status": status,
        "created_ts": rfc3339(proposal.created_ts),
        "updated_ts": rfc3339(proposal.updated_ts if status == proposal.status else proposal.expiration_ts),
        "buyer_accepted": proposal.buyer_accepted_ts is not None,
        "seller_accepted": proposal.seller_accepted_ts is not None,
        "buyer_order_id": proposal.buyer_order_id,
        "seller_order_id": proposal.seller_order_id,
    }
    times = (
        ("buyer_accepted_ts", proposal.buyer_accepted_ts),
        ("seller_accepted_ts", proposal.seller_accepted_ts),
        ("executed_ts", proposal.executed_ts),
    )
    for name, when in times:
        if when is not None:
            row[name] = rfc3339(when)
    return row


def get_proposals(ctx: KalshiContext, key: ApiKey, query: Any) -> dict[str, Any]:
    """GetBlockTradeProposalsResponse: the caller's proposals, newest first, a page of `limit`."""
    values = parse_query(GET_PROPOSALS, LIST_PARAMS, query)
    filters = {"market_ticker": values["market_ticker"], "status": values["status"]}
    after = cursors.decode_param(GET_PROPOSALS, values["cursor"], filters, key_length=1)
    before = None
    if after is not None:
        try:
            before = parse_int(after[0])
        except IntegerError:
            bad = "cursor is not one this server issued (bad key)"
            raise param_error(GET_PROPOSALS, "Cursor", "cursor", bad) from None
    caller = key.user_id
    with ctx.ledger.reading() as ledger:
        now = ledger.state.clock.now()
        found = ledger.block_trades.proposals_of(caller, values["market_ticker"], values["status"], before)
        page, more = cursors.one_page(found, values["limit"])
        rows = [proposal_row(proposal, caller, proposal.status_at(now)) for _, proposal in page]
    answer: dict[str, Any] = {"block_trade_proposals": rows}
    if more:
        answer["cursor"] = cursors.encode((str(page[-1][0]),), filters)
    return answer


def propose(ctx: KalshiContext, key: ApiKey, values: dict[str, Any]) -> dict[str, Any]:
    given = {name: value for name, value in values.items() if value is not None and value != ""}
    proposal = commands.execute(ctx, commands.read(ProposeBlockTrade, {**given, "user_id": key.user_id}))
    return {"block_trade_proposal_id": proposal.proposal_id}


def accept(ctx: KalshiContext, key: ApiKey, parts: Parts) -> None:
    body = {name: value for name, value in (parts.body or {}).items() if value is not None and value != ""}
    commands.execute(ctx, commands.read(AcceptBlockTradeProposal, {
        **body, "user_id": key.user_id, "block_trade_proposal_id": parts.query["block_trade_proposal_id"],
    }))  # fmt: skip
    return None
