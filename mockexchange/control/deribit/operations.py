"""Deribit's operations on the control plane, a line each: the method of a command declared once in core/deribit/
(`operation`: its plain values read into the command, run by `Control.run`, answered in plain values), which `Control`
takes as its own, so the admin API, the Python API (`MockServer`) and scenarios call it by its name. What each answers
is its area's: accounts, credentials, fills, cash and prices (deribit.py), subaccounts and transfers
(deribit_account.py), orders (deribit_orders.py), what the mock has no source for (feeds.py).
"""

from __future__ import annotations

from typing import Any

from mockexchange.control.answers import every_field
from mockexchange.control.commands import operation
from mockexchange.control.deribit import account as deribit_account
from mockexchange.control.deribit import feeds
from mockexchange.control.deribit import orders as deribit_orders
from mockexchange.control.deribit import seeded as deribit
from mockexchange.core import mock_commands
from mockexchange.core.deribit import (
    account_commands,
    cash_commands,
    coinbase_commands,
    feed_commands,
    fill_commands,
    key_commands,
    market_commands,
    mmp,
    order_commands,
    position_moves,
    quotes,
)


class DeribitOperations:
    reset_deribit = operation(mock_commands.ResetDeribit, lambda _: None)
    # Accounts, subaccounts, credentials
    create_deribit_account = operation(account_commands.CreateDeribitAccount, deribit.wallet_json)
    create_deribit_subaccount = operation(account_commands.CreateDeribitSubaccount, deribit.wallet_json)
    rename_deribit_subaccount = operation(account_commands.RenameDeribitSubaccount, deribit_account.renamed_json)
    set_deribit_subaccount_login = operation(account_commands.SetDeribitSubaccountLogin, deribit_account.login_json)
    set_deribit_interuser_transfers = operation(
        account_commands.SetDeribitInteruserTransfers, deribit_account.interuser_json
    )
    set_deribit_cancel_on_disconnect = operation(
        account_commands.SetDeribitCancelOnDisconnect, deribit_account.cancel_on_disconnect_json
    )
    create_deribit_key = operation(key_commands.CreateDeribitKey, deribit.credential_json)
    edit_deribit_key = operation(key_commands.EditDeribitKey, deribit.key_json)
    remove_deribit_key = operation(key_commands.RemoveDeribitKey, deribit.key_json)
    reset_deribit_key = operation(key_commands.ResetDeribitKey, deribit.reset_key_json)
    set_deribit_default_key = operation(key_commands.SetDeribitDefaultKey, deribit.key_json)
    # Fills and cash: deposits, withdrawals, transfers, deposit addresses
    deribit_fill = operation(fill_commands.SeedDeribitFill, deribit.trade_json)
    move_deribit_positions = operation(position_moves.MoveDeribitPositions, deribit.moves_json)
    deribit_deposit = operation(cash_commands.DeribitDeposit, deribit.deposit_json)
    deribit_withdraw = operation(cash_commands.DeribitWithdrawal, deribit.withdrawal_json)
    deribit_transfer = operation(cash_commands.DeribitTransfer, deribit.transfer_json)
    deribit_transfer_to_user = operation(cash_commands.DeribitTransferToUser, deribit.transfer_json)
    deribit_cancel_transfer = operation(cash_commands.CancelDeribitTransfer, lambda _: None)  # (always refused)
    deribit_cancel_withdrawal = operation(
        cash_commands.CancelDeribitWithdrawal, deribit_account.cancelled_withdrawal_json
    )
    create_deribit_deposit_address = operation(
        cash_commands.CreateDeribitDepositAddress, deribit_account.deposit_address_json
    )
    # Instruments and prices
    list_instrument = operation(market_commands.ListInstrument, deribit.instrument_json)
    set_index_price = operation(market_commands.SetIndexPrice, deribit.index_price_json)
    set_index_path = operation(market_commands.SetIndexPath, feeds.index_path_json)
    set_mark_price = operation(market_commands.SetMarkPrice, deribit.mark_price_json)
    set_settlement_price = operation(market_commands.SetSettlementPrice, deribit.settlement_price_json)
    set_volatility = operation(market_commands.SetVolatility, deribit.volatility_json)
    # What the mock has no source for: funding, historical volatility, APR, the platform's status and announcements
    set_deribit_funding_rate = operation(feed_commands.SetDeribitFundingRate, feeds.funding_json)
    set_deribit_historical_volatility = operation(
        feed_commands.SetDeribitHistoricalVolatility, feeds.historical_volatility_json
    )
    set_deribit_apr = operation(feed_commands.SetDeribitApr, feeds.apr_json)
    set_deribit_platform_status = operation(feed_commands.SetDeribitPlatformStatus, feeds.status_json)
    add_deribit_announcement = operation(feed_commands.AddDeribitAnnouncement, feeds.announcement_json)
    # The Coinbase dialect's credentials (docs/coinbase.md): a CDP key, an OAuth2 token
    create_coinbase_key = operation(coinbase_commands.CreateCoinbaseKey, dict)
    issue_coinbase_oauth_token = operation(coinbase_commands.IssueCoinbaseOAuthToken, dict)
    # Orders
    # (each order answered with its instrument's contract size: `reads`)
    deribit_order = operation(order_commands.SeedDeribitOrder, deribit_orders.seeded_json, reads=True)
    deribit_place_order = operation(order_commands.PlaceDeribitOrder, deribit_orders.placed_json, reads=True)
    deribit_edit_order = operation(order_commands.EditDeribitOrder, deribit_orders.placed_json, reads=True)
    deribit_cancel_order = operation(order_commands.CancelDeribitOrder, deribit_orders.order_json, reads=True)
    deribit_cancel_orders = operation(order_commands.CancelDeribitOrders, deribit_orders.orders_json, reads=True)
    # Market maker protection and mass quotes (core/deribit/mmp.py, quotes.py)
    set_deribit_mmp_config = operation(mmp.SetDeribitMmpConfig, deribit_orders.mmp_configs_json)
    reset_deribit_mmp = operation(mmp.ResetDeribitMmp, every_field)
    deribit_mass_quote = operation(quotes.PlaceDeribitQuotes, deribit_orders.quoted_json, reads=True)

    def list_deribit_keys(control: Any) -> dict[str, Any]:
        """Every Deribit API key (no secret): the admin API's and those a client made (private/create_api_key)."""
        return deribit.keys_json(control.deribit_keys)
