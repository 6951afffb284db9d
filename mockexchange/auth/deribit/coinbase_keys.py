"""Coinbase's CDP API keys for the Coinbase dialect of Deribit, and the CDP JWT that `public/auth`'s `coinbase_cdp`
grant carries (docs/coinbase.md).

A key is registered for a Deribit account (a user, or one of its subaccounts) with a public key: ECDSA P-256 (the JWT's
`alg` ES256) or Ed25519 (`alg` EdDSA), and Coinbase's permissions, View / Trade / Transfer. The mock keeps the public
key only; a key pair it draws hands the private key out once, as Coinbase's portal does: a SEC1 PEM for ECDSA, the
base64 of the 64-byte seed and public key for Ed25519.

A JWT (coinbase/deribit/auth/cdp_jwt.py of coinbase-advanced-py, and ccxt's `create_auth_token`) holds the header
{alg, kid: the key's name, nonce} and the claims {sub: the key's name, iss, nbf, exp: nbf + 120}; ccxt's adds `aud`,
`iat` and `uri`/`uris`, which the mock reads past. Checked here: its form, `alg` against the key's, `kid` and `sub` a
registered key, `iss` one of `ISSUERS`, `nbf`/`exp` against the clock with `SKEW_S` either way and a life of at most
`MAX_LIFE_S`, the signature, and a nonce used once within the JWT's life.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from mockexchange.auth.errors import KeyRegistrationError
from mockexchange.core.bounded_json import parse_json
from mockexchange.core.numbers import excerpt

ALGORITHMS = ("ES256", "EdDSA")
PERMISSIONS = ("view", "trade", "transfer")  # Coinbase's API key permissions
ISSUERS = ("cdp", "coinbase-cloud")  # the SDK's and ccxt's EdDSA JWTs say cdp; ccxt's ES256 ones coinbase-cloud
MAX_LIFE_S = 120  # a CDP JWT lives two minutes
SKEW_S = 30  # how far the client's clock may be from the mock's, each way
MAX_JWT_CHARS = 4096
_NONCES_PER_KEY = 10_000  # nonces one key's live JWTs may hold; past it the oldest are forgotten


@dataclass(frozen=True, slots=True)
class CoinbaseKey:
    name: str  # organizations/{org_id}/apiKeys/{key_id}
    algorithm: str  # ES256 or EdDSA
    public_key: str  # PEM (SubjectPublicKeyInfo)
    user_id: str
    subaccount_id: int | None
    permissions: tuple[str, ...]


def key_name() -> str:
    return f"organizations/{uuid.uuid4()}/apiKeys/{uuid.uuid4()}"


def permissions_of(text: str | None) -> tuple[str, ...]:
    """`view trade` (or `view,trade`, any case) as Coinbase's permissions; none named: View and Trade."""
    named = [part.lower() for part in (text or "view trade").replace(",", " ").split()]
    unknown = [part for part in named if part not in PERMISSIONS]
    if unknown or not named:
        raise KeyRegistrationError(f"permissions are {', '.join(PERMISSIONS)}; not {excerpt(' '.join(unknown))}")
    return tuple(p for p in PERMISSIONS if p in named)


def new_key_pair(algorithm: str) -> tuple[str, str]:
    """(public key PEM, private key as Coinbase's portal hands it out)."""
    if algorithm == "EdDSA":
        private = ed25519.Ed25519PrivateKey.generate()
        raw, no_encryption = serialization.Encoding.Raw, serialization.NoEncryption()
        seed = private.private_bytes(raw, serialization.PrivateFormat.Raw, no_encryption)
        raw_public = private.public_key().public_bytes(raw, serialization.PublicFormat.Raw)
        secret = base64.b64encode(seed + raw_public).decode()
        return _public_pem(private.public_key()), secret
    if algorithm != "ES256":
        raise KeyRegistrationError(f"algorithm is one of {', '.join(ALGORITHMS)}")
    ec_private = ec.generate_private_key(ec.SECP256R1())
    pem = ec_private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    return _public_pem(ec_private.public_key()), pem


def _public_pem(key: ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def algorithm_of(public_pem: str) -> str:
    """The JWT `alg` a public key signs with; KeyRegistrationError for another kind of key or no PEM."""
    try:
        key = serialization.load_pem_public_key(public_pem.encode())
    except (ValueError, TypeError):
        raise KeyRegistrationError("public_key must be a PEM public key (ECDSA P-256 or Ed25519)") from None
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "EdDSA"
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    raise KeyRegistrationError("public_key must be ECDSA on P-256 or Ed25519, as Coinbase's CDP keys are")


class CoinbaseKeyRegistry:
    def __init__(self) -> None:
        self._keys: dict[str, CoinbaseKey] = {}
        self._lock = threading.Lock()

    def add(self, key: CoinbaseKey) -> CoinbaseKey:
        if not key.name or any(c.isspace() for c in key.name):
            raise KeyRegistrationError("a key's name may not be empty or hold spaces")
        if algorithm_of(key.public_key) != key.algorithm:
            raise KeyRegistrationError(f"the public key does not sign {key.algorithm}")
        with self._lock:
            if key.name in self._keys:
                raise KeyRegistrationError(f"key {key.name!r} already exists")
            self._keys[key.name] = key
        return key

    def get(self, name: str) -> CoinbaseKey | None:
        return self._keys.get(name)

    def all(self) -> list[CoinbaseKey]:
        return list(self._keys.values())

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()


@dataclass(frozen=True, slots=True)
class JwtClaims:
    key: CoinbaseKey
    nonce: str
    expires_s: int


class JwtRefused(Exception):
    """Why a JWT does not hold (a diagnosis that quotes no credential)."""


def _segment(text: str, what: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise JwtRefused(f"the JWT's {what} is not base64url") from None


def _json_segment(text: str, what: str) -> Mapping[str, Any]:
    try:
        document = parse_json(_segment(text, what))
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise JwtRefused(f"the JWT's {what} is not a JSON object")
    return document


def _seconds(claims: Mapping[str, Any], name: str) -> int:
    value = claims.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise JwtRefused(f"the JWT's {name} must be an integer number of seconds")
    return value


class JwtVerifier:
    """Reads and checks CDP JWTs against the registry; remembers each key's nonces until their JWT expires."""

    def __init__(self, registry: CoinbaseKeyRegistry) -> None:
        self.registry = registry
        self._nonces: dict[str, dict[str, int]] = {}  # key name -> nonce -> until (s)
        self._lock = threading.Lock()

    def verify(self, token: str, now_s: int) -> JwtClaims:
        if len(token) > MAX_JWT_CHARS:
            raise JwtRefused(f"the JWT is longer than {MAX_JWT_CHARS} characters")
        parts = token.strip().split(".")
        if len(parts) != 3:
            raise JwtRefused("token is no JWT: it needs three dot-separated parts (header.claims.signature)")
        header, claims = _json_segment(parts[0], "header"), _json_segment(parts[1], "claims")
        key = self._key(header, claims)
        _check_times(claims, now_s)
        _check_signature(key, f"{parts[0]}.{parts[1]}".encode(), _segment(parts[2], "signature"))
        nonce = header.get("nonce")
        if not isinstance(nonce, str) or not nonce:
            raise JwtRefused("the JWT's header needs a nonce (random hex)")
        expires_s = _seconds(claims, "exp")
        self._use(key.name, nonce, expires_s + SKEW_S, now_s)
        return JwtClaims(key, nonce, expires_s)

    def _key(self, header: Mapping[str, Any], claims: Mapping[str, Any]) -> CoinbaseKey:
        alg, kid, sub = header.get("alg"), header.get("kid"), claims.get("sub")
        if alg not in ALGORITHMS:
            raise JwtRefused(f"the JWT's alg must be one of {', '.join(ALGORITHMS)}")
        if not isinstance(kid, str) or kid != sub:
            raise JwtRefused("the JWT's kid and sub must both name the API key (organizations/.../apiKeys/...)")
        key = self.registry.get(kid)
        if key is None:
            raise JwtRefused(f"no Coinbase API key named {excerpt(kid)!r} (POST /_admin/deribit/coinbase_keys)")
        if key.algorithm != alg:
            raise JwtRefused(f"key {kid!r} signs {key.algorithm}, the JWT says {alg}")
        if claims.get("iss") not in ISSUERS:
            raise JwtRefused(f"the JWT's iss must be one of {', '.join(ISSUERS)}")
        return key

    def _use(self, name: str, nonce: str, until_s: int, now_s: int) -> None:
        with self._lock:
            held = self._nonces.setdefault(name, {})
            for old in [n for n, until in held.items() if until < now_s]:
                del held[old]
            if nonce in held:
                raise JwtRefused("the JWT was used already (its nonce was seen): sign a new one for each public/auth")
            held[nonce] = until_s
            while len(held) > _NONCES_PER_KEY:
                del held[next(iter(held))]

    def clear(self) -> None:
        with self._lock:
            self._nonces.clear()


def _check_times(claims: Mapping[str, Any], now_s: int) -> None:
    nbf, exp = _seconds(claims, "nbf"), _seconds(claims, "exp")
    if exp - nbf > MAX_LIFE_S:
        raise JwtRefused(f"the JWT lives {exp - nbf} s; a CDP JWT lives at most {MAX_LIFE_S} s (exp = nbf + 120)")
    if nbf > now_s + SKEW_S:
        raise JwtRefused(f"the JWT is not valid before {nbf} s; the mock's clock reads {now_s} s")
    if exp <= now_s - SKEW_S:
        raise JwtRefused(f"the JWT expired at {exp} s; the mock's clock reads {now_s} s")


@lru_cache(maxsize=1024)
def _public_key(pem: str) -> Any:
    """A registered key's public key, loaded once (a key checks every JWT its client signs)."""
    return serialization.load_pem_public_key(pem.encode())


def _check_signature(key: CoinbaseKey, signed: bytes, signature: bytes) -> None:
    public = _public_key(key.public_key)
    try:
        if isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(signature, signed)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            if len(signature) != 64:
                raise JwtRefused("an ES256 signature is 64 bytes (r and s)")
            der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
            public.verify(der, signed, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise JwtRefused(f"the JWT's signature does not verify with key {key.name!r}'s public key") from None


def sign_jwt(key_name: str, private_key: str, now_s: int, *, nonce: str | None = None, issuer: str = "cdp") -> str:
    """A CDP JWT as coinbase-advanced-py's cdp_jwt.py signs one (the kit's and the tests' client): ES256 for a PEM
    key, EdDSA for a base64 Ed25519 secret."""
    header: dict[str, Any] = {"kid": key_name, "nonce": nonce or secrets.token_hex(16), "typ": "JWT"}
    claims = {"sub": key_name, "iss": issuer, "nbf": now_s, "exp": now_s + MAX_LIFE_S}
    if "BEGIN" in private_key:
        loaded = serialization.load_pem_private_key(private_key.encode(), None)
        if not isinstance(loaded, ec.EllipticCurvePrivateKey):
            raise ValueError("a PEM CDP key is ECDSA")
        header["alg"] = "ES256"
        signing_input = _signing_input(header, claims)
        r, s = decode_dss_signature(loaded.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    else:
        header["alg"] = "EdDSA"
        signing_input = _signing_input(header, claims)
        seed = base64.b64decode(private_key)[:32]
        signature = ed25519.Ed25519PrivateKey.from_private_bytes(seed).sign(signing_input)
    return signing_input.decode() + "." + _b64(signature)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signing_input(header: Mapping[str, Any], claims: Mapping[str, Any]) -> bytes:
    return f"{_b64(orjson.dumps(header))}.{_b64(orjson.dumps(claims))}".encode()
