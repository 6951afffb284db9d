"""Kalshi's error bodies, in the three shapes the real server uses, plus the mock's diagnosis header.

- nested `{"error": {"code", "message", "details"?}}`: authentication and exchange errors
- bare `{"msg": "..."}`: query-parameter validation (Go validator text)
Which body each case gets, where Kalshi's is not known, is listed in docs/known-differences.md.
"""

from __future__ import annotations

from starlette.responses import Response

from mockexchange.auth.kalshi.signature import KalshiAuthFailure, KalshiAuthReason
from mockexchange.web.answers import AUTH_DIAGNOSIS_HEADER, DIAGNOSIS_HEADER, header_safe, json_response

_AUTH_BODIES: dict[KalshiAuthReason, dict[str, str]] = {
    # Captured from Kalshi's demo environment.
    KalshiAuthReason.BAD_SIGNATURE: {
        "code": "authentication_error",
        "message": "authentication_error",
        "details": "INCORRECT_API_KEY_SIGNATURE",
    },
    KalshiAuthReason.UNKNOWN_KEY: {
        "code": "authentication_error",
        "message": "authentication_error",
        "details": "NOT_FOUND",
    },
    KalshiAuthReason.MISSING_SIGNATURE: {
        "code": "signature_is_missing_from_headers",
        "message": "signature is missing from headers",
    },
    KalshiAuthReason.TIMESTAMP_EXPIRED: {"code": "header_timestamp_expired", "message": "header timestamp expired"},
    # Kalshi is not known to refuse replays (docs/known-differences.md): its generic authentication error.
    KalshiAuthReason.REPLAYED: {"code": "authentication_error", "message": "authentication_error"},
    # Not captured; named by analogy with the signature case.
    KalshiAuthReason.MISSING_KEY: {"code": "key_is_missing_from_headers", "message": "key is missing from headers"},
    KalshiAuthReason.MISSING_TIMESTAMP: {
        "code": "timestamp_is_missing_from_headers",
        "message": "timestamp is missing from headers",
    },
}


class KalshiError(Exception):
    """An error answer; raised anywhere in a request, rendered once by the endpoint wrapper."""

    def __init__(self, status: int, body: dict, diagnosis: str | None = None, header: str = DIAGNOSIS_HEADER) -> None:
        super().__init__(diagnosis or str(body))
        self.status = status
        self.body = body
        self.diagnosis = diagnosis
        self.header = header

    def response(self) -> Response:
        headers = {self.header: header_safe(self.diagnosis)} if self.diagnosis else None
        return json_response(self.body, self.status, headers)


def auth_error(failure: KalshiAuthFailure) -> KalshiError:
    return KalshiError(401, {"error": _AUTH_BODIES[failure.reason]}, failure.diagnosis, AUTH_DIAGNOSIS_HEADER)


def param_error(operation: str, field: str, tag: str, diagnosis: str | None = None) -> KalshiError:
    """A failed validator tag, worded as Go's validator words it."""
    msg = (
        f"Parameter validation failed for {operation}: Key: '{operation}Params.{field}' "
        f"Error:Field validation for '{field}' failed on the '{tag}' tag"
    )
    return KalshiError(400, {"msg": msg}, diagnosis)


def param_format_error(
    operation: str, name: str, value: str, diagnosis: str, cause: str = "invalid syntax", parser: str = "ParseInt"
) -> KalshiError:
    """A value that does not parse as its type, worded as the generated Go binder words it: `cause` is strconv's,
    "invalid syntax" or "value out of range" (an integer beyond int64); `parser` strconv's function (ParseBool for a
    boolean)."""
    msg = (
        f"Parameter validation failed for {operation}: Invalid format for parameter {name}: "
        f'error binding string parameter: strconv.{parser}: parsing "{value}": {cause}'
    )
    return KalshiError(400, {"msg": msg}, diagnosis)


def param_time_error(operation: str, name: str, value: str, diagnosis: str) -> KalshiError:
    """A time parameter that does not parse, worded as the generated Go binder words it (RFC 3339, else a date)."""
    msg = (
        f"Parameter validation failed for {operation}: Invalid format for parameter {name}: error parsing '{value}' "
        f'as RFC3339 or 2006-01-02 time: parsing time "{value}" as "2006-01-02": cannot parse "{value}" as "2006"'
    )
    return KalshiError(400, {"msg": msg}, diagnosis)


def bad_request(diagnosis: str) -> KalshiError:
    """Kalshi's plain 400 (`{"error": {"code": "bad_request", ...}}`): what an operation refuses of a request whose
    parameters each passed (an unknown weather city)."""
    return KalshiError(400, {"error": {"code": "bad_request", "message": "bad request"}}, diagnosis)


def forbidden(message: str, diagnosis: str | None = None) -> KalshiError:
    return KalshiError(403, {"error": {"code": "forbidden", "message": message}}, diagnosis)


RESTRICTED = "this API key is restricted to a single sub-account and cannot access this endpoint"


def restricted(diagnosis: str) -> KalshiError:
    """Kalshi's refusal of a key locked to a subaccount, for what it may not do (`diagnosis` says why)."""
    return forbidden(RESTRICTED, diagnosis)


def not_found(diagnosis: str | None = None) -> KalshiError:
    return KalshiError(404, {"error": {"code": "not_found", "message": "not found"}}, diagnosis)


_CODES = {403: "forbidden", 404: "not_found", 409: "conflict"}  # a refusal without Kalshi's code of its own


def exchange_error(status: int, code: str | None) -> dict[str, str]:
    """Kalshi's exchange error (captured: `{"code": "insufficient_balance", "message": "insufficient balance",
    "service": "exchange"}`): its code (the status's when none is given) and that code in words."""
    code = code or _CODES.get(status, "bad_request")
    return {"code": code, "message": code.replace("_", " "), "service": "exchange"}


def exchange_refusal(status: int, code: str | None, diagnosis: str) -> KalshiError:
    """Kalshi's exchange error (`exchange_error`), the reason in the diagnosis header."""
    return KalshiError(status, {"error": exchange_error(status, code)}, diagnosis)


def retired_order_write() -> KalshiError:
    """Kalshi's answer to a v1 order write since it retired them (June 2026): 410 and this body (as public clients'
    code and notes record it, "verified against production"; docs/known-differences.md)."""
    body = {"code": "deprecated_v1_order_endpoint", "message": "Please switch to the V2 endpoints",
            "details": "https://docs.kalshi.com/api-reference/orders/create-order-v2"}  # fmt: skip
    diagnosis = ("the v1 order writes are retired since June 2026: use POST /portfolio/events/orders and its family "
                 "(the legacy profile, --profile legacy, serves the v1 routes)")  # fmt: skip
    return KalshiError(410, {"error": body}, diagnosis)


def internal_error(diagnosis: str) -> KalshiError:
    return KalshiError(500, {"error": {"code": "internal_server_error", "message": "internal server error"}}, diagnosis)
