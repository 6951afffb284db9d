"""Kalshi's registration: its state (the ledger, the key registry, the generated-responses mode), its commands'
handlers, its control-plane operations and their admin paths, its scenario steps, how it serves (REST under
/trade-api/v2 and the websocket), its rate-limit budgets, the inspector's panel of it, its section of `serve`'s
banner and how the proxy forwards to it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import timedelta
from typing import Any

from mockexchange.admin.kalshi.banner import BANNER
from mockexchange.admin.kalshi.panel import KalshiPanel
from mockexchange.auth.kalshi.keys import KeyRegistry
from mockexchange.auth.kalshi.replays import SeenSignatures
from mockexchange.auth.kalshi.signature import TimestampWindow, pss_salt_rule
from mockexchange.control.kalshi import due_timer, keys, rest_lag
from mockexchange.control.kalshi.operations import KalshiOperations
from mockexchange.control.registration import Kit, MockParts, Proxied, ScenarioSetup, Venue, VenueServed
from mockexchange.control.venue_commands import VenueCommands
from mockexchange.core.clock import SystemClock
from mockexchange.core.commands import Handlers
from mockexchange.core.kalshi import (
    account_commands,
    block_trade_commands,
    fcm_commands,
    key_commands,
    multivariate_commands,
    order_commands,
    order_group_commands,
    rfq_batch_commands,
    rfq_commands,
    subaccount_commands,
)
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.handlers import add_kalshi_handlers
from mockexchange.core.kalshi.lag_commands import SetRestLag
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.rate_budgets import kalshi_budgets
from mockexchange.core.stepping import MustStep
from mockexchange.journal.journal import Journal
from mockexchange.scenario.kalshi import from_tape, setup, steps
from mockexchange.scenario.kalshi import keys as scenario_keys
from mockexchange.scenario.kalshi.demo_keys import demo_keys
from mockexchange.state import kalshi as kalshi_snapshot
from mockexchange.venues.kalshi import profiles, table
from mockexchange.venues.kalshi import proxied as kalshi_proxied
from mockexchange.venues.kalshi import routes as kalshi_routes
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.faults import status_error
from mockexchange.venues.kalshi.generated_mode import GeneratedResponses
from mockexchange.venues.kalshi.journaling import KEY_HEADER, command_note, kalshi_rules
from mockexchange.venues.kalshi.subscriptions import FAULT_CHANNELS
from mockexchange.venues.kalshi.websocket import WS_PATH

NAME = "kalshi"
# What a Kalshi client may change through the venue: its orders and order groups, its subaccounts and the moves of
# cash inside its account, its API keys and usage level, an FCM member's desk, its RFQs and quotes, its block trade
# proposals, its combo markets.
COMMANDS = frozenset({
    order_commands.PlaceOrder, order_commands.PlaceOrders, order_commands.CancelOrder, order_commands.CancelOrders,
    order_commands.CancelAllOrders, order_commands.AmendOrder, order_commands.DecreaseOrder,
    order_group_commands.CreateOrderGroup, order_group_commands.TriggerOrderGroup,
    order_group_commands.ResetOrderGroup, order_group_commands.DeleteOrderGroup,
    order_group_commands.UpdateOrderGroupLimit,
    subaccount_commands.CreateSubaccount, subaccount_commands.ApplySubaccountTransfer,
    subaccount_commands.UpdateSubaccountNetting, subaccount_commands.IntraExchangeInstanceTransfer,
    subaccount_commands.SetTargetBalanceAllocation,
    # (the margined instance's subaccounts, which the perps venue's routes make and fund)
    subaccount_commands.CreateMarginSubaccount, subaccount_commands.ApplyMarginSubaccountTransfer,
    key_commands.CreateApiKey, key_commands.DeleteApiKey, account_commands.GrantApiUsageLevel,
    fcm_commands.CreateFCMSubtrader, fcm_commands.UpdateFCMEventContractDailyCap,
    fcm_commands.UpdateFCMSubtraderBlockedCategories, fcm_commands.CreateFCMPositionTransfer,
    rfq_commands.CreateRfq, rfq_commands.DeleteRfq, rfq_commands.CreateQuote, rfq_commands.DeleteQuote,
    rfq_commands.AcceptQuote, rfq_commands.ConfirmQuote,
    block_trade_commands.ProposeBlockTrade, block_trade_commands.AcceptBlockTradeProposal,
    rfq_commands.AcceptQuote, rfq_commands.ConfirmQuote, rfq_batch_commands.CreateRfqBatch,
    rfq_batch_commands.DeleteRfqBatch, rfq_batch_commands.CreateBatchQuote, rfq_batch_commands.DeleteBatchQuote,
    rfq_batch_commands.AcceptRfqBatch, rfq_batch_commands.ConfirmBatchQuote,
    multivariate_commands.CreateMarketInCollection, multivariate_commands.LookupMarketInCollection,
})  # fmt: skip
# `POST /_admin/<path>` -> its operation (docs/admin-api.md)
ADMIN = {
    "accounts": "create_account",
    "keys": "create_key",
    "keys/delete": "delete_key",
    "api_usage_levels": "grant_api_usage_level",
    "api_usage_levels/show": "api_usage_level",
    # Markets (control/kalshi/markets.py): series, events, the lifecycle, the house's book, the exchange
    "markets": "create_market",
    "series": "set_series",
    "events": "set_event",
    "fee_changes": "schedule_fee_change",
    "markets/update": "update_market",
    "markets/pause": "pause_market",
    "markets/resume": "resume_market",
    "markets/close": "close_market",
    "markets/close_time": "set_close_time",
    "markets/determine": "determine_market",
    "books": "set_book",
    "exchange_status": "set_exchange_status",
    "exchange_schedule": "set_exchange_schedule",
    # Fills, seeded orders, settlements, cash
    "fills": "fill",
    "fills/batch": "fills",
    "settlements": "settle",
    "orders": "create_order",
    "orders/cancel": "cancel_order",
    "orders/place": "place_order",  # a client's order (the other side of a bot's trade): it takes
    "deposits": "deposit",
    "withdrawals": "withdrawal",
    # Order groups (control/kalshi/order_groups.py); read in GET /_admin/accounts/{user_id}
    "order_groups": "create_order_group",
    "order_groups/limit": "set_order_group_limit",
    "order_groups/trigger": "trigger_order_group",
    "order_groups/reset": "reset_order_group",
    "order_groups/delete": "delete_order_group",
    # An account's details (control/kalshi/subaccounts.py)
    "subaccounts": "create_subaccount",
    "subaccounts/transfers": "subaccount_transfer",
    "subaccounts/netting": "set_subaccount_netting",
    "intra_exchange_transfers": "intra_exchange_transfer",
    "intra_exchange_transfers/complete": "complete_intra_exchange_transfer",
    "target_balance_allocation": "set_target_balance_allocation",
    "historical/cutoff": "set_historical_cutoff",
    "rest_lag": "set_rest_lag",
    # An FCM member's desk (control/kalshi/fcm.py)
    "fcm/subtraders": "create_fcm_subtrader",
    "fcm/daily_caps": "set_fcm_daily_cap",
    "fcm/blocked_categories": "set_fcm_blocked_category",
    "fcm/error_accounts": "set_fcm_error_account",
    "fcm/position_transfers": "fcm_position_transfer",
    # RFQs and quotes (control/kalshi/communications.py), and their reads
    "rfqs": "create_rfq",
    "rfqs/delete": "delete_rfq",
    "quotes": "create_quote",
    "quotes/delete": "delete_quote",
    "quotes/accept": "accept_quote",
    "quotes/confirm": "confirm_quote",
    "rfqs/show": "rfqs",
    "quotes/show": "quotes",
    "communications_id/show": "communications_id",
    # Block trade proposals (control/kalshi/block_trades.py)
    "block_trade_proposals": "propose_block_trade",
    "block_trade_proposals/accept": "accept_block_trade_proposal",
    "block_trade_proposals/show": "block_trade_proposals",
    # Market makers that quote RFQs by a rule (control/kalshi/rfq_makers.py)
    "rfq_makers": "set_rfq_maker",
    "rfq_makers/remove": "remove_rfq_maker",
    # RFQ batches (control/kalshi/rfq_batches.py), and their reads
    "rfq_batches": "create_rfq_batch",
    "rfq_batches/delete": "delete_rfq_batch",
    "batch_quotes": "create_batch_quote",
    "batch_quotes/delete": "delete_batch_quote",
    "rfq_batches/accept": "accept_rfq_batch",
    "batch_quotes/confirm": "confirm_batch_quote",
    "rfq_batches/show": "rfq_batches",
    "rfq_batches/best_quotes/show": "rfq_batch_best_quotes",
    "batch_quotes/show": "batch_quotes",
    # CF Benchmarks' and Pyth's values, for the price channels (control/kalshi/prices.py)
    "price_values": "set_price_value",
    # Multivariate collections, and a combo market made in one as its user makes it (control/kalshi/multivariate.py)
    "multivariate_collections": "set_multivariate_collection",
    "multivariate_collections/markets": "create_market_in_collection",
    # What the exchange is told from outside (control/kalshi/live_data.py): milestones and their live data,
    # structured targets, incentive programs, a city's weather index, the exchange's announcements
    "milestones": "set_milestone",
    "live_data": "set_live_data",
    "structured_targets": "set_structured_target",
    "incentive_programs": "set_incentive_program",
    "weather": "set_weather_index",
    "announcements": "set_announcement",
}
ADMIN_READS = {
    "rest_lag": "rest_lag", "historical/cutoff": "historical_cutoff", "exchange_status": "exchange_status",
    "rfq_makers": "rfq_makers",
}  # fmt: skip


# The kit's slices of Kalshi's published specs hold every operation the current profile serves (the route table's).
_SERVED = [operation for operation in table.OPERATIONS if operation.profiles is None]
KIT = Kit(
    slices=("kalshi/openapi.yaml", "kalshi/asyncapi.yaml"),
    operations=tuple(operation.operation_id for operation in _SERVED),
    writes=frozenset(operation.operation_id for operation in _SERVED if operation.method != "GET"),
)


def _state(parts: MockParts) -> dict[str, Any]:
    settings = parts.settings
    confirm_window = timedelta(seconds=settings.kalshi_rfq_confirm_window_s)
    rfq_timers = (confirm_window, timedelta(seconds=settings.kalshi_rfq_execution_delay_s))
    ledger = Ledger(
        clock=parts.clock, bus=parts.bus, ids=parts.ids, kept_ended=settings.kalshi_ended_orders, rfq_timers=rfq_timers
    )
    # ValueError: an unknown policy. Its keys' changes go on the bus (the inspector's feed follows them).
    registry = KeyRegistry(settings.kalshi_key_policy, bus=parts.bus)
    # Generated, parser-breaking answers instead of ledger data: the seed, the numbering, what was served.
    generated = GeneratedResponses(settings.generated_responses, settings.profile)
    return {"ledger": ledger, "keys": registry, "generated": generated}


def _handlers(handlers: Handlers, control: Any) -> None:
    ledger, registry = control.ledger, control.keys
    add_kalshi_handlers(handlers, ledger)
    handlers.add(
        key_commands.CreateApiKey, lambda made, private: keys.create_key(ledger, registry, made, private), keys.draw_key
    )
    handlers.add(key_commands.DeleteApiKey, lambda deleted: keys.delete_key(registry, control.connections, deleted))
    handlers.add(SetRestLag, lambda lag: rest_lag.set_rest_lag(ledger, lag))


def _reset(control: Any) -> None:
    control.ledger.reset()
    control.keys.clear()


def _on_clock(control: Any) -> None:
    state = control.ledger.state
    with state.lock:
        control.ledger.lifecycle.run_due_now()  # markets that open, close or settle on the way
    if state.on_schedule is not None:
        state.on_schedule()  # a system clock moved on: its timer wakes for the next due time


def _made_now(control: Any) -> None:
    """What a command scheduled for the instant it ran (an RFQ maker's rule's quote or confirmation with no delay),
    made now as a read would make it, so a websocket client hears of it without a read or a write of its own. Work too
    long for the event loop (`MustStep`) is left to the next read or write, as before."""
    with suppress(MustStep):
        control.ledger.lifecycle.run_due()  # (nothing due: one look at the schedule's head)


def _configure(control: Any, settings: Any) -> None:
    if isinstance(control.ledger.state.clock, SystemClock):
        due_timer.watch(control.ledger)  # markets open, close and settle when due (control/kalshi/due_timer.py)
    # The lag is a setting, not state: after a state file's commands, so a snapshot's is replaced too
    control.set_rest_lag(settings.rest_lag_ms)


def _kept_between(control: Any, holding: Any) -> None:
    # A transition a read finds due runs between commands, never inside one's instant (docs/persistence.md).
    control.ledger.state.due_guard = holding


def _command_recorder(journal: Journal) -> Callable[[str, str | bytes, list[dict[str, Any]]], None] | None:
    """Each websocket command into the journal, judged as it arrives; none when the journal keeps nothing."""
    if not journal.keeps:
        return None
    return lambda key_id, text, replies: journal.record_command(
        NAME, WS_PATH, key_id, text, replies, command_note(text, replies)
    )


def _serve(control: Any, parts: MockParts) -> VenueServed:
    settings, journal = parts.settings, parts.journal
    window_ms = int((settings.timestamp_past_s + settings.timestamp_future_s) * 1000)
    ctx = KalshiContext(
        ledger=control.ledger,
        keys=control.keys,
        markets=control.ledger.feed,  # the market data channels' feed
        profile=profiles.profile(settings.profile),
        wall_clock=parts.wall_clock,
        window=TimestampWindow(int(settings.timestamp_past_s * 1000), int(settings.timestamp_future_s * 1000)),
        ws_queue_size=settings.ws_queue_size,
        ws_queue_bytes=settings.ws_queue_bytes,
        ws_max_subscriptions=settings.ws_max_subscriptions,
        ws_max_markets=settings.ws_max_markets,
        on_command=_command_recorder(journal),
        generated=control.generated,
        # a signature is remembered as long as it can pass: the timestamp window's width
        replays=SeenSignatures(window_ms) if settings.kalshi_reject_replays else None,
        pss_salt=pss_salt_rule(settings.kalshi_pss_salt),
        writes_in_worker=settings.state is not None,
        rate_limits=parts.rate_limits,
        faults=parts.faults,
        connections=parts.connections,
    )
    ctx.commands = VenueCommands(control, VENUE)  # a client's writes, kept as commands

    async def refuse(scope: Any, receive: Any, status: int, why: str, owner: str) -> Any:
        return status_error(status, why).response()

    return VenueServed(ctx, kalshi_routes.routes(ctx), _owns, refuse, judge=kalshi_rules, key_header=KEY_HEADER)


def _owns(scope: Any) -> str | None:
    return NAME if scope["path"].startswith("/trade-api/") else None


VENUE = Venue(
    name=NAME,
    title="Kalshi",
    state=_state,
    handlers=_handlers,
    reset=_reset,
    on_clock=_on_clock,
    made_now=_made_now,
    configure=_configure,
    commands=COMMANDS,
    refusal=LedgerError,
    operations=KalshiOperations,
    admin=ADMIN,
    admin_reads=ADMIN_READS,
    inspected={"rest_lag": "rest_lag"},
    steps=steps.STEPS,
    step_specs=steps.SPECS,
    setup=ScenarioSetup(setup.SECTIONS, setup.read, setup.OPERATIONS, scenario_keys.KEYS, from_tape.read),
    serve=_serve,
    budgets=kalshi_budgets,
    snapshot=kalshi_snapshot.SNAPSHOT,
    kit=KIT,
    panel=KalshiPanel,
    channels=FAULT_CHANNELS,
    kept_between=_kept_between,
    proxied=Proxied(
        serves=kalshi_proxied.serves,
        key_id=kalshi_proxied.key_id,
        judge=kalshi_proxied.exchange,
        frames=lambda: kalshi_proxied.frame,  # (a frame's judging needs no state of its connection)
        refuse=kalshi_proxied.refuse,
        refuse_frame=kalshi_proxied.refuse_frame,
        ignored=kalshi_proxied.IGNORED,
    ),
    banner=BANNER,
    demo_keys=demo_keys,
)
