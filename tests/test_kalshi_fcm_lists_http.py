"""GET /fcm/fills and GET /fcm/orders over real HTTP: every subtrader's fills and resting orders, as the FCM sees them,
paged newest first; who may read them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import plain_http
import pytest

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner
from mockexchange.venues.kalshi.render import rfc3339

API = "/trade-api/v2"
START = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def server():
    with MockServer(clock=ManualClock(START)) as mock:
        yield mock


@pytest.fixture(scope="module")
def legacy():
    with MockServer(profile="legacy") as mock:
        yield mock


def seed(mock: MockServer) -> dict[str, KalshiSigner]:
    mock.reset()
    mock.create_account("fcm", fcm_member=True)
    mock.create_account("fcm_A", subtrader_of="fcm")
    mock.create_account("fcm_B", subtrader_of="fcm")
    mock.create_account("other", fcm_member=True)
    mock.create_account("other_X", subtrader_of="other")
    signers = {}
    for name, user, binding in (
        ("fcm", "fcm", {}),
        ("bound", "fcm", {"subtrader_id": "fcm_A"}),
        ("other", "other", {}),
    ):
        key = mock.create_key(user, key_type="ed25519", **binding)
        signers[name] = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    return signers


def get(mock: MockServer, signer: KalshiSigner, path: str, **params) -> httpx.Response:
    return plain_http.get(
        mock.base_url + API + path, params=params, headers=signer.headers("GET", API + path), timeout=10
    )


def test_fcm_fills_list_every_subtraders_fills_with_their_side(server):
    signers = seed(server)
    start = server.app.ledger.state.clock.now()
    server.fill("fcm_A", "KXA-1", "yes", "buy", "3", "0.40", fee="0.02", order_id="o-1")
    server.app.ledger.state.clock.advance(delta=timedelta(seconds=5))
    server.fill("fcm_B", "KXA-1", "yes", "buy", "2", "0.45", is_taker=False, fee="0", order_id="o-2")
    server.fill("other_X", "KXA-1", "yes", "buy", "9", "0.45")  # another FCM's
    server.fill("fcm", "KXA-1", "yes", "buy", "9", "0.45")  # the member's own, no subtrader's
    got = get(server, signers["fcm"], "/fcm/fills")
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["cursor"] == ""
    newest, oldest = body["fills"]
    assert newest == {
        "fill_id": newest["fill_id"],
        "exchange_index": 0,
        "ticker": "KXA-1",
        "taker_outcome_side": "no",  # fcm_B made, buying YES: the taker bought NO
        "count_fp": "2.00",
        "yes_price_dollars": "0.4500",
        "created_time": rfc3339(start + timedelta(seconds=5)),
        "maker_order_id": "o-2",
        "maker_subtrader_id": "fcm_B",
        "maker_fee_cost": "0.000000",
    }
    assert oldest["taker_outcome_side"] == "yes"
    assert (oldest["taker_subtrader_id"], oldest["taker_order_id"], oldest["taker_fee_cost"]) == (
        "fcm_A", "o-1", "0.020000"
    )  # fmt: skip
    since = get(server, signers["fcm"], "/fcm/fills", min_ts=int((start + timedelta(seconds=1)).timestamp()))
    assert [f["maker_subtrader_id"] for f in since.json()["fills"]] == ["fcm_B"]


def test_fcm_fills_page_across_subtraders(server):
    signers = seed(server)
    server.fills([{"user_id": "fcm_A", "ticker": f"KXP-{i}", "side": "yes", "action": "buy", "count": "1",
                   "price": "0.50"} for i in range(90)])  # fmt: skip
    server.fills([{"user_id": "fcm_B", "ticker": f"KXQ-{i}", "side": "no", "action": "buy", "count": "1",
                   "price": "0.50"} for i in range(60)])  # fmt: skip
    seen, cursor, pages = [], None, 0
    while True:
        params = {"cursor": cursor} if cursor else {}
        body = get(server, signers["fcm"], "/fcm/fills", **params).json()
        seen += [f["fill_id"] for f in body["fills"]]
        pages += 1
        cursor = body["cursor"]
        if not cursor:
            break
    assert pages == 2 and len(seen) == len(set(seen)) == 150
    stale = get(server, signers["fcm"], "/fcm/fills", cursor=cursor or "garbage", min_ts=1)
    assert stale.status_code == 400 and "Cursor" in stale.json()["msg"]


def test_fcm_fills_want_an_unrestricted_member_key(server):
    signers = seed(server)
    bound = get(server, signers["bound"], "/fcm/fills")
    assert bound.status_code == 403
    assert bound.json() == {"error": {"code": "forbidden", "message": "requires an unrestricted FCM member API key"}}
    bad = get(server, signers["fcm"], "/fcm/fills", min_ts="soon")
    assert bad.status_code == 400 and "MinTs" not in bad.json()["msg"] and "min_ts" in bad.json()["msg"]


def test_fcm_orders_list_a_subtraders_resting_orders(server):
    signers = seed(server)
    created = rfc3339(server.app.ledger.state.clock.now())
    server.create_order("fcm_A", "KXE-26-T1", "no", "buy", "3", "0.30", order_id="r-1")
    server.app.ledger.state.clock.advance(delta=timedelta(seconds=1))
    server.create_order("fcm_A", "KXF-26-T1", "yes", "sell", "2.5", "0.6100", order_id="r-2")
    server.create_order("fcm_B", "KXE-26-T1", "yes", "buy", "1", "0.10", order_id="r-3")
    body = get(server, signers["fcm"], "/fcm/orders", subtrader_id="fcm_A").json()
    assert [o["order_id"] for o in body["orders"]] == ["r-2", "r-1"] and body["cursor"] == ""
    assert body["orders"][1] == {
        "order_id": "r-1", "user_id": "fcm_A", "client_order_id": "", "ticker": "KXE-26-T1", "side": "no",
        "action": "buy", "outcome_side": "no", "book_side": "ask", "type": "limit", "status": "resting",
        "yes_price_dollars": "0.7000", "no_price_dollars": "0.3000", "fill_count_fp": "0.00",
        "remaining_count_fp": "3.00", "initial_count_fp": "3.00", "taker_fees_dollars": "0.000000",
        "maker_fees_dollars": "0.000000", "taker_fill_cost_dollars": "0.000000", "maker_fill_cost_dollars": "0.000000",
        "expiration_time": None, "created_time": created,
        "last_update_time": created, "self_trade_prevention_type": None,
        "order_group_id": None, "cancel_order_on_pause": False, "subaccount_number": 0, "exchange_index": 0,
    }  # fmt: skip
    assert body["orders"][0]["outcome_side"] == "no"  # selling YES
    one = get(server, signers["fcm"], "/fcm/orders", subtrader_id="fcm_A", limit=1).json()
    assert [o["order_id"] for o in one["orders"]] == ["r-2"]
    rest = get(server, signers["fcm"], "/fcm/orders", subtrader_id="fcm_A", limit=1, cursor=one["cursor"]).json()
    assert [o["order_id"] for o in rest["orders"]] == ["r-1"] and rest["cursor"] == ""
    by_event = get(server, signers["fcm"], "/fcm/orders", subtrader_id="fcm_A", event_ticker="KXF-26").json()
    assert [o["order_id"] for o in by_event["orders"]] == ["r-2"]
    assert get(server, signers["fcm"], "/fcm/orders", subtrader_id="fcm_A", status="canceled").json()["orders"] == []
    bound = get(server, signers["bound"], "/fcm/orders").json()  # a bound key reads its own subtrader's
    assert [o["order_id"] for o in bound["orders"]] == ["r-2", "r-1"]


@pytest.mark.parametrize(
    ("who", "params", "status", "says"),
    [
        ("fcm", {}, 400, "'GetFCMOrdersParams.SubtraderId' Error:Field validation for 'SubtraderId' failed on the "
         "'required' tag"),
        ("fcm", {"subtrader_id": "other_X"}, 404, None),
        ("other", {"subtrader_id": "fcm_A"}, 404, None),
        ("bound", {"subtrader_id": "fcm_B"}, 403, None),
        ("fcm", {"subtrader_id": "fcm_A", "status": "open"}, 400, "'Status' failed on the 'oneof' tag"),
        ("fcm", {"subtrader_id": "fcm_A", "limit": "0"}, 400, "'Limit' failed on the 'min' tag"),
        ("fcm", {"subtrader_id": "fcm_A", "event_ticker": "A,B"}, 400, "'EventTicker' failed on the 'excludes'"),
        ("fcm", {"subtrader_id": "fcm_A", "client_order_ids": ",".join("c" * 101)}, 400, "'ClientOrderIds'"),
    ],
)  # fmt: skip
def test_fcm_orders_refusals(server, who, params, status, says):
    signers = seed(server)
    got = get(server, signers[who], "/fcm/orders", **params)
    assert got.status_code == status, got.text
    if says:
        assert says in got.json()["msg"]


def test_client_order_ids_alone_need_no_subtrader(server):
    signers = seed(server)
    server.create_order("fcm_A", "KXE-26-T1", "no", "buy", "3", "0.30", order_id="r-1")
    got = get(server, signers["fcm"], "/fcm/orders", client_order_ids="abc")
    assert got.json() == {"orders": [], "cursor": ""}  # the ledger's resting orders carry no client order id


def test_client_order_ids_search_the_last_24_hours_only(server):
    """The spec: asked by client order ids, only orders created within the last 24 hours are searched (a min_ts
    before that is raised to it); by subtrader alone, every order."""
    signers = seed(server)
    place = {"time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross"}
    server.create_market("KXE-26-T1")
    server.deposit("fcm_A", 10_000)
    server.place_order("fcm_A", "KXE-26-T1", "ask", "3", "0.70", client_order_id="old-1", **place)
    server.advance_clock(seconds=24 * 3600 + 1)
    server.place_order("fcm_A", "KXE-26-T1", "ask", "3", "0.69", client_order_id="new-1", **place)
    for early in ({}, {"min_ts": 0}):
        got = get(server, signers["fcm"], "/fcm/orders", client_order_ids="old-1,new-1", **early).json()
        assert [row["client_order_id"] for row in got["orders"]] == ["new-1"]
    got = get(server, signers["fcm"], "/fcm/orders", subtrader_id="fcm_A").json()
    assert [row["client_order_id"] for row in got["orders"]] == ["new-1", "old-1"]


def test_the_legacy_profile_adds_the_integer_twins(legacy):
    signers = seed(legacy)
    legacy.create_order("fcm_A", "KXE-26-T1", "no", "buy", "3", "0.30", order_id="r-1")
    order = get(legacy, signers["fcm"], "/fcm/orders", subtrader_id="fcm_A", event_ticker="KXE-26,KXF-26").json()
    (row,) = order["orders"]
    assert (row["yes_price"], row["no_price"], row["remaining_count"], row["initial_count"]) == (70, 30, 3, 3)
    assert (row["fill_count"], row["queue_position"], row["taker_fees"], row["maker_fill_cost"]) == (0, 0, 0, 0)
