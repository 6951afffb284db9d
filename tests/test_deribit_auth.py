"""Deribit and SignalPlus authentication without a transport: the documented vectors, each scheme, each failure.

Client-side signatures are computed here from the documented formulas (as ccxt computes them), never with the
mock's own signing functions, so a wrong formula in the mock cannot agree with itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from mockexchange.auth.deribit.authentication import Authenticated, DeribitAuth
from mockexchange.auth.deribit.errors import AuthFailure, DeribitError, Reason
from mockexchange.auth.deribit.keys import DeribitCredential, DeribitCredentialRegistry
from mockexchange.auth.deribit.signature import DeribitTimestampWindow, NonceCache, check_timestamp
from mockexchange.auth.deribit.tokens import TokenGrant, TokenStore, permits
from mockexchange.auth.errors import KeyRegistrationError
from mockexchange.core.clock import ManualClock

VECTOR_TS = 1554883365000
POSITIONS = "/api/v2/private/get_positions"


def hmac_hex(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def ccxt_headers(client_id: str, secret: str, ts_ms: int, path: str, params: dict[str, str]) -> tuple[dict, str]:
    """What ccxt's deribit `sign()` sends for a private GET: nonce == ts, URI with the urlencoded query, empty body."""
    ts = nonce = str(ts_ms)
    query = urlencode(params)
    request_data = "GET\n" + path + "?" + query + "\n" + "" + "\n"
    sig = hmac_hex(secret, ts + "\n" + nonce + "\n" + request_data)
    return {"Authorization": f"deri-hmac-sha256 id={client_id},ts={ts},sig={sig},nonce={nonce}"}, query


def at_ms(ms: int) -> ManualClock:
    return ManualClock(datetime.fromtimestamp(ms / 1000, UTC))


@pytest.fixture
def clock() -> ManualClock:
    return at_ms(VECTOR_TS)


@pytest.fixture
def registry() -> DeribitCredentialRegistry:
    return DeribitCredentialRegistry()


@pytest.fixture
def auth(clock: ManualClock, registry: DeribitCredentialRegistry) -> DeribitAuth:
    return DeribitAuth(registry, TokenStore(clock))


@pytest.fixture
def key(registry: DeribitCredentialRegistry) -> DeribitCredential:
    return registry.add("alice", client_id="AAAAAAAA", client_secret="ABCD")


def failed(result: object, error: DeribitError, reason: Reason) -> AuthFailure:
    assert isinstance(result, AuthFailure), result
    assert (result.error, result.reason) == (error, reason), result
    return result


def granted(result: object) -> TokenGrant:
    assert isinstance(result, TokenGrant), result
    return result


# the documented vectors


def test_the_official_client_signature_vector_grants_a_token(auth, key):
    assert hmac_hex("ABCD", "1554883365000\nfdbmmz79\n") == (
        "e20c9cd5639d41f8bbc88f4d699c4baf94a4f0ee320e9a116b72743c449eb994"
    )
    grant = granted(
        auth.public_auth(
            {
                "grant_type": "client_signature",
                "client_id": "AAAAAAAA",
                "timestamp": 1554883365000,
                "nonce": "fdbmmz79",
                "data": "",
                "signature": "e20c9cd5639d41f8bbc88f4d699c4baf94a4f0ee320e9a116b72743c449eb994",
            }
        )
    )
    assert grant.token_type == "bearer"
    assert grant.expires_in == 900
    assert grant.scope == "account:read_write trade:read_write wallet:read_write connection mainaccount"
    assert re.fullmatch(r"1554883365000\.[\w-]{8}\.[\w-]+", grant.access_token)
    assert grant.refresh_token != grant.access_token


def test_the_docs_shell_one_liner_with_a_newline_after_data_is_refused_and_explained(auth, key):
    wrong = hmac_hex("ABCD", "1554883365000\nfdbmmz79\n\n")
    params = {"grant_type": "client_signature", "client_id": "AAAAAAAA", "timestamp": "1554883365000"}
    result = auth.public_auth({**params, "nonce": "fdbmmz79", "data": "", "signature": wrong})
    failure = failed(result, DeribitError.INVALID_CREDENTIALS, Reason.BAD_SIGNATURE)
    assert "a newline after data" in failure.diagnosis


def test_the_worked_deri_hmac_vector_verifies(auth, key):
    sig = "5ad3b3bdcd30638bd25f3b09bce38bb74c18a71b39398bfbec8ee45e312d5f7f"
    headers = {"Authorization": f"deri-hmac-sha256 id=AAAAAAAA,ts=1554883365000,sig={sig},nonce=fdbmmz79"}
    result = auth.authenticate_http(headers, "GET", POSITIONS, "currency=BTC&kind=future")
    assert isinstance(result, Authenticated)
    assert (result.credential.user_id, result.scheme) == ("alice", "deri-hmac-sha256")


# deri-hmac-sha256


def test_a_request_signed_as_ccxt_signs_is_accepted(auth, key):
    headers, query = ccxt_headers(
        "AAAAAAAA", "ABCD", VECTOR_TS - 1500, POSITIONS, {"currency": "BTC", "kind": "future"}
    )
    assert isinstance(auth.authenticate_http(headers, "GET", POSITIONS, query), Authenticated)


@pytest.mark.parametrize(
    "value",
    [
        "deri-hmac-sha256 id=AAAAAAAA,ts={ts},nonce={nonce},sig={sig}",  # the docs' curl order
        "deri-hmac-sha256 id=AAAAAAAA, ts={ts}, sig={sig}, nonce={nonce}",  # a rendering with spaces
        "DERI-HMAC-SHA256 nonce={nonce},sig={sig},ts={ts},id=AAAAAAAA",
    ],
)
def test_deri_hmac_fields_come_in_any_order(auth, key, value):
    ts, nonce = str(VECTOR_TS), "n1"
    sig = hmac_hex("ABCD", f"{ts}\n{nonce}\nGET\n{POSITIONS}?currency=BTC\n\n")
    headers = {"authorization": value.format(ts=ts, nonce=nonce, sig=sig)}
    assert isinstance(auth.authenticate_http(headers, "GET", POSITIONS, "currency=BTC"), Authenticated)


def test_a_post_body_is_signed_between_uri_and_final_newline(auth, key):
    body = '{"jsonrpc":"2.0","id":1,"method":"private/get_positions","params":{"currency":"BTC"}}'
    ts = str(VECTOR_TS)
    sig = hmac_hex("ABCD", f"{ts}\n{ts}\nPOST\n{POSITIONS}\n{body}\n")
    headers = {"Authorization": f"deri-hmac-sha256 id=AAAAAAAA,ts={ts},sig={sig},nonce={ts}"}
    assert isinstance(auth.authenticate_http(headers, "POST", POSITIONS, "", body), Authenticated)
    failure = failed(
        auth.authenticate_http(headers, "POST", POSITIONS, "", body + " "),
        DeribitError.UNAUTHORIZED,
        Reason.BAD_SIGNATURE,
    )
    assert repr(f"{ts}\n{ts}\nPOST\n{POSITIONS}\n{body} \n") in failure.diagnosis


def test_signing_an_empty_body_for_a_post_with_one_is_diagnosed(auth, key):
    ts = str(VECTOR_TS)
    sig = hmac_hex("ABCD", f"{ts}\n{ts}\nPOST\n{POSITIONS}\n\n")
    headers = {"Authorization": f"deri-hmac-sha256 id=AAAAAAAA,ts={ts},sig={sig},nonce={ts}"}
    failure = failed(
        auth.authenticate_http(headers, "POST", POSITIONS, "", "{}"), DeribitError.UNAUTHORIZED, Reason.BAD_SIGNATURE
    )
    assert "an empty body" in failure.diagnosis


def test_a_wrong_secret_is_13009_and_the_diagnosis_shows_the_covered_string(auth, key):
    headers, query = ccxt_headers("AAAAAAAA", "WRONG", VECTOR_TS, POSITIONS, {"currency": "BTC"})
    failure = failed(
        auth.authenticate_http(headers, "GET", POSITIONS, query), DeribitError.UNAUTHORIZED, Reason.BAD_SIGNATURE
    )
    assert failure.error.code == 13009 and failure.error.message == "unauthorized"
    assert repr(f"{VECTOR_TS}\n{VECTOR_TS}\nGET\n{POSITIONS}?currency=BTC\n\n") in failure.diagnosis
    assert "wrong secret" in failure.diagnosis


def test_signing_the_path_without_its_query_is_diagnosed(auth, key):
    ts = str(VECTOR_TS)
    sig = hmac_hex("ABCD", f"{ts}\n{ts}\nGET\n{POSITIONS}\n\n")
    headers = {"Authorization": f"deri-hmac-sha256 id=AAAAAAAA,ts={ts},sig={sig},nonce={ts}"}
    failure = failed(
        auth.authenticate_http(headers, "GET", POSITIONS, "currency=BTC"),
        DeribitError.UNAUTHORIZED,
        Reason.BAD_SIGNATURE,
    )
    assert "the path without its query string" in failure.diagnosis


def test_the_query_is_checked_as_received_not_re_encoded_or_sorted(auth, key):
    headers, _ = ccxt_headers("AAAAAAAA", "ABCD", VECTOR_TS, POSITIONS, {"currency": "BTC", "kind": "future"})
    failure = failed(
        auth.authenticate_http(headers, "GET", POSITIONS, "kind=future&currency=BTC"),
        DeribitError.UNAUTHORIZED,
        Reason.BAD_SIGNATURE,
    )
    assert "a re-ordered query" in failure.diagnosis
    failed(
        auth.authenticate_http(headers, "GET", POSITIONS, "currency=ETH&kind=future"),
        DeribitError.UNAUTHORIZED,
        Reason.BAD_SIGNATURE,
    )
    failed(
        auth.authenticate_http(headers, "GET", "/api/v2/private/get_position", "currency=BTC&kind=future"),
        DeribitError.UNAUTHORIZED,
        Reason.BAD_SIGNATURE,
    )


def test_upper_case_hex_is_refused_with_the_reason(auth, key):
    ts = str(VECTOR_TS)
    sig = hmac_hex("ABCD", f"{ts}\n{ts}\nGET\n{POSITIONS}\n\n").upper()
    headers = {"Authorization": f"deri-hmac-sha256 id=AAAAAAAA,ts={ts},sig={sig},nonce={ts}"}
    failure = failed(
        auth.authenticate_http(headers, "GET", POSITIONS, ""), DeribitError.UNAUTHORIZED, Reason.BAD_SIGNATURE
    )
    assert "upper-case hex" in failure.diagnosis


@pytest.mark.parametrize("offset_ms, ok", [(-60_000, True), (-60_001, False), (60_000, True), (60_001, False)])
def test_the_timestamp_window_is_60_s_either_side(auth, key, offset_ms, ok):
    headers, query = ccxt_headers("AAAAAAAA", "ABCD", VECTOR_TS + offset_ms, POSITIONS, {"currency": "BTC"})
    result = auth.authenticate_http(headers, "GET", POSITIONS, query)
    if ok:
        assert isinstance(result, Authenticated)
    else:
        failure = failed(result, DeribitError.UNAUTHORIZED, Reason.TIMESTAMP_OUT_OF_WINDOW)
        assert "allowed -60s..+60s" in failure.diagnosis


def test_the_window_is_configurable(clock, registry, key):
    auth = DeribitAuth(registry, TokenStore(clock), window=DeribitTimestampWindow(past_ms=5_000, future_ms=1_000))
    headers, query = ccxt_headers("AAAAAAAA", "ABCD", VECTOR_TS - 6_000, POSITIONS, {"currency": "BTC"})
    failed(
        auth.authenticate_http(headers, "GET", POSITIONS, query),
        DeribitError.UNAUTHORIZED,
        Reason.TIMESTAMP_OUT_OF_WINDOW,
    )


def test_a_timestamp_in_seconds_is_named(auth, key):
    headers, query = ccxt_headers("AAAAAAAA", "ABCD", VECTOR_TS // 1000, POSITIONS, {"currency": "BTC"})
    failure = failed(
        auth.authenticate_http(headers, "GET", POSITIONS, query),
        DeribitError.UNAUTHORIZED,
        Reason.TIMESTAMP_OUT_OF_WINDOW,
    )
    assert "seconds" in failure.diagnosis


def test_an_unknown_client_id_is_13009(auth, key):
    headers, query = ccxt_headers("ZZZZZZZZ", "ABCD", VECTOR_TS, POSITIONS, {"currency": "BTC"})
    failed(auth.authenticate_http(headers, "GET", POSITIONS, query), DeribitError.UNAUTHORIZED, Reason.UNKNOWN_CLIENT)


@pytest.mark.parametrize(
    "value, named",
    [
        ("deri-hmac-sha256 id=AAAAAAAA,ts=1554883365000,nonce=x", "sig"),
        ("deri-hmac-sha256 ts=1554883365000,sig=ab,nonce=x", "id"),
        ("deri-hmac-sha256 id=AAAAAAAA,ts=1554883365000,sig=ab", "nonce"),
        ("deri-hmac-sha256", "id, ts, sig, nonce"),
        ("deri-hmac-sha256 id=AAAAAAAA,ts=soon,sig=ab,nonce=x", "'soon' is not an integer"),
        ("deri-hmac-sha256 id=AAAAAAAA,ts=1554883365000.5,sig=ab,nonce=x", "not an integer"),
    ],
)
def test_malformed_deri_hmac_headers_are_10000(auth, key, value, named):
    failure = failed(
        auth.authenticate_http({"Authorization": value}, "GET", POSITIONS, ""),
        DeribitError.AUTHORIZATION_REQUIRED,
        Reason.MALFORMED_AUTHORIZATION,
    )
    assert named in failure.diagnosis


def test_replayed_nonces_pass_by_default_because_ccxt_reuses_the_timestamp(auth, key):
    headers, query = ccxt_headers("AAAAAAAA", "ABCD", VECTOR_TS, POSITIONS, {"currency": "BTC"})
    assert isinstance(auth.authenticate_http(headers, "GET", POSITIONS, query), Authenticated)
    assert isinstance(auth.authenticate_http(headers, "GET", POSITIONS, query), Authenticated)


def test_replayed_nonces_are_refused_when_asked(clock, registry, key):
    auth = DeribitAuth(registry, TokenStore(clock), nonces=NonceCache(reject_replays=True))
    headers, query = ccxt_headers("AAAAAAAA", "ABCD", VECTOR_TS, POSITIONS, {"currency": "BTC"})
    assert isinstance(auth.authenticate_http(headers, "GET", POSITIONS, query), Authenticated)
    failed(auth.authenticate_http(headers, "GET", POSITIONS, query), DeribitError.UNAUTHORIZED, Reason.NONCE_REPLAYED)
    other, query = ccxt_headers("AAAAAAAA", "ABCD", VECTOR_TS + 1, POSITIONS, {"currency": "BTC"})
    assert isinstance(auth.authenticate_http(other, "GET", POSITIONS, query), Authenticated)


# missing and unknown schemes


def test_no_authorization_is_13009(auth, key):
    failure = failed(
        auth.authenticate_http({}, "GET", POSITIONS, ""), DeribitError.UNAUTHORIZED, Reason.MISSING_AUTHORIZATION
    )
    assert failure.error.http_status == 401


def test_an_unknown_scheme_is_10000(auth, key):
    failed(
        auth.authenticate_http({"Authorization": "Token abc"}, "GET", POSITIONS, ""),
        DeribitError.AUTHORIZATION_REQUIRED,
        Reason.MALFORMED_AUTHORIZATION,
    )


# Basic


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def test_basic_with_the_right_secret_authenticates(auth, key):
    result = auth.authenticate_http(basic("AAAAAAAA", "ABCD"), "GET", POSITIONS, "")
    assert isinstance(result, Authenticated) and result.scheme == "basic"


def test_basic_with_a_wrong_secret_or_unknown_id_is_13004(auth, key):
    failure = failed(
        auth.authenticate_http(basic("AAAAAAAA", "ABCE"), "GET", POSITIONS, ""),
        DeribitError.INVALID_CREDENTIALS,
        Reason.BAD_SECRET,
    )
    assert (failure.error.code, failure.error.message) == (13004, "invalid_credentials")
    failed(
        auth.authenticate_http(basic("BBBBBBBB", "ABCD"), "GET", POSITIONS, ""),
        DeribitError.INVALID_CREDENTIALS,
        Reason.UNKNOWN_CLIENT,
    )


@pytest.mark.parametrize("value", ["Basic not*base64", "Basic " + base64.b64encode(b"no-colon").decode(), "Basic"])
def test_unreadable_basic_credentials_are_10000(auth, key, value):
    failed(
        auth.authenticate_http({"Authorization": value}, "GET", POSITIONS, ""),
        DeribitError.AUTHORIZATION_REQUIRED,
        Reason.MALFORMED_AUTHORIZATION,
    )


# public/auth and tokens


def credentials(client_id: str = "AAAAAAAA", secret: str = "ABCD", **extra: object) -> dict[str, object]:
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, **extra}


@pytest.mark.parametrize("scheme", ["Bearer", "bearer"])
def test_a_bearer_token_from_client_credentials_works_until_it_expires(auth, key, clock, scheme):
    grant = granted(auth.public_auth(credentials()))
    headers = {"Authorization": f"{scheme} {grant.access_token}"}
    clock.advance(899.999)
    result = auth.authenticate_http(headers, "GET", POSITIONS, "")
    assert isinstance(result, Authenticated) and result.scheme == "bearer"
    clock.advance(0.001)
    failure = failed(
        auth.authenticate_http(headers, "GET", POSITIONS, ""), DeribitError.UNAUTHORIZED, Reason.EXPIRED_TOKEN
    )
    assert "public/auth" in failure.diagnosis


def test_token_lifetime_is_configurable_and_expires_scope_overrides_it(clock, registry, key):
    auth = DeribitAuth(registry, TokenStore(clock, access_lifetime_s=31_536_000))
    assert granted(auth.public_auth(credentials())).expires_in == 31_536_000
    grant = granted(auth.public_auth(credentials(scope="expires:60")))
    assert grant.expires_in == 60
    clock.advance(60)
    failed(auth.authenticate_token(grant.access_token), DeribitError.UNAUTHORIZED, Reason.EXPIRED_TOKEN)


def test_an_unknown_bearer_token_is_13009(auth, key):
    failed(
        auth.authenticate_http({"Authorization": "Bearer 1.abc.def"}, "GET", POSITIONS, ""),
        DeribitError.UNAUTHORIZED,
        Reason.UNKNOWN_TOKEN,
    )


def test_sending_the_refresh_token_as_bearer_is_explained(auth, key):
    grant = granted(auth.public_auth(credentials()))
    failure = failed(auth.authenticate_token(grant.refresh_token), DeribitError.UNAUTHORIZED, Reason.UNKNOWN_TOKEN)
    assert "refresh token" in failure.diagnosis


def test_refresh_rotates_and_the_spent_refresh_token_fails(auth, key, clock):
    first = granted(auth.public_auth(credentials(scope="trade:read")))
    clock.advance(10)
    second = granted(auth.public_auth({"grant_type": "refresh_token", "refresh_token": first.refresh_token}))
    assert second.access_token != first.access_token and second.refresh_token != first.refresh_token
    assert second.scope == first.scope == "trade:read connection mainaccount"
    assert isinstance(auth.authenticate_token(second.access_token), Authenticated)
    # the old access token lives out its own lifetime
    assert isinstance(auth.authenticate_token(first.access_token), Authenticated)
    reuse = auth.public_auth({"grant_type": "refresh_token", "refresh_token": first.refresh_token})
    failure = failed(reuse, DeribitError.UNAUTHORIZED, Reason.ROTATED_TOKEN)
    assert "already used" in failure.diagnosis
    granted(auth.public_auth({"grant_type": "refresh_token", "refresh_token": second.refresh_token}))


def test_a_refresh_token_expires_too(clock, registry, key):
    auth = DeribitAuth(registry, TokenStore(clock, refresh_lifetime_s=3600))
    grant = granted(auth.public_auth(credentials()))
    clock.advance(3600)
    failed(
        auth.public_auth({"grant_type": "refresh_token", "refresh_token": grant.refresh_token}),
        DeribitError.UNAUTHORIZED,
        Reason.EXPIRED_TOKEN,
    )
    failed(
        auth.public_auth({"grant_type": "refresh_token", "refresh_token": "nope"}),
        DeribitError.UNAUTHORIZED,
        Reason.UNKNOWN_TOKEN,
    )


def test_client_credentials_with_a_wrong_secret_or_unknown_id_is_13004(auth, key):
    failure = failed(auth.public_auth(credentials(secret="ABCD ")), DeribitError.INVALID_CREDENTIALS, Reason.BAD_SECRET)
    assert "whitespace" in failure.diagnosis
    failed(auth.public_auth(credentials(secret="WXYZ")), DeribitError.INVALID_CREDENTIALS, Reason.BAD_SECRET)
    failed(auth.public_auth(credentials(client_id="BBBBBBBB")), DeribitError.INVALID_CREDENTIALS, Reason.UNKNOWN_CLIENT)


@pytest.mark.parametrize(
    "params, param",
    [
        ({"client_id": "AAAAAAAA", "client_secret": "ABCD"}, "grant_type"),
        ({"grant_type": "password", "client_id": "AAAAAAAA"}, "grant_type"),
        ({"grant_type": "client_credentials", "client_secret": "ABCD"}, "client_id"),
        ({"grant_type": "client_credentials", "client_id": "AAAAAAAA"}, "client_secret"),
        ({"grant_type": "client_signature", "client_id": "AAAAAAAA", "timestamp": VECTOR_TS}, "signature"),
        ({"grant_type": "client_signature", "client_id": "AAAAAAAA", "signature": "ab"}, "timestamp"),
        ({"grant_type": "refresh_token"}, "refresh_token"),
        ({"grant_type": "client_credentials", "client_id": "AAAAAAAA", "client_secret": "ABCD", "scope": 5}, "scope"),
        (credentials(scope="trade:write"), "scope"),
    ],
)
def test_bad_public_auth_params_are_invalid_params(auth, key, params, param):
    result = auth.public_auth(params)
    assert isinstance(result, AuthFailure)
    assert (result.error.code, result.error.message, result.param) == (-32602, "Invalid params", param)
    assert result.error.http_status == 400


def test_client_signature_outside_the_window_or_with_a_bad_signature_is_13004(auth, key, clock):
    ts = VECTOR_TS - 61_000
    sig = hmac_hex("ABCD", f"{ts}\n{ts}\n")
    params = {"grant_type": "client_signature", "client_id": "AAAAAAAA", "timestamp": ts, "nonce": str(ts)}
    failed(
        auth.public_auth({**params, "signature": sig}), DeribitError.INVALID_CREDENTIALS, Reason.TIMESTAMP_OUT_OF_WINDOW
    )
    ts = VECTOR_TS
    bad = hmac_hex("WXYZ", f"{ts}\n{ts}\n")
    params = {**params, "timestamp": ts, "nonce": str(ts)}
    failed(auth.public_auth({**params, "signature": bad}), DeribitError.INVALID_CREDENTIALS, Reason.BAD_SIGNATURE)
    failed(
        auth.public_auth({**params, "client_id": "BBBBBBBB", "signature": bad}),
        DeribitError.INVALID_CREDENTIALS,
        Reason.UNKNOWN_CLIENT,
    )


def test_state_is_echoed(auth, key):
    assert granted(auth.public_auth(credentials(state="abc"))).state == "abc"


def test_scope_is_narrowed_to_the_key_and_marks_main_accounts(auth, registry):
    registry.add("bob", client_id="SUBKEY01", client_secret="s", subaccount_id=7, scope="wallet:read trade:read_write")
    grant = granted(auth.public_auth(credentials("SUBKEY01", "s", scope="wallet:read_write account:read session:bot")))
    assert grant.scope == "wallet:read session:bot"
    registry.add("bob", client_id="MAINKEY1", client_secret="m", scope="trade:read")
    assert granted(auth.public_auth(credentials("MAINKEY1", "m"))).scope == "trade:read connection mainaccount"


def test_a_scope_permits_read_or_read_write(auth, registry):
    registry.add("carol", client_id="READONLY", client_secret="r", scope="trade:read wallet:none")
    token = auth.tokens.access(granted(auth.public_auth(credentials("READONLY", "r"))).access_token)
    assert permits(token.scope, "trade:read")
    assert not permits(token.scope, "trade:read_write")
    assert not permits(token.scope, "wallet:read")


# connection scope


def test_a_connection_scoped_websocket_token_works_on_its_connection_only(auth, key):
    grant = granted(auth.public_auth(credentials(), connection_id="ws-1"))
    assert isinstance(auth.authenticate_token(grant.access_token, connection_id="ws-1"), Authenticated)
    failure = failed(
        auth.authenticate_token(grant.access_token, connection_id="ws-2"),
        DeribitError.UNAUTHORIZED,
        Reason.OTHER_CONNECTION,
    )
    assert "session:" in failure.diagnosis
    failed(
        auth.authenticate_http({"Authorization": f"Bearer {grant.access_token}"}, "GET", POSITIONS, ""),
        DeribitError.UNAUTHORIZED,
        Reason.OTHER_CONNECTION,
    )
    auth.tokens.close_connection("ws-1")
    failed(
        auth.authenticate_token(grant.access_token, connection_id="ws-1"),
        DeribitError.UNAUTHORIZED,
        Reason.UNKNOWN_TOKEN,
    )


def test_session_scoped_and_http_issued_tokens_are_not_bound(auth, key):
    session = granted(auth.public_auth(credentials(scope="session:s1"), connection_id="ws-1"))
    assert isinstance(auth.authenticate_token(session.access_token, connection_id="ws-2"), Authenticated)
    http = granted(auth.public_auth(credentials()))
    assert isinstance(auth.authenticate_token(http.access_token, connection_id="ws-3"), Authenticated)


# SignalPlus


def signalplus(api_key: str, secret: str, ts: int, nonce: str, encoding: str = "base64") -> dict[str, str]:
    digest = hmac.new(secret.encode(), f"{ts}\n{nonce}\n".encode(), hashlib.sha256).digest()
    sig = base64.b64encode(digest).decode() if encoding == "base64" else digest.hex()
    return {
        "Authorization": f"Bearer {api_key}",
        "Signalplus-API-Signature": sig,
        "Signalplus-API-Nonce": nonce,
        "Signalplus-API-Timestamp": str(ts),
    }


def test_signalplus_headers_with_a_base64_signature_authenticate(auth, key):
    result = auth.authenticate_signalplus(signalplus("AAAAAAAA", "ABCD", VECTOR_TS, "n-1"))
    assert isinstance(result, Authenticated) and result.scheme == "signalplus"
    lowered = {k.lower(): v for k, v in signalplus("AAAAAAAA", "ABCD", VECTOR_TS, "n-2").items()}
    assert isinstance(auth.authenticate_signalplus(lowered), Authenticated)


def test_signalplus_encoding_is_configurable_and_a_mismatch_is_named(clock, registry, key):
    hex_auth = DeribitAuth(registry, TokenStore(clock), signalplus_encoding="hex")
    assert isinstance(
        hex_auth.authenticate_signalplus(signalplus("AAAAAAAA", "ABCD", VECTOR_TS, "n", "hex")), Authenticated
    )
    failure = failed(
        hex_auth.authenticate_signalplus(signalplus("AAAAAAAA", "ABCD", VECTOR_TS, "n")),
        DeribitError.UNAUTHORIZED,
        Reason.BAD_SIGNATURE,
    )
    assert "base64-encoded; send it hex-encoded" in failure.diagnosis


def test_signalplus_failures(auth, key):
    failed(
        auth.authenticate_signalplus(signalplus("AAAAAAAA", "WXYZ", VECTOR_TS, "n")),
        DeribitError.UNAUTHORIZED,
        Reason.BAD_SIGNATURE,
    )
    failed(
        auth.authenticate_signalplus(signalplus("ZZZZZZZZ", "ABCD", VECTOR_TS, "n")),
        DeribitError.UNAUTHORIZED,
        Reason.UNKNOWN_CLIENT,
    )
    failed(
        auth.authenticate_signalplus(signalplus("AAAAAAAA", "ABCD", VECTOR_TS + 61_000, "n")),
        DeribitError.UNAUTHORIZED,
        Reason.TIMESTAMP_OUT_OF_WINDOW,
    )
    headers = signalplus("AAAAAAAA", "ABCD", VECTOR_TS, "n")
    del headers["Signalplus-API-Nonce"]
    failure = failed(
        auth.authenticate_signalplus(headers), DeribitError.AUTHORIZATION_REQUIRED, Reason.MALFORMED_AUTHORIZATION
    )
    assert "Signalplus-API-Nonce" in failure.diagnosis
    headers = {**signalplus("AAAAAAAA", "ABCD", VECTOR_TS, "n"), "Authorization": "Basic AAAAAAAA"}
    failed(auth.authenticate_signalplus(headers), DeribitError.AUTHORIZATION_REQUIRED, Reason.MALFORMED_AUTHORIZATION)
    headers = {**signalplus("AAAAAAAA", "ABCD", VECTOR_TS, "n"), "Signalplus-API-Timestamp": "now"}
    failed(auth.authenticate_signalplus(headers), DeribitError.AUTHORIZATION_REQUIRED, Reason.MALFORMED_AUTHORIZATION)
    no_auth = {k: v for k, v in signalplus("AAAAAAAA", "ABCD", VECTOR_TS, "n").items() if k != "Authorization"}
    failed(auth.authenticate_signalplus(no_auth), DeribitError.UNAUTHORIZED, Reason.MISSING_AUTHORIZATION)


def test_signalplus_signature_without_the_final_newline_is_diagnosed(auth, key):
    headers = signalplus("AAAAAAAA", "ABCD", VECTOR_TS, "n")
    digest = hmac.new(b"ABCD", f"{VECTOR_TS}\nn".encode(), hashlib.sha256).digest()
    headers["Signalplus-API-Signature"] = base64.b64encode(digest).decode()
    failure = failed(auth.authenticate_signalplus(headers), DeribitError.UNAUTHORIZED, Reason.BAD_SIGNATURE)
    assert "no newline after the nonce" in failure.diagnosis


# credentials


def test_generated_credentials_have_deribits_shape(registry):
    credential = registry.add("dave")
    assert re.fullmatch(r"[A-Za-z0-9]{8}", credential.client_id)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", credential.client_secret)
    assert registry.get(credential.client_id) == credential
    assert registry.for_user("dave") == [credential]


@pytest.mark.parametrize("client_id", ["AAAAAAAA", "a:b", "a,b", "a b"])
def test_unusable_or_duplicate_client_ids_are_refused(registry, key, client_id):
    with pytest.raises(KeyRegistrationError):
        registry.add("eve", client_id=client_id)


def test_a_nonce_replayed_while_its_timestamp_is_in_the_window_is_refused(clock, registry, key):
    """The request was signed a second before the mock's clock: its nonce is remembered while the timestamp could
    still pass, not only while it is the present."""
    clock.advance(delta=timedelta(seconds=1))
    auth = DeribitAuth(registry, TokenStore(clock), nonces=NonceCache(reject_replays=True))
    headers, query = ccxt_headers("AAAAAAAA", "ABCD", VECTOR_TS, POSITIONS, {"currency": "BTC"})
    assert isinstance(auth.authenticate_http(headers, "GET", POSITIONS, query), Authenticated)
    clock.advance(delta=timedelta(seconds=58))
    failed(auth.authenticate_http(headers, "GET", POSITIONS, query), DeribitError.UNAUTHORIZED, Reason.NONCE_REPLAYED)


@pytest.mark.parametrize(
    ("signed", "said"),
    [
        ("{ts}\n{ts}\nget\n{uri}\n\n", "the method in lower case"),
        ("{ts}\n{ts}\nGET\n{uri}\n", "no newline after the body"),
        ("{ts}\n{ts}\nGET\n/private/get_positions?currency=BTC\n\n", "the URI without /api/v2"),
        ("{ts}\n{ts}\nGET\n/api/v2/private/get_positions?label=a b\n\n", "the percent-decoded URI"),
    ],
)
def test_each_common_signing_mistake_is_named(auth, key, signed, said):
    query = "label=a%20b" if "label" in signed else "currency=BTC"
    ts = str(VECTOR_TS)
    sig = hmac_hex("ABCD", signed.format(ts=ts, uri=f"{POSITIONS}?{query}"))
    headers = {"Authorization": f"deri-hmac-sha256 id=AAAAAAAA,ts={ts},sig={sig},nonce={ts}"}
    failure = failed(
        auth.authenticate_http(headers, "GET", POSITIONS, query), DeribitError.UNAUTHORIZED, Reason.BAD_SIGNATURE
    )
    assert said in failure.diagnosis


def test_a_connection_scoped_token_refreshed_stays_bound_to_its_connection(auth, key):
    first = granted(auth.public_auth(credentials(), connection_id="ws-1"))
    again = granted(
        auth.public_auth({"grant_type": "refresh_token", "refresh_token": first.refresh_token}, connection_id="ws-1")
    )
    assert "connection" in again.scope.split()
    assert isinstance(auth.authenticate_token(again.access_token, connection_id="ws-1"), Authenticated)
    failed(auth.authenticate_token(again.access_token, connection_id="ws-2"), DeribitError.UNAUTHORIZED,
           Reason.OTHER_CONNECTION)  # fmt: skip


def test_a_timestamp_before_1973_in_milliseconds_is_read_as_one_in_seconds_and_no_later_one() -> None:
    """10^11 ms (March 1973) is the first timestamp taken as milliseconds: one below it is a date in seconds, named
    so; it and later ones far from the clock are outside the window."""
    now, window = 1_800_000_000_000, DeribitTimestampWindow()
    assert check_timestamp(99_999_999_999, now, window) == (
        "timestamp 99999999999 looks like seconds; send milliseconds since the epoch")  # fmt: skip
    assert "from the mock's clock" in str(check_timestamp(100_000_000_000, now, window))
    assert check_timestamp(now - 60_000, now, window) == now - 60_000  # (the window's edge, taken)
