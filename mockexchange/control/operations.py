"""The operations a user performs on the mock, in one object: both venues' (`kalshi.py`, `deribit.py`), reset, and
the exchange clock. One method each, taking plain JSON-like values and answering a JSON-ready dict.

The admin API is these methods over HTTP; the Python API (`MockServer`) is these methods in-process; scenarios and the
demo generator call them too. The work is done by `core`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mockexchange.auth.deribit.keys import DeribitCredentialRegistry
from mockexchange.auth.deribit.tokens import TokenStore
from mockexchange.auth.kalshi.keys import KeyRegistry
from mockexchange.control.commands import ANSWERS, Recorder, command
from mockexchange.control.deribit import DeribitOperations, seed_defaults
from mockexchange.control.deribit_account import DeribitAccountOperations
from mockexchange.control.deribit_orders import DeribitOrderOperations
from mockexchange.control.errors import ControlError, core_call
from mockexchange.control.faults import FaultOperations, add_fault_handlers
from mockexchange.control.kalshi import KalshiOperations
from mockexchange.control.kalshi_account import KalshiAccountOperations
from mockexchange.control.kalshi_fcm import FcmOperations
from mockexchange.control.kalshi_historical import HistoricalOperations
from mockexchange.control.kalshi_markets import KalshiMarketOperations
from mockexchange.control.kalshi_order_groups import OrderGroupOperations
from mockexchange.control.kalshi_orders import OrderOperations
from mockexchange.control.kalshi_subaccounts import SubaccountOperations
from mockexchange.control.key_handlers import add_key_handlers
from mockexchange.control.rate_limits import RateLimitOperations
from mockexchange.control.rest_lag import RestLagOperations, set_rest_lag
from mockexchange.control.values import (
    LATEST_EXCHANGE_TIME,
    check_exchange_time,
    iso_time,
    shown,
)
from mockexchange.core.clock import Clock, ManualClock, SystemClock
from mockexchange.core.commands import Command, Handlers, write
from mockexchange.core.connections import LiveConnections
from mockexchange.core.deribit.book import DerivativesBook
from mockexchange.core.deribit.handlers import add_deribit_handlers
from mockexchange.core.faults import ClearFaults, FaultRules
from mockexchange.core.kalshi.handlers import add_kalshi_handlers
from mockexchange.core.kalshi.lag_commands import SetRestLag
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.rate_limits import RateLimits, SetRateLimitTier

MAX_ADVANCE_SECONDS = 10**9  # one move of the clock: about 31 years


class Control(
    KalshiOperations,
    KalshiMarketOperations,
    OrderOperations,
    OrderGroupOperations,
    KalshiAccountOperations,
    DeribitOperations,
    DeribitAccountOperations,
    DeribitOrderOperations,
    RateLimitOperations,
    RestLagOperations,
    FaultOperations,
    SubaccountOperations,
    HistoricalOperations,
    FcmOperations,
):
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
        add_fault_handlers(self.handlers, self.fault_rules, self.connections)
        self.handlers.add(SetRateLimitTier, self.rate_limiter.set_rate_limit_tier)
        self.handlers.add(SetRestLag, lambda lag: set_rest_lag(ledger, lag))

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

    @command()
    def reset(self) -> dict[str, Any]:
        """Forget every account, key, market and fill (and so the loaded scenario); Deribit's too (its default
        instruments and index prices are listed again)."""
        self.ledger.reset()
        self.keys.clear()
        self.reset_deribit()
        self.rate_limiter.reset()  # every user's buckets full again; the tier stays
        self.fault_rules.clear(ClearFaults())  # the mock as it started: no fault rules (open connections stay open)
        return {"ok": True}

    # -- the exchange clock -----------------------------------------------------------------------------------------

    def clock(self) -> dict[str, Any]:
        """The exchange time and whether the clock is manual (movable) or the system clock."""
        return clock_status(self.ledger.state.clock)

    @command()
    def advance_clock(self, seconds: float | None = None, to: str | None = None) -> dict[str, Any]:
        """Move exchange time forward by `seconds`, or `to` an ISO 8601 time (never backwards). A manual clock then
        stands there; the system clock runs on from there (an offset from the wall clock). Futures and options whose
        expiration the clock passes are delivered at once (`Expiry.expire_due`), and Kalshi's markets open,
        close and settle as their times pass (core/kalshi/lifecycle.py)."""
        clock = self.ledger.state.clock
        if not isinstance(clock, ManualClock | SystemClock):
            raise ControlError(f"the exchange clock ({type(clock).__name__}) cannot be moved", 409)
        if (seconds is None) == (to is None):
            raise ControlError("give `seconds` to advance by or `to` to set, not both")
        if seconds is not None:
            number = isinstance(seconds, int | float) and not isinstance(seconds, bool)
            if not number or not 0 <= seconds < MAX_ADVANCE_SECONDS:  # NaN and infinity fail the range too
                raise ControlError(
                    f"seconds must be a number from 0 to below {MAX_ADVANCE_SECONDS}, not {shown(seconds)}"
                )
            step = timedelta(seconds=seconds)
            if step >= LATEST_EXCHANGE_TIME - clock.now():  # compared so, no sum passes the calendar's end
                raise ControlError(f"exchange time stays before {LATEST_EXCHANGE_TIME.isoformat()}")
            clock.advance(delta=step)
        else:
            when = check_exchange_time(iso_time(to, "to"))
            if when < clock.now():
                raise ControlError(f"a clock does not run backwards: it is {clock.now().isoformat()}", 409)
            clock.set(when)
        self.book.expiry.expire_due()
        with self.ledger.state.lock:
            self.ledger.lifecycle.run_due_now()  # markets that open, close or settle on the way
        if self.ledger.state.on_schedule is not None:
            self.ledger.state.on_schedule()  # a system clock moved on: its timer wakes for the next due time
        return self.clock()


def clock_status(clock: Clock) -> dict[str, Any]:
    return {"exchange_time": clock.now().isoformat(), "clock": "manual" if isinstance(clock, ManualClock) else "system"}
