"""Values Kalshi refuses, over real signed HTTP. A fixed-point string of a write body (a price, a count, a decrease, an
order group's limit, an FCM daily cap; v2 and legacy orders, amends, batches) is taken only in Kalshi's documented
grammar: ASCII digits, an optional "-", at most one point with digits on both sides of it; so no blank of any kind
around it, no "+", no bare point, no exponent, no other digits, no underscores, no NaN or Infinity. A client order id
is at most 64 of Kalshi's characters (A-Z a-z 0-9 - _ : + = /; an empty one is none). Each is refused as the mock
refuses that field's other bad values, having changed nothing; what the grammar takes is still taken."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from kalshi_accounts import open_fcm_desk
from kalshi_http import signed
from kalshi_orders import T0, M, fresh, order, place, refused, state

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

ORDERS = "/portfolio/events/orders"
BLANKS = [" ", "\t", "\n", "\r", "\v", "\f", "\u00a0", "\u2028", "\u2029", "\u3000", "\u200b", "\ufeff", "\x00"]
# Spellings of a good value that Kalshi's grammar does not take: blanks of every kind on either side, signs, bare
# points, exponents, other digits, underscores, NaN and Infinity.
NOT_FIXED_POINT = [
    *(blank + "{v}" for blank in BLANKS), *("{v}" + blank for blank in BLANKS), "+{v}", "{v}e0", "{v}E0", "{v}_0",
    "{v}.", "{v}x", "0x1", "NaN", "nan", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "Inf", "-", "+", ".",
    "1..5", "1.2.3", "1,5", "1/2", "½", "²", "１", "٣", "۳", "߁", "১", "𝟏", "1\u0301",
]  # fmt: skip
BAD_PRICES = [s.format(v="0.50") for s in NOT_FIXED_POINT] + [".50", ".5", "0.5e1", "5E-1", "０.５０", "٠.٥٠", "0_0.50"]
BAD_COUNTS = [s.format(v="1") for s in NOT_FIXED_POINT] + [".5", "1.", "1e0", "1_0", "-0", "١", "１０"]
BAD_CLIENT_IDS = [
    *(f"a{c}b" for c in (*BLANKS, "\x01", "\x1f", "\x7f", "\x85", ".", ",", "@", "#", "%", "!", "~", "'", '"', "\\")),
    " ", "é", "ａ", "ß", "١", "😀", "a\u0301", "x" * 65, "<script>", "a;b", "a?b", "a&b",
]  # fmt: skip
GOOD_CLIENT_IDS = ["x" * 64, "a/b:c+d=e_f-g", "8c35ecb3-328f-4f52-8c7c-0f4b9862f8d1", "ABCxyz019"]


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(clock=ManualClock(T0)) as mock:
        yield mock


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    """alice and bob ($100 each), markets M and N with no book."""
    return fresh(server)


@pytest.fixture
def alice(mock: MockServer) -> Iterator[httpx.Client]:
    with signed(mock, "alice") as client:
        yield client


def refused_all(mock: MockServer, send, values: list[str], status: int, code: str) -> None:
    """Each value, sent by `send`, is refused with Kalshi's exchange error of that code, changing nothing."""
    before = state(mock)
    for value in values:
        r = send(value)
        assert r.status_code == status, f"{value!r}: {r.status_code} {r.text}"
        refused(r, status, code)
    assert state(mock) == before


def test_a_price_outside_kalshis_grammar_is_an_invalid_price(mock, alice):
    refused_all(mock, lambda p: alice.post(ORDERS, json=order(price=p)), BAD_PRICES, 400, "invalid_price")


def test_a_count_outside_kalshis_grammar_is_a_bad_request(mock, alice):
    refused_all(mock, lambda c: alice.post(ORDERS, json=order(count=c)), BAD_COUNTS, 400, "bad_request")


def test_what_the_grammar_takes_is_still_placed(mock, alice):
    for price in ("0.3", "0.30", "0.300", "0.3000", "00.30"):
        assert place(alice, price=price)["remaining_count"] == "1.00"
    for count in ("1", "1.0", "1.00", "01", "0.5"):
        assert place(alice, count=count)["remaining_count"] in ("1.00", "0.50")


def test_a_client_order_id_outside_kalshis_characters_is_a_bad_request(mock, alice):
    send = lambda cid: alice.post(ORDERS, json=order(client_order_id=cid))  # noqa: E731
    refused_all(mock, send, BAD_CLIENT_IDS, 400, "bad_request")


def test_a_client_order_id_of_kalshis_characters_is_taken_and_an_empty_one_is_none(mock, alice):
    for cid in GOOD_CLIENT_IDS:
        assert place(alice, client_order_id=cid)["client_order_id"] == cid
    placed = place(alice, client_order_id="")
    assert "client_order_id" not in placed
    assert alice.get(f"/portfolio/orders/{placed['order_id']}").json()["order"]["client_order_id"] == ""
    assert place(alice, client_order_id="")["order_id"] != placed["order_id"]  # no id: nothing to be taken twice


def test_an_amend_and_a_decrease_take_kalshis_grammar_only(mock, alice):
    order_id = place(alice, count="4", client_order_id="c-1")["order_id"]
    amend = lambda **f: alice.post(  # noqa: E731
        f"{ORDERS}/{order_id}/amend", json={"ticker": M, "side": "bid", "price": "0.31", "count": "4", **f}
    )
    refused_all(mock, lambda p: amend(price=p), BAD_PRICES[:20], 400, "invalid_price")
    refused_all(mock, lambda c: amend(count=c), BAD_COUNTS[:20], 400, "bad_request")
    refused_all(mock, lambda u: amend(updated_client_order_id=u), BAD_CLIENT_IDS[:20], 400, "bad_request")
    refused_all(mock, lambda u: amend(client_order_id=u), ["c-1\x00", " c-1"], 400, "bad_request")
    decrease = f"{ORDERS}/{order_id}/decrease"
    for name in ("reduce_by", "reduce_to"):
        refused_all(mock, lambda c, n=name: alice.post(decrease, json={n: c}), BAD_COUNTS[:20], 400, "bad_request")
    r = amend(price="00.32", count="04", updated_client_order_id="c-2")
    assert r.status_code == 200, r.text
    assert r.json()["client_order_id"] == "c-2"
    assert alice.post(decrease, json={"reduce_by": "1.0"}).json()["remaining_count"] == "3.00"


def test_a_batch_refuses_such_an_item_in_its_place_and_places_the_others(mock, alice):
    items = [order(), order(price="+0.30"), order(count=" 1"), order(client_order_id="a\x00b"), order(price="0.31")]
    r = alice.post(f"{ORDERS}/batched", json={"orders": items})
    assert r.status_code == 201, r.text
    rows = r.json()["orders"]
    codes = [row["error"] and row["error"]["code"] for row in rows]
    assert codes == [None, "invalid_price", "bad_request", "bad_request", None]
    assert [row["client_order_id"] for row in rows] == [None, None, None, "a\x00b", None]
    assert [row["remaining_count"] for row in rows] == ["1.00", None, None, None, "1.00"]
    assert len(alice.get("/portfolio/orders").json()["orders"]) == 2


def test_an_order_groups_limit_takes_kalshis_grammar_only(mock, alice):
    groups = "/portfolio/order_groups"
    create = lambda fp: alice.post(f"{groups}/create", json={"contracts_limit_fp": fp})  # noqa: E731
    refused_all(mock, create, [s.format(v="5") for s in NOT_FIXED_POINT if s.format(v="5") != "5"], 400, "bad_request")
    r = create("05.00")
    assert r.status_code == 201, r.text
    limit = f"{groups}/{r.json()['order_group_id']}/limit"
    refused_all(mock, lambda fp: alice.put(limit, json={"contracts_limit_fp": fp}), ["+6", " 6", "6."], 400,
                "bad_request")  # fmt: skip
    assert alice.put(limit, json={"contracts_limit_fp": "6.0"}).status_code == 200


def test_an_fcm_daily_cap_takes_kalshis_grammar_only_and_a_client_order_id_filter_matches_nothing_else(mock):
    open_fcm_desk(mock)
    cap = "/fcm/subtraders/event_contract_daily_cap"
    with signed(mock, "fcm") as fcm:
        before = state(mock)
        for limit in ("+5", " 5", "5 ", "5.", ".5", "５", "5e0"):
            r = fcm.put(cap, json={"subtrader_id": "fcm_A", "limit": limit})
            assert (r.status_code, r.json()["code"]) == (400, "bad_request"), f"{limit!r}: {r.text}"
            assert r.json()["details"].endswith("'Limit' failed on the 'fixed_point_dollars' tag")
        assert state(mock) == before
        assert fcm.put(cap, json={"subtrader_id": "fcm_A", "limit": "05.50"}).json() == {}
        # A filter is no write: an id no order can have matches none (Kalshi documents no refusal of one).
        for ids in ("a\x00b", "é,ａ", "x" * 5000, "a b"):
            r = fcm.get("/fcm/orders", params={"client_order_ids": ids})
            assert (r.status_code, r.json()["orders"]) == (200, []), f"{ids!r}: {r.text}"


# -- the legacy order routes (`--profile legacy`) ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def legacy() -> Iterator[tuple[MockServer, httpx.Client]]:
    with MockServer(clock=ManualClock(T0), profile="legacy") as mock:
        fresh(mock)
        with signed(mock, "alice") as client:
            yield mock, client


def legacy_order(**fields) -> dict:
    return {"ticker": M, "side": "yes", "action": "buy", "count": 1, **fields}


def test_a_legacy_dollar_price_or_client_order_id_outside_kalshis_grammar_is_refused(legacy):
    mock, alice = legacy
    for name in ("yes_price_dollars", "no_price_dollars"):
        send = lambda p, n=name: alice.post("/portfolio/orders", json=legacy_order(**{n: p}))  # noqa: E731
        refused_all(mock, send, BAD_PRICES, 400, "invalid_price")
    send = lambda cid: alice.post("/portfolio/orders", json=legacy_order(yes_price=30, client_order_id=cid))  # noqa: E731
    refused_all(mock, send, BAD_CLIENT_IDS, 400, "bad_request")
    r = alice.post("/portfolio/orders", json=legacy_order(yes_price_dollars="00.30", client_order_id="l-1"))
    assert r.status_code == 201, r.text
    order_id = r.json()["order"]["order_id"]
    amend = f"/portfolio/orders/{order_id}/amend"
    body = legacy_order(yes_price=31, client_order_id="l-1")
    refused_all(mock, lambda u: alice.post(amend, json={**body, "updated_client_order_id": u}), BAD_CLIENT_IDS[:20],
                400, "bad_request")  # fmt: skip
    batch = [legacy_order(yes_price=30), legacy_order(no_price_dollars="+0.70"), legacy_order(yes_price=30,
             client_order_id="\x00")]  # fmt: skip
    r = alice.post("/portfolio/orders/batched", json={"orders": batch})
    assert r.status_code == 201, r.text
    rows = r.json()["orders"]
    assert [row["error"] and row["error"]["code"] for row in rows] == [None, "invalid_price", "bad_request"]
    assert rows[0]["order"]["status"] == "resting"
