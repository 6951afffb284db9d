"""What a failed Deribit (or SignalPlus) authentication maps to: the JSON-RPC error, the rule broken, a diagnosis.

Codes and messages are Deribit's legacy "RPC Error Codes" table, which captured responses and ccxt's exception map
agree with. The venue renders `error.code`/`error.message` as Deribit does and sends `diagnosis` where real clients
ignore it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class DeribitError(Enum):
    AUTHORIZATION_REQUIRED = (10000, "authorization_required")
    INVALID_CREDENTIALS = (13004, "invalid_credentials")
    UNAUTHORIZED = (13009, "unauthorized")
    INVALID_PARAMS = (-32602, "Invalid params")

    @property
    def code(self) -> int:
        return self.value[0]

    @property
    def message(self) -> str:
        return self.value[1]

    @property
    def http_status(self) -> int:
        # Deribit documents 400 for every error; 401 was observed for 13009, so the auth family answers 401.
        if self in (DeribitError.AUTHORIZATION_REQUIRED, DeribitError.INVALID_CREDENTIALS, DeribitError.UNAUTHORIZED):
            return 401
        return 400


class Reason(Enum):
    MISSING_AUTHORIZATION = "missing_authorization"
    MALFORMED_AUTHORIZATION = "malformed_authorization"
    MISSING_PARAM = "missing_param"
    INVALID_PARAM = "invalid_param"
    UNKNOWN_CLIENT = "unknown_client"
    BAD_SECRET = "bad_secret"
    BAD_SIGNATURE = "bad_signature"
    TIMESTAMP_OUT_OF_WINDOW = "timestamp_out_of_window"
    NONCE_REPLAYED = "nonce_replayed"
    UNKNOWN_TOKEN = "unknown_token"
    EXPIRED_TOKEN = "expired_token"
    ROTATED_TOKEN = "rotated_token"
    OTHER_CONNECTION = "other_connection"
    DISABLED_KEY = "disabled_key"
    LOGGED_OUT = "logged_out"
    NOT_SESSION = "not_session"


@dataclass(frozen=True, slots=True)
class AuthFailure:
    error: DeribitError
    reason: Reason
    diagnosis: str
    # For -32602 only: Deribit's `error.data` names the parameter and why it was refused.
    param: str | None = None
    param_reason: str | None = None


def unauthorized(reason: Reason, diagnosis: str) -> AuthFailure:
    """13009 `unauthorized`: a token, or a per-request signature, that does not hold."""
    return AuthFailure(DeribitError.UNAUTHORIZED, reason, diagnosis)
