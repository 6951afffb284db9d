"""Deribit OAuth tokens: what `public/auth` grants, how refresh rotates, when a token stops working.

An access token lives `expires_in` seconds on the injected clock (900 unless configured, or the `expires:N` the client
asked for); a refresh token lives longer and works once: refreshing revokes it and hands out a new pair. Access tokens
issued before a refresh keep working until they expire. A `connection`-scoped token issued over a websocket works only
on that connection; one issued over HTTP (no connection) is not bound, or the HTTP Bearer scheme could never use it.

The store keys each token by its digest (`digest`: SHA-256, in hex), never by the token: a presented token is looked up
by its digest, and what a listener is told (a state file keeps it) is the digest and a record that holds no token, so
no token is kept in clear and one taken back from a digest works as before.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from mockexchange.auth.deribit.errors import AuthFailure, DeribitError, Reason, unauthorized
from mockexchange.auth.deribit.keys import DeribitCredential, DeribitCredentialRegistry
from mockexchange.core.clock import Clock, epoch_ms
from mockexchange.core.numbers import INT32_MAX, IntegerError, excerpt, parse_int

PERMISSIONS = ("account", "block_rfq", "block_trade", "trade", "wallet")
LEVELS = ("none", "read", "read_write")  # ordered: each includes the ones before it

DEFAULT_ACCESS_LIFETIME_S = 900
DEFAULT_REFRESH_LIFETIME_S = 30 * 24 * 3600
# The longest `expires:N` a scope may ask (Deribit states none): int32 seconds, 68 years; a token's expiry in ms and
# `expires_in` then stay well inside int64, which is what clients and the JSON writer take.
MAX_EXPIRES_S = INT32_MAX
# Expired and rotated tokens are remembered this long, so a late use is told why rather than "unknown token".
_TOMBSTONE_MS = 24 * 3600 * 1000
# Tokens of each kind (access, refresh, refresh tokens used) one API key holds: past it, its oldest are forgotten (a
# use of one is then an unknown token). Deribit states no such bound; it keeps one key's `public/auth` calls from
# growing the mock without end, and each key's is its own.
MAX_TOKENS_PER_KEY = 1_000
_CONNECTION_LOOK = 256  # a connection's list of its grants is looked over for forgotten tokens from this length on


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """The result of `public/auth`, field for field."""

    access_token: str
    refresh_token: str
    expires_in: int
    scope: str
    token_type: str = "bearer"
    state: str | None = None  # echoed from the request


@dataclass(frozen=True, slots=True)
class AccessToken:
    digest: str  # of the token (`digest`): the store never holds the token itself
    credential: DeribitCredential
    scope: str
    issued_ms: int
    expires_ms: int
    connection_id: str | None  # set for a connection-scoped token issued over a websocket


@dataclass(frozen=True, slots=True)
class _RefreshToken:
    digest: str
    credential: DeribitCredential
    scope: str
    lifetime_s: int
    connection_scoped: bool
    expires_ms: int


@dataclass(frozen=True, slots=True)
class _GrantedScope:
    scope: str
    lifetime_s: int | None
    connection_scoped: bool


def _levels(scope: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in scope.split():
        name, _, level = part.partition(":")
        if name in PERMISSIONS and level in LEVELS:
            found[name] = level
    return found


def permits(scope: str, required: str) -> bool:
    """Whether a granted scope covers `required` (e.g. `trade:read`): `read_write` includes `read`."""
    name, _, level = required.partition(":")
    held = _levels(scope).get(name)
    return held is not None and LEVELS.index(held) >= LEVELS.index(level)


def grant_scope(credential: DeribitCredential, requested: str | None) -> _GrantedScope | AuthFailure:
    """Narrow the requested scope to what the key may do, as Deribit does (`wallet:read_write` -> `wallet:read`).

    No permission asked for: the key's own. `connection` unless a `session:name` is asked for; `mainaccount` for a
    main-account key. Tokens the mock does not model (`ip:`, unknown names) are dropped, not refused.
    """
    allowed = _levels(credential.scope)
    asked: dict[str, str] = {}
    session: str | None = None
    lifetime: int | None = None
    for part in (requested or "").split():
        name, _, value = part.partition(":")
        if name in PERMISSIONS:
            if value not in LEVELS:
                return _bad_scope(part, f"{name} takes one of {', '.join(LEVELS)}")
            asked[name] = value
        elif name == "session":
            if not value:
                return _bad_scope(part, "a session needs a name")
            session = value
        elif name == "expires":
            try:
                lifetime = parse_int(value, 1, MAX_EXPIRES_S)
            except IntegerError:
                return _bad_scope(part, f"expires takes a number of seconds from 1 to {MAX_EXPIRES_S}")
    granted: dict[str, str] = {}
    for name, level in (asked or allowed).items():
        if name not in allowed:
            continue
        granted[name] = min(level, allowed[name], key=LEVELS.index)
    parts = [f"{name}:{granted[name]}" for name in sorted(granted)]
    parts.append(f"session:{session}" if session else "connection")
    if lifetime is not None:
        parts.append(f"expires:{lifetime}")
    if credential.subaccount_id is None:
        parts.append("mainaccount")
    return _GrantedScope(" ".join(parts), lifetime, session is None)


def narrowed(scope: str, max_scope: str) -> str:
    """A token's scope within its key's max scope now (private/change_scope_in_api_key narrowed it): each permission
    at most the key's, one the key lost dropped; the rest (`connection`, `session:`, `expires:`) as it was."""
    allowed, parts = _levels(max_scope), []
    for part in scope.split():
        name, _, level = part.partition(":")
        if name not in PERMISSIONS:
            parts.append(part)
        elif name in allowed and level in LEVELS:
            parts.append(f"{name}:{min(level, allowed[name], key=LEVELS.index)}")
    return " ".join(parts)


def max_scope(text: str) -> str | None:
    """A key's max scope as Deribit writes it back (each permission once, by name: `account:read trade:read_write`),
    or None if a part is not `<permission>:<none|read|read_write>`."""
    asked: dict[str, str] = {}
    for part in text.split():
        name, _, level = part.partition(":")
        if name not in PERMISSIONS or level not in LEVELS:
            return None
        asked[name] = level
    return " ".join(f"{name}:{asked[name]}" for name in sorted(asked))


def session_of(scope: str) -> str | None:
    """The session a scope names (`session:name`), None for a connection's."""
    return next((part[8:] for part in scope.split() if part.startswith("session:")), None)


def _bad_scope(part: str, why: str) -> AuthFailure:
    return AuthFailure(
        DeribitError.INVALID_PARAMS, Reason.INVALID_PARAM, f"scope {excerpt(part)}: {why}", "scope", "wrong format"
    )


def digest(token: str) -> str:
    """What the store keys a token by and a state file keeps of it: its SHA-256 in hex (a token holds 36 random bytes,
    so the digest tells nothing of it)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def is_digest(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def _new_token(issued_ms: int) -> str:
    # Deribit's tokens read `<issue ms>.<8 chars>.<opaque>`; clients treat them as opaque.
    return f"{issued_ms}.{secrets.token_urlsafe(6)}.{secrets.token_urlsafe(30)}"


class TokenStore:
    def __init__(
        self,
        clock: Clock,
        *,
        access_lifetime_s: int = DEFAULT_ACCESS_LIFETIME_S,
        refresh_lifetime_s: int = DEFAULT_REFRESH_LIFETIME_S,
    ) -> None:
        self.clock = clock
        self.access_lifetime_s = access_lifetime_s
        self.refresh_lifetime_s = refresh_lifetime_s
        # Each by its token's digest.
        self._access: dict[str, AccessToken] = {}
        self._refresh: dict[str, _RefreshToken] = {}
        self._rotated: dict[str, int] = {}  # a used refresh token -> when it was used (ms)
        # client id -> kind -> the key's tokens of that kind, oldest first (some may be gone already)
        self._of_key: dict[str, dict[str, deque[str]]] = {}
        # The websocket connection each token was granted on: what private/logout invalidates (`log_out`).
        self._of_connection: dict[str, list[tuple[str, str]]] = {}
        # The keys now (set by the registration): a token of a key removed or disabled stops working, and its scope is
        # narrowed to the key's max scope now.
        self.keys: DeribitCredentialRegistry | None = None
        self._lock = threading.Lock()
        # Told of every token kept or dropped (a state file keeps them): (kind, the token's digest, record or None to
        # drop; kind "clear": all dropped). Connection-scoped access tokens are not told: they die with their
        # connection.
        self.listener: Callable[[str, str, dict[str, Any] | None], None] | None = None

    def issue(
        self, credential: DeribitCredential, requested_scope: str | None = None, *, connection_id: str | None = None
    ) -> TokenGrant | AuthFailure:
        """A new token pair for a credential that has already been verified."""
        granted = grant_scope(credential, requested_scope)
        if isinstance(granted, AuthFailure):
            return granted
        lifetime = granted.lifetime_s or self.access_lifetime_s
        with self._lock:
            return self._issue(credential, granted.scope, lifetime, granted.connection_scoped, connection_id)

    def _issue(
        self,
        credential: DeribitCredential,
        scope: str,
        lifetime_s: int,
        connection_scoped: bool,
        connection_id: str | None,
    ) -> TokenGrant:
        now = epoch_ms(self.clock)
        self._prune(credential.client_id, now)
        access_token, refresh_token = _new_token(now), _new_token(now)
        access = AccessToken(
            digest(access_token),
            credential,
            scope,
            now,
            now + lifetime_s * 1000,
            connection_id if connection_scoped else None,
        )
        refresh = _RefreshToken(
            digest(refresh_token),
            credential,
            scope,
            lifetime_s,
            connection_scoped,
            now + max(self.refresh_lifetime_s, lifetime_s) * 1000,
        )
        self._access[access.digest] = access
        self._refresh[refresh.digest] = refresh
        if self.listener is not None:
            if access.connection_id is None:
                self.listener("access", access.digest, _record(access, _ACCESS_KEPT))
            self.listener("refresh", refresh.digest, _record(refresh, _REFRESH_KEPT))
        self._keep(credential.client_id, "access", access.digest)
        self._keep(credential.client_id, "refresh", refresh.digest)
        if connection_id is not None:
            self._granted_on(connection_id, access.digest, refresh.digest)
        return TokenGrant(access_token, refresh_token, lifetime_s, scope)

    def _granted_on(self, connection_id: str, access: str, refresh: str) -> None:
        """Count a pair as granted on the connection. A connection that authenticates again and again holds only the
        ones still kept (each key's oldest are forgotten past `MAX_TOKENS_PER_KEY`): looked over each time its list
        doubles, so its bound is the tokens kept, not the times it asked."""
        granted = self._of_connection.setdefault(connection_id, [])
        granted += (("access", access), ("refresh", refresh))
        if len(granted) >= _CONNECTION_LOOK and len(granted) & (len(granted) - 1) == 0:  # (a power of two)
            granted[:] = [(kind, found) for kind, found in granted if found in self._kept(kind)]

    def refresh(self, refresh_token: str, *, connection_id: str | None = None) -> TokenGrant | AuthFailure:
        """The `refresh_token` grant: a new pair with the same scope; the refresh token used is spent."""
        with self._lock:
            now, used = epoch_ms(self.clock), digest(refresh_token)
            held = self._held_refresh(used, now)
            if isinstance(held, AuthFailure):
                return held
            del self._refresh[used]
            self._rotated[used] = now
            client_id = held.credential.client_id
            if self.listener is not None:
                self.listener("refresh", used, None)
                self.listener("rotated", used, {"used_ms": now, "client_id": client_id})
            self._keep(client_id, "rotated", used)
            return self._issue(held.credential, held.scope, held.lifetime_s, held.connection_scoped, connection_id)

    def _held_refresh(self, used: str, now: int) -> _RefreshToken | AuthFailure:
        """The refresh token of digest `used`, if it still works: its key's as it is now (`_current`)."""
        held = self._refresh.get(used)
        if held is None:
            if used in self._rotated:
                return unauthorized(
                    Reason.ROTATED_TOKEN,
                    f"refresh token was already used at {self._rotated[used]} ms; use the refresh_token of that reply",
                )
            return unauthorized(Reason.UNKNOWN_TOKEN, "no such refresh token")
        if now >= held.expires_ms:
            return unauthorized(Reason.EXPIRED_TOKEN, _expired("refresh token", held.expires_ms, now))
        current = self._current(held.credential)
        if isinstance(current, AuthFailure):
            return current
        return replace(held, credential=current, scope=narrowed(held.scope, current.scope))

    def _current(self, credential: DeribitCredential) -> DeribitCredential | AuthFailure:
        """A token's key as it is now, acting for the account the token acts for (public/exchange_token's); refused
        if the key was removed or disabled."""
        if self.keys is None:
            return credential
        current = self.keys.get(credential.client_id)
        if current is None:
            return unauthorized(Reason.UNKNOWN_CLIENT, "the token's API key was removed (private/remove_api_key)")
        if not current.enabled:
            return unauthorized(Reason.DISABLED_KEY, f"the token's API key {current.client_id!r} is disabled")
        return replace(current, subaccount_id=credential.subaccount_id)

    def derive(
        self,
        refresh_token: str,
        scope: Callable[[str], str],
        *,
        subaccount_id: Callable[[DeribitCredential], int | None] | None = None,
        connection_id: str | None = None,
    ) -> TokenGrant | AuthFailure:
        """A new pair from a refresh token, which stays unspent (public/fork_token, public/exchange_token): `scope`
        makes the scope asked for from the refresh token's, `subaccount_id` the account acted for (the same if None;
        it raises to refuse)."""
        with self._lock:
            held = self._held_refresh(digest(refresh_token), epoch_ms(self.clock))
        if isinstance(held, AuthFailure):
            return held
        credential = held.credential
        if subaccount_id is not None:
            credential = replace(credential, subaccount_id=subaccount_id(credential))
        granted = grant_scope(credential, scope(held.scope))
        if isinstance(granted, AuthFailure):
            return granted
        within = narrowed(granted.scope, held.scope)  # never more than the refresh token held
        with self._lock:
            lifetime = granted.lifetime_s or held.lifetime_s
            return self._issue(credential, within, lifetime, granted.connection_scoped, connection_id)

    def log_out(self, connection_id: str, bound: str | None) -> None:
        """private/logout with invalidate_token: the tokens granted on the connection, and the access token it was
        bound with (`bound`, the token), stop working."""
        with self._lock:
            dropped = self._of_connection.pop(connection_id, [])
            if bound is not None:
                dropped.append(("access", digest(bound)))
            for kind, found in dropped:
                self._forget(kind, found)

    def access(self, access_token: str, *, connection_id: str | None = None) -> AccessToken | AuthFailure:
        """The token behind a Bearer header or a websocket `access_token` param, if it still works here."""
        now, presented = epoch_ms(self.clock), digest(access_token)
        held = self._access.get(presented)
        if held is None:
            if presented in self._refresh or presented in self._rotated:
                return unauthorized(Reason.UNKNOWN_TOKEN, "that is a refresh token; send the access_token")
            return unauthorized(Reason.UNKNOWN_TOKEN, "no such access token")
        if now >= held.expires_ms:
            return unauthorized(Reason.EXPIRED_TOKEN, _expired("access token", held.expires_ms, now))
        if held.connection_id is not None and held.connection_id != connection_id:
            return unauthorized(
                Reason.OTHER_CONNECTION,
                "token has connection scope and belongs to another websocket connection; "
                "authenticate on this one or ask for scope session:<name>",
            )
        current = self._current(held.credential)
        if isinstance(current, AuthFailure):
            return current
        return replace(held, credential=current, scope=narrowed(held.scope, current.scope))

    def knows(self, token: str) -> bool:
        """Whether `token` is one this store granted (access or refresh, used or not)."""
        found = digest(token)
        return found in self._access or found in self._refresh or found in self._rotated

    def close_connection(self, connection_id: str) -> None:
        """A websocket closed: its connection-scoped access tokens die with it."""
        with self._lock:
            for found in [d for d, a in self._access.items() if a.connection_id == connection_id]:
                del self._access[found]
            self._of_connection.pop(connection_id, None)

    def clear(self) -> None:
        with self._lock:
            self._access.clear()
            self._refresh.clear()
            self._rotated.clear()
            self._of_key.clear()
            self._of_connection.clear()
            if self.listener is not None:
                self.listener("clear", "", None)

    def restore(self, kind: str, found: str, record: dict[str, Any], credentials: DeribitCredentialRegistry) -> bool:
        """Take back a token a listener was told of, by its digest; False if its credential is gone (or the record is
        not one). ValueError: `found` is no digest."""
        if not is_digest(found):
            raise ValueError("a token is kept as its digest")
        if kind == "rotated":
            self._rotated[found] = int(record["used_ms"])
            self._keep(str(record.get("client_id", "")), kind, found)
            return True
        credential = credentials.get(str(record.get("client_id")))
        if credential is None:
            return False
        if "subaccount_id" in record:  # an exchanged token's (public/exchange_token): the account it acts for
            credential = replace(credential, subaccount_id=record["subaccount_id"])
        if kind in ("access", "refresh"):
            self._keep(credential.client_id, kind, found)
        if kind == "access":
            self._access[found] = AccessToken(
                found, credential, record["scope"], int(record["issued_ms"]), int(record["expires_ms"]), None
            )
        elif kind == "refresh":
            self._refresh[found] = _RefreshToken(
                found, credential, record["scope"], int(record["lifetime_s"]), bool(record["connection_scoped"]),
                int(record["expires_ms"]),
            )  # fmt: skip
        else:
            return False
        return True

    def _kept(self, kind: str) -> dict[str, Any]:
        kept: dict[str, dict[str, Any]] = {"access": self._access, "refresh": self._refresh, "rotated": self._rotated}
        return kept[kind]

    def _keep(self, client_id: str, kind: str, found: str) -> None:
        """Count the token of digest `found` as the key's newest of its kind; forget the key's oldest past
        `MAX_TOKENS_PER_KEY`."""
        held = self._of_key.setdefault(client_id, {}).setdefault(kind, deque())
        held.append(found)
        while len(held) > MAX_TOKENS_PER_KEY:
            self._forget(kind, held.popleft())

    def _forget(self, kind: str, found: str) -> None:
        if self._kept(kind).pop(found, None) is not None and self.listener is not None:
            self.listener(kind, found, None)

    def _prune(self, client_id: str, now: int) -> None:
        """Forget the key's tokens that expired (or were used) a day ago, oldest first: one step each, whatever other
        keys hold."""
        horizon = now - _TOMBSTONE_MS
        for kind, held in self._of_key.get(client_id, {}).items():
            kept = self._kept(kind)
            while held:
                found = kept.get(held[0])
                ended = found if kind == "rotated" else getattr(found, "expires_ms", None)
                if ended is not None and ended >= horizon:
                    break
                self._forget(kind, held.popleft())  # aged, or gone already (spent, its connection closed)


# What a listener is told of each kind of token (`restore` reads it back): its key's client id and these fields.
_ACCESS_KEPT = ("scope", "issued_ms", "expires_ms")
_REFRESH_KEPT = ("scope", "lifetime_s", "connection_scoped", "expires_ms")


def _record(token: AccessToken | _RefreshToken, kept: tuple[str, ...]) -> dict[str, Any]:
    credential = token.credential  # (the account it acts for: its key's, or the one public/exchange_token gave)
    held = {"client_id": credential.client_id, "subaccount_id": credential.subaccount_id}
    return held | {name: getattr(token, name) for name in kept}


def _expired(what: str, expires_ms: int, now: int) -> str:
    return f"{what} expired {(now - expires_ms) / 1000:g}s ago (at {expires_ms} ms); get a new one with public/auth"
