"""A scenario in memory: what a scenario file declares, after validation, ready for the runner.

A YAML file (`schema.load_file`), an inline document (`schema.load_document`) and the faker generator
(`generator.demo_scenario`) all produce a `Scenario`; `runner.ScenarioSession` applies any of them through `Control`.
Every operation keeps where it came from (`file:line: field path`) so a refusal at run time names its source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from mockexchange.core.commands import Command


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a part of a scenario was written: `source` is a file path, `<document>` or the generator."""

    source: str
    line: int | None
    path: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.path}" if self.path else where


@dataclass(frozen=True, slots=True)
class Op:
    """One thing to do: `kind` is a step kind, or a set-up kind of a venue's (`account` / `key` / `market` /
    `position`, scenario/kalshi/setup.py; Deribit's, scenario/deribit/setup.py's `SETUP_COMMANDS`) during set-up.

    A step other than a wait or a burst is a command of the core's (a venue's steps, grammar.py), held made, its
    `args` its fields' values, as are a file's account, key and usage level; a wait's `args` are its `seconds`, a
    burst's its parameters, and a set-up entry without a command's are the keyword arguments of its `Control`
    method (its venue names which)."""

    kind: str
    args: dict[str, Any]
    origin: Origin
    command: Command | None = None


@dataclass(slots=True)
class Scenario:
    source: str
    base_dir: Path  # relative key files are found from here
    name: str | None = None
    description: str | None = None
    profile: str | None = None  # a hint: `serve --scenario` and the pytest plugin use it unless told otherwise
    start: datetime | None = None  # exchange time when the scenario is loaded
    # accounts, then keys, series, events, markets, opening positions; then Deribit's
    setup: list[Op] = field(default_factory=list)
    steps: list[Op] = field(default_factory=list)

    @property
    def needs_manual_clock(self) -> bool:
        return self.start is not None or any(
            op.kind == "wait" or (op.kind == "burst" and op.args.get("interval")) for op in self.steps
        )

    def count(self, kind: str) -> int:
        return sum(op.kind == kind for op in self.setup)

    @property
    def timeline_operations(self) -> int:
        """The operations the timeline runs: one a step, but one a fill for a burst (a line can be 5,000 fills)."""
        return sum(op.args["fills"] if op.kind == "burst" else 1 for op in self.steps)
