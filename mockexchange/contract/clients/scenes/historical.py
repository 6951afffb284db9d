"""The `historical` scene: a client reads Kalshi's historical API (GetHistoricalCutoff, GetHistoricalPositions,
GetFillsHistorical, GetHistoricalOrders) once a cutoff has moved things there, and the live reads beside them.

Seeded: the history portfolio (history.py: `hist`'s 69 fills in three phases, events C and D settled, ...), then four
orders of `hist` ended at known times and one left resting, and the cutoffs set so that something has moved and
something has not: fills before the quiet between phases 2 and 3, the positions of event C (whose markets all settled
before its cutoff; event D's last market settled after it, so D stays live, whole), three of the four ended orders.
The client walks every read by cursor at a small limit; each must list exactly what the cutoff moved (and the live
reads exactly the rest), field by field, newest first where Kalshi orders by time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from mockexchange.contract.clients.checks import starting
from mockexchange.contract.clients.dialects import POSITION_LISTS
from mockexchange.contract.clients.history import EV_A, EV_C, EV_D, HIST, make_history, newest_first
from mockexchange.contract.clients.portfolio import ledger_rows
from mockexchange.contract.clients.scenes.scene import Check, Judge, Scene, SceneCall, Stage, order_record

# (ticker, side, action, count, price, subaccount) of hist's orders, ended 7 s apart in this order; the last rests.
ORDERS = (
    (f"{EV_A}-M1", "yes", "buy", "4", "0.31", 0),
    (f"{EV_A}-M2", "no", "buy", "2.50", "0.45", 3),
    (f"{EV_A}-M3", "yes", "sell", "6", "0.6875", 0),
    (f"{EV_A}-M1", "no", "sell", "1", "0.12", 0),
    (f"{EV_A}-M2", "yes", "buy", "3", "0.22", 0),
)
ARCHIVED_ORDERS = 3  # the first three ended before the orders' cutoff


def seed(key_dir: Path, profile: str) -> Stage:
    with starting():
        history = make_history(key_dir, profile)
    try:
        mock, clock = history.mock, history.clock
        clock.advance(10)
        orders = []
        for ticker, side, action, count, price, subaccount in ORDERS:
            made = mock.create_order(HIST, ticker, side, action, count, price, subaccount=subaccount)
            terms = {"ticker": ticker, "side": side, "action": action, "count": Decimal(count), "price": Decimal(price)}
            orders.append(SimpleNamespace(order_id=made["order_id"], created=clock.now(), **terms))
        for order in orders[:-1]:
            clock.advance(7)
            mock.cancel_order(order.order_id)
            order.ended = clock.now()
        cutoffs = {
            "trades_created_ts": _at(history.phase_windows[1][1] + 15),  # inside the 30 s of quiet
            "market_positions_last_updated_ts": _at(history.settle_times[f"{EV_C}-M2"] + 30),  # before D's last
            "orders_updated_ts": orders[ARCHIVED_ORDERS - 1].ended + timedelta(seconds=3),
        }
        cutoffs["market_settled_ts"] = cutoffs["market_positions_last_updated_ts"]
        mock.set_historical_cutoff(**{name: when.isoformat() for name, when in cutoffs.items()})
        return Stage(mock, history.keys, profile, {"cutoffs": cutoffs, "orders": orders})
    except BaseException:
        history.mock.stop()
        raise


def _at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC)


def calls(stage: Stage) -> list[SceneCall]:
    return [
        SceneCall("cutoff", "GetHistoricalCutoff"),
        SceneCall("fills", "GetFillsHistorical", {"limit": 7}, "pages", "fills"),
        SceneCall("fills_sub3", "GetFillsHistorical", {"subaccount": 3, "limit": 2}, "pages", "fills"),
        SceneCall("live_fills", "fills", {"limit": 9}, "pages", "fills"),
        SceneCall("positions", "GetHistoricalPositions", {"limit": 1}, "pages", POSITION_LISTS),
        SceneCall("positions_sub3", "GetHistoricalPositions", {"subaccount": 3, "limit": 1}, "pages", POSITION_LISTS),
        SceneCall("live_settled", "positions", {"settlement_status": "settled", "limit": 1}, "pages", POSITION_LISTS),
        SceneCall("orders", "GetHistoricalOrders", {"limit": 2}, "pages", "orders"),
    ]


# The cutoffs the spec requires; a client's model may leave out the others (pykalshi's has no positions' cutoff).
REQUIRED_CUTOFFS = ("market_settled_ts", "trades_created_ts", "orders_updated_ts")


def cutoff(j: Judge) -> None:
    answer = j.answer("cutoff")
    kept = [name for name in j.facts["cutoffs"] if name in REQUIRED_CUTOFFS or name in answer]
    got = {name: answer.get(name) and datetime.fromisoformat(answer[name]) for name in kept}
    j.same("cutoff", got, {name: j.facts["cutoffs"][name] for name in kept})


def _fills(j: Judge, call: str, limit: int, moved: bool, subaccount: int | None = None) -> None:
    before = j.facts["cutoffs"]["trades_created_ts"]

    def keep(fill: Any) -> bool:
        return (fill.created < before) == moved and subaccount in (None, fill.subaccount)

    rows, expected = j.listed(call), newest_first(j.stage, "fill_index", HIST, keep)
    j.rows(call, rows, expected, j.dialect.fill)
    j.same(f"{call}: newest first", [row["fill_id"] for row in rows], [fill.fill_id for fill in expected])
    j.walked(call, len(expected), limit)
    if not expected:
        j.problems.append(f"{call}: the scene moved no fill (the check could not fail)")


def fills_moved(j: Judge) -> None:
    _fills(j, "fills", 7, moved=True)
    _fills(j, "fills_sub3", 2, moved=True, subaccount=3)


def fills_kept(j: Judge) -> None:
    _fills(j, "live_fills", 9, moved=False)


def _positions(j: Judge, call: str, subaccount: int, event: str, status: str) -> None:
    rows = [row for row in ledger_rows(j.stage, HIST, subaccount, "all").values() if row.event_ticker == event]
    with j.ledger.reading():
        rollup = j.ledger.state.positions.event_rollup(HIST, subaccount, status, event)
    j.rows(call, j.listed(call, "market_positions"), rows, j.dialect.market)
    j.rows(f"{call} events", j.listed(call, "event_positions"), [rollup], j.dialect.event)
    j.walked(call, len(rows), 1)
    if not rows:
        j.problems.append(f"{call}: the scene holds no position of {event} (the check could not fail)")


def positions_moved(j: Judge) -> None:
    _positions(j, "positions", 0, EV_C, "archived")
    _positions(j, "positions_sub3", 3, EV_C, "archived")


def positions_kept(j: Judge) -> None:
    _positions(j, "live_settled", 0, EV_D, "settled")  # D-M1 settled before the cutoff: the event stays whole


def orders_moved(j: Judge) -> None:
    expected = [
        order_record(o.order_id, o.ticker, o.side, o.action, o.count, o.price, status="canceled", created=o.created,
                     last_update=o.ended, remaining_count=Decimal(0))
        for o in reversed(j.facts["orders"][:ARCHIVED_ORDERS])
    ]  # fmt: skip
    rows = j.listed("orders")
    j.rows("orders", rows, expected, j.dialect.order)
    j.same("orders: newest first", [row["order_id"] for row in rows], [o.order_id for o in expected])
    j.walked("orders", len(expected), 2)


HISTORICAL = Scene(
    "historical",
    seed,
    calls,
    (
        Check("the cutoff", ("GetHistoricalCutoff",), cutoff),
        Check("fills before the cutoff", ("GetFillsHistorical",), fills_moved),
        Check("the live fills keep the rest", ("fills", "GetFillsHistorical"), fills_kept),
        Check("positions of the archived event", ("GetHistoricalPositions",), positions_moved),
        Check("the live settled positions keep the rest", ("positions", "GetHistoricalPositions"), positions_kept),
        Check("orders ended before the cutoff", ("GetHistoricalOrders",), orders_moved),
    ),
)
