"""Kalshi's communications under hostility: random sequences of RFQs, quotes and block trades over four trading places
(ann's subaccounts 0 and 1, bob, cy) in three markets and more listed on the way, after each of which the whole
ledger must still add up and the RFQs, quotes and proposals hold together.

The actions, over real HTTP with signed requests: RFQs asked (sized by contracts or a target cost, resting a remainder
or not, obscured, replacing an open one), quoted (bids on the grid and off it, one side or both, post-only), accepted on
either side, confirmed and deleted, through the RFQ-scoped routes and their deprecated twins; RFQs deleted; block trades
proposed by their buyer or their seller (a maker side, an expiry near or far) and accepted by the other; orders that
cross the house's liquidity or rest. Through the control plane, as an operator's scripts act: the house's scripted
liquidity (`set_book`), the exchange clock (a confirmation window ends, the execution timer runs a quote as two
orders, a proposal expires), pausing, resuming and closing a market (its RFQs close), the exchange's trading, listing
new markets.
About one value in four is hostile (a wrong JSON type, an id of no record or another user's, a side the quote does not
offer, a bid off the grid): a refusal must change nothing (the state file's snapshot, byte for byte).

Checked after every step:
- the ledger's sums (kalshi_sequences.py's `check_sums`, test_hostile_order_invariants.py's docstring): no book crossed
  at rest, each market's positions summing to zero, money conserved to the micro-dollar, every position its fills, every
  hold its order's, no client's step taking a subaccount's available cash below zero;
- the communications hold together: an RFQ is open exactly when it is its creator's open RFQ on its market (one a
  market); an RFQ has at most one quote accepted or confirmed, and a closed one none open, accepted or confirmed; a
  maker's live quotes are its quotes open, accepted or confirmed; an executed quote's RFQ is closed and its two orders
  are the maker's and the creator's, each order's fills in its owner's place; a quote never quotes its own creator's
  RFQ; an executed block trade is two fills of its count, the buyer's buying YES and the seller's selling it, each in
  its party's place, and a proposer holds at most 100 pending;
- the wire agrees with the core: each place a step touched (its balance, positions, fills, resting orders), one RFQ in
  turn read by its creator and by another user, the creator's view of its quotes, and one user's block trade proposals;
- every answer has a status its operation documents (the 3.34.0 spec) or one docs/known-differences.md ("RFQs and
  quotes", "Block trade proposals") says the mock answers; never a 500.

Each sequence has a mock of its own on a state file, restarted from it on the way and at its end, from its snapshot or
by running every command again: the same state and the same bytes of every read (invariant_runs.py).

Not driven here: RFQ batches (tests/test_kalshi_rfq_batches_*.py), RFQ makers' rules, FCM subtraders, combo markets.

CI's run is derandomized (conftest.py) and must meet each outcome of `MUST_MEET`. A longer hunt:
`HYPOTHESIS_PROFILE=long MOCKEXCHANGE_INVARIANT_STEPS=50 MOCKEXCHANGE_INVARIANT_SHRINK=0 scripts/test
tests/hostile/test_hostile_rfq_invariants.py`.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from hostile_wire import Answer
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule
from invariant_runs import World, run_sequences, world_fixture
from kalshi_sequences import HOUSE_BOOK, KalshiSequence, maybe_hostile
from order_sums import available, signed_count

from mockexchange.core.kalshi.block_trade_records import EXECUTED, PENDING, BlockTradeProposal
from mockexchange.core.kalshi.rfq_records import (
    QUOTE_ACCEPTED,
    QUOTE_CANCELLED,
    QUOTE_CONFIRMED,
    QUOTE_EXECUTED,
    QUOTE_OPEN,
    RFQ_OPEN,
    Quote,
    Rfq,
)
from mockexchange.core.kalshi.units import count_units

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
OPENING_CENTS = {"ann": 30_000, "bob": 20_000, "cy": 2_000}  # cy is short of cash: an execution it cannot pay is met
USERS = sorted(OPENING_CENTS)
PLACES = [("ann", 0), ("ann", 1), ("bob", 0), ("cy", 0)]
MAKER_SERIES = "KXRFQM"  # quadratic_with_maker_fees: the maker's side of an executed quote pays a fee
FIRST_MARKETS = {"KXRFQ-26NOV-A": {}, "KXRFQ-26NOV-B": {"price_level_structure": "deci_cent"},
                 "KXRFQM-26NOV-C": {}}  # fmt: skip
BOOKED = ("KXRFQ-26NOV-A", "KXRFQM-26NOV-C")  # the house's liquidity: a quote's orders may meet it
MORE_MARKETS = ["KXRFQ-26DEC-D", "KXRFQM-26DEC-E"]
UNKNOWN_TICKER = "KXNONE-26NOV-Z"
LIVE = (QUOTE_OPEN, QUOTE_ACCEPTED, QUOTE_CONFIRMED)
RFQS, QUOTES, PROPOSALS = "/communications/rfqs", "/communications/quotes", "/communications/block-trade-proposals"

# Statuses each operation documents (Kalshi's OpenAPI 3.34.0, `responses`), beside 500, which never may answer.
DOCUMENTED = {
    "GetBalance": {200, 401}, "GetPositions": {200, 400, 401}, "GetFills": {200, 400, 401},
    "GetOrders": {200, 400, 401}, "CreateOrderV2": {201, 400, 401, 403, 409, 429, 503},
    "GetRFQs": {200, 400, 401}, "CreateRFQ": {201, 400, 401, 409}, "GetRFQ": {200, 400, 401, 404},
    "DeleteRFQ": {204, 400, 401, 404}, "GetRFQQuote": {200, 400, 401, 404}, "DeleteRFQQuote": {204, 400, 401, 404},
    "AcceptRFQQuote": {204, 400, 401, 404}, "ConfirmRFQQuote": {204, 400, 401, 404}, "GetQuotes": {200, 400, 401},
    "CreateQuote": {201, 400, 401}, "GetQuote": {200, 400, 401, 404}, "DeleteQuote": {204, 400, 401, 404},
    "AcceptQuote": {204, 400, 401, 404}, "ConfirmQuote": {204, 400, 401, 404},
    "GetBlockTradeProposals": {200, 400, 401}, "ProposeBlockTrade": {201, 400, 401, 403},
    "AcceptBlockTradeProposal": {204, 400, 401, 404},
}  # fmt: skip
# And those docs/known-differences.md says the mock answers beside them: "RFQs and quotes" (409 `conflict`,
# `rfq_closed`, `market_closed`, `too_many_quotes` of a write on an RFQ or a quote in the wrong state; 403 `forbidden`
# of the wrong party: accepting as the maker, confirming or deleting as the RFQ's creator), "Orders" (the 404 of an
# order naming no market), "Block trade proposals" (409 `too_many_block_trade_proposals`; 403 to one of no party).
for _op in ("DeleteRFQ", "CreateQuote", "DeleteRFQQuote", "DeleteQuote", "AcceptRFQQuote", "AcceptQuote",
            "ConfirmRFQQuote", "ConfirmQuote"):  # fmt: skip
    DOCUMENTED[_op] |= {403, 409}
# And docs/kalshi.md's: a quote's `rfq_id` well formed but of no RFQ is 404 ("RFQs and quotes"), and so is a market
# no one listed ("a ticker, event or series no one listed is 404").
for _op, _also in {"CreateOrderV2": {404}, "CreateQuote": {404}, "CreateRFQ": {404}, "ProposeBlockTrade": {404, 409},
                   "AcceptBlockTradeProposal": {403}}.items():  # fmt: skip
    DOCUMENTED[_op] |= _also

COUNTS = st.sampled_from(["1", "2.50", "10", "25", "0.01", "400"])
BIDS = st.sampled_from(["0", "0.30", "0.40", "0.45", "0.55", "0.60", "0.99", "0.305", "0.4550", "1.00"])
QUERY_HOSTILE = st.sampled_from(["", "-1", "0", "１２", "٣", "1e3", "abc", "9" * 30, "open,x", "%00", "x" * 300,
                                 str(uuid.UUID(int=5)).upper(), "\u00a01"])  # fmt: skip
# What CI's run must meet, or it proves little.
MUST_MEET = ("CreateRFQ done", "CreateRFQ refused", "CreateQuote done", "CreateQuote refused", "a quote accepted",
             "an accept its creator cannot pay for", "a quote confirmed", "a quote executed", "a quote voided",
             "DeleteRFQ done", "ProposeBlockTrade done", "ProposeBlockTrade refused", "a block trade executed",
             "a block trade failed", "a restart from its snapshot", "a restart from its commands")  # fmt: skip


def _hostile_id(data: st.DataObject, known: list[str]) -> str:
    """An id of a path or a body that names nothing of the caller's: one of another's, a UUID of no record, one
    malformed or hostile (a path's segment, its characters escaped)."""
    made_up = [str(uuid.UUID(int=7)), "nope", quote("€\u0000/..", safe=""), "1" * 200, str(uuid.UUID(int=8)).upper()]
    return data.draw(st.sampled_from([*known[-3:], *made_up]))


class CommunicationsInvariants(KalshiSequence):
    DOCUMENTED = DOCUMENTED

    def __init__(self, world: World) -> None:
        super().__init__(world)
        mock = self.open_mock(T0, OPENING_CENTS, MAKER_SERIES)
        for ticker, fields in FIRST_MARKETS.items():
            mock.create_market(ticker, **fields)
            if ticker in BOOKED:
                mock.set_book(ticker, **HOUSE_BOOK)
        self.spare = list(MORE_MARKETS)
        self.cash = {place: available(self.ledger, place) for place in PLACES}
        self.ids: list[str] = []  # every RFQ, quote and proposal id a client was given
        self.ended: dict[str, str] = {}  # quote or proposal id -> how it ended, as last seen
        self.turn = 0
        self._open()

    def _open(self) -> None:
        """What every sequence begins with, so that its steps find each stage under way (what it met is not counted:
        CI's draws must meet each outcome by their own steps): an RFQ a place (a user has one a market), each quoted by
        the next user (ann from its subaccount 1), and one more of cy's, larger than cy can pay for, quoted by bob too;
        cy's first quote confirmed (its execution timer running: ann's subaccount 1 buys what cy's subaccount 0 sells),
        bob's accepted (its confirmation window open), the others open; two block trades pending: bob's to buy from
        ann's subaccount 1, and cy's to buy more than it can pay for from bob."""
        counted = Counter(self.world.met)
        first, quotes = list(FIRST_MARKETS), []
        asks = [(*place, first[i % len(first)], "5.00") for i, place in enumerate(PLACES)]
        for user, sub, ticker, size in [*asks, ("cy", 0, first[1], "400.00")]:  # (the last: more than cy can pay)
            body = {"market_ticker": ticker, "contracts_fp": size, "rest_remainder": False, "subaccount": sub}
            rfq_id = self.write(user, sub, "CreateRFQ", "POST", RFQS, json=body).json()["id"]
            self.ids.append(rfq_id)
            for maker in [USERS[(USERS.index(user) + 1) % len(USERS)], *(["bob"] if size == "400.00" else [])]:
                body = {"rfq_id": rfq_id, "yes_bid": "0.45", "no_bid": "0.50", "rest_remainder": len(quotes) % 2 == 0,
                        "subaccount": int(maker == "ann")}  # fmt: skip
                made = self.write(maker, body["subaccount"], "CreateQuote", "POST", QUOTES, json=body)
                quotes.append(made.json()["id"])
                self.ids.append(quotes[-1])
        steps = [("cy", 0, "AcceptQuote", f"{quotes[3]}/accept", {"accepted_side": "yes"}),
                 ("ann", 1, "ConfirmQuote", f"{quotes[3]}/confirm", None),
                 ("bob", 0, "AcceptQuote", f"{quotes[2]}/accept", {"accepted_side": "no"})]  # fmt: skip
        for user, sub, op, path, body in steps:
            assert self.write(user, sub, op, "PUT", f"{QUOTES}/{path}", json=body).status == 204, (op, path)
        expires = (self.ledger.state.clock.now() + timedelta(seconds=600)).isoformat().replace("+00:00", "Z")
        for buyer, seller, sub, price, count in (("bob", "ann", 1, 4000, 500), ("cy", "bob", 0, 9900, 5_000)):
            body = {"buyer_user_id": buyer, "seller_user_id": seller, "seller_subaccount": sub,
                    "market_ticker": first[0], "price_centi_cents": price, "centicount": count, "maker_side": "yes",
                    "expiration_ts": expires}  # fmt: skip
            made = self.write(buyer, 0, "ProposeBlockTrade", "POST", PROPOSALS, json=body)
            self._made(made, "block_trade_proposal_id")
        self.world.met.clear()
        self.world.met.update(counted)

    @property
    def comms(self) -> Any:
        return self.ledger.state.communications

    def _made(self, answer: Answer, key: str = "id") -> None:
        if answer.status == 201:
            self.ids.append(answer.json()[key])

    def _rfq(self, data: st.DataObject, open_only: bool = True) -> Rfq | None:
        """Mostly an open RFQ (drawn by position, never by its random id)."""
        rfqs = [r for r in self.comms.rfqs.values() if not open_only or r.status == RFQ_OPEN]
        return rfqs[data.draw(st.integers(0, len(rfqs) - 1))] if rfqs else None

    def _quote(self, data: st.DataObject, statuses: tuple[str, ...]) -> Quote | None:
        quotes = [q for q in self.comms.quotes.values() if q.status in statuses]
        return quotes[data.draw(st.integers(0, len(quotes) - 1))] if quotes else None

    def _actor(self, data: st.DataObject, rightful: tuple[str, int]) -> tuple[str, int]:
        """The place that should act, three times in four; else any place (refused unless it is the same)."""
        return rightful if data.draw(st.integers(0, 3)) else data.draw(st.sampled_from(PLACES))

    # -- RFQs and quotes -----------------------------------------------------------------------------------------

    @rule(data=st.data(), place=st.sampled_from(PLACES), by_cost=st.booleans(), rest=st.booleans(),
          replace=st.booleans(), obscure=st.booleans())  # fmt: skip
    def ask_an_rfq(self, data: st.DataObject, place: tuple[str, int], by_cost: bool, rest: bool, replace: bool,
                   obscure: bool) -> None:  # fmt: skip
        user, sub = place
        body: dict[str, Any] = {"market_ticker": data.draw(st.sampled_from([*self.tickers(), UNKNOWN_TICKER])),
                                "rest_remainder": rest, "subaccount": sub}  # fmt: skip
        if by_cost:
            body["target_cost_dollars"] = data.draw(st.sampled_from(["1.00", "4.5", "20", "0.000001"]))
            body["target_cost_excludes_fees"] = data.draw(st.booleans())
        else:
            body["contracts_fp"] = data.draw(COUNTS)
        body |= {"replace_existing": True} if replace else {}
        body |= {"obscure_creator_id": True} if obscure else {}
        self._made(self.write(user, sub, "CreateRFQ", "POST", RFQS, json=data.draw(maybe_hostile(body))))

    @rule(data=st.data(), place=st.sampled_from(PLACES), rest=st.booleans(), post_only=st.booleans())
    def quote_an_rfq(self, data: st.DataObject, place: tuple[str, int], rest: bool, post_only: bool) -> None:
        user, sub = place
        rfq = self._rfq(data) if data.draw(st.integers(0, 4)) else self._rfq(data, open_only=False)
        rfq_id = rfq.rfq_id if rfq is not None and data.draw(st.integers(0, 7)) else _hostile_id(data, self.ids)
        body = {"rfq_id": rfq_id, "yes_bid": data.draw(BIDS), "no_bid": data.draw(BIDS), "rest_remainder": rest,
                "subaccount": sub}  # fmt: skip
        body |= {"post_only": True} if post_only else {}
        self._made(self.write(user, sub, "CreateQuote", "POST", QUOTES, json=data.draw(maybe_hostile(body))))

    def _quote_path(self, data: st.DataObject, found: Quote | None) -> tuple[str, str]:
        """A quote's path, RFQ-scoped or its deprecated twin (the operation's suffix), or a path of no quote."""
        scoped = data.draw(st.booleans())
        if found is None or not data.draw(st.integers(0, 7)):
            quote_id, rfq_id = _hostile_id(data, self.ids), _hostile_id(data, self.ids)
        else:
            quote_id, rfq_id = found.quote_id, found.rfq_id
        return (f"{RFQS}/{rfq_id}/quotes/{quote_id}", "RFQQuote") if scoped else (f"{QUOTES}/{quote_id}", "Quote")

    @rule(data=st.data(), side=st.sampled_from(["yes", "no", "yes", "no", "maybe"]), wait=st.booleans())
    def act_on_a_quote(self, data: st.DataObject, side: str, wait: bool) -> None:
        """A live quote's next step, mostly: an open one accepted by its RFQ's creator, an accepted one confirmed by
        its maker; now and then the other step, a confirmed quote, or the wrong party (refused). If `wait`, the
        operator's clock then moves past the step's timer: the confirmation window (the quote is voided) or the
        execution timer (it executes). (First of the rules by name: Hypothesis draws it most.)"""
        found = self._quote(data, (QUOTE_OPEN, QUOTE_ACCEPTED) if data.draw(st.integers(0, 5)) else LIVE)
        accept = found is None or found.status == QUOTE_OPEN
        if not data.draw(st.integers(0, 7)):
            accept = not accept
        rightful = PLACES[0]
        if found is not None:
            rightful = (found.rfq_user_id, found.rfq_subaccount) if accept else (found.user_id, found.subaccount)
        user, sub = self._actor(data, rightful)
        path, op = self._quote_path(data, found)
        if accept:
            body = data.draw(maybe_hostile({"accepted_side": side}))
            answer = self.write(user, sub, f"Accept{op}", "PUT", f"{path}/accept", json=body)
            done = answer.status == 204
            if b"insufficient_balance" in answer.body:
                self.world.met["an accept its creator cannot pay for"] += 1
        else:
            done = self.write(user, sub, f"Confirm{op}", "PUT", f"{path}/confirm").status == 204
        if done:
            self.world.met["a quote accepted" if accept else "a quote confirmed"] += 1
        if done and wait:
            self.advance_clock(15 if not accept else 31)

    @rule(data=st.data(), rfq=st.booleans())
    def withdraw(self, data: st.DataObject, rfq: bool) -> None:
        """A live quote deleted by its maker, or an open RFQ by its creator (mostly; else another's, a closed one, or
        an id of none)."""
        if rfq:
            found_rfq = self._rfq(data) if data.draw(st.integers(0, 4)) else self._rfq(data, open_only=False)
            rightful = (found_rfq.user_id, found_rfq.subaccount) if found_rfq is not None else PLACES[0]
            user, sub = self._actor(data, rightful)
            known = found_rfq is not None and data.draw(st.integers(0, 7))
            rfq_id = found_rfq.rfq_id if known else _hostile_id(data, self.ids)
            self.write(user, sub, "DeleteRFQ", "DELETE", f"{RFQS}/{rfq_id}")
            return
        found = self._quote(data, LIVE)
        user, sub = self._actor(data, (found.user_id, found.subaccount) if found is not None else PLACES[0])
        path, op = self._quote_path(data, found)
        self.write(user, sub, f"Delete{op}", "DELETE", path)

    # -- block trades ---------------------------------------------------------------------------------------------

    @rule(data=st.data(), buyer=st.sampled_from(PLACES), by_buyer=st.booleans(),
          price=st.sampled_from([4000, 4550, 100, 9900]), count=st.sampled_from([100, 250, 1_000, 5_000, 1]),
          maker_side=st.sampled_from(["yes", "no"]), expires=st.sampled_from([30, 600, 3_600]),
          odd=st.sampled_from([None, None, None, "price", "count", "expiry", "seller", "proposer"]),
          at_once=st.booleans())  # fmt: skip
    def propose_a_block_trade(self, data: st.DataObject, buyer: tuple[str, int], by_buyer: bool, price: int,
                              count: int, maker_side: str, expires: int, odd: str | None,
                              at_once: bool) -> None:  # fmt: skip
        """Mostly terms the mock takes (a seller of another user, proposed by a party); else one term it refuses, or
        the whole body made hostile. Made, and `at_once`, the other party accepts it (`_accept`)."""
        seller = data.draw(st.sampled_from([place for place in PLACES if place[0] != buyer[0]]))
        proposer = buyer if by_buyer else seller
        if odd == "price":
            price = data.draw(st.sampled_from([0, 10_000, -1, 4001]))
        elif odd == "count":
            count = data.draw(st.sampled_from([0, -100, 10**12]))
        elif odd == "expiry":
            expires = data.draw(st.sampled_from([-60, 0, 90_000]))
        elif odd == "seller":
            seller = buyer
        elif odd == "proposer":
            proposer = data.draw(st.sampled_from(PLACES))  # perhaps no party
        at = self.ledger.state.clock.now() + timedelta(seconds=expires)
        ticker = data.draw(st.sampled_from([*self.tickers(), UNKNOWN_TICKER]))
        body = {"buyer_user_id": buyer[0], "buyer_subaccount": buyer[1], "seller_user_id": seller[0],
                "seller_subaccount": seller[1], "market_ticker": ticker, "price_centi_cents": price,
                "centicount": count, "maker_side": maker_side,
                "expiration_ts": at.isoformat().replace("+00:00", "Z")}  # fmt: skip
        answer = self.write(*proposer, "ProposeBlockTrade", "POST", PROPOSALS, json=data.draw(maybe_hostile(body)))
        self._made(answer, "block_trade_proposal_id")
        if answer.status == 201 and at_once:
            self._accept(data, self.ledger.state.block_trades.proposals[answer.json()["block_trade_proposal_id"]])

    @rule(data=st.data())
    def take_a_block_trade(self, data: st.DataObject) -> None:
        """Mostly a pending proposal, accepted (`_accept`); else an id of none."""
        now = self.ledger.state.clock.now()
        pending = [p for p in self.ledger.state.block_trades.proposals.values() if p.status_at(now) == PENDING]
        self._accept(data, pending[data.draw(st.integers(0, len(pending) - 1))] if pending else None)

    def _accept(self, data: st.DataObject, proposal: BlockTradeProposal | None) -> None:
        """The proposal accepted by the party that did not propose it (its place; now and then another place, or an
        id of none)."""
        if proposal is not None and data.draw(st.integers(0, 5)):
            other = proposal.seller if proposal.proposer_user_id == proposal.buyer.user_id else proposal.buyer
            user, sub = self._actor(data, (other.user_id, other.subaccount))
            proposal_id, body = proposal.proposal_id, {"subaccount": sub} if sub else {}
        else:
            (user, sub), proposal_id, body = data.draw(st.sampled_from(PLACES)), _hostile_id(data, self.ids), {}
        self.write(user, sub, "AcceptBlockTradeProposal", "POST", f"{PROPOSALS}/{proposal_id}/accept",
                   json=data.draw(maybe_hostile(body)) if body else body)  # fmt: skip

    # -- orders beside them, and the operator's scripts ------------------------------------------------------------

    @rule(data=st.data(), place=st.sampled_from(PLACES), side=st.sampled_from(["bid", "ask"]), count=COUNTS,
          price=st.sampled_from(["0.36", "0.40", "0.45", "0.50", "0.55", "0.60"]),
          tif=st.sampled_from(["good_till_canceled", "immediate_or_cancel"]))  # fmt: skip
    def place_an_order(self, data: st.DataObject, place: tuple[str, int], side: str, count: str, price: str,
                       tif: str) -> None:  # fmt: skip
        """An order that crosses the book or rests in it, beside the quotes' orders."""
        user, sub = place
        body = {"ticker": data.draw(st.sampled_from(self.trading() or self.tickers())), "side": side, "count": count,
                "price": price, "time_in_force": tif, "subaccount": sub,
                "self_trade_prevention_type": "taker_at_cross"}  # fmt: skip
        self.write(user, sub, "CreateOrderV2", "POST", "/portfolio/events/orders", json=body)

    @rule(seconds=st.sampled_from([1, 5, 14, 16, 31, 45, 600]))
    def advance_clock(self, seconds: int) -> None:
        """Confirmation windows end, execution timers run quotes as orders, proposals expire: any place may move."""
        if self.control("advance_clock", seconds=seconds) is not None:
            self.touched.update(PLACES)

    @rule(data=st.data(), yes=st.sampled_from([[], [["0.40", "10"]], [["0.44", "3"], ["0.30", "50"]]]),
          no=st.sampled_from([[], [["0.55", "10"]], [["0.52", "4"], ["0.45", "50"]]]))  # fmt: skip
    def set_book(self, data: st.DataObject, yes: list, no: list) -> None:
        self.control("set_book", data.draw(st.sampled_from(self.tickers())), yes=yes, no=no)

    @rule(data=st.data(), how=st.sampled_from(["pause", "pause and resume", "close", "resume", "trading off",
                                               "trading on"]))  # fmt: skip
    def stop_or_start_trading(self, data: st.DataObject, how: str) -> None:
        """A market paused (and resumed at once, or later), or closed: its RFQs close then (their quotes cancelled),
        and a quote's execution while it does not trade fails; or the exchange's trading off or on."""
        if how.startswith("trading"):
            self.control("set_exchange_status", trading_active=how == "trading on")
            return
        paused = [t for t in self.tickers() if self.ledger.state.markets[t].status == "inactive"]
        chosen = (paused or self.tickers()) if how == "resume" else (self.trading() or self.tickers())
        ticker = data.draw(st.sampled_from(chosen))
        if how != "resume":
            self.control("close_market" if how == "close" else "pause_market", ticker)
        if how != "pause" and how != "close":
            self.control("resume_market", ticker)

    @rule(data=st.data(), user=st.sampled_from(USERS))
    def hostile_read(self, data: st.DataObject, user: str) -> None:
        value = data.draw(QUERY_HOSTILE)
        segment = quote(value or "x", safe="")
        op, path, params = data.draw(st.sampled_from([
            ("GetRFQs", RFQS, {"status": value}), ("GetRFQs", RFQS, {"limit": value}),
            ("GetRFQs", RFQS, {"cursor": value}), ("GetRFQs", RFQS, {"creator_user_id": value}),
            ("GetRFQ", f"{RFQS}/{segment}", {}), ("GetQuotes", QUOTES, {"rfq_id": value}),
            ("GetQuotes", QUOTES, {"min_ts": value}), ("GetQuotes", QUOTES, {"status": value}),
            ("GetQuote", f"{QUOTES}/{segment}", {}), ("GetRFQQuote", f"{RFQS}/{segment}/quotes/{segment}", {}),
            ("GetBlockTradeProposals", PROPOSALS, {"limit": value}),
            ("GetBlockTradeProposals", PROPOSALS, {"cursor": value}),
        ]))  # fmt: skip
        before = self._state()
        self.read(user, op, path, **params)
        assert self._state() == before, f"{op} {params} changed the state"

    # -- what must hold after every step --------------------------------------------------------------------------

    @invariant()
    def the_ledger_adds_up(self) -> None:
        self.check_sums()

    @invariant()
    def the_communications_hold_together(self) -> None:
        with self.ledger.reading() as ledger:
            comms, state = ledger.state.communications, ledger.state
            now = state.clock.now()
            opened = {(r.user_id, r.market_ticker): r.rfq_id for r in comms.rfqs.values() if r.status == RFQ_OPEN}
            assert len(opened) == sum(r.status == RFQ_OPEN for r in comms.rfqs.values()), "two open RFQs on a market"
            indexed = {(user, t): rfq_id for user, held in comms.open_rfqs.items() for t, rfq_id in held.items()}
            assert indexed == opened, (indexed, opened)
            live: dict[str, set[str]] = {}
            for rfq_id, rfq in comms.rfqs.items():
                taken = [q for q in comms.quotes_of(rfq_id) if q.status in (QUOTE_ACCEPTED, QUOTE_CONFIRMED)]
                assert len(taken) <= 1, f"{rfq_id}: {len(taken)} quotes accepted or confirmed"
                if rfq.status != RFQ_OPEN:
                    assert not [q for q in comms.quotes_of(rfq_id) if q.status in LIVE], f"{rfq_id} closed, quotes live"
            for quote_id, found in comms.quotes.items():
                assert found.user_id != found.rfq_user_id, f"{quote_id} quotes its own creator's RFQ"
                if found.status in LIVE:
                    live.setdefault(found.user_id, set()).add(quote_id)
                if found.status == QUOTE_EXECUTED:
                    self._executed(state, found)
                self._ended(quote_id, found.status, found.cancellation_reason)
            assert {user: set(held) for user, held in comms.live_quotes.items() if held} == live
            pending: Counter[str] = Counter()
            for proposal in state.block_trades.proposals.values():
                status = proposal.status_at(now)
                pending[proposal.proposer_user_id] += status == PENDING
                if status == EXECUTED:
                    self._traded(state, proposal)
                self._ended(proposal.proposal_id, f"block {status}", "")
            assert max(pending.values(), default=0) <= 100, pending

    def _executed(self, state: Any, found: Quote) -> None:
        """An executed quote: its RFQ closed (if still kept); its two orders the maker's, buying the accepted side, and
        the creator's, selling it, in the quote's market, and each order's fills its owner's, in its place."""
        rfq = state.communications.rfqs.get(found.rfq_id)
        assert rfq is None or rfq.status != RFQ_OPEN, f"{found.quote_id} executed, its RFQ open"
        buys = "bid" if found.accepted_side == "yes" else "ask"  # (the book's side of buying the accepted side)
        for order_id, owner, side in (
            (found.creator_order_id, (found.user_id, found.subaccount), buys),
            (found.rfq_creator_order_id, (found.rfq_user_id, found.rfq_subaccount), "ask" if buys == "bid" else "bid"),
        ):
            order = state.all_orders.get(order_id)
            if order is not None:  # (an ended order may be forgotten past its bound)
                shown = (order.user_id, order.subaccount, order.ticker, order.book_side)
                assert shown == (*owner, found.market_ticker, side), (found, order)
            for fill in state.fills:
                if fill.order_id == order_id:
                    assert (fill.user_id, fill.subaccount, fill.ticker) == (*owner, found.market_ticker), fill

    def _traded(self, state: Any, proposal: BlockTradeProposal) -> None:
        """An executed block trade: a fill of its count for each party, the buyer's YES bought, the seller's sold."""
        sides = {proposal.buyer_order_id: (proposal.buyer, "buy"), proposal.seller_order_id: (proposal.seller, "sell")}
        made = [fill for fill in state.fills if fill.order_id in sides]
        assert len(made) == 2, (proposal.proposal_id, made)
        for fill in made:
            party, action = sides[fill.order_id]
            signed = signed_count(fill.side, fill.action, count_units(fill.count))
            expected = proposal.count if action == "buy" else -proposal.count
            assert (fill.ticker, signed) == (proposal.market_ticker, expected), (proposal, fill)
            assert fill.user_id == (party.subtrader_id or party.user_id) and fill.subaccount == party.subaccount, fill

    def _ended(self, record_id: str, status: str, reason: str) -> None:
        """Count each record's end once, as it is first seen (what CI's draws must meet)."""
        outcome = {QUOTE_EXECUTED: "a quote executed", "block executed": "a block trade executed",
                   "block failed": "a block trade failed",
                   "block expired": "a block trade expired"}.get(status)  # fmt: skip
        if status == QUOTE_CANCELLED:
            outcome = "a quote voided" if "confirmation window" in reason else f"a quote cancelled: {reason}"
        if outcome is not None and self.ended.get(record_id) != outcome:
            self.ended[record_id] = outcome
            self.world.met[outcome] += 1

    @invariant()
    def the_wire_agrees(self) -> None:
        """The places the step touched (one in turn if none) read on the wire as the core holds them; one RFQ in turn
        as its creator and another user read it, with its quotes as its creator lists them; one user's proposals."""
        self.turn += 1
        places = self.touched or {PLACES[self.turn % len(PLACES)]}
        self.touched = set()
        for place in sorted(places):
            self.place_agrees(place)
        rfqs = list(self.comms.rfqs.values())
        if rfqs:
            rfq = rfqs[self.turn % len(rfqs)]
            other = USERS[(USERS.index(rfq.user_id) + 1) % len(USERS)]
            for reader in (rfq.user_id, other):
                shown = self.read_ok(reader, "GetRFQ", f"{RFQS}/{rfq.rfq_id}")["rfq"]
                assert (shown["id"], shown["status"]) == (rfq.rfq_id, rfq.status), (reader, shown, rfq)
                assert ("creator_user_id" in shown) == (reader == rfq.user_id), (reader, shown)
            listed = self.read_ok(rfq.user_id, "GetQuotes", QUOTES, rfq_id=rfq.rfq_id, limit=500)["quotes"]
            assert {q["id"]: q["status"] for q in listed} == {
                q.quote_id: q.status for q in self.comms.quotes_of(rfq.rfq_id)
            }, (rfq.rfq_id, listed)
        user = USERS[self.turn % len(USERS)]
        now = self.ledger.state.clock.now()
        listed = self.read_all(user, "GetBlockTradeProposals", PROPOSALS, "block_trade_proposals", limit=100)
        theirs = {p.proposal_id: p.status_at(now) for p in self.ledger.state.block_trades.proposals.values()
                  if user in (p.buyer.user_id, p.seller.user_id)}  # fmt: skip
        assert {p["id"]: p["status"] for p in listed} == theirs, (user, listed, theirs)

    def _every_read(self) -> dict[str, tuple[int, bytes]]:
        """Each user's communications and account reads, each place's, each market's and the exchange's."""
        reads = self.market_reads()
        reads += [(user, path) for user in USERS for path in (
            "/portfolio/balance", "/communications/id", f"{RFQS}?limit=100", f"{QUOTES}?limit=500",
            f"{PROPOSALS}?limit=100",
        )]  # fmt: skip
        reads += [(rfq.user_id, f"{RFQS}/{rfq.rfq_id}") for rfq in self.comms.rfqs.values()]
        for user, sub in PLACES:
            reads += [(user, f"{path}?subaccount={sub}&limit=1000") for path in (
                "/portfolio/positions", "/portfolio/fills", "/portfolio/orders",
            )]  # fmt: skip
        return self.world.answers(reads)


world = world_fixture(OPENING_CENTS, "rfqinv")


def test_any_sequence_of_rfqs_quotes_and_block_trades_keeps_the_ledger_whole(world):
    run_sequences(lambda: CommunicationsInvariants(world), 20, world.met, MUST_MEET, lambda: str(world.codes))
