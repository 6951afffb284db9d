"""API keys: who a key belongs to, what it is bound to, and the public half used to verify its signatures."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from typing import Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from mockexchange.auth.errors import KeyRegistrationError

KeyType = Literal["rsa", "ed25519"]
PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey


@dataclass(frozen=True, slots=True)
class ApiKey:
    key_id: str
    user_id: str
    public_key: PublicKey
    subaccount: int | None = None  # a subaccount-restricted key is locked to this subaccount
    subtrader_id: str | None = None  # an FCM key bound to one subtrader

    @property
    def key_type(self) -> KeyType:
        return "ed25519" if isinstance(self.public_key, ed25519.Ed25519PublicKey) else "rsa"


def generate_private_key(key_type: KeyType = "rsa") -> rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey:
    if key_type == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    # 2048-bit like the keys Kalshi issues.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_key_pem(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        # Kalshi hands out PKCS#1 ("BEGIN RSA PRIVATE KEY"); every client loads it.
        fmt = serialization.PrivateFormat.TraditionalOpenSSL
    else:
        fmt = serialization.PrivateFormat.PKCS8
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()


def public_key_pem(key: PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_key(pem: str | bytes) -> PublicKey:
    """A public key from PEM; a private key PEM is accepted too and its public half kept."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        if b"PRIVATE KEY" in data:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise KeyRegistrationError(f"not a usable PEM key: {exc}") from None
    if isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        return key
    raise KeyRegistrationError("only RSA and Ed25519 keys are supported")


class KeyRegistry:
    def __init__(self) -> None:
        self._keys: dict[str, ApiKey] = {}
        self._lock = threading.Lock()

    def add(
        self,
        user_id: str,
        public_key: PublicKey,
        *,
        key_id: str | None = None,
        subaccount: int | None = None,
        subtrader_id: str | None = None,
    ) -> ApiKey:
        key = ApiKey(key_id or str(uuid.uuid4()), user_id, public_key, subaccount, subtrader_id)
        with self._lock:
            if key.key_id in self._keys:
                raise KeyRegistrationError(f"key id {key.key_id!r} already exists")
            self._keys[key.key_id] = key
        return key

    def get(self, key_id: str) -> ApiKey | None:
        return self._keys.get(key_id)

    def for_user(self, user_id: str) -> list[ApiKey]:
        return [k for k in self._keys.values() if k.user_id == user_id]

    def all(self) -> list[ApiKey]:
        return list(self._keys.values())

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()
