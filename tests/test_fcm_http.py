"""GET /fcm/positions over real HTTP: who may call it, how subtrader_id is resolved, paging as on positions."""

from __future__ import annotations

import httpx
import plain_http
import pytest

from mockexchange.testing.signing import KalshiSigner

PATH = "/trade-api/v2/fcm/positions"


@pytest.fixture
def fcm(mockexchange):
    mockexchange.create_account("fcm", fcm_member=True)
    mockexchange.create_account("sub-1", subtrader_of="fcm")
    mockexchange.create_account("sub-2", subtrader_of="fcm")
    mockexchange.create_account("elsewhere")
    for i in range(7):
        mockexchange.fill("sub-1", f"EV{i % 3}-M{i}", "yes", "buy", "2", "0.40")
    mockexchange.fill("sub-2", "EV9-M1", "no", "buy", "1", "0.10")
    mockexchange.fill("fcm", "OWN-M1", "yes", "buy", "1", "0.10")
    return mockexchange


def signer_for(mock, user_id, **binding) -> KalshiSigner:
    key = mock.create_key(user_id, **binding)
    return KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])


def call(mock, signer, **params) -> httpx.Response:
    return plain_http.get(mock.base_url + PATH, params=params, headers=signer.headers("GET", PATH), timeout=10)


def tickers(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["ticker"] for r in response.json()["market_positions"]]


def test_an_fcm_key_lists_a_subtraders_positions(fcm):
    member = signer_for(fcm, "fcm")
    assert tickers(call(fcm, member, subtrader_id="sub-1")) == sorted(f"EV{i % 3}-M{i}" for i in range(7))
    assert tickers(call(fcm, member, subtrader_id="sub-2")) == ["EV9-M1"]
    body = call(fcm, member, subtrader_id="sub-2").json()
    assert body["market_positions"][0]["position_fp"] == "-1.00"
    assert body["event_positions"][0]["event_ticker"] == "EV9"


def test_pages_and_filters_work_as_on_positions(fcm):
    member = signer_for(fcm, "fcm")
    seen, cursor = [], None
    while True:
        body = call(fcm, member, subtrader_id="sub-1", limit=3, **({"cursor": cursor} if cursor else {})).json()
        seen += [r["ticker"] for r in body["market_positions"]]
        cursor = body["cursor"]
        if not cursor:
            break
    assert len(seen) == 7 == len(set(seen))
    assert tickers(call(fcm, member, subtrader_id="sub-1", event_ticker="EV1")) == ["EV1-M1", "EV1-M4"]
    assert tickers(call(fcm, member, subtrader_id="sub-1", ticker="EV0-M3")) == ["EV0-M3"]
    fcm.settle("EV0-M0", "no")
    assert "EV0-M0" not in tickers(call(fcm, member, subtrader_id="sub-1"))
    assert tickers(call(fcm, member, subtrader_id="sub-1", settlement_status="settled")) == ["EV0-M0"]


def test_a_subtrader_bound_key_defaults_to_its_subtrader(fcm):
    bound = signer_for(fcm, "fcm", subtrader_id="sub-2")
    assert tickers(call(fcm, bound)) == ["EV9-M1"]
    assert tickers(call(fcm, bound, subtrader_id="sub-2")) == ["EV9-M1"]
    r = call(fcm, bound, subtrader_id="sub-1")
    assert r.status_code == 403
    assert r.json() == {"error": {"code": "forbidden", "message": "the API key is bound to a different FCM subtrader"}}


def test_an_unbound_fcm_key_must_name_a_subtrader(fcm):
    r = call(fcm, signer_for(fcm, "fcm"))
    assert r.status_code == 400
    assert r.json() == {
        "msg": "Parameter validation failed for GetFCMPositions: Key: 'GetFCMPositionsParams.SubtraderId' "
        "Error:Field validation for 'SubtraderId' failed on the 'required' tag"
    }


def test_non_fcm_keys_are_forbidden(fcm):
    for user in ("elsewhere", "sub-1"):
        r = call(fcm, signer_for(fcm, user), subtrader_id="sub-1")
        assert r.status_code == 403
        assert r.json() == {"error": {"code": "forbidden", "message": "FCM member access level required"}}


def test_someone_elses_subtrader_is_not_found(fcm):
    fcm.create_account("fcm-b", fcm_member=True)
    fcm.create_account("sub-b", subtrader_of="fcm-b")
    member = signer_for(fcm, "fcm")
    for unknown in ("sub-b", "nobody", "elsewhere"):
        r = call(fcm, member, subtrader_id=unknown)
        assert r.status_code == 404
        assert r.json() == {"error": {"code": "not_found", "message": "not found"}}


@pytest.mark.parametrize(
    "query,field,tag",
    [
        ({"limit": "0"}, "Limit", "gte"),
        ({"limit": "1001"}, "Limit", "lte"),
        ({"settlement_status": "closed"}, "SettlementStatus", "oneof"),
        ({"count_filter": "resting_order_count"}, "CountFilter", "oneof"),
        ({"cursor": "garbage"}, "Cursor", "cursor"),
    ],
)
def test_bad_parameters(fcm, query, field, tag):
    r = call(fcm, signer_for(fcm, "fcm"), subtrader_id="sub-1", **query)
    assert r.status_code == 400
    assert r.json()["msg"] == (
        f"Parameter validation failed for GetFCMPositions: Key: 'GetFCMPositionsParams.{field}' "
        f"Error:Field validation for '{field}' failed on the '{tag}' tag"
    )


def test_a_positions_cursor_does_not_work_on_fcm_positions(fcm):
    member = signer_for(fcm, "fcm")
    for i in range(4):
        fcm.fill("fcm", f"OWN-X{i}", "yes", "buy", "1", "0.5")
    path = "/trade-api/v2/portfolio/positions"
    cursor = plain_http.get(fcm.base_url + path, params={"limit": 2}, headers=member.headers("GET", path)).json()[
        "cursor"
    ]
    assert cursor
    r = call(fcm, member, subtrader_id="sub-1", cursor=cursor)
    assert r.status_code == 400 and "op, owner differ" in r.headers["X-Mockexchange-Diagnosis"]


def test_the_subtrader_account_is_separate_from_the_members_own(fcm):
    member = signer_for(fcm, "fcm")
    path = "/trade-api/v2/portfolio/positions"
    own = plain_http.get(fcm.base_url + path, headers=member.headers("GET", path)).json()
    assert [r["ticker"] for r in own["market_positions"]] == ["OWN-M1"]
