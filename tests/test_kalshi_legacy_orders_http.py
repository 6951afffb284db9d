"""Kalshi's legacy order routes (kalshi_python_sync 3.2.0's OrdersApi) over real HTTP with signed requests, under
`--profile legacy`: create (limit and market, yes and no, buy and sell, `buy_max_cost`), batch create, cancel one,
batch cancel, amend, decrease; each answer's legacy `Order` checked against the ledger's reads (the order, balance,
positions, the book); each refusal in Kalshi's shape (the flat 400 of a body that does not decode, the exchange error
of an order refused), never a 500, having changed nothing; under 3.34 the writes answering Kalshi's 410 (it retired
them in June 2026) and doing nothing; a state file keeping the orders."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import plain_http
import pytest
from kalshi_commands import submit
from kalshi_http import ok
from kalshi_orders import fresh, refused, state
from module_mocks import client_of, forget, module_mock, signed

from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi.orders import FOK, IOC
from mockexchange.server import MockServer

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
M = "KXLEG-26NOV-A"
N = "KXLEG-26NOV-B"
TS_MS = int(T0.timestamp() * 1000)
# kalshi_python_sync 3.2.0's Order: its required fields (models/order.py), every one of them served
ORDER_FIELDS = {
    "order_id", "user_id", "client_order_id", "ticker", "side", "action", "type", "status", "yes_price", "no_price",
    "yes_price_dollars", "no_price_dollars", "fill_count", "remaining_count", "initial_count", "taker_fees",
    "maker_fees", "taker_fill_cost", "maker_fill_cost", "taker_fill_cost_dollars", "maker_fill_cost_dollars",
    "queue_position",
}  # fmt: skip
ROUTES = [
    ("POST", "/portfolio/orders"),
    ("POST", "/portfolio/orders/batched"),
    ("DELETE", "/portfolio/orders/batched"),
    ("DELETE", "/portfolio/orders/{id}"),
    ("POST", "/portfolio/orders/{id}/amend"),
    ("POST", "/portfolio/orders/{id}/decrease"),
]


server_fixture = module_mock("server", T0, profile="legacy")


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    """alice ($100) and bob ($100), markets M and N; the house's YES bid 0.40 x10 and NO bid 0.55 x5 (a YES ask at
    0.45) on M."""
    fresh(server, M, N).set_book(M, yes=[["0.40", "10"]], no=[["0.55", "5"]])
    forget(server)
    return server


alice_client, bob_client = client_of("alice"), client_of("bob")


def order(**fields) -> dict:
    """A legacy CreateOrderRequest: a limit buy of 1 YES of M at 30 cents, with `fields` over it."""
    return {"ticker": M, "side": "yes", "action": "buy", "count": 1, "type": "limit", "yes_price": 30, **fields}


def place(client: httpx.Client, **fields) -> dict:
    r = client.post("/portfolio/orders", json=order(**fields))
    assert r.status_code == 201, r.text
    assert set(r.json()) == {"order"}
    return r.json()["order"]


def flat(r: httpx.Response, details: str) -> None:
    assert (r.status_code, r.json()) == (400, {"code": "bad_request", "message": "bad request", "details": details})


def read(client: httpx.Client, order_id: str) -> dict:
    return ok(client, f"/portfolio/orders/{order_id}")["order"]


def book(mock: MockServer) -> dict:
    return plain_http.get(f"{mock.kalshi_url}/markets/{M}/orderbook").json()["orderbook"]


def balance(client: httpx.Client) -> tuple[int, str]:
    got = ok(client, "/portfolio/balance")
    return got["balance"], got["balance_dollars"]


# -- create ------------------------------------------------------------------------------------------------------------


def test_a_limit_buy_that_crosses_answers_the_legacy_order_every_read_agrees_with(mock, alice):
    made = place(alice, count=7, yes_price=46, client_order_id="a-1")
    assert set(made) >= ORDER_FIELDS and made == read(alice, made["order_id"])
    assert (made["side"], made["action"], made["type"], made["status"], made["client_order_id"]) == (
        "yes", "buy", "limit", "resting", "a-1")  # fmt: skip
    assert (made["yes_price"], made["no_price"], made["yes_price_dollars"], made["no_price_dollars"]) == (
        46, 54, "0.4600", "0.5400")  # fmt: skip
    assert (made["fill_count"], made["remaining_count"], made["initial_count"], made["queue_position"]) == (5, 2, 7, 0)
    # 5 at 0.45 ($2.25) and the fee 0.07 x 5 x 0.45 x 0.55 = 0.086625, up to 0.0867 (8 cents, truncated)
    taker = ("taker_fill_cost", "taker_fees", "taker_fill_cost_dollars", "taker_fees_dollars")
    assert [made[name] for name in taker] == [225, 8, "2.2500", "0.0867"]
    assert (made["maker_fill_cost"], made["maker_fees"], made["maker_fees_dollars"]) == (0, 0, "0.0000")
    assert balance(alice) == (9674, "96.7433")  # 2 x 0.46 held while they rest
    positions = ok(alice, "/portfolio/positions")["market_positions"]
    assert [(p["ticker"], p["position"], p["total_traded"]) for p in positions] == [(M, 5, 225)]
    fills = ok(alice, "/portfolio/fills")["fills"]
    assert [(f["order_id"], f["count"], f["yes_price"], f["is_taker"]) for f in fills] == [
        (made["order_id"], 5, 45, True)]  # fmt: skip
    assert book(mock)["yes"] == [[40, 10], [46, 2]]


def test_buy_no_rests_as_a_yes_ask_and_sell_yes_at_the_same_price_is_the_same_book_side(mock, alice, bob):
    made = place(alice, side="no", count=3, yes_price=None, no_price=52)  # a YES ask at 0.48
    assert (made["side"], made["action"], made["yes_price"], made["no_price"], made["remaining_count"]) == (
        "no", "buy", 48, 52, 3)  # fmt: skip
    assert book(mock)["no"] == [[52, 3], [55, 5]]
    assert balance(alice) == (9844, "98.4400")  # 3 x 0.52 held
    sold = place(bob, action="sell", count=2, yes_price=None, yes_price_dollars="0.4800")  # sell YES at 0.48
    assert (sold["side"], sold["action"], sold["yes_price"], sold["status"]) == ("yes", "sell", 48, "resting")
    assert book(mock)["no"] == [[52, 5], [55, 5]]
    bid = place(bob, side="no", action="sell", count=4, yes_price=None, no_price=60)  # sell NO at 0.60: a YES bid
    assert (bid["yes_price"], bid["fill_count"], bid["remaining_count"]) == (40, 0, 4)
    assert book(mock)["yes"] == [[40, 14]]
    mock.create_account("carol", balance_cents=10_000)
    with signed(mock, "carol") as carol:  # takes the house's 5 at 0.45, then alice's 3 at 0.48 (before bob's)
        took = place(carol, count=8, yes_price=48)
    assert (took["fill_count"], took["status"], took["taker_fill_cost"]) == (8, "executed", 225 + 144)
    assert book(mock)["no"] == [[52, 2]]
    got = read(alice, made["order_id"])
    assert (got["status"], got["fill_count"], got["maker_fill_cost"], got["maker_fill_cost_dollars"]) == (
        "executed", 3, 156, "1.5600")  # fmt: skip
    assert ok(alice, "/portfolio/positions")["market_positions"][0]["position"] == -3


def test_a_market_order_takes_what_rests_at_any_price_and_never_rests(mock, alice):
    made = place(alice, type="market", count=8, yes_price=None)
    assert (made["type"], made["status"], made["fill_count"], made["remaining_count"], made["initial_count"]) == (
        "market", "canceled", 5, 0, 8)  # fmt: skip
    assert (made["yes_price"], made["taker_fill_cost"]) == (99, 225)  # its limit: the worst level of the book
    assert book(mock)["no"] is None and book(mock)["yes"] == [[40, 10]]  # the legacy book: null for an empty side
    sold = place(alice, type="market", action="sell", count=2, yes_price=None)
    assert (sold["status"], sold["fill_count"], sold["yes_price"], sold["taker_fill_cost"]) == ("executed", 2, 1, 120)
    assert ok(alice, "/portfolio/positions")["market_positions"][0]["position"] == 3
    assert ok(alice, "/portfolio/orders", status="resting")["orders"] == []


def test_a_market_order_may_name_the_worst_price_it_takes(mock, alice):
    mock.set_book(M, yes=[["0.40", "10"]], no=[["0.55", "5"], ["0.50", "5"]])  # YES asks at 0.45 and 0.50
    made = place(alice, type="market", count=10, yes_price=47)
    assert (made["fill_count"], made["status"], made["yes_price"]) == (5, "canceled", 47)
    assert book(mock)["no"] == [[50, 5]]


@pytest.mark.parametrize(
    ("count", "cap", "filled", "spent"),
    [
        # each contract at 0.45 costs 0.45 and its share of the fee: 2 cost 0.90 + 0.0347 = 0.9347
        (2, 94, 2, 9347),
        (2, 93, 0, 0),  # a cent short: fill-or-kill, nothing
        (5, 100, 0, 0),  # the cap buys 2 of the 5: nothing
        (5, 10_000, 5, 23_367),  # 2.25 + 0.0867
    ],
)
def test_buy_max_cost_makes_a_market_buy_fill_whole_within_it_or_not_at_all(mock, alice, count, cap, filled, spent):
    made = place(alice, type="market", count=count, yes_price=None, buy_max_cost=cap)
    assert (made["fill_count"], made["remaining_count"]) == (filled, 0)
    assert made["status"] == ("executed" if filled else "canceled")
    assert balance(alice)[1] == f"{(1_000_000 - spent) / 10_000:.4f}"
    fills = ok(alice, "/portfolio/fills")["fills"]
    assert sum(f["count"] for f in fills) == filled


def test_buy_max_cost_counts_a_no_buy_at_its_own_price(mock, alice):
    # buy NO at market: YES bids at 0.40 sell as NO at 0.60; 3 cost 1.80 + 0.07 x 3 x 0.4 x 0.6 (0.0504) = 1.8504
    assert place(alice, side="no", type="market", count=3, yes_price=None, buy_max_cost=185)["fill_count"] == 0
    made = place(alice, side="no", type="market", count=3, yes_price=None, buy_max_cost=186)
    assert (made["fill_count"], made["taker_fill_cost"], made["yes_price"]) == (3, 180, 1)
    assert balance(alice) == (9814, "98.1496")


def test_the_cap_cuts_an_immediate_or_cancel_cross_to_what_it_pays_for(mock):
    """The core's cap under immediate-or-cancel (the legacy route always asks fill-or-kill): the cross is cut."""
    mock.set_book(M, yes=[["0.40", "10"]], no=[["0.55", "5"], ["0.50", "5"]])  # YES asks at 0.45 and 0.50
    done = submit(mock.ledger, "alice", M, "yes", "buy", 800, None, time_in_force=IOC, order_type="market",
                  buy_max_cost=3_000_000)  # fmt: skip
    # 5 at 0.45 (2.3367 with fees); 0.6633 left buys 1.28 at 0.50 (0.64 + fee 0.0224 = 0.6624), not 1.29 (0.6676)
    assert (done.filled, done.order.status, done.order.remaining) == (628, "canceled", 0)
    # the least cap an order takes, a cent, buys 1 of 100 hundredths at 0.50 (0.0052 with its fee): fill-or-kill, none
    assert submit(mock.ledger, "alice", M, "yes", "buy", 100, None, time_in_force=FOK, order_type="market",
                  buy_max_cost=10_000).filled == 0  # fmt: skip


REFUSALS = [
    (order(yes_price=None, yes_price_dollars="0.305"), 400, "invalid_price"),  # not a level of a cent market
    (order(yes_price=None, yes_price_dollars="0.３0"), 400, "invalid_price"),  # non-ASCII digits
    (order(yes_price=None, yes_price_dollars="1e-1"), 400, "invalid_price"),
    (order(no_price=70), 400, "invalid_order"),  # two prices
    (order(yes_price=None), 400, "invalid_order"),  # a limit order without one
    (order(ticker="KXNONE-1"), 404, "not_found"),
    (order(count=400), 400, "insufficient_balance"),
    (order(count=10**12), 400, "bad_request"),  # beyond the mock's bound
    (order(action="sell", yes_price=40, post_only=True), 400, "post_only_cross"),
    (order(action="sell", type="market", yes_price=None, buy_max_cost=100), 400, "invalid_order"),
    (order(buy_max_cost=0), 400, "bad_request"),
    (order(buy_max_cost=-5), 400, "bad_request"),
    (order(buy_max_cost=2**63 - 1), 400, "bad_request"),
    (order(sell_position_floor=3), 400, "invalid_order"),
    (order(type="market", yes_price=None, time_in_force="good_till_canceled"), 400, "invalid_order"),
    (order(expiration_ts=int(T0.timestamp())), 400, "invalid_expiration_time"),
    (order(expiration_ts=2**62), 400, "bad_request"),
    (order(client_order_id="taken"), 409, "order_already_exists"),
    (order(order_group_id="og-1"), 404, "not_found"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "status", "code"), REFUSALS)
def test_each_refusal_is_kalshis_and_changes_nothing(mock, alice, body, status, code):
    place(alice, client_order_id="taken")
    before = state(mock)
    refused(alice.post("/portfolio/orders", json=body), status, code)
    assert state(mock) == before


@pytest.mark.parametrize(
    ("body", "details"),
    [
        (order(count="10"), "json: cannot unmarshal string into Go struct field CreateOrderRequest.count of type int"),
        (order(count=1.5), "json: cannot unmarshal number 1.5 into Go struct field CreateOrderRequest.count of type "
                           "int"),
        (order(count=2**63), "json: cannot unmarshal number 9223372036854775808 into Go struct field "
                             "CreateOrderRequest.count of type int"),
        (order(yes_price="３０"), "json: cannot unmarshal string into Go struct field CreateOrderRequest.yes_price of "
                                  "type int"),
        (order(yes_price_dollars=0.3), "json: cannot unmarshal number into Go struct field "
                                       "CreateOrderRequest.yes_price_dollars of type string"),
        (order(post_only="true"), "json: cannot unmarshal string into Go struct field CreateOrderRequest.post_only of "
                                  "type bool"),
        (order(count=0), "Key: 'CreateOrderRequest.Count' Error:Field validation for 'Count' failed on the 'gte' tag"),
        (order(yes_price=100), "Key: 'CreateOrderRequest.YesPrice' Error:Field validation for 'YesPrice' failed on "
                               "the 'lte' tag"),
        (order(side="bid"), "Key: 'CreateOrderRequest.Side' Error:Field validation for 'Side' failed on the 'oneof' "
                            "tag"),
        (order(type="stop"), "Key: 'CreateOrderRequest.Type' Error:Field validation for 'Type' failed on the 'oneof' "
                             "tag"),
        ({k: v for k, v in order().items() if k != "action"}, "Key: 'CreateOrderRequest.Action' Error:Field "
                                                              "validation for 'Action' failed on the 'required' tag"),
    ],
)  # fmt: skip
def test_a_body_that_does_not_decode_or_validate_is_the_flat_bad_request(mock, alice, body, details):
    before = state(mock)
    flat(alice.post("/portfolio/orders", json=body), details)
    assert state(mock) == before


def test_a_key_locked_to_a_subaccount_places_on_its_subaccount(mock):
    mock.create_subaccount("alice")
    mock.subaccount_transfer("alice", "9c6f9e4e-2f4f-4f4e-8f4e-2f4f4f4e8f4e", 0, 1, 1_000)
    with signed(mock, "alice", subaccount=1) as locked, signed(mock, "alice") as whole:
        made = place(locked)
        assert ok(locked, f"/portfolio/orders/{made['order_id']}")["order"]["subaccount_number"] == 1
        refused(whole.delete(f"/portfolio/orders/{made['order_id']}"), 404, "not_found")  # not subaccount 0's
        assert locked.delete(f"/portfolio/orders/{made['order_id']}").status_code == 200


# -- batches, cancels, amend, decrease -----------------------------------------------------------------------------


def test_a_batch_places_each_order_and_answers_each_refusal_in_its_place(mock, alice):
    before = balance(alice)
    r = alice.post(
        "/portfolio/orders/batched",
        json={
            "orders": [
                order(client_order_id="b-1"),
                order(yes_price=None, yes_price_dollars="0.999", client_order_id="b-2"),
                order(yes_price=None, client_order_id="b-3"),
                order(action="sell", type="market", yes_price=None, count=2),
            ]
        },
    )
    assert r.status_code == 201, r.text
    first, second, third, fourth = r.json()["orders"]
    assert first["client_order_id"] == "b-1" and first["error"] is None
    assert first["order"] == read(alice, first["order"]["order_id"]) and first["order"]["remaining_count"] == 1
    assert second == {"client_order_id": "b-2", "order": None,
                      "error": {"code": "invalid_price", "message": "invalid price", "service": "exchange",
                                "details": second["error"]["details"]}}  # fmt: skip
    assert (third["order"], third["error"]["code"]) == (None, "invalid_order")  # no price: refused in its place
    assert fourth["client_order_id"] is None and (fourth["order"]["fill_count"], fourth["order"]["status"]) == (
        2, "executed")  # fmt: skip
    # 0.30 held; selling 2 YES held none buys 2 NO at 0.60 (1.20) and the fee 0.07 x 2 x 0.4 x 0.6 = 0.0336
    assert before == (10_000, "100.0000") and balance(alice) == (9846, "98.4664")
    r = alice.post("/portfolio/orders/batched", json={"orders": [order(count="1")]})
    flat(r, "json: cannot unmarshal string into Go struct field BatchCreateOrdersRequest.orders.count of type int")


def test_cancel_one_and_a_batch_give_back_what_the_orders_held(mock, alice, bob):
    made = [place(alice, yes_price=30 + i, count=2, client_order_id=f"c-{i}") for i in range(3)]
    assert balance(alice)[1] == "98.1400"  # 2 x (0.30 + 0.31 + 0.32) held
    r = alice.delete(f"/portfolio/orders/{made[0]['order_id']}")
    assert r.status_code == 200 and r.json()["reduced_by"] == 2
    got = r.json()["order"]
    assert got == read(alice, made[0]["order_id"])
    assert (got["status"], got["remaining_count"], got["initial_count"], got["client_order_id"]) == (
        "canceled", 0, 2, "c-0")  # fmt: skip
    before = state(mock)
    refused(alice.delete(f"/portfolio/orders/{made[0]['order_id']}"), 404, "not_found")  # ended
    refused(bob.delete(f"/portfolio/orders/{made[1]['order_id']}"), 404, "not_found")  # not bob's
    refused(alice.delete("/portfolio/orders/no-such-order"), 404, "not_found")
    assert state(mock) == before
    r = alice.request("DELETE", "/portfolio/orders/batched", json={"ids": [made[1]["order_id"], "nope"]})
    assert r.status_code == 200, r.text
    done, missing = r.json()["orders"]
    assert (done["order_id"], done["reduced_by"], done["error"], done["order"]["status"]) == (
        made[1]["order_id"], 2, None, "canceled")  # fmt: skip
    assert (missing["order_id"], missing["order"], missing["reduced_by"], missing["error"]["code"]) == (
        "nope", None, 0, "not_found")  # fmt: skip
    assert balance(alice)[1] == "99.3600"  # only c-2 holds 2 x 0.32
    unmarshal = "json: cannot unmarshal {} into Go struct field BatchCancelOrdersRequest.ids of type {}"
    flat(
        alice.request("DELETE", "/portfolio/orders/batched", json={"ids": "nope"}),
        unmarshal.format("string", "[]string"),
    )
    flat(alice.request("DELETE", "/portfolio/orders/batched", json={"ids": [1]}), unmarshal.format("number", "string"))
    assert alice.request("DELETE", "/portfolio/orders/batched", json={"ids": []}).json() == {"orders": []}


def test_amend_answers_the_order_before_and_after_and_may_cross(mock, alice):
    made = place(alice, count=5, yes_price=30, client_order_id="am-1")
    body = {"ticker": M, "side": "yes", "action": "buy", "client_order_id": "am-1",
            "updated_client_order_id": "am-2", "yes_price": 46, "count": 6}  # fmt: skip
    r = alice.post(f"/portfolio/orders/{made['order_id']}/amend", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["old_order"] == made
    after = r.json()["order"]
    assert after == read(alice, made["order_id"])
    assert (after["yes_price"], after["fill_count"], after["remaining_count"], after["initial_count"]) == (46, 5, 1, 6)
    assert after["client_order_id"] == "am-2"
    # the count left out: the order's own; a price of its side in dollars
    r = alice.post(
        f"/portfolio/orders/{made['order_id']}/amend",
        json={**body, "client_order_id": "am-2", "yes_price": None, "no_price_dollars": "0.5700"},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["order"]["yes_price"], r.json()["order"]["initial_count"]) == (43, 6)


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"no_price": 60}, 400, "invalid_order"),  # two prices
        ({"yes_price": None}, 400, "invalid_order"),  # none
        ({"action": "sell"}, 400, "invalid_order"),  # another side of the book
        ({"ticker": N}, 400, "invalid_order"),
        ({"yes_price": None, "yes_price_dollars": "0.3050"}, 400, "invalid_price"),
        ({"count": 10**12}, 400, "bad_request"),
        ({"count": 400}, 400, "insufficient_balance"),
        ({"client_order_id": "other"}, 400, "invalid_order"),
    ],
)
def test_an_amend_refused_changes_nothing(mock, alice, change, status, code):
    made = place(alice, count=5, yes_price=30)
    body = {"ticker": M, "side": "yes", "action": "buy", "yes_price": 31, "count": 5, **change}
    before = state(mock)
    refused(alice.post(f"/portfolio/orders/{made['order_id']}/amend", json=body), status, code)
    assert state(mock) == before


def test_an_amend_of_no_order_of_the_keys_is_not_found(mock, alice, bob):
    made = place(alice)
    body = {"ticker": M, "side": "yes", "action": "buy", "yes_price": 31}
    before = state(mock)
    refused(bob.post(f"/portfolio/orders/{made['order_id']}/amend", json=body), 404, "not_found")
    refused(alice.post("/portfolio/orders/nope/amend", json=body), 404, "not_found")
    flat(alice.post(f"/portfolio/orders/{made['order_id']}/amend", json={**body, "count": "2"}),
         "json: cannot unmarshal string into Go struct field AmendOrderRequest.count of type int")  # fmt: skip
    assert state(mock) == before


def test_decrease_shrinks_an_order_in_place_and_to_nothing_cancels_it(mock, alice, bob):
    first = place(alice, count=5)
    second = place(bob, count=5)
    r = alice.post(f"/portfolio/orders/{first['order_id']}/decrease", json={"reduce_by": 2})
    assert r.status_code == 200 and set(r.json()) == {"order"}
    assert r.json()["order"] == read(alice, first["order_id"]) and r.json()["order"]["remaining_count"] == 3
    assert ok(bob, f"/portfolio/orders/{second['order_id']}/queue_position")["queue_position_fp"] == "3.00"
    before = state(mock)
    refused(alice.post(f"/portfolio/orders/{first['order_id']}/decrease", json={"reduce_by": 1, "reduce_to": 1}),
            400, "invalid_order")  # fmt: skip
    refused(alice.post(f"/portfolio/orders/{first['order_id']}/decrease", json={"reduce_to": 4}), 400,
            "invalid_order")  # fmt: skip
    refused(alice.post(f"/portfolio/orders/{first['order_id']}/decrease", json={"reduce_by": 10**12}), 400,
            "bad_request")  # fmt: skip
    refused(bob.post(f"/portfolio/orders/{first['order_id']}/decrease", json={"reduce_by": 1}), 404, "not_found")
    flat(
        alice.post(f"/portfolio/orders/{first['order_id']}/decrease", json={"reduce_by": 0}),
        "Key: 'DecreaseOrderRequest.ReduceBy' Error:Field validation for 'ReduceBy' failed on the 'gte' tag",
    )
    flat(
        alice.post(f"/portfolio/orders/{first['order_id']}/decrease", json={"reduce_by": "１"}),
        "json: cannot unmarshal string into Go struct field DecreaseOrderRequest.reduce_by of type int",
    )
    assert state(mock) == before
    r = alice.post(f"/portfolio/orders/{first['order_id']}/decrease", json={"reduce_to": 0})
    assert (r.json()["order"]["status"], r.json()["order"]["remaining_count"]) == ("canceled", 0)
    assert balance(alice)[1] == "100.0000"


def test_a_read_only_key_is_refused_every_legacy_write(mock):
    made = mock.create_order("alice", M, "yes", "buy", "1", "0.10")["order_id"]
    with signed(mock, "alice", scopes=["read"]) as reader:
        before = state(mock)
        for method, path in ROUTES:
            r = reader.request(method, path.replace("{id}", made), json={})
            assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", (method, path, r.text)
        assert state(mock) == before


# -- the profile, the state file, the rate limit -------------------------------------------------------------------


RETIRED = {"error": {"code": "deprecated_v1_order_endpoint", "message": "Please switch to the V2 endpoints",
                     "details": "https://docs.kalshi.com/api-reference/orders/create-order-v2"}}  # fmt: skip


def test_under_3_34_the_legacy_writes_answer_kalshis_410_and_do_nothing():
    """Kalshi retired the v1 order writes in June 2026: each answers 410 `deprecated_v1_order_endpoint` (after the
    key's checks: unsigned is 401, a read-only key 403), whatever its body says, and nothing changes."""
    with MockServer(clock=ManualClock(T0)) as mock:
        mock.create_account("alice", balance_cents=10_000)
        mock.create_market(M)
        made = mock.create_order("alice", M, "yes", "buy", "1", "0.10")["order_id"]
        with signed(mock, "alice") as alice, signed(mock, "alice", scopes=["read"]) as reader:
            before = state(mock)  # (the keys made)
            for method, path in ROUTES:
                target = path.replace("{id}", made)
                for body in (order(), {"not": "an order"}):
                    r = alice.request(method, target, json=body)
                    assert (r.status_code, r.json()) == (410, RETIRED), (method, path, r.text)
                    assert "events/orders" in r.headers["x-mockexchange-diagnosis"]
                assert plain_http.request(method, f"{mock.kalshi_url}{target}").status_code == 401
                assert reader.request(method, target, json=order()).status_code == 403
            assert alice.get(f"/portfolio/orders/{made}").status_code == 200  # the v1 reads stay
            assert state(mock) == before


def test_a_state_file_keeps_legacy_orders(tmp_path):
    path = str(tmp_path / "state.db")
    with MockServer(clock=ManualClock(T0), profile="legacy", state=path) as mock:
        mock.create_account("alice", balance_cents=10_000)
        mock.create_market(M)
        mock.set_book(M, yes=[["0.40", "10"]], no=[["0.55", "5"]])
        with signed(mock, "alice") as alice:
            place(alice, side="no", count=2, yes_price=None, no_price=58)
            place(alice, type="market", count=3, yes_price=None, buy_max_cost=150)
            place(alice, type="market", count=1, yes_price=None, action="sell")
            kept = ok(alice, "/portfolio/orders")
            money = ok(alice, "/portfolio/balance")["balance"]
        key = mock.create_key("alice")
    with MockServer(clock=ManualClock(T0), profile="legacy", state=path) as again:
        from mockexchange.testing.signing import KalshiAuth, KalshiSigner

        auth = KalshiAuth(KalshiSigner.from_pem(key["key_id"], key["private_key_pem"]))
        with httpx.Client(base_url=again.kalshi_url, auth=auth, timeout=10) as alice:
            assert ok(alice, "/portfolio/orders") == kept
            assert ok(alice, "/portfolio/balance")["balance"] == money
    assert [o["type"] for o in kept["orders"]] == ["market", "market", "limit"]


def test_a_legacy_batch_pays_the_write_bucket_per_order_as_the_v2_batch_does():
    wall = ManualClock(datetime.now(UTC))  # the limiter's clock: it refills only when moved
    with MockServer(clock=ManualClock(T0), wall_clock=wall, rate_limit_tier="basic", profile="legacy") as mock:
        mock.create_account("alice", balance_cents=10_000)
        mock.create_market(M)
        with signed(mock, "alice") as alice:  # writes: 100 tokens, 10 an order, 2 a cancel
            many = {"orders": [order(yes_price=10 + i) for i in range(9)]}
            assert alice.post("/portfolio/orders/batched", json=many).status_code == 201  # 90 tokens
            assert alice.post("/portfolio/orders", json=order()).status_code == 201  # 100
            assert alice.post("/portfolio/orders", json=order()).status_code == 429
            wall.advance(seconds=1)  # 100 back
            ids = [o["order_id"] for o in ok(alice, "/portfolio/orders")["orders"]]
            assert alice.request("DELETE", "/portfolio/orders/batched", json={"ids": ids}).status_code == 200  # 20
            assert alice.delete(f"/portfolio/orders/{ids[0]}").status_code == 404  # 2 (ended)
            eight = {"orders": [order()] * 8}
            assert alice.post("/portfolio/orders/batched", json=eight).status_code == 429  # 80 > 78 (its first paid)
            assert alice.post("/portfolio/orders/batched", json={"orders": [order()] * 6}).status_code == 201  # 60
            assert alice.post("/portfolio/orders", json=order()).status_code == 429  # 10 > 8


@pytest.mark.parametrize("profile", ["3.34", "legacy"])
def test_no_route_takes_the_requests_of_a_later_one_and_the_busiest_is_tried_first(profile):
    """Starlette tries routes in turn: a parameter's route (`/portfolio/orders/{order_id}`) must come after a path it
    would take (`/portfolio/orders/batched`), and otherwise the table's order holds (its first row, the positions page,
    is matched first rather than after dozens of others)."""
    from mockexchange.app import build_app
    from mockexchange.settings import Settings
    from mockexchange.venues.kalshi.routes import _shadows

    app = build_app(Settings(profile=profile))
    paths = [r.path for r in app.asgi.routes if getattr(r, "path", "").startswith("/trade-api/v2/")]
    assert not [(a, b) for i, a in enumerate(paths) for b in paths[i + 1 :] if _shadows(a, b)]
    assert paths[0] == "/trade-api/v2/portfolio/positions"
