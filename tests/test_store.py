"""The position index: running event totals agree with a walk of the rows, whatever the ledger did."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.row_filter import RowFilter
from mockexchange.core.kalshi.rows import COUNT_BITS, EventRollup

TICKERS = ["E1-A", "E1-B", "E2-A", "E2-B", "E3-A"]
SIDES, ACTIONS = st.sampled_from(["yes", "no"]), st.sampled_from(["buy", "sell"])
step = st.one_of(
    st.tuples(st.just("fill"), st.sampled_from(TICKERS), SIDES, ACTIONS, st.integers(1, 500), st.integers(1, 99),
              st.integers(0, 2)),
    st.tuples(st.just("order"), st.sampled_from(TICKERS), st.integers(1, 500), st.integers(0, 2)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("settle"), st.sampled_from(TICKERS), st.sampled_from(["yes", "no"])),
)  # fmt: skip


FILTERS = [None] + [
    RowFilter.of(counts, index)
    for counts in ([], ["position"], ["total_traded"], ["resting_order_count"], ["position", "resting_order_count"])
    for index in (None, 0, 1)
    if counts or index is not None
]


def walked(ledger: Ledger, subaccount: int, status: str, event: str, keep: RowFilter | None) -> EventRollup:
    """The roll-up computed the slow way: every row of the event, tested one by one."""
    total = EventRollup(event)
    for row in ledger.state.positions.walk("u", subaccount, status, event_ticker=event):
        admitted = keep is None or (
            (not keep.counts or any(
                (name == "position" and row.position) or (name == "total_traded" and row.total_traded)
                or (name == "resting_order_count" and row.resting_orders_count)
                for name, bit in COUNT_BITS.items() if keep.counts & bit
            ))
            and keep.exchange_index in (None, row.exchange_index)
        )  # fmt: skip
        if admitted:
            total.add(row)
    return total


@settings(max_examples=200, deadline=None)
@given(st.lists(step, max_size=50))
def test_running_event_totals_equal_the_walked_totals(steps):
    ledger = Ledger(clock=ManualClock())
    ledger.open_account("u")
    ledger.catalogue.list_market("E1-B", exchange_index=1)
    for s in steps:
        settled = (
            ledger.state.markets.get(s[1]) is not None and ledger.state.markets[s[1]].result is not None
            if s[0] != "cancel"
            else False
        )
        if s[0] == "fill" and not settled:
            _, ticker, side, action, count, cents, sub = s
            ledger.filling.apply_fill("u", ticker, side, action, D(count) / 100, D(cents) / 100, subaccount=sub)
        elif s[0] == "order" and not settled:
            _, ticker, count, sub = s
            ledger.trading.place_order("u", ticker, "yes", "buy", D(count) / 100, D("0.5"), subaccount=sub)
        elif s[0] == "cancel" and ledger.state.orders:
            ledger.trading.cancel_order(sorted(ledger.state.orders)[s[1] % len(ledger.state.orders)])
        elif s[0] == "settle" and ledger.state.markets.get(s[1]) and not settled:
            ledger.lifecycle.settle_market(s[1], s[2])
    for sub in range(3):
        for status in ("unsettled", "settled", "all"):
            for event in ("E1", "E2", "E3"):
                for keep in FILTERS:
                    fast = ledger.state.positions.event_rollup("u", sub, status, event, keep=keep)
                    assert fast == walked(ledger, sub, status, event, keep), (sub, status, event, keep)
