"""The handlers of what Kalshi's exchange is told from outside (core/commands.py's `Handlers`): a milestone and its
live data, a structured target, an incentive program, a city's weather index, an announcement; each the ledger's part
that keeps it."""

from __future__ import annotations

from mockexchange.core.commands import Handlers
from mockexchange.core.kalshi.announcement_commands import SetAnnouncement
from mockexchange.core.kalshi.incentive_commands import SetIncentiveProgram
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.milestone_commands import SetLiveData, SetMilestone
from mockexchange.core.kalshi.target_commands import SetStructuredTarget
from mockexchange.core.kalshi.weather_commands import SetWeatherIndex


def add_live_data_handlers(handlers: Handlers, ledger: Ledger) -> None:
    handlers.add(SetMilestone, ledger.milestones.set_milestone)
    handlers.add(SetLiveData, ledger.milestones.set_live_data)
    handlers.add(SetStructuredTarget, ledger.structured_targets.set_target)
    handlers.add(SetIncentiveProgram, ledger.incentive_programs.set_program)
    handlers.add(SetWeatherIndex, ledger.weather.set_index)
    handlers.add(SetAnnouncement, ledger.announcements.set_announcement)
