"""The fault operations of the control plane (docs/misbehaving.md): add a fault rule, list the rules with how often each
fired, clear them; and close a user's websocket connections with a close code.

`Control` inherits them: the admin API's `POST|GET|DELETE /_admin/faults`, `POST /_admin/faults/remove` and
`POST /_admin/faults/ws/close`, the Python API's `add_fault(...)`, `faults()`, `remove_fault(id)`, `clear_faults()`,
`close_websockets(...)`, the scenario steps `fault`, `clear_faults` and `ws_close`. The rules are
`core.faults.FaultRules`, which the venues ask; the connections are `core.connections.LiveConnections`, where the
venues' websockets register. `fault_spec` and `close_request` check the plain values alone, so a scenario file is
checked when it is loaded.
"""

from __future__ import annotations

from typing import Any

from mockexchange.control.errors import ControlError
from mockexchange.control.values import choice, integer, optional_text, shown
from mockexchange.core.connections import LiveConnections
from mockexchange.core.faults import MAX_DELAY_MS, MAX_TIMES, VENUES, FaultLimitError, FaultRules, FaultSpec

MAX_PATH = 1_024
MAX_CLOSE_REASON_BYTES = 123  # what fits in a close frame (RFC 6455: 125 bytes of payload, 2 of them the code)
# The channels a Kalshi connection serves (venues/kalshi/subscriptions.py SERVED_CHANNELS; tests hold them equal) and
# the prefix every Deribit channel the mock serves starts with (venues/deribit/channels.py).
KALSHI_CHANNELS = ("market_positions", "fill", "user_orders", "order_group_updates")
DERIBIT_CHANNEL_PREFIX = "user."
# Close codes a server may send (RFC 6455 and IANA's registry): 1004-1006 and 1015 never go on the wire.
CLOSE_CODES = (1000, 1001, 1002, 1003, *range(1007, 1015))
# The methods a request to the mock can have; a rule for another (a typo) would never fire.
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
MAX_RULE_ID = 2**63 - 1  # rule ids go on across clears (core/faults.py); a larger one names no rule
_ADMIN = "/_admin"


def _delay(value: Any) -> tuple[int, int]:
    """A number of milliseconds, or [low, high] to draw from each time."""
    span = f"from 0 to {MAX_DELAY_MS}"

    def whole(item: Any) -> int | None:
        if isinstance(item, bool) or not isinstance(item, int | float):
            return None
        if isinstance(item, float) and not item.is_integer():  # NaN and infinity too
            return None
        return int(item) if 0 <= item <= MAX_DELAY_MS else None

    if isinstance(value, list | tuple):
        bounds = [whole(item) for item in value] if len(value) == 2 else [None]
        low, high = (bounds + [None])[:2]
        if low is None or high is None or low > high:
            raise ControlError(
                f"delay_ms as a range must be [low, high]: two whole numbers of milliseconds {span}, low <= high, "
                f"not {shown(value)}"
            )
        return low, high
    fixed = whole(value)
    if fixed is None:
        raise ControlError(
            f"delay_ms must be a whole number of milliseconds {span}, or a range [low, high], not {shown(value)}"
        )
    return fixed, fixed


def _path(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("/") or len(value) > MAX_PATH:
        raise ControlError(
            f"path must be a path prefix starting with '/' of at most {MAX_PATH} characters, e.g. "
            f"'/trade-api/v2/portfolio/positions', not {shown(value)}"
        )
    if "?" in value or "#" in value:
        raise ControlError(f"path is matched without a query string: leave out what follows '?', not {shown(value)}")
    if value == _ADMIN or value.startswith(_ADMIN + "/"):
        raise ControlError(f"the admin API is never faulted: path must not start with {_ADMIN}, not {shown(value)}")
    return value


def _channel(value: Any, venue: str | None) -> str:
    text = optional_text(value, "channel")
    assert text is not None
    kalshi = text in KALSHI_CHANNELS
    deribit = text.casefold().startswith(DERIBIT_CHANNEL_PREFIX)
    if (venue == "kalshi" and not kalshi) or (venue == "deribit" and not deribit) or not (kalshi or deribit):
        served = {
            "kalshi": f"Kalshi's {' or '.join(KALSHI_CHANNELS)}",
            "deribit": f"a prefix of a Deribit channel starting with {DERIBIT_CHANNEL_PREFIX!r} (user.portfolio)",
        }
        allowed = [served[venue]] if venue is not None else list(served.values())
        raise ControlError(f"channel must be {' or '.join(allowed)}, not {shown(value)}")
    return text


def fault_spec(
    path: Any = None,
    method: Any = None,
    venue: Any = None,
    status: Any = None,
    delay_ms: Any = None,
    drop: Any = None,
    times: Any = None,
    channel: Any = None,
) -> FaultSpec:
    """The rule the values describe, or a `ControlError` naming what is wrong."""
    if venue is not None:
        venue = choice(venue, "venue", VENUES)
    if drop is not None and not isinstance(drop, bool):
        raise ControlError(f"drop must be true or false, not {shown(drop)}")
    # drop=false is no fault, as if left out.
    effects = [name for name, given in (("status", status), ("delay_ms", delay_ms)) if given is not None]
    effects += ["drop"] if drop else []
    if len(effects) != 1:
        given = f"; given: {', '.join(effects)}" if effects else ""
        raise ControlError(f"give exactly one of status, delay_ms and drop (true){given}")
    if (path is None) == (channel is None):
        raise ControlError(
            "give exactly one of path (HTTP requests, and Deribit's JSON-RPC calls over its websocket) and channel "
            "(websocket messages)"
        )
    if channel is not None:
        if effects != ["delay_ms"]:
            raise ControlError("a channel rule delays messages: give delay_ms (status and drop are for paths)")
        if method is not None:
            raise ControlError("method is for path rules (HTTP requests); a channel rule takes none")
    if method is not None and (not isinstance(method, str) or method.upper() not in HTTP_METHODS):
        raise ControlError(f"method must be one of {', '.join(HTTP_METHODS)}, not {shown(method)}")
    return FaultSpec(
        path=None if path is None else _path(path),
        channel=None if channel is None else _channel(channel, venue),
        method=None if method is None else method.upper(),
        venue=venue,
        status=None if status is None else integer(status, "status", 400, 599),
        delay_ms=None if delay_ms is None else _delay(delay_ms),
        drop=bool(drop),
        times=None if times is None else integer(times, "times", 1, MAX_TIMES),
    )


def close_request(
    code: Any, user_id: Any = None, key_id: Any = None, venue: Any = None, reason: Any = ""
) -> dict[str, Any]:
    """The checked arguments of `LiveConnections.close`, or a `ControlError`."""
    if isinstance(code, bool) or not isinstance(code, int) or not (code in CLOSE_CODES or 3000 <= code <= 4999):
        raise ControlError(
            f"code must be a websocket close code a server may send: 1000-1003, 1007-1014 or 3000-4999 (4001, say), "
            f"not {shown(code)}"
        )
    user_id, key_id = optional_text(user_id, "user_id"), optional_text(key_id, "key_id")
    if user_id is None and key_id is None:
        raise ControlError("give user_id or key_id (Deribit: the client id): whose connections to close")
    if venue is not None:
        venue = choice(venue, "venue", VENUES)
    if reason is None:
        reason = ""
    if not isinstance(reason, str) or len(reason.encode("utf-8", "surrogatepass")) > MAX_CLOSE_REASON_BYTES:
        most = MAX_CLOSE_REASON_BYTES
        raise ControlError(f"reason must be a string of at most {most} UTF-8 bytes, not {shown(reason)}")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in reason):
        raise ControlError(f"reason must be text (no lone surrogates), not {shown(reason)}")
    return {"code": code, "reason": reason, "venue": venue, "user_id": user_id, "key_id": key_id}


class FaultOperations:
    fault_rules: FaultRules
    connections: LiveConnections

    def add_fault(
        self,
        path: str | None = None,
        method: str | None = None,
        venue: str | None = None,
        status: int | None = None,
        delay_ms: int | list[int] | None = None,
        drop: bool | None = None,
        times: int | None = None,
        channel: str | None = None,
    ) -> dict[str, Any]:
        """Add a fault rule. Requests under a `path` prefix (or messages of a websocket `channel`) get a `status` in
        the venue's error shape, a `delay_ms` (or a [low, high] range), or a `drop`, `times` times (default: every
        one)."""
        spec = fault_spec(path, method, venue, status, delay_ms, drop, times, channel)
        try:
            return self.fault_rules.add(spec)
        except FaultLimitError as exc:
            raise ControlError(str(exc)) from None

    def faults(self) -> dict[str, Any]:
        """The fault rules in the order they are tried, each with how often it fired and how many times remain."""
        return {"faults": self.fault_rules.rules()}

    def remove_fault(self, id: int) -> dict[str, Any]:
        """Remove one fault rule by its id (GET /_admin/faults lists them); the others stay."""
        rule_id = integer(id, "id", 1, MAX_RULE_ID)
        if not self.fault_rules.remove(rule_id):
            raise ControlError(f"no fault rule has id {rule_id} (GET /_admin/faults lists them)", 404)
        return {"removed": rule_id}

    def clear_faults(self) -> dict[str, Any]:
        """Remove every fault rule; the venues answer normally again."""
        return {"cleared": self.fault_rules.clear()}

    def close_websockets(
        self,
        code: int,
        user_id: str | None = None,
        key_id: str | None = None,
        venue: str | None = None,
        reason: str = "",
    ) -> dict[str, Any]:
        """Close the open websocket connections of a user (or a key: Deribit's client id) with a close `code` and
        `reason`, on one venue or both; answers how many were closed."""
        request = close_request(code, user_id, key_id, venue, reason)
        closed = self.connections.close(
            request["code"],
            request["reason"],
            venue=request["venue"],
            user_id=request["user_id"],
            key_id=request["key_id"],
        )
        return {"closed": closed}
