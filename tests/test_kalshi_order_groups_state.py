"""Order groups kept by a state file (`serve --state`): a restarted mock answers every group and order read with the
same bytes, whether the snapshot or the commands alone bring the state back, and a group's rolling window goes on
counting what it held before the restart."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import plain_http
import pytest
from state_sql import sql

from mockexchange.control import ControlError
from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
M = "KXGRP-26NOV-A"
GTC = {"time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross"}
IOC = {"time_in_force": "immediate_or_cancel", "self_trade_prevention_type": "taker_at_cross"}


def _populate(mock: MockServer) -> dict:
    """alice's groups: one tripped by bob's fills, reset and given a new limit, holding 2 of its 3 in the window and a
    resting order; one triggered by hand; one deleted; a refused create and a refused order (kept as refused)."""
    for user in ("alice", "bob"):
        mock.create_account(user, balance_cents=10_000)
    mock.create_subaccount("alice")
    mock.subaccount_transfer("alice", "t-1", 0, 1, 1_000)
    mock.create_market(M)
    key = mock.create_key("alice")
    live = mock.create_order_group("alice", contracts_limit=2)["order_group_id"]
    mock.place_order("alice", M, "bid", "5", "0.40", **GTC, order_group_id=live)
    mock.place_order("bob", M, "ask", "3", "0.40", **IOC)  # 3 past 2: triggered, the rest of alice's order ends
    mock.reset_order_group("alice", live)
    mock.set_order_group_limit("alice", live, contracts_limit_fp="3")
    mock.place_order("alice", M, "bid", "4", "0.41", **GTC, order_group_id=live)
    mock.place_order("bob", M, "ask", "2", "0.41", **IOC)  # 2 of 3 in the window
    by_hand = mock.create_order_group("alice", contracts_limit=9, subaccount=1)["order_group_id"]
    mock.place_order("alice", M, "bid", "1", "0.10", **GTC, order_group_id=by_hand, subaccount=1)
    mock.trigger_order_group("alice", by_hand, subaccount=1)
    gone = mock.create_order_group("alice", contracts_limit_fp="4.00")["order_group_id"]
    mock.delete_order_group("alice", gone)
    with pytest.raises(ControlError):
        mock.create_order_group("alice", contracts_limit=0)
    with pytest.raises(ControlError):
        mock.place_order("alice", M, "bid", "1", "0.10", **GTC, order_group_id=by_hand)
    mock.advance_clock(seconds=5)
    return {"key": key, "groups": [live, by_hand, gone]}


def _reads(mock: MockServer, made: dict) -> dict[str, bytes]:
    auth = KalshiAuth(KalshiSigner.from_pem(made["key"]["key_id"], made["key"]["private_key_pem"]))
    paths = ["/portfolio/order_groups", "/portfolio/order_groups?subaccount=1", "/portfolio/orders",
             "/portfolio/balance", f"/markets/{M}/orderbook"]  # fmt: skip
    paths += [f"/portfolio/order_groups/{group_id}" for group_id in made["groups"]]
    return {path: plain_http.get(mock.kalshi_url + path, auth=auth).content for path in paths}


@pytest.mark.parametrize("snapshot", [True, False], ids=["snapshot", "commands"])
def test_a_restarted_mock_keeps_its_groups_byte_for_byte_and_their_window(tmp_path: Path, snapshot: bool) -> None:
    path = tmp_path / "state.db"
    with MockServer(state=str(path), clock=ManualClock(T0)) as mock:
        made = _populate(mock)
        before = _reads(mock, made)
    assert b'"is_auto_cancel_enabled":true' in before["/portfolio/order_groups?subaccount=1"]
    assert b'"contracts_limit_fp":"3.00"' in before["/portfolio/order_groups"]
    assert before[f"/portfolio/order_groups/{made['groups'][2]}"].startswith(b'{"error"')  # deleted
    if not snapshot:
        sql(path, "DELETE FROM snapshots")
    with MockServer(state=str(path)) as again:
        assert _reads(again, made) == before
        # the window still holds the 2 matched 5 s ago: 2 more is past 3, and the group triggers
        live = made["groups"][0]
        again.place_order("bob", M, "ask", "2", "0.41", **IOC)
        shown = plain_http.get(again.kalshi_url + f"/portfolio/order_groups/{live}", auth=KalshiAuth(
            KalshiSigner.from_pem(made["key"]["key_id"], made["key"]["private_key_pem"]))).json()  # fmt: skip
        assert shown["is_auto_cancel_enabled"] is True
