"""Kalshi's RFQ batches in the core (core/kalshi/rfq_batches.py): a batch's whole life, two makers winning different
children and the children executing together (fills, positions and cash of every side), the best bids and their time
priority, the 30 s eligibility, min_bids, a missed confirmation, the fill-or-kill, every refusal with its code (a
refused command changes nothing), a market's close, and the control plane's operations through `MockServer`."""

from __future__ import annotations

import pytest
from test_kalshi_orders_core import T0, M, new_ledger

from mockexchange import MockServer
from mockexchange.control.errors import ControlError
from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi import communications as communications_module
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.fees import QuadraticFee
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
from mockexchange.core.kalshi.rfq_batch_records import BATCH_QUOTE_CHANGE, BEST_QUOTES_CHANGE, RFQ_BATCH_CHANGE
from mockexchange.core.kalshi.rfq_commands import CreateQuote, CreateRfq
from mockexchange.core.kalshi.rfq_records import QUOTE_CHANGE
from mockexchange.core.values import Refused

N = "KXORD-26NOV-B"
USERS = ("req", "mk1", "mk2", "by")
START = 1_000 * 10**6


@pytest.fixture(name="ledger")
def a_ledger() -> Ledger:
    made = new_ledger(*USERS)
    made.catalogue.list_market(N)
    return made


def batch(ledger: Ledger, *tickers: str, contracts: int = 1000, **options) -> tuple[str, tuple[str, ...]]:
    made = ledger.rfq_batches.create_rfq_batch(CreateRfqBatch(
        "req", tuple(Child(ticker) for ticker in tickers or (M, N)), contracts=contracts, **options))  # fmt: skip
    return made.rfq_batch_id, made.rfq_ids


def bq(ledger: Ledger, user: str, batch_id: str, bids: dict[str, tuple[int, int]], **options) -> str:
    entries = tuple(QuoteEntry(rfq_id, yes, no) for rfq_id, (yes, no) in bids.items())
    made = ledger.rfq_batches.create_batch_quote(CreateBatchQuote(user, batch_id, entries, False, **options))
    return made.batch_quote_id


def accept(ledger: Ledger, batch_id: str, least: dict[str, int], side: str = "yes"):
    mins = tuple(MinBid(rfq_id, bid) for rfq_id, bid in least.items())
    return ledger.rfq_batches.accept_rfq_batch(AcceptRfqBatch("req", batch_id, side, mins))


def confirm(ledger: Ledger, user: str, batch_id: str, quote_id: str):
    return ledger.rfq_batches.confirm_batch_quote(ConfirmBatchQuote(user, batch_id, quote_id))


def advance(ledger: Ledger, seconds: float) -> None:
    ledger.state.clock.advance(seconds)
    with ledger.reading():
        pass


def cash(ledger: Ledger, user: str) -> int:
    return ledger.state.accounts[user].cash.get((0, 0), 0)


def position(ledger: Ledger, user: str, ticker: str) -> int:
    row = ledger.state.positions.get(user, 0, ticker)
    return ledger.state.positions.cells(row)[0] if row is not None else 0


def best(ledger: Ledger, batch_id: str) -> list[tuple]:
    shown = ledger.rfq_batches.best_quotes(batch_id, "req")
    return [(child.yes and child.yes.bid, child.no and child.no.bid) for child in shown.children]


def kept(ledger: Ledger) -> tuple:
    state, held = ledger.state, ledger.state.rfq_batches
    return (
        repr(list(held.batches.values())), repr(list(held.batch_quotes.values())), repr(held.best),
        repr(list(state.communications.rfqs.values())), list(state.due_times),
        {user: dict(account.cash) for user, account in state.accounts.items()}, len(state.fills),
    )  # fmt: skip


def refused(ledger: Ledger, do) -> tuple[int, str]:
    before = kept(ledger)
    with pytest.raises(LedgerError) as caught:
        do()
    assert kept(ledger) == before
    return caught.value.status, caught.value.code


def test_two_makers_win_different_children_and_the_children_execute_together(ledger: Ledger):
    seen: list[tuple[str, str, str]] = []
    ledger.state.bus.subscribe(lambda change: seen.append((change.kind, change.user_id, change.payload.status)),
                               kinds=(RFQ_BATCH_CHANGE, BATCH_QUOTE_CHANGE, QUOTE_CHANGE))  # fmt: skip
    batch_id, (a, b) = batch(ledger)
    one = bq(ledger, "mk1", batch_id, {a: (4600, 5000), b: (3000, 6000)})
    two = bq(ledger, "mk2", batch_id, {a: (4500, 5000), b: (3100, 6000)})
    assert best(ledger, batch_id) == [(4600, 5000), (3100, 6000)]
    shown = ledger.rfq_batches.best_quotes(batch_id, "req")
    assert shown.complete("yes") and shown.complete("no") and shown.version == 2
    won = accept(ledger, batch_id, {a: 4600, b: 3100})
    assert [(quote.rfq_id, quote.user_id, quote.status) for quote in won] == [(a, "mk1", "accepted"),
                                                                              (b, "mk2", "accepted")]  # fmt: skip
    assert ledger.rfq_batches.batch(batch_id).status == "accepted"
    assert refused(ledger, lambda: ledger.rfq_batches.delete_rfq_batch(DeleteRfqBatch("req", batch_id))) == (
        409, "conflict")  # fmt: skip
    assert confirm(ledger, "mk1", batch_id, one).won == (a,)
    advance(ledger, 20)  # nothing runs until every winner confirmed
    assert ledger.rfq_batches.batch(batch_id).confirmed_ts is None and not ledger.state.fills
    confirm(ledger, "mk2", batch_id, two)
    advance(ledger, 14.9)
    assert not ledger.state.fills
    advance(ledger, 0.1)
    done = ledger.rfq_batches.batch(batch_id)
    assert (done.status, done.close_reason, done.executed_rfq_ids) == ("closed", "executed", (a, b))
    assert [rfq.status for rfq in ledger.rfq_batches.children(done)] == ["closed", "closed"]
    fee = QuadraticFee()
    assert cash(ledger, "mk1") == START - 1000 * 4600
    assert cash(ledger, "mk2") == START - 1000 * 3100
    assert cash(ledger, "req") == START - 1000 * 5400 - fee.fee_units(1000, 5400, True) - 1000 * 6900 - (
        fee.fee_units(1000, 6900, True))  # fmt: skip
    assert (position(ledger, "mk1", M), position(ledger, "mk2", N)) == (1000, 1000)
    assert (position(ledger, "req", M), position(ledger, "req", N)) == (-1000, -1000)
    assert (position(ledger, "mk1", N), position(ledger, "mk2", M)) == (0, 0)
    # each child's quote executes (after its fills), then the batch quotes, then the batch
    assert seen[-5:] == [("quote", "mk1", "executed"), ("quote", "mk2", "executed"), ("batch_quote", "mk1",
                         "executed"), ("batch_quote", "mk2", "executed"), ("rfq_batch", "req", "closed")]  # fmt: skip
    made = ledger.rfq_batches.batch_quotes(batch_id, "mk1")[0]
    orders = ledger.state.all_orders
    assert orders[made.quotes[0].creator_order_id].user_id == "mk1"
    assert orders[made.quotes[0].rfq_creator_order_id].user_id == "req"


def test_ties_go_to_the_earliest_bid_and_an_unchanged_resend_keeps_its_priority(ledger: Ledger):
    batch_id, (a, b) = batch(ledger)
    first = bq(ledger, "mk1", batch_id, {a: (4000, 0), b: (3000, 0)})
    ledger.state.clock.advance(1)
    bq(ledger, "mk2", batch_id, {a: (4000, 0), b: (3000, 0)})
    ledger.state.clock.advance(1)
    resent = bq(ledger, "mk1", batch_id, {a: (4000, 0), b: (2900, 0)})  # a unchanged, b moved (below mk2)
    assert ledger.state.rfq_batches.batch_quotes[first].status == "cancelled"
    won = accept(ledger, batch_id, {a: 4000, b: 3000})
    assert [quote.user_id for quote in won] == ["mk1", "mk2"]
    assert ledger.state.rfq_batches.batch_quotes[resent].won == (a,)


def test_a_batch_quote_counts_for_30_seconds_after_it_was_sent(ledger: Ledger):
    versions: list[int] = []
    ledger.state.bus.subscribe(lambda change: versions.append(change.payload.version), kinds=(BEST_QUOTES_CHANGE,))
    batch_id, (a, b) = batch(ledger)
    bq(ledger, "mk1", batch_id, {a: (4000, 0), b: (3000, 0)})
    advance(ledger, 29.9)
    assert best(ledger, batch_id) == [(4000, None), (3000, None)]
    advance(ledger, 0.1)
    assert best(ledger, batch_id) == [(None, None), (None, None)]
    assert versions == [1, 2]
    assert refused(ledger, lambda: accept(ledger, batch_id, {a: 4000, b: 3000})) == (409, "rfq_batch_quotes_changed")


def test_a_best_bid_below_min_bids_refuses_the_accept_naming_the_child(ledger: Ledger):
    batch_id, (a, b) = batch(ledger)
    bq(ledger, "mk1", batch_id, {a: (4000, 0), b: (3000, 0)})
    bq(ledger, "mk1", batch_id, {a: (4000, 0), b: (2800, 0)})  # b's bid moved down
    with pytest.raises(LedgerError, match=b):
        accept(ledger, batch_id, {a: 4000, b: 3000})
    assert refused(ledger, lambda: accept(ledger, batch_id, {a: 4000, b: 3000})) == (409, "rfq_batch_quotes_changed")
    assert accept(ledger, batch_id, {a: 3900, b: 2800})[0].yes_bid == 4000  # a better bid fills at its price


def test_a_missed_confirmation_closes_the_whole_batch_without_trading(ledger: Ledger):
    batch_id, (a, b) = batch(ledger)
    one = bq(ledger, "mk1", batch_id, {a: (4600, 0), b: (3000, 0)})
    bq(ledger, "mk2", batch_id, {a: (4500, 0), b: (3100, 0)})
    accept(ledger, batch_id, {a: 4600, b: 3100})
    confirm(ledger, "mk1", batch_id, one)
    advance(ledger, 30)
    done = ledger.rfq_batches.batch(batch_id)
    assert (done.status, done.close_reason) == ("closed", "confirmation window expired")
    assert not ledger.state.fills and cash(ledger, "req") == START
    assert ledger.state.rfq_batches.batch_quotes[one].status == "cancelled"


def test_the_fill_or_kill_trades_no_child_when_one_cannot_fill(ledger: Ledger):
    batch_id, (a, b) = batch(ledger)
    one = bq(ledger, "mk1", batch_id, {a: (4600, 0), b: (3000, 0)})
    two = bq(ledger, "mk2", batch_id, {a: (4500, 0), b: (3100, 0)})
    accept(ledger, batch_id, {a: 4600, b: 3100})
    confirm(ledger, "mk1", batch_id, one)
    confirm(ledger, "mk2", batch_id, two)
    ledger.state.accounts["mk2"].cash[(0, 0)] = 100  # mk2 cannot pay for its child any more
    advance(ledger, 15)
    done = ledger.rfq_batches.batch(batch_id)
    assert (done.close_reason, done.executed_rfq_ids, done.failed_rfq_ids) == ("execution failed", (), (a, b))
    assert not ledger.state.fills and cash(ledger, "mk1") == START


def test_every_refusal_has_its_code_and_changes_nothing(ledger: Ledger):
    parts = ledger.rfq_batches
    batch_id, (a, b) = batch(ledger, client_batch_id="rr-1")
    assert refused(ledger, lambda: batch(ledger, client_batch_id="rr-1")) == (409, "conflict")
    assert refused(ledger, lambda: batch(ledger, M, "NOPE")) == (404, "not_found")
    assert refused(ledger, lambda: bq(ledger, "req", batch_id, {a: (4000, 0), b: (3000, 0)})) == (400, "self_trade")
    twice = (QuoteEntry(a, 4000, 0), QuoteEntry(a, 4000, 0))  # (a child priced twice, the other not)
    assert refused(ledger, lambda: parts.create_batch_quote(CreateBatchQuote("mk1", batch_id, twice, False))) == (
        400, "invalid_parameters")  # fmt: skip
    with pytest.raises(Refused):
        bq(ledger, "mk1", batch_id, {a: (4000, 0)})  # at least 2 entries, as children
    assert refused(ledger, lambda: bq(ledger, "mk1", "nope", {a: (4000, 0), b: (3000, 0)})) == (404, "not_found")
    assert refused(ledger, lambda: bq(ledger, "mk1", batch_id, {a: (4001, 0), b: (3000, 0)})) == (
        400, "invalid_parameters")  # fmt: skip
    both = (MinBid(a, 1), MinBid(a, 1))
    assert refused(ledger, lambda: parts.accept_rfq_batch(AcceptRfqBatch("req", batch_id, "yes", both))) == (
        400, "invalid_parameters")  # fmt: skip
    assert refused(ledger, lambda: ledger.communications.create_quote(CreateQuote("mk1", a, 4000, 0, False))) == (
        400, "invalid_parameters")  # a child is quoted through its batch  # fmt: skip
    made = bq(ledger, "mk1", batch_id, {a: (4000, 0), b: (3000, 0)})
    assert refused(ledger, lambda: parts.best_quotes(batch_id, "mk1")) == (403, "forbidden")
    assert refused(ledger, lambda: parts.delete_batch_quote(DeleteBatchQuote("mk2", batch_id, made))) == (
        404, "not_found")  # fmt: skip
    assert refused(ledger, lambda: confirm(ledger, "mk1", batch_id, made)) == (409, "conflict")
    assert refused(ledger, lambda: parts.delete_rfq_batch(DeleteRfqBatch("mk1", batch_id))) == (404, "not_found")
    ledger.state.accounts["req"].cash[(0, 0)] = 1000
    assert refused(ledger, lambda: accept(ledger, batch_id, {a: 4000, b: 3000})) == (400, "insufficient_balance")
    with pytest.raises(Refused):
        CreateRfqBatch("req", (Child(M), Child(M)), contracts=100)  # distinct markets
    with pytest.raises(Refused):
        CreateRfqBatch("req", (Child(M), Child(N)), contracts=100, rest_remainder=True)
    with pytest.raises(Refused):
        CreateRfqBatch("req", (Child(M),), contracts=100)  # 2 to 57 children
    with pytest.raises(Refused):
        CreateRfqBatch("req", (Child(M, contracts=100), Child(N, target_cost=10**6)))  # sized two ways
    with pytest.raises(Refused):
        CreateRfqBatch("req", (Child(M, contracts=100, target_cost=10**6), Child(N, contracts=100, target_cost=10**6)))


def test_deleting_a_batch_or_its_market_closing_closes_it_and_cancels_its_quotes(ledger: Ledger):
    batch_id, (a, b) = batch(ledger)
    made = bq(ledger, "mk1", batch_id, {a: (4000, 0), b: (3000, 0)})
    ledger.rfq_batches.delete_rfq_batch(DeleteRfqBatch("req", batch_id))
    assert ledger.rfq_batches.batch(batch_id).close_reason == "cancelled"
    assert ledger.state.rfq_batches.batch_quotes[made].status == "cancelled"
    assert best(ledger, batch_id) == [(None, None), (None, None)]
    other, _ = batch(ledger)
    ledger.lifecycle.set_close_time(N, None)  # closes now
    assert ledger.rfq_batches.batch(other).close_reason == "market closed"


def test_the_control_plane_runs_each_command_and_reads():
    with MockServer(clock=ManualClock(T0)) as mock:
        for user in USERS:
            mock.create_account(user, balance_cents=100_000)
        for ticker in (M, N):
            mock.create_market(ticker)
        made = mock.create_rfq_batch("req", [{"market_ticker": M}, {"market_ticker": N}], contracts="10")
        batch_id = made["rfq_batch_id"]
        a, b = (child["rfq_id"] for child in made["rfqs"])
        quote = mock.create_batch_quote(
            "mk1",
            batch_id,
            [{"rfq_id": a, "yes_bid": "0.46", "no_bid": "0"}, {"rfq_id": b, "yes_bid": "0.3", "no_bid": "0"}],
            False,
        )
        shown = mock.rfq_batch_best_quotes(batch_id)
        assert [child["yes_bid"] for child in shown["children"]] == ["0.4600", "0.3000"] and shown["yes_complete"]
        accepted = mock.accept_rfq_batch("req", batch_id, "yes", [{"rfq_id": a, "bid": "0.46"},
                                                                  {"rfq_id": b, "bid": "0.3"}])  # fmt: skip
        assert [row["status"] for row in accepted] == ["accepted", "accepted"]
        with pytest.raises(ControlError):
            mock.delete_rfq_batch("req", batch_id)  # accepted: it executes or expires as a unit
        mock.confirm_batch_quote("mk1", batch_id, quote["batch_quote_id"])
        mock.advance_clock(seconds=15)
        [done] = mock.rfq_batches(user_id="req")["rfq_batches"]
        assert (done["status"], done["close_reason"], done["executed_rfq_ids"]) == ("closed", "executed", [a, b])
        assert mock.batch_quotes(batch_id, "mk1")["batch_quotes"][0]["status"] == "executed"


def test_a_user_holds_two_open_batches_apart_from_its_single_rfqs(ledger: Ledger, monkeypatch: pytest.MonkeyPatch):
    """At most 2 open batches a user (409 `too_many_rfqs`, nothing made); an accepted one no longer counts; single RFQs
    count apart (a user whose single RFQs are at their bound still asks a batch, and one whose batches are still asks
    a single RFQ); `replace_existing` closes the oldest open batch to make room."""
    monkeypatch.setattr(communications_module, "MAX_OPEN_RFQS", 1)
    for ticker in ("KXORD-26NOV-C", "KXORD-26NOV-D"):
        ledger.catalogue.list_market(ticker)
    ledger.communications.create_rfq(CreateRfq("req", "KXORD-26NOV-C", False, contracts=100))  # its single RFQs: full
    first, _ = batch(ledger, M, N)
    second, (a, b) = batch(ledger, M, "KXORD-26NOV-C")
    assert refused(ledger, lambda: batch(ledger, N, "KXORD-26NOV-D")) == (409, "too_many_rfqs")
    bq(ledger, "mk1", second, {a: (4000, 0), b: (3000, 0)})
    accept(ledger, second, {a: 4000, b: 3000})  # accepted: it no longer counts
    third, _ = batch(ledger, N, "KXORD-26NOV-D")
    assert refused(ledger, lambda: batch(ledger, M, "KXORD-26NOV-D")) == (409, "too_many_rfqs")
    fourth, _ = batch(ledger, M, "KXORD-26NOV-D", replace_existing=True)
    statuses = {made: ledger.rfq_batches.batch(made).status for made in (first, second, third, fourth)}
    assert statuses == {first: "closed", second: "accepted", third: "open", fourth: "open"}
    assert ledger.rfq_batches.batch(first).close_reason == "cancelled"
    with pytest.raises(LedgerError) as caught:
        ledger.communications.create_rfq(CreateRfq("req", "KXORD-26NOV-D", False, contracts=100))
    assert caught.value.code == "too_many_rfqs"  # (its single RFQ's bound, not its batches')


def test_a_batchs_children_draw_on_six_legs_at_most_all_on_one_exchange_index(ledger: Ledger):
    tickers = [f"KXLEG-26NOV-{i}" for i in range(7)]
    for ticker in tickers:
        ledger.catalogue.list_market(ticker)
    ledger.catalogue.list_market("KXTWO-26NOV-A", exchange_index=1)
    assert refused(ledger, lambda: batch(ledger, *tickers)) == (400, "invalid_parameters")  # 7 legs
    assert refused(ledger, lambda: batch(ledger, M, "KXTWO-26NOV-A")) == (400, "invalid_parameters")
    made = ledger.rfq_batches.batch(batch(ledger, *tickers[:6])[0])
    assert len(made.rfq_ids) == 6


def _costs(side_bids: tuple[int, int], count: int = 1000) -> int:
    """What accepting YES on two children of these bids costs their creator: each at $1 less its bid, and its fee."""
    fee = QuadraticFee()
    return sum(count * (10_000 - bid) + fee.fee_units(count, 10_000 - bid, True) for bid in side_bids)


def test_the_accept_and_the_fill_or_kill_count_every_childs_cost_together(ledger: Ledger):
    """The creator's cash must cover the children's costs added up (one child's alone is not enough), to the
    micro-dollar: at the accept, and again at the execution, where each maker's cash must cover its children's bids."""
    batch_id, (a, b) = batch(ledger)
    made = bq(ledger, "mk1", batch_id, {a: (4600, 0), b: (3000, 0)})
    both = _costs((4600, 3000))
    ledger.state.accounts["req"].cash[(0, 0)] = both - 1
    assert refused(ledger, lambda: accept(ledger, batch_id, {a: 4600, b: 3000})) == (400, "insufficient_balance")
    ledger.state.accounts["req"].cash[(0, 0)] = both  # (exactly enough)
    accept(ledger, batch_id, {a: 4600, b: 3000})
    confirm(ledger, "mk1", batch_id, made)
    ledger.state.accounts["req"].cash[(0, 0)] = both - 1  # (short at the execution: every child fails)
    advance(ledger, 15)
    done = ledger.rfq_batches.batch(batch_id)
    assert (done.close_reason, done.failed_rfq_ids, len(ledger.state.fills)) == ("execution failed", (a, b), 0)


def test_a_makers_cash_covers_all_its_children_and_a_closed_market_fails_the_execution(ledger: Ledger):
    for short in (True, False):
        batch_id, (a, b) = batch(ledger, contracts=100)
        made = bq(ledger, "mk2", batch_id, {a: (4600, 0), b: (3000, 0)})
        accept(ledger, batch_id, {a: 4600, b: 3000})
        confirm(ledger, "mk2", batch_id, made)
        ledger.state.accounts["mk2"].cash[(0, 0)] = 100 * (4600 + 3000) - (1 if short else 0)
        advance(ledger, 15)
        reason = ledger.rfq_batches.batch(batch_id).close_reason
        assert reason == ("execution failed" if short else "executed"), short
    batch_id, (a, b) = batch(ledger, contracts=100)
    made = bq(ledger, "mk1", batch_id, {a: (4600, 0), b: (3000, 0)})
    accept(ledger, batch_id, {a: 4600, b: 3000})
    confirm(ledger, "mk1", batch_id, made)
    fills = len(ledger.state.fills)
    ledger.lifecycle.pause_market(N)  # (a child's market not trading when the batch executes)
    advance(ledger, 15)
    done = ledger.rfq_batches.batch(batch_id)
    assert (done.close_reason, len(ledger.state.fills)) == ("execution failed", fills)


def test_a_child_priced_twice_or_bid_twice_is_refused_though_every_child_is_named(ledger: Ledger):
    batch_id, (a, b) = batch(ledger)
    thrice = (QuoteEntry(a, 4000, 0), QuoteEntry(a, 4000, 0), QuoteEntry(b, 3000, 0))
    parts = ledger.rfq_batches
    assert refused(ledger, lambda: parts.create_batch_quote(CreateBatchQuote("mk1", batch_id, thrice, False))) == (
        400, "invalid_parameters")  # fmt: skip
    bq(ledger, "mk1", batch_id, {a: (4000, 0), b: (3000, 0)})
    mins = (MinBid(a, 4000), MinBid(a, 4000), MinBid(b, 3000))
    assert refused(ledger, lambda: parts.accept_rfq_batch(AcceptRfqBatch("req", batch_id, "yes", mins))) == (
        400, "invalid_parameters")  # fmt: skip


def test_a_childs_rfq_is_one_of_the_batch_with_its_terms(ledger: Ledger):
    made = ledger.rfq_batches.create_rfq_batch(CreateRfqBatch(
        "req", (Child(M), Child(N)), target_cost=10**6, target_cost_excludes_fees=True))  # fmt: skip
    children = ledger.rfq_batches.children(ledger.rfq_batches.batch(made.rfq_batch_id))
    assert [(rfq.rest_remainder, rfq.target_cost_excludes_fees, rfq.created_ts == rfq.updated_ts, rfq.rfq_batch_id)
            for rfq in children] == [(False, True, True, made.rfq_batch_id)] * 2  # fmt: skip
