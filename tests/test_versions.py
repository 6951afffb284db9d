"""Versioned reads in core (mockexchange/core/versions.py): a read of the ledger as of a past time equals a snapshot of
the ledger taken at that time, whatever it did since; the history stays bounded; nothing is kept without a lag."""

from __future__ import annotations

from dataclasses import astuple
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi.account_commands import SeedTransfer
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.row_filter import RowFilter
from mockexchange.core.versions import ABSENT, History
from mockexchange.venues.kalshi.balance import portfolio_value

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
LAG = timedelta(seconds=1)
USERS = ("u", "v")
TICKERS = ["E1-A", "E1-B", "E2-A", "E2-B", "E3-A"]
EVENTS = ("E1", "E2", "E3")
FILTERS = [None, RowFilter.of(["position"], None), RowFilter.of(["resting_order_count"], None), RowFilter.of([], 1)]
SIDES, ACTIONS = st.sampled_from(["yes", "no"]), st.sampled_from(["buy", "sell"])
step = st.one_of(
    st.tuples(st.just("fill"), st.sampled_from(USERS), st.sampled_from(TICKERS), SIDES, ACTIONS, st.integers(1, 500),
              st.integers(1, 99), st.integers(0, 1)),
    st.tuples(st.just("order"), st.sampled_from(USERS), st.sampled_from(TICKERS), st.integers(1, 500),
              st.integers(0, 1)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("settle"), st.sampled_from(TICKERS), st.sampled_from(["yes", "no"])),
    st.tuples(st.just("deposit"), st.sampled_from(USERS), st.integers(1, 10_000)),
    st.tuples(st.just("advance"), st.sampled_from([0, 1, 250, 999, 1000, 1001, 3000])),
)  # fmt: skip


def run(ledger: Ledger, clock: ManualClock, s: tuple[Any, ...]) -> None:
    try:
        if s[0] == "fill":
            _, user, ticker, side, action, count, cents, sub = s
            ledger.filling.apply_fill(user, ticker, side, action, D(count) / 100, D(cents) / 100, subaccount=sub)
        elif s[0] == "order":
            _, user, ticker, count, sub = s
            ledger.trading.place_order(user, ticker, "yes", "buy", D(count) / 100, D("0.5"), subaccount=sub)
        elif s[0] == "cancel" and ledger.state.orders:
            ledger.trading.cancel_order(sorted(ledger.state.orders)[s[1] % len(ledger.state.orders)])
        elif s[0] == "settle":
            ledger.lifecycle.settle_market(s[1], s[2])
        elif s[0] == "deposit":
            ledger.transfer(SeedTransfer("deposit", s[1], s[2]))
        elif s[0] == "advance":
            clock.advance(delta=timedelta(milliseconds=s[1]))
    except LedgerError:
        pass  # a settled or unknown market: refused whole, nothing changed


def view(ledger: Ledger, as_of: datetime | None) -> dict[str, Any]:
    """Everything the lagged reads render, as plain values: rows, roll-ups, pages, cash, portfolio value, lists."""
    seen: dict[str, Any] = {}
    for user in USERS:
        account = ledger.account_as_of(user, as_of)
        seen[f"cash {user}"] = (sorted(account.cash.items()), sorted(account.updated.items()))
        for sub in (0, 1):
            seen[f"value {user} {sub}"] = portfolio_value(ledger, user, sub, None, as_of)
            for status in ("unsettled", "settled", "all"):
                rows = ledger.state.positions.walk(user, sub, status, as_of=as_of)
                seen[f"rows {user} {sub} {status}"] = [astuple(r) for r in rows]
                for event in EVENTS:
                    for keep in FILTERS:
                        rollup = ledger.state.positions.event_rollup(user, sub, status, event, keep=keep, as_of=as_of)
                        seen[f"rollup {user} {sub} {status} {event} {keep}"] = astuple(rollup)
                    one = ledger.state.positions.event_rollup(
                        user, sub, status, event, ticker=f"{event}-A", as_of=as_of
                    )
                    seen[f"rollup {user} {sub} {status} {event}-A"] = astuple(one)
                for keep in FILTERS:  # pages of 2, resumed after each page's last key, filtered
                    pages, after = [], None
                    while True:
                        rows, more = ledger.state.positions.page(
                            user, sub, status, 2, after=after, keep=keep, as_of=as_of
                        )
                        pages.append([r.key for r in rows])
                        if not more:
                            break
                        after = rows[-1].key
                    seen[f"pages {user} {sub} {status} {keep}"] = pages
                seen[f"events {user} {sub} {status}"] = [
                    r.key
                    for r in ledger.state.positions.walk(user, sub, status, event_ticker=["E3", "E1"], as_of=as_of)
                ]
        for name, index in (("fills", ledger.state.fill_index), ("settlements", ledger.state.settlements)):
            found, _ = index.page(user, 1000, as_of=as_of)
            seen[f"{name} {user}"] = [key for key, _ in found]
    return seen


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(st.lists(step, max_size=40))
def test_a_read_as_of_a_time_equals_the_ledger_as_it_was_then(steps):
    clock = ManualClock(T0)
    ledger = Ledger(clock=clock)
    ledger.set_lag(LAG)
    for user in USERS:
        ledger.open_account(user, balance=D(100))
    ledger.catalogue.list_market("E1-B", exchange_index=1)
    then: dict[datetime, dict[str, Any]] = {clock.now(): view(ledger, None)}
    for s in steps:
        run(ledger, clock, s)
        then[clock.now()] = view(ledger, None)  # the state once every change of this instant is made
    exact = ledger.state.history.exact_from
    for when, expected in then.items():
        if exact is None or when >= exact:
            assert view(ledger, when) == expected, when


def test_a_row_created_since_is_absent_and_one_settled_since_is_unsettled():
    clock = ManualClock(T0)
    ledger = Ledger(clock=clock)
    ledger.set_lag(LAG)
    ledger.open_account("u")
    ledger.filling.apply_fill("u", "E1-A", "yes", "buy", D(2), D("0.4"))
    before = clock.now()
    clock.advance(0.5)
    ledger.filling.apply_fill("u", "E1-B", "yes", "buy", D(3), D("0.5"))
    ledger.lifecycle.settle_market("E1-A", "yes")
    assert [r.ticker for r in ledger.state.positions.walk("u", 0, "all", as_of=before)] == ["E1-A"]
    assert [r.ticker for r in ledger.state.positions.walk("u", 0, "unsettled", as_of=before)] == ["E1-A"]
    assert list(ledger.state.positions.walk("u", 0, "settled", as_of=before)) == []
    assert [r.ticker for r in ledger.state.positions.walk("u", 0, "settled")] == ["E1-A"]
    assert ledger.last_price_as_of("E1-B", before) is None and ledger.last_price_as_of("E1-B", None) == D("0.5")
    # 2 x 0.4, and a fee of 0.07 x 2 x 0.4 x 0.6
    assert ledger.account_as_of("u", before).balance() == D("-0.8") - D("0.0336")


def test_an_account_not_open_yet_has_no_cash_and_its_opening_time():
    clock = ManualClock(T0)
    ledger = Ledger(clock=clock)
    ledger.set_lag(LAG)
    clock.advance(0.25)
    ledger.open_account("late", balance=D(50))
    account = ledger.account_as_of("late", T0)
    assert account.balance() == 0 and account.breakdown() == {0: 0} and account.updated == {0: clock.now()}
    assert ledger.account_as_of("late", clock.now()).balance() == 50


def test_the_history_stays_bounded_by_the_changes_of_one_lag():
    clock = ManualClock(T0)
    ledger = Ledger(clock=clock)
    ledger.set_lag(LAG)
    ledger.open_account("u", balance=D(10**6))
    most = 0
    for n in range(5_000):  # a fill every 10 ms: 100 fills a lag, each 3 records (row, cash, price), + the first row
        ledger.filling.apply_fill("u", TICKERS[n % len(TICKERS)], "yes", "buy" if n % 2 else "sell", D(1), D("0.5"))
        clock.advance(0.01)
        most = max(most, len(ledger.state.history))
    assert most <= 3 * 101 + len(TICKERS) + 1
    assert len(ledger.state.history) == 3 * 100  # the last second's fills
    clock.advance(5)
    ledger.as_of()  # a read prunes too
    assert len(ledger.state.history) == 0 and ledger.state.history._changes == {}


def test_no_lag_keeps_nothing_and_dropping_the_lag_drops_the_history():
    clock = ManualClock(T0)
    ledger = Ledger(clock=clock)
    ledger.open_account("u")
    ledger.filling.apply_fill("u", "E1-A", "yes", "buy", D(2), D("0.4"))
    assert len(ledger.state.history) == 0 and ledger.as_of() is None and ledger.lag == timedelta(0)
    ledger.set_lag(LAG)
    ledger.filling.apply_fill("u", "E1-A", "yes", "buy", D(2), D("0.4"))
    assert len(ledger.state.history) > 0 and ledger.as_of() == T0 - LAG
    ledger.set_lag(timedelta(0))
    assert len(ledger.state.history) == 0 and ledger.as_of() is None


def test_a_lag_set_at_run_time_shows_what_was_made_before_it_at_once():
    # The history begins when the lag is set: what was made before shows (rows, cash, fills), what is made after lags.
    clock = ManualClock(T0)
    ledger = Ledger(clock=clock)
    ledger.open_account("u", balance=D(10))
    ledger.filling.apply_fill("u", "E1-A", "yes", "buy", D(2), D("0.4"))
    ledger.set_lag(LAG)
    ledger.filling.apply_fill("u", "E1-B", "yes", "buy", D(1), D("0.4"))
    as_of = ledger.as_of()
    assert [r.ticker for r in ledger.state.positions.walk("u", 0, "all", as_of=as_of)] == ["E1-A"]
    assert len(ledger.state.fill_index.page("u", 10, as_of=as_of)[0]) == 1
    assert ledger.account_as_of("u", as_of).balance() == D(10) - D("0.8") - D("0.0336")


def test_a_raised_lag_answers_no_further_back_than_the_history_kept():
    clock = ManualClock(T0)
    ledger = Ledger(clock=clock)
    ledger.set_lag(LAG)
    ledger.open_account("u")
    for _ in range(4):
        ledger.filling.apply_fill("u", "E1-A", "yes", "buy", D(1), D("0.4"))
        clock.advance(1)
    # Records of T0 and T0+1s were dropped by the fills at T0+2s and T0+3s: a 10 s lag answers as of T0+2s at most.
    ledger.set_lag(timedelta(seconds=10))
    assert ledger.state.history.exact_from == T0 + timedelta(seconds=2)
    as_of = ledger.as_of()
    assert as_of == T0 + timedelta(seconds=2)
    [row] = ledger.state.positions.walk("u", 0, "all", as_of=as_of)
    assert row.volume == 3 and len(ledger.state.fill_index.page("u", 10, as_of=as_of)[0]) == 3


def test_the_history_itself():
    history = History()
    history.record("o", "x", 1, T0)
    assert len(history) == 0, "no window: nothing is recorded"
    history.keep(LAG, T0)
    history.record("o", "x", ABSENT, T0)
    history.record("o", "x", 1, T0 + timedelta(milliseconds=500))
    history.record("o", "y", 7, T0 + timedelta(milliseconds=600))
    assert history.then("o", "x", T0 - LAG) == (T0, ABSENT)
    assert history.then("o", "x", T0) == (T0 + timedelta(milliseconds=500), 1)
    assert history.then("o", "x", T0 + LAG) is None
    assert history.changed("o", T0) == {"x": 1, "y": 7}
    assert history.changed("o", T0 + timedelta(milliseconds=550)) == {"y": 7}
    history.record("o", "y", 8, T0 + timedelta(milliseconds=1500))  # drops the records of T0 and T0+0.5 s
    assert len(history) == 2 and history.exact_from == T0 + timedelta(milliseconds=500)
    assert history.changed("o", T0 + timedelta(milliseconds=550)) == {"y": 7}
    history.keep(None, T0)
    assert len(history) == 0 and history.exact_from is None and not history.keeping
