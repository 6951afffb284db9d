"""Signing requests as a Kalshi client does, for tests written against the mock (httpx auth, plain headers)."""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from mockexchange.auth.kalshi.signature import KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign


@dataclass(frozen=True)
class KalshiSigner:
    key_id: str
    private_key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey

    @classmethod
    def from_pem(cls, key_id: str, pem: str | bytes) -> KalshiSigner:
        """Raises ValueError for a PEM that is no unencrypted RSA or Ed25519 private key (Kalshi's two key types)."""
        data = pem.encode() if isinstance(pem, str) else pem
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (TypeError, UnsupportedAlgorithm) as exc:  # encrypted; a key type cryptography cannot load
            raise ValueError(str(exc)) from None
        if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
            kind = type(key).__name__.removeprefix("_").removesuffix("PrivateKey")
            raise ValueError(f"{kind} keys are not Kalshi's: it takes RSA or Ed25519 keys")
        return cls(key_id, key)

    def headers(self, method: str, path: str, timestamp_ms: int | None = None) -> dict[str, str]:
        """The three KALSHI-ACCESS-* headers for `method` on `path` (a full path; any query string is not signed)."""
        ts = str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)
        return {
            KEY_HEADER: self.key_id,
            TIMESTAMP_HEADER: ts,
            SIGNATURE_HEADER: sign(self.private_key, ts, method.upper(), path.split("?", 1)[0]),
        }


class KalshiAuth(httpx.Auth):
    """httpx auth that signs every request: `httpx.Client(base_url=mock.kalshi_url, auth=KalshiAuth(signer))`."""

    def __init__(self, signer: KalshiSigner) -> None:
        self.signer = signer

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raw_path = request.url.raw_path.decode("ascii")
        request.headers.update(self.signer.headers(request.method, urlsplit(raw_path).path))
        yield request
