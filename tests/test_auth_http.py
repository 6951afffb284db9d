"""Kalshi request signing, checked for real over HTTP: the accepted signatures, every failure body, the diagnosis."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
import plain_http
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from module_mocks import plugin_mocks

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner

PATH = "/trade-api/v2/portfolio/positions"

BAD_SIGNATURE = {
    "error": {
        "code": "authentication_error",
        "message": "authentication_error",
        "details": "INCORRECT_API_KEY_SIGNATURE",
    }
}
UNKNOWN_KEY = {"error": {"code": "authentication_error", "message": "authentication_error", "details": "NOT_FOUND"}}
MISSING_SIGNATURE = {
    "error": {"code": "signature_is_missing_from_headers", "message": "signature is missing from headers"}
}
EXPIRED = {"error": {"code": "header_timestamp_expired", "message": "header timestamp expired"}}


# The plugin's `mockexchange` and `kalshi_user` on one mock for the module, reset before each test.
mockexchange_server, mockexchange, kalshi_user = plugin_mocks()


def now_ms() -> int:
    return int(time.time() * 1000)


def raw_sign(signer: KalshiSigner, message: str, pad=None) -> str:
    pad = pad or padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
    return base64.b64encode(signer.private_key.sign(message.encode(), pad, hashes.SHA256())).decode()


def get(mock: MockServer, headers: dict[str, str], target: str = PATH) -> httpx.Response:
    return plain_http.get(mock.base_url + target, headers=headers, timeout=10)


def test_a_correct_rsa_pss_signature_is_accepted(mockexchange, kalshi_user):
    r = get(mockexchange, kalshi_user.signer.headers("GET", PATH))
    assert r.status_code == 200
    assert r.json() == {"market_positions": [], "event_positions": [], "cursor": ""}


def test_the_query_string_is_not_signed(mockexchange, kalshi_user):
    r = get(mockexchange, kalshi_user.signer.headers("GET", PATH), PATH + "?limit=5&settlement_status=all")
    assert r.status_code == 200


def test_ed25519_keys_sign_the_same_message(mockexchange):
    mockexchange.create_account("ed")
    key = mockexchange.create_key("ed", key_type="ed25519")
    assert "BEGIN PRIVATE KEY" in key["private_key_pem"]
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    assert get(mockexchange, signer.headers("GET", PATH)).status_code == 200
    wrong = signer.headers("GET", "/trade-api/v2/portfolio/balance")
    assert get(mockexchange, wrong).json() == BAD_SIGNATURE


def test_a_registered_public_key_is_used_to_verify(mockexchange, kalshi_user):
    private = serialization.load_pem_private_key(kalshi_user.private_key_pem.encode(), None)
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    mockexchange.create_account("byo")
    key = mockexchange.create_key("byo", public_key_pem=public_pem)
    assert "private_key_pem" not in key
    signer = KalshiSigner(key["key_id"], private)
    assert get(mockexchange, signer.headers("GET", PATH)).status_code == 200


@pytest.mark.parametrize(
    "mistake,diagnosis",
    [
        ("query", "signed the query string; sign the path without it"),
        ("short_path", "signed path lacks /trade-api/v2; sign the full path"),
        ("lower_method", "signed the method in lower case; sign it upper case"),
        ("pkcs1", "signed with PKCS#1 v1.5 padding; use RSA-PSS"),
    ],
)
def test_a_wrong_signature_gets_the_real_body_and_a_diagnosis(mockexchange, kalshi_user, mistake, diagnosis):
    ts = str(now_ms())
    message = {
        "query": f"{ts}GET{PATH}?limit=5",
        "short_path": f"{ts}GET/portfolio/positions",
        "lower_method": f"{ts}get{PATH}",
        "pkcs1": f"{ts}GET{PATH}",
    }[mistake]
    pad = {
        "pkcs1": padding.PKCS1v15(),
    }.get(mistake)
    headers = {
        "KALSHI-ACCESS-KEY": kalshi_user.key_id,
        "KALSHI-ACCESS-TIMESTAMP": ts,
        "KALSHI-ACCESS-SIGNATURE": raw_sign(kalshi_user.signer, message, pad),
    }
    r = get(mockexchange, headers, PATH + "?limit=5")
    assert r.status_code == 401
    assert r.json() == BAD_SIGNATURE
    assert r.headers["X-Mockexchange-Auth"] == diagnosis


def test_a_signature_over_something_else_names_the_expected_message(mockexchange, kalshi_user):
    headers = kalshi_user.signer.headers("GET", "/trade-api/v2/portfolio/balance")
    r = get(mockexchange, headers)
    assert (r.status_code, r.json()) == (401, BAD_SIGNATURE)
    expected = f"{headers['KALSHI-ACCESS-TIMESTAMP']}GET{PATH}"
    assert expected in r.headers["X-Mockexchange-Auth"]


def test_unknown_key(mockexchange, kalshi_user):
    headers = kalshi_user.signer.headers("GET", PATH)
    headers["KALSHI-ACCESS-KEY"] = "00000000-0000-0000-0000-000000000000"
    r = get(mockexchange, headers)
    assert (r.status_code, r.json()) == (401, UNKNOWN_KEY)


@pytest.mark.parametrize(
    "header,body",
    [
        ("KALSHI-ACCESS-SIGNATURE", MISSING_SIGNATURE),
        (
            "KALSHI-ACCESS-KEY",
            {"error": {"code": "key_is_missing_from_headers", "message": "key is missing from headers"}},
        ),
        (
            "KALSHI-ACCESS-TIMESTAMP",
            {"error": {"code": "timestamp_is_missing_from_headers", "message": "timestamp is missing from headers"}},
        ),
    ],
)
def test_missing_headers(mockexchange, kalshi_user, header, body):
    headers = kalshi_user.signer.headers("GET", PATH)
    del headers[header]
    r = get(mockexchange, headers)
    assert (r.status_code, r.json()) == (401, body)
    assert header in r.headers["X-Mockexchange-Auth"]


def test_no_headers_at_all(mockexchange):
    r = get(mockexchange, {})
    assert r.status_code == 401 and r.json()["error"]["code"] == "key_is_missing_from_headers"


@pytest.mark.parametrize("skew_s", [-31, 31, -300, 300])
def test_timestamps_outside_the_window_expire(mockexchange, kalshi_user, skew_s):
    r = get(mockexchange, kalshi_user.signer.headers("GET", PATH, now_ms() + skew_s * 1000))
    assert (r.status_code, r.json()) == (401, EXPIRED)
    assert "from the mock's clock" in r.headers["X-Mockexchange-Auth"]


@pytest.mark.parametrize("skew_s", [-25, 25])
def test_timestamps_inside_the_window_pass(mockexchange, kalshi_user, skew_s):
    assert get(mockexchange, kalshi_user.signer.headers("GET", PATH, now_ms() + skew_s * 1000)).status_code == 200


def test_a_timestamp_in_seconds_is_diagnosed(mockexchange, kalshi_user):
    r = get(mockexchange, kalshi_user.signer.headers("GET", PATH, int(time.time())))
    assert (r.status_code, r.json()) == (401, EXPIRED)
    assert r.headers["X-Mockexchange-Auth"] == "timestamp in seconds, expected milliseconds"


@pytest.mark.parametrize("ts", ["soon", "1.7e12", "-5", ""])
def test_a_malformed_timestamp_is_refused(mockexchange, kalshi_user, ts):
    headers = kalshi_user.signer.headers("GET", PATH)
    headers["KALSHI-ACCESS-TIMESTAMP"] = ts
    r = get(mockexchange, headers)
    assert r.status_code == 401
    assert r.json() in (
        EXPIRED,
        {"error": {"code": "timestamp_is_missing_from_headers", "message": "timestamp is missing from headers"}},
    )


@pytest.mark.parametrize("signature", ["not base64!", "AAAA", "=" * 8])
def test_garbage_signatures(mockexchange, kalshi_user, signature):
    headers = kalshi_user.signer.headers("GET", PATH)
    headers["KALSHI-ACCESS-SIGNATURE"] = signature
    r = get(mockexchange, headers)
    assert (r.status_code, r.json()) == (401, BAD_SIGNATURE)


def test_the_window_is_configurable():
    with MockServer(timestamp_past_s=5, timestamp_future_s=60) as mock:
        mock.create_account("u")
        key = mock.create_key("u")
        signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
        assert get(mock, signer.headers("GET", PATH, now_ms() - 10_000)).status_code == 401
        assert get(mock, signer.headers("GET", PATH, now_ms() + 50_000)).status_code == 200


@contextmanager
def on_a_wall_clock() -> Iterator[tuple[MockServer, KalshiSigner, ManualClock, int]]:
    """A mock whose wall clock is a `ManualClock` at 2030-01-01, a user's signer, and that clock's now in ms."""
    wall = ManualClock(datetime(2030, 1, 1, tzinfo=UTC))
    with MockServer(wall_clock=wall) as mock:
        mock.create_account("u")
        key = mock.create_key("u")
        signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
        yield mock, signer, wall, int(wall.now().timestamp() * 1000)


def test_the_window_follows_the_wall_clock_the_mock_is_given():
    with on_a_wall_clock() as (mock, signer, wall, at):
        assert get(mock, signer.headers("GET", PATH, at)).status_code == 200
        wall.advance(delta=timedelta(minutes=5))
        assert get(mock, signer.headers("GET", PATH, at)).json() == EXPIRED
        assert get(mock, signer.headers("GET", PATH)).json() == EXPIRED  # real time is not the mock's time


def test_fcm_positions_are_signed_the_same_way(mockexchange, kalshi_user):
    r = get(
        mockexchange, kalshi_user.signer.headers("GET", "/trade-api/v2/fcm/positions"), "/trade-api/v2/fcm/positions"
    )
    assert r.status_code == 403  # signed correctly, but not an FCM member
    r = get(mockexchange, kalshi_user.signer.headers("GET", PATH), "/trade-api/v2/fcm/positions")
    assert (r.status_code, r.json()) == (401, BAD_SIGNATURE)


def test_the_window_holds_its_edges_and_says_by_how_much_a_timestamp_missed():
    """A timestamp exactly 30 s either side of the mock's clock passes; a millisecond further is refused, the
    diagnosis giving the skew and the window in seconds."""
    with on_a_wall_clock() as (mock, signer, _, at):
        for skew in (-30_000, 30_000):
            assert get(mock, signer.headers("GET", PATH, at + skew)).status_code == 200
        for skew, said in ((-30_001, "-30.0s"), (30_001, "+30.0s"), (-95_500, "-95.5s")):
            r = get(mock, signer.headers("GET", PATH, at + skew))
            assert (r.status_code, r.json()) == (401, EXPIRED)
            assert r.headers["X-Mockexchange-Auth"] == f"timestamp is {said} from the mock's clock; allowed -30s..+30s"


@pytest.mark.parametrize(
    ("ts", "diagnosis"),
    [
        ("99999999999", "timestamp in seconds, expected milliseconds"),  # the last millisecond read as seconds
        ("0", "timestamp in seconds, expected milliseconds"),
        ("9" * 25, f"timestamp '{'9' * 25}' is far outside any time window"),
    ],
)
def test_a_timestamp_far_from_any_window_is_diagnosed(mockexchange, kalshi_user, ts, diagnosis):
    headers = kalshi_user.signer.headers("GET", PATH) | {"KALSHI-ACCESS-TIMESTAMP": ts}
    r = get(mockexchange, headers)
    assert (r.status_code, r.json(), r.headers["X-Mockexchange-Auth"]) == (401, EXPIRED, diagnosis)


def test_a_timestamp_in_milliseconds_of_1973_is_not_taken_for_seconds(mockexchange, kalshi_user):
    headers = kalshi_user.signer.headers("GET", PATH) | {"KALSHI-ACCESS-TIMESTAMP": "100000000000"}
    r = get(mockexchange, headers)
    assert (r.status_code, r.json()) == (401, EXPIRED)
    assert "from the mock's clock" in r.headers["X-Mockexchange-Auth"]


@pytest.mark.parametrize("junk", ["!", "\t", "."])
def test_a_good_signature_with_a_character_base64_does_not_have_is_refused(mockexchange, kalshi_user, junk):
    """A lenient decoder drops what is not base64 and would verify the rest: another spelling of the signature,
    which replay protection would not know. Kalshi's (Go's) standard decoding refuses it, and so does the mock."""
    headers = kalshi_user.signer.headers("GET", PATH)
    signature = headers["KALSHI-ACCESS-SIGNATURE"]
    assert get(mockexchange, headers).status_code == 200
    r = get(mockexchange, headers | {"KALSHI-ACCESS-SIGNATURE": signature[:10] + junk + signature[10:]})
    assert (r.status_code, r.json()) == (401, BAD_SIGNATURE)
    assert r.headers["X-Mockexchange-Auth"] == "signature is not standard base64"


def test_an_unknown_key_id_is_named(mockexchange, kalshi_user):
    headers = kalshi_user.signer.headers("GET", PATH) | {"KALSHI-ACCESS-KEY": "not-a-key"}
    r = get(mockexchange, headers)
    assert (r.status_code, r.json()) == (401, UNKNOWN_KEY)
    assert r.headers["X-Mockexchange-Auth"] == "no key with id 'not-a-key'"
