"""Deribit trading brought back from the state file: Deribit's invariant sequences (test_deribit_invariants.py: orders
of every kind from several accounts, the house's liquidity, edits, cancels, moves of the prices triggers watch, hostile
values in every argument) on a mock that keeps its state in a file; stopped and started again from it, from its
snapshot or by running every command again (as after a kill), the mock must hold the same state (every field its
snapshot keeps: invariant_runs.py's `kept_state`) and answer each account's reads over JSON-RPC with the same bytes,
and trade on as it would have."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from deribit_rpc import Deribit
from hypothesis import event, given, settings
from hypothesis import strategies as st
from invariant_runs import differences, kept_state
from state_sql import sql
from test_deribit_invariants import HOUSE, STEP, USERS, Trading

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
LAST_MS = 253402300799999  # the last millisecond a timestamp may name (9999-12-31)
READS = [
    ("private/get_positions", {"currency": "BTC"}),
    ("private/get_account_summary", {"currency": "BTC", "extended": True}),
    ("private/get_open_orders_by_currency", {"currency": "BTC"}),
    ("private/get_user_trades_by_currency", {"currency": "BTC", "count": 1000}),
    ("private/get_order_history_by_currency", {"currency": "BTC", "count": 1000}),
    ("private/get_transaction_log", {"currency": "BTC", "start_timestamp": 0, "end_timestamp": LAST_MS, "count": 250}),
]


def _reads(mock: MockServer) -> dict[str, dict]:
    """Each account's reads, their replies but the server's stamps (`usIn`, `usOut`, `usDiff`)."""
    answers = {}
    for user in (*USERS, HOUSE):
        client = Deribit(mock, {"client_id": f"{user}-id", "client_secret": f"{user}-secret"})
        for method, params in READS:
            reply = client.rpc(method, **params)
            answers[f"{user} {method}"] = {k: v for k, v in reply.items() if k not in ("usIn", "usOut", "usDiff")}
    return answers


# 8 sequences under the repeatable profile, each restarted once, half of them from the commands alone; the long
# profile's ten times as many from a new seed are the search.
@settings(max_examples=8)
@given(data=st.data(), length=st.integers(min_value=10, max_value=30), commands_only=st.booleans())
def test_trading_comes_back_the_same_from_the_state_file(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, length: int, commands_only: bool
) -> None:
    path = tmp_path_factory.mktemp("deribit-restarts") / "state.db"
    with MockServer(clock=ManualClock(T0), state=str(path)) as mock:
        trading = Trading(mock.app.control)
        for user in (*USERS, HOUSE):
            mock.create_deribit_key(user, client_id=f"{user}-id", client_secret=f"{user}-secret")
        for user, direction, price in (("alice", "buy", "60001"), ("bob", "sell", "59999")):  # (each sequence trades)
            step = ("place", user, direction, "100", price, "limit", "good_til_cancelled", "index_price", False, False)
            trading.run(step)
        for _ in range(length):
            trading.run(data.draw(STEP))
        before, answers, trades = kept_state(mock), _reads(mock), len(mock.app.control.exchange.state.trades)
    assert all("result" in reply for reply in answers.values()), answers
    if commands_only:
        sql(path, "DELETE FROM snapshots")
    with MockServer(clock=ManualClock(datetime(2000, 1, 1, tzinfo=UTC)), state=str(path)) as again:
        after = kept_state(again)
        assert after == before, "\n".join(differences(before, after))
        assert _reads(again) == answers
        trading.control = again.app.control  # the same sequence goes on, on the mock restarted
        for _ in range(5):
            trading.run(data.draw(STEP))
            trading.check()
    assert trades >= 4  # (a trade a side)
    event(f"trades: {'the opening two alone' if trades == 4 else 'more'}")
