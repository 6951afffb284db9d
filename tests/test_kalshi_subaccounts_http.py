"""Subaccounts over real HTTP: create (1-63, the 64th refused, the usage tier), transfers between them (idempotent on
client_transfer_id, refused beyond the balance, listed and paged), balances per subaccount, netting settings; keys
locked to a subaccount; both wire profiles; seeding from the admin API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from kalshi_accounts import client, user
from module_mocks import profile_mocks

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


# The module's mock of each profile, reset before each test (the users' keys kept: module_mocks).
modern_server, legacy_server, modern, legacy, mock = profile_mocks(T0)


def transfer(c: httpx.Client, source: int, destination: int, cents: int, client_id: str | None = None, **more):
    body = {"client_transfer_id": client_id or str(uuid.uuid4()), "from_subaccount": source,
            "to_subaccount": destination, "amount_cents": cents, **more}  # fmt: skip
    return c.post("/portfolio/subaccounts/transfer", json=body)


def balances(c: httpx.Client) -> dict[tuple[int, int], str]:
    r = c.get("/portfolio/subaccounts/balances")
    assert r.status_code == 200, r.text
    return {(b["subaccount_number"], b["exchange_index"]): b["balance"] for b in r.json()["subaccount_balances"]}


def test_subaccounts_are_numbered_1_to_63_and_the_64th_is_refused(mock):
    user_id, c = user(mock)
    for n in range(1, 64):
        r = c.post("/portfolio/subaccounts")
        assert (r.status_code, r.json()) == (201, {"subaccount_number": n})
    r = c.post("/portfolio/subaccounts", json={})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request"
    assert "63 numbered subaccounts" in r.headers["x-mockexchange-diagnosis"]
    assert len(balances(c)) == 64


def test_a_subaccount_made_on_an_exchange_index_holds_a_balance_there(mock):
    user_id, c = user(mock)
    assert c.post("/portfolio/subaccounts", json={"exchange_index": 2}).json() == {"subaccount_number": 1}
    assert balances(c) == {(0, 0): "100.0000", (1, 0): "0.0000", (1, 2): "0.0000"}
    updated = {row["updated_ts"] for row in c.get("/portfolio/subaccounts/balances").json()["subaccount_balances"]}
    assert updated == {int(T0.timestamp())}


def test_below_the_advanced_tier_subaccounts_are_refused(mock):
    user_id, c = user(mock)
    mock.set_rate_limit_tier("basic")
    try:
        r = c.post("/portfolio/subaccounts")
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
        assert "Advanced API tier" in r.json()["error"]["message"]
        mock.set_rate_limit_tier("advanced")
        assert c.post("/portfolio/subaccounts").status_code == 201
    finally:
        mock.set_rate_limit_tier("off")


def test_a_transfer_moves_cash_once_per_client_transfer_id(mock):
    user_id, c = user(mock)
    c.post("/portfolio/subaccounts")
    client_id = str(uuid.uuid4())
    for _ in range(2):  # the same request again: the transfer already made
        r = transfer(c, 0, 1, 2_500, client_id)
        assert (r.status_code, r.json()) == (200, {})
    assert balances(c) == {(0, 0): "75.0000", (1, 0): "25.0000"}
    assert c.get("/portfolio/balance").json()["balance"] == 7_500
    assert c.get("/portfolio/balance", params={"subaccount": 1}).json()["balance"] == 2_500
    r = transfer(c, 0, 1, 2_600, client_id)  # the id again, for another transfer
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    rows = c.get("/portfolio/subaccounts/transfers").json()["transfers"]
    assert [(t["from_subaccount"], t["to_subaccount"], t["amount_cents"], t["exchange_index"]) for t in rows] == [
        (0, 1, 2_500, 0)
    ]
    assert rows[0]["created_ts"] == int(T0.timestamp()) and rows[0]["transfer_id"]


@pytest.mark.parametrize(
    ("source", "destination", "cents", "why"),
    [
        (0, 1, 10_001, "insufficient_balance"),  # one cent beyond the balance
        (0, 5, 100, "not a subaccount"),  # never created
        (1, 1, 100, "must differ"),
    ],
)
def test_a_refused_transfer_changes_nothing(mock, source, destination, cents, why):
    user_id, c = user(mock)
    c.post("/portfolio/subaccounts")
    before = balances(c)
    r = transfer(c, source, destination, cents)
    assert r.status_code == 400
    assert why in (r.json()["error"]["code"] + r.headers["x-mockexchange-diagnosis"])
    assert balances(c) == before and c.get("/portfolio/subaccounts/transfers").json()["transfers"] == []


def test_transfers_are_listed_newest_first_and_paged(mock):
    user_id, c = user(mock)
    c.post("/portfolio/subaccounts")
    for cents in (100, 200, 300):
        assert transfer(c, 0, 1, cents).status_code == 200
    seen, cursor = [], None
    while True:
        body = c.get("/portfolio/subaccounts/transfers", params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert body.status_code == 200, body.text
        seen += [t["amount_cents"] for t in body.json()["transfers"]]
        cursor = body.json()["cursor"]
        if not cursor:
            break
    assert seen == [300, 200, 100]
    r = c.get("/portfolio/subaccounts/transfers", params={"limit": 1001})
    assert r.status_code == 400 and "'Limit' failed on the 'max' tag" in r.json()["msg"]


def test_netting_is_on_until_set_off(mock):
    user_id, c = user(mock)
    c.post("/portfolio/subaccounts")
    configs = c.get("/portfolio/subaccounts/netting").json()["netting_configs"]
    assert configs == [
        {"subaccount_number": 0, "enabled": True, "exchange_index": 0},
        {"subaccount_number": 1, "enabled": True, "exchange_index": 0},
    ]
    r = c.put("/portfolio/subaccounts/netting", json={"subaccount_number": 1, "enabled": False})
    assert (r.status_code, r.json()) == (200, {})
    assert [x["enabled"] for x in c.get("/portfolio/subaccounts/netting").json()["netting_configs"]] == [True, False]
    r = c.put("/portfolio/subaccounts/netting", json={"subaccount_number": 7, "enabled": False})
    assert r.status_code == 400 and "not a subaccount" in r.headers["x-mockexchange-diagnosis"]


def test_a_key_locked_to_a_subaccount_sees_its_own_and_changes_nothing_else(mock):
    user_id, c = user(mock)
    c.post("/portfolio/subaccounts")
    c.post("/portfolio/subaccounts")
    assert transfer(c, 0, 1, 1_000).status_code == 200
    assert transfer(c, 0, 2, 500).status_code == 200
    locked = client(mock, user_id, subaccount=1)
    assert balances(locked) == {(1, 0): "10.0000"}
    assert [t["amount_cents"] for t in locked.get("/portfolio/subaccounts/transfers").json()["transfers"]] == [1_000]
    assert [x["subaccount_number"] for x in locked.get("/portfolio/subaccounts/netting").json()["netting_configs"]] == [
        1
    ]
    for r in (
        locked.post("/portfolio/subaccounts"),
        transfer(locked, 1, 0, 100),
        locked.put("/portfolio/subaccounts/netting", json={"subaccount_number": 2, "enabled": False}),
    ):
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", r.text
    ok = locked.put("/portfolio/subaccounts/netting", json={"subaccount_number": 1, "enabled": False})
    assert ok.status_code == 200
    assert balances(c) == {(0, 0): "85.0000", (1, 0): "10.0000", (2, 0): "5.0000"}


def test_the_admin_api_seeds_what_the_venue_serves(mock):
    user_id, c = user(mock)
    admin = httpx.Client(base_url=mock.base_url + "/_admin", timeout=10)
    assert admin.post("/subaccounts", json={"user_id": user_id}).json()["subaccount_number"] == 1
    made = admin.post(
        "/subaccounts/transfers",
        json={"user_id": user_id, "client_transfer_id": "seed-1", "from_subaccount": 0, "to_subaccount": 1,
              "amount_cents": 4_000},
    )  # fmt: skip
    assert made.status_code == 200 and made.json()["amount_cents"] == 4_000
    assert admin.post("/subaccounts/netting", json={"user_id": user_id, "subaccount": 1, "enabled": False}).is_success
    assert balances(c) == {(0, 0): "60.0000", (1, 0): "40.0000"}
    assert c.get("/portfolio/subaccounts/transfers").json()["transfers"][0]["transfer_id"] == made.json()["transfer_id"]
    refused = admin.post("/subaccounts/transfers", json={"user_id": user_id, "client_transfer_id": "seed-2",
                                                         "from_subaccount": 1, "to_subaccount": 0,
                                                         "amount_cents": 4_001})  # fmt: skip
    assert refused.status_code == 400 and "insufficient balance" in refused.json()["error"]
