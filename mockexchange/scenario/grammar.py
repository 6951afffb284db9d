"""What a scenario file may hold beside its name and settings: each venue's set-up sections (its registration's
`setup`: scenario/kalshi/setup.py, scenario/deribit/setup.py) and the steps of its timeline.

A timeline's step kind is a command of the core's, its fields the command's own (or a
venue's `SPECS` for it), each read as its kind of value when the file is read and the command made there, so a value
it does not take is refused naming its line; what only the state can say (an unknown user or market, a price off the
market's levels, funds short) is refused when the step runs, naming its line too.

Each venue's steps are its registration's (scenario/kalshi/steps.py, scenario/deribit/steps.py); the mock's own are
here: a fault rule, clearing them, closing a user's websocket connections (docs/misbehaving.md), whose `venue` (and a
rule's channel) is checked against the venues registered when the file is read. `ScenarioGrammar.of` joins them in the
order the venues are registered, the mock's own first.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mockexchange.core import faults
from mockexchange.core.commands import Command
from mockexchange.core.connections import CloseWebsockets
from mockexchange.scenario.scalars import Field, Specs, command_specs, of_kind

RUNNERS = ("wait", "burst")  # the runner's own kinds, which are no command


def specs_of(kind: str, made: Callable[..., Command], given: Mapping[str, Specs]) -> Specs:
    """A step's fields: as `given` says, else its command's own (read, never changed: shared by every mock)."""
    if kind in given:
        return given[kind]
    if not isinstance(made, type):
        raise ValueError(f"the scenario step {kind!r} makes its command by a call: give its specs")
    return _own_specs(made)


@functools.cache  # a command's declaration is fixed: its specs are read once a process, not once a mock
def _own_specs(cls: type[Command]) -> Specs:
    return command_specs(cls)


def own_steps(venues: faults.FaultVenues) -> tuple[dict[str, Callable[..., Command]], dict[str, Specs]]:
    """The mock's own steps (a fault rule, clearing them, closing websockets), each `venue` one of `venues` and a
    rule's channel one of its venue's, refused when the file is read as the control plane would refuse it."""

    def fault(**fields: Any) -> faults.FaultSpec:
        spec = faults.FaultSpec(**fields)
        venues.check(spec)
        return spec

    venue = {"venue": Field(of_kind(venues.kind, "venue"))}
    commands: dict[str, Callable[..., Command]] = {
        "fault": fault,
        "clear_faults": faults.ClearFaults,
        "ws_close": CloseWebsockets,
    }
    specs = {"fault": command_specs(faults.FaultSpec) | venue, "ws_close": command_specs(CloseWebsockets) | venue}
    return commands, specs


@dataclass(frozen=True, slots=True)
class ScenarioGrammar:
    """Every step kind a timeline may take (what makes its command, and its fields' specs), every venue's set-up
    (control/registration.py's `ScenarioSetup`: the top-level sections it reads, and how), the control-plane
    operation of each set-up kind that is no command when read (`operations`) and how each set-up kind of key is made
    (`keys`: its `ScenarioKeys`)."""

    commands: Mapping[str, Callable[..., Command]]
    specs: Mapping[str, Specs]
    setups: tuple[Any, ...] = ()
    operations: Mapping[str, str] = field(default_factory=dict)
    keys: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, venues: Iterable[Any]) -> ScenarioGrammar:
        """The mock's own steps and each venue's (a registration's `steps`, `step_specs` and `setup`); a step kind, a
        section or a set-up kind two name is a ValueError."""
        venues = tuple(venues)
        setups = tuple(venue.setup for venue in venues if venue.setup is not None)
        sections = [name for setup in setups for name in setup.sections]
        kinds = [kind for setup in setups for kind in (*setup.operations, *setup.keys)]
        for named, what in ((sections, "scenario set-up section"), (kinds, "scenario set-up kind")):
            if twice := sorted({name for name in named if named.count(name) > 1}):
                raise ValueError(f"two venues name the {what} {', '.join(twice)}")
        operations = {kind: name for setup in setups for kind, name in setup.operations.items()}
        commands: dict[str, Callable[..., Command]] = {}
        specs: dict[str, Specs] = {}
        for table, own_specs in [own_steps(faults.FaultVenues.of(venues)), *((v.steps, v.step_specs) for v in venues)]:
            for kind, made in table.items():
                if kind in commands or kind in RUNNERS:
                    raise ValueError(f"two venues name the scenario step {kind!r}")
                commands[kind] = made
                specs[kind] = specs_of(kind, made, own_specs)
        keys = {kind: made for setup in setups for kind, made in setup.keys.items()}
        return cls(commands, specs, setups, operations, keys)

    def writes_keys(self, scenario: Any) -> bool:
        """Whether loading `scenario` (scenario/model.py's `Scenario`) into a key folder writes key files there (a
        generated Kalshi key's private PEM, a Deribit key's credentials without a fixed secret)."""
        return any(op.kind in self.keys and self.keys[op.kind].writes(op) for op in scenario.setup)

    @property
    def kinds(self) -> tuple[str, ...]:
        """Every kind a step may be, in alphabetical order (as a refusal lists them)."""
        return tuple(sorted((*self.commands, *RUNNERS)))
