"""The structured targets (target_commands.py): the ledger's `structured_targets` part, which keeps them
(`LedgerState.structured_targets`, a `TargetState`) in id order, the order the reads page them in. A target's
`last_updated` is the exchange time it was last set."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sortedcontainers import SortedList

from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.target_commands import MAX_STRUCTURED_TARGETS, SetStructuredTarget


@dataclass(frozen=True, slots=True)
class TargetRecord:
    """A structured target as set (its id drawn in, if it was not given), and when."""

    target: SetStructuredTarget
    last_updated: datetime

    @property
    def structured_target_id(self) -> str:
        found = self.target.structured_target_id
        assert found is not None  # (kept with its id)
        return found


@dataclass(eq=False)
class TargetState:
    records: dict[str, TargetRecord] = field(default_factory=dict)  # by id
    order: SortedList = field(default_factory=SortedList)  # every id, in order

    def clear(self) -> None:
        self.records.clear()
        self.order.clear()

    def listed(self, after: str | None = None) -> Iterator[TargetRecord]:
        """Every target in id order, from the one after `after` (None: the first)."""
        start = 0 if after is None else self.order.bisect_right(after)
        for target_id in self.order.islice(start):
            yield self.records[target_id]

    def named(self, ids: Iterable[str], after: str | None = None) -> Iterator[TargetRecord]:
        """The targets of `ids` that are kept, each once, in id order, from the one after `after`."""
        for target_id in sorted(set(ids)):
            if target_id in self.records and (after is None or target_id > after):
                yield self.records[target_id]


class StructuredTargets:
    """Structured targets set (`ledger.structured_targets`), under the ledger's lock."""

    def __init__(self, state: Any) -> None:
        self.state = state  # the ledger's (ledger_state.py's `LedgerState`, which holds this part's state)

    def set_target(self, command: SetStructuredTarget) -> TargetRecord:
        """Keep the target (replacing the one of its id); a new one must fit within `MAX_STRUCTURED_TARGETS`."""
        state = self.state
        with state.lock:
            kept = state.structured_targets
            target_id = command.structured_target_id
            if (target_id is None or target_id not in kept.records) and len(kept.records) >= MAX_STRUCTURED_TARGETS:
                raise LedgerError(f"the mock keeps at most {MAX_STRUCTURED_TARGETS} structured targets")
            target = dataclasses.replace(command, structured_target_id=target_id or state.new_id())
            record = TargetRecord(target, state.clock.now())
            if record.structured_target_id not in kept.records:
                kept.order.add(record.structured_target_id)
            kept.records[record.structured_target_id] = record
            return record
