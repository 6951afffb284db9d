"""Deribit's HMAC-SHA256 signatures (and the SignalPlus gateway's), with a diagnosis when one does not verify.

- `client_signature` grant of `public/auth`: hex(HMAC(secret, `ts\\nnonce\\ndata`)), no newline after data.
- HTTP `Authorization: deri-hmac-sha256 id=..,ts=..,sig=..,nonce=..`:
  hex(HMAC(secret, `ts\\nnonce\\nMETHOD\\nURI\\nBODY\\n`)), URI the raw path plus `?query` exactly as received.
- SignalPlus: HMAC(secret, `ts\\nnonce\\n`), base64 as its examples show (hex configurable: not confirmed for Deribit).

Timestamps are milliseconds and must lie within 60 s of the mock's clock either way. A nonce may be used again
unless `NonceCache(reject_replays=True)`: ccxt uses the millisecond timestamp as nonce, so two calls in one
millisecond would otherwise fail.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

from mockexchange.auth import redact
from mockexchange.auth.deribit.errors import AuthFailure, DeribitError, Reason, unauthorized
from mockexchange.core.numbers import NotAnInteger, OutOfRange, bounded, excerpt, parse_int

SignatureEncoding = Literal["hex", "base64"]


@dataclass(frozen=True, slots=True)
class DeribitTimestampWindow:
    """How far a signed timestamp may lie from the mock's clock, in milliseconds each way."""

    past_ms: int = 60_000
    future_ms: int = 60_000


def _hmac(secret: str, message: str) -> bytes:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()


def client_signature_string(timestamp: str, nonce: str, data: str) -> str:
    return f"{timestamp}\n{nonce}\n{data}"


def request_signature_string(timestamp: str, nonce: str, method: str, uri: str, body: str) -> str:
    return f"{timestamp}\n{nonce}\n{method.upper()}\n{uri}\n{body}\n"


def signalplus_signature_string(timestamp: str, nonce: str) -> str:
    return f"{timestamp}\n{nonce}\n"


def encode(digest: bytes, encoding: SignatureEncoding) -> str:
    return digest.hex() if encoding == "hex" else base64.b64encode(digest).decode()


def sign(secret: str, message: str, encoding: SignatureEncoding = "hex") -> str:
    """The signature a correct client sends for `message` (one of the `*_string` functions above)."""
    return encode(_hmac(secret, message), encoding)


def request_uri(raw_path: str, query: str) -> str:
    """The URI deri-hmac-sha256 covers: path and query exactly as received, no re-encoding, no sorting."""
    return f"{raw_path}?{query}" if query else raw_path


def check_timestamp(value: object, now_ms: int, window: DeribitTimestampWindow) -> int | str:
    """The timestamp in ms, or why it is refused. Accepts an int or a string of digits (some clients send one)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return f"timestamp {redact.quoted(repr(value), excerpt)} is not an integer number of milliseconds"
    try:
        ts = bounded(value, 0) if isinstance(value, int) else parse_int(value.strip(), 0)
    except NotAnInteger:
        return f"timestamp {redact.quoted(str(value), excerpt)} is not an integer number of milliseconds"
    except OutOfRange:
        return f"timestamp {excerpt(str(value))} is far outside any time window"
    if ts < 100_000_000_000:  # before 1973 in ms, a plausible date in seconds
        return f"timestamp {ts} looks like seconds; send milliseconds since the epoch"
    if ts < now_ms - window.past_ms or ts > now_ms + window.future_ms:
        return (
            f"timestamp is {(ts - now_ms) / 1000:+.3f}s from the mock's clock ({now_ms} ms); "
            f"allowed -{window.past_ms / 1000:g}s..+{window.future_ms / 1000:g}s"
        )
    return ts


class NonceCache:
    """Nonces seen per client id, kept as long as their timestamp could still pass the window."""

    def __init__(self, reject_replays: bool = False) -> None:
        self.reject_replays = reject_replays
        self._seen: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def use(self, client_id: str, nonce: str, ts_ms: int, now_ms: int, window: DeribitTimestampWindow) -> bool:
        """Record a nonce; False if replay rejection is on and it was used already."""
        if not self.reject_replays:
            return True
        with self._lock:
            horizon = now_ms - window.past_ms - window.future_ms
            for key in [k for k, ts in self._seen.items() if ts < horizon]:
                del self._seen[key]
            if (client_id, nonce) in self._seen:
                return False
            self._seen[(client_id, nonce)] = ts_ms
            return True

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


def _matches(secret: str, message: str, signature: str, encoding: SignatureEncoding) -> bool:
    return hmac.compare_digest(sign(secret, message, encoding), signature)


def _encoding_mistake(secret: str, message: str, signature: str, encoding: SignatureEncoding) -> str | None:
    digest = _hmac(secret, message)
    if encoding == "hex" and signature == digest.hex().upper():
        return "signature is upper-case hex; send lower-case hex"
    other: SignatureEncoding = "base64" if encoding == "hex" else "hex"
    if signature == encode(digest, other):
        return f"signature is {other}-encoded; send it {encoding}-encoded"
    if signature == base64.urlsafe_b64encode(digest).decode():
        return f"signature is url-safe base64; send it {'standard base64' if encoding == 'base64' else 'hex'}-encoded"
    return None


def diagnose(
    secret: str,
    signature: str,
    expected: str,
    candidates: list[tuple[str, str]],
    encoding: SignatureEncoding = "hex",
) -> str:
    """Which common mistake reproduces `signature`, else what the signature should have covered."""
    mistake = _encoding_mistake(secret, expected, signature, encoding)
    if mistake:
        return mistake
    for message, why in candidates:
        if message != expected and (
            _matches(secret, message, signature, encoding) or _encoding_mistake(secret, message, signature, encoding)
        ):
            return f"the signature covers {expected!r}; you signed {message!r} ({why})"
    return f"the signature covers {expected!r}; yours does not match it (wrong secret, or another message)"


def verify_client_signature(secret: str, timestamp: str, nonce: str, data: str, signature: str) -> AuthFailure | None:
    """The `client_signature` grant's signature; a failure is 13004, as for a wrong secret."""
    expected = client_signature_string(timestamp, nonce, data)
    if _matches(secret, expected, signature, "hex"):
        return None
    candidates = [
        (expected + "\n", "a newline after data; the string ends with data"),
        (f"{timestamp}\n{nonce}", "no newline after the nonce"),
        (f"{nonce}\n{timestamp}\n{data}", "nonce before timestamp"),
    ]
    if len(timestamp) > 3:
        candidates.append((client_signature_string(timestamp[:-3], nonce, data), "the timestamp in seconds"))
    return AuthFailure(
        DeribitError.INVALID_CREDENTIALS, Reason.BAD_SIGNATURE, diagnose(secret, signature, expected, candidates)
    )


def verify_request_signature(
    secret: str, timestamp: str, nonce: str, method: str, raw_path: str, query: str, body: str, signature: str
) -> AuthFailure | None:
    """The deri-hmac-sha256 signature of one HTTP request; a failure is 13009 (Deribit's "bad signature")."""
    uri = request_uri(raw_path, query)
    expected = request_signature_string(timestamp, nonce, method, uri, body)
    if _matches(secret, expected, signature, "hex"):
        return None
    m = method.upper()
    candidates = [
        (request_signature_string(timestamp, nonce, m, raw_path, body), "the path without its query string"),
        (request_signature_string(timestamp, nonce, m, unquote(uri), body), "the percent-decoded URI"),
        (request_signature_string(timestamp, nonce, m, uri.removeprefix("/api/v2"), body), "the URI without /api/v2"),
        (f"{timestamp}\n{nonce}\n{m.lower()}\n{uri}\n{body}\n", "the method in lower case"),
        (expected[:-1], "no newline after the body"),
        (request_signature_string(timestamp, nonce, m, uri, ""), "an empty body; sign the body as sent"),
        (f"{nonce}\n{timestamp}\n{m}\n{uri}\n{body}\n", "nonce before timestamp"),
    ]
    if query:
        sorted_query = "&".join(sorted(query.split("&")))
        candidates.append(
            (request_signature_string(timestamp, nonce, m, f"{raw_path}?{sorted_query}", body), "a re-ordered query")
        )
    return unauthorized(Reason.BAD_SIGNATURE, diagnose(secret, signature, expected, candidates))


def verify_signalplus_signature(
    secret: str, timestamp: str, nonce: str, signature: str, encoding: SignatureEncoding = "base64"
) -> AuthFailure | None:
    expected = signalplus_signature_string(timestamp, nonce)
    if _matches(secret, expected, signature, encoding):
        return None
    candidates = [
        (f"{timestamp}\n{nonce}", "no newline after the nonce"),
        (f"{timestamp}{nonce}", "no newlines"),
        (f"{nonce}\n{timestamp}\n", "nonce before timestamp"),
    ]
    return unauthorized(Reason.BAD_SIGNATURE, diagnose(secret, signature, expected, candidates, encoding))


def decode_basic(value: str) -> tuple[str, str] | str:
    """(client_id, client_secret) from the credentials of `Basic <base64>`, or why they cannot be read."""
    try:
        text = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, ValueError):
        return "Basic credentials are not standard base64 of client_id:client_secret"
    client_id, colon, secret = text.partition(":")
    if not colon or not client_id:
        return "Basic credentials decode to no client_id:client_secret pair"
    return client_id, secret
