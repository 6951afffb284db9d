"""Kalshi's multivariate event collections (3.34.0's multivariate API) and their combo events: the collections listed
and read, a combo market made in a collection (signed), and the combo events listed (GET /events/multivariate).

The collections and the combos are the ledger's `multivariate` part's (core/kalshi/multivariate.py), set by the
control plane and made by clients; reads are public, under the ledger's lock. A collection's status is its dates' on
the exchange clock now. Collections are paged in ticker order, combo events too (keyset cursors: the last ticker);
a cursor issued for other filters starts from the first page, as the other market data reads do. A combo made is
read from the body as Kalshi's Go server reads it (bodies.py), then run as the core's typed command
(`CreateMarketInCollection`, through commands.py), so a state file keeps it; its refusal is the ledger's, in Kalshi's
exchange shape (an unknown collection 404, legs that break its rules 400), and changes nothing.

The legacy profile (spec 3.2.0's client) has two more: a combo looked up by its legs (signed; a 404 if it was never
made) and a collection's lookup history (public: the combos made or looked up in the last `lookback_seconds`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.multivariate_commands import (
    MAX_LEGS,
    CreateMarketInCollection,
    LookupMarketInCollection,
)
from mockexchange.core.kalshi.multivariate_records import COLLECTION_STATUSES, Collection
from mockexchange.core.kalshi.rfq_commands import SIDE
from mockexchange.core.values import FLAG, Choice, Integer, Listed
from mockexchange.venues.kalshi import commands, cursors
from mockexchange.venues.kalshi.bodies import Body, BodyField
from mockexchange.venues.kalshi.catalogue import event_rows
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import param_error
from mockexchange.venues.kalshi.market_render import leg_row, ranges
from mockexchange.venues.kalshi.markets import rendered_all
from mockexchange.venues.kalshi.params import CURSOR, Param, Parts, listed, parse_query
from mockexchange.venues.kalshi.render import Row, rfc3339

GET_COLLECTIONS = "GetMultivariateEventCollections"
GET_EVENTS = "GetMultivariateEvents"
COLLECTIONS_PARAMS = [
    Param("status", "Status", Choice(COLLECTION_STATUSES)), Param("associated_event_ticker", "AssociatedEventTicker"),
    Param("series_ticker", "SeriesTicker"),
    Param("limit", "Limit", Integer(1, 200), default=100, range_tags=("min", "max")), CURSOR,
]  # fmt: skip
EVENTS_PARAMS = [
    Param("limit", "Limit", Integer(1, 200), default=100, range_tags=("min", "max")), CURSOR,
    Param("series_ticker", "SeriesTicker"), Param("collection_ticker", "CollectionTicker"),
    Param("tickers", "Tickers", listed(1000)), Param("with_nested_markets", "WithNestedMarkets", FLAG, default=False),
]  # fmt: skip
TICKER_PAIR = Body("TickerPair", (
    BodyField("market_ticker", required=True),
    BodyField("event_ticker", required=True),
    BodyField("side", SIDE, required=True),
))  # fmt: skip
SELECTED = BodyField("selected_markets", Listed(None, MAX_LEGS), required=True, items=TICKER_PAIR)
CREATE = Body("CreateMarketInMultivariateEventCollectionRequest", (SELECTED, BodyField("with_market_payload", FLAG)))
# The legacy profile's (spec 3.2.0): a combo looked up, and the collection's lookups of the last `lookback_seconds`.
GET_LOOKUPS = "GetMultivariateEventCollectionLookupHistory"
LOOKUP = Body("LookupTickersForMarketInMultivariateEventCollectionRequest", (SELECTED,))
LOOKBACKS = (10, 60, 300, 3600)
LOOKUPS_PARAMS = [Param("lookback_seconds", "LookbackSeconds", Integer(min(LOOKBACKS), max(LOOKBACKS)), required=True)]


def legs_of(selected: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The legs of a body's `selected_markets` (`TickerPair`s: any other field a client sent left out)."""
    return [{name: leg[name] for name in ("market_ticker", "event_ticker", "side")} for leg in selected]


def collection_row(collection: Collection) -> Row:
    """Kalshi's `MultivariateEventCollection`."""
    events = collection.associated_events
    return {
        "collection_ticker": collection.collection_ticker, "series_ticker": collection.series_ticker,
        "exchange_index": collection.exchange_index, "title": collection.title,
        "description": collection.description, "open_date": rfc3339(collection.open_date),
        "close_date": rfc3339(collection.close_date),
        "associated_events": [{"ticker": e.ticker, "is_yes_only": e.is_yes_only, "size_max": e.size_max,
                               "size_min": e.size_min, "active_quoters": list(e.active_quoters)} for e in events],
        "associated_event_tickers": [e.ticker for e in events], "is_ordered": collection.is_ordered,
        "is_single_market_per_event": collection.is_single_market_per_event, "is_all_yes": collection.is_all_yes,
        "size_min": collection.size_min, "size_max": collection.size_max,
        "functional_description": collection.functional_description,
        "price_level_structure": collection.price_level_structure,
        "price_ranges": ranges(collection.price_level_structure),
    }  # fmt: skip


def get_collections(ctx: KalshiContext, key: Any, query: Any) -> dict[str, Any]:
    values = parse_query(GET_COLLECTIONS, COLLECTIONS_PARAMS, query)
    filters = {"op": GET_COLLECTIONS, **{k: v for k, v in values.items() if k not in ("cursor", "limit")}}
    after = cursors.decode_param(GET_COLLECTIONS, values["cursor"], filters, key_length=1, lenient=True)
    status, event, series = values["status"], values["associated_event_ticker"], values["series_ticker"]
    with ctx.ledger.reading() as ledger:
        now = ledger.state.clock.now()
        found = (
            c for c in ledger.multivariate.collections()
            if (after is None or c.collection_ticker > after[0]) and (status is None or c.status(now) == status)
            and (event is None or c.associated(event) is not None) and (series is None or c.series_ticker == series)
        )  # fmt: skip
        page, more = cursors.one_page(found, values["limit"])
        return {
            "multivariate_contracts": [collection_row(c) for c in page],
            "cursor": cursors.encode((page[-1].collection_ticker,), filters) if more else "",
        }


def get_collection(ctx: KalshiContext, key: Any, path: Any) -> dict[str, Any]:
    with ctx.ledger.reading() as ledger:
        try:
            collection = ledger.multivariate.collection(path["collection_ticker"])
        except LedgerError as exc:
            raise commands.refused(exc) from None
        return {"multivariate_contract": collection_row(collection)}


def create_market(ctx: KalshiContext, key: ApiKey, parts: Parts) -> dict[str, Any]:
    """CreateMarketInMultivariateEventCollectionResponse: the combo of the legs selected (made if new), its market's
    payload if asked for."""
    body = parts.body or {}
    made = _combo(ctx, key, parts, CreateMarketInCollection)
    answer: dict[str, Any] = {"event_ticker": made.combo.event_ticker, "market_ticker": made.combo.ticker}
    if body.get("with_market_payload"):
        with ctx.ledger.reading():
            answer["market"] = rendered_all(ctx, [made.market])[0]
    return answer


def lookup_market(ctx: KalshiContext, key: ApiKey, parts: Parts) -> dict[str, Any]:
    """LookupTickersForMarketInMultivariateEventCollectionResponse (the legacy profile's): the combo of the legs, made
    before (a 404 if it never was)."""
    made = _combo(ctx, key, parts, LookupMarketInCollection)
    return {"event_ticker": made.combo.event_ticker, "market_ticker": made.combo.ticker}


def _combo(ctx: KalshiContext, key: ApiKey, parts: Parts, command: Any) -> Any:
    """What the typed command of the legs a body selects in the path's collection answers (a `ComboMade`)."""
    return commands.execute(ctx, commands.read(command, {
        "user_id": key.user_id, "collection_ticker": parts.query["collection_ticker"],
        "selected_markets": legs_of((parts.body or {})["selected_markets"]),
    }))  # fmt: skip


def get_lookup_history(ctx: KalshiContext, key: Any, values: Any) -> dict[str, Any]:
    """GetMultivariateEventCollectionLookupHistoryResponse (the legacy profile's): the collection's combos asked for
    (made or looked up) in the last `lookback_seconds` (10, 60, 300 or 3600), the latest first."""
    lookback = parse_query(GET_LOOKUPS, LOOKUPS_PARAMS, values)["lookback_seconds"]
    if lookback not in LOOKBACKS:
        raise param_error(GET_LOOKUPS, "LookbackSeconds", "oneof", f"lookback_seconds is one of {LOOKBACKS}")
    with ctx.ledger.reading() as ledger:
        try:
            found = ledger.multivariate.lookup_history(values["collection_ticker"], timedelta(seconds=lookback))
        except LedgerError as exc:
            raise commands.refused(exc) from None
    return {"lookup_points": [{"event_ticker": combo.event_ticker, "market_ticker": combo.ticker,
                               "selected_markets": [leg_row(leg) for leg in combo.legs],
                               "last_queried_ts": rfc3339(when)} for combo, when in found]}  # fmt: skip


def get_events(ctx: KalshiContext, key: Any, query: Any) -> dict[str, Any]:
    """GetMultivariateEventsResponse: the combo events that match every filter, in ticker order."""
    values = parse_query(GET_EVENTS, EVENTS_PARAMS, query)
    if values["series_ticker"] is not None and values["collection_ticker"] is not None:
        raise param_error(GET_EVENTS, "CollectionTicker", "excluded_with",
                          "collection_ticker cannot be combined with series_ticker")  # fmt: skip
    filters = {"op": GET_EVENTS, **{k: v for k, v in values.items() if k not in ("cursor", "limit")}}
    after = cursors.decode_param(GET_EVENTS, values["cursor"], filters, key_length=1, lenient=True)
    with ctx.ledger.reading() as ledger:
        page, more = cursors.one_page(_combo_events(ledger, values, after[0] if after else None), values["limit"])
        return {
            "events": event_rows(ctx, ledger, page, values["with_nested_markets"]),
            "cursor": cursors.encode((page[-1],), filters) if more else "",
        }


def _combo_events(ledger: Ledger, values: dict[str, Any], after: str | None) -> Any:
    """The combo events' tickers the filters take, in order, after `after`."""
    held, events = ledger.state.multivariate, ledger.state.events
    series, collection, tickers = values["series_ticker"], values["collection_ticker"], values["tickers"]
    if tickers is not None:
        named = sorted(t for t in set(tickers) if t in held.events)
        order: Any = (t for t in named if after is None or t > after)
    else:
        order = held.listed_events.irange(minimum=after, inclusive=(False, True)) if after else iter(held.listed_events)
    return (t for t in order if (series is None or events[t].series_ticker == series)
            and (collection is None or held.events[t] == collection))  # fmt: skip
