"""Deribit API credentials: a client id and secret, the user (and subaccount) they act for, and their maximum scope.

Generated ids and secrets have the shape Deribit hands out: an 8-character client id and a 43-character base64url
secret (32 random bytes). The same credentials serve the SignalPlus gateway, where the client id is the `ApiKey`.
"""

from __future__ import annotations

import secrets
import string
import threading
from dataclasses import dataclass, replace
from typing import Any

from mockexchange.auth.errors import KeyRegistrationError

# What a key may do when created without a scope: everything a positions client needs, read-write.
DEFAULT_SCOPE = "account:read_write trade:read_write wallet:read_write"

_ID_ALPHABET = string.ascii_letters + string.digits
# These would break `Basic id:secret` or the `k=v,k=v` list of deri-hmac-sha256.
_FORBIDDEN_IN_ID = set(":,= \t\r\n")


@dataclass(frozen=True, slots=True)
class DeribitCredential:
    client_id: str
    client_secret: str
    user_id: str
    subaccount_id: int | None = None  # None: a main-account key (its scope gets `mainaccount`)
    scope: str = DEFAULT_SCOPE  # the most the key may be granted, space-separated as Deribit writes scopes
    # What Deribit's api_key object shows of it: its number among its account's keys, its name, whether it may
    # authenticate, the deprecated default flag, when it was made (ms), and the on-key features and IP whitelist held
    # as given (the mock enforces neither).
    key_id: int = 0
    name: str = ""
    enabled: bool = True
    default: bool = False
    timestamp: int = 0
    enabled_features: tuple[str, ...] = ()
    ip_whitelist: tuple[str, ...] = ()

    @property
    def account(self) -> tuple[str, int | None]:
        """The account whose keys it is among: its user, and its subaccount (None: the main account)."""
        return self.user_id, self.subaccount_id


def generate_client_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


def generate_client_secret() -> str:
    return secrets.token_urlsafe(32)  # 43 characters, no padding


class DeribitCredentialRegistry:
    def __init__(self) -> None:
        self._credentials: dict[str, DeribitCredential] = {}
        self._lock = threading.Lock()

    def add(
        self,
        user_id: str,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        subaccount_id: int | None = None,
        scope: str = DEFAULT_SCOPE,
        **shown: Any,
    ) -> DeribitCredential:
        """A new key; `shown`: its api_key fields beside (name, timestamp, ...). Its `key_id` is the next of its
        account's."""
        client_id = client_id or generate_client_id()
        if not client_id or _FORBIDDEN_IN_ID & set(client_id):
            raise KeyRegistrationError(f"client id {client_id!r} may not contain ':', ',', '=' or spaces")
        if client_secret is not None and not client_secret:
            raise KeyRegistrationError("client secret may not be empty")
        with self._lock:
            if client_id in self._credentials:
                raise KeyRegistrationError(f"client id {client_id!r} already exists")
            numbers = [c.key_id for c in self._credentials.values() if c.account == (user_id, subaccount_id)]
            credential = DeribitCredential(
                client_id, client_secret or generate_client_secret(), user_id, subaccount_id, " ".join(scope.split()),
                key_id=max(numbers, default=0) + 1, **shown,
            )  # fmt: skip
            self._credentials[client_id] = credential
        return credential

    def of_account(self, user_id: str, subaccount_id: int | None) -> list[DeribitCredential]:
        """An account's keys, by their number."""
        held = [c for c in self._credentials.values() if c.account == (user_id, subaccount_id)]
        return sorted(held, key=lambda c: c.key_id)

    def numbered(self, user_id: str, subaccount_id: int | None, key_id: int) -> DeribitCredential | None:
        """An account's key by its number (Deribit's api_key `id`)."""
        return next((c for c in self.of_account(user_id, subaccount_id) if c.key_id == key_id), None)

    def change(self, client_id: str, **changes: Any) -> DeribitCredential:
        """The key with these fields changed (KeyError: no such key)."""
        with self._lock:
            changed = self._credentials[client_id] = replace(self._credentials[client_id], **changes)
        return changed

    def usable(self, client_id: str) -> DeribitCredential | None:
        """The key of `client_id` if it may authenticate (it exists and is enabled)."""
        credential = self._credentials.get(client_id)
        return credential if credential is not None and credential.enabled else None

    def get(self, client_id: str) -> DeribitCredential | None:
        return self._credentials.get(client_id)

    def for_user(self, user_id: str) -> list[DeribitCredential]:
        return [c for c in self._credentials.values() if c.user_id == user_id]

    def all(self) -> list[DeribitCredential]:
        return list(self._credentials.values())

    def restore(self, credential: DeribitCredential) -> None:
        """Hold a credential kept in a snapshot (checked when it was added)."""
        with self._lock:
            self._credentials[credential.client_id] = credential

    def remove(self, client_id: str) -> None:
        with self._lock:
            self._credentials.pop(client_id, None)

    def clear(self) -> None:
        with self._lock:
            self._credentials.clear()
