"""The perps exchange's handlers, one per typed command (core/commands.py's dispatch by type): its part's method."""

from __future__ import annotations

from mockexchange.core.commands import Handlers
from mockexchange.core.perps import account_commands, mark_path, market_commands, order_commands
from mockexchange.core.perps import exit_trigger_commands as exits
from mockexchange.core.perps import order_group_commands as groups
from mockexchange.core.perps import risk_limit_commands as limits
from mockexchange.core.perps.exchange import PerpsExchange


def add_perps_handlers(handlers: Handlers, exchange: PerpsExchange) -> None:
    # (each reaches its part when it runs: the parts are made again when the cash is shared)
    listing = exchange.listing
    add = handlers.add
    add(market_commands.ListPerpMarket, exchange.list_market)
    add(market_commands.SetPerpMarks, exchange.set_marks)
    add(mark_path.SetPerpMarkPath, exchange.set_mark_path)
    add(market_commands.UpdatePerpMarket, exchange.update_market)
    add(market_commands.SetPerpCorporateAction, exchange.corporate_actions.set)
    add(account_commands.SetPerpsExchangeStatus, listing.set_exchange_status)
    add(account_commands.SetPerpsEnabled, listing.set_enabled)
    add(account_commands.SetPerpsFeeTier, listing.set_fee_tier)
    add(account_commands.SetPerpsRiskParameters, listing.set_risk_parameters)
    add(order_commands.PlacePerpOrder, lambda placed: exchange.trading.place(placed))
    add(order_commands.CancelPerpOrder, lambda cancel: exchange.trading.cancel(cancel))
    add(order_commands.CancelPerpOrders, lambda cancel: exchange.trading.cancel_all(cancel))
    add(order_commands.DecreasePerpOrder, lambda decrease: exchange.trading.decrease(decrease))
    add(order_commands.AmendPerpOrder, lambda amend: exchange.trading.amend(amend))
    add(groups.CreatePerpOrderGroup, lambda create: exchange.trading.groups.create(create))
    add(groups.TriggerPerpOrderGroup, lambda on: exchange.trading.groups.trigger(on))
    add(groups.ResetPerpOrderGroup, lambda on: exchange.trading.groups.reset(on))
    add(groups.DeletePerpOrderGroup, lambda on: exchange.trading.groups.delete(on))
    add(groups.UpdatePerpOrderGroupLimit, lambda update: exchange.trading.groups.set_limit(update))
    add(limits.SetPerpsNotionalLimit, lambda set_: exchange.trading.limits.set_notional_limit(set_))
    add(limits.SetPerpsMemberNotionalLimit, lambda set_: exchange.trading.limits.set_member_limit(set_))
    add(limits.SetPerpsImCap, lambda set_: exchange.trading.limits.set_im_cap(set_))
    add(exits.SetPerpExitTrigger, lambda set_: exchange.exit_triggers.set(set_))
    add(exits.UpdatePerpExitTrigger, lambda update: exchange.exit_triggers.update(update))
    add(exits.CancelPerpExitTrigger, lambda cancel: exchange.exit_triggers.cancel(cancel))
    add(exits.CancelPerpExitTriggers, lambda cancel: exchange.exit_triggers.cancel_all(cancel))
