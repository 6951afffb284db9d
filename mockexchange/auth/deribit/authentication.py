"""Who is calling a Deribit private method, transport-free: the `public/auth` grants and the HTTP schemes.

The venue hands over parameters and headers as received; it gets back the token grant or the authenticated caller,
or an `AuthFailure` naming the Deribit error to render and a diagnosis for the mock's extra field.

Which error a failure becomes (Deribit documents the codes, not which check raises which):
- 13004 `invalid_credentials`: a client id and secret (or `client_signature`) that do not hold, in `public/auth`
  and in `Basic`.
- 13009 `unauthorized`: no authorization, an unknown/expired/rotated token, a bad deri-hmac-sha256 or SignalPlus
  signature, a timestamp outside the window, a replayed nonce (when rejected).
- 10000 `authorization_required`: an Authorization header that cannot be read (unknown scheme, missing fields,
  non-integer timestamp, bad base64).
- -32602 `Invalid params`: `public/auth` parameters missing or of the wrong type.

A diagnosis names what was wrong without quoting a credential: not an Authorization value it cannot read (a bare
token), nor a client id that is a secret or a token the mock holds (sent in the id's place).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from mockexchange.auth import redact
from mockexchange.auth.deribit.errors import AuthFailure, DeribitError, Reason, unauthorized
from mockexchange.auth.deribit.keys import DeribitCredential, DeribitCredentialRegistry
from mockexchange.auth.deribit.signature import (
    DeribitTimestampWindow,
    NonceCache,
    SignatureEncoding,
    check_timestamp,
    decode_basic,
    verify_client_signature,
    verify_request_signature,
    verify_signalplus_signature,
)
from mockexchange.auth.deribit.tokens import AccessToken, TokenGrant, TokenStore
from mockexchange.core.clock import epoch_ms
from mockexchange.core.numbers import excerpt, is_integer

Scheme = Literal["access_token", "bearer", "basic", "deri-hmac-sha256", "signalplus"]
GRANT_TYPES = ("client_credentials", "client_signature", "refresh_token")

SIGNALPLUS_SIGNATURE_HEADER = "Signalplus-API-Signature"
SIGNALPLUS_NONCE_HEADER = "Signalplus-API-Nonce"
SIGNALPLUS_TIMESTAMP_HEADER = "Signalplus-API-Timestamp"


@dataclass(frozen=True, slots=True)
class Authenticated:
    credential: DeribitCredential
    scope: str
    scheme: Scheme
    token: AccessToken | None = None  # for the token schemes


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name in any case (Starlette's headers already are case-insensitive; a plain dict is not)."""
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


class DeribitAuth:
    def __init__(
        self,
        registry: DeribitCredentialRegistry,
        tokens: TokenStore,
        *,
        window: DeribitTimestampWindow | None = None,
        nonces: NonceCache | None = None,
        signalplus_encoding: SignatureEncoding = "base64",
    ) -> None:
        self.registry = registry
        self.tokens = tokens
        self.window = window or DeribitTimestampWindow()
        self.nonces = nonces or NonceCache()
        self.signalplus_encoding = signalplus_encoding

    def log_out(self, connection_id: str, bound: str | None) -> None:
        """private/logout with invalidate_token: the tokens granted on the connection and the one it is bound with."""
        self.tokens.log_out(connection_id, bound)

    def _now_ms(self) -> int:
        return epoch_ms(self.tokens.clock)

    # public/auth

    def public_auth(
        self, params: Mapping[str, object], *, connection_id: str | None = None
    ) -> TokenGrant | AuthFailure:
        """The three grants of `public/auth`; `connection_id` is the websocket's, None over HTTP."""
        grant_type = params.get("grant_type")
        if grant_type is None:
            return _missing("grant_type")
        if grant_type not in GRANT_TYPES:
            return _invalid("grant_type", f"must be one of {', '.join(GRANT_TYPES)}")
        scope = params.get("scope")
        if scope is not None and not isinstance(scope, str):
            return _invalid("scope", "must be a string")
        if grant_type == "refresh_token":
            refresh_token = params.get("refresh_token")
            if not isinstance(refresh_token, str) or not refresh_token:
                return _missing("refresh_token")
            result = self.tokens.refresh(refresh_token, connection_id=connection_id)
        else:
            credential = self._grant_credential(str(grant_type), params)
            if isinstance(credential, AuthFailure):
                return credential
            result = self.tokens.issue(credential, scope, connection_id=connection_id)
        state = params.get("state")
        if isinstance(result, TokenGrant) and isinstance(state, str):
            result = replace(result, state=state)
        return result

    def _grant_credential(self, grant_type: str, params: Mapping[str, object]) -> DeribitCredential | AuthFailure:
        client_id = params.get("client_id")
        if not isinstance(client_id, str) or not client_id:
            return _missing("client_id")
        if grant_type == "client_credentials":
            secret = params.get("client_secret")
            if not isinstance(secret, str) or not secret:
                return _missing("client_secret")
            return self._secret_holds(client_id, secret)
        # client_signature
        signature = params.get("signature")
        if not isinstance(signature, str) or not signature:
            return _missing("signature")
        if "timestamp" not in params:
            return _missing("timestamp")
        nonce, data = params.get("nonce", ""), params.get("data", "")
        if not isinstance(nonce, str):
            return _invalid("nonce", "must be a string")
        if not isinstance(data, str):
            return _invalid("data", "must be a string")
        return self._signed(
            client_id,
            "client_id",
            params["timestamp"],
            nonce,
            lambda secret, ts: verify_client_signature(secret, str(ts), nonce, data, signature),
            _credentials,
        )

    # private methods

    def authenticate_token(self, access_token: str, *, connection_id: str | None = None) -> Authenticated | AuthFailure:
        """An `access_token` param (websocket or HTTP), checked against the connection it arrives on."""
        return _holding(self.tokens.access(access_token, connection_id=connection_id), "access_token")

    def authenticate_http(
        self, headers: Mapping[str, str], method: str, raw_path: str, query: str, body: str = ""
    ) -> Authenticated | AuthFailure:
        """The Authorization header of one HTTP request to a private method: Bearer, Basic or deri-hmac-sha256."""
        value = header(headers, "Authorization")
        if value is None or not value.strip():
            return unauthorized(
                Reason.MISSING_AUTHORIZATION,
                "private methods need Authorization: Bearer <access_token> (from public/auth), "
                "Basic or deri-hmac-sha256",
            )
        scheme, _, rest = value.strip().partition(" ")
        rest = rest.strip()
        match scheme.lower():
            case "bearer":
                if not rest:
                    return _unreadable("Bearer without a token")
                return _holding(self.tokens.access(rest), "bearer")
            case "basic":
                return self._basic(rest)
            case "deri-hmac-sha256":
                return self._deri_hmac(rest, method, raw_path, query, body)
        if not rest:  # one word: a bare credential, most likely, which is not quoted back
            return _unreadable("Authorization holds no scheme; send Bearer <access_token>, Basic or deri-hmac-sha256")
        return _unreadable("Authorization's scheme is none of Bearer, Basic or deri-hmac-sha256")

    def _basic(self, encoded: str) -> Authenticated | AuthFailure:
        decoded = decode_basic(encoded)
        if isinstance(decoded, str):
            return _unreadable(decoded)
        return _authenticated(self._secret_holds(*decoded), "basic")

    def _secret_holds(self, client_id: str, secret: str) -> DeribitCredential | AuthFailure:
        """The key of `client_id`, if `secret` is its client secret (`public/auth`'s client_credentials, Basic)."""
        credential = self._key(client_id, "client_id", _credentials)
        if isinstance(credential, AuthFailure):
            return credential
        if not hmac.compare_digest(credential.client_secret.encode(), secret.encode()):
            return _credentials(Reason.BAD_SECRET, _secret_mismatch(credential, secret))
        return credential

    def _deri_hmac(
        self, fields_text: str, method: str, raw_path: str, query: str, body: str
    ) -> Authenticated | AuthFailure:
        fields: dict[str, str] = {}
        for item in fields_text.split(","):  # any order, spaces allowed: renderings of the docs differ
            key, eq, val = item.strip().partition("=")
            if eq:
                fields[key.strip().lower()] = val.strip()
        missing = [name for name in ("id", "ts", "sig", "nonce") if not fields.get(name)]
        if missing:
            return _unreadable(
                f"deri-hmac-sha256 lacks {', '.join(missing)}; send id=<client_id>,ts=<ms>,sig=<hex>,nonce=<nonce>"
            )
        client_id, ts_text, signature, nonce = fields["id"], fields["ts"], fields["sig"], fields["nonce"]
        if not is_integer(ts_text):
            return _unreadable(f"ts {redact.quoted(ts_text, excerpt)} is not an integer number of milliseconds")
        signed = self._signed(
            client_id,
            "client_id",
            ts_text,
            nonce,
            lambda secret, _: verify_request_signature(
                secret, ts_text, nonce, method, raw_path, query, body, signature
            ),
        )
        return _authenticated(signed, "deri-hmac-sha256")

    def _signed(
        self,
        client_id: str,
        named: str,
        timestamp: object,
        nonce: str,
        verify: Callable[[str, int], AuthFailure | None],
        failed: Callable[[Reason, str], AuthFailure] = unauthorized,
    ) -> DeribitCredential | AuthFailure:
        """The checks a signature shares (`client_signature`'s, a per-request one's): time window, known client
        (`named` names its id's field), the signature (`verify`, given the secret and the time), an unused nonce;
        `failed` makes the refusal (13004 for `public/auth`, else 13009)."""
        now = self._now_ms()
        ts = check_timestamp(timestamp, now, self.window)
        if isinstance(ts, str):
            return failed(Reason.TIMESTAMP_OUT_OF_WINDOW, ts)
        credential = self._key(client_id, named, failed)
        if isinstance(credential, AuthFailure):
            return credential
        failure = verify(credential.client_secret, ts)
        if failure:
            return failure
        if not self.nonces.use(client_id, nonce, ts, now, self.window):
            return failed(Reason.NONCE_REPLAYED, f"nonce {nonce!r} was already used by {client_id}")
        return credential

    def _key(
        self, client_id: str, named: str, failed: Callable[[Reason, str], AuthFailure]
    ) -> DeribitCredential | AuthFailure:
        """The key of `client_id` if it may authenticate: a removed key is unknown, a disabled one refused
        (private/disable_api_key)."""
        credential = self.registry.get(client_id)
        if credential is None:
            return failed(Reason.UNKNOWN_CLIENT, self._no_key(client_id, named))
        if not credential.enabled:
            return failed(Reason.DISABLED_KEY, f"the API key {client_id!r} is disabled (private/enable_api_key)")
        return credential

    def _no_key(self, client_id: str, named: str = "client_id") -> str:
        """An unknown client id's diagnosis: quoted, unless it is a credential the mock holds (a client secret or a
        token sent in its place, a blank around it or not), which is named and never quoted."""
        held = client_id.strip()
        if any(credential.client_secret == held for credential in self.registry.all()):
            return f"{named} holds a client_secret, not a client id: are the two swapped?"
        if self.tokens.knows(held):
            return f"{named} holds a token, not a client id"
        return f"no API key with {named} {client_id!r}"

    def authenticate_signalplus(self, headers: Mapping[str, str]) -> Authenticated | AuthFailure:
        """SignalPlus gateway headers: `Authorization: Bearer <ApiKey>` (the client id) and three signature headers."""
        value = header(headers, "Authorization")
        if value is None or not value.strip():
            return unauthorized(Reason.MISSING_AUTHORIZATION, "SignalPlus needs Authorization: Bearer <ApiKey>")
        scheme, _, api_key = value.strip().partition(" ")
        api_key = api_key.strip()
        if scheme.lower() != "bearer" or not api_key:
            return _unreadable("SignalPlus needs Authorization: Bearer <ApiKey>")
        names = (SIGNALPLUS_SIGNATURE_HEADER, SIGNALPLUS_NONCE_HEADER, SIGNALPLUS_TIMESTAMP_HEADER)
        signature, nonce, ts_text = (header(headers, name) for name in names)
        missing = [name for name, v in zip(names, (signature, nonce, ts_text), strict=True) if not v]
        if missing or signature is None or nonce is None or ts_text is None:
            return _unreadable(f"missing header(s) {', '.join(missing)}")
        if not is_integer(ts_text.strip()):
            what = f"{SIGNALPLUS_TIMESTAMP_HEADER} {redact.quoted(ts_text, excerpt)}"
            return _unreadable(f"{what} is not an integer number of milliseconds")
        signed = self._signed(
            api_key,
            "ApiKey",
            ts_text,
            nonce,
            lambda secret, _: verify_signalplus_signature(
                secret, ts_text.strip(), nonce, signature.strip(), self.signalplus_encoding
            ),
        )
        return _authenticated(signed, "signalplus")


def _secret_mismatch(credential: DeribitCredential, secret: str) -> str:
    if secret.strip() == credential.client_secret:
        return "client_secret has surrounding whitespace"
    if secret == credential.client_id:
        return "sent the client_id as client_secret"
    return f"client_secret does not match client_id {credential.client_id!r}"


def _missing(param: str) -> AuthFailure:
    return AuthFailure(
        DeribitError.INVALID_PARAMS, Reason.MISSING_PARAM, f"public/auth needs {param}", param, "must be present"
    )


def _invalid(param: str, why: str) -> AuthFailure:
    return AuthFailure(DeribitError.INVALID_PARAMS, Reason.INVALID_PARAM, f"{param} {why}", param, why)


def _credentials(reason: Reason, diagnosis: str) -> AuthFailure:
    return AuthFailure(DeribitError.INVALID_CREDENTIALS, reason, diagnosis)


def _authenticated(found: DeribitCredential | AuthFailure, scheme: Scheme) -> Authenticated | AuthFailure:
    return found if isinstance(found, AuthFailure) else Authenticated(found, found.scope, scheme)


def _holding(token: AccessToken | AuthFailure, scheme: Scheme) -> Authenticated | AuthFailure:
    return token if isinstance(token, AuthFailure) else Authenticated(token.credential, token.scope, scheme, token)


def _unreadable(diagnosis: str) -> AuthFailure:
    return AuthFailure(DeribitError.AUTHORIZATION_REQUIRED, Reason.MALFORMED_AUTHORIZATION, diagnosis)
