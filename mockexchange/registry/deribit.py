"""Deribit's registration: its state (the Deribit exchange, the API credentials, the tokens), its commands' handlers,
its control-plane operations and their admin paths, its scenario steps, how it serves (JSON-RPC over HTTP and the
websocket, and the SignalPlus gateway's dialect), its rate-limit budgets, the inspector's panel of it, its
section of `serve`'s banner and how the proxy forwards to it."""

from __future__ import annotations

from typing import Any

from mockexchange.admin.deribit.banner import BANNER
from mockexchange.admin.deribit.panel import DeribitPanel
from mockexchange.auth.deribit.authentication import DeribitAuth
from mockexchange.auth.deribit.keys import DeribitCredentialRegistry
from mockexchange.auth.deribit.signature import DeribitTimestampWindow
from mockexchange.auth.deribit.tokens import TokenStore
from mockexchange.control.deribit import keys
from mockexchange.control.deribit.coinbase import add_coinbase_handlers, coinbase_auth, coinbase_state, reset_coinbase
from mockexchange.control.deribit.operations import DeribitOperations
from mockexchange.control.deribit.seeded import reset_deribit
from mockexchange.control.registration import Kit, MockParts, Proxied, ScenarioSetup, Venue, VenueServed
from mockexchange.control.venue_commands import VenueCommands
from mockexchange.core.commands import Handlers
from mockexchange.core.deribit import (
    account_commands,
    cash_commands,
    index_history,
    key_commands,
    mmp,
    order_commands,
    position_moves,
    quotes,
)
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.handlers import add_deribit_handlers
from mockexchange.core.deribit.rate_budgets import deribit_budgets
from mockexchange.core.mock_commands import ResetDeribit
from mockexchange.journal.entries import JournalNote
from mockexchange.journal.middleware import JOURNAL_NOTE
from mockexchange.scenario.deribit import from_tape, setup, steps
from mockexchange.scenario.deribit import keys as scenario_keys
from mockexchange.scenario.deribit.demo_keys import demo_keys
from mockexchange.state import deribit as deribit_snapshot
from mockexchange.venues.deribit import coinbase, faults, journaling, table
from mockexchange.venues.deribit import proxied as deribit_proxied
from mockexchange.venues.deribit import routes as deribit_routes
from mockexchange.venues.deribit.channels import FAULT_CHANNELS
from mockexchange.venues.deribit.context import DeribitContext

NAME = "deribit"
# What a Deribit client may change through the venue: its subaccounts, transfers, withdrawals, deposit addresses,
# orders.
COMMANDS = frozenset({
    account_commands.CreateDeribitSubaccount, account_commands.RenameDeribitSubaccount,
    account_commands.SetDeribitSubaccountLogin, account_commands.SetDeribitCancelOnDisconnect,
    cash_commands.DeribitTransfer, cash_commands.DeribitTransferToUser, cash_commands.CancelDeribitTransfer,
    cash_commands.DeribitWithdrawal, cash_commands.CancelDeribitWithdrawal, cash_commands.CreateDeribitDepositAddress,
    order_commands.PlaceDeribitOrder, order_commands.EditDeribitOrder, order_commands.CancelDeribitOrder,
    order_commands.CancelDeribitOrders, position_moves.MoveDeribitPositions, mmp.SetDeribitMmpConfig,
    mmp.ResetDeribitMmp, quotes.PlaceDeribitQuotes, key_commands.CreateDeribitKey, key_commands.EditDeribitKey,
    key_commands.RemoveDeribitKey, key_commands.ResetDeribitKey, key_commands.SetDeribitDefaultKey,
})  # fmt: skip
# `POST /_admin/<path>` -> its operation (docs/admin-api.md)
ADMIN = {
    "deribit/accounts": "create_deribit_account",
    "deribit/subaccounts": "create_deribit_subaccount",
    "deribit/keys": "create_deribit_key",
    "deribit/keys/edit": "edit_deribit_key",
    "deribit/keys/remove": "remove_deribit_key",
    "deribit/keys/reset": "reset_deribit_key",
    "deribit/keys/default": "set_deribit_default_key",
    "deribit/fills": "deribit_fill",
    "deribit/positions/move": "move_deribit_positions",
    "deribit/orders": "deribit_order",
    "deribit/orders/cancel": "deribit_cancel_order",
    # the wallet's open orders a filter names (`reason` cancel_on_disconnect: a disconnect of an admin-placed quoter)
    "deribit/orders/cancel_all": "deribit_cancel_orders",
    "deribit/orders/place": "deribit_place_order",  # a client's order: it takes, its funds checked
    "deribit/deposits": "deribit_deposit",
    "deribit/withdrawals": "deribit_withdraw",
    "deribit/transfers": "deribit_transfer",
    "deribit/transfers/user": "deribit_transfer_to_user",
    "deribit/transfers/cancel": "deribit_cancel_transfer",
    "deribit/withdrawals/cancel": "deribit_cancel_withdrawal",
    "deribit/subaccounts/name": "rename_deribit_subaccount",
    "deribit/subaccounts/login": "set_deribit_subaccount_login",
    "deribit/interuser_transfers": "set_deribit_interuser_transfers",
    "deribit/cancel_on_disconnect": "set_deribit_cancel_on_disconnect",
    "deribit/mmp_config": "set_deribit_mmp_config",
    "deribit/mmp_reset": "reset_deribit_mmp",
    "deribit/mass_quotes": "deribit_mass_quote",
    "deribit/deposit_addresses": "create_deribit_deposit_address",
    "deribit/settlement_prices": "set_settlement_price",
    "deribit/instruments": "list_instrument",
    "deribit/index_prices": "set_index_price",
    "deribit/mark_prices": "set_mark_price",
    "deribit/volatility": "set_volatility",
    "deribit/index_paths": "set_index_path",
    "deribit/funding_rates": "set_deribit_funding_rate",
    "deribit/historical_volatility": "set_deribit_historical_volatility",
    "deribit/apr": "set_deribit_apr",
    "deribit/platform_status": "set_deribit_platform_status",
    "deribit/announcements": "add_deribit_announcement",
    # the Coinbase dialect's credentials (docs/coinbase.md)
    "deribit/coinbase_keys": "create_coinbase_key",
    "deribit/coinbase_oauth_tokens": "issue_coinbase_oauth_token",
}


# What the kit checks of Deribit: its slice of the published API, and the methods its route table serves.
KIT = Kit(
    slices=("deribit/rpc.json",),
    operations=tuple(table.METHODS),
    writes=frozenset(name for name, method in table.METHODS.items() if method.write),
)


def _state(parts: MockParts) -> dict[str, Any]:
    exchange = DeribitExchange(clock=parts.clock, bus=parts.bus, history_size=parts.settings.deribit_history_size)
    keys, tokens = DeribitCredentialRegistry(), TokenStore(parts.wall_clock)
    tokens.keys = keys  # a token of a key removed or disabled stops working
    # Clients sign with their wall clock; tokens expire on it too
    return {
        "exchange": exchange,
        "book": exchange,  # (`mock.book`, the name docs/python-api.md gave it before: read only)
        "deribit_keys": keys,
        "deribit_tokens": tokens,
    }


def _handlers(handlers: Handlers, control: Any) -> None:
    exchange, registry = control.exchange, control.deribit_keys
    add_deribit_handlers(handlers, exchange)
    keys.add_key_handlers(handlers, exchange, registry)
    handlers.add(ResetDeribit, lambda _: _reset(control))
    add_coinbase_handlers(handlers, control)


def _reset(control: Any) -> None:
    reset_deribit(control.exchange, control.deribit_keys, control.deribit_tokens)
    reset_coinbase(control)  # and the Coinbase dialect's keys and tokens


def _serve(control: Any, parts: MockParts) -> VenueServed:
    settings = parts.settings
    window_ms = settings.deribit_timestamp_window_s * 1000
    auth = DeribitAuth(
        control.deribit_keys, control.deribit_tokens, window=DeribitTimestampWindow(window_ms, window_ms)
    )
    ctx = DeribitContext(
        exchange=control.exchange,
        auth=auth,
        wall_clock=parts.wall_clock,
        testnet=settings.deribit_testnet,
        max_body_bytes=settings.deribit_max_body_bytes,
        ws_queue_size=settings.ws_queue_size,
        ws_queue_bytes=settings.ws_queue_bytes,
        ws_max_channels=settings.ws_max_subscriptions,
        signalplus_prefix=settings.signalplus_prefix,
        rate_limits=parts.rate_limits,
        faults=parts.faults,
        connections=parts.connections,
    )
    if parts.journal.keeps:  # (one that keeps nothing: no message is judged for it)
        ctx.on_message = journaling.message_recorder(parts.journal, control.deribit_keys.get)
    ctx.commands = VenueCommands(control, VENUE)  # a client's writes, kept as commands

    async def refuse(scope: Any, receive: Any, status: int, why: str, owner: str) -> Any:
        return await faults.http_answer(ctx, scope, receive, status, why, gateway=owner == journaling.SIGNALPLUS)

    def faulted(scope: Any) -> None:
        # judged by the venue, which never saw it: no problems (a delayed one's route says)
        scope[JOURNAL_NOTE] = JournalNote(faults.operation(scope["path"]), None, [])

    served = [*deribit_routes.routes(ctx), *coinbase.dialect_routes(ctx, coinbase_auth(control))]
    return VenueServed(ctx, served, lambda scope: journaling.venue_of(ctx, scope), refuse, faulted)


VENUE = Venue(
    name=NAME,
    title="Deribit",
    state=lambda parts: {**_state(parts), **coinbase_state()},  # the Coinbase dialect's beside Deribit's
    handlers=_handlers,
    reset=_reset,
    on_clock=lambda control: index_history.clock_moved(control.exchange),  # deliveries, index points reached
    fresh=lambda control: control.reset_deribit(),  # the default instruments and index prices
    commands=COMMANDS,
    refusal=ExchangeError,
    operations=DeribitOperations,
    admin=ADMIN,
    admin_reads={"deribit/keys": "list_deribit_keys"},
    steps=steps.STEPS,
    step_specs=steps.SPECS,
    setup=ScenarioSetup(setup.SECTIONS, setup.read, setup.OPERATIONS, scenario_keys.KEYS, from_tape.read),
    serve=_serve,
    budgets=deribit_budgets,
    snapshot=deribit_snapshot.SNAPSHOT,
    kit=KIT,
    panel=DeribitPanel,
    channels=FAULT_CHANNELS,
    kept_records=deribit_snapshot.TOKENS,
    dialects=(journaling.SIGNALPLUS, journaling.COINBASE),
    proxied=Proxied(
        serves=deribit_proxied.serves,
        key_id=deribit_proxied.key_id,
        judge=deribit_proxied.exchange,
        frames=deribit_proxied.DeribitFrames,
        refuse=deribit_proxied.refuse,
        refuse_frame=deribit_proxied.refuse_frame,
        json_rpc=True,
        live_host=deribit_proxied.LIVE_DERIBIT,
        ignored=deribit_proxied.IGNORED,
    ),
    operation_in_body=True,  # POST /api/v2 (and the SignalPlus gateway's POST) hide the JSON-RPC method
    banner=BANNER,
    demo_keys=demo_keys,
)
