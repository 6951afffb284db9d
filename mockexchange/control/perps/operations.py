"""The perps exchange's operations on the control plane, a line each: the method of a command declared once in
core/perps (`operation`: its plain values read into the command, run by `Control.run`, answered in plain values),
which `Control` binds as its own, so the admin API, the Python API (`MockServer`) and scenarios call each by its name;
and its reads."""

from __future__ import annotations

from mockexchange.control.commands import operation
from mockexchange.control.kalshi.order_groups import group_json
from mockexchange.control.perps import answers
from mockexchange.core.perps import account_commands, mark_path, market_commands, order_commands
from mockexchange.core.perps import exit_trigger_commands as exits
from mockexchange.core.perps import order_group_commands as groups
from mockexchange.core.perps import risk_limit_commands as limits


class PerpsOperations:
    # Markets and the exchange
    list_perp_market = operation(market_commands.ListPerpMarket, answers.market_json)
    set_perp_marks = operation(market_commands.SetPerpMarks, answers.market_json)
    set_perp_mark_path = operation(mark_path.SetPerpMarkPath, answers.market_json)
    update_perp_market = operation(market_commands.UpdatePerpMarket, answers.market_json)
    set_perp_corporate_action = operation(market_commands.SetPerpCorporateAction, answers.corporate_action_json)
    set_perps_exchange_status = operation(account_commands.SetPerpsExchangeStatus, answers.setting_json)
    set_perps_risk_parameters = operation(account_commands.SetPerpsRiskParameters, answers.setting_json)
    # An account's settings
    set_perps_enabled = operation(account_commands.SetPerpsEnabled, answers.setting_json)
    set_perps_fee_tier = operation(account_commands.SetPerpsFeeTier, answers.setting_json)
    set_perps_notional_limit = operation(limits.SetPerpsNotionalLimit, answers.setting_json)
    set_perps_member_notional_limit = operation(limits.SetPerpsMemberNotionalLimit, answers.setting_json)
    set_perps_im_cap = operation(limits.SetPerpsImCap, answers.setting_json)
    # Orders (a client's, placed for it: the other side of a bot's trade)
    place_perp_order = operation(order_commands.PlacePerpOrder, answers.order_json)
    cancel_perp_order = operation(order_commands.CancelPerpOrder, answers.order_json)
    cancel_perp_orders = operation(order_commands.CancelPerpOrders, answers.cancelled_json)
    decrease_perp_order = operation(order_commands.DecreasePerpOrder, answers.order_json)
    amend_perp_order = operation(order_commands.AmendPerpOrder, answers.order_json)
    # Order groups (the answer as Kalshi's groups': control/kalshi/order_groups.py)
    create_perp_order_group = operation(groups.CreatePerpOrderGroup, group_json)
    trigger_perp_order_group = operation(groups.TriggerPerpOrderGroup, group_json)
    reset_perp_order_group = operation(groups.ResetPerpOrderGroup, group_json)
    delete_perp_order_group = operation(groups.DeletePerpOrderGroup, group_json)
    set_perp_order_group_limit = operation(groups.UpdatePerpOrderGroupLimit, group_json)
    # Exit triggers (a client's, set for it)
    set_perp_exit_trigger = operation(exits.SetPerpExitTrigger, answers.exit_trigger_json)
    update_perp_exit_trigger = operation(exits.UpdatePerpExitTrigger, answers.exit_trigger_json)
    cancel_perp_exit_trigger = operation(exits.CancelPerpExitTrigger, answers.exit_trigger_json)
    cancel_perp_exit_triggers = operation(exits.CancelPerpExitTriggers, answers.exit_triggers_json)
    # Reads
    perps_account = answers.perps_account
    perps_liquidations = answers.perps_liquidations
