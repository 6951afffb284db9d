"""Kalshi's ApiKeysApi over real HTTP: keys generated (the private key once, RSA or Ed25519) and uploaded (Premier and
above, under the key policy), listed with the admin API's keys (one registry), deleted (refused at once, its websockets
closed), subaccount-restricted keys, both wire profiles, and the state file keeping what a client changed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import plain_http
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from module_mocks import key_pair
from state_sql import sql
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from mockexchange.auth.kalshi.keys import generate_private_key, public_key_pem
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

KEYS = "/api_keys"
GENERATE = "/api_keys/generate"
WS_PATH = "/trade-api/ws/v2"


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer() as server:
        yield server


@pytest.fixture
def fresh(mock: MockServer) -> MockServer:
    mock.reset()
    return mock


def signed(mock: MockServer, key_id: str, pem: str) -> httpx.Client:
    signer = KalshiSigner.from_pem(key_id, pem)
    return httpx.Client(base_url=mock.kalshi_url, auth=KalshiAuth(signer), timeout=10)


def client(mock: MockServer, user_id: str, **key: object) -> httpx.Client:
    """A client of the user's first key (made once in the process, registered here with `key`'s settings); the keys
    under test are the ones the venue generates and takes."""
    if user_id not in mock.ledger.state.accounts:
        mock.create_account(user_id, balance_cents=100_000)
    signer = key_pair(f"{user_id}-key").register(mock, user_id, **key)
    return httpx.Client(base_url=mock.kalshi_url, auth=KalshiAuth(signer), timeout=10)


@pytest.mark.parametrize(("key_type", "header"), [(None, "RSA PRIVATE KEY"), ("ed25519", "PRIVATE KEY")])
def test_a_generated_key_is_answered_once_and_signs(fresh: MockServer, key_type: str | None, header: str):
    with client(fresh, "alice", name="seeded") as alice:
        body = {"name": "bot", **({"key_type": key_type} if key_type else {})}
        made = alice.post(GENERATE, json=body)
        assert made.status_code == 201
        answer = made.json()
        assert set(answer) == {"api_key_id", "key_type", "private_key"}
        assert answer["key_type"] == (key_type or "rsa")
        assert answer["private_key"].startswith(f"-----BEGIN {header}-----")
        with signed(fresh, answer["api_key_id"], answer["private_key"]) as bot:
            listed = bot.get(KEYS).json()["api_keys"]
        seeded = fresh.keys.for_user("alice")[0].key_id
        assert listed == [
            {"api_key_id": seeded, "name": "seeded", "scopes": ["read", "write"]},
            {"api_key_id": answer["api_key_id"], "name": "bot", "scopes": ["read", "write"]},
        ]
        assert "private_key" not in str(listed)


def test_an_upload_needs_premier_and_the_key_policy(fresh: MockServer):
    public = public_key_pem(generate_private_key("ed25519").public_key())
    with client(fresh, "alice") as alice:
        refused = alice.post(KEYS, json={"name": "mine", "public_key": public})
        assert refused.status_code == 403
        assert refused.json() == {"error": {"code": "forbidden", "message": "insufficient API usage level"}}
        assert len(fresh.keys.for_user("alice")) == 1
        fresh.grant_api_usage_level("alice", "premier")
        small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        weak = alice.post(KEYS, json={"name": "weak", "public_key": public_key_pem(small.public_key())})
        assert weak.status_code == 400
        assert weak.json()["code"] == "bad_request"
        assert weak.json()["details"].startswith("public_key is refused: it holds an RSA key of 1,024 bits")
        private = alice.post(KEYS, json={"name": "oops", "public_key": "-----BEGIN PRIVATE KEY-----\nAA\n"})
        assert private.status_code == 400 and "upload the public half" in private.json()["details"]
        made = alice.post(KEYS, json={"name": "mine", "public_key": public, "scopes": ["read", "write::trade"]})
        assert made.status_code == 201
        assert set(made.json()) == {"api_key_id"}
        key = fresh.keys.get(made.json()["api_key_id"])
        assert key is not None and (key.user_id, key.name, key.scopes) == ("alice", "mine", ("read", "write::trade"))
        assert public_key_pem(key.public_key) == public


def test_a_deleted_key_is_refused_at_once_and_its_websocket_closed(fresh: MockServer):
    with client(fresh, "alice") as alice:
        made = alice.post(GENERATE, json={"name": "gone"}).json()
        signer = KalshiSigner.from_pem(made["api_key_id"], made["private_key"])
        with connect(fresh.kalshi_ws_url, additional_headers=signer.headers("GET", WS_PATH), open_timeout=5) as ws:
            deleted = alice.delete(f"{KEYS}/{made['api_key_id']}")
            assert (deleted.status_code, deleted.content) == (204, b"")
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=5)
            assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1008, "api key deleted")
        with signed(fresh, made["api_key_id"], made["private_key"]) as gone:
            refused = gone.get(KEYS)
        assert refused.status_code == 401
        assert refused.json()["error"]["details"] == "NOT_FOUND"
        again = alice.delete(f"{KEYS}/{made['api_key_id']}")
        assert again.status_code == 404
        assert again.json() == {"error": {"code": "not_found", "message": "not found"}}


def test_another_users_key_is_not_found_and_stays(fresh: MockServer):
    with client(fresh, "alice") as alice, client(fresh, "bob") as bob:
        bobs = fresh.keys.for_user("bob")[0].key_id
        assert alice.delete(f"{KEYS}/{bobs}").status_code == 404
        assert bob.get(KEYS).status_code == 200
        assert [k["api_key_id"] for k in alice.get(KEYS).json()["api_keys"]] == [fresh.keys.for_user("alice")[0].key_id]


def test_a_subaccount_restricted_key_is_listed_and_may_not_manage_keys(fresh: MockServer):
    with client(fresh, "alice") as alice:
        made = alice.post(GENERATE, json={"name": "sub3", "subaccount": 3, "scopes": ["read", "write"]}).json()
        listed = alice.get(KEYS).json()["api_keys"][-1]
        assert listed == {
            "api_key_id": made["api_key_id"], "name": "sub3", "scopes": ["read", "write"], "subaccount": 3
        }  # fmt: skip
        with signed(fresh, made["api_key_id"], made["private_key"]) as sub3:
            assert sub3.get("/portfolio/balance", params={"subaccount": 4}).status_code == 403
            assert sub3.get(KEYS).status_code == 200
            refused = sub3.post(GENERATE, json={"name": "escape"})
            assert refused.status_code == 403
            assert refused.json()["error"]["message"] == (
                "this API key is restricted to a single sub-account and cannot access this endpoint"
            )
            assert sub3.delete(f"{KEYS}/{made['api_key_id']}").status_code == 403
        assert len(fresh.keys.for_user("alice")) == 2


def test_subtrader_bound_keys_need_an_fcm_member(fresh: MockServer):
    fresh.create_account("fcm", fcm_member=True)
    fresh.create_account("sub-1", subtrader_of="fcm")
    with client(fresh, "alice") as alice, client(fresh, "fcm") as fcm:
        refused = alice.post(GENERATE, json={"name": "x", "fcm_subtrader_id": "sub-1"})
        assert refused.status_code == 403
        assert refused.json()["error"]["message"] == "fcm_subtrader_id requires an FCM member caller"
        both = fcm.post(GENERATE, json={"name": "x", "fcm_subtrader_id": "sub-1", "subaccount": 1})
        assert both.status_code == 400 and "'excluded_with' tag" in both.json()["details"]
        made = fcm.post(GENERATE, json={"name": "bound", "fcm_subtrader_id": "sub-1"})
        assert made.status_code == 201
        only = fcm.get(KEYS, params={"fcm_subtrader_id": "sub-1"}).json()["api_keys"]
        assert only == [
            {"api_key_id": made.json()["api_key_id"], "name": "bound", "scopes": ["read", "write"],
             "fcm_subtrader_id": "sub-1"}
        ]  # fmt: skip
        unknown = fcm.post(GENERATE, json={"name": "x", "fcm_subtrader_id": "sub-9"})
        assert unknown.status_code == 400 and "'sub-9' is not a subtrader of 'fcm'" in unknown.json()["details"]


def test_the_legacy_profile_shows_keys_as_its_clients_parse_them():
    with MockServer(profile="legacy") as mock:
        with client(mock, "alice", subaccount=2, name="old") as alice:
            assert alice.get(KEYS).json() == {
                "api_keys": [{"api_key_id": mock.keys.all()[0].key_id, "name": "old", "scopes": ["read", "write"]}]
            }
        with client(mock, "bob") as bob:
            made = bob.post(GENERATE, json={"name": "new"})
            assert made.status_code == 201 and set(made.json()) == {"api_key_id", "private_key"}


def test_the_admin_api_deletes_and_names_keys(fresh: MockServer):
    fresh.create_account("alice")
    made = plain_http.post(
        fresh.base_url + "/_admin/keys", json={"user_id": "alice", "name": "ops", "scopes": ["read"]}
    )
    assert made.status_code == 200, made.text
    key_id = made.json()["key_id"]
    assert fresh.keys.get(key_id).scopes == ("read",)
    bad = plain_http.post(fresh.base_url + "/_admin/keys", json={"user_id": "alice", "scopes": ["write"]})
    assert bad.status_code == 400 and "`write` scope must include `read`" in bad.json()["error"]
    other = plain_http.post(fresh.base_url + "/_admin/keys/delete", json={"key_id": key_id, "user_id": "bob"})
    assert other.status_code == 404
    deleted = plain_http.post(fresh.base_url + "/_admin/keys/delete", json={"key_id": key_id})
    assert deleted.json() == {"key_id": key_id, "user_id": "alice", "deleted": True, "closed_websockets": 0}
    assert fresh.keys.get(key_id) is None


@pytest.mark.parametrize("snapshot", [True, False], ids=["from-the-snapshot", "commands-run-again"])
def test_a_state_file_keeps_keys_made_and_deleted_through_the_venue(tmp_path: Path, snapshot: bool):
    path = str(tmp_path / "state.db")
    with MockServer(state=path) as mock, client(mock, "alice", name="first") as alice:
        kept = alice.post(GENERATE, json={"name": "kept", "key_type": "ed25519"}).json()
        gone = alice.post(GENERATE, json={"name": "gone", "subaccount": 5}).json()
        assert alice.delete(f"{KEYS}/{gone['api_key_id']}").status_code == 204
        mock.grant_api_usage_level("alice", "expert")
        listed = alice.get(KEYS).content
        limits = alice.get("/account/limits").content
    if not snapshot:  # as after kill -9: the commands alone
        sql(Path(path), "DELETE FROM snapshots")
    with MockServer(state=path) as again:
        status = again.app.persistence.status()  # type: ignore[union-attr]
        assert status["restored_commands"] == (0 if snapshot else status["commands"])
        assert again.keys.get(gone["api_key_id"]) is None
        with signed(again, kept["api_key_id"], kept["private_key"]) as alice:
            assert alice.get(KEYS).content == listed
            assert alice.get("/account/limits").content == limits
