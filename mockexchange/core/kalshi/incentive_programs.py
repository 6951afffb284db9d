"""The incentive programs (incentive_commands.py): the ledger's `incentive_programs` part, which keeps them
(`LedgerState.incentive_programs`, an `IncentiveState`) in the order the reads list them (by start, then id). A
program's status follows the exchange clock (`status`): `upcoming` before its start, `active` until its end, then
`paid_out` if it has paid, else `closed`."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sortedcontainers import SortedList

from mockexchange.core.clock import unix_us
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.incentive_commands import MAX_INCENTIVE_PROGRAMS, SetIncentiveProgram

STATUSES = ("upcoming", "active", "closed", "paid_out")
Key = tuple[int, str]  # (start in microseconds, id): the list's order


def status(program: SetIncentiveProgram, now: datetime) -> str:
    """The program's status at `now` (module docstring)."""
    if now < program.start_date:
        return "upcoming"
    if now < program.end_date:
        return "active"
    return "paid_out" if program.paid_out else "closed"


def key(program: SetIncentiveProgram) -> Key:
    assert program.incentive_program_id is not None  # (kept with its id)
    return unix_us(program.start_date), program.incentive_program_id


@dataclass(eq=False)
class IncentiveState:
    records: dict[str, SetIncentiveProgram] = field(default_factory=dict)  # each program as set (its id in), by id
    order: SortedList = field(default_factory=SortedList)  # every program's key, in order

    def clear(self) -> None:
        self.records.clear()
        self.order.clear()

    def listed(self, after: Key | None = None) -> Iterator[SetIncentiveProgram]:
        """Every program in order, from the one after `after` (None: the first)."""
        start = 0 if after is None else self.order.bisect_right(after)
        for _, program_id in self.order.islice(start):
            yield self.records[program_id]


class IncentivePrograms:
    """Incentive programs set (`ledger.incentive_programs`), under the ledger's lock."""

    def __init__(self, state: Any) -> None:
        self.state = state  # the ledger's (ledger_state.py's `LedgerState`, which holds this part's state)

    def set_program(self, command: SetIncentiveProgram) -> SetIncentiveProgram:
        """Keep the program (replacing the one of its id): its market must be listed (404), it may be paid out only
        once it has ended, and a new one must fit within `MAX_INCENTIVE_PROGRAMS`."""
        state = self.state
        with state.lock:
            state.market(command.market_ticker)
            if command.paid_out and command.end_date > state.clock.now():
                raise LedgerError("paid_out: a program is paid out only after its end_date")
            kept = state.incentive_programs
            old = kept.records.get(command.incentive_program_id or "")
            if old is None and len(kept.records) >= MAX_INCENTIVE_PROGRAMS:
                raise LedgerError(f"the mock keeps at most {MAX_INCENTIVE_PROGRAMS} incentive programs")
            program_id = command.incentive_program_id or state.new_id()
            program = dataclasses.replace(command, incentive_program_id=program_id)
            if old is not None:
                kept.order.remove(key(old))
            kept.records[program_id] = program
            kept.order.add(key(program))
            return program
