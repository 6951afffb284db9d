"""Core's compact state (columns.py, fill_log.py, store.py): amounts go in as Decimals and come out equal, with the
wire's places, an amount finer than its unit is refused, a view equals the record it stands for, and a snapshot of it
reads back through the state file's unpickler."""

from __future__ import annotations

import io
import pickle
import sys
from array import array
from dataclasses import astuple
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockexchange.core.clock import ManualClock, unix_us
from mockexchange.core.columns import Column
from mockexchange.core.ids import IdFactory
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.fill_log import Fill, FillLog, LoggedFill
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.markets import Market
from mockexchange.core.kalshi.row_filter import count_mask
from mockexchange.core.kalshi.rows import COUNT_BITS, EventRollup, MarketPosition
from mockexchange.core.kalshi.store import PositionStore
from mockexchange.core.kalshi.stored_rows import StoredPosition
from mockexchange.core.kalshi.units import UnitError
from mockexchange.core.time_index import TimeIndex
from mockexchange.state.snapshot import _StateUnpickler

T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)


def test_a_column_pickles_as_its_bytes_on_either_byte_order():
    column = Column("q")
    column.extend([1, -2, 3 << 40])
    again = pickle.loads(pickle.dumps(column, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(again) is Column and list(again) == [1, -2, 3 << 40]
    foreign = array("q", column.tobytes())
    foreign.byteswap()  # the bytes another machine's snapshot would hold
    other = "big" if sys.byteorder == "little" else "little"
    assert list(Column("q", foreign.tobytes(), other)) == [1, -2, 3 << 40]


def _fill(**changes) -> Fill:
    values = dict(
        fill_id="6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab", order_id="o-1", user_id="u", subaccount=7, ticker="E-A",
        event_ticker="E", exchange_index=3, side="no", action="sell", count=D("10.00"), price=D("0.5600"),
        yes_price=D("0.4400"), is_taker=False, fee=D("-0"), created=T0, post_position=D("-1E+2"),
        client_order_id="mine",
    )  # fmt: skip
    values.update(changes)
    return Fill(**values)  # type: ignore[arg-type]


def test_a_logged_fill_reads_as_the_fill_appended():
    log = FillLog()
    market = Market("E-A", "E", 3)
    fills = [
        _fill(),
        _fill(order_id="00000000-0000-0000-0000-000000000000", count=D(10**9), post_position=D("123456789.12")),
        _fill(created=datetime(2026, 5, 1, 14, tzinfo=timezone(timedelta(hours=2))), client_order_id=None),
        _fill(side="yes", action="buy", yes_price=D("0.5600"), is_taker=True, fee=D("0.0175"), subaccount=0),
    ]
    for fill in fills:
        log.append(fill, market)
    assert len(log) == 4 and log == fills and list(log) == fills
    for fill, logged in zip(fills, log, strict=True):
        assert isinstance(logged, LoggedFill) and logged == fill and fill == logged and hash(logged) == hash(fill)
        assert logged.created.utcoffset() == fill.created.utcoffset() and logged.no_price == fill.no_price
    # Amounts read with the wire's places, whatever places they were given with (past 32 bits too).
    assert [(str(f.count), str(f.price), str(f.fee), str(f.post_position)) for f in log] == [
        ("10.00", "0.5600", "0.000000", "-100.00"),
        ("1000000000.00", "0.5600", "0.000000", "123456789.12"),
        ("10.00", "0.5600", "0.000000", "-100.00"),
        ("10.00", "0.5600", "0.017500", "-100.00"),
    ]
    assert log[-1] == fills[-1] and log[1:3] == fills[1:3]
    view = log[0]
    log.clear()
    assert len(log) == 0 and view == fills[0]  # a view made before a reset still reads its fill


def test_an_id_that_is_no_drawn_uuid_is_kept_once_however_many_fills_name_it():
    """The house's resting order at a level trades again and again under one id ("house-1"): a log of its fills holds
    that text once, so it is no bigger than a log whose fills name drawn UUIDs (each fill its own) but for that text.
    A UUID whose high 64 bits are all zero is text to the log too, and reads back as written."""
    ids = IdFactory(7)
    market = Market("E-A", "E", 3)
    named, drawn = FillLog(), FillLog()
    for _ in range(2_000):
        named.append(_fill(order_id="house-1"), market)
        drawn.append(_fill(order_id=ids()), market)
    assert {f.order_id for f in named} == {"house-1"} and len({f.order_id for f in drawn}) == 2_000
    assert len(pickle.dumps(named)) <= len(pickle.dumps(drawn)) + 100  # (the one text, kept once)
    log = FillLog()
    odd = ["00000000-0000-0000-0000-000000000005", "o-2", "house-1", "00000000-0000-0000-0000-000000000005"]
    for order_id in odd:
        log.append(_fill(order_id=order_id, fill_id=order_id), market)
    assert [(f.fill_id, f.order_id) for f in log] == [(i, i) for i in odd]
    again = _StateUnpickler(io.BytesIO(pickle.dumps(log, protocol=pickle.HIGHEST_PROTOCOL))).load()
    assert list(again) == list(log)


def test_a_stored_row_reads_and_writes_as_a_market_position():
    store = PositionStore()
    row = store.add(MarketPosition("u", 1, "E-A", "E", 2, T0, position=D("-1.5"), fees_paid=D("0.000001")))
    assert isinstance(row, StoredPosition) and str(row.position) == "-1.50" and str(row.fees_paid) == "0.000001"
    with store.changing(row, T0 + timedelta(seconds=1)):
        row.position = D("-0")
        row.market_exposure = D("12.34")
        row.resting_orders_count = 3
        row.last_updated = datetime(2026, 5, 1, 15, tzinfo=timezone(timedelta(hours=3)))
    snapshot = row.snapshot()
    assert type(snapshot) is MarketPosition and snapshot == row and row == snapshot
    assert str(snapshot.position) == "0.00" and str(snapshot.market_exposure) == "12.340000"
    assert snapshot.last_updated.utcoffset() == timedelta(hours=3) and snapshot.version == row.version > 0
    assert astuple(row) == astuple(snapshot)
    assert store.get("u", 1, "E-A") == snapshot and store.get("u", 0, "E-A") is None
    assert store.event_rollup("u", 1, "unsettled", "E") == EventRollup(
        "E", event_exposure=D("12.34"), fees_paid=D("0.000001"), resting_orders_count=3
    )


def test_a_row_whose_amounts_32_bits_do_not_hold_reads_and_writes_whole():
    store = PositionStore()
    big = D("3000000.000001")  # past 32 bits of micro-dollars
    wide = store.add(MarketPosition("u", 0, "E-A", "E", 0, T0, position=D(5), market_exposure=big))
    narrow = store.add(MarketPosition("u", 0, "E-B", "E", 0, T0, position=D(1), market_exposure=D("0.5")))
    assert wide.market_exposure == big and store.cells(wide)[1] == 3_000_000_000_001 and narrow.position == 1
    with store.changing(narrow):
        narrow.total_traded = big  # a narrow row made wide by one amount
    with store.changing(wide):
        wide.market_exposure = D("0.25")  # and a wide one narrow again
    assert narrow.snapshot().total_traded == big and narrow.position == 1 and wide.market_exposure == D("0.25")
    assert count_mask(narrow) == count_mask(narrow.snapshot()) == COUNT_BITS["position"] | COUNT_BITS["total_traded"]
    store.update(narrow, T0, (-(1 << 31), 0, 0, 0, 0, 0), snapshot=False)  # the marker's value itself
    assert narrow.position == D(-(1 << 31)) / 100 and store.cells(narrow)[0] == -(1 << 31)
    assert store.event_rollup("u", 0, "unsettled", "E").event_exposure == D("0.25")
    again = _StateUnpickler(io.BytesIO(pickle.dumps(store, protocol=pickle.HIGHEST_PROTOCOL))).load()
    assert [r.snapshot() for r in again.all_rows()] == [r.snapshot() for r in store.all_rows()]


def test_an_amount_finer_than_its_unit_is_refused():
    store = PositionStore()
    with pytest.raises(UnitError, match="more than 6 decimal places"):
        store.add(MarketPosition("u", 1, "E-A", "E", 2, T0, fees_paid=D("0.0000001")))
    row = store.add(MarketPosition("u", 1, "E-A", "E", 2, T0))
    with pytest.raises(UnitError, match="more than 2 decimal places"), store.changing(row):
        row.position = D("0.001")
    assert row.position == 0 and store.event_rollup("u", 1, "unsettled", "E") == EventRollup("E")
    ledger = Ledger(clock=ManualClock(T0))
    ledger.open_account("u", balance=D(1000))
    with pytest.raises(LedgerError, match="price has more than 4 decimal places"):
        ledger.filling.apply_fill("u", "E-A", "yes", "buy", D(3), D("0.1234567"))  # through the Python API: 7 places
    with pytest.raises(LedgerError, match="more than 6 decimal places"):
        ledger.open_account("v", balance=D("0.0000001"))
    assert "E-A" not in ledger.state.markets and len(ledger.state.fills) == 0 and "v" not in ledger.state.accounts


def test_a_time_index_keeps_time_order_when_the_clock_goes_back():
    index = TimeIndex()
    keys = [index.add("u", T0 + timedelta(seconds=s), f"r{n}") for n, s in enumerate([5, 5, 1, 9, 1, 5])]
    found, more = index.page("u", 10)
    assert [key for key, _ in found] == sorted(keys, reverse=True) and not more
    assert [record for _, record in found] == ["r3", "r5", "r1", "r0", "r4", "r2"]
    below, more = index.page("u", 2, before=found[1][0])
    assert [key for key, _ in below] == [key for key, _ in found[2:4]] and more
    assert list(index.records("u")) == ["r2", "r4", "r0", "r1", "r5", "r3"]
    version = index.version
    index.clear()
    assert index.version > version and index.page("u", 10) == ([], False)
    assert index.add("u", T0, "again") == (unix_us(T0), 7)  # sequences go on after a clear


def test_a_ledger_in_columns_comes_back_from_a_snapshot_the_same():
    ledger = Ledger(clock=ManualClock(T0), ids=IdFactory(3))
    ledger.open_account("u", balance=D(100))
    ledger.filling.apply_fill("u", "E-A", "yes", "buy", D("2.50"), D("0.40"), order_id="o-1", client_order_id="c")
    ledger.filling.apply_fill("u", "E-B", "no", "buy", D(1), D("0.3"), fee=D("0.001234"))
    ledger.trading.place_order("u", "E-A", "yes", "buy", D(4), D("0.2"))
    ledger.lifecycle.settle_market("E-B", "no")
    state = pickle.dumps({k: v for k, v in vars(ledger.state).items() if k not in ("clock", "bus", "lock", "new_id")})
    again = Ledger(clock=ManualClock(T0))
    vars(again.state).update(_StateUnpickler(io.BytesIO(state)).load())
    assert list(again.state.fills) == list(ledger.state.fills)
    assert [r.snapshot() for r in again.state.positions.all_rows()] == [
        r.snapshot() for r in ledger.state.positions.all_rows()
    ]
    for status in ("unsettled", "settled", "all"):
        assert [astuple(r) for r in again.state.positions.walk("u", 0, status)] == [
            astuple(r) for r in ledger.state.positions.walk("u", 0, status)
        ]
        assert again.state.positions.event_rollup("u", 0, status, "E") == ledger.state.positions.event_rollup(
            "u", 0, status, "E"
        )
    assert again.state.fill_index.page("u", 10) == ledger.state.fill_index.page("u", 10)
    assert again.state.settlements.page("u", 10) == ledger.state.settlements.page("u", 10)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["E1-A", "E1-B", "E2-A"]), st.integers(1, 3000), st.integers(1, 99),
                          st.sampled_from(["yes", "no"]), st.sampled_from(["buy", "sell"])), max_size=30))  # fmt: skip
def test_every_fill_reads_back_as_apply_fill_returned_it(steps):
    ledger = Ledger(clock=ManualClock(T0), ids=IdFactory(1))
    ledger.open_account("u", balance=D(10**6))
    made = [
        ledger.filling.apply_fill("u", ticker, side, action, D(count) / 100, D(cents) / 100)
        for ticker, count, cents, side, action in steps
    ]
    assert [astuple(f) for f in ledger.state.fills] == [astuple(f) for f in made]
    assert [str(f.post_position) for f in ledger.state.fills] == [str(f.post_position) for f in made]


FINE = st.one_of(
    st.tuples(st.just("fill"), st.sampled_from(["E1-A", "E1-B", "E2-A"]), st.sampled_from(["yes", "no"]),
              st.sampled_from(["buy", "sell"]), st.integers(1, 500), st.integers(1, 9_999)),
    st.tuples(st.just("order"), st.sampled_from(["E1-A", "E1-B", "E2-A"]), st.integers(1, 500)),
    st.tuples(st.just("settle"), st.sampled_from(["E1-A", "E1-B", "E2-A"]), st.sampled_from(["yes", "no"])),
)  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(st.lists(FINE, max_size=30))
def test_running_totals_equal_the_walked_rows(steps):
    """Prices of 4 places, odd micro-dollars of basis released, orders and settlements: an event's running totals
    equal the sum of its rows, walked."""
    ledger = Ledger(clock=ManualClock(T0))
    ledger.open_account("u", balance=D(10**9))
    for s in steps:
        market = ledger.state.markets.get(s[1])
        if market is not None and market.result is not None:
            continue
        if s[0] == "fill":
            _, ticker, side, action, count, price = s
            ledger.filling.apply_fill("u", ticker, side, action, D(count) / 100, D(price) / 10**4)
        elif s[0] == "order":
            ledger.trading.place_order("u", s[1], "yes", "buy", D(s[2]) / 100, D("0.5"))
        elif market is not None:
            ledger.lifecycle.settle_market(s[1], s[2])
    for status in ("unsettled", "settled", "all"):
        for event in ("E1", "E2"):
            walked = EventRollup(event)
            for row in ledger.state.positions.walk("u", 0, status, event_ticker=event):
                walked.add(row)
            assert ledger.state.positions.event_rollup("u", 0, status, event) == walked
