"""Deribit's JSON-RPC errors as the venue sends them: code, message, optional `data`, and the mock's diagnosis.

Codes and messages are Deribit's legacy "RPC Error Codes" table (the one captured responses and ccxt's exception map
agree with). `error.data` carries only what Deribit itself sends there (`{reason, param}` for -32602); the mock's own
explanation goes in `error.mockexchange_diagnosis`, a field real clients ignore, and in the HTTP diagnosis header.
"""

from __future__ import annotations

from typing import Any

from mockexchange.auth.deribit.errors import AuthFailure
from mockexchange.journal.refusal import DIAGNOSIS_FIELD

# code -> message
ERROR = (10001, "error")
AUTHORIZATION_REQUIRED = (10000, "authorization_required")
TOO_MANY_REQUESTS = (10028, "too_many_requests")
RETRY = (10040, "retry")
BAD_REQUEST = (11050, "bad_request")
ORDER_NOT_FOUND = (10004, "order_not_found")
LOCKED_BY_ADMIN = (10019, "locked_by_admin")
NOT_ENOUGH_FUNDS = (10009, "not_enough_funds")
ALREADY_CLOSED = (10010, "already_closed")
INVALID_OR_UNSUPPORTED_INSTRUMENT = (10020, "invalid_or_unsupported_instrument")
INVALID_AMOUNT = (10021, "invalid_amount")
NOT_IMPLEMENTED = (10033, "not_implemented")
PRICE_WRONG_TICK = (10043, "price_wrong_tick")
NOT_OPEN_ORDER = (11044, "not_open_order")
# A mass quote's side crossing its group's own quote on the other side (self-trading is not allowed).
ORDER_OVERLAP = (10003, "order_overlap")
# Deribit publishes no code for market maker protection's refusals (an MMP order or quote while frozen, a mass quote
# of a group with no configuration, a mass quote without cancel on disconnect): the mock sends its general rejection.
OTHER_REJECT = (11030, "other_reject")
# Not in Deribit's published table; clients meet it (and name its code) when an account holds too many open orders
# on one instrument.
MAX_OPEN_ORDERS_PER_INSTRUMENT = (11020, "max_open_orders_per_instrument")
# Deribit's error for too many open orders in total (under portfolio margin); the mock's bound on an account's open
# orders refuses with it whatever the margin model.
PME_MAX_TOTAL_OPEN_ORDERS = (10013, "pme_max_total_open_orders")
POST_ONLY_REJECT = (11054, "post_only_reject")
TRANSFER_NOT_FOUND = (11053, "transfer_not_found")
MAX_ADDR_COUNT_EXCEEDED = (11093, "max_addr_count_exceeded")
TOO_MANY_SUBACCOUNTS = (12001, "too_many_subaccounts")
WRONG_SUBACCOUNT_NAME = (12002, "wrong_subaccount_name")
TRANSFER_NOT_ALLOWED = (12100, "transfer_not_allowed")
INVALID_CREDENTIALS = (13004, "invalid_credentials")
USER_NOT_FOUND = (13007, "user_not_found")
UNAVAILABLE_IN_SUBACCOUNT = (13012, "unavailable_in_subaccount")
UNAUTHORIZED = (13009, "unauthorized")
NOT_FOUND = (13020, "not_found")
FORBIDDEN = (13021, "forbidden")
RAW_SUBSCRIPTIONS_NOT_AVAILABLE = (13778, "raw_subscriptions_not_available_for_unauthorized")
TIMED_OUT = (13888, "timed_out")
TOO_LARGE = (-32600, "request entity too large")
METHOD_NOT_FOUND = (-32601, "Method not found")
INVALID_PARAMS = (-32602, "Invalid params")
PARSE_ERROR = (-32700, "Parse error")

_AUTH_CODES = {10000, 13004, 13009}
# The exchange's refusals by Deribit's name (core's `ExchangeError.reason`) -> the error sent.
REASONS = {
    error[1]: error
    for error in (NOT_ENOUGH_FUNDS, TRANSFER_NOT_FOUND, MAX_ADDR_COUNT_EXCEEDED, TOO_MANY_SUBACCOUNTS,
                  WRONG_SUBACCOUNT_NAME, TRANSFER_NOT_ALLOWED, USER_NOT_FOUND, ORDER_NOT_FOUND, ALREADY_CLOSED,
                  INVALID_AMOUNT, PRICE_WRONG_TICK, POST_ONLY_REJECT, MAX_OPEN_ORDERS_PER_INSTRUMENT,
                  PME_MAX_TOTAL_OPEN_ORDERS, LOCKED_BY_ADMIN, ORDER_OVERLAP, OTHER_REJECT,
                  INVALID_OR_UNSUPPORTED_INSTRUMENT)
}  # fmt: skip


class RpcError(Exception):
    """One error reply. Raised anywhere below a route; the route renders it."""

    def __init__(
        self, error: tuple[int, str], diagnosis: str, data: dict[str, Any] | None = None, reason: str | None = None
    ) -> None:
        super().__init__(diagnosis)
        self.code, self.message = error
        self.diagnosis = diagnosis
        self.data = data
        self.reason = reason  # the auth rule broken, for the journal and tests (AuthFailure.reason)

    @property
    def http_status(self) -> int:
        # Deribit documents 400 for errors; 401 was observed for 13009, so the auth family answers 401; an oversize
        # body is the mock's 413 (HTTP's own word for it); an exhausted rate limit is HTTP's 429 (Deribit's status for
        # 10028 is not documented).
        if self.code == TOO_LARGE[0]:
            return 413
        if self.code == TOO_MANY_REQUESTS[0]:
            return 429
        return 401 if self.code in _AUTH_CODES else 400

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        error[DIAGNOSIS_FIELD] = self.diagnosis
        return error


def invalid_param(param: str, reason: str, diagnosis: str | None = None) -> RpcError:
    return RpcError(INVALID_PARAMS, diagnosis or f"{param}: {reason}", {"reason": reason, "param": param})


def from_auth(failure: AuthFailure) -> RpcError:
    data = None
    if failure.param is not None:
        data = {"reason": failure.param_reason or "invalid", "param": failure.param}
    return RpcError(failure.error.value, failure.diagnosis, data, failure.reason.value)
