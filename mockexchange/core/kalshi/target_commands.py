"""A structured target, declared once (core/commands.py): a real-world entity (a team, a player, a city) that Kalshi's
milestones and markets refer to, told to the exchange from outside. The admin API, the Python API, scenario steps and
set-up sections and the state file build it; the ledger's `structured_targets` part (structured_targets.py) keeps
it. Set again under its id, it is replaced whole; without an id, one is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from mockexchange.core.commands import Command, value
from mockexchange.core.kalshi.market_values import TITLE
from mockexchange.core.kalshi.milestone_commands import DETAILS, SOURCE_IDS
from mockexchange.core.values import TEXT

MAX_STRUCTURED_TARGETS = 10_000  # targets the mock keeps (a new one beyond is refused)


@dataclass(frozen=True, slots=True)
class SetStructuredTarget(Command):
    """The structured target `structured_target_id` (drawn if not given; set again: replaced whole): its `name`
    and `type` (basketball_player, soccer_team, ...), its `details` (free-form: a team's `league`, `conference`,
    `division`, a golfer's `tour`, a player's `leagues`, which the reads' `competition` filter matches) and its ids
    at its sources."""

    name: ClassVar[str] = "set_structured_target"
    target_name: str = value(TITLE, called="name")
    type: str = value(TEXT)
    structured_target_id: str | None = value(TEXT, None)
    details: dict[str, Any] | None = value(DETAILS, None)
    source_id: str | None = value(TEXT, None)
    source_ids: dict[str, str] | None = value(SOURCE_IDS, None)
