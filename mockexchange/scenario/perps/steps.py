"""Kalshi perps' scenario steps: each step kind of a timeline is a command of the core's (core/perps/), its fields the
command's own, read as their kinds when the file is read (scenario/schema.py): a market listed, its marks set now or
along a path, its status changed, a corporate action notice, the exchange's risk parameters, and a client's order
(`perp_place_order`, placed as `POST /margin/orders` places one: the other side of a bot's trade), and an exit
trigger set for a user (`perp_exit_trigger`)."""

from __future__ import annotations

from collections.abc import Callable

from mockexchange.core.commands import Command
from mockexchange.core.perps import account_commands, exit_trigger_commands, mark_path, market_commands, order_commands

# A timeline's steps (docs/scenarios.md#kalshi-perps)
STEPS: dict[str, Callable[..., Command]] = {
    "perp_market": market_commands.ListPerpMarket,
    "perp_marks": market_commands.SetPerpMarks,
    # What the mock has no source for: the marks at times from the step's (`seconds`) or at given ones (`at`)
    "perp_mark_path": mark_path.SetPerpMarkPath,
    "perp_update_market": market_commands.UpdatePerpMarket,
    "perp_corporate_action": market_commands.SetPerpCorporateAction,
    "perp_risk_parameters": account_commands.SetPerpsRiskParameters,
    "perp_place_order": order_commands.PlacePerpOrder,
    "perp_cancel_order": order_commands.CancelPerpOrder,
    "perp_exit_trigger": exit_trigger_commands.SetPerpExitTrigger,  # a bot's, set for it (cross or isolated)
}
