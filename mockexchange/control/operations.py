"""The operations a user performs on the mock, in one object: `Control` holds the state of both venues (the Kalshi
ledger, the Deribit book, their key registries), the mock's own (rate limits, fault rules, open connections) and the
handlers of every typed command by its type; `run` runs a command (kept first by a state file, if there is one),
`answer` answers it in plain values. Its methods are the operations, a line each, generated from the commands'
declarations: Kalshi's (kalshi_operations.py), Deribit's (deribit_operations.py) and the mock's own below (reset, the
exchange clock, faults, the rate-limit tier); and its reads.

The admin API is these methods over HTTP; the Python API (`MockServer`) is these methods in-process; scenarios and the
demo generator call them too. The work is done by `core`.
"""

from __future__ import annotations

from typing import Any

from mockexchange.auth.deribit.keys import DeribitCredentialRegistry
from mockexchange.auth.deribit.tokens import TokenStore
from mockexchange.auth.kalshi.keys import KeyRegistry
from mockexchange.control.commands import ANSWERS, Recorder, as_is, operation
from mockexchange.control.deribit.operations import DeribitOperations
from mockexchange.control.deribit.seeded import reset_deribit, seed_defaults
from mockexchange.control.errors import ControlError, core_call
from mockexchange.control.exchange_clock import advance_clock, clock_status
from mockexchange.control.kalshi.account import api_usage_level
from mockexchange.control.kalshi.historical import historical_cutoff
from mockexchange.control.kalshi.markets import exchange_status
from mockexchange.control.kalshi.operations import KalshiOperations
from mockexchange.control.kalshi.rest_lag import rest_lag, set_rest_lag
from mockexchange.control.key_handlers import add_key_handlers
from mockexchange.core.clock import SystemClock
from mockexchange.core.commands import Command, Handlers, write
from mockexchange.core.connections import CloseWebsockets, LiveConnections
from mockexchange.core.deribit.book import DerivativesBook
from mockexchange.core.deribit.handlers import add_deribit_handlers
from mockexchange.core.faults import ClearFaults, FaultRules, FaultSpec, RemoveFault
from mockexchange.core.kalshi.handlers import add_kalshi_handlers
from mockexchange.core.kalshi.lag_commands import SetRestLag
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.mock_commands import AdvanceClock, Reset, ResetDeribit
from mockexchange.core.rate_limits import RateLimits, SetRateLimitTier

__all__ = ["Control", "clock_status"]


class Control(KalshiOperations, DeribitOperations):
    def __init__(
        self,
        ledger: Ledger,
        keys: KeyRegistry,
        book: DerivativesBook | None = None,
        deribit_keys: DeribitCredentialRegistry | None = None,
        deribit_tokens: TokenStore | None = None,
        rate_limiter: RateLimits | None = None,
        *,
        faults: FaultRules | None = None,
        connections: LiveConnections | None = None,
    ) -> None:
        self.ledger = ledger
        self.keys = keys
        if book is None:  # Deribit's state shares the exchange clock and the bus with Kalshi's
            book = DerivativesBook(clock=ledger.state.clock, bus=ledger.state.bus)
            seed_defaults(book)
        self.book = book
        self.deribit_keys = deribit_keys or DeribitCredentialRegistry()
        self.deribit_tokens = deribit_tokens
        # The venues' rate limits (off unless the app gives its own, which its venues charge).
        self.rate_limiter = rate_limiter or RateLimits(SystemClock())
        # The fault rules the venues ask, and their open websocket connections (the app gives its own).
        self.fault_rules = faults if faults is not None else FaultRules()
        self.connections = connections if connections is not None else LiveConnections()
        # Sees every command run (a state file keeps them, mockexchange.state); None: nothing is kept.
        self.recorder: Recorder | None = None
        # The core's handler of each typed command (core/commands.py), by the command's type
        self.handlers = Handlers()
        add_kalshi_handlers(self.handlers, ledger)
        add_deribit_handlers(self.handlers, book)
        add_key_handlers(self.handlers, ledger, keys, self.connections, book, self.deribit_keys)
        self._add_mock_handlers()

    def _add_mock_handlers(self) -> None:
        """The handlers of the mock's own commands, which reach the state of both venues and the mock's."""
        add = self.handlers.add
        ledger, book, rules = self.ledger, self.book, self.fault_rules
        add(Reset, lambda _: self._reset())
        add(ResetDeribit, lambda _: reset_deribit(book, self.deribit_keys, self.deribit_tokens))
        add(AdvanceClock, lambda move: advance_clock(ledger, book, move))
        add(FaultSpec, rules.add)
        add(RemoveFault, rules.remove)
        add(ClearFaults, rules.clear)
        add(CloseWebsockets, self.connections.close_websockets)
        add(SetRateLimitTier, self.rate_limiter.set_rate_limit_tier)
        add(SetRestLag, lambda lag: set_rest_lag(ledger, lag))

    def _reset(self) -> dict[str, Any]:
        self.ledger.reset()
        self.keys.clear()
        reset_deribit(self.book, self.deribit_keys, self.deribit_tokens)
        self.rate_limiter.reset()  # every user's buckets full again; the tier stays
        self.fault_rules.clear(ClearFaults())  # the mock as it started: no fault rules (open connections stay open)
        return {"ok": True}

    def run(self, command: Command) -> Any:
        """Run a typed command through its handler, what it draws at random drawn first (`Handlers.drawn`) and the
        command drawn kept by the state file if there is one; answers what the handler answers (an order command's
        `Done`), the core's refusal a `ControlError` whose cause it is."""
        if not isinstance(command, Command):
            raise ControlError(f"run takes a command (core/commands.py), not {type(command).__name__}")
        command, aside = self.handlers.drawn(command)
        recorder = self.recorder
        if recorder is None or not type(command).kept or not recorder.keeping():
            return core_call(self.handlers.run, command, aside)
        return recorder.run(command.name, write(command), lambda: core_call(self.handlers.run, command, aside))

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
        return clock_status(self.ledger.state.clock)

    def faults(self) -> dict[str, Any]:
        """The fault rules in the order they are tried, each with how often it fired and how many times remain."""
        return {"faults": self.fault_rules.rules()}

    def rate_limits(self) -> dict[str, Any]:
        """The rate-limit tier, each venue's budgets, and each user's (or client address's) bucket levels."""
        return self.rate_limiter.state()

    def rest_lag(self) -> dict[str, Any]:
        """The REST lag in ms, and the exchange time Kalshi's lagged REST reads answer as of now (null: no lag)."""
        return rest_lag(self.ledger)

    def exchange_status(self) -> dict[str, Any]:
        """Whether Kalshi's exchange is active and trades (`GET /exchange/status`'s figures)."""
        return exchange_status(self.ledger)

    def historical_cutoff(self) -> dict[str, Any]:
        """Kalshi's four historical cutoffs (ISO 8601), and the events whose positions are archived."""
        return historical_cutoff(self.ledger)

    def api_usage_level(self, user_id: str) -> dict[str, Any]:
        """The user's Kalshi Predictions tier (as GET /account/limits reports it) and live grants."""
        return api_usage_level(self.ledger, self.rate_limiter.tier, user_id)
