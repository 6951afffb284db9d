"""What a scenario file's set-up says of Kalshi's markets: its `series:`, the fields its `events:` and `markets:`
entries take beside their tickers; and what the timeline's `book` step must hold whole.

Each is a command of the core's (core/kalshi/market_commands.py): its fields here are the command's own, each read by
its kind when the file is read, so a wrong value is named with its line before anything runs. Each is read as plain
YAML (strings, integers, booleans, lists, mappings; a number with a fraction is refused unquoted, as money is:
`floor_strike: "4.25"`); a ticker is its text as written. The set-up keeps the plain values, which the control plane's
methods read when it runs (the timeline's market steps are steps.py's, made into their commands when read).
"""

from __future__ import annotations

from mockexchange.core.kalshi.market_commands import CreateMarket, SetEvent, SetSeries
from mockexchange.scenario.scalars import Specs, command_specs

# The set-up's series, events (beside their markets and exchange index) and markets.
SETUP: dict[str, Specs] = {
    "series": command_specs(SetSeries, held=False),
    "event": command_specs(SetEvent, held=False),
    "market": command_specs(CreateMarket, held=False),
}
