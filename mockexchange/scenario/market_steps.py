"""What a scenario file says of Kalshi's markets: its `series:` set-up, the fields its `events:` and `markets:` entries
take beside their tickers, and the timeline's steps that move markets (their lifecycle, the house's book, the
exchange's status).

Each is a command of the core's (core/kalshi/market_commands.py): its fields here are the command's own, each read by
its kind when the file is read, so a wrong value is named with its line before anything runs. Each is read as plain
YAML (strings, integers, booleans, lists, mappings; a number with a fraction is refused unquoted, as money is:
`floor_strike: "4.25"`); a ticker is its text as written. The timeline's steps are made into their commands then
(`COMMANDS`); the set-up keeps the plain values, which the control plane's methods read when it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mockexchange.control import ControlError
from mockexchange.core.commands import Command
from mockexchange.core.kalshi.market_commands import (
    CloseMarket,
    CreateMarket,
    DetermineMarket,
    PauseMarket,
    ResumeMarket,
    SetBook,
    SetCloseTime,
    SetEvent,
    SetExchangeStatus,
    SetSeries,
    UpdateMarket,
)
from mockexchange.scenario.scalars import Specs, command_specs

# The set-up's series, events (beside their markets and exchange index) and markets.
SETUP: dict[str, Specs] = {
    "series": command_specs(SetSeries, held=False),
    "event": command_specs(SetEvent, held=False),
    "market": command_specs(CreateMarket, held=False),
}
# The timeline's steps, each a command of the core's, made when the file is read and run as it is
COMMANDS: dict[str, type[Command]] = {
    "market": CreateMarket,
    "update_market": UpdateMarket,
    "pause_market": PauseMarket,
    "resume_market": ResumeMarket,
    "close_market": CloseMarket,
    "close_time": SetCloseTime,
    "determine": DetermineMarket,
    "book": SetBook,
    "exchange_status": SetExchangeStatus,
}
STEPS: dict[str, Specs] = {kind: command_specs(cls) for kind, cls in COMMANDS.items()}


def _book(yes: Any = None, no: Any = None, **_: Any) -> None:
    if yes is None and no is None:
        raise ControlError("give yes, no or both")


# What the whole of a step must hold beside its fields, checked when the file is read (a ControlError says why).
WHOLE_CHECKS: Mapping[str, Callable[..., Any]] = {"book": _book}
