"""Hostile CDP JWTs at the Coinbase dialect's public/auth: whatever the token holds (no JWT, bad base64, JSON that is
no object or nested deep, claims of the wrong types, alg none, a signature of the wrong length, an oversize token, a
token that is no string), the answer is Deribit's error shape (13004, or -32602 for a token that is no string), never
a 500, and the mock keeps answering."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import plain_http
import pytest

from mockexchange.auth.deribit.coinbase_keys import sign_jwt
from mockexchange.server import MockServer


def part(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_hostile_tokens_are_refused_in_deribits_shape(mockexchange: MockServer) -> None:
    mockexchange.create_deribit_account("alice", balances={"USDC": "1"})
    key = mockexchange.create_coinbase_key("alice")
    name, now = key["name"], int(time.time())
    header = {"alg": "ES256", "kid": name, "nonce": "ab"}
    claims = {"sub": name, "iss": "cdp", "nbf": now, "exp": now + 120}
    good = sign_jwt(name, key["private_key"], now)
    hostile: list[Any] = [
        "", ".", "..", "a.b.c", "!!!.???.***", good + ".extra", good[:-10],
        f"{part([1, 2])}.{part(claims)}.{part(b'x' * 64)}",
        f"{part(header)}.{part(b'[' * 5000 + b']' * 5000)}.{part(b'x' * 64)}",
        f"{part({**header, 'alg': 'none'})}.{part(claims)}.",
        f"{part({**header, 'kid': 7})}.{part({**claims, 'sub': 7})}.{part(b'x' * 64)}",
        f"{part(header)}.{part({**claims, 'nbf': 'now', 'exp': 1e300})}.{part(b'x' * 64)}",
        f"{part(header)}.{part({**claims, 'exp': 10**400})}.{part(b'x' * 64)}",
        f"{part(header)}.{part(claims)}.{part(b'x' * 63)}",
        f"{part({**header, 'nonce': None})}.{part(claims)}.{part(b'x' * 64)}",
        "x" * 100_000, 42, None, ["a"], {"alg": "none"},
    ]  # fmt: skip
    for token in hostile:
        body = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "public/auth",
            "params": {"grant_type": "coinbase_cdp", "token": token},
        }
        r = plain_http.post(mockexchange.base_url + "/coinbase/api/v2/public/auth", json=body, timeout=10)
        assert r.status_code in (400, 401, 413), (str(token)[:80], r.status_code, r.text[:300])
        assert r.json()["error"]["code"] in (13004, -32602, -32600), (str(token)[:80], r.text[:300])
    again = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "public/auth",
        "params": {"grant_type": "coinbase_cdp", "token": good},
    }
    assert "result" in plain_http.post(mockexchange.base_url + "/coinbase/api/v2/public/auth", json=again).json()


@pytest.mark.parametrize("grant_type", [None, 7, "", "COINBASE_CDP", ["coinbase_cdp"]])
def test_a_grant_type_of_another_kind_is_invalid_params(mockexchange: MockServer, grant_type: Any) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "public/auth", "params": {"grant_type": grant_type, "token": "t"}}
    r = plain_http.post(mockexchange.base_url + "/coinbase/api/v2/public/auth", json=body, timeout=10)
    assert (r.status_code, r.json()["error"]["code"], r.json()["error"]["data"]["param"]) == (400, -32602, "grant_type")
