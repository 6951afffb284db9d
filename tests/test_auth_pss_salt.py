"""RSA-PSS salt lengths, over real HTTP and the websocket upgrade: any length a valid signature carries passes by
default, with X-Mockexchange-Auth naming it when it is not 32; `kalshi_pss_salt="strict"` (`serve --pss-salt strict`)
refuses all but 32 with Kalshi's 401 body and the same length named."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterator

import plain_http
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from serve_process import serving
from waits import HANG_S
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from mockexchange.auth.kalshi import pss
from mockexchange.scenario.kalshi.demo_keys import DEMO_PEM
from mockexchange.server import MockServer
from mockexchange.settings import DEFAULT_SEED
from mockexchange.testing.signing import KalshiSigner

PATH = "/trade-api/v2/portfolio/balance"
WS_PATH = "/trade-api/ws/v2"
BAD_SIGNATURE = {
    "error": {
        "code": "authentication_error",
        "message": "authentication_error",
        "details": "INCORRECT_API_KEY_SIGNATURE",
    }
}
# The salts a signer may use, by what cryptography calls them, and the length each gives with a 2048-bit key.
SALTS = [(padding.PSS.MAX_LENGTH, 222), (0, 0), (20, 20)]
SALT_IDS = ["max-length", "salt-0", "salt-20"]


@pytest.fixture(scope="module", params=["any", "strict"])
def mock(request: pytest.FixtureRequest) -> Iterator[tuple[MockServer, KalshiSigner]]:
    with MockServer(kalshi_pss_salt=request.param) as server:
        server.create_account("salty", balance_cents=500)
        key = server.create_key("salty")
        yield server, KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])


def signed(signer: KalshiSigner, path: str, salt: object) -> dict[str, str]:
    ts = str(int(time.time() * 1000))
    assert isinstance(signer.private_key, rsa.RSAPrivateKey)
    pad = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=salt)  # type: ignore[arg-type]
    raw = signer.private_key.sign(f"{ts}GET{path}".encode(), pad, hashes.SHA256())
    return {
        "KALSHI-ACCESS-KEY": signer.key_id,
        "KALSHI-ACCESS-TIMESTAMP": ts,
        "KALSHI-ACCESS-SIGNATURE": base64.b64encode(raw).decode(),
    }


def accepted_note(length: int) -> str:
    return f"RSA-PSS salt length {length} (Kalshi documents 32): accepted; --pss-salt strict refuses it"


def refused_note(length: int) -> str:
    return f"RSA-PSS salt length {length} (Kalshi documents 32): refused by --pss-salt strict; sign with salt length 32"


def last_entry(server: MockServer, transport: str = "rest") -> dict:
    """The journal's newest REST request, or websocket upgrade (`ws`: its commands have no method)."""
    found = plain_http.get(f"{server.base_url}/_admin/requests?transport={transport}", timeout=10).json()["requests"]
    return [entry for entry in found if entry["method"] == "GET"][-1]


@pytest.mark.parametrize(("salt", "length"), SALTS, ids=SALT_IDS)
def test_a_salt_other_than_32_passes_by_default_and_is_named(mock, salt, length) -> None:
    server, signer = mock
    r = plain_http.get(server.base_url + PATH, headers=signed(signer, PATH, salt), timeout=10)
    entry = last_entry(server)
    if server.app.settings.kalshi_pss_salt == "any":
        assert r.status_code == 200 and r.json()["balance"] == 500
        assert r.headers["X-Mockexchange-Auth"] == accepted_note(length)
        # the journal keeps the note, and does not count the request as a failure
        assert (entry["status"], entry["auth"], entry["problems"]) == (200, accepted_note(length), [])
    else:
        assert (r.status_code, r.json()) == (401, BAD_SIGNATURE)
        assert r.headers["X-Mockexchange-Auth"] == refused_note(length)
        assert entry["auth"] == refused_note(length)
        assert [p["rule"] for p in entry["problems"]] == ["auth.signature"]


def test_salt_32_passes_with_no_note(mock) -> None:
    server, signer = mock
    r = plain_http.get(server.base_url + PATH, headers=signed(signer, PATH, padding.PSS.DIGEST_LENGTH), timeout=10)
    assert r.status_code == 200
    assert "X-Mockexchange-Auth" not in r.headers
    assert last_entry(server)["auth"] is None


def test_a_salted_signature_of_another_message_is_still_refused(mock) -> None:
    server, signer = mock
    headers = signed(signer, "/trade-api/v2/portfolio/positions", padding.PSS.MAX_LENGTH)
    r = plain_http.get(server.base_url + PATH, headers=headers, timeout=10)
    assert (r.status_code, r.json()) == (401, BAD_SIGNATURE)
    assert "does not verify" in r.headers["X-Mockexchange-Auth"]


@pytest.mark.parametrize(("salt", "length"), SALTS, ids=SALT_IDS)
def test_the_websocket_upgrade_follows_the_same_rule(mock, salt, length) -> None:
    server, signer = mock
    headers = signed(signer, WS_PATH, salt)
    if server.app.settings.kalshi_pss_salt == "any":
        with connect(server.kalshi_ws_url, additional_headers=headers, open_timeout=HANG_S) as ws:
            assert ws.response.headers["X-Mockexchange-Auth"] == accepted_note(length)
            ws.send('{"id": 1, "cmd": "list_subscriptions"}')
            assert '"type":"ok"' in ws.recv(timeout=HANG_S)
        assert last_entry(server, "ws")["auth"] == accepted_note(length)
    else:
        with pytest.raises(InvalidStatus) as info, connect(server.kalshi_ws_url, additional_headers=headers):
            pass
        assert info.value.response.status_code == 401
        assert info.value.response.headers["X-Mockexchange-Auth"] == refused_note(length)


def test_a_32_salt_upgrade_has_no_note(mock) -> None:
    server, signer = mock
    with connect(server.kalshi_ws_url, additional_headers=signed(signer, WS_PATH, 32), open_timeout=HANG_S) as ws:
        assert "X-Mockexchange-Auth" not in ws.response.headers


def test_the_salt_length_is_read_back_from_the_signature() -> None:
    # Key sizes whose encoded message is one byte shorter than the modulus (2049 bits) or not.
    for bits in (2048, 2049):
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        most = padding.calculate_max_pss_salt_length(key, hashes.SHA256())
        for salt in (0, 1, 32, most):
            raw = key.sign(b"message", padding.PSS(padding.MGF1(hashes.SHA256()), salt), hashes.SHA256())
            assert pss.salt_length(key.public_key(), raw, b"message") == salt
            assert pss.salt_length(key.public_key(), raw, b"massage") is None
            broken = bytes([raw[0] ^ 1]) + raw[1:]
            assert pss.salt_length(key.public_key(), broken, b"message") is None
        pkcs1 = key.sign(b"message", padding.PKCS1v15(), hashes.SHA256())
        assert pss.salt_length(key.public_key(), pkcs1, b"message") is None


def test_an_unknown_salt_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="kalshi_pss_salt must be one of any, strict, not 'loose'"):
        MockServer(kalshi_pss_salt="loose")


@pytest.mark.mockexchange(kalshi_pss_salt="strict")
def test_the_pytest_marker_sets_the_rule(mockexchange, kalshi_user) -> None:
    r = plain_http.get(mockexchange.base_url + PATH, headers=signed(kalshi_user.signer, PATH, 20), timeout=10)
    assert (r.status_code, r.headers["X-Mockexchange-Auth"]) == (401, refused_note(20))


@pytest.mark.slow
def test_serve_pss_salt_strict_refuses_other_salts(tmp_path) -> None:
    with serving(tmp_path / "keys", "--pss-salt", "strict") as served:
        pem = (tmp_path / "keys" / DEMO_PEM).read_text()
        signer = KalshiSigner.from_pem(str(uuid.UUID(int=DEFAULT_SEED, version=4)), pem)  # the demo's first key
        for salt, status in ((20, 401), (32, 200)):
            r = plain_http.get(served.base_url + PATH, headers=signed(signer, PATH, salt), timeout=10)
            assert r.status_code == status, r.text
        assert r.headers.get("X-Mockexchange-Auth") is None
