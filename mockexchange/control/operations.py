"""The operations a user performs on the mock, in one object: `Control` holds the state of every registered venue
(control/registration.py's `Venue`: each venue's state by the names it gives, such as Kalshi's `ledger`), the mock's own
(rate limits, fault rules, open connections) and the handlers of every typed command by its type; `run` runs a command
(kept first by a state file, if there is one), `answer` answers it in plain values. Its operations are each venue's
table of them (a line each, generated from the commands' declarations: control/kalshi/operations.py,
control/deribit/operations.py), bound as its own methods, and the mock's own below (reset, the exchange clock, faults,
the rate-limit tier); and its reads.

The admin API is these methods over HTTP; the Python API (`MockServer`) is these methods in-process; scenarios and the
demo generator call them too. The work is done by `core`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from functools import partialmethod
from types import FunctionType, MappingProxyType
from typing import Any

from mockexchange.control.commands import ANSWERS, Recorder, as_is, operation
from mockexchange.control.errors import ControlError, core_call
from mockexchange.control.exchange_clock import clock_status, move_clock
from mockexchange.control.registration import MockParts, Venue
from mockexchange.core.commands import Command, Handlers, write
from mockexchange.core.connections import CloseWebsockets
from mockexchange.core.faults import ClearFaults, FaultSpec, RemoveFault
from mockexchange.core.mock_commands import AdvanceClock, Reset
from mockexchange.core.rate_limits import SetRateLimitTier

__all__ = ["Control", "clock_status"]


class Control:
    def __init__(self, venues: Sequence[Venue], parts: MockParts) -> None:
        self.parts = parts
        self.venues = tuple(venues)
        self.rate_limiter = parts.rate_limits  # the venues' rate limits (which the app's venues charge)
        self.fault_rules = parts.faults  # the fault rules the venues ask
        self.connections = parts.connections  # the venues' open websocket connections
        # Sees every command run (a state file keeps them, mockexchange.state); None: nothing is kept.
        self.recorder: Recorder | None = None
        # The core's handler of each typed command (core/commands.py), by the command's type
        self.handlers = Handlers()
        self._held: dict[str, Any] = {}  # each venue's state, by the name it gives it
        self._made_now = tuple(venue.made_now for venue in self.venues if venue.made_now is not None)
        # each venue's operations, as its table declares them: bound to this control plane when asked (`__getattr__`)
        self._operations: dict[str, Any] = {}
        for venue in self.venues:
            self._take(venue.name, self._held, venue.state(parts))
        for venue in self.venues:
            venue.handlers(self.handlers, self)
            if venue.operations is not None:
                self._take(venue.name, self._operations, _declared(venue.operations))
        self._add_mock_handlers()

    def _take(self, venue: str, into: dict[str, Any], found: Mapping[str, Any]) -> None:
        for name, value in found.items():
            if name in into or hasattr(type(self), name):
                raise ValueError(f"the venue {venue!r} names {name!r}, which the control plane has already")
            into[name] = value

    def __getattr__(self, name: str) -> Any:
        # (only for what is not an attribute of its own: a venue's state part or operation)
        if not name.startswith("__"):
            held = self.__dict__.get("_held", {})
            if name in held:
                return held[name]
            declared = self.__dict__.get("_operations", {}).get(name)
            if declared is not None:
                return declared.__get__(self, type(self))
        raise AttributeError(f"the control plane has no operation or state named {name!r}")

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._held, *self._operations})

    def operations(self) -> dict[str, Callable[..., Any]]:
        """Every operation by name: the mock's own and each venue's, bound."""
        own = {name: getattr(self, name) for name in _names(type(self)) if name not in ("run", "answer")}
        return own | {name: getattr(self, name) for name in self._operations}

    def _add_mock_handlers(self) -> None:
        """The handlers of the mock's own commands, which reach the state of every venue and the mock's."""
        add = self.handlers.add
        rules = self.fault_rules
        add(Reset, lambda _: self._reset())
        add(AdvanceClock, self._advance_clock)
        add(FaultSpec, rules.add)
        add(RemoveFault, rules.remove)
        add(ClearFaults, rules.clear)
        add(CloseWebsockets, self.connections.close_websockets)
        add(SetRateLimitTier, self.rate_limiter.set_rate_limit_tier)

    def _reset(self) -> dict[str, Any]:
        for venue in self.venues:
            venue.reset(self)
        self.rate_limiter.reset()  # every user's buckets full again; the tier stays
        self.fault_rules.clear(ClearFaults())  # the mock as it started: no fault rules (open connections stay open)
        return {"ok": True}

    def _advance_clock(self, move: AdvanceClock) -> dict[str, Any]:
        move_clock(self.parts.clock, move)
        for venue in self.venues:
            venue.on_clock(self)  # what falls due on the way
        return clock_status(self.parts.clock)

    def run(self, command: Command) -> Any:
        """Run a typed command through its handler, what it draws at random drawn first (`Handlers.drawn`) and the
        command drawn kept by the state file if there is one; then what it scheduled for the instant it ran (a venue's
        `made_now`: an RFQ maker's rule with no delay quotes at once, not at the next read). Answers what the handler
        answers (an order command's `OrderOutcome`), the core's refusal a `ControlError` whose cause it is."""
        if not isinstance(command, Command):
            raise ControlError(f"run takes a command (core/commands.py), not {type(command).__name__}")
        command, aside = self.handlers.drawn(command)
        recorder = self.recorder
        if recorder is None or not type(command).kept or not recorder.keeping():
            answer = core_call(self.handlers.run, command, aside)
        else:
            answer = recorder.run(command.name, write(command), lambda: core_call(self.handlers.run, command, aside))
        for made_now in self._made_now:  # (what the command scheduled for now, made before it answers)
            made_now(self)
        return answer

    def answer(self, command: Command) -> Any:
        """`run`'s answer in plain values, as the command's method answers (a scenario's step made the command)."""
        answer = ANSWERS.get(type(command))
        if answer is None:
            raise ControlError(f"answer takes a command with a plain answer, not {type(command).__name__}")
        return answer(self, self.run(command))

    # -- the mock's own operations ---------------------------------------------------------------------------------

    reset = operation(Reset, as_is)
    advance_clock = operation(AdvanceClock, as_is)
    # Faults (docs/misbehaving.md), the rate-limit tier: none kept by a state file (a restart starts without them)
    add_fault = operation(FaultSpec, as_is)
    remove_fault = operation(RemoveFault, as_is)
    clear_faults = operation(ClearFaults, as_is)
    close_websockets = operation(CloseWebsockets, as_is)
    set_rate_limit_tier = operation(SetRateLimitTier, as_is)

    # -- reads ---------------------------------------------------------------------------------------------------------

    def clock(self) -> dict[str, Any]:
        """The exchange time and whether the clock is manual (movable) or the system clock."""
        return clock_status(self.parts.clock)

    def faults(self) -> dict[str, Any]:
        """The fault rules in the order they are tried, each with how often it fired and how many times remain."""
        return {"faults": self.fault_rules.rules()}

    def rate_limits(self) -> dict[str, Any]:
        """The rate-limit tier, each venue's budgets, and each user's (or client address's) bucket levels."""
        return self.rate_limiter.state()


# A class's operation names, and a table's operations as it declares them: the same for every control plane a process
# makes, read once.
_NAMES: dict[type, tuple[str, ...]] = {}
_DECLARED: dict[type, Mapping[str, Any]] = {}


def _names(cls: type) -> tuple[str, ...]:
    """The public callables a class declares (an operation table's lines and reads), in the order of `dir`."""
    found = _NAMES.get(cls)
    if found is None:
        found = _NAMES[cls] = tuple(
            name
            for name in dir(cls)
            if not name.startswith("_")
            and isinstance(inspect.getattr_static(cls, name), FunctionType | partialmethod)
            and name != "operations"
        )
    return found


def _declared(table: type) -> Mapping[str, Any]:
    """An operation table's operations and reads, as it declares them (each bound to a control plane, its first
    argument, when asked)."""
    found = _DECLARED.get(table)
    if found is None:
        declared = {name: inspect.getattr_static(table, name) for name in _names(table)}
        found = _DECLARED[table] = MappingProxyType(declared)
    return found
