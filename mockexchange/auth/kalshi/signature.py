"""Kalshi's request signature: `KALSHI-ACCESS-KEY`, `-TIMESTAMP` (ms) and `-SIGNATURE` over `timestamp + METHOD + path`.

The path is the URL path as received, `/trade-api/v2` included, without the query string. RSA keys sign with RSA-PSS,
SHA-256, MGF1(SHA-256), salt length 32 (what Kalshi documents); Ed25519 keys sign the same message with Ed25519. An
RSA-PSS signature of another salt length is accepted too unless the salt rule is `strict` (`Settings.kalshi_pss_salt`),
as verifiers with an automatic salt length accept it; the success then carries a note naming the length.

A failure says which rule was broken (`KalshiAuthFailure.reason`, which the venue turns into Kalshi's body) and what the
client did wrong as far as one look tells (`KalshiAuthFailure.diagnosis`, sent in a header real clients ignore). A
signature that does not verify costs at most two verifications here; the common mistakes it may show cost several more,
so they are tried apart (`diagnosis.py`), within a budget, from what `KalshiAuthFailure.suspect` keeps.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from mockexchange.auth import redact
from mockexchange.auth.kalshi import pss
from mockexchange.auth.kalshi.keys import ApiKey, KeyRegistry
from mockexchange.core.numbers import INT64_MAX, NotAnInteger, OutOfRange, excerpt, parse_int

KEY_HEADER = "KALSHI-ACCESS-KEY"
TIMESTAMP_HEADER = "KALSHI-ACCESS-TIMESTAMP"
SIGNATURE_HEADER = "KALSHI-ACCESS-SIGNATURE"
API_PREFIX = "/trade-api/v2"

_SHA256 = hashes.SHA256()  # (one for every verification: it holds nothing of one)
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
_PSS_ANY_SALT = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)
# What an RSA-PSS signature's salt length may be (Settings.kalshi_pss_salt): any, or only Kalshi's documented 32.
PSS_SALT_ANY = "any"
PSS_SALT_STRICT = "strict"
PSS_SALT_RULES = (PSS_SALT_ANY, PSS_SALT_STRICT)


class KalshiAuthReason(Enum):
    MISSING_KEY = "missing_key"
    MISSING_SIGNATURE = "missing_signature"
    MISSING_TIMESTAMP = "missing_timestamp"
    TIMESTAMP_EXPIRED = "timestamp_expired"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    REPLAYED = "replayed"  # only with Settings.kalshi_reject_replays (auth/kalshi/replays.py)


@dataclass(frozen=True, slots=True)
class Suspect:
    """A signature that does not verify, and what it was checked against: what `diagnosis.py` needs to find which
    common mistake made it."""

    key: ApiKey
    signature: bytes
    ts: str
    method: str
    raw_path: str
    query: str

    @property
    def expected(self) -> str:
        """The message a correct client signs."""
        return f"{self.ts}{self.method}{self.raw_path}"

    def plain_diagnosis(self) -> str:
        """What is said of it when no common mistake is found (or none is tried)."""
        return f"signature does not verify for key {self.key.key_id} over message {self.expected!r}"


@dataclass(frozen=True, slots=True)
class KalshiAuthFailure:
    reason: KalshiAuthReason
    diagnosis: str
    suspect: Suspect | None = None  # a signature that does not verify, its common mistakes not yet tried


@dataclass(frozen=True, slots=True)
class KalshiAuthenticated:
    key: ApiKey
    note: str | None = None  # what the client did that Kalshi does not document, though the mock accepts it
    # The signature as decoded: what a replay is recognised by, however its base64 was spelled (replays.py).
    signature: bytes = b""


@dataclass(frozen=True, slots=True)
class TimestampWindow:
    """How far a request's timestamp may lie from the mock's clock, in milliseconds each way."""

    past_ms: int = 30_000
    future_ms: int = 30_000


def sign(
    private_key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey, timestamp_ms: int | str, method: str, path: str
) -> str:
    """The signature a correct client sends (used by the mock's own test helpers and examples)."""
    message = f"{timestamp_ms}{method}{path.split('?', 1)[0]}".encode()
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        raw = private_key.sign(message)
    else:
        raw = private_key.sign(message, _PSS, hashes.SHA256())
    return base64.b64encode(raw).decode()


def verifies(key: ApiKey, signature: bytes, message: str, scheme: str = "pss") -> bool:
    """Whether `signature` signs `message`: "pss" with salt length 32 (Ed25519 keys: their own scheme),
    "pss-any-salt" with any salt length, "pkcs1v15" with PKCS#1 v1.5 padding."""
    data = message.encode()
    public = key.public_key
    if isinstance(public, ed25519.Ed25519PublicKey):
        try:
            public.verify(signature, data)
        except (InvalidSignature, ValueError):
            return False
        return scheme != "pkcs1v15"
    if scheme == "pkcs1v15":
        return _rsa_verifies(public, signature, data, padding.PKCS1v15())
    return _rsa_verifies(public, signature, data, _PSS if scheme == "pss" else _PSS_ANY_SALT)


def _rsa_verifies(public: rsa.RSAPublicKey, signature: bytes, data: bytes, pad: padding.AsymmetricPadding) -> bool:
    try:
        public.verify(signature, data, pad, _SHA256)
    except (InvalidSignature, ValueError):
        return False
    return True


def _length_mistake(key: ApiKey, signature: bytes) -> str | None:
    """Why a signature of this length cannot be one under `key`, if it cannot. An RSA signature is as long as the
    modulus (RFC 8017, 8.1.2; Go's rsa.VerifyPSS refuses any other length): OpenSSL would take one cut short of
    its leading zero bytes, another spelling of the same signature that replay protection would not recognise."""
    size = key.signature_size
    if len(signature) == size:
        return None
    public = key.public_key
    if isinstance(public, ed25519.Ed25519PublicKey):
        return f"signature is {len(signature)} bytes; an Ed25519 signature is 64"
    pad = "; pad it on the left with zero bytes" if len(signature) < size else ""
    return f"signature is {len(signature)} bytes; an RSA signature under this {public.key_size}-bit key is {size}{pad}"


def _other_salt(key: ApiKey, signature: bytes, message: str) -> int | None:
    """The salt length of a valid RSA-PSS signature of `message` whose salt is not 32; None if it is no such
    signature. One verification with any salt length decides; the length is then read back: the maximum (the
    default of many signers) is tried first, with OpenSSL, then the length is read from the signature (`pss.py`)."""
    public = key.public_key
    if not isinstance(public, rsa.RSAPublicKey):
        return None
    data = message.encode()
    if not _rsa_verifies(public, signature, data, _PSS_ANY_SALT):
        return None
    most = padding.calculate_max_pss_salt_length(public, hashes.SHA256())
    if _rsa_verifies(public, signature, data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=most)):
        return most
    return pss.salt_length(public, signature, data)


def authenticate(
    headers: Mapping[str, str],
    method: str,
    raw_path: str,
    query: str,
    registry: KeyRegistry,
    now_ms: int,
    window: TimestampWindow = TimestampWindow(),
    pss_salt: str = PSS_SALT_ANY,
) -> KalshiAuthenticated | KalshiAuthFailure:
    """Check the three headers of one request; the key on success, the failure otherwise. `pss_salt`: which RSA-PSS
    salt lengths pass, any (`PSS_SALT_ANY`) or only 32 (`PSS_SALT_STRICT`)."""
    key_id = headers.get(KEY_HEADER)
    signature_b64 = headers.get(SIGNATURE_HEADER)
    ts = headers.get(TIMESTAMP_HEADER)
    if not key_id:
        return KalshiAuthFailure(KalshiAuthReason.MISSING_KEY, f"{KEY_HEADER} header is missing")
    if not signature_b64:
        return KalshiAuthFailure(KalshiAuthReason.MISSING_SIGNATURE, f"{SIGNATURE_HEADER} header is missing")
    if not ts:
        return KalshiAuthFailure(KalshiAuthReason.MISSING_TIMESTAMP, f"{TIMESTAMP_HEADER} header is missing")
    try:
        ts_ms = parse_int(ts, 0, INT64_MAX)
    except NotAnInteger:
        why = f"timestamp {redact.quoted(ts, excerpt)} is not an integer number of milliseconds"
        return KalshiAuthFailure(KalshiAuthReason.TIMESTAMP_EXPIRED, why)
    except OutOfRange:
        return KalshiAuthFailure(
            KalshiAuthReason.TIMESTAMP_EXPIRED, f"timestamp {excerpt(ts)} is far outside any time window"
        )
    if ts_ms < 100_000_000_000:  # before 1973 in ms, but a plausible date in seconds
        return KalshiAuthFailure(KalshiAuthReason.TIMESTAMP_EXPIRED, "timestamp in seconds, expected milliseconds")
    if ts_ms < now_ms - window.past_ms or ts_ms > now_ms + window.future_ms:
        skew = (ts_ms - now_ms) / 1000
        return KalshiAuthFailure(
            KalshiAuthReason.TIMESTAMP_EXPIRED,
            f"timestamp is {skew:+.1f}s from the mock's clock; "
            f"allowed -{window.past_ms / 1000:g}s..+{window.future_ms / 1000:g}s",
        )
    key = registry.get(key_id)
    if key is None:
        if redact.signature(key_id):  # not quoted back: it may be the signature, the two headers swapped
            return KalshiAuthFailure(
                KalshiAuthReason.UNKNOWN_KEY, f"{KEY_HEADER} holds a signature, not a key id: are the headers swapped?"
            )
        return KalshiAuthFailure(KalshiAuthReason.UNKNOWN_KEY, f"no key with id {key_id!r}")
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        return KalshiAuthFailure(KalshiAuthReason.BAD_SIGNATURE, "signature is not standard base64")
    if (mistake := _length_mistake(key, signature)) is not None:
        return KalshiAuthFailure(KalshiAuthReason.BAD_SIGNATURE, mistake)
    message = f"{ts}{method}{raw_path}"
    if verifies(key, signature, message):  # the documented salt: one verification
        return KalshiAuthenticated(key, signature=signature)
    salt = _other_salt(key, signature, message)
    if salt is None:
        suspect = Suspect(key, signature, ts, method, raw_path, query)
        return KalshiAuthFailure(KalshiAuthReason.BAD_SIGNATURE, suspect.plain_diagnosis(), suspect)
    used = f"RSA-PSS salt length {salt} (Kalshi documents 32)"
    if pss_salt == PSS_SALT_ANY:
        return KalshiAuthenticated(key, f"{used}: accepted; --pss-salt strict refuses it", signature)
    return KalshiAuthFailure(
        KalshiAuthReason.BAD_SIGNATURE, f"{used}: refused by --pss-salt strict; sign with salt length 32"
    )


def pss_salt_rule(rule: str) -> str:
    """`rule` if it is one of `PSS_SALT_RULES`; ValueError otherwise."""
    if rule not in PSS_SALT_RULES:
        raise ValueError(f"kalshi_pss_salt must be one of {', '.join(PSS_SALT_RULES)}, not {rule!r}")
    return rule
