"""The perps exchange's exit triggers on the wire: a position's cross slot (`/margin/cross/positions/{ticker}/
exit_trigger...`: set, read, cancel, and one bracket updated or cancelled by id; the subaccount the query's, the
primary by default, a locked key's own) and its isolated slot (`/margin/isolated/...`: set, read, cancel; the primary
subaccount's position). Each write's body is read as Kalshi's Go server reads it (Kalshi's bodies.py) into the perps
core's command (core/perps/exit_trigger_commands.py), run as the control plane runs it (a state file keeps it); a
refusal is the exchange's in Kalshi's shape, having changed nothing. A trigger renders as the spec's ExitTrigger."""

from __future__ import annotations

from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.numbers import INT64_MAX, INT64_MIN
from mockexchange.core.perps.errors import PerpsError
from mockexchange.core.perps.exit_trigger_commands import (
    CROSS,
    ISOLATED,
    KINDS,
    TRAILING,
    CancelPerpExitTrigger,
    CancelPerpExitTriggers,
    SetPerpExitTrigger,
    UpdatePerpExitTrigger,
)
from mockexchange.core.perps.exit_trigger_records import PerpExitTrigger
from mockexchange.core.perps.exit_triggers import effective_stop
from mockexchange.core.values import Choice, Integer
from mockexchange.venues.kalshi import commands, wire_values
from mockexchange.venues.kalshi.bodies import Body, BodyField, text
from mockexchange.venues.kalshi.context import subaccount_for
from mockexchange.venues.kalshi.params import SUBACCOUNT, Param, Query, parse_query
from mockexchange.venues.kalshi.render import omitempty, rfc3339
from mockexchange.venues.perps import render
from mockexchange.venues.perps.context import PerpsContext, execute, refused

_LEGS = (BodyField("stop_loss_price"), BodyField("take_profit_price"))
_TRAILS = (
    BodyField("kind", Choice(KINDS)),
    BodyField("trail_amount"),
    BodyField("trail_bps", Integer(INT64_MIN, INT64_MAX), go="int64"),  # (its range is the command's to check)
)
SET_ISOLATED = Body("SetIsolatedExitTriggerRequest", (*_LEGS, *_TRAILS))
SET_CROSS = Body(
    "SetCrossExitTriggerRequest",
    (*_LEGS, *_TRAILS, BodyField("count"), BodyField("anchor_order_id"), BodyField("client_trigger_id", text(64))),
)
UPDATE = Body("UpdateExitTriggerRequest", _LEGS)
_TEXT: dict[str, wire_values.Text] = {
    "stop_loss_price": "price", "take_profit_price": "price", "trail_amount": "price", "count": "count",
}  # fmt: skip
KIND = Param("kind", "Kind", Choice(KINDS))
_WRITTEN = ("stop_loss_price", "take_profit_price", "trail_amount", "trail_bps", "kind", "count", "anchor_order_id",
            "client_trigger_id")  # fmt: skip


def exit_trigger(trigger: PerpExitTrigger) -> dict[str, Any]:
    """An ExitTrigger: a field without a value left out."""
    row = {"id": trigger.trigger_id, "ticker": trigger.ticker, "kind": trigger.kind, "status": trigger.status,
           "count": render.count(trigger.count), "filled_count": render.count(trigger.filled),
           "created_time": rfc3339(trigger.created), "updated_time": rfc3339(trigger.updated)}  # fmt: skip
    for name, value in (
        ("status_reason", trigger.reason), ("triggered_leg", trigger.triggered_leg),
        ("triggered_order_id", trigger.triggered_order_id), ("anchor_order_id", trigger.anchor_order_id),
        ("client_trigger_id", trigger.client_trigger_id), ("trail_bps", trigger.trail_bps),
    ):  # fmt: skip
        omitempty(row, name, value)
    for name, units in (
        ("stop_loss_price", trigger.stop_loss), ("take_profit_price", trigger.take_profit),
        ("trail_amount", trigger.trail_amount), ("watermark_price", trigger.watermark),
    ):  # fmt: skip
        omitempty(row, name, None if units is None else render.price(units))
    if trigger.kind == TRAILING:
        row["effective_stop_price"] = render.money(effective_stop(trigger))
    return row


def _position(key: ApiKey, query: Query, operation: str, slot: str) -> dict[str, Any]:
    """The user, ticker and subaccount a request addresses (the isolated slot's: the primary's)."""
    if slot == ISOLATED:
        return {"user_id": key.user_id, "ticker": query["ticker"], "subaccount": subaccount_for(key, 0) or 0}
    asked = parse_query(operation, (SUBACCOUNT,), query)["subaccount"]
    return {"user_id": key.user_id, "ticker": query["ticker"], "subaccount": subaccount_for(key, asked) or 0}


def _set(ctx: PerpsContext, key: ApiKey, query: Query, values: dict[str, Any], slot: str) -> dict[str, Any]:
    operation = "SetCrossMarginExitTrigger" if slot == CROSS else "SetIsolatedMarginExitTrigger"
    values = wire_values.read(values, _TEXT)
    fields = {name: values[name] for name in _WRITTEN if values.get(name) is not None}
    fields |= _position(key, query, operation, slot) | {"slot": slot}
    return exit_trigger(execute(ctx, commands.read(SetPerpExitTrigger, fields)))


def set_cross(ctx: PerpsContext, key: ApiKey, query: Query, values: dict[str, Any]) -> dict[str, Any]:
    return _set(ctx, key, query, values, CROSS)


def set_isolated(ctx: PerpsContext, key: ApiKey, query: Query, values: dict[str, Any]) -> dict[str, Any]:
    return _set(ctx, key, query, values, ISOLATED)


def _listed(ctx: PerpsContext, key: ApiKey, query: Query, slot: str) -> dict[str, Any]:
    """GetExitTriggersResponse: the slot's live triggers (of the kind asked for), as set."""
    operation = "GetCrossMarginExitTriggers" if slot == CROSS else "GetIsolatedMarginExitTriggers"
    kind = parse_query(operation, (KIND,), query)["kind"]
    position = _position(key, query, operation, slot)
    exchange = ctx.exchange
    try:
        exchange.listing.market(position["ticker"])
        exchange.trading.known(key.user_id, position["subaccount"])
    except PerpsError as exc:
        raise refused(exc) from None
    live = exchange.exit_triggers.live((key.user_id, position["subaccount"], slot), position["ticker"], kind)
    return {"exit_triggers": [exit_trigger(trigger) for trigger in live]}


def cross_listed(ctx: PerpsContext, key: ApiKey, query: Query) -> dict[str, Any]:
    return _listed(ctx, key, query, CROSS)


def isolated_listed(ctx: PerpsContext, key: ApiKey, query: Query) -> dict[str, Any]:
    return _listed(ctx, key, query, ISOLATED)


def _cancel_all(ctx: PerpsContext, key: ApiKey, query: Query, slot: str) -> None:
    operation = "DeleteCrossMarginExitTrigger" if slot == CROSS else "DeleteIsolatedMarginExitTrigger"
    kind = parse_query(operation, (KIND,), query)["kind"]
    fields = _position(key, query, operation, slot) | {"slot": slot, "kind": kind}
    execute(ctx, commands.read(CancelPerpExitTriggers, fields))


def cancel_cross(ctx: PerpsContext, key: ApiKey, query: Query) -> None:
    _cancel_all(ctx, key, query, CROSS)


def cancel_isolated(ctx: PerpsContext, key: ApiKey, query: Query) -> None:
    _cancel_all(ctx, key, query, ISOLATED)


def update(ctx: PerpsContext, key: ApiKey, query: Query, values: dict[str, Any]) -> dict[str, Any]:
    values = wire_values.read(values, _TEXT)
    fields = {name: values[name] for name in ("stop_loss_price", "take_profit_price") if values.get(name) is not None}
    fields |= _position(key, query, "UpdateCrossMarginExitTrigger", CROSS) | {"trigger_id": query["trigger_id"]}
    return exit_trigger(execute(ctx, commands.read(UpdatePerpExitTrigger, fields)))


def cancel_one(ctx: PerpsContext, key: ApiKey, query: Query) -> None:
    fields = _position(key, query, "DeleteCrossMarginExitTriggerById", CROSS) | {"trigger_id": query["trigger_id"]}
    execute(ctx, commands.read(CancelPerpExitTrigger, fields))
