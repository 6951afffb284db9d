"""A scenario from what a tape saw (`mockexchange tape-to-scenario`, docs/replay.md): the account's last observed
state as a fixture.

Each venue's reader (its registration's `setup.from_tape`, given by the caller: scenario/kalshi/from_tape.py,
scenario/deribit/from_tape.py) says what it saw of the account: its part of the scenario (its last observed positions
and balance as set-up sections and opening steps), and what happened after, as dated steps. The scenario starts at the
last read of any venue; the dated steps of all of them follow in time order, with `wait`s between. Where reads of one
thing disagree, the last wins and a note says so; the notes also name what a scenario cannot carry. An amount that is
no number a scenario can carry is refused naming its record (tape_values.py). Imports the tape and the shape of a
venue's reader only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from mockexchange.control.registration import TapeReader
from mockexchange.recording.records import Tape
from mockexchange.scenario.tape_values import moment


@dataclass(slots=True)
class Converted:
    document: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # said on stderr: disagreements, what was left out


def scenario_from_tape(tape: Tape, readers: Sequence[TapeReader], user_id: str = "trader") -> Converted:
    """The scenario of the accounts a tape read (their last observed state, then what happened after), as each
    venue's reader (its registration's `setup.from_tape`, in the order registered) saw them."""
    notes: list[str] = []
    seen = [read(tape.records, user_id, notes) for read in readers]
    accounts = [one for one in seen if one.read]
    if not accounts:
        notes.append("the tape holds no positions or balance read: the account starts empty")
    at = max((one.at for one in seen), default="") or (tape.records[0].at if tape.records else "")
    document: dict[str, Any] = {
        "description": f"from a tape of {', '.join(sorted(tape.upstreams.values())) or 'a venue'}"
    }
    if at:
        document["settings"] = {"start": moment(at).isoformat().replace("+00:00", "Z")}
    steps: list[dict[str, Any]] = []
    for one in accounts or seen[:1]:  # (none read: the first venue's account, empty)
        sections, opening = one.opening()
        document.update(sections)
        steps += opening
    later = [step for one in seen for step in one.later(at)]
    when_last = at
    for when, step in sorted(later, key=lambda step: moment(step[0])):
        gap = (moment(when) - moment(when_last)).total_seconds() if when_last else 0
        if gap > 0:
            steps.append({"wait": round(gap, 6)})
        steps.append(step)
        when_last = when
    document["steps"] = steps
    return Converted(document, notes)


def dumps(document: Mapping[str, Any], as_json: bool = False) -> str:
    if as_json:
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(dict(document), sort_keys=False, allow_unicode=True, width=120)
