"""The `rfqs` scene: an RFQ traded through a client's communications API by its two sides, each on its own key, and a
block trade proposed and accepted beside it; what the client parsed compared with the ledger's records and fills.

Seeded: a requester and a maker with $1,000 each, one open market (the default fee rule) with an empty book, and the
mock's execution timer at 0 s (`kalshi_rfq_execution_delay_s`), so a confirmed quote executes on the next request, as
on Kalshi once its 15 s are up: the client's plan cannot move the exchange clock between its calls. The requester reads
its communications id and asks for 10 contracts; the maker lists the open RFQs (walked by cursor, one a page) and reads
the RFQ; the requester's quote on its own RFQ is refused (400); the maker quotes YES 0.40 / NO 0.55, then lists its
quotes; the requester reads the quote; the maker's accepting its own quote is refused (403); the requester accepts YES
(it sells YES at 0.40), the maker confirms; the quote then reads executed, the RFQ closed, and each side's fills are
the two orders the quote names; a quote on the closed RFQ is refused (409). The requester proposes the maker a block
trade of 3 YES at 0.45; the maker lists it and accepts it; it executes (a fill each). Ids the server draws (the RFQ's,
the quote's, the proposal's) are named by the later calls from the earlier answers (client_harness.py's `$answer`).
A client without the RFQ-scoped quote operations (3.2.0: nor block trades) reads, accepts and confirms the quote by
its id alone, the deprecated routes; one that cannot parse an accepted quote raises where it reads it, a finding.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from mockexchange.contract.clients.checks import start_mock
from mockexchange.contract.clients.portfolio import Key
from mockexchange.contract.clients.scenes.scene import Check, Judge, Scene, SceneCall, Stage, Unmet, has
from mockexchange.core.kalshi.units import contracts, price
from mockexchange.server import MockServer

MARKET = "KXRFQ-26-A"
REQUESTER, MAKER = "requester", "maker"
CONTRACTS = 10
YES_BID, NO_BID = "0.40", "0.55"
# The block trade: the requester buys 3 YES from the maker at 0.45 (centi-cents and hundredths of a contract).
BLOCK = {"price_centi_cents": 4500, "centicount": 300, "maker_side": "no"}


def seed(key_dir: Path, profile: str) -> Stage:
    mock = start_mock(MockServer(profile=profile, kalshi_rfq_execution_delay_s=0))
    try:
        for user in (REQUESTER, MAKER):
            mock.create_account(user, balance_cents=100_000)
        mock.create_market(MARKET)
        keys = {
            "trader": Key.create(mock, key_dir, "rfq-requester", REQUESTER),
            "maker": Key.create(mock, key_dir, "rfq-maker", MAKER),
        }
        expires = mock.app.ledger.state.clock.now() + timedelta(hours=1)
        return Stage(mock, keys, profile, {"expires": expires.isoformat()})
    except BaseException:
        mock.stop()
        raise


def _answer(call: str, field: str = "id") -> dict[str, str]:
    """A value of an earlier call's answer (client_harness.py)."""
    return {"$answer": call, "field": field}


def calls(stage: Stage) -> list[SceneCall]:
    rfq, quote = {"rfq_id": _answer("create_rfq")}, {"quote_id": _answer("create_quote")}
    scoped = rfq | quote
    ask = {"market_ticker": MARKET, "contracts": CONTRACTS, "rest_remainder": False}
    bids = {"yes_bid": YES_BID, "no_bid": NO_BID, "rest_remainder": False}
    block = {"buyer_user_id": REQUESTER, "seller_user_id": MAKER, "market_ticker": MARKET, **BLOCK,
             "expiration_ts": stage.facts["expires"]}  # fmt: skip
    proposal = {"block_trade_proposal_id": _answer("propose", "block_trade_proposal_id")}
    return [
        SceneCall("comms_id", "GetCommunicationsID"),
        SceneCall("create_rfq", "CreateRFQ", ask),
        SceneCall("rfqs", "GetRFQs", {"limit": 1, "status": "open"}, "pages", "rfqs", key="maker"),
        SceneCall("rfq", "GetRFQ", rfq, key="maker"),
        SceneCall("self_quote", "CreateQuote", rfq | bids),
        SceneCall("create_quote", "CreateQuote", rfq | bids, key="maker"),
        # (by the maker's id, not `user_filter=self`: the official SDKs take that only as their UserFilter enum)
        SceneCall("quotes", "GetQuotes", {"quote_creator_user_id": MAKER}, "pages", "quotes", key="maker"),
        SceneCall("quote", "GetRFQQuote", scoped),
        SceneCall("quote", "GetQuote", quote, instead_of="GetRFQQuote"),
        *(SceneCall(call, operation, args | {"accepted_side": "yes"}, key=key, instead_of=instead)
          for call, key in (("maker_accepts", "maker"), ("accept", "trader"))
          for operation, args, instead in (("AcceptRFQQuote", scoped, ""), ("AcceptQuote", quote, "AcceptRFQQuote"))),
        SceneCall("confirm", "ConfirmRFQQuote", scoped, key="maker"),
        SceneCall("confirm", "ConfirmQuote", quote, key="maker", instead_of="ConfirmRFQQuote"),
        SceneCall("executed", "GetQuote", quote, key="maker"),
        SceneCall("closed", "GetRFQ", rfq),
        SceneCall("requester_fills", "fills", {"ticker": MARKET}, "pages", "fills"),
        SceneCall("maker_fills", "fills", {"ticker": MARKET}, "pages", "fills", key="maker"),
        SceneCall("too_late", "CreateQuote", rfq | bids, key="maker"),
        SceneCall("propose", "ProposeBlockTrade", block),
        SceneCall("proposals", "GetBlockTradeProposals", {"market_ticker": MARKET}, "pages",
                  "block_trade_proposals", key="maker"),
        SceneCall("accept_block", "AcceptBlockTradeProposal", proposal, key="maker"),
        SceneCall("proposals_after", "GetBlockTradeProposals", {"market_ticker": MARKET}, "pages",
                  "block_trade_proposals"),
    ]  # fmt: skip


# -- the ledger's side -------------------------------------------------------------------------------------------------


def _made(j: Judge, call: str, field: str = "id") -> str:
    made = j.answer(call).get(j.dialect.name(field)) if isinstance(j.answer(call), dict) else None
    if not isinstance(made, str):
        raise Unmet(f"{call}: answered no {field}")
    return made


def _records(j: Judge) -> tuple[Any, Any]:
    """The ledger's RFQ and quote the client made, as they are now."""
    comms = j.ledger.communications
    with j.ledger.reading():
        return comms.rfq(_made(j, "create_rfq")), comms.quote(_made(j, "create_quote"), MAKER)


def _one(j: Judge, call: str, envelope: str) -> dict[str, Any]:
    """A single record's answer: its envelope's record (`{"rfq": {...}}`), or the answer itself for a client that
    unwraps it."""
    answer = j.answer(call)
    record = answer if j.dialect.unwrapped else answer.get(envelope) if isinstance(answer, dict) else None
    if not isinstance(record, dict):
        raise Unmet(f"{call}: answered no {envelope}")
    return record


def communications_id(j: Judge) -> None:
    with j.ledger.reading():
        mine = j.ledger.communications.communications_id_of(REQUESTER)
    j.same("communications_id", j.answer("comms_id")["communications_id"], mine)


def rfq_reads(j: Judge) -> None:
    rfq, _ = _records(j)
    listed = j.listed("rfqs")
    j.same("rfqs: the open RFQs", [row["id"] for row in listed], [rfq.rfq_id])
    for row in listed:
        j.amount("rfqs: contracts", j.get(row, "contracts_fp"), contracts(rfq.contracts))
    j.walked("rfqs", 1, 1)
    for call in ("rfq", "closed"):
        row = _one(j, call, "rfq")
        j.same(f"{call}: id", row["id"], rfq.rfq_id)
        j.same(f"{call}: market_ticker", row["market_ticker"], MARKET)
        j.amount(f"{call}: contracts", j.get(row, "contracts_fp"), contracts(rfq.contracts))
    j.same("rfq: status", _one(j, "rfq", "rfq")["status"], "open")
    j.same("closed: status", _one(j, "closed", "rfq")["status"], rfq.status)
    j.same("the ledger's RFQ", (rfq.user_id, rfq.status), (REQUESTER, "closed" if _accepting(j) else "open"))
    j.same("rfq: the maker sees no creator_user_id", _one(j, "rfq", "rfq").get("creator_user_id"), None)


def _accepting(j: Judge) -> bool:
    """Whether the client can accept a quote (3.2.0 cannot: a finding, `Dialect.findings["accept"]`; pykalshi has no
    accept). Without, nothing trades: the RFQ stays open and the maker's later quote on it replaces the first."""
    return "accept" not in j.dialect.findings and has(j.dialect, ACCEPT)


def quote_reads(j: Judge) -> None:
    _, quote = _records(j)
    accepting = _accepting(j)
    j.same("the ledger's quote", (quote.user_id, quote.rfq_user_id, quote.accepted_side),
           (MAKER, REQUESTER, "yes" if accepting else None))  # fmt: skip
    listed = j.listed("quotes")
    j.same("quotes: the maker's", [row["id"] for row in listed], [quote.quote_id])
    j.same("the ledger's quote status", quote.status, "executed" if accepting else "cancelled")
    for call in ("quote", "executed"):
        row = _one(j, call, "quote")
        j.same(f"{call}: id, rfq_id", (row["id"], row["rfq_id"]), (quote.quote_id, quote.rfq_id))
        j.amount(f"{call}: yes_bid", j.get(row, "yes_bid_dollars"), price(quote.yes_bid))
        j.amount(f"{call}: no_bid", j.get(row, "no_bid_dollars"), price(quote.no_bid))
    j.same("quote: status", _one(j, "quote", "quote")["status"], "open")
    executed = _one(j, "executed", "quote")
    # (without an accept, read open: the maker's later quote replaced it after)
    j.same("executed: status", executed["status"], quote.status if accepting else "open")
    if accepting:
        j.same("executed: the maker's order", executed.get("creator_order_id"), quote.creator_order_id)


def refusals(j: Judge) -> None:
    j.refused("self_quote", 400)
    if not _accepting(j):  # (its accept raises before it sends: the RFQ stays open for a later quote)
        j.raised("maker_accepts", *j.dialect.findings["accept"])
        return
    j.refused("maker_accepts", 403)
    j.refused("too_late", 409)


def trade(j: Judge) -> None:
    """Accepted and confirmed (nothing to tell), then each side's fills: the quote's two orders, at the YES bid. A
    client that cannot accept raises, and nothing trades."""
    if not _accepting(j):
        j.raised("accept", *j.dialect.findings["accept"])
        with j.ledger.reading():
            log = j.ledger.state.fills
            j.same("no fill on the RFQ's market", [i for i in range(len(log)) if log[i].ticker == MARKET], [])
        return
    j.empty("accept")
    j.empty("confirm")
    _, quote = _records(j)
    for call, user, order_id in (
        ("requester_fills", REQUESTER, quote.rfq_creator_order_id),
        ("maker_fills", MAKER, quote.creator_order_id),
    ):
        with j.ledger.reading():
            log = j.ledger.state.fills
            fills = [log[i] for i in range(len(log)) if log[i].user_id == user and log[i].order_id == order_id]
        j.same(f"{call}: the quote's order filled", [(f.count, f.yes_price) for f in fills],
               [(Decimal(CONTRACTS), Decimal(YES_BID))])  # fmt: skip
        listed = [row for row in j.listed(call) if row.get("order_id") == order_id]
        j.rows(call, listed, fills, j.dialect.fill)


def block_trade(j: Judge) -> None:
    made = _made(j, "propose", "block_trade_proposal_id")
    j.empty("accept_block")
    with j.ledger.reading():
        proposal = j.ledger.block_trades.proposal_for(REQUESTER, made)
    j.same("the ledger's proposal", proposal.status, "executed")
    for call, status in (("proposals", "pending"), ("proposals_after", proposal.status)):
        rows = j.listed(call)
        j.same(f"{call}: the proposal", [(row["id"], row["status"]) for row in rows], [(made, status)])
        for row in rows:
            j.same(f"{call}: terms", (row["price_centi_cents"], row["centicount"]), (4500, 300))


BLOCK_TRADES = ("ProposeBlockTrade", "GetBlockTradeProposals", "AcceptBlockTradeProposal")
# A quote's steps by its RFQ's route, or by the quote's alone (the deprecated routes, all 3.2.0 has)
READ_QUOTE, ACCEPT, CONFIRM = "GetRFQQuote|GetQuote", "AcceptRFQQuote|AcceptQuote", "ConfirmRFQQuote|ConfirmQuote"
RFQS = Scene(
    "rfqs",
    seed,
    calls,
    (
        Check("communications id", ("GetCommunicationsID",), communications_id),
        Check("RFQs", ("CreateRFQ", "GetRFQs", "GetRFQ", "CreateQuote"), rfq_reads),
        Check("quotes", ("CreateRFQ", "CreateQuote", "GetQuotes", READ_QUOTE, "GetQuote"), quote_reads),
        Check("refusals", ("CreateRFQ", "CreateQuote", ACCEPT), refusals),
        Check("the trade", ("CreateRFQ", "CreateQuote", ACCEPT, CONFIRM, "fills"), trade),
        Check("block trades", BLOCK_TRADES, block_trade),
    ),
)
