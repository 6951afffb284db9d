"""Deribit API credentials: a client id and secret, the user (and subaccount) they act for, and their maximum scope.

Generated ids and secrets have the shape Deribit hands out: an 8-character client id and a 43-character base64url
secret (32 random bytes). The same credentials serve the SignalPlus gateway, where the client id is the `ApiKey`.
"""

from __future__ import annotations

import secrets
import string
import threading
from dataclasses import dataclass

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
    ) -> DeribitCredential:
        client_id = client_id or generate_client_id()
        if not client_id or _FORBIDDEN_IN_ID & set(client_id):
            raise KeyRegistrationError(f"client id {client_id!r} may not contain ':', ',', '=' or spaces")
        if client_secret is not None and not client_secret:
            raise KeyRegistrationError("client secret may not be empty")
        credential = DeribitCredential(
            client_id, client_secret or generate_client_secret(), user_id, subaccount_id, " ".join(scope.split())
        )
        with self._lock:
            if client_id in self._credentials:
                raise KeyRegistrationError(f"client id {client_id!r} already exists")
            self._credentials[client_id] = credential
        return credential

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
