"""What the exchange behind a server lists, found before `contract check` draws a case: the markets, events, series and
multivariate collections the market data reads must name to be valid (refinements.MARKET_VALUES). Without them a drawn
ticker names nothing and every answer is a 404: the response checks would never see a market, a book or a candle.

The communications reads that name an RFQ or a quote (refinements.COMMUNICATIONS_VALUES) draw theirs from what the
account can see (`find_communications`): `GET /communications/rfqs` (every user sees every RFQ) and its quotes, made
(`user_filter=self`) and offered (`rfq_user_filter=self`), a page of each.

The reads of what the exchange is told from outside (refinements.LIVE_DATA_VALUES) draw theirs from what it lists
(`find_live_data`): a page of milestones and of structured targets, the live data of those milestones (a batch read),
whose types and events the typed path and the event read name; the weather index has no list of its cities, so the
spec's own example city (`miami`) is asked for, and kept if its calibrations answer.

Five public reads, signed as the rest (a public route takes a signature too): `GET /markets`, `GET /events`, `GET
/historical/markets` and `GET /multivariate_event_collections` (a page of each, at most `LISTED` rows), and `GET
/events/{event_ticker}` of the first market's event when the events' page does not hold it, for the series a
candlestick path names with that market. A read that fails leaves its values empty, and says why: the operations that
need them are then not expected to accept any request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from mockexchange.contract.kalshi.preflight import TIMEOUT
from mockexchange.schema.refinements import COMMUNICATIONS_VALUES, LIVE_DATA_VALUES, MARKET_VALUES
from mockexchange.testing.signing import KalshiSigner

LISTED = 100  # rows of each listing read
WEATHER_CITY = "miami"  # the spec's example index city: the weather index lists no cities


@dataclass
class Discovered:
    """The values found (`AccountValues`' market data fields) and what could not be read."""

    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    markets: list[Any] = field(default_factory=list)  # the rows of GET /markets (the order markets are among them)


def needed(operations: list[str]) -> bool:
    """Whether any of the operations draws a value from what the exchange lists."""
    return any(op in value.operations for value in MARKET_VALUES for op in operations)


def needs_communications(operations: list[str]) -> bool:
    """Whether any of the operations names an RFQ or a quote the account can see."""
    return any(op in value.operations for value in COMMUNICATIONS_VALUES for op in operations)


def needs_live_data(operations: list[str]) -> bool:
    """Whether any of the operations names a milestone, an event with live data, a city or a structured target."""
    return any(op in value.operations for value in LIVE_DATA_VALUES for op in operations)


def _reader(client: httpx.Client, base_url: str, signer: KalshiSigner, found: Discovered) -> Any:
    """`read(path, params, listed)`: the list (or record) `listed` of a signed GET's 200 answer, or None with the
    problem noted in `found`."""
    base_path = httpx.URL(base_url).path.rstrip("/")

    def read(path: str, params: dict[str, Any], listed: str) -> Any:
        url = base_url.rstrip("/") + path
        try:
            response = client.get(url, params=params, headers=signer.headers("GET", base_path + path))
            body = response.json() if response.status_code == 200 else None
            rows = body[listed] if isinstance(body, dict) else None
        except (httpx.HTTPError, ValueError, KeyError):
            rows = None
            response = None
        if not isinstance(rows, list | dict):
            status = response.status_code if response is not None else "no answer"
            found.problems.append(f"GET {path} ({status}) listed no {listed}")
            return None
        return rows

    return read


def find_communications(base_url: str, signer: KalshiSigner) -> Discovered:
    """The RFQs the exchange lists and the quotes the account may read (`AccountValues`' communications fields)."""
    found = Discovered()
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        read = _reader(client, base_url, signer, found)
        rfqs = _rows(read("/communications/rfqs", {"limit": LISTED}, "rfqs"), "id", "market_ticker")
        quotes = []
        for mine in ("user_filter", "rfq_user_filter"):
            quotes += _rows(read("/communications/quotes", {mine: "self", "limit": LISTED}, "quotes"), "id", "rfq_id")
    found.values = {
        "rfq_ids": tuple(dict.fromkeys(rfq_id for rfq_id, _ in rfqs)),
        "quote_ids": tuple(dict.fromkeys(quote_id for quote_id, _ in quotes)),
        "quoted_rfq_ids": tuple(rfq_id for _, rfq_id in quotes[:1]),
        "rfq_quote_ids": tuple(quote_id for quote_id, _ in quotes[:1]),
    }
    return found


def find_live_data(base_url: str, signer: KalshiSigner) -> Discovered:
    """The milestones, live data, weather cities and structured targets the server keeps (`AccountValues`' fields of
    `LIVE_DATA_VALUES`)."""
    found = Discovered()
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        read = _reader(client, base_url, signer, found)
        milestones = [row for row in read("/milestones", {"limit": LISTED}, "milestones") or () if _named(row, "id")]
        ids = [row["id"] for row in milestones]
        live = read("/live_data/batch", {"milestone_ids": ids}, "live_datas") if ids else []
        typed = _rows(live, "milestone_id", "type")
        targets = read("/structured_targets", {"page_size": LISTED}, "structured_targets")
        city = read(f"/live_data/weather/{WEATHER_CITY}/calibrations", {}, "calibrations")
    live_ids = [milestone_id for milestone_id, _ in typed]
    events = {milestone_id: _events(row) for row in milestones if (milestone_id := row["id"]) in live_ids}
    found.values = {
        "milestone_ids": tuple(ids),
        "live_milestone_ids": tuple(live_ids),
        "live_data_types": tuple(kind for _, kind in typed[:1]),
        "typed_milestone_ids": tuple(live_ids[:1]),
        "live_event_tickers": tuple(dict.fromkeys(t for milestone_id in live_ids for t in events[milestone_id])),
        "weather_cities": (WEATHER_CITY,) if city is not None else (),
        "structured_target_ids": tuple(row["id"] for row in targets or () if _named(row, "id")),
    }
    return found


def _named(row: Any, name: str) -> bool:
    return isinstance(row, dict) and isinstance(row.get(name), str) and bool(row[name])


def _events(milestone: dict[str, Any]) -> list[str]:
    """A milestone's events, primary first (an event's live data is its first milestone's with some)."""
    named = [*(milestone.get("primary_event_tickers") or ()), *(milestone.get("related_event_tickers") or ())]
    return [ticker for ticker in named if isinstance(ticker, str) and ticker]


def discover(base_url: str, signer: KalshiSigner) -> Discovered:
    found = Discovered()
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        read = _reader(client, base_url, signer, found)
        found.markets = list(read("/markets", {"limit": LISTED}, "markets") or ())
        markets = _rows(found.markets, "ticker", "event_ticker")
        events = _rows(read("/events", {"limit": LISTED}, "events"), "event_ticker", "series_ticker")
        collections = _rows(read("/multivariate_event_collections", {"limit": LISTED}, "multivariate_contracts"),
                            "collection_ticker", "series_ticker")  # fmt: skip
        series_of = dict(events)
        if markets and markets[0][1] not in series_of:
            event = read(f"/events/{markets[0][1]}", {}, "event")
            series_of.update(_rows([event] if isinstance(event, dict) else None, "event_ticker", "series_ticker"))
        historical = _rows(read("/historical/markets", {"limit": LISTED}, "markets"), "ticker", "event_ticker")
    candle_series = series_of.get(markets[0][1]) if markets else None
    found.values = {
        "listed_markets": tuple(ticker for ticker, _ in markets),
        "listed_events": tuple(dict.fromkeys([e for e, _ in events] + [e for _, e in markets])),
        "listed_series": tuple(dict.fromkeys(s for s in series_of.values())),
        "candle_series": (candle_series,) if candle_series else (),
        "candle_markets": tuple(t for t, e in markets if candle_series and series_of.get(e) == candle_series),
        "historical_markets": tuple(ticker for ticker, _ in historical),
        "candle_events": tuple(e for e, s in series_of.items() if candle_series and s == candle_series),
        "listed_collections": tuple(ticker for ticker, _ in collections),
    }
    return found


def _rows(rows: Any, first: str, second: str) -> list[tuple[str, str]]:
    """(first, second) of each row that has both as non-empty strings."""
    found = []
    for row in rows or ():
        one, two = (row.get(first), row.get(second)) if isinstance(row, dict) else (None, None)
        if isinstance(one, str) and one and isinstance(two, str) and two:
            found.append((one, two))
    return found
