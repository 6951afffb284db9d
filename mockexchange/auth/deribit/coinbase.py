"""Who is calling the Coinbase dialect of Deribit (docs/coinbase.md): `public/auth`'s two grants, `coinbase_cdp` (a CDP
JWT, coinbase_keys.py) and `coinbase_oauth2` (an OAuth2 access token the admin API issued), and the gateway's access
token a private method carries (`Authorization: Bearer` over HTTP, `access_token` over the websocket).

Coinbase's permissions and scopes become Deribit's (what the venue's methods check, `require_scope`), so a key with
View only is refused an order as Deribit refuses a token without `trade:read_write` (13021 forbidden):
- an API key's permissions (docs.cdp.coinbase.com, "API Key Permissions": View, Trade, Transfer): View reads the
  account, its orders, trades and positions; Trade places, edits and cancels orders and changes the account's trading
  settings; Transfer moves funds;
- an OAuth2 token's scopes (service:resource:action, the same page): `SCOPES` below.
A grant's `scope` is told in Coinbase's words (OAuth2 scopes; a key's permissions as the scopes they amount to).

Every failure of a grant is 13004 `invalid_credentials`, the code coinbase-advanced-py's tests show; a gateway token
that does not hold is 13009 `unauthorized`, as Deribit's. Gateway tokens are 64 hex characters, as the reference's
example; the store keys each by its digest, never the token.
"""

from __future__ import annotations

import secrets
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from mockexchange.auth.deribit.authentication import Authenticated, DeribitAuth, header
from mockexchange.auth.deribit.coinbase_keys import CoinbaseKey, CoinbaseKeyRegistry, JwtRefused, JwtVerifier
from mockexchange.auth.deribit.errors import AuthFailure, DeribitError, Reason, unauthorized
from mockexchange.auth.deribit.keys import DeribitCredential, DeribitCredentialRegistry
from mockexchange.auth.deribit.tokens import LEVELS, AccessToken, TokenStore, digest
from mockexchange.core.clock import epoch_ms

GRANT_TYPES = ("coinbase_cdp", "coinbase_oauth2")
# coinbase-advanced-py's fake gateway and ccxt's note (~15 minutes); the reference's example says 3600
ACCESS_LIFETIME_S = 900
MAX_TOKENS_PER_KEY = 1_000  # as Deribit's store: a key's oldest gateway tokens are forgotten past it

# Coinbase's OAuth2 scope -> the Deribit scope it grants on the gateway.
SCOPES = {
    "wallet:user:read": "account:read",
    "wallet:accounts:read": "account:read wallet:read",
    "wallet:transactions:read": "trade:read",
    "wallet:buys:create": "trade:read_write account:read_write",
    "wallet:sells:create": "trade:read_write account:read_write",
    "wallet:transactions:send": "wallet:read_write",
}
# An API key's permission -> the OAuth2 scopes it amounts to (what `public/auth` answers in `scope`).
PERMISSION_SCOPES = {
    "view": ("wallet:user:read", "wallet:accounts:read", "wallet:transactions:read"),
    "trade": ("wallet:buys:create", "wallet:sells:create"),
    "transfer": ("wallet:transactions:send",),
}


def deribit_scope(coinbase_scopes: tuple[str, ...]) -> str:
    """The Deribit scope Coinbase's scopes grant: each permission at the highest level any of them gives."""
    levels: dict[str, str] = {}
    for scope in coinbase_scopes:
        for part in SCOPES[scope].split():
            name, _, level = part.partition(":")
            levels[name] = max(level, levels.get(name, "none"), key=LEVELS.index)
    return " ".join(f"{name}:{levels[name]}" for name in sorted(levels))


def scopes_of(text: str | None) -> tuple[str, ...]:
    """An OAuth2 token's scopes, space- or comma-separated; ValueError naming one Coinbase's list here lacks."""
    named = (text or "").replace(",", " ").split()
    unknown = [s for s in named if s not in SCOPES]
    if unknown or not named:
        raise ValueError(f"scopes are among {', '.join(SCOPES)}; not {' '.join(unknown)[:80]!r}")
    return tuple(dict.fromkeys(named))


def key_scopes(key: CoinbaseKey) -> tuple[str, ...]:
    return tuple(scope for permission in key.permissions for scope in PERMISSION_SCOPES[permission])


@dataclass(frozen=True, slots=True)
class OAuthGrant:
    """An OAuth2 access token the admin API issued (kept by its digest): the account it acts for and its scopes."""

    digest: str
    user_id: str
    subaccount_id: int | None
    scopes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CoinbaseGrant:
    """`public/auth`'s result, field for field."""

    access_token: str
    expires_in: int
    scope: str
    token_type: str = "bearer"


class CoinbaseTokens:
    """The gateway's access tokens and the admin API's OAuth2 tokens, each by its digest."""

    def __init__(self, lifetime_s: int = ACCESS_LIFETIME_S) -> None:
        self.lifetime_s = lifetime_s
        self._access: dict[str, AccessToken] = {}
        self._of_key: dict[str, deque[str]] = {}
        self.oauth: dict[str, OAuthGrant] = {}
        self._lock = threading.Lock()

    def issue(self, credential: DeribitCredential, now_ms: int) -> str:
        token = secrets.token_hex(32)
        held = AccessToken(digest(token), credential, credential.scope, now_ms, now_ms + self.lifetime_s * 1000, None)
        with self._lock:
            self._access[held.digest] = held
            kept = self._of_key.setdefault(credential.client_id, deque())
            kept.append(held.digest)
            while len(kept) > MAX_TOKENS_PER_KEY or (kept and self._ended(kept[0], now_ms)):
                self._access.pop(kept.popleft(), None)
        return token

    def _ended(self, found: str, now_ms: int) -> bool:
        held = self._access.get(found)
        return held is None or held.expires_ms <= now_ms

    def access(self, token: str, now_ms: int) -> AccessToken | AuthFailure:
        held = self._access.get(digest(token))
        if held is None:
            return unauthorized(Reason.UNKNOWN_TOKEN, "no such access token (get one with public/auth on this gateway)")
        if now_ms >= held.expires_ms:
            return unauthorized(Reason.EXPIRED_TOKEN, f"access token expired at {held.expires_ms} ms")
        return held

    def forget(self, token: str) -> None:
        """A gateway token that stops working (private/logout's); its key's list drops it when next trimmed."""
        with self._lock:
            self._access.pop(digest(token), None)

    def add_oauth(self, grant: OAuthGrant) -> None:
        with self._lock:
            self.oauth[grant.digest] = grant

    def clear(self) -> None:
        with self._lock:
            self._access.clear()
            self._of_key.clear()
            self.oauth.clear()


class CoinbaseAuth(DeribitAuth):
    """Deribit's auth entry points as the Coinbase gateway answers them (the venue calls the same methods)."""

    def __init__(
        self,
        registry: DeribitCredentialRegistry,
        tokens: TokenStore,
        keys: CoinbaseKeyRegistry,
        gateway: CoinbaseTokens,
        jwts: JwtVerifier,
    ) -> None:
        super().__init__(registry, tokens)
        self.keys, self.gateway, self.jwts = keys, gateway, jwts

    def grant(self, params: Mapping[str, object]) -> CoinbaseGrant | AuthFailure:
        """`public/auth` on the gateway (the dialect's table calls it in Deribit's `public/auth`'s place)."""
        grant_type, token = params.get("grant_type"), params.get("token")
        if grant_type is None:
            return _param("grant_type", "must be present")
        if grant_type not in GRANT_TYPES:
            return _param("grant_type", f"must be one of {', '.join(GRANT_TYPES)} on Coinbase's gateway")
        if not isinstance(token, str) or not token:
            return _param("token", "must be present: the Coinbase credential matching grant_type")
        now_ms = epoch_ms(self.tokens.clock)
        if grant_type == "coinbase_cdp":
            try:
                key = self.jwts.verify(token, now_ms // 1000).key
            except JwtRefused as refused:
                return _refused(Reason.BAD_SIGNATURE, str(refused))
            user_id, subaccount_id, scopes, name = key.user_id, key.subaccount_id, key_scopes(key), key.name
        else:
            oauth = self.gateway.oauth.get(digest(token))
            if oauth is None:
                return _refused(Reason.UNKNOWN_TOKEN, "no such OAuth2 token (issue_coinbase_oauth_token)")
            user_id, subaccount_id, scopes = oauth.user_id, oauth.subaccount_id, oauth.scopes
            name = f"oauth2:{oauth.digest[:12]}"  # (the journal's key id: a digest's head, never the token)
        credential = DeribitCredential(name, "", user_id, subaccount_id, deribit_scope(scopes))
        access_token = self.gateway.issue(credential, now_ms)
        return CoinbaseGrant(access_token, self.gateway.lifetime_s, " ".join(scopes))

    def log_out(self, connection_id: str, bound: str | None) -> None:
        """The gateway's tokens are its own: the one the connection is bound with stops working."""
        if bound is not None:
            self.gateway.forget(bound)

    def authenticate_token(self, access_token: str, *, connection_id: str | None = None) -> Authenticated | AuthFailure:
        held = self.gateway.access(access_token, epoch_ms(self.tokens.clock))
        if isinstance(held, AuthFailure):
            return held
        return Authenticated(held.credential, held.scope, "access_token", held)

    def authenticate_http(
        self, headers: Mapping[str, str], method: str, raw_path: str, query: str, body: str = ""
    ) -> Authenticated | AuthFailure:
        """Only `Authorization: Bearer <access_token>`: the gateway knows no Basic or deri-hmac-sha256."""
        value = header(headers, "Authorization")
        if value is None or not value.strip():
            return unauthorized(Reason.MISSING_AUTHORIZATION, "private methods need Authorization: Bearer <token>")
        scheme, _, rest = value.strip().partition(" ")
        if scheme.lower() != "bearer" or not rest.strip():
            return AuthFailure(
                DeribitError.AUTHORIZATION_REQUIRED,
                Reason.MALFORMED_AUTHORIZATION,
                "Coinbase's gateway takes Authorization: Bearer <access_token from public/auth> only",
            )
        found = self.authenticate_token(rest.strip())
        if isinstance(found, AuthFailure):
            return found
        return Authenticated(found.credential, found.scope, "bearer", found.token)


def _param(name: str, why: str) -> AuthFailure:
    return AuthFailure(DeribitError.INVALID_PARAMS, Reason.INVALID_PARAM, f"public/auth: {name} {why}", name, why)


def _refused(reason: Reason, diagnosis: str) -> AuthFailure:
    return AuthFailure(DeribitError.INVALID_CREDENTIALS, reason, diagnosis)
