"""Signing requests as a Kalshi client does, for tests written against the mock (httpx auth, plain headers)."""

from __future__ import annotations

import os
import time
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from mockexchange.auth.kalshi.keys import EXPECTED_PRIVATE_KEY, PemError, load_private_key
from mockexchange.auth.kalshi.signature import KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign


@dataclass(frozen=True)
class KalshiSigner:
    key_id: str
    private_key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey

    @classmethod
    def from_pem(cls, key_id: str, pem: str | bytes) -> KalshiSigner:
        """Raises ValueError, in one line that says why, for a PEM that is no unencrypted RSA or Ed25519 private key
        (Kalshi's two key types)."""
        try:
            return cls(key_id, load_private_key(pem))
        except PemError as exc:
            raise ValueError(f"not {EXPECTED_PRIVATE_KEY} ({exc})") from None

    @classmethod
    def from_pem_file(cls, key_id: str, path: str | os.PathLike[str]) -> KalshiSigner:
        """The signer of the private key in the PEM file at `path` (a `str` or any path object); ValueError, one line
        naming the file, if it cannot be read or holds no unencrypted RSA or Ed25519 private key."""
        path = Path(path)
        try:
            pem = path.read_bytes()
        except OSError as exc:
            raise ValueError(f"cannot read the private key {path}: {exc.strerror or exc}") from None
        try:
            return cls(key_id, load_private_key(pem))
        except PemError as exc:
            raise ValueError(f"{path} is not {EXPECTED_PRIVATE_KEY} ({exc})") from None

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
