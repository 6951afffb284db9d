"""An FCM member's desk over real HTTP: subtraders, daily caps, blocked categories, position transfers, and the FCM
fills and orders lists; who may call them, and Kalshi's bodies for what they refuse."""

from __future__ import annotations

from decimal import Decimal

import httpx
import plain_http
import pytest
from test_inspector_api import Events

from mockexchange.core.kalshi import fcm as fcm_module
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner

API = "/trade-api/v2"


@pytest.fixture(scope="module")
def server():
    with MockServer() as mock:
        yield mock


class Desk:
    def __init__(self, mock: MockServer) -> None:
        self.mock = mock
        self.signers: dict[str, KalshiSigner] = {}

    def signer(self, user_id: str, **binding) -> KalshiSigner:
        name = user_id + repr(sorted(binding.items()))
        if name not in self.signers:
            key = self.mock.create_key(user_id, key_type="ed25519", **binding)
            self.signers[name] = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
        return self.signers[name]

    def call(self, method: str, path: str, user: str = "fcm", *, params=None, json=None, content=None, **binding):
        signer = self.signer(user, **binding)
        headers = signer.headers(method, API + path)
        if json is not None:
            return plain_http.request(
                method, self.mock.base_url + API + path, params=params, json=json, headers=headers, timeout=10
            )
        return plain_http.request(
            method, self.mock.base_url + API + path, params=params, content=content, headers=headers, timeout=10
        )


@pytest.fixture
def desk(server):
    server.reset()
    server.create_account("fcm", fcm_member=True)
    server.create_account("fcm_A", subtrader_of="fcm", balance_cents=100_000)
    server.create_account("fcm_B", subtrader_of="fcm")
    server.create_account("err", fcm_member=True)
    server.create_account("other", fcm_member=True)
    server.create_account("other_X", subtrader_of="other")
    server.create_account("plain")
    return Desk(server)


def test_subtraders_are_created_and_listed(desk):
    made = desk.call("POST", "/fcm/subtraders", json={"subtrader_suffix": "Cust9"})
    assert made.status_code == 201, made.text
    assert made.json() == {"subtrader_id": "fcm_Cust9"}
    listed = desk.call("GET", "/fcm/subtraders").json()["subtraders"]
    assert [s["subtrader_id"] for s in listed] == ["fcm_A", "fcm_B", "fcm_Cust9"]
    assert listed[2] == {
        "subtrader_id": "fcm_Cust9",
        "exchange_indices": [0],
        "trading_blocked": False,
        "fcm_trading_blocked": False,
        "propagation_pending": False,
    }
    again = desk.call("POST", "/fcm/subtraders", json={"subtrader_suffix": "Cust9"})
    assert again.status_code == 409
    assert again.json() == {"error": {"code": "conflict", "message": "conflict", "service": "exchange"}}


def state(mock: MockServer) -> tuple:
    """Everything an FCM request could change, to show a refused one changed nothing."""
    ledger = mock.app.ledger
    with ledger.reading():
        accounts = sorted(
            (a.user_id, sorted(a.cash.items()), tuple(a.subtraders)) for a in ledger.state.accounts.values()
        )
        rows = sorted((r.user_id, r.ticker, ledger.state.positions.cells(r)) for r in ledger.state.positions.all_rows())
        fcm = ledger.fcm
        desk = (dict(fcm.caps), {k: sorted(v) for k, v in fcm.blocked.items()}, dict(fcm.error_accounts))
        return accounts, rows, desk, sorted(fcm.transfers), ledger.contracts_filled


def bad_request(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"code", "message", "details"} and body["code"] == "bad_request", body
    return body["details"]


# -- subtraders ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({}, "'CreateFCMSubtraderRequest.SubtraderSuffix' Error:Field validation for 'SubtraderSuffix' failed on "
         "the 'required' tag"),
        ({"subtrader_suffix": ""}, "failed on the 'required' tag"),
        ({"subtrader_suffix": 7}, "json: cannot unmarshal number into Go struct field "
         "CreateFCMSubtraderRequest.subtrader_suffix of type string"),
        ({"subtrader_suffix": "a-b"}, "failed on the 'alphanum' tag"),
        ({"subtrader_suffix": "x" * 17}, "failed on the 'alphanum' tag"),
        ({"subtrader_suffix": "é"}, "failed on the 'alphanum' tag"),
        ([1], "json: cannot unmarshal array into Go value of type CreateFCMSubtraderRequest"),
    ],
)  # fmt: skip
def test_a_bad_subtrader_body_is_refused_naming_the_field(desk, body, details):
    before = state(desk.mock)
    assert details in bad_request(desk.call("POST", "/fcm/subtraders", json=body))
    assert state(desk.mock) == before


def test_who_may_manage_subtraders(desk):
    for user, binding in (("plain", {}), ("fcm_A", {})):
        refused = desk.call("GET", "/fcm/subtraders", user, **binding)
        assert refused.status_code == 403
        assert refused.json() == {"error": {"code": "forbidden", "message": "FCM member access level required"}}
    bound = desk.call("POST", "/fcm/subtraders", "fcm", json={"subtrader_suffix": "Z"}, subtrader_id="fcm_A")
    assert bound.status_code == 403
    assert bound.json()["error"]["message"] == "requires an unrestricted FCM member API key"
    assert "fcm_Z" not in desk.mock.app.ledger.state.accounts


# -- daily caps ---------------------------------------------------------------------------------------------------

CAP = "/fcm/subtraders/event_contract_daily_cap"


def test_a_daily_cap_is_set_read_and_removed(desk):
    mock = desk.mock
    assert desk.call("GET", CAP, params={"subtrader_id": "fcm_A"}).status_code == 404  # none configured
    set_ = desk.call("PUT", CAP, json={"subtrader_id": "fcm_A", "limit": "150.25"})
    assert (set_.status_code, set_.json()) == (200, {})
    mock.fill("fcm_A", "KXA-26-T1", "yes", "buy", "10", "0.40", fee="0.05")  # 4.00 + 0.05 deployed
    mock.fill("fcm_A", "KXA-26-T1", "yes", "sell", "4", "0.50", fee="0")  # 2.00 back
    mock.create_order("fcm_A", "KXA-26-T1", "no", "buy", "2", "0.30")  # 0.60 at most, plus the taker fee
    got = desk.call("GET", CAP, params={"subtrader_id": "fcm_A"})
    assert got.status_code == 200, got.text
    cap_date = mock.app.ledger.fcm.cap_date().isoformat()
    fee = mock.app.ledger.state.fee_schedule.fee(Decimal(2), Decimal("0.30"), True)
    assert got.json() == {
        "subtrader_id": "fcm_A",
        "limit": "150.250000",
        "executed_utilization": "2.050000",
        "resting_order_utilization": f"{Decimal('0.60') + fee:.6f}",
        "pending_order_utilization": "0.000000",
        "cap_date": cap_date,
    }
    bound = desk.call("GET", CAP, "fcm", subtrader_id="fcm_A")  # a bound key reads its own subtrader's
    assert bound.json()["subtrader_id"] == "fcm_A"
    assert desk.call("DELETE", CAP, params={"subtrader_id": "fcm_A"}).json() == {}
    assert desk.call("GET", CAP, params={"subtrader_id": "fcm_A"}).status_code == 404
    assert desk.call("DELETE", CAP, params={"subtrader_id": "fcm_A"}).status_code == 404


@pytest.mark.parametrize(
    ("method", "kwargs", "details"),
    [
        ("PUT", {"json": {"subtrader_id": "fcm_A", "limit": 5}}, "cannot unmarshal number into Go struct field "
         "UpdateFCMEventContractDailyCapRequest.limit of type string"),
        ("PUT", {"json": {"subtrader_id": "fcm_A", "limit": "-1"}}, "'Limit' failed on the 'gte' tag"),
        ("PUT", {"json": {"subtrader_id": "fcm_A", "limit": "1.23456"}}, "'Limit' failed on the 'fixed_point_dollars'"),
        ("PUT", {"json": {"subtrader_id": "fcm_A", "limit": "NaN"}}, "'Limit' failed on the 'fixed_point_dollars'"),
        ("PUT", {"json": {"subtrader_id": "fcm_A", "limit": "1e3"}}, "'Limit' failed on the 'fixed_point_dollars'"),
        ("PUT", {"json": {"limit": "1"}}, "'SubtraderId' failed on the 'required' tag"),
        ("PUT", {"content": b"{"}, "invalid character"),
    ],
)  # fmt: skip
def test_a_bad_cap_body_is_refused_naming_the_field(desk, method, kwargs, details):
    before = state(desk.mock)
    assert details in bad_request(desk.call(method, CAP, **kwargs))
    assert state(desk.mock) == before


def test_cap_access_rules(desk):
    assert desk.call("GET", CAP).json() == {  # an unbound key must name its subtrader
        "msg": "Parameter validation failed for GetFCMEventContractDailyCap: Key: "
        "'GetFCMEventContractDailyCapParams.SubtraderId' Error:Field validation for 'SubtraderId' failed on the "
        "'required' tag"
    }
    assert desk.call("DELETE", CAP).status_code == 400
    other = desk.call("PUT", CAP, json={"subtrader_id": "other_X", "limit": "1"})
    assert (other.status_code, other.json()) == (404, {"error": {"code": "not_found", "message": "not found"}})
    bound = desk.call("PUT", CAP, json={"subtrader_id": "fcm_A", "limit": "1"}, subtrader_id="fcm_A")
    assert bound.status_code == 403
    wrong = desk.call("GET", CAP, params={"subtrader_id": "fcm_B"}, subtrader_id="fcm_A")
    assert wrong.json()["error"]["message"] == "the API key is bound to a different FCM subtrader"
    assert desk.mock.app.ledger.fcm.caps == {}


# -- blocked categories ------------------------------------------------------------------------------------------

BLOCKED = "/fcm/subtraders/blocked_categories"


def test_blocked_categories_are_stored_sorted_and_read(desk):
    for category in ("Sports", "Politics", "Crypto"):
        done = desk.call("PUT", BLOCKED, json={"subtrader_id": "fcm_A", "category": category, "blocked": True})
        assert done.status_code == 200, done.text
    assert done.json() == {"categories": ["Crypto", "Politics", "Sports"]}
    removed = desk.call("PUT", BLOCKED, json={"subtrader_id": "fcm_A", "category": "Politics", "blocked": False})
    assert removed.json() == {"categories": ["Crypto", "Sports"]}
    noop = desk.call("PUT", BLOCKED, json={"subtrader_id": "fcm_A", "category": "Weather", "blocked": False})
    assert noop.json() == {"categories": ["Crypto", "Sports"]}
    assert desk.call("GET", BLOCKED, params={"subtrader_id": "fcm_A"}).json() == {"categories": ["Crypto", "Sports"]}
    assert desk.call("GET", BLOCKED, params={"subtrader_id": "fcm_B"}).json() == {"categories": []}
    # Where an order path checks them (orders are not taken from clients yet).
    fcm = desk.mock.app.ledger.fcm
    assert fcm.order_refusal("fcm_A", "Sports", 0, bound_key=False) is not None
    assert fcm.order_refusal("fcm_A", "Weather", 0, bound_key=False) is None


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"subtrader_id": "fcm_A", "category": "Sports"}, "'Blocked' failed on the 'required' tag"),
        ({"subtrader_id": "fcm_A", "category": "Sports", "blocked": "yes"}, "cannot unmarshal string into Go struct "
         "field UpdateFCMSubtraderBlockedCategoriesRequest.blocked of type bool"),
        ({"subtrader_id": "fcm_A", "category": "", "blocked": True}, "'Category' failed on the 'required' tag"),
        ({"subtrader_id": "fcm_A", "category": "x" * 101, "blocked": True}, "'Category' failed on the 'max' tag"),
        ({"subtrader_id": "fcm_A", "category": ["Sports"], "blocked": True}, "cannot unmarshal array"),
    ],
)  # fmt: skip
def test_a_bad_category_body_is_refused_naming_the_field(desk, body, details):
    before = state(desk.mock)
    assert details in bad_request(desk.call("PUT", BLOCKED, json=body))
    assert state(desk.mock) == before


def test_blocked_categories_access(desk):
    assert desk.call("GET", BLOCKED).status_code == 400  # subtrader_id is required
    other = desk.call("GET", BLOCKED, params={"subtrader_id": "other_X"})
    assert other.status_code == 403  # the spec documents no 404 here
    put_other = desk.call("PUT", BLOCKED, json={"subtrader_id": "other_X", "category": "S", "blocked": True})
    assert put_other.status_code == 404
    assert desk.mock.app.ledger.fcm.blocked == {}


def test_blocking_a_category_tells_the_inspectors_feed_of_the_subtrader(desk):
    events = Events(desk.mock)
    try:
        events.wait_for("hello")
        answer = desk.call("PUT", BLOCKED, json={"subtrader_id": "fcm_A", "category": "Sports", "blocked": True})
        assert answer.status_code == 200, answer.text
        events.wait_for("state", lambda d: d["users"] is not None and "fcm_A" in d["users"]["kalshi"])
    finally:
        events.close()


def test_a_subtraders_blocked_categories_are_bounded(desk, monkeypatch):
    """At the bound (3 here) a new category is refused, changing nothing; one already blocked may be blocked again."""
    monkeypatch.setattr(fcm_module, "MAX_CATEGORIES", 3)
    for category in ("A", "B", "C", "A"):
        answer = desk.call("PUT", BLOCKED, json={"subtrader_id": "fcm_A", "category": category, "blocked": True})
        assert answer.status_code == 200, (category, answer.text)
    refused = desk.call("PUT", BLOCKED, json={"subtrader_id": "fcm_A", "category": "D", "blocked": True})
    assert refused.status_code == 400 and "3 blocked categories" in refused.headers["x-mockexchange-diagnosis"]
    assert desk.mock.app.ledger.fcm.blocked == {"fcm_A": {"A", "B", "C"}}


def test_the_admin_api_names_who_is_no_member_or_no_subtrader(desk):
    """The control plane's refusals of the desk's own rules: a member that is none (403), another member's subtrader
    (404), an error account that is no member or the member itself (400); clearing an error account never set is
    no error."""

    def admin(path: str, **body: object) -> httpx.Response:
        return plain_http.post(f"{desk.mock.base_url}/_admin/fcm/{path}", json=body, timeout=10)

    cap = {"subtrader_id": "fcm_A", "limit": "10"}
    none = admin("daily_caps", fcm_user_id="plain", **cap)
    assert (none.status_code, none.json()) == (403, {"error": "'plain' is not an FCM member"})
    theirs = admin("daily_caps", fcm_user_id="fcm", subtrader_id="other_X", limit="10")
    assert (theirs.status_code, theirs.json()) == (404, {"error": "'other_X' is not a subtrader of FCM member 'fcm'"})
    for error_account in ("plain", "fcm"):
        refused = admin("error_accounts", fcm_user_id="fcm", error_account_id=error_account)
        assert (refused.status_code, refused.json()) == (
            400, {"error": f"the error account {error_account!r} must be another FCM member account"}
        )  # fmt: skip
    assert admin("error_accounts", fcm_user_id="fcm", error_account_id=None).status_code == 200
    assert desk.mock.app.ledger.fcm.error_accounts == {}


# -- position transfers ------------------------------------------------------------------------------------------

TRANSFERS = "/fcm/positions/transfers"
MARKET = "KXEX-26DEC31-T1"


def transfer(desk, count, price, *, target="err_ERR1", source="fcm_A", ticker=MARKET, **binding):
    body = {"source_subtrader_id": source, "target_subtrader_id": target, "market_ticker": ticker}
    body |= {"position_centicount": count, "price_centicents": price}
    return desk.call("POST", TRANSFERS, json=body, **binding)


def positions(desk, user) -> dict:
    ledger = desk.mock.app.ledger
    row = ledger.state.positions.get(user, 0, MARKET)
    return {} if row is None else dict(zip(("position", "exposure", "traded", "realized", "fees", "volume"),
                                           ledger.state.positions.cells(row), strict=True))  # fmt: skip


def cash(desk, user) -> Decimal:
    return desk.mock.app.ledger.state.accounts[user].balance()


@pytest.fixture
def transfers(desk):
    desk.mock.set_fcm_error_account("fcm", "err")
    desk.mock.create_account("err_ERR1", subtrader_of="err", balance_cents=1_000)
    desk.mock.fill("fcm_A", MARKET, "yes", "buy", "10", "0.40", fee="0")
    return desk


def test_moving_yes_books_it_like_a_trade_at_the_yes_price(transfers):
    desk = transfers
    a_cash, err_cash = cash(desk, "fcm_A"), cash(desk, "err_ERR1")
    made = transfer(desk, 1000, 4500)
    assert made.status_code == 201, made.text
    transfer_id = made.json()["position_transfer_id"]
    assert set(made.json()) == {"position_transfer_id"} and transfer_id
    # Source: 10 YES -> 0, receiving $4.50 for a $4.00 basis; target: 0 -> 10 YES for $4.50. No fee, no fill.
    assert positions(desk, "fcm_A") == {
        "position": 0, "exposure": 0, "traded": 4_000_000 + 5_500_000, "realized": 500_000, "fees": 0,
        "volume": 2_000,
    }  # fmt: skip
    assert positions(desk, "err_ERR1") == {
        "position": 1_000,
        "exposure": 4_500_000,
        "traded": 4_500_000,
        "realized": 0,
        "fees": 0,
        "volume": 1_000,
    }
    assert cash(desk, "fcm_A") == a_cash + Decimal("4.5")
    assert cash(desk, "err_ERR1") == err_cash - Decimal("4.5")
    assert len(desk.mock.app.ledger.state.fills) == 1
    # The FCM's own reads show both sides, event totals included.
    a = desk.call("GET", "/fcm/positions", params={"subtrader_id": "fcm_A"}).json()
    assert a["market_positions"][0]["position_fp"] == "0.00"
    assert a["market_positions"][0]["realized_pnl_dollars"] == "0.500000"
    assert a["event_positions"][0]["event_exposure_dollars"] == "0.000000"
    err = desk.call("GET", "/fcm/positions", "err", params={"subtrader_id": "err_ERR1"}).json()
    assert err["market_positions"][0]["position_fp"] == "10.00"
    assert err["event_positions"][0]["event_exposure_dollars"] == "4.500000"
    assert err["event_positions"][0]["total_cost_dollars"] == "4.500000"


def test_moving_no_pays_one_minus_the_yes_price(transfers):
    desk = transfers
    desk.mock.fill("fcm_B", MARKET, "no", "buy", "5", "0.30")
    b_cash = cash(desk, "fcm_B")
    made = transfer(desk, -500, 7000, source="fcm_B")
    assert made.status_code == 201, made.text
    assert positions(desk, "fcm_B")["position"] == 0
    assert positions(desk, "err_ERR1")["position"] == -500
    assert cash(desk, "fcm_B") == b_cash + Decimal("1.5")
    assert cash(desk, "err_ERR1") == Decimal("10") - Decimal("1.5")


def test_a_target_is_opened_on_first_use_and_a_free_move_moves_no_cash(transfers):
    desk = transfers
    made = transfer(desk, 400, 0, target="err_NEW7")
    assert made.status_code == 201, made.text
    assert desk.mock.app.ledger.state.accounts["err_NEW7"].subtrader_of == "err"
    assert positions(desk, "err_NEW7")["position"] == 400
    assert cash(desk, "err_NEW7") == 0
    assert positions(desk, "fcm_A")["position"] == 600


def test_the_source_is_not_checked_a_larger_move_flips_it(transfers):
    desk = transfers
    assert transfer(desk, 1500, 4000).status_code == 201
    assert positions(desk, "fcm_A")["position"] == -500  # 10 YES less 15: 5 NO


def test_a_target_with_exactly_the_price_in_cash_may_take_the_position(transfers):
    """10 YES at $0.45 cost $4.50: a target holding exactly that takes them, its cash left at 0; one cent short is
    refused (409), changing nothing."""
    desk = transfers
    desk.mock.create_account("err_EXACT", subtrader_of="err", balance_cents=450)
    desk.mock.create_account("err_SHORT", subtrader_of="err", balance_cents=449)
    short = transfer(desk, 1000, 4500, target="err_SHORT")
    assert short.status_code == 409 and "not enough cash" in short.headers["x-mockexchange-diagnosis"]
    assert transfer(desk, 1000, 4500, target="err_EXACT").status_code == 201
    assert (cash(desk, "err_EXACT"), positions(desk, "err_EXACT")["position"]) == (0, 1_000)


def test_a_transfers_cash_shows_in_each_sides_balance_on_its_exchange_index(transfers):
    """Over HTTP, GET /portfolio/balance of each side: the source's $4.50 received and the target's paid, on the
    market's exchange index (0)."""
    desk = transfers

    def breakdown(user: str) -> list:
        return desk.call("GET", "/portfolio/balance", user=user).json()["balance_breakdown"]

    assert breakdown("fcm_A") == [{"exchange_index": 0, "balance": "996.0000"}]
    assert transfer(desk, 1000, 4500).status_code == 201
    assert breakdown("fcm_A") == [{"exchange_index": 0, "balance": "1000.5000"}]
    assert breakdown("err_ERR1") == [{"exchange_index": 0, "balance": "5.5000"}]


def test_a_transfer_moves_no_open_interest(transfers):
    """The position changes hands, so the market's open interest (10 YES held) stays: 4 YES moved, then the source's
    6 left, each over HTTP as GET /markets/{ticker} shows it."""
    desk = transfers

    def open_interest() -> str:
        return plain_http.get(f"{desk.mock.kalshi_url}/markets/{MARKET}", timeout=10).json()["market"][
            "open_interest_fp"
        ]

    assert open_interest() == "10.00"
    for count in (400, 600):
        assert transfer(desk, count, 4500).status_code == 201
        assert open_interest() == "10.00"
    assert (positions(desk, "fcm_A")["position"], positions(desk, "err_ERR1")["position"]) == (0, 1_000)


def test_a_member_keeps_its_latest_position_transfers(transfers, monkeypatch):
    """A member shuttling a position (free moves, the source unchecked) grows the desk's records no further than its
    latest MAX_KEPT_TRANSFERS; another member's are its own."""
    monkeypatch.setattr(fcm_module, "MAX_KEPT_TRANSFERS", 2)
    desk = transfers
    made = [transfer(desk, 100, 0).json()["position_transfer_id"] for _ in range(3)]
    kept = desk.mock.app.ledger.fcm.transfers
    assert set(kept) == set(made[1:])
    assert transfer(desk, 100, 0).status_code == 201  # the member still transfers
    assert len(kept) == 2


@pytest.mark.parametrize(
    ("change", "status", "why"),
    [
        ({"count": 1000, "price": 4500, "target": "err_ERR1", "enabled": False}, 400, "not enabled"),
        ({"count": 1000, "price": 4500, "target": "fcm_ERR1"}, 400, "target_subtrader_id must be err_"),
        ({"count": 1000, "price": 4500, "target": "err_bad-suffix"}, 400, "target_subtrader_id must be err_"),
        ({"count": 1000, "price": 4500, "target": "err"}, 400, "target_subtrader_id must be err_"),
        ({"count": 1050, "price": 4500}, 400, "whole number of contracts"),
        ({"count": 1000, "price": 4550}, 400, "whole cents"),
        ({"count": 1000, "price": 4500, "ticker": "KXNOPE-1"}, 404, "unknown market"),
        ({"count": 1000, "price": 4500, "source": "other_X"}, 404, "not a subtrader"),
        ({"count": 1000, "price": 9900, "target": "err_POOR"}, 409, "not enough cash"),
        ({"count": 1000, "price": 4500, "target": "err_EMPTY"}, 409, "not enough cash"),  # (no cash ever)
        ({"count": 1000, "price": 4500, "market": "settle"}, 409, "is settled"),
        ({"count": 1000, "price": 4500, "market": "pause_market"}, 409, "is paused"),  # (the spec: it must be open)
        ({"count": 1000, "price": 4500, "market": "close_market"}, 409, "is closed"),
    ],
)
def test_a_refused_transfer_changes_nothing(transfers, change, status, why):
    desk, change = transfers, dict(change)  # (a copy: the parameters outlive one run of the test)
    if change.pop("enabled", True) is False:
        desk.mock.set_fcm_error_account("fcm", None)
    moved = change.pop("market", None)
    if moved is not None:
        getattr(desk.mock, moved)(MARKET, *(("yes",) if moved == "settle" else ()))
    desk.mock.create_account("err_POOR", subtrader_of="err", balance_cents=100)
    desk.mock.create_account("err_EMPTY", subtrader_of="err")
    before = state(desk.mock)
    refused = transfer(desk, change.pop("count"), change.pop("price"), **change)
    assert refused.status_code == status, refused.text
    assert refused.json()["error"]["code"] == {400: "bad_request", 404: "not_found", 409: "conflict"}[status]
    assert why in refused.headers["x-mockexchange-diagnosis"]
    assert state(desk.mock) == before


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"position_centicount": 0}, "'PositionCenticount' failed on the 'required' tag"),
        ({"position_centicount": 1.5}, "cannot unmarshal number 1.5 into Go struct field "
         "CreateFCMPositionTransferRequest.position_centicount of type int64"),
        ({"position_centicount": "100"}, "cannot unmarshal string"),
        ({"position_centicount": 2**63}, "cannot unmarshal number"),
        ({"price_centicents": -1}, "'PriceCenticents' failed on the 'gte' tag"),
        ({"price_centicents": 10_001}, "'PriceCenticents' failed on the 'lte' tag"),
        ({"price_centicents": None}, "'PriceCenticents' failed on the 'required' tag"),
        ({"market_ticker": ""}, "'MarketTicker' failed on the 'required' tag"),
        ({"source_subtrader_id": True}, "cannot unmarshal bool"),
    ],
)  # fmt: skip
def test_a_bad_transfer_body_is_refused_naming_the_field(transfers, body, details):
    desk = transfers
    sent = {"source_subtrader_id": "fcm_A", "target_subtrader_id": "err_ERR1", "market_ticker": MARKET}
    sent |= {"position_centicount": 100, "price_centicents": 100, **body}
    before = state(desk.mock)
    assert details in bad_request(desk.call("POST", TRANSFERS, json=sent))
    assert state(desk.mock) == before


def test_only_an_unrestricted_fcm_key_transfers(transfers):
    desk = transfers
    before = state(desk.mock)
    assert transfer(desk, 100, 100, subtrader_id="fcm_A").status_code == 403
    assert desk.call("POST", TRANSFERS, "plain", json={}).status_code == 403  # the access level comes first
    plain = desk.call("POST", TRANSFERS, "plain", json={
        "source_subtrader_id": "fcm_A", "target_subtrader_id": "err_E", "market_ticker": MARKET,
        "position_centicount": 100, "price_centicents": 0,
    })  # fmt: skip
    assert plain.status_code == 403
    assert state(desk.mock) == before


def test_a_transfer_publishes_both_rows(transfers):
    desk = transfers
    seen = []
    desk.mock.app.ledger.state.bus.subscribe(seen.append, ("position", "fcm_position_transfer"))
    assert transfer(desk, 1000, 4500).status_code == 201
    assert [(c.kind, c.user_id) for c in seen] == [
        ("position", "fcm_A"),
        ("position", "err_ERR1"),
        ("fcm_position_transfer", "fcm"),
    ]
    assert seen[1].payload.position == Decimal("10.00")


def test_in_generated_mode_reads_are_generated_and_writes_change_the_ledger():
    with MockServer(generated_responses=5) as mock:
        mock.create_account("fcm", fcm_member=True)
        desk = Desk(mock)
        made = desk.call("POST", "/fcm/subtraders", json={"subtrader_suffix": "G1"})
        assert (made.status_code, made.json()) == (201, {"subtrader_id": "fcm_G1"})
        assert "fcm_G1" in mock.app.ledger.state.accounts
        listed = desk.call("GET", "/fcm/subtraders").json()["subtraders"]
        assert [s["subtrader_id"] for s in listed] != ["fcm_G1"]  # generated, not the ledger's
