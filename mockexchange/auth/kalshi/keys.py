"""API keys: who a key belongs to, what it is bound to, and the public half used to verify its signatures; keys read
from PEM, with a few words on why a text holds none (`PemError`) instead of cryptography's own; and which public keys
may be registered (the key policy), since each signature checked costs what its key costs to verify."""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from mockexchange.auth.errors import KeyRegistrationError
from mockexchange.core.events import Change, EventBus
from mockexchange.core.kalshi.key_commands import DEFAULT_SCOPES

KeyType = Literal["rsa", "ed25519"]
MAX_USER_KEYS = 1_000  # keys one user holds at a time: the mock's bound (Kalshi's is unknown), each user's own


PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey
PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


@dataclass(frozen=True, slots=True)
class ApiKey:
    key_id: str
    user_id: str
    public_key: PublicKey
    subaccount: int | None = None  # a subaccount-restricted key is locked to this subaccount
    subtrader_id: str | None = None  # an FCM key bound to one subtrader
    name: str = ""  # what its owner called it (GET /api_keys shows it)
    scopes: tuple[str, ...] = DEFAULT_SCOPES  # Kalshi's ApiKeyScope values granted to it
    # A key the standard policy refuses (only `--key-policy any` registers one): each verification may take
    # milliseconds, so the venue checks its signatures off the event loop.
    costly: bool = field(init=False, default=False, compare=False)
    # How long its signatures are, in bytes: an Ed25519 one 64, an RSA one as long as the modulus (every request's
    # signature is held to it before it is verified: signature.py).
    signature_size: int = field(init=False, default=0, compare=False)

    def __post_init__(self) -> None:
        public = self.public_key
        object.__setattr__(self, "costly", policy_refusal(public, KEY_POLICY_STANDARD) is not None)
        # (an Ed25519 key's: 64; the inspector's own key holds none and is never verified)
        size = (public.key_size + 7) // 8 if isinstance(public, rsa.RSAPublicKey) else 64
        object.__setattr__(self, "signature_size", size)

    def grants(self, any_of: tuple[str, ...]) -> bool:
        """Whether the key holds one of these scopes (a parent, `write`, or the child of an endpoint group)."""
        return any(map(self.scopes.__contains__, any_of))

    @property
    def key_type(self) -> KeyType:
        return "ed25519" if isinstance(self.public_key, ed25519.Ed25519PublicKey) else "rsa"


class KeyMade(NamedTuple):
    """A key registered (`CreateApiKey`'s handler's answer), and its private key PEM where the mock drew its pair: the
    user's, answered once and never kept."""

    key: ApiKey
    private_key_pem: str | None


def generate_private_key(key_type: KeyType = "rsa") -> PrivateKey:
    if key_type == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    # 2048-bit like the keys Kalshi issues.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_key_pem(key: PrivateKey) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        # Kalshi hands out PKCS#1 ("BEGIN RSA PRIVATE KEY"); every client loads it.
        fmt = serialization.PrivateFormat.TraditionalOpenSSL
    else:
        fmt = serialization.PrivateFormat.PKCS8
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()


def public_key_pem(key: PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


EXPECTED_PRIVATE_KEY = "an unencrypted RSA or Ed25519 private key in PEM"  # what a refusal says it wanted


class PemError(KeyRegistrationError):
    """A text that holds no usable key. The message says why in a few words ("it holds a CERTIFICATE"), for the
    caller to put after what it read (a file, a field) and what it expected."""


_BEGIN = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----")
_ENCRYPTED = "it is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN.pem)"


def load_private_key(pem: str | bytes) -> PrivateKey:
    """An unencrypted RSA or Ed25519 private key from PEM (PKCS#1 or PKCS#8); `PemError` otherwise."""
    data = pem.encode() if isinstance(pem, str) else pem
    _check_block(data, "PRIVATE KEY")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:  # cryptography's word for a key encrypted with a passphrase
        raise PemError(_ENCRYPTED) from None
    except (ValueError, UnsupportedAlgorithm):
        raise PemError("its PRIVATE KEY block does not decode: damaged, or cut short") from None
    if isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        return key
    raise PemError(f"it holds {_kind(key)} key; Kalshi's keys are RSA or Ed25519")


def load_public_key(pem: str | bytes) -> PublicKey:
    """A public key from PEM; a private key PEM is accepted too and its public half kept. `PemError` otherwise."""
    data = pem.encode() if isinstance(pem, str) else pem
    if b"PRIVATE KEY" in data:
        return load_private_key(data).public_key()
    _check_block(data, "PUBLIC KEY")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise PemError("its PUBLIC KEY block does not decode: damaged, or cut short") from None
    if isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        return key
    raise PemError(f"it holds {_kind(key)} key; Kalshi's keys are RSA or Ed25519")


def _check_block(data: bytes, wanted: str) -> None:
    """Say what the text holds instead of a `wanted` PEM block (or that it is encrypted), if it does."""
    labels = [label.decode() for label in _BEGIN.findall(data)]
    found = [label for label in labels if label.endswith(wanted)]
    if found and (found[0].startswith("ENCRYPTED") or b"Proc-Type: 4,ENCRYPTED" in data):
        raise PemError(_ENCRYPTED)
    if found:
        return
    if not labels:
        raise PemError(f"no '-----BEGIN {wanted}-----' line: the text is not PEM")
    raise PemError(f"it holds a {labels[0]}")


def _kind(key: object) -> str:
    name = type(key).__name__.removeprefix("_").removesuffix("PrivateKey").removesuffix("PublicKey")
    return f"an {name}" if name[:1] in "AEIOU" else f"a {name}"


# Which public keys registration accepts (Settings.kalshi_key_policy). "standard": RSA of 2,048 to 4,096 bits with
# exponent 65537, and Ed25519: Kalshi generates 2,048-bit RSA keys and takes "RSA or Ed25519" uploads, and such a key
# verifies in well under a millisecond. "any": every RSA or Ed25519 key that loads, however costly to verify (a
# 3,071-bit exponent makes each RSA verification some 4 ms of CPU).
KEY_POLICY_STANDARD = "standard"
KEY_POLICY_ANY = "any"
KEY_POLICIES = (KEY_POLICY_STANDARD, KEY_POLICY_ANY)
RSA_BITS = (2048, 4096)
RSA_EXPONENT = 65537


def key_policy(policy: str) -> str:
    """`policy` if it is one of `KEY_POLICIES`; ValueError otherwise."""
    if policy not in KEY_POLICIES:
        raise ValueError(f"kalshi_key_policy must be one of {', '.join(KEY_POLICIES)}, not {policy!r}")
    return policy


def policy_refusal(public: PublicKey, policy: str) -> str | None:
    """Why `policy` refuses `public`, in a few words; None if it accepts it."""
    if policy == KEY_POLICY_ANY or not isinstance(public, rsa.RSAPublicKey):
        return None
    least, most = RSA_BITS
    exponent = public.public_numbers().e
    if least <= public.key_size <= most and exponent == RSA_EXPONENT:
        return None
    shown = exponent if exponent.bit_length() <= 32 else f"of {exponent.bit_length():,} bits"
    return (
        f"it holds an RSA key of {public.key_size:,} bits with exponent {shown}; the mock takes RSA keys of "
        f"{least:,} to {most:,} bits with exponent {RSA_EXPONENT}, and Ed25519 keys (--key-policy any takes others)"
    )


class KeyRegistry:
    """Every Kalshi API key by id. With a `bus` (the ledger's), a key added or removed is published on it as an
    `api_key` / `api_key_deleted` change of its user, after the registry's own lock is let go (`clear` publishes
    nothing: it goes with a reset, which the ledger publishes). A user holds at most `MAX_USER_KEYS` at a time."""

    def __init__(self, policy: str = KEY_POLICY_STANDARD, bus: EventBus | None = None) -> None:
        self._keys: dict[str, ApiKey] = {}
        self._held: dict[str, int] = {}  # user -> the keys it holds
        self._lock = threading.Lock()
        # What registration (control's create_key) takes; `add` itself takes any key, as a snapshot holds it.
        self.policy = key_policy(policy)
        self.bus = bus

    def add(
        self,
        user_id: str,
        public_key: PublicKey,
        *,
        key_id: str | None = None,
        subaccount: int | None = None,
        subtrader_id: str | None = None,
        name: str = "",
        scopes: tuple[str, ...] | list[str] = DEFAULT_SCOPES,
    ) -> ApiKey:
        key = ApiKey(key_id or str(uuid.uuid4()), user_id, public_key, subaccount, subtrader_id, name, tuple(scopes))
        with self._lock:
            if key.key_id in self._keys:
                raise KeyRegistrationError(f"key id {key.key_id!r} already exists")
            if self._held.get(user_id, 0) >= MAX_USER_KEYS:
                raise KeyRegistrationError(f"{user_id!r} holds {MAX_USER_KEYS} API keys, the most one user may hold")
            self._keys[key.key_id] = key
            self._held[user_id] = self._held.get(user_id, 0) + 1
        if self.bus is not None:
            self.bus.publish(Change("api_key", user_id, key.key_id))
        return key

    def remove(self, key_id: str) -> ApiKey | None:
        """Forget a key: a request it signs is refused from now on. The key it was, or None if there was none."""
        with self._lock:
            key = self._keys.pop(key_id, None)
            if key is not None and self._held[key.user_id] > 1:
                self._held[key.user_id] -= 1
            elif key is not None:
                del self._held[key.user_id]
        if key is not None and self.bus is not None:
            self.bus.publish(Change("api_key_deleted", key.user_id, key_id))
        return key

    def get(self, key_id: str) -> ApiKey | None:
        return self._keys.get(key_id)

    def for_user(self, user_id: str) -> list[ApiKey]:
        return [k for k in list(self._keys.values()) if k.user_id == user_id]  # a copy: a key may go meanwhile

    def all(self) -> list[ApiKey]:
        return list(self._keys.values())

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()
            self._held.clear()
