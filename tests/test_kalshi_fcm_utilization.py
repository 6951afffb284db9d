"""What an FCM subtrader's daily cap counts is kept as fills, settlements and orders change (core/kalshi/fcm.py's
`executed_moved` and `rest_moved`), never read back from them: under a hypothesis sequence of orders placed (resting,
crossing, filled as maker), amended, decreased and cancelled, fills seeded, markets settled and the clock moved across
New York midnights, what the desk answers is exactly a rescan of the subtrader's fills, settlements and resting
orders, written here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from kalshi_commands import amend, submit

from mockexchange.core.clock import ManualClock
from mockexchange.core.ids import IdFactory
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.ledger import Ledger

T0 = datetime(2026, 11, 2, 20, 0, tzinfo=UTC)  # 15:00 in New York: a few hours from its midnight
NEW_YORK = ZoneInfo("America/New_York")
SUB = "fcm_A"
USERS = (SUB, "bob")
MARKETS = ("KXCAP-26NOV-A", "KXCAP-26NOV-B")
MICRO = Decimal(1_000_000)

ORDER = st.tuples(st.just("order"), st.sampled_from(USERS), st.sampled_from(MARKETS), st.sampled_from(["buy", "sell"]),
                  st.sampled_from([50, 100, 250]), st.integers(3, 7),
                  st.sampled_from(["good_till_canceled", "good_till_canceled", "immediate_or_cancel"]))  # fmt: skip
STEP = st.one_of(
    ORDER, ORDER,
    st.tuples(st.just("amend"), st.integers(0, 5), st.integers(3, 7), st.sampled_from([100, 300])),
    st.tuples(st.just("decrease"), st.integers(0, 5), st.sampled_from([50, 100])),
    st.tuples(st.just("cancel"), st.integers(0, 5)),
    st.tuples(st.just("cancel_all"), st.sampled_from(USERS)),
    st.tuples(st.just("fill"), st.sampled_from(MARKETS), st.sampled_from(["buy", "sell"]), st.integers(1, 3),
              st.integers(3, 7)),
    st.tuples(st.just("clock"), st.integers(1, 20)),
    st.tuples(st.just("settle"), st.sampled_from(MARKETS), st.sampled_from(["yes", "no"])),
)  # fmt: skip


def fresh_ledger() -> Ledger:
    ledger = Ledger(clock=ManualClock(T0), ids=IdFactory(11))
    ledger.open_account("fcm", fcm_member=True)
    ledger.open_account(SUB, balance=Decimal(1000), subtrader_of="fcm")
    ledger.open_account("bob", balance=Decimal(1000))
    for ticker in MARKETS:
        ledger.catalogue.list_market(ticker)
    return ledger


def run(ledger: Ledger, step: tuple) -> None:
    mine = sorted((o for o in ledger.state.orders.values() if o.user_id == SUB), key=lambda o: o.seq)
    kind, *args = step
    try:
        if kind == "order":
            user, ticker, action, count, tenths, tif = args
            submit(ledger, user, ticker, "yes", action, count, tenths * 1000, time_in_force=tif)
        elif kind == "amend" and args[0] < len(mine):
            order = mine[args[0]]
            amend(ledger, order.order_id, SUB, 0, order.ticker, order.side, order.action, args[1] * 1000,
                  order.filled + args[2])  # fmt: skip
        elif kind == "decrease" and args[0] < len(mine):
            ledger.trading.decrease_order(mine[args[0]].order_id, SUB, 0, reduce_by=args[1])
        elif kind == "cancel" and args[0] < len(mine):
            ledger.trading.cancel_order(mine[args[0]].order_id, SUB, 0)
        elif kind == "cancel_all":
            ledger.trading.cancel_orders(args[0])
        elif kind == "fill":
            ticker, action, count, tenths = args
            ledger.filling.apply_fill(SUB, ticker, "yes", action, Decimal(count), Decimal(tenths) / 10)
        elif kind == "clock":
            ledger.state.clock.advance(seconds=3600 * args[0])  # type: ignore[attr-defined]
        elif kind == "settle":
            ledger.lifecycle.settle_market(args[0], args[1])
    except LedgerError:
        pass  # refused: nothing changed


def rescan(ledger: Ledger) -> tuple[int, int]:
    """The subtrader's utilization read from its fills, settlements and the resting orders of every account."""
    day = ledger.state.clock.now().astimezone(NEW_YORK).date()
    executed = Decimal(0)
    for fill in ledger.state.fill_index.records(SUB):
        if fill.created.astimezone(NEW_YORK).date() == day:  # type: ignore[attr-defined]
            paid = fill.count * fill.price  # type: ignore[attr-defined]
            executed += fill.fee + (paid if fill.action == "buy" else -paid)  # type: ignore[attr-defined]
    for record in ledger.state.settlements.records(SUB):
        if record.settled_time.astimezone(NEW_YORK).date() == day:  # type: ignore[attr-defined]
            executed -= record.revenue  # type: ignore[attr-defined]
    resting = 0
    for order in ledger.state.orders.values():
        if order.user_id == SUB:
            resting += order.value_units + ledger.state.fee_schedule.fee_units(order.remaining, order.yes_price, True)
    return int(executed * MICRO), resting


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(STEP, min_size=5, max_size=30))
def test_the_utilization_kept_is_a_rescan_of_the_fills_settlements_and_resting_orders(steps: list[tuple]) -> None:
    ledger = fresh_ledger()
    for step in steps:
        run(ledger, step)
        with ledger.state.lock:
            assert ledger.fcm.utilization(SUB) == rescan(ledger), step


def test_a_day_of_fills_counts_on_its_own_new_york_date_and_a_reset_forgets_it() -> None:
    ledger = fresh_ledger()
    ledger.filling.apply_fill(SUB, MARKETS[0], "yes", "buy", Decimal(2), Decimal("0.40"))  # 0.80 and its fee, today
    ledger.state.clock.advance(seconds=36_000)  # type: ignore[attr-defined]  # (01:00 the next day in New York)
    submit(ledger, SUB, MARKETS[1], "yes", "buy", 100, 3000)
    with ledger.state.lock:
        assert ledger.fcm.utilization(SUB) == (0, 300_000 + 14_700) == rescan(ledger)
    ledger.reset()
    assert ledger.state.fcm_state.executed == {} and ledger.state.fcm_state.resting == {}
    assert ledger.state.fcm_state.resting_shares == {}
    assert timedelta(hours=10) == ledger.state.clock.now() - T0
