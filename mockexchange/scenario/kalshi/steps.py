"""Kalshi's scenario steps: each step kind of a timeline is a command of the core's (core/kalshi/), its fields the
command's own unless `SPECS` says otherwise, read as their kinds when the file is read (scenario/schema.py).

A counterparty order (`place_order`, as `POST /portfolio/events/orders` places one) crosses the book, every account's
resting orders and the house's levels included, its funds checked, then rests or ends: it is the other side of a bot's
trade, where the seeded `order` never takes and a `fill` books a trade without a book.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from mockexchange.core.commands import Command
from mockexchange.core.kalshi import fcm_commands as fcm
from mockexchange.core.kalshi import market_commands as market
from mockexchange.core.kalshi import order_commands
from mockexchange.core.kalshi import subaccount_commands as account
from mockexchange.core.kalshi.account_commands import SeedTransfer
from mockexchange.core.kalshi.announcement_commands import SetAnnouncement
from mockexchange.core.kalshi.archive_commands import SetHistoricalCutoff
from mockexchange.core.kalshi.fill_commands import SeedFill
from mockexchange.core.kalshi.incentive_commands import SetIncentiveProgram
from mockexchange.core.kalshi.milestone_commands import SetLiveData, SetMilestone
from mockexchange.core.kalshi.multivariate_commands import CreateMarketInCollection, SetMultivariateCollection
from mockexchange.core.kalshi.price_commands import SetPriceValue
from mockexchange.core.kalshi.rfq_maker_commands import RemoveRfqMaker, SetRfqMaker
from mockexchange.core.kalshi.seeded_order_commands import CancelRestingOrder, SeedOrder
from mockexchange.core.kalshi.target_commands import SetStructuredTarget
from mockexchange.core.kalshi.weather_commands import SetWeatherIndex
from mockexchange.scenario.scalars import command_specs


def structured_target(**fields: Any) -> SetStructuredTarget:
    """A structured target of its fields as a file names them: its `name` is the command's `target_name` (the
    command's own `name` is its kind's)."""
    return SetStructuredTarget(target_name=fields.pop("name"), **fields)


# A timeline's steps (docs/scenarios.md)
STEPS: dict[str, Callable[..., Command]] = {
    # Trades and cash seeded without a client, a market settled
    "fill": SeedFill,
    "settle": market.SettleMarket,
    "deposit": functools.partial(SeedTransfer, "deposit"),
    "withdrawal": functools.partial(SeedTransfer, "withdrawal"),
    "order": SeedOrder,
    "cancel_order": CancelRestingOrder,
    # A counterparty order, which trades as a client's
    "place_order": order_commands.PlaceOrder,
    # An account's details (core/kalshi/subaccount_commands.py)
    "subaccount": account.CreateSubaccount,
    "subaccount_transfer": account.ApplySubaccountTransfer,
    "subaccount_netting": account.UpdateSubaccountNetting,
    "intra_exchange_transfer": account.IntraExchangeInstanceTransfer,
    "complete_intra_exchange_transfer": account.CompleteInstanceTransfer,
    "target_balance_allocation": account.SetTargetBalanceAllocation,
    # The historical cutoff (core/kalshi/archive.py)
    "historical_cutoff": SetHistoricalCutoff,
    # An FCM member's desk (core/kalshi/fcm_commands.py)
    "fcm_subtrader": fcm.CreateFCMSubtrader,
    "fcm_daily_cap": fcm.UpdateFCMEventContractDailyCap,
    "fcm_blocked_category": fcm.UpdateFCMSubtraderBlockedCategories,
    "fcm_error_account": fcm.SetFCMErrorAccount,
    "fcm_position_transfer": fcm.CreateFCMPositionTransfer,
    # Markets: listed, changed, moved through their lifecycle; the house's book; the exchange's status and schedule
    "market": market.CreateMarket,
    "update_market": market.UpdateMarket,
    "pause_market": market.PauseMarket,
    "resume_market": market.ResumeMarket,
    "close_market": market.CloseMarket,
    "close_time": market.SetCloseTime,
    "determine": market.DetermineMarket,
    "book": market.SetBook,
    "fee_change": market.ScheduleFeeChange,
    "exchange_status": market.SetExchangeStatus,
    "exchange_schedule": market.SetExchangeSchedule,
    # Multivariate collections, and a combo market made in one as its user makes it (core/kalshi/multivariate.py)
    "multivariate_collection": SetMultivariateCollection,
    "combo_market": CreateMarketInCollection,
    # Market makers that quote RFQs by a rule (core/kalshi/rfq_maker_commands.py)
    "rfq_maker": SetRfqMaker,
    "remove_rfq_maker": RemoveRfqMaker,
    # CF Benchmarks' and Pyth's values, sent on the price channels (core/kalshi/price_commands.py)
    "price_value": SetPriceValue,
    # What the exchange is told from outside (core/kalshi/milestone_commands.py, target_commands.py,
    # incentive_commands.py, weather_commands.py, announcement_commands.py)
    "milestone": SetMilestone,
    "live_data": SetLiveData,
    "structured_target": structured_target,
    "incentive_program": SetIncentiveProgram,
    "weather_index": SetWeatherIndex,
    "announcement": SetAnnouncement,
}
# The steps whose fields are not all their command's
SPECS = {"deposit": command_specs(SeedTransfer, "kind"), "withdrawal": command_specs(SeedTransfer, "kind"),
         "structured_target": command_specs(SetStructuredTarget)}  # fmt: skip
