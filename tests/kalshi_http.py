"""What the tests of Kalshi's REST reads share: a signed client for a new key of a user, and a read that must answer
200."""

from __future__ import annotations

import httpx

from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner


def signed(mock: MockServer, user_id: str, **binding) -> httpx.Client:
    key = mock.create_key(user_id, **binding)
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    return httpx.Client(base_url=mock.kalshi_url, auth=KalshiAuth(signer), timeout=10)


def ok(client: httpx.Client, path: str, **params):
    r = client.get(path, params=params)
    assert r.status_code == 200, r.text
    return r.json()
