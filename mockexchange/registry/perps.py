"""Kalshi's perps (margin) exchange's registration: its state (the perps exchange, whose cash is Kalshi's margined
instance's), its commands' handlers, its control-plane operations and their admin paths, how it serves (REST under
/trade-api/v2/margin, signed with Kalshi's keys through Kalshi's venue, which it is registered after), its part of a
state file's snapshot, the inspector's panel of it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mockexchange.admin.perps.banner import BANNER
from mockexchange.admin.perps.panel import PerpsPanel
from mockexchange.control import due_timer
from mockexchange.control.perps.operations import PerpsOperations
from mockexchange.control.registration import Kit, MockParts, Venue, VenueServed
from mockexchange.control.venue_commands import VenueCommands
from mockexchange.core.clock import SystemClock
from mockexchange.core.commands import Handlers
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.perps import exit_trigger_commands as exits
from mockexchange.core.perps import order_commands
from mockexchange.core.perps import order_group_commands as groups
from mockexchange.core.perps import risk_limit_commands as limits
from mockexchange.core.perps.errors import PerpsError
from mockexchange.core.perps.exchange import PerpsExchange
from mockexchange.core.perps.handlers import add_perps_handlers
from mockexchange.journal.entries import JournalNote
from mockexchange.journal.journal import Journal
from mockexchange.scenario.perps import steps
from mockexchange.scenario.perps.demo import demo_perps
from mockexchange.state import perps as perps_snapshot
from mockexchange.venues.kalshi.faults import status_error
from mockexchange.venues.kalshi.journaling import KEY_HEADER, command_refusal
from mockexchange.venues.kalshi.websocket import CommandRecorder
from mockexchange.venues.perps import routes, table, websocket
from mockexchange.venues.perps.context import PerpsContext
from mockexchange.venues.perps.journaling import perps_rules
from mockexchange.venues.perps.rate_limits import perps_budgets

NAME = "perps"
KALSHI = "kalshi"  # the venue it stands on: its users, keys and margined cash
# What a perps client may change through the venue: its orders.
COMMANDS = frozenset({
    order_commands.PlacePerpOrder, order_commands.CancelPerpOrder, order_commands.CancelPerpOrders,
    order_commands.DecreasePerpOrder, order_commands.AmendPerpOrder,
    groups.CreatePerpOrderGroup, groups.TriggerPerpOrderGroup, groups.ResetPerpOrderGroup,
    groups.DeletePerpOrderGroup, groups.UpdatePerpOrderGroupLimit,
    limits.SetPerpsMemberNotionalLimit, limits.SetPerpsImCap,
    exits.SetPerpExitTrigger, exits.UpdatePerpExitTrigger, exits.CancelPerpExitTrigger, exits.CancelPerpExitTriggers,
})  # fmt: skip
# `POST /_admin/<path>` -> its operation (docs/admin-api.md)
ADMIN = {
    "perps/markets": "list_perp_market",
    "perps/markets/marks": "set_perp_marks",
    "perps/markets/mark_path": "set_perp_mark_path",
    "perps/markets/update": "update_perp_market",
    "perps/corporate_actions": "set_perp_corporate_action",
    "perps/exchange_status": "set_perps_exchange_status",
    "perps/risk_parameters": "set_perps_risk_parameters",
    "perps/enabled": "set_perps_enabled",
    "perps/fee_tiers": "set_perps_fee_tier",
    "perps/subaccounts": "create_margin_subaccount",
    "perps/subaccounts/transfer": "margin_subaccount_transfer",
    "perps/notional_limits": "set_perps_notional_limit",
    "perps/fcm/notional_limit": "set_perps_member_notional_limit",
    "perps/fcm/im_caps": "set_perps_im_cap",
    "perps/orders/place": "place_perp_order",  # a client's order (the other side of a bot's trade)
    "perps/orders/cancel": "cancel_perp_order",
    "perps/orders/cancel_all": "cancel_perp_orders",
    "perps/orders/decrease": "decrease_perp_order",
    "perps/orders/amend": "amend_perp_order",
    "perps/order_groups": "create_perp_order_group",
    "perps/order_groups/limit": "set_perp_order_group_limit",
    "perps/order_groups/trigger": "trigger_perp_order_group",
    "perps/order_groups/reset": "reset_perp_order_group",
    "perps/order_groups/delete": "delete_perp_order_group",
    "perps/exit_triggers": "set_perp_exit_trigger",
    "perps/exit_triggers/update": "update_perp_exit_trigger",
    "perps/exit_triggers/cancel": "cancel_perp_exit_trigger",
    "perps/exit_triggers/cancel_all": "cancel_perp_exit_triggers",
    "perps/liquidations": "perps_liquidations",  # a read: a user's liquidations and liquidation queue
}
# The kit's slices of the perps specs hold every operation of them; it checks those the route table serves.
KIT = Kit(
    slices=("perps/openapi.yaml", "perps/asyncapi.yaml"),
    operations=tuple(operation.operation_id for operation in table.OPERATIONS),
    writes=frozenset(operation.operation_id for operation in table.OPERATIONS if operation.write),
)
# The perps venue's paths (under Kalshi's /trade-api/: it is asked first whose a request is)
MARGIN_PATHS = ("/trade-api/v2/margin/", "/trade-api/v2/account/limits/perps", "/trade-api/v2/portfolio/margin/")
OWNED_PATHS = (*MARGIN_PATHS, websocket.WS_PATH)  # and its websocket (Kalshi's is /trade-api/ws/v2)
UNJUDGED = "the perps websocket's commands are not judged against a schema yet"


class KalshiMarginCash:
    """The perps exchange's cash: Kalshi's margined instance's, shard 0, per subaccount, under the ledger's lock."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    @property
    def lock(self) -> Any:
        return self.ledger.state.lock

    def balance(self, user_id: str, subaccount: int) -> int:
        return self.ledger.subaccounts.margined_balance(user_id, subaccount)

    def move(self, user_id: str, change: int, subaccount: int) -> None:
        self.ledger.subaccounts.move_margined(user_id, change, subaccount)

    def subaccounts(self, user_id: str) -> int:
        return self.ledger.subaccounts.margin_subaccounts(user_id)


class KalshiMembers:
    """Who of Kalshi's users are FCM members, and whose subtrader a user is (the perps exchange's risk limits)."""

    def __init__(self, ledger: Ledger) -> None:
        self.accounts = ledger.state.accounts

    def fcm_member(self, user_id: str) -> bool:
        account = self.accounts.get(user_id)
        return account is not None and account.fcm_member

    def subtrader_of(self, user_id: str) -> str | None:
        account = self.accounts.get(user_id)
        return None if account is None else account.subtrader_of


def _handlers(handlers: Handlers, control: Any) -> None:
    control.perps.use_cash(KalshiMarginCash(control.ledger), KalshiMembers(control.ledger))
    add_perps_handlers(handlers, control.perps)


def _on_clock(control: Any) -> None:
    control.perps.run_due()  # what the clock passed: marks' paths, funding times, resting orders' expiration times


def _configure(control: Any, settings: Any) -> None:
    exchange = control.perps
    if isinstance(exchange.state.clock, SystemClock):  # (path points and funding times at their time: due_timer.py)
        exchange.on_schedule = due_timer.wake
        due_timer.watch(exchange, PerpsExchange.run_due, PerpsExchange.next_due, lambda part: part.state.clock.now())


def _serve(control: Any, parts: MockParts) -> VenueServed:
    kalshi = parts.served.get(KALSHI)
    if kalshi is None:
        raise ValueError("the perps venue signs with Kalshi's keys: register Kalshi's venue before it")
    ctx = PerpsContext(control.perps, kalshi.context)
    ctx.commands = VenueCommands(control, VENUE)  # a client's writes, kept as commands

    async def refuse(scope: Any, receive: Any, status: int, why: str, owner: str) -> Any:
        return status_error(status, why).response()

    if not parts.settings.perps:  # (off: nothing served, nothing owned)
        return VenueServed(ctx, [], lambda scope: None, refuse)
    served = [*routes.routes(), websocket.route(ctx, _command_recorder(parts.journal))]
    return VenueServed(ctx, served, _owns, refuse, judge=perps_rules, key_header=KEY_HEADER)


def _command_recorder(journal: Journal) -> CommandRecorder | None:
    """Each websocket command into the journal with its refusal (not judged: its commands are not checked against
    the AsyncAPI slice yet); none when the journal keeps nothing."""
    if not journal.keeps:
        return None

    def record(key_id: str, text: str | bytes, replies: list[dict[str, Any]]) -> None:
        refusal, diagnosis = command_refusal(replies)
        note = JournalNote(None, None, [], not_judged=UNJUDGED, refusal=refusal, diagnosis=diagnosis)
        journal.record_command(NAME, websocket.WS_PATH, key_id, text, replies, note)

    return record


def _owns(scope: Any) -> str | None:
    return NAME if scope["path"].startswith(OWNED_PATHS) else None


VENUE = Venue(
    name=NAME,
    title="Kalshi perps",
    state=lambda parts: {
        "perps": PerpsExchange(
            parts.clock,
            parts.bus,
            parts.ids.derived(NAME),
            history_size=parts.settings.perps_history_size,
            funding_interval=timedelta(seconds=parts.settings.perps_funding_interval_s),
        )
    },
    handlers=_handlers,
    reset=lambda control: control.perps.reset(),
    on_clock=_on_clock,
    configure=_configure,
    commands=COMMANDS,
    refusal=PerpsError,
    operations=PerpsOperations,
    admin=ADMIN,
    steps=steps.STEPS,
    serve=_serve,
    snapshot=perps_snapshot.SNAPSHOT,
    channels=websocket.FAULT_CHANNELS,
    kit=KIT,
    banner=BANNER,
    demo_keys=demo_perps,  # (the demo's markets and margin cash: its keys are Kalshi's)
    budgets=perps_budgets,
    panel=PerpsPanel,
)
