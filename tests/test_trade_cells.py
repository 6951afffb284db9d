"""A batch's later fill in a row that waits to be written is worked out where it waits, in integers
(`store.trade_cells`): the same codes (value, sign and exponent) and cash as the Decimal way `apply_fill` takes, or a
decline; and a batch of such fills leaves the same rows, versions, roll-ups, cash and pages as the fills one at a time,
at any precision, also where the store writes the rows one by one."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockexchange.core.columns import encode
from mockexchange.core.kalshi import positions
from mockexchange.core.kalshi.batch import _opening
from mockexchange.core.kalshi.cells import trade_cells
from mockexchange.core.kalshi.new_fill import NewFill
from mockexchange.core.money import quantize_dollars
from tests.test_bulk_fills import pages, state_of
from tests.test_bulk_rows import in_full_parts, same

counts = st.builds(Decimal, st.sampled_from(["1", "2.5", "10.00", "1E+1", "0.01", "37", "100", "99999.99", "1.000"]))
prices = st.builds(Decimal, st.sampled_from(["0.5", "0.50", "0.01", "0.99", "0.4321", "0.333333", "0.1234567", "5E-1"]))
fees = st.builds(Decimal, st.sampled_from(["0", "0.00", "0.0175", "0.000001", "1.5", "0E-3", "0.0100000", "2"]))
sides, actions = st.sampled_from(["yes", "no"]), st.sampled_from(["buy", "sell"])


def decimal_way(amounts: tuple[Decimal, ...], side: str, action: str, count: Decimal, price: Decimal, fee: Decimal):
    """What `Ledger._apply_batch` (and `apply_fill`) make of a fill in a held row, in Decimal."""
    held, exposure, traded, realized, fees_paid, volume = amounts
    delta, yes_price = positions.yes_terms(side, action, count, price)
    buys_yes = delta > 0
    result = positions.trade(held, exposure, delta, yes_price)
    after = (
        result.position, quantize_dollars(result.exposure),
        traded + count * (yes_price if buys_yes else 1 - yes_price), realized + result.realized, fees_paid + fee,
        volume + count,
    )  # fmt: skip
    return after, result.cash


@settings(max_examples=600, deadline=None)
@given(
    first=st.tuples(sides, actions, counts, prices, fees),
    then=st.tuples(sides, actions, counts, prices, fees),
    exchange_index=st.sampled_from([0, 2]),
    precision=st.sampled_from([28, 12, 9, 7, 5]),
)
def test_integer_cells_equal_the_decimal_way_or_decline(first, then, exchange_index, precision):
    side, action, count, price, fee = then
    with localcontext(prec=precision):
        try:
            _, _, amounts, _, _ = _opening(*first, exchange_index)
            after, cash = decimal_way(amounts, side, action, count, price, fee)
            expected: Any = ([encode(a) for a in after], encode(cash))
        except InvalidOperation:  # the Decimal way cannot hold it at this precision: the integers must not either
            amounts, expected = None, None
        if amounts is None or None in [encode(a) for a in amounts]:
            return
        yes_price = price if side == "yes" else 1 - price
        buys_yes = (side == "yes") == (action == "buy")
        codes = [encode(a) for a in amounts]
        cells = trade_cells(codes, encode(count), encode(yes_price), buys_yes, encode(fee), exchange_index, precision)  # type: ignore[arg-type]
    if cells is not None:
        assert expected is not None
        assert (cells[0], cells[2]) == expected


def test_the_usual_closes_and_adds_take_the_integer_way():
    """Seeding's own trades (whole counts, cent prices; a row added to, or closed whole) never fall back; a part
    closed or a side flipped always does."""
    opened = _opening("yes", "buy", Decimal(10), Decimal("0.45"), Decimal("0.0175"), 0)[2]
    codes = [encode(a) for a in opened]
    fee = encode(Decimal("0.07"))
    for side, action, count, closes in (("yes", "buy", 5, True), ("yes", "sell", 10, True), ("no", "buy", 10, True),
                                        ("yes", "sell", 4, False), ("no", "buy", 11, False)):  # fmt: skip
        price = Decimal("0.62")
        yes = price if side == "yes" else 1 - price
        buys_yes = (side == "yes") == (action == "buy")
        cells = trade_cells(codes, encode(Decimal(count)), encode(yes), buys_yes, fee, 0, 28)  # type: ignore[arg-type]
        assert (cells is not None) == closes, (side, action, count)


fold_spec = st.tuples(
    st.integers(0, 15), st.sampled_from([0, 0, 0, 0, 0, 1]), sides, actions, st.integers(0, 4), st.integers(0, 4)
)  # market, user (mostly one: a batch's rows wait for one owner at a time), side, action, count, price
FOLD_COUNTS = [Decimal(v) for v in ("1", "2.5", "10.00", "1E+1", "0.01")]
FOLD_PRICES = [Decimal(v) for v in ("0.5", "0.01", "0.99", "0.4321", "5E-1")]


def fold_fills(spec: list[tuple[Any, ...]]) -> list[NewFill]:
    return [
        NewFill(("alice", "bob")[user], f"KXF{market % 2}-M{market}", side, action, FOLD_COUNTS[count],
                FOLD_PRICES[price], event_ticker=f"KXF{market % 2}")
        for market, user, side, action, count, price in spec
    ]  # fmt: skip


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spec=st.lists(fold_spec, min_size=1, max_size=60),
    cuts=st.lists(st.integers(0, 60), max_size=2),
    precision=st.sampled_from([28, 12]),
)
def test_a_batch_trading_its_own_new_rows_again_makes_the_same_state(spec, cuts, precision):
    """Few markets, so a batch trades the rows it opened again and again (adds, closes, parts closed, sides
    flipped): the same state as one fill at a time, row versions and the store's version included."""
    with localcontext(prec=precision):
        same(fold_fills(spec), cuts)


def test_rows_changed_while_they_waited_keep_their_versions_when_the_store_takes_them_one_by_one():
    """Where the store declines to write the waiting rows at once (an event's totals hold no more parts), they go in
    one by one, and each keeps the version the fills one at a time give it."""
    fresh = []
    for m in range(4):
        ticker = f"KXPARTS-M{m}"
        fresh += [
            NewFill("alice", ticker, "no", "buy", Decimal(2), Decimal("0.3"), event_ticker="KXPARTS"),
            NewFill("alice", ticker, "no", "buy", Decimal(1), Decimal("0.4"), event_ticker="KXPARTS"),
        ]
    fresh.append(NewFill("alice", "KXPARTS-M1", "no", "sell", Decimal(3), Decimal("0.6"), event_ticker="KXPARTS"))
    one, batched, refused = in_full_parts(fresh)
    assert refused == [False]  # the store declined, and the rows went in one by one
    assert state_of(batched) == state_of(one)
    assert pages(batched) == pages(one)
    ours, theirs = batched.ledger.positions, one.ledger.positions
    assert [r.version for r in ours.all_rows()] == [r.version for r in theirs.all_rows()]
    assert ours.version == theirs.version


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    trades=st.lists(
        st.tuples(sides, st.integers(0, 4), st.integers(0, 4), st.integers(0, 4), st.integers(0, 4), st.booleans()),
        min_size=1,
        max_size=12,
    ),
    precision=st.sampled_from([28, 12]),
)
def test_rows_opened_added_to_and_closed_whole_in_one_batch(trades, precision):
    """Seeding's own pattern, market after market: open, add, then (or not) sell all of it: every later fill is
    worked out where its row waits (each count and price at its own exponent)."""
    fills = []
    for m, (side, first, more, price, close_price, closes) in enumerate(trades):
        ticker = f"KXS-M{m}"
        held = FOLD_COUNTS[first] + FOLD_COUNTS[more]
        fills += [
            NewFill("alice", ticker, side, "buy", FOLD_COUNTS[first], FOLD_PRICES[price], event_ticker="KXS"),
            NewFill("alice", ticker, side, "buy", FOLD_COUNTS[more], FOLD_PRICES[close_price], event_ticker="KXS"),
        ]
        if closes:
            fills.append(NewFill("alice", ticker, side, "sell", held, FOLD_PRICES[close_price], event_ticker="KXS"))
    with localcontext(prec=precision):
        same(fills, [])
