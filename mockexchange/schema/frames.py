"""Websocket frame validation: a frame the server sends, checked against the message schemas of the committed
AsyncAPI slice (`contracts/kalshi/asyncapi.yaml`).

Frames are told apart by their `type`: the channels' messages (`fill`, `market_position`, `orderbook_snapshot`,
`orderbook_delta`, `ticker`, `trade`, `market_lifecycle_v2`, `user_order`, `order_group_updates`, and the
`communications` channel's `rfq_*` and `quote_*`) and the replies to commands (`subscribed`,
`unsubscribed`, `ok`, `error`). A type that more than one message carries (`ok` answers both `update_subscription`
and `list_subscriptions`) passes when it matches any of them.

The slice's schemas allow fields they do not name (no `additionalProperties: false`), so the `legacy` profile's
integer twins would pass unchecked. For that profile the frame must also carry them, as integers: the fields of the
late 2025 messages (contracts, cents, and money in centi-cents; a snapshot's levels as [cents, contracts] and
[dollars, contracts]), which `LEGACY_TWINS` lists.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

import jsonschema_rs

from mockexchange.schema.refs import lookup, resolve
from mockexchange.schema.specs import kalshi_slice_path, load_published_kalshi, load_spec

PROFILES = ("3.34", "legacy")
NO_MESSAGE = "no message of the AsyncAPI slice has type"  # a frame no schema covers: the start of its one line
INTEGER: dict[str, Any] = {"type": "integer"}


def _levels(price: dict[str, Any]) -> dict[str, Any]:
    """A list of [price, contracts] pairs, the price of the given type, the contracts an integer."""
    return {"type": "array", "items": {"type": "array", "items": [price, INTEGER], "minItems": 2, "maxItems": 2}}


# The fields the legacy profile sends beside the dollar and fixed-point strings, by frame type, with their schema.
LEGACY_TWINS: dict[str, dict[str, dict[str, Any]]] = {
    "market_position": dict.fromkeys(
        ("position", "position_cost", "realized_pnl", "fees_paid", "position_fee_cost", "volume"), INTEGER
    ),
    "fill": dict.fromkeys(("yes_price", "count", "post_position"), INTEGER),
    "orderbook_snapshot": {
        "yes": _levels(INTEGER),
        "no": _levels(INTEGER),
        "yes_dollars": _levels({"type": "string"}),
        "no_dollars": _levels({"type": "string"}),
    },
    "orderbook_delta": dict.fromkeys(("price", "delta"), INTEGER),
    "ticker": dict.fromkeys(("price", "yes_bid", "yes_ask", "volume", "open_interest"), INTEGER),
    "trade": dict.fromkeys(("yes_price", "no_price", "count"), INTEGER),
}


def validate_ws_frame(frame: Any, profile: str = "3.34", *, published: bool = False) -> list[str]:
    """What is wrong with a server-to-client frame, one line per problem; empty when it matches the slice (with
    `published`, Kalshi's whole published AsyncAPI document: the proxy's judge)."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}: one of {', '.join(PROFILES)}")
    if not isinstance(frame, dict):
        return [f"a frame is a JSON object, not {type(frame).__name__}"]
    kind = frame.get("type")
    candidates = _validators(profile, published).get(kind) if isinstance(kind, str) else None
    if candidates is None:
        return [f"{NO_MESSAGE} {kind!r}"]
    problems: list[str] = []
    for message, validator in candidates:
        errors = [_say(message, error) for error in validator.iter_errors(frame)]
        if not errors:
            return []
        problems += errors
    return problems


def frame_types() -> list[str]:
    """The frame types the slice has schemas for."""
    return sorted(_validators("3.34"))


@cache
def _validators(profile: str, published: bool = False) -> dict[str, list[tuple[str, jsonschema_rs.Validator]]]:
    """Compiled validators by frame type, built once per profile from the committed slice (or the published spec)."""
    slice_ = load_published_kalshi("asyncapi.yaml") if published else load_spec(str(kalshi_slice_path("asyncapi.yaml")))
    by_type: dict[str, list[tuple[str, jsonschema_rs.Validator]]] = {}
    for name, payload_ref in message_payloads(slice_, "send"):
        payload = resolve(slice_, payload_ref)
        kind = payload.get("properties", {}).get("type", {}).get("const")
        if kind is None:
            continue  # not a JSON frame (the control frames' `heartbeat` payload)
        twins = [_legacy_twins(LEGACY_TWINS[kind])] if profile == "legacy" and kind in LEGACY_TWINS else []
        by_type.setdefault(kind, []).append((name, payload_validator(slice_, payload_ref, *twins)))
    return by_type


def message_payloads(asyncapi: Mapping[str, Any], action: str) -> Iterable[tuple[str, Any]]:
    """(message name, payload) of every message of the `action` operations: `send`, the server's; `receive`, a
    client's."""
    for operation in asyncapi.get("operations", {}).values():
        if operation.get("action") != action:
            continue
        for ref in operation.get("messages", []):
            entry = lookup(asyncapi, ref["$ref"])  # the channel's entry, itself a $ref to the component
            message = resolve(asyncapi, entry)
            yield entry.get("$ref", ref["$ref"]).rsplit("/", 1)[-1], message.get("payload", {})


def payload_validator(asyncapi: Mapping[str, Any], payload_ref: Any, *more: dict[str, Any]) -> jsonschema_rs.Validator:
    """The validator of a message's payload (and of `more` schemas it must match too), `$ref`s resolved in the
    document's components."""
    schema = {"allOf": [payload_ref, *more], "components": asyncapi["components"]}
    return jsonschema_rs.Draft7Validator(schema, validate_formats=True, formats={"uuid": is_uuid})


def _legacy_twins(fields: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"properties": {"msg": {"required": list(fields), "properties": fields}}}


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _say(message: str, error: jsonschema_rs.ValidationError) -> str:
    where = "/".join(str(part) for part in error.instance_path) or "(frame)"
    return f"{message}: {where}: {error.message}"
