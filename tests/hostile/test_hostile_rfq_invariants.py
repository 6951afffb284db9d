"""Kalshi's communications under hostility: random sequences of RFQs, quotes, RFQ batches and block trades over four
trading places (ann's subaccounts 0 and 1, bob, cy) in three markets and more listed on the way, after each of which
the whole ledger must still add up and the RFQs, quotes, batches and proposals hold together.

Each sequence begins with every stage under way (`_open`): RFQs quoted, a quote accepted, one confirmed, one its creator
cannot pay for, a batch accepted and one open, three block trades pending (one for cy's subtrader), and two RFQ makers'
rules: bob's quotes each RFQ asked later at the book's mid 5 s after it is asked and confirms what is accepted 10 s
after; ann's quotes those of the maker series up to 10 contracts from its subaccount 1 at the last price, and confirms
nothing. The steps, over real HTTP with signed requests: RFQs asked (sized by contracts or a target cost, resting a
remainder or not, obscured, replacing an open one), quoted (bids on the grid, one side or both, post-only; off it, the
step's oddity), accepted on either side,
confirmed and deleted, through the RFQ-scoped routes and their deprecated twins; batches of one to three markets asked,
quoted on every child, accepted at the best bids their creator reads (or a cent above them), confirmed by each winner,
deleted; block trades proposed by their buyer or their seller and accepted by the other; orders that cross the house's
liquidity or rest. Through the control plane, as an operator's scripts act: the house's scripted liquidity (`set_book`),
RFQ makers' rules set, replaced and removed, the exchange clock (a confirmation window ends, the execution timer runs a
quote or a batch, a proposal expires), pausing, resuming and closing a market (its RFQs and batches close), the
exchange's trading, listing new markets. Nearly one step in two has one oddity (`ODDITY`): an id of no record or of
another's, the wrong party, a hostile body (a wrong JSON type, a field missing), or another record or step than the one
due; a refusal must change nothing (the state file's snapshot, byte for byte).

Checked after every step:
- the ledger's sums (kalshi_sequences.py's `check_sums`, test_hostile_order_invariants.py's docstring): no book crossed
  at rest, each market's positions summing to zero, money conserved to the micro-dollar, every position its fills, every
  hold its order's, no client's step taking a subaccount's available cash below zero;
- the communications hold together: a single RFQ is open exactly when it is its creator's open RFQ on its market (one a
  market); an RFQ has at most one quote accepted or confirmed, and a closed one none open, accepted or confirmed; a
  maker's live quotes are its quotes open, accepted or confirmed; an executed quote's RFQ is closed, its two orders the
  maker's, buying the accepted side, and the creator's, selling it, each order's fills in its owner's place; a quote
  never quotes its own creator's RFQ; a batch's children are its RFQs, open until it closes and closed once it does; a
  user has at most 2 open batches; a maker's live batch quotes are those open, accepted or confirmed; an executed child
  quote is as an executed quote; an executed block trade is two fills of its count, the buyer's buying YES and the
  seller's selling it, each in its party's place, and a proposer holds at most 100 pending; a quote a rule made is
  its maker's first rule's covering the market, from its subaccount, its bids half its spread off, within its size;
- the wire agrees with the core: each place a step touched (its balance, positions, fills, resting orders), one RFQ and
  one batch in turn read by their creator and by another user, the creator's view of the RFQ's quotes, and one user's
  block trade proposals;
- every answer has a status its operation documents or the docs say the mock answers (rfq_statuses.py); never a 500.

Each sequence has a mock of its own on a state file, restarted from it on the way and at its end, from its snapshot or
by running every command again: the same state and the same bytes of every read (invariant_runs.py).

cy is an FCM member (it may not ask RFQ batches): a side of its block trades is now and then its subtrader's.
Not driven here: the FCM subtraders' daily caps, combo markets, and children named by their legs.

CI's run is derandomized (conftest.py) and must meet each outcome of `MUST_MEET`. A longer hunt:
`HYPOTHESIS_PROFILE=long MOCKEXCHANGE_INVARIANT_STEPS=50 MOCKEXCHANGE_INVARIANT_SHRINK=0 scripts/test
tests/hostile/test_hostile_rfq_invariants.py`.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from hostile_wire import Answer
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule
from invariant_runs import World, run_sequences, world_fixture
from kalshi_sequences import HOUSE_BOOK, KalshiSequence, hostile_body, hostile_id
from order_sums import available, signed_count
from rfq_statuses import DOCUMENTED

from mockexchange.core.kalshi.block_trade_records import EXECUTED, PENDING, BlockTradeProposal
from mockexchange.core.kalshi.rfq_batch_records import (
    BATCH_ACCEPTED,
    BATCH_OPEN,
    BATCH_QUOTE_ACCEPTED,
    BATCH_QUOTE_CONFIRMED,
    BATCH_QUOTE_OPEN,
    RfqBatch,
)
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
from mockexchange.core.kalshi.units import CENT, PRICE, count_units

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
SUBTRADER, SUBTRADER_CENTS = "cy_s1", 3_000  # cy is an FCM member: a block trade's side may be its subtrader's
LIVE = (QUOTE_OPEN, QUOTE_ACCEPTED, QUOTE_CONFIRMED)
RFQS, QUOTES, PROPOSALS = "/communications/rfqs", "/communications/quotes", "/communications/block-trade-proposals"
BATCHES = "/communications/rfq_batches"
BATCH_LIVE = (BATCH_QUOTE_OPEN, BATCH_QUOTE_ACCEPTED, BATCH_QUOTE_CONFIRMED)

COUNTS = st.sampled_from(["1", "2.50", "10", "25", "0.01", "400"])
# A step's one oddity, drawn once a step (`_odd`): mostly none; else an id of no record or of another's ("id"), another
# place acting ("actor"), a hostile body ("body"), another record or the other step ("other"). One draw a step, not one
# a choice: Hypothesis's draws within a sequence are alike, and several would leave few steps on the usual path.
ODDITY = st.sampled_from([None, None, None, None, None, "id", "actor", "body", "other"])
# A batch quote's bids: on every market's grid, adding to at most $1 (a batch quote is refused whole for one child's)
BATCH_BIDS = st.sampled_from(["0.30", "0.40", "0.45", "0.52"]), st.sampled_from(["0", "0.30", "0.45"])
# A quote's bids: on the grid of every market, one side or both, adding to at most $1; the step's oddity "body" half the
# time: both 0, off a cent market's grid (a deci-cent market's), past $1, or adding to more than $1 (`BAD_BIDS`)
BIDS = st.sampled_from(["0.45", "0.40", "0.30", "0.55"]), st.sampled_from(["0.45", "0.30", "0"])
BAD_BIDS = st.sampled_from([("0", "0"), ("0.305", "0.50"), ("0.45", "0.4550"), ("1.00", "0"), ("0.55", "0.60")])
# A maker's rule's fields beside its defaults (bob's "desk" at the opening quotes at the book's mid): markets by ticker,
# event, series or none listed; the price from the last trade or a fair price (without one: refused); spreads none,
# wide, or leaving no bid; a size that ignores most RFQs; delays; no confirmation; a maker's other subaccount.
MAKER_RULE = {"markets": st.sampled_from([["KXRFQ-26NOV-A"], ["KXRFQ-26NOV"], [MAKER_SERIES], [UNKNOWN_TICKER]]),
              "price_from": st.sampled_from(["last", "fair"]), "fair_price": st.sampled_from(["0.50", "0.35", "0.9"]),
              "spread": st.sampled_from(["0", "0.10", "0.9999"]), "max_contracts": st.sampled_from(["5", "400"]),
              "quote_delay_s": st.sampled_from([0, 30]), "confirm": st.booleans(),
              "confirm_delay_s": st.sampled_from([0, 20]), "rest_remainder": st.booleans(),
              "subaccount": st.sampled_from([0, 1])}  # fmt: skip
QUERY_HOSTILE = st.sampled_from(["", "-1", "0", "１２", "٣", "1e3", "abc", "9" * 30, "open,x", "%00", "x" * 300,
                                 str(uuid.UUID(int=5)).upper(), "\u00a01"])  # fmt: skip
# What CI's run must meet, or it proves little.
MUST_MEET = ("CreateRFQ done", "CreateRFQ refused", "CreateQuote done", "CreateQuote refused", "a quote accepted",
             "an accept its creator cannot pay for", "a quote confirmed", "a quote executed", "a quote voided",
             "DeleteRFQ done", "ProposeBlockTrade done", "ProposeBlockTrade refused", "a block trade executed",
             "a subtrader's block trade executed", "a block trade failed", "CreateRFQBatch done",
             "CreateRFQBatch refused", "CreateRFQBatchQuote done", "a batch accepted", "a batch quote confirmed",
             "a batch executed", "a batch voided", "a maker's rule quoted",
             "a rule quoted from a subaccount", "set_rfq_maker done", "set_rfq_maker refused",
             "remove_rfq_maker done", "remove_rfq_maker refused", "a restart from its snapshot",
             "a restart from its commands")  # fmt: skip


class CommunicationsInvariants(KalshiSequence):
    DOCUMENTED = DOCUMENTED

    def __init__(self, world: World) -> None:
        super().__init__(world)
        mock = self.open_mock(T0, OPENING_CENTS, MAKER_SERIES, fcm="cy")
        mock.create_account(SUBTRADER, balance_cents=SUBTRADER_CENTS, subtrader_of="cy")
        self.external += SUBTRADER_CENTS * CENT
        for ticker, fields in FIRST_MARKETS.items():
            mock.create_market(ticker, **fields)
            if ticker in BOOKED:
                mock.set_book(ticker, **HOUSE_BOOK)
        self.spare = list(MORE_MARKETS)
        self.cash = {place: available(self.ledger, place) for place in PLACES}
        self.ids: list[str] = []  # every RFQ, quote and proposal id a client was given
        self.ended: dict[str, str] = {}  # quote or proposal id -> how it ended, as last seen
        self.turn = 0
        self.oddity: str | None = "undrawn"
        self._open()

    def _open(self) -> None:
        """What every sequence begins with, so that its steps find each stage under way (what it met is not counted:
        CI's draws must meet each outcome by their own steps): an RFQ a place (a user has one a market), each quoted by
        the next user (ann from its subaccount 1), and one more of cy's, larger than cy can pay for, quoted by bob too;
        cy's first quote confirmed (its execution timer running: ann's subaccount 1 buys what cy's subaccount 0 sells),
        bob's accepted (its confirmation window open), the others open; three block trades pending: bob's to buy from
        ann's subaccount 1, cy's to buy more than it can pay for from bob, and cy's for its subtrader from ann; the
        makers' rules."""
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
        for buyer, seller, sub, price, count in (("bob", "ann", 1, 4000, 500), ("cy", "bob", 0, 9900, 5_000),
                                                 ("cy", "ann", 0, 4000, 200)):  # fmt: skip
            body = {"buyer_user_id": buyer, "seller_user_id": seller, "seller_subaccount": sub,
                    "market_ticker": first[0], "price_centi_cents": price, "centicount": count, "maker_side": "yes",
                    "expiration_ts": expires} | ({"buyer_subtrader_id": SUBTRADER} if count == 200 else {})  # fmt: skip
            made = self.write(buyer, 0, "ProposeBlockTrade", "POST", PROPOSALS, json=body)
            self._made(made, "block_trade_proposal_id")
        self._open_batches(first)
        self.control("set_rfq_maker", "bob", "desk", quote_delay_s=5, confirm_delay_s=10)  # quotes what is asked later
        self.control("set_rfq_maker", "ann", "side", markets=[MAKER_SERIES], price_from="last", fair_price="0.40",
                     spread="0.05", max_contracts="10", quote_delay_s=5, confirm=False, subaccount=1)  # fmt: skip
        self.rules = {"desk": "bob", "side": "ann"}  # the rules' names, in the order first set (a dict's), and makers
        self.ruled, self.set_on_the_way = set[str](), set[str]()  # the quotes rules made, seen; makers a step gave one
        self.rules_changed = False  # (this step: `_by_its_rule` holds a rule's quote to the rules as they stand)
        self.world.met.clear()
        self.world.met.update(counted)

    def _open_batches(self, first: list[str]) -> None:
        """Two batches under way: bob's on two markets, quoted by ann's subaccount 1 and by cy and accepted (its
        winners' confirmation window open), and ann's, quoted by bob, open."""
        made = {}
        for user, sub, tickers in (("bob", 0, first[0::2]), ("ann", 0, first[1:])):
            body = {"children": [{"market_ticker": t} for t in tickers], "contracts_fp": "2.00", "subaccount": sub}
            made[user] = self.write(user, sub, "CreateRFQBatch", "POST", BATCHES, json=body).json()["rfq_batch"]
            self.ids.append(made[user]["id"])
        bidders = (("ann", 1, made["bob"], ("0.45", "0.40")), ("cy", 0, made["bob"], ("0.44", "0.42")),
                   ("bob", 0, made["ann"], ("0.30", "0.35")))  # fmt: skip
        for maker, sub, batch, bids in bidders:
            quotes = [{"rfq_id": child["id"], "yes_bid": bid, "no_bid": "0.50"}
                      for child, bid in zip(batch["rfqs"], bids, strict=True)]  # fmt: skip
            body = {"quotes": quotes, "rest_remainder": False, "subaccount": sub}
            path = f"{BATCHES}/{batch['id']}/quotes"
            self._made(self.write(maker, sub, "CreateRFQBatchQuote", "POST", path, json=body))
        children = zip(made["bob"]["rfqs"], ("0.45", "0.42"), strict=True)
        mins = [{"rfq_id": child["id"], "bid_dollars": bid} for child, bid in children]
        body = {"accepted_side": "yes", "min_bids": mins}
        answer = self.write("bob", 0, "AcceptRFQBatch", "PUT", f"{BATCHES}/{made['bob']['id']}/accept", json=body)
        assert answer.status == 200, answer.body

    @property
    def comms(self) -> Any:
        return self.ledger.state.communications

    def _made(self, answer: Answer, key: str = "id") -> None:
        if answer.status == 201:
            self.ids.append(answer.json()[key])

    def _rfq(self, data: st.DataObject, open_only: bool = True, not_of: str = "") -> Rfq | None:
        """Mostly an open RFQ (drawn by position, never by its random id), if asked one another user's."""
        rfqs = [r for r in self.comms.rfqs.values() if (not open_only or r.status == RFQ_OPEN) and r.user_id != not_of]
        return rfqs[data.draw(st.integers(0, len(rfqs) - 1))] if rfqs else None

    def _quote(self, data: st.DataObject, statuses: tuple[str, ...]) -> Quote | None:
        quotes = [q for q in self.comms.quotes.values() if q.status in statuses]
        return quotes[data.draw(st.integers(0, len(quotes) - 1))] if quotes else None

    def _actor(self, data: st.DataObject, rightful: tuple[str, int]) -> tuple[str, int]:
        """The place that should act; or, the step's oddity "actor", any place (refused unless it is the same)."""
        return data.draw(st.sampled_from(PLACES)) if self._odd(data, "actor") else rightful

    def _odd(self, data: st.DataObject, kind: str) -> bool:
        """Whether the step's oddity (`ODDITY`, drawn at its first need in the step) is `kind`."""
        if self.oddity == "undrawn":
            self.oddity = data.draw(ODDITY)
        return self.oddity == kind

    def _body(self, data: st.DataObject, body: dict[str, Any]) -> dict[str, Any]:
        """The body as it is; or, the step's oddity "body", one field of it hostile or taken away (`hostile_body`)."""
        return data.draw(hostile_body(body)) if self._odd(data, "body") else body

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
        self._made(self.write(user, sub, "CreateRFQ", "POST", RFQS, json=self._body(data, body)))

    @rule(data=st.data(), place=st.sampled_from(PLACES), rest=st.booleans(), post_only=st.booleans(),
          then=st.sampled_from([None, "yes", "no"]), confirm=st.booleans())  # fmt: skip
    def quote_an_rfq(self, data: st.DataObject, place: tuple[str, int], rest: bool, post_only: bool, then: str | None,
                     confirm: bool) -> None:  # fmt: skip
        """A quote of another's open RFQ (mostly; else a closed one, or an id of none); made, and `then` a side, the
        RFQ's creator accepts it (`_step_quote`), and if `confirm` its maker confirms it."""
        user, sub = place
        rfq = self._rfq(data, open_only=not self._odd(data, "other"), not_of=user)
        rfq_id = rfq.rfq_id if rfq is not None and not self._odd(data, "id") else hostile_id(data, self.ids)
        bad = self._odd(data, "body") and data.draw(st.booleans())
        yes_bid, no_bid = data.draw(BAD_BIDS) if bad else (data.draw(BIDS[0]), data.draw(BIDS[1]))
        body = {"rfq_id": rfq_id, "yes_bid": yes_bid, "no_bid": no_bid, "rest_remainder": rest, "subaccount": sub}
        body |= {"post_only": True} if post_only else {}
        answer = self.write(user, sub, "CreateQuote", "POST", QUOTES, json=body if bad else self._body(data, body))
        self._made(answer)
        if answer.status == 201 and then is not None:
            made = self.comms.quotes[answer.json()["id"]]
            if self._step_quote(data, made, then, False) and confirm:
                self._step_quote(data, made, then, data.draw(st.booleans()))

    def _quote_path(self, data: st.DataObject, found: Quote | None) -> tuple[str, str]:
        """A quote's path, RFQ-scoped or its deprecated twin (the operation's suffix), or a path of no quote."""
        scoped = data.draw(st.booleans())
        if found is None or self._odd(data, "id"):
            quote_id, rfq_id = hostile_id(data, self.ids), hostile_id(data, self.ids)
        else:
            quote_id, rfq_id = found.quote_id, found.rfq_id
        return (f"{RFQS}/{rfq_id}/quotes/{quote_id}", "RFQQuote") if scoped else (f"{QUOTES}/{quote_id}", "Quote")

    @rule(data=st.data(), on=st.sampled_from(["quote", "batch", "block trade"]),
          side=st.sampled_from(["yes", "no", "yes", "no", "maybe"]), wait=st.booleans())  # fmt: skip
    def act_on(self, data: st.DataObject, on: str, side: str, wait: bool) -> None:
        """The next step of what is under way: a quote's (`_act_on_quote`), a batch's (`_act_on_batch`), a pending
        block trade's acceptance (`_accept`)."""
        if on == "quote":
            self._act_on_quote(data, side, wait)
        elif on == "batch":
            self._act_on_batch(data, side, wait, data.draw(st.booleans()))
        else:
            now = self.ledger.state.clock.now()
            pending = [p for p in self.ledger.state.block_trades.proposals.values() if p.status_at(now) == PENDING]
            self._accept(data, pending[data.draw(st.integers(0, len(pending) - 1))] if pending else None)

    def _act_on_quote(self, data: st.DataObject, side: str, wait: bool) -> None:
        """A live quote's next step, mostly: an accepted one (if any: its window is short) confirmed by its maker, an
        open one accepted by its RFQ's creator; now and then the other step, a confirmed quote, or the wrong party
        (refused). If `wait`, the operator's clock then moves past the step's timer: the confirmation window (the quote
        is voided) or the execution timer (it executes)."""
        found = self._quote(data, LIVE) if self._odd(data, "other") else None
        self._step_quote(data, found or self._quote(data, (QUOTE_ACCEPTED,)) or self._quote(data, (QUOTE_OPEN,)), side,
                         wait)  # fmt: skip

    def _step_quote(self, data: st.DataObject, found: Quote | None, side: str, wait: bool) -> bool:
        """The quote's next step (`_act_on_quote`); whether it was taken."""
        accept = found is None or found.status == QUOTE_OPEN
        if self._odd(data, "other"):
            accept = not accept
        rightful = PLACES[0]
        if found is not None:
            rightful = (found.rfq_user_id, found.rfq_subaccount) if accept else (found.user_id, found.subaccount)
        user, sub = self._actor(data, rightful)
        path, op = self._quote_path(data, found)
        if accept:
            body = self._body(data, {"accepted_side": side})
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
        return done

    @rule(data=st.data(), what=st.sampled_from(["quote", "rfq", "batch quote", "batch"]))
    def withdraw(self, data: st.DataObject, what: str) -> None:
        """A live quote deleted by its maker, or an open RFQ by its creator (mostly; else another's, a closed one, or
        an id of none); or a batch's (`_withdraw_from_a_batch`)."""
        if what.startswith("batch"):
            self._withdraw_from_a_batch(data, what == "batch quote")
            return
        if what == "rfq":
            found_rfq = self._rfq(data, open_only=not self._odd(data, "other"))
            rightful = (found_rfq.user_id, found_rfq.subaccount) if found_rfq is not None else PLACES[0]
            user, sub = self._actor(data, rightful)
            known = found_rfq is not None and not self._odd(data, "id")
            rfq_id = found_rfq.rfq_id if known else hostile_id(data, self.ids)
            self.write(user, sub, "DeleteRFQ", "DELETE", f"{RFQS}/{rfq_id}")
            return
        found = self._quote(data, LIVE)
        user, sub = self._actor(data, (found.user_id, found.subaccount) if found is not None else PLACES[0])
        path, op = self._quote_path(data, found)
        self.write(user, sub, f"Delete{op}", "DELETE", path)

    # -- RFQ batches ----------------------------------------------------------------------------------------------

    def _batch(self, data: st.DataObject, statuses: tuple[str, ...]) -> RfqBatch | None:
        batches = [b for b in self.ledger.state.rfq_batches.batches.values() if b.status in statuses]
        return batches[data.draw(st.integers(0, len(batches) - 1))] if batches else None

    def _batch_id(self, data: st.DataObject, batch: RfqBatch | None) -> str:
        return batch.rfq_batch_id if batch is not None and not self._odd(data, "id") else hostile_id(data, self.ids)

    @rule(data=st.data(), place=st.sampled_from(PLACES), size=COUNTS, replace=st.booleans())
    def ask_a_batch(self, data: st.DataObject, place: tuple[str, int], size: str, replace: bool) -> None:
        """A batch of one to three markets (one is refused: a batch has two children at least)."""
        user, sub = place
        tickers = data.draw(st.lists(st.sampled_from([*self.tickers(), UNKNOWN_TICKER]), min_size=1, max_size=3,
                                     unique=True))  # fmt: skip
        body: dict[str, Any] = {"children": [{"market_ticker": t} for t in tickers], "contracts_fp": size,
                                "subaccount": sub}  # fmt: skip
        body |= {"replace_existing": True} if replace else {}
        answer = self.write(user, sub, "CreateRFQBatch", "POST", BATCHES, json=self._body(data, body))
        if answer.status == 201:
            self.ids.append(answer.json()["rfq_batch"]["id"])

    @rule(data=st.data(), place=st.sampled_from(PLACES), rest=st.booleans(), accept=st.booleans())
    def quote_a_batch(self, data: st.DataObject, place: tuple[str, int], rest: bool, accept: bool) -> None:
        """A batch quote pricing each child of an open batch (mostly; else another batch or an id of none); made, and
        `accept`, the batch's creator accepts the batch on YES at its best bids (`_step_batch`)."""
        user, sub = place
        batch = self._batch(data, (BATCH_OPEN, BATCH_ACCEPTED) if self._odd(data, "other") else (BATCH_OPEN,))
        children = batch.rfq_ids if batch is not None else (str(uuid.UUID(int=11)), str(uuid.UUID(int=12)))
        quotes = [{"rfq_id": child, "yes_bid": data.draw(BATCH_BIDS[0]), "no_bid": data.draw(BATCH_BIDS[1])}
                  for child in children]  # fmt: skip
        body = {"quotes": quotes, "rest_remainder": rest, "subaccount": sub}
        path = f"{BATCHES}/{self._batch_id(data, batch)}/quotes"
        answer = self.write(user, sub, "CreateRFQBatchQuote", "POST", path, json=self._body(data, body))
        self._made(answer)
        if answer.status == 201 and accept and batch is not None:
            self._step_batch(data, batch, "yes", False, False)

    def _act_on_batch(self, data: st.DataObject, side: str, wait: bool, below: bool) -> None:
        """An open batch accepted by its creator at its best bids on a side (as best_quotes shows them; `below`: a
        cent above the best, refused), or the winners of an accepted batch confirming their batch quotes (then, if
        `wait`, the clock past the execution timer); now and then by another place."""
        batch = self._batch(data, (BATCH_OPEN, BATCH_ACCEPTED))
        if batch is not None:
            self._step_batch(data, batch, side, wait, below)

    def _step_batch(self, data: st.DataObject, batch: RfqBatch, side: str, wait: bool, below: bool) -> None:
        """The batch's next step (`_act_on_batch`)."""
        batch_id = self._batch_id(data, batch)
        if batch.status == BATCH_OPEN:
            user, sub = self._actor(data, (batch.user_id, batch.subaccount))
            best = self.read(user, "GetRFQBatchBestQuotes", f"{BATCHES}/{batch.rfq_batch_id}/best_quotes")
            rows = best.json()["best_quotes"]["rfqs"] if best.status == 200 else []
            bids = {row["rfq_id"]: row.get(f"{side}_bid_dollars", "0.01") for row in rows}
            mins = [{"rfq_id": child, "bid_dollars": f"{Decimal(bids.get(child, '0.01')) + Decimal(below) / 100:f}"}
                    for child in batch.rfq_ids]  # fmt: skip
            body = self._body(data, {"accepted_side": side, "min_bids": mins})
            if self.write(user, sub, "AcceptRFQBatch", "PUT", f"{BATCHES}/{batch_id}/accept", json=body).status == 200:
                self.world.met["a batch accepted"] += 1
            return
        winners = [self.ledger.state.rfq_batches.batch_quotes.get(q) for q in batch.winners]
        waiting = [w for w in winners if w is not None and w.status == BATCH_QUOTE_ACCEPTED] or [None]
        confirmed = False
        for winner in waiting:  # (each winner's maker confirms its own)
            user, sub = self._actor(data, (winner.user_id, winner.subaccount) if winner else PLACES[0])
            quote_id = winner.batch_quote_id if winner is not None else hostile_id(data, self.ids)
            path = f"{BATCHES}/{batch_id}/quotes/{quote_id}/confirm"
            if self.write(user, sub, "ConfirmRFQBatchQuote", "PUT", path).status == 204:
                self.world.met["a batch quote confirmed"] += 1
                confirmed = True
        if confirmed and wait:
            self.advance_clock(15)

    def _withdraw_from_a_batch(self, data: st.DataObject, quote_of_it: bool) -> None:
        """A batch deleted by its creator, or a live batch quote by its maker (mostly; else another place, or an id of
        none)."""
        held = self.ledger.state.rfq_batches
        if not quote_of_it:
            batch = self._batch(data, (BATCH_OPEN, BATCH_ACCEPTED))
            user, sub = self._actor(data, (batch.user_id, batch.subaccount) if batch else PLACES[0])
            self.write(user, sub, "DeleteRFQBatch", "DELETE", f"{BATCHES}/{self._batch_id(data, batch)}")
            return
        live = [q for q in held.batch_quotes.values() if q.status in BATCH_LIVE]
        made = live[data.draw(st.integers(0, len(live) - 1))] if live else None
        user, sub = self._actor(data, (made.user_id, made.subaccount) if made else PLACES[0])
        batch_id = made.rfq_batch_id if made is not None else hostile_id(data, self.ids)
        quote_id = made.batch_quote_id if made is not None else hostile_id(data, self.ids)
        self.write(user, sub, "DeleteRFQBatchQuote", "DELETE", f"{BATCHES}/{batch_id}/quotes/{quote_id}")

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
        if "cy" in (buyer[0], seller[0]) and not len(self.ledger.state.block_trades.proposals) % 2:
            cys = "buyer_" if buyer[0] == "cy" else "seller_"  # (every other proposal, cy's side its subtrader's)
            del body[f"{cys}subaccount"]
            body[f"{cys}subtrader_id"] = SUBTRADER
        sent = self._body(data, body)
        answer = self.write(*proposer, "ProposeBlockTrade", "POST", PROPOSALS, json=sent)
        self._made(answer, "block_trade_proposal_id")
        if answer.status == 201:  # (each side trades on the account it names: a subtrader's, or its user's)
            made = self.ledger.state.block_trades.proposals[answer.json()["block_trade_proposal_id"]]
            for party, named in ((made.buyer, "buyer_"), (made.seller, "seller_")):
                assert party.account == (sent.get(f"{named}subtrader_id") or sent[f"{named}user_id"]), (party, sent)
            if at_once:
                self._accept(data, made)

    def _accept(self, data: st.DataObject, proposal: BlockTradeProposal | None) -> None:
        """The proposal accepted by the party that did not propose it (its place; now and then another place, or an
        id of none)."""
        if proposal is not None and not self._odd(data, "id"):
            other = proposal.seller if proposal.proposer_user_id == proposal.buyer.user_id else proposal.buyer
            user, sub = self._actor(data, (other.user_id, other.subaccount))
            proposal_id, body = proposal.proposal_id, {"subaccount": sub} if sub else {}
            if other.subtrader_id and user == other.user_id:  # (as the subtrader it trades for)
                body = {"subtrader_id": other.subtrader_id}
        else:
            (user, sub), proposal_id, body = data.draw(st.sampled_from(PLACES)), hostile_id(data, self.ids), {}
        self.write(user, sub, "AcceptBlockTradeProposal", "POST", f"{PROPOSALS}/{proposal_id}/accept",
                   json=self._body(data, body) if body else body)  # fmt: skip

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

    @rule(data=st.data(), maker=st.sampled_from(USERS), name=st.sampled_from(["desk", "side", "wide"]),
          remove=st.sampled_from([False, False, True]))  # fmt: skip
    def a_makers_rule_changed(self, data: st.DataObject, maker: str, name: str, remove: bool) -> None:
        """An RFQ maker's rule set, replaced (in its place) or removed on the way; mostly on the usual path, else the
        step's oddity: a rule of no name removed or one of no account set ("id"), or one field hostile ("body"):
        refused, nothing changed. An RFQ asked later is quoted by the rules then; a quote or a confirmation falling
        due reads the rule as it is then (rfq_makers.py). The control plane answers the rules in the order first set."""
        self.rules_changed = True
        if remove:
            gone = "no such rule" if self._odd(data, "id") else name
            if self.control("remove_rfq_maker", gone) is not None:
                del self.rules[gone]
        else:
            fields = data.draw(st.fixed_dictionaries({}, optional=MAKER_RULE))
            fields = self._body(data, fields) if fields else fields
            maker = "nobody" if self._odd(data, "id") else maker  # (no such account: refused)
            if self.control("set_rfq_maker", maker, name, **fields) is not None:
                self.rules[name] = maker  # (replaced: in its place)
                self.set_on_the_way.add(maker)
        assert [made["rule"] for made in self.mock.rfq_makers()["rfq_makers"]] == list(self.rules)

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
        self.oddity, self.rules_changed = "undrawn", False  # (the next step draws its own)

    @invariant()
    def the_communications_hold_together(self) -> None:
        with self.ledger.reading() as ledger:
            self._rfqs_hold(ledger.state)
            self._batches_hold(ledger.state)
            now, pending = ledger.state.clock.now(), Counter[str]()
            for proposal in ledger.state.block_trades.proposals.values():
                status = proposal.status_at(now)
                pending[proposal.proposer_user_id] += status == PENDING
                if status == EXECUTED:
                    self._traded(ledger.state, proposal)
                    if proposal.buyer.subtrader_id or proposal.seller.subtrader_id:
                        self._ended(f"{proposal.proposal_id} for a subtrader", "block executed for a subtrader", "")
                self._ended(proposal.proposal_id, f"block {status}", "")
            assert max(pending.values(), default=0) <= 100, pending

    def _rfqs_hold(self, state: Any) -> None:
        """The single RFQs and their quotes (a batch's children are its own: `_batches_hold`)."""
        comms = state.communications
        single = [r for r in comms.rfqs.values() if r.rfq_batch_id is None]
        opened = {(r.user_id, r.market_ticker): r.rfq_id for r in single if r.status == RFQ_OPEN}
        assert len(opened) == sum(r.status == RFQ_OPEN for r in single), "two open RFQs of a user on a market"
        indexed = {(user, t): rfq_id for user, held in comms.open_rfqs.items() for t, rfq_id in held.items()}
        assert indexed == opened, (indexed, opened)
        for rfq in single:
            taken = [q for q in comms.quotes_of(rfq.rfq_id) if q.status in (QUOTE_ACCEPTED, QUOTE_CONFIRMED)]
            assert len(taken) <= 1, f"{rfq.rfq_id}: {len(taken)} quotes accepted or confirmed"
            if rfq.status != RFQ_OPEN:
                assert not [q for q in comms.quotes_of(rfq.rfq_id) if q.status in LIVE], f"{rfq.rfq_id}: quotes live"
        live: dict[str, set[str]] = {}
        given = set(self.ids)  # (a quote no client was given is an RFQ maker's rule's)
        for quote_id, found in comms.quotes.items():
            assert found.user_id != found.rfq_user_id, f"{quote_id} quotes its own creator's RFQ"
            if quote_id not in given and quote_id not in self.ruled:
                self._by_its_rule(state, found)
            if found.status in LIVE:
                live.setdefault(found.user_id, set()).add(quote_id)
            if found.status == QUOTE_EXECUTED:
                self._executed(state, found)
            self._ended(quote_id, found.status, found.cancellation_reason)
        assert {user: set(held) for user, held in comms.live_quotes.items() if held} == live

    def _by_its_rule(self, state: Any, found: Quote) -> None:
        """A quote a maker's rule made this step. Unless the rules changed this step: its maker's first rule covering
        the market made it, from the rule's subaccount, its bids half its spread off (both: the spread apart), its RFQ
        within its size."""
        self.ruled.add(found.quote_id)
        on_the_way = "a rule set on the way quoted" if found.user_id in self.set_on_the_way else "a maker's rule quoted"
        self.world.met[on_the_way] += 1
        self.world.met["a rule quoted from a subaccount"] += found.subaccount > 0
        if self.rules_changed:
            return
        market = state.markets[found.market_ticker]
        covering = {found.market_ticker, market.event_ticker, state.events[market.event_ticker].series_ticker}
        ruling = [r for r in state.rfq_makers.values() if r.user_id == found.user_id and
                  (not r.markets or covering & set(r.markets))]  # fmt: skip
        assert ruling, f"{found.quote_id}: no rule of {found.user_id} covers {found.market_ticker}"
        rule, most = ruling[0], ruling[0].max_contracts
        bid_most = PRICE - (rule.spread + 1) // 2  # (a side whose bid would be 0 or less is not quoted)
        assert found.subaccount == rule.subaccount and max(found.yes_bid, found.no_bid) <= bid_most, rule
        assert not (found.yes_bid and found.no_bid) or found.yes_bid + found.no_bid <= PRICE - rule.spread, rule
        assert most is None or max(found.yes_contracts, found.no_contracts) <= most, (found, rule)

    def _batches_hold(self, state: Any) -> None:
        """Each batch's children are its RFQs, open while it is not closed and closed once it is; a user has at most 2
        open batches; a maker's live batch quotes are those open, accepted or confirmed, none on its own batch; an
        executed child quote is as an executed single quote (`_executed`)."""
        held, comms = state.rfq_batches, state.communications
        live: dict[str, set[str]] = {}
        opened: Counter[str] = Counter()
        for batch_id, batch in held.batches.items():
            children = [comms.rfqs[child] for child in batch.rfq_ids]
            assert {child.rfq_batch_id for child in children} == {batch_id}, batch
            shut = batch.status not in (BATCH_OPEN, BATCH_ACCEPTED)
            assert {child.status != RFQ_OPEN for child in children} == {shut}, (batch, children)
            opened[batch.user_id] += batch.status == BATCH_OPEN
            for made in held.quotes_of(batch_id):
                assert made.user_id != batch.user_id, f"{made.batch_quote_id} quotes its maker's own batch"
                if made.status in BATCH_LIVE:
                    live.setdefault(made.user_id, set()).add(made.batch_quote_id)
                for child in made.quotes:
                    if child.status == QUOTE_EXECUTED:
                        self._executed(state, child)
            if shut:
                self._ended(batch_id, f"batch {batch.close_reason}", "")
        assert max(opened.values(), default=0) <= 2, opened
        assert {user: set(made) for user, made in held.live_quotes.items() if made} == live

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
                   "block failed": "a block trade failed", "block expired": "a block trade expired",
                   "block executed for a subtrader": "a subtrader's block trade executed",
                   "batch executed": "a batch executed", "batch partially executed": "a batch partly executed",
                   "batch execution failed": "a batch failed", "batch confirmation window expired": "a batch voided",
                   "batch market closed": "a batch closed with its market"}.get(status)  # fmt: skip
        if status == QUOTE_CANCELLED:
            outcome = "a quote voided" if "confirmation window" in reason else f"a quote cancelled: {reason}"
        if outcome is not None and self.ended.get(record_id) != outcome:
            self.ended[record_id] = outcome
            self.world.met[outcome] += 1

    @invariant()
    def the_wire_agrees(self) -> None:
        """The places the step touched (one in turn if none) read on the wire as the core holds them; one RFQ and one
        batch in turn as their creator and another user read them, the RFQ's quotes as its creator lists them; one
        user's proposals."""
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
        batches = list(self.ledger.state.rfq_batches.batches.values())
        if batches:
            batch = batches[self.turn % len(batches)]
            other = USERS[(USERS.index(batch.user_id) + 1) % len(USERS)]
            for reader in (batch.user_id, other):
                shown = self.read_ok(reader, "GetRFQBatch", f"{BATCHES}/{batch.rfq_batch_id}")["rfq_batch"]
                assert (shown["status"], [r["id"] for r in shown["rfqs"]]) == (batch.status, list(batch.rfq_ids))
                assert ("creator_user_id" in shown) == (reader == batch.user_id), (reader, shown)
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
        for batch in self.ledger.state.rfq_batches.batches.values():
            reads += [
                (batch.user_id, f"{BATCHES}/{batch.rfq_batch_id}{end}") for end in ("", "/best_quotes", "/quotes")
            ]
        reads += [(user, f"{BATCHES}?limit=20") for user in USERS]
        for user, sub in PLACES:
            reads += [(user, f"{path}?subaccount={sub}&limit=1000") for path in (
                "/portfolio/positions", "/portfolio/fills", "/portfolio/orders",
            )]  # fmt: skip
        return self.world.answers(reads)


world = world_fixture(OPENING_CENTS, "rfqinv")


def test_any_sequence_of_rfqs_quotes_and_block_trades_keeps_the_ledger_whole(world):
    run_sequences(lambda: CommunicationsInvariants(world), 40, world.met, MUST_MEET, lambda: str(world.codes))
