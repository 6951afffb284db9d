"""The text of a Kalshi write's values as Kalshi's docs state it, read before the command runs: fixed-point strings
(`FixedPointDollars`, `FixedPointCount`: core/money.py's `FIXED_POINT` grammar, "0.5600", "10") and client order ids
(at most 64 of A-Z a-z 0-9 - _ : + = /, the pattern of Kalshi's FIX order entry page; an empty one is none, as Go's
zero string is), and the perps FCM limits (`risk_amount`: the perps spec's pattern, digits with up to 4 places, no
sign, at most 20 characters). The control plane takes laxer text from its own callers (the admin API, scenarios, a
state file's commands); a client of the wire gets what Kalshi takes.

A value out of its grammar is refused as the command refuses that field's other bad values, in Kalshi's exchange
shape: a price `invalid_price`, a count or a client order id `bad_request` (docs/known-differences.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from mockexchange.core.kalshi.units import COUNT_PLACES, PRICE_PLACES
from mockexchange.core.money import FIXED_POINT, MoneyError, shown, written
from mockexchange.venues.kalshi.errors import exchange_refusal

Text = Literal["price", "count", "client_order_id", "risk_amount"]
# The places of each fixed-point text and the code of its refusal (None: the status's, bad_request)
_FIXED_POINT = {"price": (PRICE_PLACES, "invalid_price"), "count": (COUNT_PLACES, None)}
_CLIENT_ORDER_ID = re.compile(r"[-A-Za-z0-9_:+=/]{1,64}")
_LIMIT = re.compile(r"[0-9]{1,20}(\.[0-9]{1,4})?")  # (and at most 20 characters in all: the spec's maxLength)


def read(values: dict[str, Any], texts: Mapping[str, Text]) -> dict[str, Any]:
    """`values` with each field named in `texts` checked as that text (an empty client order id made None: a copy); a
    `KalshiError` for the first one out of its grammar."""
    checked = values
    for name, text in texts.items():
        value = values.get(name)
        if value.__class__ is not str:  # absent (the body's decoder lets only strings through)
            continue
        if text == "client_order_id":
            if _client_order_id(value, name) is None:
                checked = {**checked, name: None}
            continue
        if text == "risk_amount":
            if len(value) > 20 or not _LIMIT.fullmatch(value):
                raise exchange_refusal(400, None, f"{name} must be a dollar amount of digits with up to 4 places, at "
                                       f"most 20 characters, not {shown(value)}")  # fmt: skip
            continue
        places, code = _FIXED_POINT[text]
        try:
            written(value, name, places, FIXED_POINT)  # (its range is the command's to check)
        except MoneyError as exc:
            raise exchange_refusal(400, code, str(exc)) from None
    return checked


def _client_order_id(value: str, name: str) -> str | None:
    """A client order id as Kalshi takes one (None: empty, none given)."""
    if not value:
        return None
    if not _CLIENT_ORDER_ID.fullmatch(value):
        raise exchange_refusal(
            400, None, f"{name} must be 1 to 64 of A-Z a-z 0-9 - _ : + = / (or empty: none), not {shown(value)}"
        )
    return value
