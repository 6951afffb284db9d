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

from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.clock import unix_seconds
from mockexchange.core.commands import Command
from mockexchange.core.kalshi.rfq_commands import SIDE, TARGET_COST, CreateQuote, CreateRfq, DeleteRfq
from mockexchange.core.kalshi.rfq_records import Quote, Rfq
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
from mockexchange.venues.kalshi.rfq_render import quote_row, rfq_row, visible

T = TypeVar("T")
GET_RFQS, GET_QUOTES = "GetRFQs", "GetQuotes"
ANY_INT = at_least(INT64_MIN)  # an integer whose range is the command's to check

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


def _id(operation: str, name: str, raw: str) -> str:
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
    return _id(operation, name, raw)


# -- the caller's communications id -------------------------------------------------------------------------------


def get_communications_id(ctx: KalshiContext, key: ApiKey, query: Any) -> dict[str, Any]:
    return {"communications_id": ctx.ledger.communications.communications_id(owner(key))}


# -- RFQs -----------------------------------------------------------------------------------------------------------


def _newest_after(operation: str, records: dict[str, T], cursor: str | None, filters: dict[str, Any]) -> Iterator[T]:
    """The records newest first (a dict keeps them oldest first), after the one the cursor names; a cursor that names
    none of them is a 400, as `cursors` says."""
    last = cursors.decode_param(operation, cursor, filters, 1)
    ordered: Iterable[T] = reversed(records.values())
    if last is not None:
        if last[0] not in records:
            raise param_error(operation, "Cursor", "cursor", "cursor is not one this server issued (unknown record)")
        ids = reversed(records)
        for record_id in ids:
            if record_id == last[0]:
                break
        ordered = (records[record_id] for record_id in ids)
    return iter(ordered)


def _page(
    operation: str, records: dict[str, T], values: dict[str, Any], filters: dict[str, Any],
    keep: Callable[[T], bool], row: Callable[[T], dict[str, Any]], id_of: Callable[[T], str], name: str,
) -> dict[str, Any]:  # fmt: skip
    """One page of the records `keep` keeps, newest first, and the cursor of the next ("" on the last)."""
    found = (record for record in _newest_after(operation, records, values["cursor"], filters) if keep(record))
    page, more = cursors.one_page(found, values["limit"])
    return {name: [row(record) for record in page],
            "cursor": cursors.encode((id_of(page[-1]),), filters) if more else ""}  # fmt: skip


def get_rfqs(ctx: KalshiContext, key: ApiKey, query: Any) -> dict[str, Any]:
    """GetRFQsResponse: every user's RFQs (broadcast to all), filtered; `subaccount` keeps the caller's own RFQs of
    that subaccount (another user's subaccount is private)."""
    values = parse_query(GET_RFQS, RFQ_PARAMS, query)
    viewer = owner(key)
    subaccount = subaccount_for(key, values["subaccount"]) if values["subaccount"] is not None else None
    with ctx.ledger.reading():
        state = ctx.ledger.state.communications
        creator = _user(ctx, GET_RFQS, "creator_user_id", values["creator_user_id"])
        if values["user_filter"]:
            creator = viewer if creator in (None, viewer) else ""  # (another creator and self: none)
        market, event, status = values["market_ticker"], values["event_ticker"], values["status"]

        def keep(rfq: Rfq) -> bool:
            return ((market is None or rfq.market_ticker == market) and (event is None or rfq.event_ticker == event)
                    and (status is None or rfq.status == status) and (creator is None or rfq.user_id == creator)
                    and (subaccount is None or (rfq.user_id == viewer and rfq.subaccount == subaccount)))  # fmt: skip

        filters = {"market_ticker": market, "event_ticker": event, "status": status, "creator": creator,
                   "subaccount": subaccount, "viewer": viewer}  # fmt: skip
        return _page(GET_RFQS, state.rfqs, values, filters, keep, lambda rfq: rfq_row(rfq, viewer, state.ids),
                     lambda rfq: rfq.rfq_id, "rfqs")  # fmt: skip


def get_rfq(ctx: KalshiContext, key: ApiKey, path: dict[str, str]) -> dict[str, Any]:
    rfq_id = _id("GetRFQ", "rfq_id", path["rfq_id"])
    with ctx.ledger.reading():
        state = ctx.ledger.state.communications
        rfq = state.rfqs.get(rfq_id)
        if rfq is None:
            raise not_found(f"no RFQ {rfq_id}")
        return {"rfq": rfq_row(rfq, owner(key), state.ids)}


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


def _size(body: dict[str, Any]) -> dict[str, Any]:
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
    sized = {name: value for name, value in _size(body).items() if value is not None}
    made = commands.execute(ctx, commands.read(CreateRfq, {
        **fields, **sized, "user_id": user_id, "subaccount": subaccount,
    }))  # fmt: skip
    return {"id": made.rfq_id}


def delete_rfq(ctx: KalshiContext, key: ApiKey, parts: Parts) -> None:
    rfq_id = _id("DeleteRFQ", "rfq_id", parts.query["rfq_id"])
    commands.execute(ctx, commands.read(DeleteRfq, {"user_id": owner(key), "rfq_id": rfq_id}))


# -- quotes ---------------------------------------------------------------------------------------------------------


def get_quotes(ctx: KalshiContext, key: ApiKey, query: Any) -> dict[str, Any]:
    """GetQuotesResponse: the quotes the caller may read (its own, and those on its RFQs), filtered."""
    values = parse_query(GET_QUOTES, QUOTE_PARAMS, query)
    viewer = owner(key)
    rfq_id = None if values["rfq_id"] is None else _id(GET_QUOTES, "rfq_id", values["rfq_id"])
    least, most, status = values["min_ts"], values["max_ts"], values["status"]
    with ctx.ledger.reading():
        state = ctx.ledger.state.communications
        maker = _user(ctx, GET_QUOTES, "quote_creator_user_id", values["quote_creator_user_id"])
        requester = _user(ctx, GET_QUOTES, "rfq_creator_user_id", values["rfq_creator_user_id"])
        subtrader = values["rfq_creator_subtrader_id"]
        maker = _self(maker, values["user_filter"], viewer)
        requester = _self(requester, values["rfq_user_filter"], viewer)

        def keep(quote: Quote) -> bool:
            updated = unix_seconds(quote.updated_ts)
            return (visible(quote, viewer) and (rfq_id is None or quote.rfq_id == rfq_id)
                    and (status is None or quote.status == status) and (maker is None or quote.user_id == maker)
                    and (requester is None or quote.rfq_user_id == requester)
                    and (subtrader is None or quote.rfq_user_id == subtrader)
                    and (least is None or updated >= least) and (most is None or updated <= most))  # fmt: skip

        filters = {"rfq_id": rfq_id, "status": status, "maker": maker, "requester": requester, "subtrader": subtrader,
                   "min_ts": least, "max_ts": most, "viewer": viewer}  # fmt: skip
        rfqs, ids = state.rfqs, state.ids
        return _page(GET_QUOTES, state.quotes, values, filters, keep,
                     lambda quote: quote_row(quote, rfqs[quote.rfq_id], viewer, ids), lambda quote: quote.quote_id,
                     "quotes")  # fmt: skip


def _self(named: str | None, user_filter: str | None, viewer: str) -> str | None:
    """A user filter with `self` (UserFilter) over it: the caller, unless another user is named too (then none)."""
    if not user_filter:
        return named
    return viewer if named in (None, viewer) else ""


def get_quote(ctx: KalshiContext, key: ApiKey, path: dict[str, str], operation: str = "GetQuote") -> dict[str, Any]:
    """GetQuoteResponse: a quote its maker or its RFQ's creator reads (anyone else: 404), of the path's RFQ if named."""
    quote_id = _id(operation, "quote_id", path["quote_id"])
    rfq_id = _id(operation, "rfq_id", path["rfq_id"]) if "rfq_id" in path else None
    viewer = owner(key)
    with ctx.ledger.reading():
        state = ctx.ledger.state.communications
        quote = state.quotes.get(quote_id)
        if quote is None or not visible(quote, viewer) or rfq_id not in (None, quote.rfq_id):
            raise not_found(f"no quote {quote_id} the caller may read" + (f" on RFQ {rfq_id}" if rfq_id else ""))
        return {"quote": quote_row(quote, state.rfqs[quote.rfq_id], viewer, state.ids)}


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
    fields = {"user_id": owner(key), "quote_id": _id(operation, "quote_id", path["quote_id"])}
    if "rfq_id" in path:
        fields["rfq_id"] = _id(operation, "rfq_id", path["rfq_id"])
    body = parts.body or {}
    if body.get("accepted_side") is not None:
        fields["accepted_side"] = body["accepted_side"]
    commands.execute(ctx, commands.read(command, fields))
