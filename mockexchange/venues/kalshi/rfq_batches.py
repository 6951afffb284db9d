"""Kalshi's RFQ batches on the wire (the communications API, 3.34.0): batches made, listed, read and deleted, their
best quotes read and accepted by their creator; makers' batch quotes made, listed, deleted and confirmed.

Reads come from the ledger's `rfq_batches` part under its lock (`ledger.reading()`: whatever fell due by now has
happened first), rendered by rfq_batch_render.py as the caller may see them. Writes are read as Kalshi's Go server
reads their bodies (bodies.py) and run as the core's typed commands (core/kalshi/rfq_batch_commands.py, through
commands.py), so a state file keeps what a client did; a refusal is the ledger's, in Kalshi's exchange shape, and
changes nothing. An id in a path or a body is a UUID, read as communications.py reads one (a malformed one: 400).

A child names its market by `market_ticker` (any listed market) or by its legs (`selected_markets`), looked up or made
in the batch's `mve_collection_ticker` as POST /multivariate_event_collections/{collection_ticker} does
(multivariate.py: a combo made stays, whatever the batch then meets; an unknown collection 404, legs its rules refuse
400; the legs without a collection 400). FCM members cannot create batches (403 `rfq_batch_unavailable`, as Kalshi). A
list's page holds at most `limit` batches and stops before its children would pass 100 (a batch is never split), most
recently updated first, keyset-paged.
"""

from __future__ import annotations

from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.commands import Command
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.multivariate_commands import CreateMarketInCollection
from mockexchange.core.kalshi.rfq_batch_commands import (
    CLIENT_BATCH_ID,
    LEAST_CHILDREN,
    MOST_CHILDREN,
    AcceptRfqBatch,
    ConfirmBatchQuote,
    CreateBatchQuote,
    CreateRfqBatch,
    DeleteBatchQuote,
    DeleteRfqBatch,
)
from mockexchange.core.kalshi.rfq_batch_records import BATCH_ACCEPTED, BATCH_CLOSED, BATCH_OPEN, RfqBatch
from mockexchange.core.kalshi.rfq_commands import SIDE
from mockexchange.core.values import FLAG, Choice, Integer, Listed
from mockexchange.venues.kalshi import commands, cursors, wire_values
from mockexchange.venues.kalshi.bodies import UUID, Body, BodyField, at_least
from mockexchange.venues.kalshi.communications import USER_FILTER, path_uuid, sized_by
from mockexchange.venues.kalshi.context import KalshiContext, subaccount_for
from mockexchange.venues.kalshi.errors import exchange_refusal, not_found
from mockexchange.venues.kalshi.multivariate import TICKER_PAIR, legs_of
from mockexchange.venues.kalshi.order_reads import owner
from mockexchange.venues.kalshi.params import CURSOR, SUBACCOUNT, Param, Parts, parse_query
from mockexchange.venues.kalshi.rfq_batch_render import batch_creator_id, batch_quote_row, batch_row, best_row
from mockexchange.venues.kalshi.rfq_render import quote_row

GET_BATCHES = "GetRFQBatches"
PAGE_CHILDREN = 100  # a list's page stops before its children would pass this
CHILD = Body("CreateRFQBatchChild", (
    BodyField("market_ticker"),
    BodyField("selected_markets", Listed(None, 6), items=TICKER_PAIR),
    BodyField("contracts_fp"),
    BodyField("target_cost_dollars"),
))  # fmt: skip
CREATE_BATCH = Body("CreateRFQBatchRequest", (
    BodyField("children", Listed(None, MOST_CHILDREN, LEAST_CHILDREN), required=True, items=CHILD),
    BodyField("mve_collection_ticker"),
    BodyField("contracts_fp"),
    BodyField("target_cost_dollars"),
    BodyField("target_cost_excludes_fees", FLAG),
    BodyField("rest_remainder", FLAG),
    BodyField("replace_existing", FLAG),
    BodyField("obscure_creator_id", FLAG),
    BodyField("client_batch_id", CLIENT_BATCH_ID),
    BodyField("subtrader_id"),
    BodyField("subaccount", at_least(0)),
))  # fmt: skip
MIN_BID = Body("RFQBatchAcceptLimit", (
    BodyField("rfq_id", required=True, go=UUID),
    BodyField("bid_dollars", required=True),
))  # fmt: skip
ACCEPT_BATCH = Body("AcceptRFQBatchRequest", (
    BodyField("accepted_side", SIDE, required=True),
    BodyField("min_bids", Listed(None, MOST_CHILDREN, LEAST_CHILDREN), required=True, items=MIN_BID),
    BodyField("client_order_id"),
))  # fmt: skip
QUOTE_ENTRY = Body("RFQBatchQuoteEntry", (
    BodyField("rfq_id", required=True, go=UUID),
    BodyField("yes_bid", required=True),
    BodyField("no_bid", required=True),
))  # fmt: skip
CREATE_BATCH_QUOTE = Body("CreateRFQBatchQuoteRequest", (
    BodyField("quotes", Listed(None, MOST_CHILDREN, LEAST_CHILDREN), required=True, items=QUOTE_ENTRY),
    BodyField("rest_remainder", FLAG, required=True),
    BodyField("post_only", FLAG),
    BodyField("subaccount", at_least(0)),
))  # fmt: skip
CONFIRM = Body("EmptyResponse", (), optional=True)
BATCH_FLAGS = ("target_cost_excludes_fees", "rest_remainder", "replace_existing", "obscure_creator_id")
BATCH_PARAMS = [
    CURSOR,
    SUBACCOUNT,
    Param("limit", "Limit", Integer(1, 20), 20, range_tags=("min", "max")),
    Param("status", "Status", Choice((BATCH_OPEN, BATCH_ACCEPTED, BATCH_CLOSED))),
    USER_FILTER,
]


def _path_id(parts: dict[str, str], operation: str, name: str = "rfq_batch_id") -> str:
    return path_uuid(operation, name, parts[name])


def _refused(exc: LedgerError) -> Exception:
    """A read's refusal in Kalshi's shape: the ledger's 404 as Kalshi's not_found, another as its exchange error."""
    return not_found(str(exc)) if exc.status == 404 else commands.refused(exc)


# -- batches --------------------------------------------------------------------------------------------------------


def get_rfq_batches(ctx: KalshiContext, key: ApiKey, query: Any) -> dict[str, Any]:
    """GetRFQBatchesResponse: every user's batches (broadcast to all), filtered, most recently updated first; a page
    stops before its children would pass 100; `subaccount` keeps the caller's own of that subaccount."""
    values = parse_query(GET_BATCHES, BATCH_PARAMS, query)
    viewer = owner(key)
    subaccount = subaccount_for(key, values["subaccount"]) if values["subaccount"] is not None else None
    mine = values["user_filter"] or subaccount is not None
    filters = {"status": values["status"], "user_id": viewer if mine else None, "subaccount": subaccount}
    with ctx.ledger.reading():
        parts, comms = ctx.ledger.rfq_batches, ctx.ledger.communications
        found = parts.batches(**filters)

        def key_of(batch: RfqBatch) -> tuple[str, str]:
            return batch.updated_ts.isoformat(), f"{batch.number:012d}"

        last = cursors.decode_param(GET_BATCHES, values["cursor"], filters, 2)
        if last is not None:
            found = [batch for batch in found if key_of(batch) < tuple(last)]
        page: list[RfqBatch] = []
        children = 0
        for batch in found:
            if len(page) == values["limit"] or (page and children + len(batch.rfq_ids) > PAGE_CHILDREN):
                break
            page.append(batch)
            children += len(batch.rfq_ids)
        more = len(page) < len(found)
        return {"rfq_batches": [batch_row(comms, batch, viewer) for batch in page],
                "cursor": cursors.encode(key_of(page[-1]), filters) if more else ""}  # fmt: skip


def get_rfq_batch(ctx: KalshiContext, key: ApiKey, path: dict[str, str]) -> dict[str, Any]:
    batch_id = _path_id(path, "GetRFQBatch")
    with ctx.ledger.reading():
        try:
            batch = ctx.ledger.rfq_batches.batch(batch_id)
        except LedgerError as exc:
            raise _refused(exc) from None
        return {"rfq_batch": batch_row(ctx.ledger.communications, batch, owner(key))}


def _child(child: dict[str, Any], where: str, collection: str | None) -> dict[str, Any]:
    """A child's plain values, its own size if given: its market by ticker, or its legs (`selected_markets`, in the
    batch's collection), whose combo market `_combos` looks up or makes."""
    if (child["market_ticker"] is None) == (child["selected_markets"] is None):
        raise exchange_refusal(400, None, f"{where}: set exactly one of market_ticker and selected_markets")
    if child["selected_markets"] is not None and not collection:
        raise exchange_refusal(400, None, f"{where}: selected_markets need the batch's mve_collection_ticker")
    sized = {name: value for name, value in sized_by({**child, "contracts": None, "target_cost_centi_cents": None})
             .items() if value is not None}  # fmt: skip
    if child["selected_markets"] is None:
        return {"market_ticker": child["market_ticker"], **sized}
    return {"selected_markets": legs_of(child["selected_markets"]), **sized}


def _combos(ctx: KalshiContext, key: ApiKey, children: list[dict[str, Any]], collection: str | None) -> None:
    """Each child named by its legs named by its combo market instead, looked up or made in the collection as POST
    /multivariate_event_collections/{collection_ticker} does (a combo made stays, whatever the batch meets)."""
    for child in children:
        legs = child.pop("selected_markets", None)
        if legs is not None:
            made = commands.execute(ctx, commands.read(CreateMarketInCollection, {
                "user_id": key.user_id, "collection_ticker": collection, "selected_markets": legs,
            }))  # fmt: skip
            child["market_ticker"] = made.combo.ticker


def create_rfq_batch(ctx: KalshiContext, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    """CreateRFQBatchResponse: the new batch."""
    with ctx.ledger.reading():
        member = ctx.ledger.state.accounts.get(key.user_id)
        if body["subtrader_id"] or key.subtrader_id is not None or (member is not None and member.fcm_member):
            raise exchange_refusal(403, "rfq_batch_unavailable", "FCM members cannot create RFQ batches yet")
    collection = body["mve_collection_ticker"]
    children = [_child(child, f"children[{i}]", collection) for i, child in enumerate(body["children"])]
    _combos(ctx, key, children, collection)
    sized = {name: value for name, value in sized_by({**body, "contracts": None, "target_cost_centi_cents": None})
             .items() if value is not None}  # fmt: skip
    fields = {name: body[name] for name in BATCH_FLAGS if body[name] is not None}
    if body["client_batch_id"]:
        fields["client_batch_id"] = body["client_batch_id"]
    made = commands.execute(ctx, commands.read(CreateRfqBatch, {
        **fields, **sized, "children": children, "user_id": key.user_id,
        "subaccount": subaccount_for(key, body["subaccount"]) or 0,
    }))  # fmt: skip
    with ctx.ledger.reading():
        return {"rfq_batch": batch_row(ctx.ledger.communications, made, key.user_id)}


def delete_rfq_batch(ctx: KalshiContext, key: ApiKey, parts: Parts) -> None:
    batch_id = _path_id(parts.query, "DeleteRFQBatch")
    commands.execute(ctx, commands.read(DeleteRfqBatch, {"user_id": owner(key), "rfq_batch_id": batch_id}))


def get_best_quotes(ctx: KalshiContext, key: ApiKey, path: dict[str, str]) -> dict[str, Any]:
    """GetRFQBatchBestQuotesResponse: the batch's best bids across makers, to its creator alone (403 otherwise)."""
    batch_id = _path_id(path, "GetRFQBatchBestQuotes")
    with ctx.ledger.reading():
        try:
            shown = ctx.ledger.rfq_batches.best_quotes(batch_id, owner(key))
        except LedgerError as exc:
            raise _refused(exc) from None
        return {"best_quotes": best_row(ctx.ledger.communications, shown)}


def accept_rfq_batch(ctx: KalshiContext, key: ApiKey, parts: Parts) -> dict[str, Any]:
    """AcceptRFQBatchResponse: the side, and the quote each child was accepted from, in batch order (a retry with the
    accept's client_order_id: its quotes as they were accepted)."""
    batch_id = _path_id(parts.query, "AcceptRFQBatch")
    body = parts.body or {}
    key_given = wire_values.read(body, {"client_order_id": "client_order_id"}).get("client_order_id")
    least = [{"rfq_id": entry["rfq_id"], "bid": wire_values.read(entry, {"bid_dollars": "price"})["bid_dollars"]}
             for entry in body["min_bids"]]  # fmt: skip
    viewer = owner(key)
    accepted = commands.execute(ctx, commands.read(AcceptRfqBatch, {
        "user_id": viewer, "rfq_batch_id": batch_id, "accepted_side": body["accepted_side"], "min_bids": least,
        **({"client_order_id": key_given} if key_given else {}),
    }))  # fmt: skip
    with ctx.ledger.reading():
        comms = ctx.ledger.communications
        creator_id = batch_creator_id(comms, ctx.ledger.rfq_batches.batch(batch_id), viewer)
        rows = [quote_row(quote, comms.kept.rfqs.get(quote.rfq_id), viewer, comms.communications_id_of(quote.user_id),
                          creator_id) for quote in accepted]  # fmt: skip
    return {"accepted_side": body["accepted_side"], "quotes": rows}


# -- batch quotes ---------------------------------------------------------------------------------------------------


def get_batch_quotes(ctx: KalshiContext, key: ApiKey, path: dict[str, str]) -> dict[str, Any]:
    """GetRFQBatchQuotesResponse: the batch quotes the caller may read on the batch."""
    batch_id = _path_id(path, "GetRFQBatchQuotes")
    viewer = owner(key)
    with ctx.ledger.reading():
        part = ctx.ledger.rfq_batches
        try:
            batch, found = part.batch(batch_id), part.batch_quotes(batch_id, viewer)
        except LedgerError as exc:
            raise _refused(exc) from None
        comms = ctx.ledger.communications
        return {"batch_quotes": [batch_quote_row(comms, batch, made, viewer) for made in found]}


def create_batch_quote(ctx: KalshiContext, key: ApiKey, parts: Parts) -> dict[str, Any]:
    """CreateRFQBatchQuoteResponse: the new batch quote's id."""
    batch_id = _path_id(parts.query, "CreateRFQBatchQuote")
    body = parts.body or {}
    quotes = [{name: wire_values.read(entry, {"yes_bid": "price", "no_bid": "price"})[name]
               for name in ("rfq_id", "yes_bid", "no_bid")} for entry in body["quotes"]]  # fmt: skip
    fields = {name: body[name] for name in ("rest_remainder", "post_only") if body[name] is not None}
    made = commands.execute(ctx, commands.read(CreateBatchQuote, {
        **fields, "quotes": quotes, "rfq_batch_id": batch_id, "user_id": owner(key),
        "subaccount": subaccount_for(key, body["subaccount"]) or 0,
    }))  # fmt: skip
    return {"id": made.batch_quote_id}


def on_batch_quote(command: type[Command], operation: str) -> Any:
    """The route of `command` on the path's batch quote: delete, confirm."""

    def route(ctx: KalshiContext, key: ApiKey, parts: Parts) -> None:
        path = parts.query
        commands.execute(ctx, commands.read(command, {
            "user_id": owner(key), "rfq_batch_id": _path_id(path, operation),
            "batch_quote_id": _path_id(path, operation, "batch_quote_id"),
        }))  # fmt: skip

    return route


DELETE_BATCH_QUOTE = on_batch_quote(DeleteBatchQuote, "DeleteRFQBatchQuote")
CONFIRM_BATCH_QUOTE = on_batch_quote(ConfirmBatchQuote, "ConfirmRFQBatchQuote")
