"""Hostile bodies and paths on Kalshi's key and account routes, over real HTTP: every bad field of POST /api_keys and
POST /api_keys/generate is a 400 in Kalshi's flat `bad_request` shape naming the field, a body too large, cut short,
nested too deep or not JSON is a 400 too, a bad key id in DELETE /api_keys/{api_key} a 400 or 404; and none of them
changes a key or a grant (never a 500)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockexchange.auth.kalshi.keys import generate_private_key, public_key_pem
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

PUBLIC = public_key_pem(generate_private_key("ed25519").public_key())
VALID = {
    "/api_keys": {"name": "mine", "public_key": PUBLIC, "scopes": ["read"], "subaccount": 2},
    "/api_keys/generate": {"name": "bot", "key_type": "ed25519", "scopes": ["read"], "subaccount": 2},
}
HOSTILE = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([64, -1, 2**63, 1.5, 1e300, "", " ", "x" * 20_000, "rsa2", "READ", "１"]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
    st.lists(st.one_of(st.integers(), st.text(max_size=4), st.none()), min_size=1, max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer() as server:
        server.create_account("alice", balance_cents=1_000)
        server.grant_api_usage_level("alice", "prestige")  # uploads allowed: only the body decides
        yield server


@pytest.fixture(scope="module")
def alice(mock: MockServer) -> Iterator[httpx.Client]:
    made = mock.create_key("alice")
    signer = KalshiSigner.from_pem(made["key_id"], made["private_key_pem"])
    with httpx.Client(base_url=mock.kalshi_url, auth=KalshiAuth(signer), timeout=10) as client:
        yield client


def _state(mock: MockServer) -> tuple[Any, ...]:
    return tuple(sorted(k.key_id for k in mock.keys.all())), repr(mock.api_usage_level("alice"))


def _refused(answer: httpx.Response, field: str | None) -> None:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert set(body) == {"code", "message", "details"} and body["code"] == "bad_request", body
    if field is not None:
        go_name = "".join(part.capitalize() for part in field.split("_"))
        assert (
            f".{field} " in body["details"] or f"'{go_name}'" in body["details"] or body["details"].startswith(field)
        ), body


@settings(max_examples=120, deadline=None)
@given(
    path=st.sampled_from(sorted(VALID)),
    field=st.sampled_from(["name", "public_key", "scopes", "subaccount", "key_type", "fcm_subtrader_id"]),
    value=HOSTILE,
)
def test_a_hostile_field_is_a_400_naming_it_and_changes_nothing(mock, alice, path, field, value):
    body = {**VALID[path], field: value}
    if field == "fcm_subtrader_id" and isinstance(value, str):
        body.pop("subaccount")  # a string subtrader alone: alice is no FCM member (403), tried below
    before = _state(mock)
    answer = alice.post(path, json=body)
    if answer.status_code == 201:  # a value the field takes after all (a text name, a scope list that is valid)
        mock.delete_key(answer.json()["api_key_id"])
        return
    assert answer.status_code in (400, 403), answer.text
    if answer.status_code == 400:
        _refused(answer, field)
    assert _state(mock) == before


@pytest.mark.parametrize("name", [" ", "\t", " \n "])
@pytest.mark.parametrize("path", sorted(VALID))
def test_a_name_of_blanks_is_taken_as_kalshis_validator_takes_it(mock, alice, path, name):
    """`required` refuses only an empty string: a name of blanks makes a key, shown as sent (a random run once drew
    " " and got the core's refusal, in the other error shape)."""
    answer = alice.post(path, json={**VALID[path], "name": name})
    assert answer.status_code == 201, answer.text
    made = answer.json()["api_key_id"]
    try:
        (shown,) = [k for k in alice.get("/api_keys").json()["api_keys"] if k["api_key_id"] == made]
        assert shown["name"] == name
    finally:
        mock.delete_key(made)


@pytest.mark.parametrize(
    ("content", "details"),
    [
        (b"", "EOF"),
        (b"{", "invalid character in JSON body"),
        (b"[1, 2]", "json: cannot unmarshal array into Go value of type GenerateApiKeyRequest"),
        (b'"bot"', "json: cannot unmarshal string into Go value of type GenerateApiKeyRequest"),
        (b"[" * 5_000 + b"]" * 5_000, "invalid character in JSON body"),
        (b'{"name": "a", "name": 5}', "json: cannot unmarshal number into Go struct field GenerateApiKeyRequest.name"),
        (b'{"name": "x' + b"y" * 70_000 + b'"}', "http: request body too large"),
        (b"{}", "Key: 'GenerateApiKeyRequest.Name' Error:Field validation for 'Name' failed on the 'required' tag"),
        (b"null", "Key: 'GenerateApiKeyRequest.Name' Error:Field validation for 'Name' failed on the 'required' tag"),
    ],
)
def test_a_body_that_does_not_decode_is_refused_in_kalshis_shape(mock, alice, content, details):
    before = _state(mock)
    answer = alice.post("/api_keys/generate", content=content, headers={"Content-Type": "application/json"})
    _refused(answer, None)
    assert answer.json()["details"].startswith(details)
    assert _state(mock) == before


@pytest.mark.parametrize(
    ("key_id", "status"),
    [("x" * 257, 400), ("%20", 400), ("no-such-key", 404), ("..", 404), ("%00", 404), ("%E2%80%8B", 404)],
)
def test_a_bad_key_id_in_the_path_deletes_nothing(mock, alice, key_id, status):
    before = _state(mock)
    answer = alice.delete(f"/api_keys/{key_id}")
    assert answer.status_code == status, answer.text
    assert _state(mock) == before


def test_account_routes_ignore_a_body_and_a_query(mock, alice):
    before = _state(mock)
    assert alice.get("/account/limits", params={"usage_tier": "prestige" * 100}).status_code == 200
    assert alice.get("/api_keys", params={"fcm_subtrader_id": "x" * 5_000}).json() == {"api_keys": []}
    assert _state(mock) == before
