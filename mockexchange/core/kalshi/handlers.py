"""Every Kalshi command's handler in the core, by the command's type (core/commands.py's `Handlers`): the ledger's
operation that takes it."""

from __future__ import annotations

from mockexchange.core.commands import Handlers
from mockexchange.core.kalshi import order_handlers as orders
from mockexchange.core.kalshi.account_handlers import add_account_handlers
from mockexchange.core.kalshi.archive_commands import SetHistoricalCutoff
from mockexchange.core.kalshi.block_trade_commands import AcceptBlockTradeProposal, ProposeBlockTrade
from mockexchange.core.kalshi.fcm_commands import (
    CreateFCMPositionTransfer,
    CreateFCMSubtrader,
    SetFCMErrorAccount,
    UpdateFCMEventContractDailyCap,
    UpdateFCMSubtraderBlockedCategories,
)
from mockexchange.core.kalshi.fill_commands import SeedFill, SeedFills
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.live_data_handlers import add_live_data_handlers
from mockexchange.core.kalshi.market_handlers import add_market_handlers
from mockexchange.core.kalshi.multivariate_commands import (
    CreateMarketInCollection,
    LookupMarketInCollection,
    SetMultivariateCollection,
)
from mockexchange.core.kalshi.order_commands import (
    AmendOrder,
    CancelAllOrders,
    CancelOrder,
    CancelOrders,
    DecreaseOrder,
    PlaceOrder,
    PlaceOrders,
)
from mockexchange.core.kalshi.order_group_commands import (
    CreateOrderGroup,
    DeleteOrderGroup,
    ResetOrderGroup,
    TriggerOrderGroup,
    UpdateOrderGroupLimit,
)
from mockexchange.core.kalshi.price_commands import SetPriceValue
from mockexchange.core.kalshi.rfq_batch_commands import (
    AcceptRfqBatch,
    ConfirmBatchQuote,
    CreateBatchQuote,
    CreateRfqBatch,
    DeleteBatchQuote,
    DeleteRfqBatch,
)
from mockexchange.core.kalshi.rfq_commands import (
    AcceptQuote,
    ConfirmQuote,
    CreateQuote,
    CreateRfq,
    DeleteQuote,
    DeleteRfq,
)
from mockexchange.core.kalshi.rfq_maker_commands import RemoveRfqMaker, SetRfqMaker
from mockexchange.core.kalshi.seeded_order_commands import CancelRestingOrder, SeedOrder
from mockexchange.core.kalshi.subaccount_commands import (
    ApplyMarginSubaccountTransfer,
    ApplySubaccountTransfer,
    CompleteInstanceTransfer,
    CreateMarginSubaccount,
    CreateSubaccount,
    IntraExchangeInstanceTransfer,
    SetTargetBalanceAllocation,
    UpdateSubaccountNetting,
)


def set_cutoffs(ledger: Ledger, cutoff: SetHistoricalCutoff) -> int:
    """How many events' positions moved to or from the historical reads."""
    with ledger.reading():
        return ledger.state.archive.set_cutoffs(ledger.state, cutoff.changes())


def add_kalshi_handlers(handlers: Handlers, ledger: Ledger) -> None:
    add_market_handlers(handlers, ledger)
    add_account_handlers(handlers, ledger)
    add_live_data_handlers(handlers, ledger)
    handlers.add(SeedFill, ledger.filling.book_fill)
    handlers.add(SeedFills, lambda batch: ledger.filling.apply_fills(batch.fills))
    handlers.add(SetHistoricalCutoff, lambda cutoff: set_cutoffs(ledger, cutoff))
    handlers.add(PlaceOrder, ledger.trading.submit_order)
    handlers.add(PlaceOrders, lambda batch: orders.place_orders(ledger, batch))
    handlers.add(CancelOrder, lambda cancel: orders.cancel_order(ledger, cancel))
    handlers.add(SeedOrder, lambda seed: orders.seed_order(ledger, seed))
    handlers.add(CancelRestingOrder, lambda cancel: orders.cancel_resting_order(ledger, cancel))
    handlers.add(CancelOrders, lambda batch: orders.cancel_orders(ledger, batch))
    handlers.add(CancelAllOrders, lambda cancel: orders.cancel_all_orders(ledger, cancel))
    handlers.add(AmendOrder, lambda amend: orders.amend_order(ledger, amend))
    handlers.add(DecreaseOrder, lambda decrease: orders.decrease_order(ledger, decrease))
    handlers.add(CreateOrderGroup, ledger.groups.create_order_group)
    handlers.add(TriggerOrderGroup, ledger.groups.trigger_order_group)
    handlers.add(ResetOrderGroup, ledger.groups.reset_order_group)
    handlers.add(DeleteOrderGroup, ledger.groups.delete_order_group)
    handlers.add(UpdateOrderGroupLimit, ledger.groups.set_order_group_limit)
    # (an FCM member's desk: core/kalshi/fcm.py)
    handlers.add(CreateFCMSubtrader, ledger.fcm.create_subtrader)
    handlers.add(UpdateFCMEventContractDailyCap, ledger.fcm.set_cap)
    handlers.add(UpdateFCMSubtraderBlockedCategories, ledger.fcm.block_category)
    handlers.add(SetFCMErrorAccount, ledger.fcm.set_error_account)
    handlers.add(CreateFCMPositionTransfer, ledger.fcm.transfer_position)
    handlers.add(CreateSubaccount, lambda create: (create, ledger.subaccounts.create_subaccount(create)))
    handlers.add(ApplySubaccountTransfer, ledger.subaccounts.subaccount_transfer)
    handlers.add(CreateMarginSubaccount, ledger.subaccounts.create_margin_subaccount)
    handlers.add(ApplyMarginSubaccountTransfer, ledger.subaccounts.margin_subaccount_transfer)
    handlers.add(UpdateSubaccountNetting, ledger.subaccounts.set_subaccount_netting)
    handlers.add(IntraExchangeInstanceTransfer, ledger.subaccounts.instance_transfer)
    handlers.add(CompleteInstanceTransfer, ledger.subaccounts.complete_instance_transfer)
    handlers.add(SetTargetBalanceAllocation, ledger.subaccounts.set_target_balance_allocation)
    # (RFQs and quotes: core/kalshi/communications.py)
    handlers.add(CreateRfq, ledger.communications.create_rfq)
    handlers.add(DeleteRfq, ledger.communications.delete_rfq)
    handlers.add(CreateQuote, ledger.communications.create_quote)
    handlers.add(DeleteQuote, ledger.communications.delete_quote)
    handlers.add(AcceptQuote, ledger.communications.accept_quote)
    handlers.add(ConfirmQuote, ledger.communications.confirm_quote)
    handlers.add(ProposeBlockTrade, ledger.block_trades.propose)
    handlers.add(AcceptBlockTradeProposal, ledger.block_trades.accept)
    # (market makers that quote RFQs by a rule: core/kalshi/rfq_makers.py)
    handlers.add(SetRfqMaker, ledger.rfq_makers.set_rule)
    handlers.add(RemoveRfqMaker, ledger.rfq_makers.remove_rule)
    # (RFQ batches: core/kalshi/rfq_batches.py)
    handlers.add(CreateRfqBatch, ledger.rfq_batches.create_rfq_batch)
    handlers.add(DeleteRfqBatch, ledger.rfq_batches.delete_rfq_batch)
    handlers.add(CreateBatchQuote, ledger.rfq_batches.create_batch_quote)
    handlers.add(DeleteBatchQuote, ledger.rfq_batches.delete_batch_quote)
    handlers.add(AcceptRfqBatch, ledger.rfq_batches.accept_rfq_batch)
    handlers.add(ConfirmBatchQuote, ledger.rfq_batches.confirm_batch_quote)
    # (CF Benchmarks' and Pyth's values: core/kalshi/price_feeds.py)
    handlers.add(SetPriceValue, ledger.prices.set_value)
    # (multivariate collections and their combo markets: core/kalshi/multivariate.py)
    handlers.add(SetMultivariateCollection, ledger.multivariate.set_collection)
    handlers.add(CreateMarketInCollection, ledger.multivariate.create_market)
    handlers.add(LookupMarketInCollection, ledger.multivariate.lookup_market)
