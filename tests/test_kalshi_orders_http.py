"""Kalshi's v2 order API over real HTTP with signed requests: create, batch create, cancel one, batch cancel, cancel
all, amend, decrease; the reads (GET /portfolio/orders with its filters and pages, one order, queue positions) and the
reads that must agree with them (balance, positions, fills, /historical/orders, /fcm/orders); each refusal in
Kalshi's shape, having changed nothing; the rate limiter's costs; both wire profiles."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import plain_http
import pytest
from kalshi_http import ok
from kalshi_orders import T0, M, N, fresh, order, place, refused, state
from module_mocks import client_of, forget, module_mock, signed

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

ORDER_FIELDS = {
    "order_id", "user_id", "client_order_id", "ticker", "side", "action", "outcome_side", "book_side", "type",
    "status", "yes_price_dollars", "no_price_dollars", "fill_count_fp", "remaining_count_fp", "initial_count_fp",
    "taker_fill_cost_dollars", "maker_fill_cost_dollars", "taker_fees_dollars", "maker_fees_dollars",
    "expiration_time", "created_time", "last_update_time", "self_trade_prevention_type", "order_group_id",
    "cancel_order_on_pause", "subaccount_number", "exchange_index",
}  # fmt: skip


server_fixture = module_mock("server", T0)


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    """alice ($100) and bob ($100), markets M and N (event KXORD-26NOV); the house's YES bid 0.40 x10 and NO bid 0.55
    x5 (a YES ask at 0.45) on M."""
    fresh(server).set_book(M, yes=[["0.40", "10"]], no=[["0.55", "5"]])
    forget(server)
    return server


alice_client, bob_client = client_of("alice"), client_of("bob")


# -- create ------------------------------------------------------------------------------------------------------------


def test_a_crossing_order_answers_what_it_filled_and_every_read_agrees(mock, alice):
    made = place(alice, count="7", price="0.46", client_order_id="a-1")
    assert made == {"order_id": made["order_id"], "client_order_id": "a-1", "fill_count": "5.00",
                    "remaining_count": "2.00", "average_fill_price": "0.4500", "average_fee_paid": "0.0173",
                    "ts_ms": int(T0.timestamp() * 1000)}  # fmt: skip
    # 5 at 0.45 ($2.25) and the fee 0.07 x 5 x 0.45 x 0.55 = 0.086625, up to 0.0867; 2 x 0.46 held while they rest.
    balance = ok(alice, "/portfolio/balance")
    assert balance["balance_dollars"] == "96.7433" and balance["balance"] == 9674
    listed = ok(alice, "/portfolio/orders")["orders"]
    assert len(listed) == 1 and set(listed[0]) == ORDER_FIELDS
    row = listed[0]
    assert (row["order_id"], row["status"], row["book_side"], row["outcome_side"], row["side"], row["action"]) == (
        made["order_id"], "resting", "bid", "yes", "yes", "buy")  # fmt: skip
    assert (row["yes_price_dollars"], row["fill_count_fp"], row["remaining_count_fp"], row["initial_count_fp"]) == (
        "0.4600", "5.00", "2.00", "7.00")  # fmt: skip
    assert (row["taker_fill_cost_dollars"], row["taker_fees_dollars"], row["maker_fees_dollars"]) == (
        "2.250000", "0.086700", "0.000000")  # fmt: skip
    assert row["self_trade_prevention_type"] == "taker_at_cross" and row["client_order_id"] == "a-1"
    assert ok(alice, f"/portfolio/orders/{made['order_id']}") == {"order": row}
    fills = ok(alice, "/portfolio/fills")["fills"]
    assert [(f["count_fp"], f["is_taker"], f["order_id"], f["client_order_id"]) for f in fills] == [
        ("5.00", True, made["order_id"], "a-1")]  # fmt: skip
    positions = ok(alice, "/portfolio/positions")["market_positions"]
    assert [(p["ticker"], p["position_fp"]) for p in positions] == [(M, "5.00")]
    book = plain_http.get(f"{mock.kalshi_url}/markets/{M}/orderbook").json()["orderbook_fp"]
    assert book["yes_dollars"] == [["0.4000", "10.00"], ["0.4600", "2.00"]] and book["no_dollars"] == []
    trades = plain_http.get(f"{mock.kalshi_url}/markets/trades", params={"ticker": M}).json()["trades"]
    assert [(t["count_fp"], t["yes_price_dollars"], t["taker_outcome_side"]) for t in trades] == [("5.00", "0.4500",
                                                                                                  "yes")]  # fmt: skip
    assert trades[0]["trade_id"] == fills[0]["trade_id"]


def test_a_resting_order_fills_as_maker_when_another_account_crosses_it(mock, alice, bob):
    made = place(alice, count="3", price="0.42")
    sold = place(bob, side="ask", count="4", price="0.40", time_in_force="immediate_or_cancel")
    assert (sold["fill_count"], sold["remaining_count"], sold["average_fill_price"]) == ("4.00", "0.00", "0.4150")
    row = ok(alice, f"/portfolio/orders/{made['order_id']}")["order"]
    assert (row["status"], row["fill_count_fp"], row["remaining_count_fp"], row["maker_fill_cost_dollars"]) == (
        "executed", "3.00", "0.00", "1.260000")  # fmt: skip
    maker = ok(alice, "/portfolio/fills")["fills"]
    assert [(f["is_taker"], f["order_id"], f["yes_price_dollars"]) for f in maker] == [
        (False, made["order_id"], "0.4200")]  # fmt: skip
    assert ok(alice, "/portfolio/balance")["balance_dollars"] == "98.7400"  # $1.26 paid, nothing held
    assert ok(bob, "/portfolio/positions")["market_positions"][0]["position_fp"] == "-4.00"


REFUSALS = [
    (order(price="0.305"), 400, "invalid_price"),  # not a level of a linear_cent market
    (order(price="1.00"), 400, "invalid_price"),
    (order(price="abc"), 400, "invalid_price"),
    (order(count="0"), 400, "bad_request"),
    (order(count="1.001"), 400, "bad_request"),
    (order(ticker="KXNONE-1"), 404, "not_found"),
    (order(count="400", price="0.30"), 400, "insufficient_balance"),
    (order(side="ask", price="0.40", post_only=True), 400, "post_only_cross"),
    (order(reduce_only=True), 400, "invalid_order"),
    (order(time_in_force="immediate_or_cancel", expiration_time=int(T0.timestamp()) + 60), 400,
     "invalid_expiration_time"),
    (order(expiration_time=int(T0.timestamp())), 400, "invalid_expiration_time"),
    (order(subaccount=5), 400, "bad_request"),  # no such subaccount
    (order(order_group_id="og-1"), 404, "not_found"),
    (order(exchange_index=3), 404, "not_found"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "status", "code"), REFUSALS)
def test_each_refusal_is_kalshis_and_changes_nothing(mock, alice, body, status, code):
    place(alice, client_order_id="taken")
    before = state(mock)
    refused(alice.post("/portfolio/events/orders", json=body), status, code)
    assert state(mock) == before


def test_a_client_order_id_names_one_order_and_a_second_is_refused(mock, alice, bob):
    first = place(alice, client_order_id="dup")
    before = state(mock)
    refused(alice.post("/portfolio/events/orders", json=order(client_order_id="dup", price="0.20")), 409,
            "order_already_exists")  # fmt: skip
    assert state(mock) == before and len(ok(alice, "/portfolio/orders")["orders"]) == 1
    assert place(bob, client_order_id="dup")["order_id"] != first["order_id"]  # another user's ids are its own


def test_orders_are_refused_while_the_market_is_not_active(mock, alice):
    mock.pause_market(M)
    refused(alice.post("/portfolio/events/orders", json=order()), 409, "market_closed")
    mock.resume_market(M)
    mock.set_exchange_status(trading_active=False)
    refused(alice.post("/portfolio/events/orders", json=order()), 409, "exchange_closed")


def test_an_amend_that_moves_its_order_waits_for_trading_as_an_order_does(mock, alice):
    """A new price or a larger count places the order anew: refused while the exchange's trading is off or the market
    is paused, nothing traded and the order as it was; a smaller count at its price keeps its place, and is taken."""
    made = place(alice, count="3", price="0.30")
    path = f"/portfolio/events/orders/{made['order_id']}/amend"

    def amend(count: str, price: str) -> httpx.Response:
        return alice.post(path, json={"ticker": M, "side": "bid", "count": count, "price": price})

    for stop, code in ((lambda: mock.set_exchange_status(trading_active=False), "exchange_closed"),
                       (lambda: mock.pause_market(M), "market_closed")):  # fmt: skip
        stop()
        before = state(mock)
        for count, price in (("3", "0.46"), ("5", "0.30")):  # (0.46 crosses the house's YES ask at 0.45)
            refused(amend(count, price), 409, code)
        assert state(mock) == before
        mock.set_exchange_status(trading_active=True)
    smaller = amend("2", "0.30")
    assert smaller.status_code == 200 and smaller.json()["remaining_count"] == "2.00", smaller.text
    assert ok(alice, "/portfolio/fills")["fills"] == []


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({**order(), "count": 10}, "json: cannot unmarshal number into Go struct field CreateOrderV2Request.count of "
                                   "type string"),  # (captured from Kalshi)
        ({k: v for k, v in order().items() if k != "ticker"}, "Key: 'CreateOrderV2Request.Ticker' Error:Field "
                                                              "validation for 'Ticker' failed on the 'required' tag"),
        (order(side="buy"), "Key: 'CreateOrderV2Request.Side' Error:Field validation for 'Side' failed on the 'oneof' "
                            "tag"),
        (order(time_in_force="gtc"), "Key: 'CreateOrderV2Request.TimeInForce' Error:Field validation for "
                                     "'TimeInForce' failed on the 'oneof' tag"),
    ],
)  # fmt: skip
def test_a_body_that_does_not_decode_or_validate_is_the_flat_bad_request(mock, alice, body, details):
    before = state(mock)
    r = alice.post("/portfolio/events/orders", json=body)
    assert (r.status_code, r.json()) == (400, {"code": "bad_request", "message": "bad request", "details": details})
    assert state(mock) == before


def test_a_key_locked_to_a_subaccount_places_its_own_and_no_other(mock):
    mock.create_subaccount("alice")
    mock.subaccount_transfer("alice", "9c6f9e4e-2f4f-4f4e-8f4e-2f4f4f4e8f4e", 0, 1, 1_000)
    with signed(mock, "alice", subaccount=1) as locked:
        made = place(locked)
        assert ok(locked, f"/portfolio/orders/{made['order_id']}")["order"]["subaccount_number"] == 1
        r = locked.post("/portfolio/events/orders", json=order(subaccount=0))
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"


# -- batches, cancels, amend, decrease -----------------------------------------------------------------------------


def test_a_batch_places_each_order_and_answers_each_refusal_in_its_place(mock, alice):
    r = alice.post("/portfolio/events/orders/batched", json={"orders": [
        order(client_order_id="b-1"), order(price="0.999", client_order_id="b-2"), order(side="ask", price="0.40",
        count="2", time_in_force="immediate_or_cancel")]})  # fmt: skip
    assert r.status_code == 201, r.text
    first, second, third = r.json()["orders"]
    assert first["client_order_id"] == "b-1" and first["error"] is None and first["remaining_count"] == "1.00"
    assert first["average_fill_price"] is None and first["ts_ms"] == int(T0.timestamp() * 1000)
    assert second == {"client_order_id": "b-2", "fill_count": None, "remaining_count": None,
                      "average_fill_price": None, "average_fee_paid": None, "ts_ms": None,
                      "error": {"code": "invalid_price", "message": "invalid price", "service": "exchange",
                                "details": second["error"]["details"]}}  # fmt: skip
    assert (third["fill_count"], third["average_fill_price"], third["client_order_id"]) == ("2.00", "0.4000", None)
    assert [o["client_order_id"] for o in ok(alice, "/portfolio/orders")["orders"]] == ["", "b-1"]


def test_a_batch_of_a_thousand_orders_is_read_whole_and_a_body_past_the_batch_bound_is_refused(mock, alice):
    orders = [order(price="0.01", client_order_id=str(uuid.UUID(int=i))) for i in range(1000)]
    assert len(json.dumps({"orders": orders})) > 128 * 1024  # twice the bound on any other write's body
    r = alice.post("/portfolio/events/orders/batched", json={"orders": orders})
    assert r.status_code == 201, r.text[:500]
    assert [(o["client_order_id"], o["error"]) for o in r.json()["orders"]] == [(c["client_order_id"], None)
                                                                                for c in orders]  # fmt: skip
    before = state(mock)
    padded = b'{"orders": []' + b" " * (512 * 1024) + b"}"
    r = alice.post("/portfolio/events/orders/batched", content=padded, headers={"Content-Type": "application/json"})
    assert (r.status_code, r.json()["details"]) == (400, "http: request body too large"), r.text
    assert state(mock) == before


def test_cancel_one_a_batch_and_all_give_back_what_the_orders_held(mock, alice, bob):
    made = [place(alice, price=f"0.3{i}", client_order_id=f"c-{i}") for i in range(4)]
    held = "98.7400"  # 0.30 + 0.31 + 0.32 + 0.33 held
    assert ok(alice, "/portfolio/balance")["balance_dollars"] == held
    r = alice.delete(f"/portfolio/events/orders/{made[0]['order_id']}")
    assert r.status_code == 200 and r.json() == {"order_id": made[0]["order_id"], "client_order_id": "c-0",
                                                 "reduced_by": "1.00", "ts_ms": int(T0.timestamp() * 1000)}  # fmt: skip
    refused(alice.delete(f"/portfolio/events/orders/{made[0]['order_id']}"), 404, "not_found")  # ended
    refused(bob.delete(f"/portfolio/events/orders/{made[1]['order_id']}"), 404, "not_found")  # not bob's
    r = alice.request("DELETE", "/portfolio/events/orders/batched",
                      json={"orders": [{"order_id": made[1]["order_id"]}, {"order_id": "nope"}]})  # fmt: skip
    assert r.status_code == 200, r.text
    done, missing = r.json()["orders"]
    assert (done["reduced_by"], done["client_order_id"], done["error"]) == ("1.00", "c-1", None)
    assert (missing["order_id"], missing["reduced_by"], missing["ts_ms"], missing["error"]["code"]) == (
        "nope", "0.00", None, "not_found")  # fmt: skip
    assert alice.delete("/portfolio/events/orders").status_code == 204
    assert ok(alice, "/portfolio/orders", status="resting")["orders"] == []
    assert ok(alice, "/portfolio/balance")["balance_dollars"] == "100.0000"
    assert [o["status"] for o in ok(alice, "/portfolio/orders")["orders"]] == ["canceled"] * 4


def test_amend_moves_an_order_and_decrease_shrinks_it_in_place(mock, alice, bob):
    first = place(alice, count="5", price="0.30", client_order_id="am-1")
    second = place(bob, count="5", price="0.30")
    r = alice.post(f"/portfolio/events/orders/{first['order_id']}/decrease", json={"reduce_by": "2"})
    assert r.json() == {"order_id": first["order_id"], "client_order_id": "am-1", "remaining_count": "3.00",
                        "ts_ms": int(T0.timestamp() * 1000)}  # fmt: skip
    assert ok(bob, f"/portfolio/orders/{second['order_id']}/queue_position") == {"queue_position_fp": "3.00"}
    r = alice.post(
        f"/portfolio/events/orders/{first['order_id']}/amend",
        json={"ticker": M, "side": "bid", "price": "0.46", "count": "6", "updated_client_order_id": "am-2"},
    )
    body = r.json()
    assert r.status_code == 200 and body["client_order_id"] == "am-2"
    assert (body["fill_count"], body["remaining_count"], body["average_fill_price"]) == ("5.00", "1.00", "0.4500")
    row = ok(alice, f"/portfolio/orders/{first['order_id']}")["order"]
    assert (row["yes_price_dollars"], row["initial_count_fp"], row["fill_count_fp"]) == ("0.4600", "6.00", "5.00")
    r = alice.post(f"/portfolio/events/orders/{first['order_id']}/decrease", json={"reduce_by": "1",
                                                                                     "reduce_to": "0"})  # fmt: skip
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_order"
    r = alice.post(
        f"/portfolio/events/orders/{first['order_id']}/amend",
        json={"ticker": M, "side": "ask", "price": "0.46", "count": "6"},
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_order"
    mock.ledger.state.clock.advance(seconds=5)
    expiring = int((T0 + timedelta(seconds=65)).timestamp())
    r = alice.post(
        f"/portfolio/events/orders/{first['order_id']}/amend",
        json={"ticker": M, "side": "bid", "price": "0.46", "count": "6", "expiration_time": expiring},
    )
    assert r.json()["remaining_count"] is None and r.json()["fill_count"] is None  # only the expiration moved
    mock.ledger.state.clock.advance(seconds=60)
    assert ok(alice, f"/portfolio/orders/{first['order_id']}")["order"]["status"] == "canceled"


# -- reads ---------------------------------------------------------------------------------------------------------


def test_get_orders_filters_and_pages_newest_first(mock, alice):
    made = []
    for i, (ticker, price) in enumerate([(M, "0.30"), (N, "0.20"), (M, "0.31"), (N, "0.21"), (M, "0.32")]):
        mock.ledger.state.clock.set(T0 + timedelta(seconds=i))
        made.append(place(alice, ticker=ticker, price=price)["order_id"])
    alice.delete(f"/portfolio/events/orders/{made[1]}")
    assert [o["order_id"] for o in ok(alice, "/portfolio/orders")["orders"]] == made[::-1]
    assert [o["order_id"] for o in ok(alice, "/portfolio/orders", ticker=N)["orders"]] == [made[3], made[1]]
    assert [o["order_id"] for o in ok(alice, "/portfolio/orders", status="canceled")["orders"]] == [made[1]]
    assert len(ok(alice, "/portfolio/orders", event_ticker="KXORD-26NOV,KXOTHER")["orders"]) == 5
    assert ok(alice, "/portfolio/orders", event_ticker="KXOTHER")["orders"] == []
    since = int(T0.timestamp()) + 3
    assert [o["order_id"] for o in ok(alice, "/portfolio/orders", min_ts=since)["orders"]] == [made[4], made[3]]
    walked, cursor = [], None
    while True:
        page = ok(alice, "/portfolio/orders", limit=2, **({"cursor": cursor} if cursor else {}))
        walked += [o["order_id"] for o in page["orders"]]
        cursor = page["cursor"]
        if not cursor:
            break
    assert walked == made[::-1]
    r = alice.get("/portfolio/orders", params={"status": "open"})
    assert r.status_code == 400 and "'Status' failed on the 'oneof' tag" in r.json()["msg"]
    positions = ok(alice, "/portfolio/orders/queue_positions", market_tickers=M)["queue_positions"]
    assert [(p["order_id"], p["market_ticker"], p["queue_position_fp"]) for p in positions] == [
        (made[0], M, "0.00"), (made[2], M, "0.00"), (made[4], M, "0.00")]  # fmt: skip
    r = alice.get(f"/portfolio/orders/{made[1]}/queue_position")
    assert r.status_code == 404


def test_the_historical_cutoff_moves_ended_orders_to_the_historical_read_in_the_same_shape(mock, alice):
    kept = place(alice)["order_id"]
    ended = place(alice, price="0.31")["order_id"]
    alice.delete(f"/portfolio/events/orders/{ended}")
    live = ok(alice, f"/portfolio/orders/{ended}")["order"]
    mock.ledger.state.clock.advance(seconds=10)
    mock.set_historical_cutoff(orders_updated_ts=(T0 + timedelta(seconds=5)).isoformat())
    assert [o["order_id"] for o in ok(alice, "/portfolio/orders")["orders"]] == [kept]
    assert alice.get(f"/portfolio/orders/{ended}").status_code == 404
    assert ok(alice, "/historical/orders")["orders"] == [live]


def test_an_fcm_members_orders_read_agrees_with_the_subtraders_own(mock):
    mock.create_account("fcm", balance_cents=0, fcm_member=True)
    mock.create_account("fcm_A", balance_cents=10_000, subtrader_of="fcm")
    with signed(mock, "fcm_A") as sub, signed(mock, "fcm") as member:
        made = place(sub, client_order_id="s-1")
        own = ok(sub, "/portfolio/orders")["orders"]
        desk = ok(member, "/fcm/orders", subtrader_id="fcm_A")["orders"]
        assert desk == own and desk[0]["order_id"] == made["order_id"]
        assert ok(member, "/fcm/orders", client_order_ids="s-1")["orders"] == own


def test_the_legacy_profile_adds_the_integer_twins():
    with MockServer(clock=ManualClock(T0), profile="legacy") as mock:
        mock.create_account("alice", balance_cents=10_000)
        mock.create_market(M)
        with signed(mock, "alice") as alice:
            place(alice, count="2", price="0.30")
            row = ok(alice, "/portfolio/orders")["orders"][0]
    assert (row["yes_price"], row["no_price"], row["remaining_count"], row["initial_count"], row["fill_count"]) == (
        30, 70, 2, 2, 0)  # fmt: skip


# -- rate limits ---------------------------------------------------------------------------------------------------


def test_orders_draw_from_the_write_bucket_a_batch_per_order():
    wall = ManualClock(datetime.now(UTC))  # the limiter's clock: it refills only when moved (signatures are on time)
    with MockServer(clock=ManualClock(T0), wall_clock=wall, rate_limit_tier="basic") as mock:
        mock.create_account("alice", balance_cents=10_000)
        mock.create_market(M)
        with signed(mock, "alice") as alice:  # writes: 100 tokens, 10 an order, 2 a cancel
            many = {"orders": [order(price=f"0.{i:02d}") for i in range(10, 19)]}
            assert alice.post("/portfolio/events/orders/batched", json=many).status_code == 201  # 90 tokens
            assert alice.post("/portfolio/events/orders", json=order()).status_code == 201  # 100
            assert alice.post("/portfolio/events/orders", json=order()).status_code == 429
            assert ok(alice, "/portfolio/orders", limit=1)  # reads draw from their own bucket
            wall.advance(seconds=1)  # 100 back
            assert alice.delete("/portfolio/events/orders").status_code == 204  # 2 tokens
            ten = {"orders": [order() for _ in range(10)]}
            assert alice.post("/portfolio/events/orders/batched", json=ten).status_code == 429  # 100 > 98
            assert len(ok(alice, "/portfolio/orders", status="resting")["orders"]) == 0
