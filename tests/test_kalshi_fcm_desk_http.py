"""An FCM member's desk over real HTTP: subtraders, daily caps, blocked categories, position transfers, and the FCM
fills and orders lists; who may call them, and Kalshi's bodies for what they refuse."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

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
            return httpx.request(
                method, self.mock.base_url + API + path, params=params, json=json, headers=headers, timeout=10
            )
        return httpx.request(
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
    assert again.json() == {"error": {"code": "conflict", "message": "conflict"}}
