"""The fault rules of one mock: what the network or the venue does to a request whatever it asks (docs/misbehaving.md).

A rule says where it applies: a path prefix (an HTTP request, a websocket upgrade, or one of Deribit's JSON-RPC calls
over its websocket, whose path is `/api/v2/{method}`) or a websocket channel prefix (a message the mock pushes);
optionally an HTTP method and a venue. And it says what happens: an HTTP status (answered in the venue's own error
shape, which the venues render), a delay in milliseconds (fixed, or drawn anew from a range each time it fires), or a
drop (the connection closes without an answer). A channel rule only delays. A rule fires for the first `times`
requests or messages that match (None: every one) and counts how often it fired. Rules are tried in the order they
were added; the first that matches and has not run out fires, alone.

Transport-free: the venues' doors (`venues/faults.py`, the websockets) ask `request` or `message` and act on the
answer; the control plane (`control/faults.py`) checks what a user asks for, then `add`s it.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Any

MAX_RULES = 1_000  # rules held at once (exhausted ones included, until cleared)
MAX_DELAY_MS = 60_000
MAX_TIMES = 10**9
VENUES = ("kalshi", "deribit")


class FaultLimitError(ValueError):
    """The mock holds `MAX_RULES` rules already."""


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """A rule as asked for: `path` or `channel`; one of `status`, `delay_ms` (low, high) and `drop`."""

    path: str | None = None
    channel: str | None = None
    method: str | None = None  # upper case; None: any (a rule naming one applies to HTTP requests only)
    venue: str | None = None  # "kalshi" or "deribit" (which includes its SignalPlus dialect); None: either
    status: int | None = None
    delay_ms: tuple[int, int] | None = None  # (low, high) inclusive; equal for a fixed delay
    drop: bool = False
    times: int | None = None  # None: every matching request

    def to_json(self) -> dict[str, Any]:
        where = {"path": self.path} if self.path is not None else {"channel": self.channel}
        effect: dict[str, Any]
        if self.status is not None:
            effect = {"status": self.status}
        elif self.delay_ms is not None:
            low, high = self.delay_ms
            effect = {"delay_ms": low if low == high else [low, high]}
        else:
            effect = {"drop": True}
        return {**where, "method": self.method, "venue": self.venue, **effect, "times": self.times}


@dataclass(frozen=True, slots=True)
class Fault:
    """What one rule does to one request or message."""

    rule_id: int
    status: int | None = None
    delay_ms: int | None = None  # drawn from the rule's range
    drop: bool = False

    def describe(self) -> str:
        """`status 503 (fault rule 1)`, `delay 250 ms (fault rule 2)`, `drop (fault rule 3)`: the journal's note."""
        if self.drop:
            what = "drop"
        elif self.status is not None:
            what = f"status {self.status}"
        else:
            what = f"delay {self.delay_ms} ms"
        return f"{what} (fault rule {self.rule_id})"


@dataclass(slots=True)
class _Rule:
    id: int
    spec: FaultSpec
    fired: int = 0

    @property
    def spent(self) -> bool:
        return self.spec.times is not None and self.fired >= self.spec.times

    def to_json(self) -> dict[str, Any]:
        left = None if self.spec.times is None else self.spec.times - self.fired
        return {"id": self.id, **self.spec.to_json(), "fired": self.fired, "remaining": left}


class FaultRules:
    """Thread-safe: the server's loop asks while an admin call or a test's thread adds and clears."""

    def __init__(self, rng: random.Random | None = None, max_rules: int = MAX_RULES) -> None:
        self.max_rules = max_rules
        self._random = rng or random.Random()
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self._next_id = 1  # ids go on across clears, so an id names one rule over the mock's life

    @property
    def active(self) -> bool:
        """Whether any rule is held (read without the lock: the hot path's shortcut)."""
        return bool(self._rules)

    def add(self, spec: FaultSpec) -> dict[str, Any]:
        with self._lock:
            if len(self._rules) >= self.max_rules:
                held = len(self._rules)
                raise FaultLimitError(
                    f"the mock holds {held} fault rules, its limit; clear them (DELETE /_admin/faults)"
                )
            rule = _Rule(self._next_id, spec)
            self._next_id += 1
            self._rules.append(rule)
            return rule.to_json()

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.to_json() for rule in self._rules]

    def remove(self, rule_id: int) -> bool:
        """Remove the rule with this id; False if no rule held has it."""
        with self._lock:
            kept = [rule for rule in self._rules if rule.id != rule_id]
            removed = len(kept) < len(self._rules)
            self._rules[:] = kept
            return removed

    def clear(self) -> int:
        with self._lock:
            cleared = len(self._rules)
            self._rules.clear()
            return cleared

    def request(self, venue: str, method: str | None, path: str) -> Fault | None:
        """The fault for a request of `venue` ("kalshi" or "deribit") at `path`; `method` is the HTTP method, None for
        a JSON-RPC call over a websocket (which rules naming a method do not match)."""
        if not self._rules:
            return None
        with self._lock:
            for rule in self._rules:
                spec = rule.spec
                if (
                    spec.path is not None
                    and not rule.spent
                    and spec.venue in (None, venue)
                    and spec.method in (None, method)
                    and path.startswith(spec.path)
                ):
                    return self._fire(rule)
        return None

    def message(self, venue: str, channel: str) -> Fault | None:
        """The delay of a websocket message of `venue` on `channel` (as the client subscribed it; matched by prefix,
        in any case), or None."""
        if not self._rules:
            return None
        folded = channel.casefold()
        with self._lock:
            for rule in self._rules:
                spec = rule.spec
                if (
                    spec.channel is not None
                    and not rule.spent
                    and spec.venue in (None, venue)
                    and folded.startswith(spec.channel.casefold())
                ):
                    return self._fire(rule)
        return None

    def _fire(self, rule: _Rule) -> Fault:
        rule.fired += 1
        spec = rule.spec
        if spec.delay_ms is not None:
            low, high = spec.delay_ms
            return Fault(rule.id, delay_ms=self._random.randint(low, high))
        return Fault(rule.id, status=spec.status, drop=spec.drop)
