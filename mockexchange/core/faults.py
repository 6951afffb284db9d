"""The fault rules of one mock: what the network or the venue does to a request whatever it asks (docs/misbehaving.md).

A rule says where it applies: a path prefix (an HTTP request, a websocket upgrade, or one of Deribit's JSON-RPC calls
over its websocket, whose path is `/api/v2/{method}`) or a websocket channel prefix (a message the mock pushes);
optionally an HTTP method and a venue. And it says what happens: an HTTP status (answered in the venue's own error
shape, which the venues render), a delay in milliseconds (fixed, or drawn anew from a range each time it fires), or a
drop (the connection closes without an answer). A channel rule only delays. A rule fires for the first `times`
requests or messages that match (None: every one) and counts how often it fired. Rules are tried in the order they
were added; the first that matches and has not run out fires, alone.

Transport-free: the venues' doors (`venues/faults.py`, the websockets) ask `request` or `message` and act on the
answer; a rule asked for is a command (`FaultSpec`, its kinds checking what a user asks for), which the control plane
runs by its handler, `add`. Core names no venue: the venues a rule may name, and the channels of each, are given when
the rules are made (`FaultVenues`, from the registrations: each one's name and `channels`).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from mockexchange.core.commands import Command, value
from mockexchange.core.money import shown
from mockexchange.core.values import FLAG, Choice, Integer, Kind, Refused, Text

MAX_RULES = 1_000  # rules held at once (exhausted ones included, until cleared)
MAX_DELAY_MS = 60_000
MAX_TIMES = 10**9
MAX_RULE_ID = 2**63 - 1  # rule ids go on across clears; a larger one names no rule
MAX_PATH = 1_024
# The methods a request to the mock can have; a rule for another (a typo) would never fire.
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_ADMIN = "/_admin"


class FaultError(ValueError):
    """A fault command the rules refuse (`status`: the HTTP status the control plane answers with)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class _Path(Kind[str]):
    """A path prefix a rule matches: from '/', no query string, never the admin API's."""

    plain = str

    def read(self, value: Any, name: str) -> str:
        if not isinstance(value, str) or not value.startswith("/") or len(value) > MAX_PATH:
            raise Refused(
                f"{name} must be a path prefix starting with '/' of at most {MAX_PATH} characters, e.g. "
                f"'/trade-api/v2/portfolio/positions', not {shown(value)}"
            )
        if "?" in value or "#" in value:
            raise Refused(f"{name} is matched without a query string: leave out what follows '?', not {shown(value)}")
        if value == _ADMIN or value.startswith(_ADMIN + "/"):
            raise Refused(f"the admin API is never faulted: {name} must not start with {_ADMIN}, not {shown(value)}")
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": "^/", "maxLength": MAX_PATH}


@dataclass(frozen=True, slots=True)
class _Method(Kind[str]):
    """An HTTP method in any case, held in upper case."""

    plain = str

    def read(self, value: Any, name: str) -> str:
        if not isinstance(value, str) or value.upper() not in HTTP_METHODS:
            raise Refused(f"{name} must be one of {', '.join(HTTP_METHODS)}, not {shown(value)}")
        return value.upper()

    def check(self, value: str, name: str) -> None:
        if value not in HTTP_METHODS:
            raise Refused(f"{name} must be one of {', '.join(HTTP_METHODS)}, not {shown(value)}")

    def schema(self) -> dict[str, Any]:
        return {"type": "string"}


@dataclass(frozen=True, slots=True)
class _Delay(Kind[tuple[int, int]]):
    """A number of milliseconds, or [low, high] to draw from each time; held as (low, high), equal when fixed."""

    plain = int | list[int]

    def read(self, value: Any, name: str) -> tuple[int, int]:
        span = f"from 0 to {MAX_DELAY_MS}"
        if isinstance(value, list | tuple):
            bounds = [_whole_ms(item) for item in value] if len(value) == 2 else [None]
            low, high = (bounds + [None])[:2]
            if low is None or high is None or low > high:
                raise Refused(
                    f"{name} as a range must be [low, high]: two whole numbers of milliseconds {span}, low <= high, "
                    f"not {shown(value)}"
                )
            return low, high
        fixed = _whole_ms(value)
        if fixed is None:
            raise Refused(
                f"{name} must be a whole number of milliseconds {span}, or a range [low, high], not {shown(value)}"
            )
        return fixed, fixed

    def write(self, value: tuple[int, int]) -> int | list[int]:
        low, high = value
        return low if low == high else [low, high]

    def check(self, value: tuple[int, int], name: str) -> None:
        self.read(list(value), name)

    def schema(self) -> dict[str, Any]:
        whole = {"type": "integer", "minimum": 0, "maximum": MAX_DELAY_MS}
        return {"oneOf": [whole, {"type": "array", "items": whole, "minItems": 2, "maxItems": 2}]}


def _whole_ms(item: Any) -> int | None:
    if isinstance(item, bool) or not isinstance(item, int | float):
        return None
    if isinstance(item, float) and not item.is_integer():  # NaN and infinity too
        return None
    return int(item) if 0 <= item <= MAX_DELAY_MS else None


DELAY = _Delay()


@dataclass(frozen=True, slots=True)
class _VenueName(Kind[str]):
    """A venue's name, as a string: which venues there are is the mock's (`FaultVenues`, checked when a rule is
    added), not the command's."""

    plain = str

    def read(self, value: Any, name: str) -> str:
        if not isinstance(value, str):
            raise Refused(f"{name} must be a venue's name, not {shown(value)}")
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "string"}


VENUE_NAME = _VenueName()


@dataclass(frozen=True, slots=True)
class Channels:
    """A venue's websocket channels as a channel rule names them: whether a channel (as a client subscribes it) is
    one of its own a rule may delay (`owns`), and how a refusal names them (`described`: "Kalshi's fill or ...")."""

    owns: Callable[[str], bool]
    described: str


class FaultVenues:
    """The venues one mock serves, as a fault rule or a websocket close names them (`venue`): each venue's name, in
    the order registered, and its channels a rule may delay (None: it has none). Given when the rules are made (the
    registry's `mock_parts`, from each registration's `name` and `channels`)."""

    def __init__(self, channels: Mapping[str, Channels | None]) -> None:
        self.channels = dict(channels)
        self.kind = Choice(tuple(self.channels))  # (a venue's name as its registration has it, nothing else)

    @classmethod
    def of(cls, venues: Iterable[Any]) -> FaultVenues:
        """The venues of these registrations (control/registration.py's `Venue`: its `name` and `channels`)."""
        return cls({venue.name: venue.channels for venue in venues})

    def check_venue(self, venue: str | None, name: str = "venue") -> None:
        """Refused unless `venue` is None (every venue) or a venue's name."""
        if venue is not None:
            self.kind.read(venue, name)

    def check(self, spec: FaultSpec) -> None:
        """Refused unless the rule's venue is one of these and its channel, if it has one, a channel of it (or, with
        no venue named, of any)."""
        self.check_venue(spec.venue)
        if spec.channel is None:
            return
        owners = [name for name, served in self.channels.items() if served is not None and served.owns(spec.channel)]
        if owners and spec.venue in (None, *owners):
            return
        named = [spec.venue] if spec.venue is not None else list(self.channels)
        allowed = [served.described for name in named if (served := self.channels[name]) is not None]
        if not allowed:
            whose = f"the venue {spec.venue!r} has no channel" if spec.venue is not None else "no venue has a channel"
            raise Refused(f"channel must be none: {whose} a rule may delay")
        raise Refused(f"channel must be {' or '.join(allowed)}, not {shown(spec.channel)}")


@dataclass(frozen=True, slots=True)
class FaultSpec(Command):
    """A fault rule, as asked for (`add_fault`): requests under a `path` prefix (or messages of a websocket `channel`)
    get a `status` in the venue's error shape, a `delay_ms` (or a [low, high] range), or a `drop`, `times` times
    (default: every one)."""

    name: ClassVar[str] = "add_fault"
    kept: ClassVar[bool] = False  # (the mock's misbehaviour: a restart starts without it)
    path: str | None = value(_Path(), None)
    method: str | None = value(_Method(), None)  # None: any (a rule naming one applies to HTTP requests only)
    venue: str | None = value(VENUE_NAME, None)  # a venue's name ("kalshi", "deribit"); None: every venue
    status: int | None = value(Integer(400, 599), None)
    delay_ms: tuple[int, int] | None = value(DELAY, None)  # (low, high) inclusive; equal for a fixed delay
    drop: bool | None = value(FLAG, None)  # (false is no fault, as if left out)
    times: int | None = value(Integer(1, MAX_TIMES), None)  # None: every matching request
    channel: str | None = value(Text(), None)

    def check(self) -> None:
        effects = [name for name, given in (("status", self.status), ("delay_ms", self.delay_ms)) if given is not None]
        effects += ["drop"] if self.drop else []
        if len(effects) != 1:
            given = f"; given: {', '.join(effects)}" if effects else ""
            raise Refused(f"give exactly one of status, delay_ms and drop (true){given}")
        if (self.path is None) == (self.channel is None):
            raise Refused(
                "give exactly one of path (HTTP requests, and Deribit's JSON-RPC calls over its websocket) and "
                "channel (websocket messages)"
            )
        if self.channel is not None:
            if effects != ["delay_ms"]:
                raise Refused("a channel rule delays messages: give delay_ms (status and drop are for paths)")
            if self.method is not None:
                raise Refused("method is for path rules (HTTP requests); a channel rule takes none")

    def to_json(self) -> dict[str, Any]:
        where = {"path": self.path} if self.path is not None else {"channel": self.channel}
        effect: dict[str, Any]
        if self.status is not None:
            effect = {"status": self.status}
        elif self.delay_ms is not None:
            effect = {"delay_ms": DELAY.write(self.delay_ms)}
        else:
            effect = {"drop": True}
        return {**where, "method": self.method, "venue": self.venue, **effect, "times": self.times}


@dataclass(frozen=True, slots=True)
class RemoveFault(Command):
    """Remove one fault rule by its id (GET /_admin/faults lists them); the others stay."""

    name: ClassVar[str] = "remove_fault"
    kept: ClassVar[bool] = False
    id: int = value(Integer(1, MAX_RULE_ID))


@dataclass(frozen=True, slots=True)
class ClearFaults(Command):
    """Remove every fault rule; the venues answer normally again."""

    name: ClassVar[str] = "clear_faults"
    kept: ClassVar[bool] = False


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

    def __init__(
        self, venues: FaultVenues | None = None, rng: random.Random | None = None, max_rules: int = MAX_RULES
    ) -> None:
        self.venues = venues or FaultVenues({})  # (none: a rule naming a venue or a channel is refused)
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
        try:
            self.venues.check(spec)
        except Refused as exc:
            raise FaultError(str(exc)) from None
        with self._lock:
            if len(self._rules) >= self.max_rules:
                held = len(self._rules)
                raise FaultError(f"the mock holds {held} fault rules, its limit; clear them (DELETE /_admin/faults)")
            rule = _Rule(self._next_id, spec)
            self._next_id += 1
            self._rules.append(rule)
            return rule.to_json()

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.to_json() for rule in self._rules]

    def remove(self, remove: RemoveFault) -> dict[str, Any]:
        """Remove the rule with this id (a 404 if no rule held has it)."""
        with self._lock:
            kept = [rule for rule in self._rules if rule.id != remove.id]
            if len(kept) == len(self._rules):
                raise FaultError(f"no fault rule has id {remove.id} (GET /_admin/faults lists them)", 404)
            self._rules[:] = kept
            return {"removed": remove.id}

    def clear(self, _: ClearFaults | None = None) -> dict[str, Any]:
        with self._lock:
            cleared = len(self._rules)
            self._rules.clear()
            return {"cleared": cleared}

    def request(self, venue: str, method: str | None, path: str) -> Fault | None:
        """The fault for a request of `venue` (its registration's name) at `path`; `method` is the HTTP method, None for
        a JSON-RPC call over a websocket (which rules naming a method do not match)."""
        return self._first(
            venue, lambda spec: spec.path is not None and spec.method in (None, method) and path.startswith(spec.path)
        )

    def message(self, venue: str, channel: str) -> Fault | None:
        """The delay of a websocket message of `venue` on `channel` (as the client subscribed it; matched by prefix,
        in any case), or None."""
        if not self._rules:  # (each websocket message asks: none is the usual answer)
            return None
        folded = channel.casefold()
        return self._first(venue, lambda spec: spec.channel is not None and folded.startswith(spec.channel.casefold()))

    def _first(self, venue: str, matches: Callable[[FaultSpec], bool]) -> Fault | None:
        """The fault of the first rule of `venue` (or of every venue) not spent that `matches`; it fires."""
        if not self._rules:
            return None
        with self._lock:
            for rule in self._rules:
                if not rule.spent and rule.spec.venue in (None, venue) and matches(rule.spec):
                    return self._fire(rule)
        return None

    def _fire(self, rule: _Rule) -> Fault:
        rule.fired += 1
        spec = rule.spec
        if spec.delay_ms is not None:
            low, high = spec.delay_ms
            return Fault(rule.id, delay_ms=self._random.randint(low, high))
        return Fault(rule.id, status=spec.status, drop=bool(spec.drop))
