"""Rows a batch opens in the markets it lists are the rows the fills made one at a time open: the same rows,
versions, event roll-ups, books, cash and REST pages, for many markets per event (past the long-event list), tickers
out of order, events already held, several owners and another exchange index."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockexchange.core.kalshi.new_fill import NewFill
from tests.test_bulk_fills import new_app, pages, state_of

PRICES = [Decimal(v) for v in ("0.5", "0.01", "0.99", "0.4321", "0.07")]
COUNTS = [Decimal(v) for v in ("1", "2.5", "10.00", "37", "0.01")]


def fills_for(spec: list[tuple[int, int, int, int, int, int, bool]]) -> list[NewFill]:
    made = []
    for event, market, user, sub, count, price, sell in spec:
        ticker = f"KXE{event}-M{market:04d}"
        made.append(
            NewFill(
                ("alice", "bob")[user], ticker, "yes" if price % 2 else "no", "sell" if sell else "buy",
                COUNTS[count], PRICES[price], (0, 3)[sub], event_ticker=f"KXE{event}",
            )
        )  # fmt: skip
    return made


fill_spec = st.tuples(
    st.integers(0, 3), st.integers(0, 40), st.integers(0, 1), st.integers(0, 1), st.integers(0, 4), st.integers(0, 4),
    st.booleans(),
)  # fmt: skip


def same(fills: list[NewFill], cuts: list[int]) -> None:
    one, batched = new_app(), new_app()
    for fill in fills:
        one.ledger.filling.apply_fill(**fill._asdict())
    bounds = [0, *sorted(c for c in set(cuts) if 0 < c < len(fills)), len(fills)]
    for start, stop in zip(bounds, bounds[1:], strict=False):
        batched.ledger.filling.apply_fills(fills[start:stop])
    assert state_of(batched) == state_of(one)
    ours, theirs = batched.ledger.state.positions, one.ledger.state.positions
    assert [r.version for r in ours.all_rows()] == [r.version for r in theirs.all_rows()]
    assert ours.version == theirs.version
    assert pages(batched) == pages(one)
    for user in ("alice", "bob"):
        for sub in (0, 3):
            for status in ("unsettled", "settled", "all"):
                assert [r.snapshot() for r in ours.walk(user, sub, status)] == [
                    r.snapshot() for r in theirs.walk(user, sub, status)
                ]


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=st.lists(fill_spec, min_size=1, max_size=80), cuts=st.lists(st.integers(0, 80), max_size=3))
def test_rows_written_at_once_are_the_rows_made_one_at_a_time(spec: list[Any], cuts: list[int]):
    same(fills_for(spec), cuts)


def test_an_event_past_the_long_list_and_tickers_out_of_order():
    order = list(range(700))
    order = order[350:] + order[:350]  # the second half first: tickers arrive out of key order
    fills = [NewFill("alice", f"KXLONG-M{m:04d}", "yes", "buy", Decimal(1), Decimal("0.5"), event_ticker="KXLONG")
             for m in order]  # fmt: skip
    same(fills, [200, 600])


def test_an_event_held_before_the_batch_and_another_exchange_index():
    fills = [NewFill("bob", f"KXGDP-Q3-M{m}", "no", "buy", Decimal(3), Decimal("0.25"), event_ticker="KXGDP-Q3")
             for m in range(12)]  # fmt: skip
    same(fills, [5])


def test_an_event_on_many_exchange_indexes():
    """An event whose rows are on 40 exchange indexes: its running totals hold a part per index and count mask."""
    fills = [NewFill("alice", f"KXPARTS-X{k}", "yes", "buy", Decimal(1), Decimal("0.5"), event_ticker="KXPARTS")
             for k in range(40)]  # fmt: skip
    one, batched = new_app(), new_app()
    for app in (one, batched):
        for k in range(40):
            app.control.create_market(f"KXPARTS-X{k}", "KXPARTS", exchange_index=k)
    for fill in fills:
        one.ledger.filling.apply_fill(**fill._asdict())
    batched.ledger.filling.apply_fills(fills)
    assert state_of(batched) == state_of(one) and pages(batched) == pages(one)
    rollup = batched.ledger.state.positions.event_rollup("alice", 0, "unsettled", "KXPARTS")
    assert (rollup.total_cost, rollup.total_cost_shares) == (Decimal(20), Decimal(40))
