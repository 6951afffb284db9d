"""Deribit's scenario steps: each step kind of a timeline is a command of the core's (core/deribit/), its fields the
command's own unless `SPECS` says otherwise, read as their kinds when the file is read (scenario/schema.py).

A counterparty order (`deribit_place_order`, as `private/buy` and `private/sell` place one) crosses the book, every
account's resting orders included, its funds checked, then rests or ends: the other side of a bot's trade.
"""

from __future__ import annotations

from collections.abc import Callable

from mockexchange.core.commands import Command
from mockexchange.core.deribit import cash_commands, feed_commands, order_commands
from mockexchange.core.deribit import market_commands as deribit_market
from mockexchange.core.deribit.fill_commands import SeedDeribitFill
from mockexchange.scenario.scalars import command_specs

# A timeline's steps (docs/scenarios.md): seeded beside the book, counterparty orders, cash, prices, what the mock has
# no source for
STEPS: dict[str, Callable[..., Command]] = {
    "deribit_fill": SeedDeribitFill,
    "deribit_order": order_commands.SeedDeribitOrder,
    "deribit_cancel_order": order_commands.CancelDeribitOrder,
    "deribit_place_order": order_commands.PlaceDeribitOrder,
    "deribit_deposit": cash_commands.DeribitDeposit,
    "deribit_withdrawal": cash_commands.DeribitWithdrawal,
    "index_price": deribit_market.SetIndexPrice,
    "mark_price": deribit_market.SetMarkPrice,
    "volatility": deribit_market.SetVolatility,
    # What the mock has no source for: a path's points at times from the step's (`seconds`) or at given ones (`at`)
    "index_path": deribit_market.SetIndexPath,
    "deribit_funding_rate": feed_commands.SetDeribitFundingRate,
    "deribit_historical_volatility": feed_commands.SetDeribitHistoricalVolatility,
    "deribit_apr": feed_commands.SetDeribitApr,
    "deribit_platform_status": feed_commands.SetDeribitPlatformStatus,
    "deribit_announcement": feed_commands.AddDeribitAnnouncement,
}
SPECS = {
    # A withdrawal in a file is done at once (`state` and `nonce` are a client's, private/withdraw)
    "deribit_withdrawal": command_specs(cash_commands.DeribitWithdrawal, "state", "nonce"),
    # Given in a file, if only as null (unpinned)
    "mark_price": command_specs(deribit_market.SetMarkPrice, required=("price",)),
}
