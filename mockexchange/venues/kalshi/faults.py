"""Kalshi's answer to a fault rule's HTTP status (docs/misbehaving.md): the body Kalshi sends for that status where it
is known, else the nested shape of its exchange errors, named after the status.

- 401: the generic `authentication_error` body (captured from the demo environment, without `details`);
- 429: `{"error": "too many requests"}` (Kalshi's documented rate-limit body, `rate_limits.py`'s);
- any other: `{"error": {"code", "message"}}` from the status's reason phrase: 400 `bad_request`, 403 `forbidden`,
  404 `not_found` and 500 `internal_server_error` (as captured or as the mock's own errors say), 503
  `service_unavailable`, 502 `bad_gateway`, 504 `gateway_timeout`; a status without a phrase (499) `error`.
"""

from __future__ import annotations

import re
from http import HTTPStatus

from mockexchange.venues.kalshi.errors import KalshiError
from mockexchange.venues.kalshi.rate_limits import TOO_MANY_REQUESTS

_AUTHENTICATION = {"error": {"code": "authentication_error", "message": "authentication_error"}}


def status_error(status: int, diagnosis: str) -> KalshiError:
    if status == 401:
        return KalshiError(401, {"error": dict(_AUTHENTICATION["error"])}, diagnosis)
    if status == 429:
        return KalshiError(429, dict(TOO_MANY_REQUESTS), diagnosis)
    try:
        phrase = HTTPStatus(status).phrase.lower()
    except ValueError:
        phrase = "error"
    code = re.sub(r"[^a-z0-9]+", "_", phrase).strip("_")
    return KalshiError(status, {"error": {"code": code, "message": phrase}}, diagnosis)
