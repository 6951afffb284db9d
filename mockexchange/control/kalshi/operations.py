"""Kalshi's operations on the control plane, a line each: the method of a command declared once in the core
(`operation`: its plain values read into the command, run by `Control.run`, answered in plain values), and its reads,
which `Control` binds as its own (the venue's registration names this table), so the admin API, the Python API
(`MockServer`) and scenarios call each by its name. What each answers
is its area's: accounts, fills, seeded orders, transfers and settlement (kalshi.py), markets (kalshi_markets.py),
orders (kalshi_orders.py), order groups (kalshi_order_groups.py), keys and usage levels (kalshi_account.py),
subaccounts (kalshi_subaccounts.py), the historical cutoff (kalshi_historical.py), the FCM desk (kalshi_fcm.py), RFQs
and quotes (communications.py), RFQ batches (rfq_batches.py), block trade proposals (block_trades.py), the rules of RFQ
makers (rfq_makers.py), the price feeds' values (prices.py), multivariate collections and their combo markets
(multivariate.py), what the exchange is told from outside (live_data.py).
"""

from __future__ import annotations

from functools import partialmethod
from typing import Any

from mockexchange.control.answers import every_field
from mockexchange.control.commands import as_is, batch_operation, operation
from mockexchange.control.kalshi import account as kalshi_account
from mockexchange.control.kalshi import (
    block_trades,
    communications,
    historical,
    live_data,
    multivariate,
    prices,
    rest_lag,
    rfq_batches,
    rfq_makers,
)
from mockexchange.control.kalshi import fcm as kalshi_fcm
from mockexchange.control.kalshi import markets as kalshi_markets
from mockexchange.control.kalshi import order_groups as kalshi_order_groups
from mockexchange.control.kalshi import orders as orders
from mockexchange.control.kalshi import seeded as kalshi
from mockexchange.control.kalshi import subaccounts as subaccounts
from mockexchange.core.kalshi import (
    account_commands,
    announcement_commands,
    archive_commands,
    block_trade_commands,
    fcm_commands,
    fill_commands,
    incentive_commands,
    key_commands,
    lag_commands,
    market_commands,
    milestone_commands,
    multivariate_commands,
    order_commands,
    order_group_commands,
    price_commands,
    rfq_batch_commands,
    rfq_commands,
    rfq_maker_commands,
    seeded_order_commands,
    subaccount_commands,
    target_commands,
    weather_commands,
)


class KalshiOperations:
    # Accounts, fills, seeded orders, deposits and withdrawals, settlement
    create_account = operation(account_commands.CreateAccount, kalshi.account_json)
    fill = operation(fill_commands.SeedFill, kalshi.fill_json)
    fills = operation(fill_commands.SeedFills, kalshi.fills_json)
    create_order = operation(seeded_order_commands.SeedOrder, kalshi.order_json)
    cancel_order = operation(seeded_order_commands.CancelRestingOrder, kalshi.cancelled_json)
    transfer = operation(account_commands.SeedTransfer, kalshi.transfer_json)
    deposit = partialmethod(transfer, "deposit")
    withdrawal = partialmethod(transfer, "withdrawal")
    settle = operation(market_commands.SettleMarket, kalshi.settled_json)
    # Keys and usage levels (a grant's answer reads the user's tier, which the run's rate-limit tier sets)
    create_key = operation(key_commands.CreateApiKey, kalshi_account.key_json)
    delete_key = operation(key_commands.DeleteApiKey, kalshi_account.deleted_json)
    grant_api_usage_level = operation(
        account_commands.GrantApiUsageLevel, lambda control, user_id: control.api_usage_level(user_id), reads=True
    )
    # Markets: series, events, markets, their lifecycle, the house's book, the exchange's status
    set_series = operation(market_commands.SetSeries, kalshi_markets.series_json)
    set_event = operation(market_commands.SetEvent, kalshi_markets.event_json)
    schedule_fee_change = operation(market_commands.ScheduleFeeChange, kalshi_markets.fee_change_json)
    create_market = operation(market_commands.CreateMarket, kalshi_markets.market_json)
    update_market = operation(market_commands.UpdateMarket, kalshi_markets.market_json)
    pause_market = operation(market_commands.PauseMarket, kalshi_markets.market_json)
    resume_market = operation(market_commands.ResumeMarket, kalshi_markets.market_json)
    close_market = operation(market_commands.CloseMarket, kalshi_markets.market_json)
    set_close_time = operation(market_commands.SetCloseTime, kalshi_markets.market_json)
    determine_market = operation(market_commands.DetermineMarket, kalshi_markets.market_json)
    set_book = operation(market_commands.SetBook, kalshi_markets.book_json)
    set_exchange_status = operation(market_commands.SetExchangeStatus, kalshi_markets.status_json)
    set_exchange_schedule = operation(market_commands.SetExchangeSchedule, kalshi_markets.schedule_set_json)
    # Orders, as a client places them
    place_order = operation(order_commands.PlaceOrder, orders.outcome_json)
    place_orders = batch_operation(order_commands.PlaceOrders, orders.batch_json)
    cancel_user_order = operation(order_commands.CancelOrder, orders.outcome_json)
    cancel_user_orders = batch_operation(order_commands.CancelOrders, orders.batch_json)
    cancel_all_orders = operation(order_commands.CancelAllOrders, orders.batch_json)
    amend_order = operation(order_commands.AmendOrder, orders.outcome_json)
    decrease_order = operation(order_commands.DecreaseOrder, orders.outcome_json)
    # Order groups
    create_order_group = operation(order_group_commands.CreateOrderGroup, kalshi_order_groups.group_json)
    trigger_order_group = operation(order_group_commands.TriggerOrderGroup, kalshi_order_groups.group_json)
    reset_order_group = operation(order_group_commands.ResetOrderGroup, kalshi_order_groups.group_json)
    delete_order_group = operation(order_group_commands.DeleteOrderGroup, kalshi_order_groups.group_json)
    set_order_group_limit = operation(order_group_commands.UpdateOrderGroupLimit, kalshi_order_groups.group_json)
    # An account's details: subaccounts, moves of cash inside it, its target allocation
    create_subaccount = operation(subaccount_commands.CreateSubaccount, subaccounts.subaccount_json)
    subaccount_transfer = operation(subaccount_commands.ApplySubaccountTransfer, subaccounts.subaccount_transfer_json)
    set_subaccount_netting = operation(subaccount_commands.UpdateSubaccountNetting, subaccounts.netting_json)
    # (the margined instance's subaccounts: the perps exchange's cash)
    create_margin_subaccount = operation(subaccount_commands.CreateMarginSubaccount, subaccounts.margin_subaccount_json)
    margin_subaccount_transfer = operation(
        subaccount_commands.ApplyMarginSubaccountTransfer, subaccounts.subaccount_transfer_json
    )
    intra_exchange_transfer = operation(
        subaccount_commands.IntraExchangeInstanceTransfer, subaccounts.instance_transfer_json
    )
    complete_intra_exchange_transfer = operation(
        subaccount_commands.CompleteInstanceTransfer, subaccounts.instance_transfer_json
    )
    set_target_balance_allocation = operation(
        subaccount_commands.SetTargetBalanceAllocation, subaccounts.allocation_json
    )
    # The historical cutoff (its answer is the cutoff as it reads after, and how many events' positions moved)
    set_historical_cutoff = operation(
        archive_commands.SetHistoricalCutoff,
        lambda control, moved: {**control.historical_cutoff(), "events_moved": moved},
        reads=True,
    )
    # An FCM member's desk
    create_fcm_subtrader = operation(fcm_commands.CreateFCMSubtrader, kalshi_fcm.subtrader_json)
    set_fcm_daily_cap = operation(fcm_commands.UpdateFCMEventContractDailyCap, kalshi_fcm.cap_json)
    set_fcm_blocked_category = operation(
        fcm_commands.UpdateFCMSubtraderBlockedCategories, lambda found: {"categories": found}
    )
    set_fcm_error_account = operation(fcm_commands.SetFCMErrorAccount, kalshi_fcm.error_account_json)
    fcm_position_transfer = operation(fcm_commands.CreateFCMPositionTransfer, kalshi_fcm.transfer_json)
    # RFQs and quotes
    create_rfq = operation(rfq_commands.CreateRfq, communications.rfq_json)
    delete_rfq = operation(rfq_commands.DeleteRfq, communications.rfq_json)
    create_quote = operation(rfq_commands.CreateQuote, communications.quote_json)
    delete_quote = operation(rfq_commands.DeleteQuote, communications.quote_json)
    accept_quote = operation(rfq_commands.AcceptQuote, communications.quote_json)
    confirm_quote = operation(rfq_commands.ConfirmQuote, communications.quote_json)
    # Block trade proposals: proposed by one side, accepted by the other (executed then)
    propose_block_trade = operation(block_trade_commands.ProposeBlockTrade, block_trades.proposal_json)
    accept_block_trade_proposal = operation(block_trade_commands.AcceptBlockTradeProposal, block_trades.proposal_json)
    # Market makers that quote RFQs by a rule (control/kalshi/rfq_makers.py)
    set_rfq_maker = operation(rfq_maker_commands.SetRfqMaker, rfq_makers.rule_json)
    remove_rfq_maker = operation(rfq_maker_commands.RemoveRfqMaker, rfq_makers.rule_json)
    # RFQ batches
    create_rfq_batch = operation(rfq_batch_commands.CreateRfqBatch, rfq_batches.answer_batch, reads=True)
    delete_rfq_batch = operation(rfq_batch_commands.DeleteRfqBatch, rfq_batches.answer_batch, reads=True)
    create_batch_quote = operation(rfq_batch_commands.CreateBatchQuote, rfq_batches.batch_quote_json)
    delete_batch_quote = operation(rfq_batch_commands.DeleteBatchQuote, rfq_batches.batch_quote_json)
    accept_rfq_batch = operation(rfq_batch_commands.AcceptRfqBatch, rfq_batches.quotes_json)
    confirm_batch_quote = operation(rfq_batch_commands.ConfirmBatchQuote, rfq_batches.batch_quote_json)
    # CF Benchmarks' and Pyth's values, sent on the price channels as they are set
    set_price_value = operation(price_commands.SetPriceValue, prices.tick_json)
    # Multivariate event collections, and a combo market made in one as a user makes it
    set_multivariate_collection = operation(
        multivariate_commands.SetMultivariateCollection, multivariate.collection_json
    )
    create_market_in_collection = operation(multivariate_commands.CreateMarketInCollection, multivariate.combo_json)
    lookup_market_in_collection = operation(multivariate_commands.LookupMarketInCollection, multivariate.combo_json)
    # What the exchange is told from outside: milestones and their live data, structured targets, incentive
    # programs, a city's weather index, the exchange's announcements (control/kalshi/live_data.py)
    set_milestone = operation(milestone_commands.SetMilestone, live_data.milestone_json)
    set_live_data = operation(milestone_commands.SetLiveData, every_field)
    set_structured_target = operation(target_commands.SetStructuredTarget, live_data.target_json)
    set_incentive_program = operation(incentive_commands.SetIncentiveProgram, every_field)
    set_weather_index = operation(weather_commands.SetWeatherIndex, as_is)
    set_announcement = operation(announcement_commands.SetAnnouncement, live_data.announcement_json)
    # The REST lag of Kalshi's portfolio reads (its handler answers what `rest_lag` reads then)
    set_rest_lag = operation(lag_commands.SetRestLag, as_is)

    # -- reads ---------------------------------------------------------------------------------------------------------

    def rest_lag(control: Any) -> dict[str, Any]:
        """The REST lag in ms, and the exchange time Kalshi's lagged REST reads answer as of now (null: no lag)."""
        return rest_lag.rest_lag(control.ledger)

    def rfq_makers(control: Any) -> dict[str, Any]:
        """The rules RFQ makers quote by, in the order first set."""
        return rfq_makers.rules_json(control.ledger)

    def exchange_status(control: Any) -> dict[str, Any]:
        """Whether Kalshi's exchange is active and trades now (`GET /exchange/status`'s figures)."""
        return kalshi_markets.exchange_status(control.ledger)

    def historical_cutoff(control: Any) -> dict[str, Any]:
        """Kalshi's four historical cutoffs (ISO 8601), and the events whose positions are archived."""
        return historical.historical_cutoff(control.ledger)

    def block_trade_proposals(control: Any, user_id: str) -> dict[str, Any]:
        """The block trade proposals the user is a party to, newest first."""
        return block_trades.proposals_json(control.ledger, user_id)

    def api_usage_level(control: Any, user_id: str) -> dict[str, Any]:
        """The user's Kalshi Predictions tier (as GET /account/limits reports it) and live grants."""
        return kalshi_account.api_usage_level(control.ledger, control.rate_limiter.tier, user_id)

    def rfqs(
        control: Any,
        status: str | None = None,
        market_ticker: str | None = None,
        event_ticker: str | None = None,
        user_id: str | None = None,
        subaccount: int | None = None,
    ) -> dict[str, Any]:
        """The RFQs that match every filter given, newest first (every user may read every RFQ)."""
        return communications.rfqs(control.ledger, status, market_ticker, event_ticker, user_id, subaccount)

    def quotes(
        control: Any,
        user_id: str,
        rfq_id: str | None = None,
        status: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
    ) -> dict[str, Any]:
        """The quotes the user made or was offered that match every filter given (`min_ts`, `max_ts`: Unix seconds
        its last update is within), newest first."""
        return communications.quotes(control.ledger, user_id, rfq_id, status, min_ts, max_ts)

    def communications_id(control: Any, user_id: str) -> dict[str, Any]:
        """The user's communications id (Kalshi's GET /communications/id), drawn at its first need."""
        return communications.communications_id(control.ledger, user_id)

    def rfq_batches(control: Any, status: str | None = None, user_id: str | None = None) -> dict[str, Any]:
        """The RFQ batches that match every filter given, with their children, most recently updated first."""
        return rfq_batches.rfq_batches(control.ledger, status, user_id)

    def rfq_batch_best_quotes(control: Any, rfq_batch_id: str) -> dict[str, Any]:
        """The batch's best bids across makers as its creator is shown them (none once it is not open)."""
        return rfq_batches.best_quotes(control.ledger, rfq_batch_id)

    def batch_quotes(control: Any, rfq_batch_id: str, user_id: str) -> dict[str, Any]:
        """The batch quotes on the batch the user may read: its own, and as the batch's creator once it is accepted,
        the winners' (each with the children it won)."""
        return rfq_batches.batch_quotes(control.ledger, rfq_batch_id, user_id)
