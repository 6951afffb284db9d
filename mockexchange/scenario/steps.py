"""A scenario's timeline: each step kind is a command of the core's (`COMMANDS`, in the order the schema names them),
its fields the command's own (`SPECS`), each read as its kind of value when the file is read and the command made
there, so a value it does not take is refused naming its line; what only the state can say (an unknown user or market,
a price off the market's levels, funds short) is refused when the step runs, naming its line too.

A counterparty order (`place_order`, as `POST /portfolio/events/orders` places one; `deribit_place_order`, as
`private/buy` and `private/sell` do) crosses the book, every account's resting orders and the house's levels included,
its funds checked, then rests or ends: it is the other side of a bot's trade, where Kalshi's seeded `order` never takes
and a `fill` books a trade without a book.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from mockexchange.core import faults
from mockexchange.core.commands import Command
from mockexchange.core.connections import CloseWebsockets
from mockexchange.core.deribit import cash_commands
from mockexchange.core.deribit import market_commands as deribit_market
from mockexchange.core.deribit.fill_commands import SeedDeribitFill
from mockexchange.core.deribit.order_commands import CancelDeribitOrder, PlaceDeribitOrder, SeedDeribitOrder
from mockexchange.core.kalshi import fcm_commands as fcm
from mockexchange.core.kalshi import market_commands as market
from mockexchange.core.kalshi import subaccount_commands as account
from mockexchange.core.kalshi.account_commands import SeedTransfer
from mockexchange.core.kalshi.archive_commands import SetHistoricalCutoff
from mockexchange.core.kalshi.fill_commands import SeedFill
from mockexchange.core.kalshi.order_commands import PlaceOrder
from mockexchange.core.kalshi.seeded_order_commands import CancelRestingOrder, SeedOrder
from mockexchange.scenario.scalars import Specs, command_specs

COMMANDS: dict[str, Callable[..., Command]] = {
    # Kalshi's trades and cash seeded without a client, a market settled
    "fill": SeedFill,
    "settle": market.SettleMarket,
    "deposit": functools.partial(SeedTransfer, "deposit"),
    "withdrawal": functools.partial(SeedTransfer, "withdrawal"),
    "order": SeedOrder,
    "cancel_order": CancelRestingOrder,
    # Deribit's, beside its book (core/deribit/)
    "deribit_fill": SeedDeribitFill,
    "deribit_order": SeedDeribitOrder,
    "deribit_cancel_order": CancelDeribitOrder,
    # Counterparty orders, which trade as a client's
    "place_order": PlaceOrder,
    "deribit_place_order": PlaceDeribitOrder,
    "deribit_deposit": cash_commands.DeribitDeposit,
    "deribit_withdrawal": cash_commands.DeribitWithdrawal,
    "index_price": deribit_market.SetIndexPrice,
    "mark_price": deribit_market.SetMarkPrice,
    "volatility": deribit_market.SetVolatility,
    # Faults (docs/misbehaving.md): a fault rule, clearing them, closing a user's websocket connections
    "fault": faults.FaultSpec,
    "clear_faults": faults.ClearFaults,
    "ws_close": CloseWebsockets,
    # An account's insides (core/kalshi/subaccount_commands.py)
    "subaccount": account.CreateSubaccount,
    "subaccount_transfer": account.ApplySubaccountTransfer,
    "subaccount_netting": account.UpdateSubaccountNetting,
    "intra_exchange_transfer": account.IntraExchangeInstanceTransfer,
    "complete_intra_exchange_transfer": account.CompleteInstanceTransfer,
    "target_balance_allocation": account.SetTargetBalanceAllocation,
    # Kalshi's historical cutoff (core/kalshi/archive.py)
    "historical_cutoff": SetHistoricalCutoff,
    # An FCM member's desk (core/kalshi/fcm_commands.py)
    "fcm_subtrader": fcm.CreateFCMSubtrader,
    "fcm_daily_cap": fcm.UpdateFCMEventContractDailyCap,
    "fcm_blocked_category": fcm.UpdateFCMSubtraderBlockedCategories,
    "fcm_error_account": fcm.SetFCMErrorAccount,
    "fcm_position_transfer": fcm.CreateFCMPositionTransfer,
    # Kalshi's markets: listed, changed, moved through their lifecycle; the house's book; the exchange's status
    "market": market.CreateMarket,
    "update_market": market.UpdateMarket,
    "pause_market": market.PauseMarket,
    "resume_market": market.ResumeMarket,
    "close_market": market.CloseMarket,
    "close_time": market.SetCloseTime,
    "determine": market.DetermineMarket,
    "book": market.SetBook,
    "exchange_status": market.SetExchangeStatus,
}
# The steps whose fields are not all their command's, or whose optional field a file must give
_OWN_SPECS: dict[str, Specs] = {
    "deposit": command_specs(SeedTransfer, "kind"),
    "withdrawal": command_specs(SeedTransfer, "kind"),
    # A withdrawal in a file is done at once (`state` and `nonce` are a client's, private/withdraw)
    "deribit_withdrawal": command_specs(cash_commands.DeribitWithdrawal, "state", "nonce"),
    # Given in a file, if only as null (unpinned)
    "mark_price": command_specs(deribit_market.SetMarkPrice, required=("price",)),
}
SPECS: dict[str, Specs] = {
    kind: _OWN_SPECS[kind] if kind in _OWN_SPECS or not isinstance(made, type) else command_specs(made)
    for kind, made in COMMANDS.items()
}
