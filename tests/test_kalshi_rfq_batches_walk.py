"""Invariants of Kalshi's RFQ batches and block trade proposals under a seeded random walk (core/kalshi/rfq_batches.py,
block_trades.py): batches asked and deleted, two or more makers' batch quotes, accepts (some retried by their
client_order_id), each winner's confirmation and withdrawals, proposals made and accepted, the clock moving through
the eligibility, confirmation, execution and expiry timers. After every step: the money is what the accounts began
with (fees counted), no quote executes twice, a refused step or an accept's retry changes nothing, and a batch's
children all trade or none (but for a batch closed "partially executed")."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from test_kalshi_orders_core import M, new_ledger
from test_kalshi_rfqs_core import advance, kept, money

from mockexchange.core.kalshi.block_trade_commands import AcceptBlockTradeProposal, ProposeBlockTrade
from mockexchange.core.kalshi.block_trade_records import EXECUTED as BLOCK_EXECUTED
from mockexchange.core.kalshi.block_trade_records import PENDING
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.rfq_batch_commands import (
    AcceptRfqBatch,
    Child,
    ConfirmBatchQuote,
    CreateBatchQuote,
    CreateRfqBatch,
    DeleteBatchQuote,
    DeleteRfqBatch,
    MinBid,
    QuoteEntry,
)
from mockexchange.core.kalshi.rfq_batch_records import (
    BATCH_CLOSED,
    BATCH_OPEN,
    BATCH_QUOTE_ACCEPTED,
    EXECUTED,
    PARTIALLY_EXECUTED,
)
from mockexchange.core.kalshi.rfq_records import QUOTE_EXECUTED
from mockexchange.core.values import Refused

USERS = ("u0", "u1", "u2", "u3")
TICKERS = [M] + [f"{M}{n}" for n in range(2)]


def everything(ledger: Ledger) -> tuple:
    """What a refused step (or an accept's retry) must leave as it was."""
    batches, blocks = ledger.state.rfq_batches, ledger.state.block_trades
    return (kept(ledger), repr(list(batches.batches.values())), repr(list(batches.batch_quotes.values())),
            repr(batches.best), batches.sequence, repr(list(blocks.proposals.values())))  # fmt: skip


@pytest.mark.slow  # (about 2 s of CPU: outside the fast subset)
def test_a_random_walk_of_batches_and_block_trades_keeps_money_trades_each_quote_once_and_refusals_change_nothing():
    rng = random.Random(54)
    ledger = new_ledger(*USERS, cents=5_000)
    for ticker in TICKERS[1:]:
        ledger.catalogue.list_market(ticker)
    total = money(ledger, TICKERS)
    orders_of: dict[str, tuple[str, str]] = {}  # an executed quote -> its two orders
    accepts: dict[str, tuple[AcceptRfqBatch, str]] = {}  # an accepted batch -> its accept (with a key), its answer
    refusals = 0
    for _ in range(600):
        before = everything(ledger)
        try:
            retried = _step(ledger, rng, rng.choice(USERS), accepts)
        except (LedgerError, Refused):
            refusals += 1
            assert everything(ledger) == before  # a refusal changes nothing
        else:
            if retried:
                assert everything(ledger) == before  # nor does an accept's retry
        assert money(ledger, TICKERS) == total
        _executed_once(ledger, orders_of)
        _all_or_none(ledger)
    advance(ledger, 60)
    _executed_once(ledger, orders_of)
    _all_or_none(ledger)
    state = ledger.state
    closed = [batch.close_reason for batch in state.rfq_batches.batches.values() if batch.status == BATCH_CLOSED]
    blocks = [proposal.status for proposal in state.block_trades.proposals.values()]
    assert closed.count(EXECUTED) >= 3 and blocks.count("executed") >= 3, (closed, blocks)  # the walk trades
    assert len(accepts) >= 5 and refusals >= 50


def _executed_once(ledger: Ledger, orders_of: dict[str, tuple[str, str]]) -> None:
    """Every executed quote executed once: its two orders are its own, never another's, and never drawn anew; every
    order that traded is an executed quote's or an executed block trade's."""
    state = ledger.state
    quotes = list(state.communications.quotes.values()) + [
        quote for made in state.rfq_batches.batch_quotes.values() for quote in made.quotes
    ]
    for quote in quotes:
        if quote.status == QUOTE_EXECUTED:
            orders = orders_of.setdefault(quote.quote_id, (quote.creator_order_id, quote.rfq_creator_order_id))
            assert orders == (quote.creator_order_id, quote.rfq_creator_order_id), quote.quote_id
            assert state.all_orders[orders[0]].user_id == quote.user_id
            assert state.all_orders[orders[1]].user_id == quote.rfq_user_id
    placed = [order for orders in orders_of.values() for order in orders]
    assert len(set(placed)) == len(placed)
    blocks = [(proposal.buyer_order_id, proposal.seller_order_id) for proposal in state.block_trades.proposals.values()
              if proposal.status == BLOCK_EXECUTED]  # fmt: skip
    traded = {state.fills[i].order_id for i in range(len(state.fills))}
    assert traded <= set(placed).union(*blocks)


def _all_or_none(ledger: Ledger) -> None:
    """A closed batch's children all traded (executed), or none did (any other reason but a partial execution)."""
    state = ledger.state
    for batch in state.rfq_batches.batches.values():
        if batch.status != BATCH_CLOSED or batch.close_reason == PARTIALLY_EXECUTED:
            continue
        traded = {quote.rfq_id for made in state.rfq_batches.quotes_of(batch.rfq_batch_id) for quote in made.quotes
                  if quote.status == QUOTE_EXECUTED}  # fmt: skip
        assert traded == (set(batch.rfq_ids) if batch.close_reason == EXECUTED else set()), batch.close_reason
        assert set(batch.executed_rfq_ids) == traded


def _step(ledger: Ledger, rng: random.Random, user: str, accepts: dict) -> bool:
    """One random command of `user`'s (or a move of the clock); True when it retried an accept."""
    part, state = ledger.rfq_batches, ledger.state
    open_batches = [batch for batch in part.batches(status=BATCH_OPEN)]
    mine = [batch for batch in open_batches if batch.user_id == user]
    others = [batch for batch in open_batches if batch.user_id != user]
    made = [held for held in state.rfq_batches.batch_quotes.values() if held.user_id == user]
    kind = rng.randrange(12)
    if kind == 0:
        children = tuple(Child(ticker) for ticker in rng.sample(TICKERS, rng.randint(1, 3)))
        part.create_rfq_batch(CreateRfqBatch(user, children, contracts=rng.randint(1, 10) * 100,
                                             replace_existing=rng.random() < 0.2))  # fmt: skip
    elif kind == 1 and open_batches and rng.random() < 0.3:
        part.delete_rfq_batch(DeleteRfqBatch(user, rng.choice(mine if mine and rng.random() < 0.8 else open_batches)
                                             .rfq_batch_id))  # fmt: skip
    elif kind in (2, 3) and open_batches:  # quoting is the commonest step, so batches gather two or more makers
        batch = rng.choice(others if others and rng.random() < 0.9 else open_batches)
        entries = tuple(QuoteEntry(rfq_id, rng.randint(0, 60) * 100, rng.randint(0, 40) * 100)
                        for rfq_id in batch.rfq_ids)  # fmt: skip
        part.create_batch_quote(CreateBatchQuote(user, batch.rfq_batch_id, entries, rng.random() < 0.5))
    elif kind in (4, 5):
        return _accept(ledger, rng, user, open_batches, accepts)
    elif kind in (6, 7):  # mostly an accepted batch quote, confirmed by its maker; now and then the user's
        accepted = [held for held in state.rfq_batches.batch_quotes.values() if held.status == BATCH_QUOTE_ACCEPTED]
        if not made and not accepted:
            return False
        held = rng.choice(accepted if accepted and (rng.random() < 0.9 or not made) else made)
        part.confirm_batch_quote(ConfirmBatchQuote(held.user_id, held.rfq_batch_id, held.batch_quote_id))
    elif kind == 8 and made:
        held = rng.choice(made)
        part.delete_batch_quote(DeleteBatchQuote(user, held.rfq_batch_id, held.batch_quote_id))
    elif kind == 9:
        _propose(ledger, rng, user)
    elif kind == 10:  # a pending proposal, mostly by its other side
        pending = [proposal for proposal in state.block_trades.proposals.values() if proposal.status == PENDING]
        if pending:
            proposal = rng.choice(pending)
            other = proposal.seller if proposal.proposer_user_id == proposal.buyer.user_id else proposal.buyer
            taker = other.user_id if rng.random() < 0.9 else user
            ledger.block_trades.accept(AcceptBlockTradeProposal(taker, proposal.proposal_id))
    elif kind == 11:
        advance(ledger, rng.choice((1, 5, 16, 31)))
    return False


def _accept(ledger: Ledger, rng: random.Random, user: str, open_batches: list, accepts: dict) -> bool:
    """An open batch accepted at its best bids, mostly by its creator (now and then above them: refused), or an
    accept retried by its key (True: its answer is the first's)."""
    part = ledger.rfq_batches
    if accepts and (not open_batches or rng.random() < 0.2):
        accept, answer = accepts[rng.choice(list(accepts))]
        assert repr(part.accept_rfq_batch(accept)) == answer
        return True
    if not open_batches:
        return False
    batch = rng.choice(open_batches)
    user = batch.user_id if rng.random() < 0.9 else user
    side = rng.choice(("yes", "no"))
    best = part.best_quotes(batch.rfq_batch_id, user)
    least = tuple(MinBid(child.rfq_id, getattr(child, side).bid if getattr(child, side) else 100)
                  for child in best.children)  # fmt: skip
    if rng.random() < 0.1:
        least = tuple(MinBid(entry.rfq_id, entry.bid + 100) for entry in least)
    accept = AcceptRfqBatch(user, batch.rfq_batch_id, side, least, client_order_id=f"take-{rng.randrange(10**6)}")
    accepts[batch.rfq_batch_id] = (accept, repr(part.accept_rfq_batch(accept)))
    return False


def _propose(ledger: Ledger, rng: random.Random, user: str) -> None:
    """A block trade proposal of the user's, as buyer or seller, with another user, expiring in 5 or 60 s."""
    other = rng.choice([each for each in USERS if each != user])
    buyer, seller = (user, other) if rng.random() < 0.5 else (other, user)
    expiry = ledger.state.clock.now() + timedelta(seconds=rng.choice((5, 60)))
    price, count = rng.randint(1, 99) * 100, rng.randint(1, 20) * 100
    made = ProposeBlockTrade(user, buyer, seller, rng.choice(TICKERS), price, count, rng.choice(("yes", "no")), expiry)
    ledger.block_trades.propose(made)
