"""Rows a batch opens in the markets it lists are written at once (`PositionStore.open_rows`) when nobody takes the
batch's changes: the same rows, versions, event roll-ups, books, cash and REST pages as the fills made one at a time,
for many markets per event (past the long-event list), tickers out of order, events already held, several owners,
another exchange index, and totals that outgrow their units (then the rows go in one by one, as before)."""

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
        one.ledger.apply_fill(**fill._asdict())
    bounds = [0, *sorted(c for c in set(cuts) if 0 < c < len(fills)), len(fills)]
    for start, stop in zip(bounds, bounds[1:], strict=False):
        batched.ledger.apply_fills(fills[start:stop])
    assert state_of(batched) == state_of(one)
    ours, theirs = batched.ledger.positions, one.ledger.positions
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


def in_full_parts(fresh: list[NewFill]) -> tuple[Any, Any, list[bool]]:
    """Two mocks whose event KXPARTS's totals hold their 32 parts; `fresh` made in it one at a time in the first and
    as a batch in the second: (one, batched, what `open_rows` answered in the batch)."""
    held = [NewFill("alice", f"KXPARTS-X{k}", "yes", "buy", Decimal(1), Decimal("0.5"), event_ticker="KXPARTS")
            for k in range(1, 33)]  # fmt: skip
    one, batched = new_app(), new_app()
    for app in (one, batched):
        for k in range(1, 33):
            app.control.create_market(f"KXPARTS-X{k}", "KXPARTS", exchange_index=k)
        for fill in held:
            app.ledger.apply_fill(**fill._asdict())
    for fill in fresh:
        one.ledger.apply_fill(**fill._asdict())
    opened = batched.ledger.positions.open_rows
    refused: list[bool] = []
    batched.ledger.positions.open_rows = lambda *a: refused.append(opened(*a)) or refused[-1]  # type: ignore[method-assign]
    batched.ledger.apply_fills(fresh)
    return one, batched, refused


def test_an_event_whose_totals_hold_no_more_parts_takes_its_rows_one_by_one():
    """An event's totals hold at most 32 parts (exchange index and mask): one already full turns to exact roll-ups
    when a row of a new part comes, and a batch's rows there go in one by one, as each fill would make them."""
    fresh = [NewFill("alice", f"KXPARTS-M{m}", "no", "buy", Decimal(2), Decimal("0.3"), event_ticker="KXPARTS")
             for m in range(5)]  # fmt: skip
    one, batched, refused = in_full_parts(fresh)
    assert refused == [False]  # the store declined, and the rows went in one by one
    assert state_of(batched) == state_of(one)
    assert pages(batched) == pages(one)


def test_a_row_of_zeros_takes_no_part_of_its_events_totals():
    """As `open_filled` (and `_add_share`) leave it: a share of zeros adds no part to the event's totals."""
    from datetime import UTC, datetime

    from mockexchange.core.kalshi.markets import Market
    from mockexchange.core.kalshi.store import PositionStore

    when = datetime(2026, 11, 1, tzinfo=UTC)
    places = [Market("KXZ-A", "KXZ"), Market("KXZ-B", "KXZ")]
    cells = [[32] * 6, [1 * 64 + 32, 64 * 10**6 + 26, 64 + 32, 32, 32, 64 + 32]]
    shares = [(0, 0, 0, 0, 0, 0, 0, 0), (0, 3, 10**6, 100, 10**6, 0, 0, 0)]
    one, many = PositionStore(), PositionStore()
    for place, codes, share in zip(places, cells, shares, strict=True):
        one.open_filled("u", 0, place, when, terms=(codes, share), snapshot=False)
    assert many.open_rows("u", 0, when, places, [c for codes in cells for c in codes], shares)
    assert [r.snapshot() for r in many.all_rows()] == [r.snapshot() for r in one.all_rows()]
    assert many._books[(0, "unsettled")].rows["KXZ"].totals == one._books[(0, "unsettled")].rows["KXZ"].totals
