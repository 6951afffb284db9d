"""Intra-exchange-instance transfers and the target balance allocation over real HTTP: amounts in centi-cents, the
client_transfer_id rules (409 on reuse from the same source), pending and complete, listed and read by id; keys
locked to a subaccount; seeding from the admin API and scenario steps."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from kalshi_accounts import client, user
from module_mocks import profile_mocks

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
POST = "/portfolio/intra_exchange_instance_transfer"
LIST = "/portfolio/intra_exchange_instance_transfers"
ALLOCATION = "/portfolio/target_balance_allocation"


# The module's mock of each profile, reset before each test (the users' keys kept: module_mocks).
modern_server, legacy_server, modern, legacy, mock = profile_mocks(T0)


def cash(c: httpx.Client, **params) -> str:
    return c.get("/portfolio/balance", params=params).json()["balance_dollars"]


def test_a_transfer_to_the_margined_instance_leaves_event_contract_cash_in_centi_cents(mock):
    user_id, c = user(mock)
    client_id = str(uuid.uuid4())
    body = {"source": "event_contract", "destination": "margined", "amount": 12_345, "client_transfer_id": client_id}
    r = c.post(POST, json=body)
    assert r.status_code == 200 and set(r.json()) == {"transfer_id"}
    transfer_id = r.json()["transfer_id"]
    assert cash(c) == "98.7655"  # 100 - 1.2345
    assert mock.ledger.subaccounts.margined_balance(user_id) == 1_234_500  # micro-dollars
    one = c.get(f"{LIST}/{transfer_id}")
    assert one.status_code == 200
    assert one.json() == {
        "transfer": {
            "transfer_id": transfer_id,
            "client_transfer_id": client_id,
            "source": "event_contract",
            "destination": "margined",
            "source_exchange_shard": 0,
            "destination_exchange_shard": 0,
            "amount": "1.2345",
            "status": "complete",
            "created_ts": int(T0.timestamp()),
        }
    }
    listed = c.get(LIST).json()
    assert listed == {"transfers": [one.json()["transfer"]]}  # no cursor: "omitted when there are no further pages"
    # The same client_transfer_id from the same source: 409, no new transfer; from the other instance: accepted.
    again = c.post(POST, json=body)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    back = {**body, "source": "margined", "destination": "event_contract", "amount": 345}
    assert c.post(POST, json=back).status_code == 200
    assert cash(c) == "98.8000" and len(c.get(LIST).json()["transfers"]) == 2


def test_between_shards_and_subaccounts_of_event_contract(mock):
    user_id, c = user(mock)
    c.post("/portfolio/subaccounts")
    shard = {"source": "event_contract", "destination": "event_contract", "amount": 5_000}
    assert c.post(POST, json={**shard, "destination_exchange_shard": 3}).status_code == 200
    breakdown = c.get("/portfolio/balance").json()["balance_breakdown"]
    assert breakdown == [{"exchange_index": 0, "balance": "99.5000"}, {"exchange_index": 3, "balance": "0.5000"}]
    # Same shard, another subaccount: a subaccount transfer, in that history too.
    r = c.post(POST, json={**shard, "destination_subaccount": 1})
    assert r.status_code == 200
    rows = c.get("/portfolio/subaccounts/transfers").json()["transfers"]
    assert [(t["transfer_id"], t["amount_cents"]) for t in rows] == [(r.json()["transfer_id"], 50)]
    assert cash(c, subaccount=1) == "0.5000"


@pytest.mark.parametrize(
    ("change", "status", "says"),
    [
        ({"amount": 1_000_001}, 400, "insufficient_balance"),  # a centi-cent beyond the balance
        ({"source": "margined", "destination": "event_contract", "amount": 1}, 400, "insufficient_balance"),
        ({"destination": "event_contract"}, 400, "the same"),
        ({"destination_subaccount": 1}, 400, "only supported for event_contract"),
        ({"destination": "event_contract", "destination_subaccount": 1, "client_transfer_id": str(uuid.uuid4())},
         400, "primary accounts"),
    ],
)  # fmt: skip
def test_a_refused_instance_transfer_changes_nothing(mock, change, status, says):
    user_id, c = user(mock)
    c.post("/portfolio/subaccounts")
    body = {"source": "event_contract", "destination": "margined", "amount": 100, **change}
    r = c.post(POST, json=body)
    assert r.status_code == status, r.text
    assert says in r.json()["error"]["code"] + r.headers["x-mockexchange-diagnosis"]
    assert cash(c) == "100.0000" and c.get(LIST).json() == {"transfers": []}


def test_a_pending_transfer_seeded_by_the_admin_api_completes_later(mock):
    user_id, c = user(mock)
    made = mock.intra_exchange_transfer(user_id, "event_contract", "margined", 20_000, status="pending")
    assert made["status"] == "pending" and cash(c) == "98.0000"
    assert c.get(f"{LIST}/{made['transfer_id']}").json()["transfer"]["status"] == "pending"
    assert mock.ledger.subaccounts.margined_balance(user_id) == 0  # left its source, not yet landed
    admin = httpx.Client(base_url=mock.base_url + "/_admin", timeout=10)
    done = admin.post("/intra_exchange_transfers/complete", json={"transfer_id": made["transfer_id"]})
    assert done.status_code == 200 and done.json()["status"] == "complete"
    assert c.get(f"{LIST}/{made['transfer_id']}").json()["transfer"]["status"] == "complete"
    assert mock.ledger.subaccounts.margined_balance(user_id) == 2_000_000


def test_another_accounts_transfer_is_not_found(mock):
    user_id, c = user(mock)
    other_id, other = user(mock)
    made = mock.intra_exchange_transfer(other_id, "event_contract", "margined", 100)
    for path in (f"{LIST}/{made['transfer_id']}", f"{LIST}/no-such-transfer"):
        r = c.get(path)
        assert (r.status_code, r.json()) == (404, {"error": {"code": "not_found", "message": "not found"}})


def test_instance_transfers_are_paged_newest_first(mock):
    user_id, c = user(mock)
    for amount in (100, 200, 300):
        assert c.post(POST, json={"source": "event_contract", "destination": "margined", "amount": amount}).is_success
    first = c.get(LIST, params={"limit": 2}).json()
    assert [t["amount"] for t in first["transfers"]] == ["0.0300", "0.0200"] and first["cursor"]
    rest = c.get(LIST, params={"limit": 2, "cursor": first["cursor"]}).json()
    assert [t["amount"] for t in rest["transfers"]] == ["0.0100"] and "cursor" not in rest
    r = c.get(LIST, params={"limit": 501})
    assert r.status_code == 400 and "'Limit' failed on the 'max' tag" in r.json()["msg"]


def test_a_locked_key_moves_only_its_own_event_contract_cash(mock):
    user_id, c = user(mock)
    c.post("/portfolio/subaccounts")
    assert c.post("/portfolio/subaccounts/transfer", json={"client_transfer_id": str(uuid.uuid4()),
                  "from_subaccount": 0, "to_subaccount": 1, "amount_cents": 1_000}).is_success  # fmt: skip
    locked = client(mock, user_id, subaccount=1)
    own = {"source": "event_contract", "destination": "event_contract", "amount": 100, "source_subaccount": 1,
           "destination_subaccount": 1, "destination_exchange_shard": 1}  # fmt: skip
    assert locked.post(POST, json=own).status_code == 200
    for other in ({**own, "destination_subaccount": 0}, {**own, "destination": "margined"}):
        r = locked.post(POST, json=other)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    mock.intra_exchange_transfer(user_id, "event_contract", "margined", 100)  # the primary's: not the locked key's
    assert len(locked.get(LIST).json()["transfers"]) == 1 and len(c.get(LIST).json()["transfers"]) == 2
    assert locked.get(ALLOCATION).status_code == 403


def test_the_target_balance_allocation_is_replaced_whole(mock):
    user_id, c = user(mock)
    assert c.get(ALLOCATION).json() == {"allocations": [], "resting_margin_reservation": "sum"}
    body = {"allocations": [{"exchange_index": 1, "percent": 30}, {"exchange_index": 0, "percent": 70}]}
    assert (c.post(ALLOCATION, json=body).status_code, c.post(ALLOCATION, json=body).json()) == (200, {})
    assert c.get(ALLOCATION).json() == {
        "allocations": [{"exchange_index": 0, "percent": 70}, {"exchange_index": 1, "percent": 30}],
        "resting_margin_reservation": "sum",
    }
    refused = c.post(ALLOCATION, json={"allocations": [{"exchange_index": 0, "percent": 99}]})
    assert refused.status_code == 400 and "total 100" in refused.headers["x-mockexchange-diagnosis"]
    twice = c.post(ALLOCATION, json={"allocations": [{"exchange_index": 0, "percent": 50}] * 2})
    assert twice.status_code == 400 and "twice" in twice.headers["x-mockexchange-diagnosis"]
    assert c.get(ALLOCATION).json()["allocations"][0] == {"exchange_index": 0, "percent": 70}  # unchanged
    off = {"allocations": [], "resting_margin_reservation": "max"}
    assert c.post(ALLOCATION, json=off).status_code == 200
    assert c.get(ALLOCATION).json() == {"allocations": [], "resting_margin_reservation": "max"}


def test_scenario_steps_seed_them(mock):
    user_id = "s0"
    document = {
        "scenario": "account-details",
        "users": [{"user_id": user_id, "balance_cents": 10_000}],
        "steps": [
            {"subaccount": {"user_id": user_id}},
            {"subaccount_transfer": {"user_id": user_id, "client_transfer_id": "t1", "from_subaccount": 0,
                                     "to_subaccount": 1, "amount_cents": 2_500}},
            {"subaccount_netting": {"user_id": user_id, "subaccount": 1, "enabled": False}},
            {"intra_exchange_transfer": {"user_id": user_id, "source": "event_contract", "destination": "margined",
                                         "amount": 10_000}},
            {"target_balance_allocation": {"user_id": user_id, "allocations": [{"exchange_index": 0, "percent": 100}],
                                           "resting_margin_reservation": "none"}},
        ],
    }  # fmt: skip
    mock.load_scenario(document=document, reset=False, run=True)
    c = client(mock, user_id)
    assert c.get("/portfolio/subaccounts/balances").json()["subaccount_balances"][1]["balance"] == "25.0000"
    assert cash(c) == "74.0000"
    assert c.get("/portfolio/subaccounts/netting").json()["netting_configs"][1]["enabled"] is False
    assert c.get(ALLOCATION).json() == {
        "allocations": [{"exchange_index": 0, "percent": 100}],
        "resting_margin_reservation": "none",
    }
