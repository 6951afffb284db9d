"""Kalshi's RFQs and quotes on the wire (the communications API, 3.34.0): the caller's communications id; RFQs made,
listed, read and deleted; quotes made, listed, read, deleted, accepted and confirmed, by their RFQ's path or (the
deprecated four) by the quote alone.

Reads come from the ledger's communications part under its lock (`ledger.reading()`: a confirmation window or an
execution timer due by now has ended first), rendered by rfq_render.py as the caller may see them. Writes are read
as Kalshi's Go server reads their bodies (bodies.py) and run as the core's typed commands (core/kalshi/
rfq_commands.py, through commands.py), so a state file keeps what a client did; a refusal is the ledger's, in Kalshi's
exchange shape, and changes nothing. An id in a path or a query is a UUID, read as Go's google/uuid reads one; a
malformed one is a 400 before anything is looked up.

Whose: the key's user's (an FCM member's key bound to a subtrader: the subtrader's; an FCM member may name one of
its subtraders in an RFQ's `subtrader_id`). Lists are newest first, keyset-paged, `cursor` always in the answer
(empty on the last page).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.commands import Command
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.communications import Communications
from mockexchange.core.kalshi.rfq_commands import SIDE, TARGET_COST, CreateQuote, CreateRfq, DeleteRfq
from mockexchange.core.kalshi.rfq_records import Quote
from mockexchange.core.numbers import INT64_MIN
from mockexchange.core.values import FLAG, Choice, Integer, Refused
from mockexchange.venues.kalshi import commands, cursors, wire_values
from mockexchange.venues.kalshi.bodies import UUID, Body, BodyField, at_least, uuid_of
from mockexchange.venues.kalshi.context import KalshiContext, subaccount_for
from mockexchange.venues.kalshi.errors import KalshiError, exchange_refusal, not_found, param_error
from mockexchange.venues.kalshi.fcm import fcm_subtrader
from mockexchange.venues.kalshi.order_reads import owner
from mockexchange.venues.kalshi.params import (
    CURSOR,
    MAX_TS,
    MIN_TS,
    SINGLE,
    SUBACCOUNT,
    Param,
    Parts,
    parse_query,
)

T = TypeVar("T")
GET_RFQS, GET_QUOTES = "GetRFQs", "GetQuotes"
ANY_INT = at_least(INT64_MIN)  # an integer whose range is the command's to check
# The first and last seconds of years 1 to 9999 (the times Python holds)
_EARLIEST, _LATEST = -62135596800, 253402300799

CREATE_RFQ = Body("CreateRFQRequest", (
    BodyField("market_ticker", required=True),
    BodyField("contracts", ANY_INT),
    BodyField("contracts_fp"),
    BodyField("target_cost_centi_cents", ANY_INT, go="int64"),
    BodyField("target_cost_dollars"),
    BodyField("target_cost_excludes_fees", FLAG),
    BodyField("obscure_creator_id", FLAG),
    BodyField("rest_remainder", FLAG, required=True),
    BodyField("replace_existing", FLAG),
    BodyField("subtrader_id"),
    BodyField("subaccount", at_least(0)),
))  # fmt: skip
CREATE_QUOTE = Body("CreateQuoteRequest", (
    BodyField("rfq_id", required=True, go=UUID),
    BodyField("yes_bid", required=True),
    BodyField("no_bid", required=True),
    BodyField("rest_remainder", FLAG, required=True),
    BodyField("post_only", FLAG),
    BodyField("subaccount", at_least(0)),
))  # fmt: skip
ACCEPT = Body("AcceptQuoteRequest", (BodyField("accepted_side", SIDE, required=True),))
CONFIRM = Body("EmptyResponse", (), optional=True)  # the confirm's optional, empty body
RFQ_FLAGS = ("market_ticker", "rest_remainder", "target_cost_excludes_fees", "obscure_creator_id", "replace_existing")
BID_TEXT: dict[str, wire_values.Text] = {"yes_bid": "price", "no_bid": "price"}

SELF = Choice(("self",))  # Kalshi's UserFilter
USER_FILTER = Param("user_filter", "UserFilter", SELF)
RFQ_PARAMS = [
    CURSOR,
    Param("event_ticker", "EventTicker", SINGLE),
    Param("market_ticker", "MarketTicker"),
    SUBACCOUNT,
    Param("limit", "Limit", Integer(1, 100), 100, range_tags=("min", "max")),
    Param("status", "Status"),
    Param("creator_user_id", "CreatorUserId"),
    USER_FILTER,
]
QUOTE_PARAMS = [
    CURSOR,
    MIN_TS,
    MAX_TS,
    Param("limit", "Limit", Integer(1, 500), 500, range_tags=("min", "max")),
    Param("status", "Status"),
    Param("quote_creator_user_id", "QuoteCreatorUserId"),
    USER_FILTER,
    Param("rfq_user_filter", "RfqUserFilter", SELF),
    Param("rfq_creator_user_id", "RfqCreatorUserId"),
    Param("rfq_creator_subtrader_id", "RfqCreatorSubtraderId"),
    Param("rfq_id", "RfqId"),
]


def path_uuid(operation: str, name: str, raw: str) -> str:
    """An id the spec declares a UUID (a path's, or `rfq_id`), as Go's binder reads one; its 400 otherwise (worded as
    oapi-codegen's binder words a text it cannot unmarshal, in Kalshi's parameter shape)."""
    try:
        return uuid_of(raw)
    except ValueError as exc:
        msg = (f"Parameter validation failed for {operation}: Invalid format for parameter {name}: error unmarshaling "
               f"'{raw}' text as *uuid.UUID: {exc}")  # fmt: skip
        raise KalshiError(400, {"msg": msg}, f"{name} must be a UUID") from None


def _user(ctx: KalshiContext, operation: str, name: str, raw: str | None) -> str | None:
    """A query's user id: a user the mock knows, else it must be a UUID (Kalshi's ids are; one well formed matches
    nobody here), a malformed one a 400."""
    if raw is None or raw in ctx.ledger.state.accounts:
        return raw
    return path_uuid(operation, name, raw)


# -- the caller's communications id -------------------------------------------------------------------------------


def get_communications_id(ctx: KalshiContext, key: ApiKey, query: Any) -> dict[str, Any]:
    """GetCommunicationsIDResponse: the caller's communications id (drawn at its first need)."""
    with ctx.ledger.reading():
        return {"communications_id": ctx.ledger.communications.communications_id_of(owner(key))}


# -- the lists ------------------------------------------------------------------------------------------------------


def _page(
    operation: str, found: list[T], made: Mapping[str, object], values: dict[str, Any], filters: dict[str, Any],
    id_of: Callable[[T], str],
) -> tuple[list[T], str]:  # fmt: skip
    """One page of `found` (newest first, as made: `made` holds every record's id in the order made) after the one
    the cursor names, and the cursor of the next ("" on the last). A cursor naming no record is a 400."""
    last = cursors.decode_param(operation, values["cursor"], filters, 1)
    if last is not None:
        order = {record_id: at for at, record_id in enumerate(made)}
        before = order.get(last[0])
        if before is None:
            raise param_error(operation, "Cursor", "cursor", "cursor is not one this server issued (unknown record)")
        found = [record for record in found if order[id_of(record)] < before]
    page, more = cursors.one_page(found, values["limit"])
    return page, cursors.encode((id_of(page[-1]),), filters) if more else ""


def _either(first: str | None, second: str | None) -> str | None:
    """Two filters on one user id: the one given, or both if they agree ("" matches nobody when they do not)."""
    if first is None or second is None:
        return first if second is None else second
    return first if first == second else ""


def _self(user_filter: str | None, viewer: str) -> str | None:
    """Kalshi's UserFilter: `self` the caller, else no filter."""
    return viewer if user_filter else None


# -- RFQs -----------------------------------------------------------------------------------------------------------


def get_rfqs(ctx: KalshiContext, key: ApiKey, query: Any) -> dict[str, Any]:
    """GetRFQsResponse: every user's RFQs (broadcast to all), filtered, newest first; `subaccount` keeps the caller's
    own RFQs of that subaccount (another user's subaccount is private)."""
    values = parse_query(GET_RFQS, RFQ_PARAMS, query)
    viewer = owner(key)
    subaccount = subaccount_for(key, values["subaccount"]) if values["subaccount"] is not None else None
    with ctx.ledger.reading():
        comms = ctx.ledger.communications
        creator = _user(ctx, GET_RFQS, "creator_user_id", values["creator_user_id"])
        creator = _either(_either(creator, _self(values["user_filter"], viewer)),
                          None if subaccount is None else viewer)  # fmt: skip
        filters = {"status": values["status"], "market_ticker": values["market_ticker"],
                   "event_ticker": values["event_ticker"], "user_id": creator, "subaccount": subaccount}  # fmt: skip
        found = comms.rfqs(**filters)
        page, cursor = _page(GET_RFQS, found, comms.kept.rfqs, values, filters, lambda rfq: rfq.rfq_id)
        rows = [ctx.profile.rfq(rfq, viewer, comms.rfq_creator_id(rfq, viewer)) for rfq in page]
        return {"rfqs": rows, "cursor": cursor}


def get_rfq(ctx: KalshiContext, key: ApiKey, path: dict[str, str]) -> dict[str, Any]:
    rfq_id = path_uuid("GetRFQ", "rfq_id", path["rfq_id"])
    viewer = owner(key)
    with ctx.ledger.reading():
        comms = ctx.ledger.communications
        try:
            rfq = comms.rfq(rfq_id)
        except LedgerError as exc:
            raise not_found(str(exc)) from None
        return {"rfq": ctx.profile.rfq(rfq, viewer, comms.rfq_creator_id(rfq, viewer))}


def _acting(ctx: KalshiContext, key: ApiKey, body: dict[str, Any]) -> tuple[str, int]:
    """Whose RFQ it is, and its subaccount: the body's subtrader's (an FCM member's, or the one its key is bound to),
    else the key's user's subaccount (the body's, the primary by default)."""
    subtrader_id = body["subtrader_id"]
    if subtrader_id or key.subtrader_id is not None:
        if body["subaccount"]:
            raise exchange_refusal(400, None, "subtrader_id and subaccount are exclusive: a subtrader has none")
        with ctx.ledger.reading():
            _, subtrader = fcm_subtrader(ctx, key, "CreateRFQ", subtrader_id or None, bound_ok=True)
        assert subtrader is not None
        return subtrader, 0
    return key.user_id, subaccount_for(key, body["subaccount"]) or 0


def _agreeing(first: str | None, second: str | None, names: str) -> str | None:
    """One amount given two ways (both given: they must agree), as text the command reads."""
    if first is not None and second is not None and Decimal(first) != Decimal(second):
        raise exchange_refusal(400, None, f"{names} must match when both are given")
    return first if first is not None else second


def sized_by(body: dict[str, Any]) -> dict[str, Any]:
    """The RFQ's count (`contracts_fp`, or whole `contracts`) and target cost (`target_cost_dollars`, or the
    deprecated `target_cost_centi_cents`), as the command's plain values."""
    wire_values.read(body, {"contracts_fp": "count"})
    whole, centi_cents = body["contracts"], body["target_cost_centi_cents"]
    count = _agreeing(body["contracts_fp"], None if whole is None else str(whole), "contracts and contracts_fp")
    dollars = body["target_cost_dollars"]
    if dollars is not None:
        try:
            TARGET_COST.read(dollars, "target_cost_dollars")
        except Refused as exc:
            raise exchange_refusal(400, exc.code, str(exc)) from None
    from_centi = None if centi_cents is None else f"{Decimal(centi_cents).scaleb(-4):f}"
    cost = _agreeing(dollars, from_centi, "target_cost_dollars and target_cost_centi_cents")
    return {"contracts": count, "target_cost": cost}


def create_rfq(ctx: KalshiContext, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    """CreateRFQResponse: the new RFQ's id."""
    user_id, subaccount = _acting(ctx, key, body)
    fields = {name: body[name] for name in RFQ_FLAGS if body[name] is not None}
    sized = {name: value for name, value in sized_by(body).items() if value is not None}
    made = commands.execute(ctx, commands.read(CreateRfq, {
        **fields, **sized, "user_id": user_id, "subaccount": subaccount,
    }))  # fmt: skip
    return {"id": made.rfq_id}


def delete_rfq(ctx: KalshiContext, key: ApiKey, parts: Parts) -> None:
    rfq_id = path_uuid("DeleteRFQ", "rfq_id", parts.query["rfq_id"])
    commands.execute(ctx, commands.read(DeleteRfq, {"user_id": owner(key), "rfq_id": rfq_id}))


# -- quotes ---------------------------------------------------------------------------------------------------------


def get_quotes(ctx: KalshiContext, key: ApiKey, query: Any) -> dict[str, Any]:
    """GetQuotesResponse: the quotes the caller may read (its own, and those on its RFQs), filtered, newest first."""
    values = parse_query(GET_QUOTES, QUOTE_PARAMS, query)
    viewer = owner(key)
    rfq_id = None if values["rfq_id"] is None else path_uuid(GET_QUOTES, "rfq_id", values["rfq_id"])
    with ctx.ledger.reading():
        comms = ctx.ledger.communications
        maker = _user(ctx, GET_QUOTES, "quote_creator_user_id", values["quote_creator_user_id"])
        requester = _user(ctx, GET_QUOTES, "rfq_creator_user_id", values["rfq_creator_user_id"])
        requester = _either(requester, values["rfq_creator_subtrader_id"])
        filters = {
            "rfq_id": rfq_id, "status": values["status"],
            "quote_creator": _either(maker, _self(values["user_filter"], viewer)),
            "rfq_creator": _either(requester, _self(values["rfq_user_filter"], viewer)),
            "min_ts": _when(values["min_ts"]), "max_ts": _when(values["max_ts"]),
        }  # fmt: skip
        found = comms.quotes(viewer, **filters)
        page, cursor = _page(GET_QUOTES, found, comms.kept.quotes, values, {**filters, "min_ts": values["min_ts"],
                             "max_ts": values["max_ts"]}, lambda quote: quote.quote_id)  # fmt: skip
        return {"quotes": [_quote_row(ctx, comms, quote, viewer) for quote in page], "cursor": cursor}


def _when(seconds: int | None) -> datetime | None:
    """A Unix time of the query (any int64) as a time, within the times Python holds."""
    if seconds is None:
        return None
    return datetime.fromtimestamp(min(max(seconds, _EARLIEST), _LATEST), UTC)


def _quote_row(ctx: KalshiContext, comms: Communications, quote: Quote, viewer: str) -> dict[str, Any]:
    rfq = comms.kept.rfqs.get(quote.rfq_id)  # (None: forgotten; the quote keeps the terms it shows)
    return ctx.profile.quote(quote, rfq, viewer, comms.communications_id_of(quote.user_id),
                             comms.quote_rfq_creator_id(quote, viewer))  # fmt: skip


def get_quote(ctx: KalshiContext, key: ApiKey, path: dict[str, str], operation: str = "GetQuote") -> dict[str, Any]:
    """GetQuoteResponse: a quote its maker or its RFQ's creator reads (anyone else: 404), of the path's RFQ if named."""
    quote_id = path_uuid(operation, "quote_id", path["quote_id"])
    rfq_id = path_uuid(operation, "rfq_id", path["rfq_id"]) if "rfq_id" in path else None
    viewer = owner(key)
    with ctx.ledger.reading():
        comms = ctx.ledger.communications
        try:
            quote = comms.quote(quote_id, viewer, rfq_id)
        except LedgerError as exc:
            raise not_found(str(exc)) from None
        return {"quote": _quote_row(ctx, comms, quote, viewer)}


def get_rfq_quote(ctx: KalshiContext, key: ApiKey, path: dict[str, str]) -> dict[str, Any]:
    return get_quote(ctx, key, path, "GetRFQQuote")


def create_quote(ctx: KalshiContext, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    """CreateQuoteResponse: the new quote's id."""
    wire_values.read(body, BID_TEXT)
    fields = {name: body[name] for name in ("rfq_id", "yes_bid", "no_bid", "rest_remainder", "post_only")
              if body[name] is not None}  # fmt: skip
    made = commands.execute(ctx, commands.read(CreateQuote, {
        **fields, "user_id": owner(key), "subaccount": subaccount_for(key, body["subaccount"]) or 0,
    }))  # fmt: skip
    return {"id": made.quote_id}


def on_quote(command: type[Command], operation: str) -> Callable[[KalshiContext, ApiKey, Parts], None]:
    """The route of `command` on the path's quote (of the path's RFQ, if it names one): delete, accept, confirm."""
    return partial(_on_quote, command=command, operation=operation)


def _on_quote(ctx: KalshiContext, key: ApiKey, parts: Parts, command: type[Command], operation: str) -> None:
    path = parts.query
    fields = {"user_id": owner(key), "quote_id": path_uuid(operation, "quote_id", path["quote_id"])}
    if "rfq_id" in path:
        fields["rfq_id"] = path_uuid(operation, "rfq_id", path["rfq_id"])
    body = parts.body or {}
    if body.get("accepted_side") is not None:
        fields["accepted_side"] = body["accepted_side"]
    commands.execute(ctx, commands.read(command, fields))
