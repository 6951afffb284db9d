"""GET /events, /events/{event_ticker}, /series and /series/{series_ticker}: what the exchange lists, public.

Events are paged in ticker order (keyset cursors); their markets are nested with `with_nested_markets` (each rendered
as GET /markets renders it, markets settled before the historical cutoff left out). An event's status, for the
`status` filter, is its markets': `unopened` while none has opened, `settled` once all are, `open` while one trades,
else `closed` (docs/known-differences.md). GET /events leaves out combo events (multivariate.py lists them), as
Kalshi's does; GET /events/{event_ticker} reads any. With `with_milestones`, the milestones naming the page's events are
listed beside them. The series list is not paged, as Kalshi's is not.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from mockexchange.core.clock import unix_us
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.markets import Event, Market
from mockexchange.core.values import FLAG, Choice, Integer
from mockexchange.venues.kalshi import cursors
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import not_found, param_error
from mockexchange.venues.kalshi.markets import archived, rendered_all
from mockexchange.venues.kalshi.params import CURSOR, INT64, Param, listed, parse_query
from mockexchange.venues.kalshi.targets_and_milestones import milestones_of_events

GET_EVENTS = "GetEvents"
GET_EVENT = "GetEvent"
GET_SERIES = "GetSeries"
GET_SERIES_LIST = "GetSeriesList"
NESTED = Param("with_nested_markets", "WithNestedMarkets", FLAG, default=False)
EVENTS_PARAMS = [
    Param("limit", "Limit", Integer(1, 200), default=200, range_tags=("min", "max")), CURSOR, NESTED,
    Param("with_milestones", "WithMilestones", FLAG, default=False),
    Param("status", "Status", Choice(("unopened", "open", "closed", "settled"))),
    Param("series_ticker", "SeriesTicker"), Param("tickers", "Tickers", listed(1000)),
    Param("min_close_ts", "MinCloseTs", INT64), Param("min_updated_ts", "MinUpdatedTs", INT64),
]  # fmt: skip
EVENT_PARAMS = [NESTED, Param("exclude_markets", "ExcludeMarkets", FLAG, default=False)]
VOLUME = Param("include_volume", "IncludeVolume", FLAG, default=False)
SERIES_PARAMS = [VOLUME]
SERIES_LIST_PARAMS = [
    Param("category", "Category"), Param("tags", "Tags", listed(100)),
    Param("include_product_metadata", "IncludeProductMetadata", FLAG, default=False), VOLUME,
    Param("min_updated_ts", "MinUpdatedTs", INT64),
]  # fmt: skip
_SECOND_US = 1_000_000


def _markets(ctx: KalshiContext, ledger: Ledger, event: Event) -> list[Market]:
    """The event's markets GET /markets would show (those settled before the historical cutoff are not)."""
    historical = archived(ctx, ledger)
    found = [ledger.state.markets[t] for t in sorted(event.markets)]
    return [m for m in found if not historical(m)]


def event_status(ledger: Ledger, event: Event) -> str:
    statuses = {ledger.state.markets[t].status for t in event.markets}
    if statuses <= {"initialized"}:
        return "unopened"
    if statuses == {"finalized"}:
        return "settled"
    return "open" if "active" in statuses else "closed"


def _event(ctx: KalshiContext, ledger: Ledger, event: Event, nested: bool) -> dict[str, Any]:
    row = ctx.profile.event(event)
    if nested:
        row["markets"] = rendered_all(ctx, _markets(ctx, ledger, event))
    return row


def event_rows(ctx: KalshiContext, ledger: Ledger, tickers: Iterable[str], nested: bool) -> list[dict[str, Any]]:
    """The events' rows (GET /events/multivariate's too), with their markets if `nested`."""
    events = ledger.state.events
    return [_event(ctx, ledger, events[ticker], nested) for ticker in tickers]


def _events(ledger: Ledger, values: dict[str, Any], after: str | None) -> Iterator[Event]:
    """The events the filters name, in ticker order, after `after`; combo events are GET /events/multivariate's."""
    combos = ledger.state.multivariate.events
    if values["tickers"] is not None:
        tickers = sorted(t for t in set(values["tickers"]) if t in ledger.state.events)
    elif values["series_ticker"] is not None:
        series = ledger.state.series.get(values["series_ticker"])
        tickers = sorted(series.events) if series is not None else []
    else:
        tickers = sorted(ledger.state.events)
    for ticker in tickers:
        if (after is None or ticker > after) and ticker not in combos:
            yield ledger.state.events[ticker]


def get_events(ctx: KalshiContext, key: Any, query: Any) -> dict[str, Any]:
    values = parse_query(GET_EVENTS, EVENTS_PARAMS, query)
    filters = {"op": GET_EVENTS, **{k: v for k, v in values.items() if k not in ("cursor", "limit")}}
    after = cursors.decode_param(GET_EVENTS, values["cursor"], filters, key_length=1, lenient=True)
    closing, updated = values["min_close_ts"], values["min_updated_ts"]
    with ctx.ledger.reading() as ledger:
        found = (
            e for e in _events(ledger, values, after[0] if after else None)
            if (values["series_ticker"] is None or e.series_ticker == values["series_ticker"])
            and (values["status"] is None or event_status(ledger, e) == values["status"])
            and (closing is None or any(unix_us(ledger.state.markets[t].close_time) >= (closing + 1) * _SECOND_US
                                        for t in e.markets))
            and (updated is None or unix_us(e.last_updated) >= (updated + 1) * _SECOND_US)
        )  # fmt: skip
        page, more = cursors.one_page(found, values["limit"])
        answer: dict[str, Any] = {
            "events": [_event(ctx, ledger, e, values["with_nested_markets"]) for e in page],
            "cursor": cursors.encode((page[-1].event_ticker,), filters) if more else "",
        }
        if values["with_milestones"]:
            answer["milestones"] = milestones_of_events(ctx, (e.event_ticker for e in page))
        return answer


def get_event(ctx: KalshiContext, key: Any, values: Any) -> dict[str, Any]:
    flags = parse_query(GET_EVENT, EVENT_PARAMS, values)
    nested, exclude = flags["with_nested_markets"], flags["exclude_markets"]
    if nested and exclude:
        raise param_error(GET_EVENT, "ExcludeMarkets", "excluded_with", "exclude_markets cannot be combined with "
                          "with_nested_markets=true")  # fmt: skip
    with ctx.ledger.reading() as ledger:
        event = ledger.state.events.get(values["event_ticker"])
        if event is None:
            raise not_found(f"no event {values['event_ticker']!r}")
        markets = [] if exclude else rendered_all(ctx, _markets(ctx, ledger, event))
        row = ctx.profile.event(event)
        if nested:
            row["markets"] = markets
        return {"event": row, "markets": markets}


def _volume(ledger: Ledger, series_ticker: str) -> int:
    series = ledger.state.series[series_ticker]
    return sum(ledger.state.markets[t].volume for e in series.events for t in ledger.state.events[e].markets)


def get_series(ctx: KalshiContext, key: Any, values: Any) -> dict[str, Any]:
    volume = parse_query(GET_SERIES, SERIES_PARAMS, values)["include_volume"]
    with ctx.ledger.reading() as ledger:
        series = ledger.state.series.get(values["series_ticker"])
        if series is None:
            raise not_found(f"no series {values['series_ticker']!r}")
        return {"series": ctx.profile.series(series, _volume(ledger, series.ticker) if volume else None, True)}


def get_series_list(ctx: KalshiContext, key: Any, query: Any) -> dict[str, Any]:
    values = parse_query(GET_SERIES_LIST, SERIES_LIST_PARAMS, query)
    tags, updated = values["tags"], values["min_updated_ts"]
    with ctx.ledger.reading() as ledger:
        found = [
            s for _, s in sorted(ledger.state.series.items())
            if (values["category"] is None or values["category"] in s.categories)
            and (tags is None or set(tags) & set(s.tags))
            and (updated is None or unix_us(s.last_updated) >= (updated + 1) * _SECOND_US)
        ]  # fmt: skip
        return {
            "series": [
                ctx.profile.series(s, _volume(ledger, s.ticker) if values["include_volume"] else None,
                                   values["include_product_metadata"])
                for s in found
            ]
        }  # fmt: skip
