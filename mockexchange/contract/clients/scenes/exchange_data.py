"""The `exchange-data` scene: a client reads what the exchange says of itself and of an event beyond the market data
reads (the exchange's schedule, the user data timestamp, the series' and an event's fee changes, the event's
metadata, its markets' candlesticks and its forecast, and where the client has the legacy read the announcements),
the historical API's market data (the markets settled before the cutoff, one of them, its candlesticks, the trades
before the cutoff), the search filters, and the multivariate API (it makes a combo market in a collection, then
reads the collections, the collection and the combo's event).
Every value is compared with the ledger's own records (the catalogue, the schedule, the fee changes, the archive,
the multivariate part, the candles and forecast its trades make), never with the mock's wire.

Seeded, on a manual exchange clock so every time is known: two series (a sports one, with tags, and another), an
event of three strike markets (its metadata, images and competition set) that trade, an event of two markets that
trade and settle before the historical cutoff, an event of two legs, a collection over the strikes' event and the legs'
event, a maintenance window and fee changes scheduled ahead (the series', and the event's override set and cleared),
announcements (one withdrawn, one not delivered yet).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from mockexchange.contract.clients.checks import start_mock
from mockexchange.contract.clients.dialects import WIRE_COLLECTION, ExchangeData, Field
from mockexchange.contract.clients.portfolio import Key
from mockexchange.contract.clients.scenes.markets import breaks, market_data, market_record, record, trade_record
from mockexchange.contract.clients.scenes.scene import Check, Judge, Scene, SceneCall, Stage, Unmet
from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi import forecasts
from mockexchange.core.kalshi.exchange_schedule import DAYS, clock_text
from mockexchange.core.kalshi.units import contracts, price
from mockexchange.server import MockServer
from mockexchange.venues.kalshi.candlesticks import MAX_CANDLES, market_candles

TRADER = "trader"
T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # on the hour: the fills fall in one hour's candle
SERIES, LEG_SERIES = "KXEXD", "KXEXDL"
EVENT, ARCHIVED_EVENT, LEG_EVENT = f"{SERIES}-26", f"{SERIES}-25", f"{LEG_SERIES}-26"
STRIKES = tuple(f"{EVENT}-T{n}" for n in range(1, 4))
ARCHIVED = (f"{ARCHIVED_EVENT}-H1", f"{ARCHIVED_EVENT}-H2")
LEGS = (f"{LEG_EVENT}-L1", f"{LEG_EVENT}-L2")
COLLECTION = "KXEXDCOMBO"
# (ticker, side, action, count, that side's price) of the trader's fills: the archived markets' first
ARCHIVED_FILLS = ((ARCHIVED[0], "yes", "buy", "4", "0.30"), (ARCHIVED[1], "no", "buy", "2", "0.55"))
STRIKE_FILLS = (
    (STRIKES[0], "yes", "buy", "3", "0.62"),
    (STRIKES[1], "yes", "buy", "2", "0.45"),
    (STRIKES[2], "no", "buy", "1", "0.70"),
    (STRIKES[1], "yes", "sell", "1.5", "0.47"),
)
WINDOW = {"start_ts": int(T0.timestamp()) - 3600, "end_ts": int(T0.timestamp()) + 3600, "period_interval": 60}
PERCENTILES = [2500, 5000, 7500]
COMBO_LEGS = [
    {"market_ticker": STRIKES[0], "event_ticker": EVENT, "side": "yes"},
    {"market_ticker": LEGS[0], "event_ticker": LEG_EVENT, "side": "yes"},
]


def seed(key_dir: Path, profile: str) -> Stage:
    clock = ManualClock(T0)
    mock = start_mock(MockServer(profile=profile, clock=clock))
    try:
        mock.create_account(TRADER, balance_cents=1_000_000)
        keys = {"trader": Key.create(mock, key_dir, "exchange-trader", TRADER)}
        _catalogue(mock)
        fills = []
        for fill in ARCHIVED_FILLS:
            clock.advance(10)
            fills.append(mock.fill(TRADER, *fill))
        clock.advance(10)
        mock.settle(ARCHIVED[0], "yes")
        mock.settle(ARCHIVED[1], "no")
        clock.advance(10)
        cutoff = clock.now()
        for fill in STRIKE_FILLS:
            clock.advance(10)
            fills.append(mock.fill(TRADER, *fill))
        mock.set_historical_cutoff(market_settled_ts=cutoff.isoformat(), trades_created_ts=cutoff.isoformat())
        mock.set_exchange_schedule(maintenance_windows=[
            {"start_datetime": "2026-04-01T00:00:00Z", "end_datetime": "2026-04-01T02:00:00Z"},
        ])  # fmt: skip
        later = [(T0 + timedelta(days=days)).isoformat() for days in (3, 5)]
        mock.schedule_fee_change(later[0], series_ticker=SERIES, fee_type="flat", fee_multiplier="2")
        mock.schedule_fee_change(later[0], event_ticker=EVENT, fee_type="quadratic_with_maker_fees",
                                 fee_multiplier="0.5")  # fmt: skip
        mock.schedule_fee_change(later[1], event_ticker=EVENT)  # the override cleared
        _announce(mock)
        return Stage(mock, keys, profile, {"fills": fills, "cutoff": cutoff})
    except BaseException:
        mock.stop()
        raise


def _catalogue(mock: MockServer) -> None:
    """The series, events and markets, the event's metadata and the collection."""
    mock.set_series(SERIES, title="Exchange kit", category="Sports", categories=["Sports"], tags=["Football", "Kit"],
                    settlement_sources=[{"name": "Kit", "url": "https://example.com/kit"}])  # fmt: skip
    mock.set_series(LEG_SERIES, title="Legs", category="Economics", tags=["Rates"])
    details = [{"market_ticker": t, "image_url": f"/kit/{t}.png", "color_code": f"#0{n}0a0a"}
               for n, t in enumerate(STRIKES[:2])]  # fmt: skip
    mock.set_event(EVENT, title="Twenty-six", image_url="/kit/exd.png", featured_image_url="/kit/featured.png",
                   competition="Pro Football", competition_scope="Game", market_details=details)  # fmt: skip
    mock.set_event(ARCHIVED_EVENT, title="Twenty-five", competition="College Football")
    mock.set_event(LEG_EVENT, title="Legs")
    for n, ticker in enumerate(STRIKES, 1):
        mock.create_market(ticker, EVENT, strike_type="greater", floor_strike=f"{n}.5", settlement_timer_seconds=10**8)
    for ticker in ARCHIVED:
        mock.create_market(ticker, ARCHIVED_EVENT)
    for ticker in LEGS:
        mock.create_market(ticker, LEG_EVENT)
    mock.set_multivariate_collection(
        COLLECTION, [{"ticker": EVENT}, {"ticker": LEG_EVENT, "is_yes_only": True}], title="Exchange kit combos",
        open_date=(T0 - timedelta(days=1)).isoformat(), close_date=(T0 + timedelta(days=30)).isoformat(),
        size_min=2, size_max=4,
    )  # fmt: skip


def _announce(mock: MockServer) -> None:
    """Two delivered (one withdrawn), one ahead on the clock."""
    for days, message, kind, status in ((-2, "Kit markets listed", "info", "inactive"),
                                        (-1, "Maintenance on 1 April, 00:00 to 02:00 UTC", "warning", "active"),
                                        (1, "Not delivered yet", "error", "active")):  # fmt: skip
        mock.set_announcement(message, type=kind, status=status, delivery_time=(T0 + timedelta(days=days)).isoformat())


def calls(stage: Stage) -> list[SceneCall]:
    event = {"series_ticker": SERIES, "ticker": EVENT}
    return [
        # the combo first: what every later read shows includes it
        SceneCall("combo", "CreateMarketInMultivariateEventCollection",
                  {"collection_ticker": COLLECTION, "selected_markets": COMBO_LEGS}),
        SceneCall("collections", "GetMultivariateEventCollections", {"limit": 1}, "pages", "multivariate_contracts"),
        SceneCall("collection", "GetMultivariateEventCollection", {"collection_ticker": COLLECTION}),
        SceneCall("combo_events", "GetMultivariateEvents", {"collection_ticker": COLLECTION}, "pages", "events"),
        SceneCall("schedule", "GetExchangeSchedule"),
        SceneCall("as_of", "GetUserDataTimestamp"),
        SceneCall("announcements", "GetExchangeAnnouncements"),
        SceneCall("series_fees", "GetSeriesFeeChanges", {"series_ticker": SERIES}),
        SceneCall("event_fees", "GetEventFeeChanges", {"event_ticker": EVENT, "limit": 1}, "pages",
                  "event_fee_changes"),
        SceneCall("metadata", "GetEventMetadata", {"event_ticker": EVENT}),
        SceneCall("event_candles", "GetMarketCandlesticksByEvent", event | WINDOW),
        SceneCall("forecast", "GetEventForecastPercentilesHistory", event | WINDOW | {"percentiles": PERCENTILES}),
        SceneCall("hist_markets", "GetHistoricalMarkets", {"limit": 1}, "pages", "markets"),
        SceneCall("hist_market", "GetHistoricalMarket", {"ticker": ARCHIVED[0]}),
        SceneCall("hist_candles", "GetMarketCandlesticksHistorical", {"ticker": ARCHIVED[0]} | WINDOW),
        SceneCall("hist_trades", "GetTradesHistorical", {"limit": 1}, "pages", "trades"),
        SceneCall("tags", "GetTagsForSeriesCategories"),
        SceneCall("sports", "GetFiltersForSports"),
    ]  # fmt: skip


# -- what the client parsed, and the ledger's side -------------------------------------------------------------------


def exchange_data(j: Judge) -> ExchangeData:
    assert j.dialect.exchange_data is not None  # the scene's checks ask only clients that read these
    return j.dialect.exchange_data


def listed(j: Judge, call: str, envelope: str) -> list[Any]:
    """A list answered whole (no cursor): under its envelope, or the answer itself for a client that unwraps it."""
    found = record(j, call, envelope)
    if not isinstance(found, list):
        raise Unmet(f"{call}: no list in the answer: {str(found)[:200]}")
    return found


def dotted(row: Any, fields: tuple[Field, ...]) -> dict[str, Any]:
    """A row with each field's dotted name (`price.close_dollars`) read from its nested records."""
    flat = {}
    for _, name, _ in fields:
        value = row
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        flat[name] = value
    return flat


def _at(when: datetime) -> str:
    return when.isoformat()


def must_differ(j: Judge, what: str, values: list[Any]) -> None:
    """The seed left the check something to tell: more than one row, not all alike."""
    if len(values) < 2 or len(set(map(repr, values))) < 2:
        j.problems.append(f"{what}: the scene's rows are too alike to tell ({values!r:.120}; the check could not fail)")


def schedule(j: Judge) -> None:
    got = record(j, "schedule", "schedule")
    with j.ledger.reading() as ledger:
        held = ledger.state.exchange.schedule
    windows = [(_at(w.start_datetime), _at(w.end_datetime)) for w in held.maintenance_windows]
    j.same("schedule: maintenance windows", [
        (datetime.fromisoformat(w["start_datetime"]).isoformat(), datetime.fromisoformat(w["end_datetime"]).isoformat())
        for w in got.get("maintenance_windows") or ()], windows)  # fmt: skip
    weeks = [(_at(w.start_time), _at(w.end_time), [[(clock_text(s.open_time), clock_text(s.close_time)) for s in day]
              for day in w.days]) for w in held.standard_hours]  # fmt: skip
    j.same("schedule: standard hours", [
        (datetime.fromisoformat(w["start_time"]).isoformat(), datetime.fromisoformat(w["end_time"]).isoformat(),
         [[(s["open_time"], s["close_time"]) for s in w.get(day) or ()] for day in DAYS])
        for w in got.get("standard_hours") or ()], weeks)  # fmt: skip
    if not windows or not weeks:
        j.problems.append("schedule: the scene set no window (the check could not fail)")


def user_data_timestamp(j: Judge) -> None:
    with j.ledger.reading() as ledger:
        as_of = ledger.user_data_as_of()
    j.same("as_of_time", datetime.fromisoformat(j.answer("as_of")["as_of_time"]), as_of)


_ANNOUNCEMENT: tuple[Field, ...] = (
    ("message", "message", "text"), ("type", "type", "text"), ("status", "status", "text"),
    ("delivery_time", "delivery_time", "time"),
)  # fmt: skip


def announcements(j: Judge) -> None:
    """Those delivered by now on the exchange clock, the latest first (worked out here from what the ledger keeps)."""
    with j.ledger.reading() as ledger:
        state = ledger.state
        kept = list(state.announcements.records.values())
        now = state.clock.now()
    held = [
        SimpleNamespace(**{name: getattr(r.announcement, name) for name in ("message", "type", "status")},
                        delivery_time=r.delivery_time)
        for r in sorted(kept, key=lambda r: r.delivery_time, reverse=True) if r.delivery_time <= now
    ]  # fmt: skip
    got = listed(j, "announcements", "announcements")
    j.rows("announcements", got, held, _ANNOUNCEMENT)
    j.same("announcements: latest delivered first", [row.get("message") for row in got], [a.message for a in held])
    must_differ(j, "announcements: status", [a.status for a in held])
    if len(kept) == len(held):
        j.problems.append("announcements: the scene set none ahead of the clock (the check could not fail)")


_SERIES_FEE: tuple[Field, ...] = (
    ("id", "id", "text"), ("series_ticker", "series_ticker", "text"), ("fee_type", "fee_type", "text"),
    ("fee_multiplier", "fee_multiplier", "number"), ("scheduled_ts", "scheduled_ts", "time"),
)  # fmt: skip
_EVENT_FEE: tuple[Field, ...] = (
    ("id", "id", "text"), ("event_ticker", "event_ticker", "text"), ("series_ticker", "series_ticker", "text"),
    ("fee_type", "fee_type_override", "text"), ("fee_multiplier", "fee_multiplier_override", "number"),
    ("scheduled_ts", "scheduled_ts", "time"),
)  # fmt: skip


def series_fee_changes(j: Judge) -> None:
    """The series' changes still ahead on the clock (those in force are shown only with `show_historical`)."""
    with j.ledger.reading() as ledger:
        now = ledger.state.clock.now()
        ahead = [c for c in ledger.state.fee_changes.of_series() if c.series_ticker == SERIES and c.scheduled_ts > now]
    j.rows("series_fees", listed(j, "series_fees", "series_fee_change_arr"), ahead, _SERIES_FEE)
    if not ahead:
        j.problems.append("series_fees: the scene scheduled no change (the check could not fail)")


def event_fee_changes(j: Judge) -> None:
    with j.ledger.reading() as ledger:
        events = list(ledger.state.fee_changes.of_events(EVENT, None))
    j.rows("event_fees", j.listed("event_fees"), events, _EVENT_FEE)
    j.walked("event_fees", len(events), 1)
    must_differ(j, "event_fees", [c.fee_type for c in events])


def metadata(j: Judge) -> None:
    got = j.answer("metadata")
    with j.ledger.reading() as ledger:
        event = ledger.state.events[EVENT]
        details = [d for d in event.market_details if d.market_ticker in event.markets]
    names = ("image_url", "featured_image_url", "competition", "competition_scope")
    j.same("metadata", {n: got.get(n) for n in names}, {n: getattr(event, n) for n in names})
    detail: tuple[Field, ...] = (("market_ticker", "market_ticker", "text"), ("image_url", "image_url", "text"),
                                 ("color_code", "color_code", "text"))  # fmt: skip
    j.rows("metadata: market_details", got.get("market_details") or [], details, detail)
    source: tuple[Field, ...] = (("name", "name", "text"), ("url", "url", "text"))
    j.rows("metadata: settlement_sources", got.get("settlement_sources") or [], event.settlement_sources, source)
    must_differ(j, "metadata: market_details", [d.color_code for d in details])


def _candles(j: Judge, ticker: str) -> list[SimpleNamespace]:
    """The market's candles in the window asked, as the ledger's trades make them."""
    with j.ledger.reading() as ledger:
        found = market_candles(ledger, ledger.state.markets[ticker], dict(WINDOW), MAX_CANDLES)
    return [
        SimpleNamespace(
            end_period_ts=c.end_period_ts, bid_close=price(c.bid.close), ask_close=price(c.ask.close),
            volume=contracts(c.volume), open_interest=contracts(c.open_interest),
            **{n: None if c.price is None else price(getattr(c.price, n)) for n in ("open", "high", "low", "close")},
        )
        for c in found
    ]  # fmt: skip


def _same_candles(j: Judge, what: str, got: list[Any], ticker: str, fields: tuple[Field, ...]) -> None:
    expected = _candles(j, ticker)
    j.rows(what, [dotted(row, fields) for row in got], expected, fields)
    if not any(c.volume for c in expected):
        j.problems.append(f"{what}: no trade in the window (the check could not fail)")


def event_candles(j: Judge) -> None:
    got = j.answer("event_candles")
    with j.ledger.reading() as ledger:
        tickers = sorted(ledger.state.events[EVENT].markets)
    j.same("event_candles: market_tickers", got.get("market_tickers"), tickers)
    j.same("event_candles: adjusted_end_ts", got.get("adjusted_end_ts"), WINDOW["end_ts"])
    for ticker, candles in zip(tickers, got.get("market_candlesticks") or (), strict=False):
        _same_candles(j, f"event_candles: {ticker}", candles, ticker, exchange_data(j).candle)


def forecast(j: Judge) -> None:
    got = listed(j, "forecast", "forecast_history")
    with j.ledger.reading() as ledger:
        markets = [ledger.state.markets[t] for t in sorted(ledger.state.events[EVENT].markets)]
        step = WINDOW["period_interval"] * 60 * 1_000_000
        found = forecasts.history(markets, ledger.state.market_trades, ledger.state.fills, step, WINDOW["start_ts"],
                                  WINDOW["end_ts"], PERCENTILES)  # fmt: skip
    points = [(p["event_ticker"], p["end_period_ts"], p["period_interval"],
               [(q["percentile"], _decimal(q["numerical_forecast"]), q["formatted_forecast"])
                for q in p["percentile_points"] or ()]) for p in got]  # fmt: skip
    want = [(EVENT, f.end_period_ts, WINDOW["period_interval"], [(n, v, f"{v:f}") for n, _, v in f.points])
            for f in found]  # fmt: skip
    j.same("forecast", points, want)
    if not found:
        j.problems.append("forecast: the scene's strikes made no forecast (the check could not fail)")


def _decimal(value: Any) -> Any:
    """A number as a Decimal, equal by value (the SDK parses the forecast into a float)."""
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value


def historical_markets(j: Judge) -> None:
    with j.ledger.reading() as ledger:
        held = sorted(t for t, m in ledger.state.markets.items() if ledger.state.archive.holds_market(m))
    j.same("the ledger's historical markets", held, sorted(ARCHIVED))
    fields = market_data(j).market
    if not breaks(j, "hist_markets", "GetHistoricalMarkets"):
        j.rows("hist_markets", j.listed("hist_markets"), [market_record(j, t) for t in held], fields)
        j.walked("hist_markets", len(held), 1)
    if not breaks(j, "hist_market", "GetHistoricalMarket"):
        j.rows("hist_market", [record(j, "hist_market", "market")], [market_record(j, ARCHIVED[0])], fields)


def historical_candles(j: Judge) -> None:
    got = listed(j, "hist_candles", "candlesticks")
    _same_candles(j, "hist_candles", got, ARCHIVED[0], exchange_data(j).historical_candle)


def historical_trades(j: Judge) -> None:
    cutoff = j.facts["cutoff"]
    moved = [f for f in j.facts["fills"] if datetime.fromisoformat(f["created_time"]) < cutoff]
    expected = [trade_record(fill) for fill in reversed(moved)]
    rows = j.listed("hist_trades")
    j.rows("hist_trades", rows, expected, market_data(j).trade)
    j.same("hist_trades: newest first", [row.get("trade_id") for row in rows], [t.trade_id for t in expected])
    j.walked("hist_trades", len(expected), 1)
    if not expected or len(moved) == len(j.facts["fills"]):
        j.problems.append("hist_trades: the cutoff moved no trade, or all (the check could not fail)")


def _series(j: Judge) -> list[Any]:
    with j.ledger.reading() as ledger:
        return list(ledger.state.series.values())


def search(j: Judge) -> None:
    """Each category a series names maps to the tags of the series naming it; each tag of a `Sports` series is a sport
    whose competitions are its series' events' (each with its scope)."""
    tags: dict[str, dict[str, None]] = {}
    sports: dict[str, dict[str, dict[str, None]]] = {}
    with j.ledger.reading() as ledger:
        for series in ledger.state.series.values():
            named = dict.fromkeys(c for c in (series.category, *series.categories) if c)
            for category in named:
                tags.setdefault(category, {}).update(dict.fromkeys(series.tags))
            if "Sports" not in named:
                continue
            for tag in series.tags:
                held = sports.setdefault(tag, {})
                for event in (ledger.state.events[t] for t in series.events):
                    if event.competition:
                        scopes = held.setdefault(event.competition, {})
                        scopes.update(dict.fromkeys([event.competition_scope] if event.competition_scope else []))
    j.same("tags_by_categories", j.answer("tags").get("tags_by_categories"), {c: list(t) for c, t in tags.items()})
    found = j.answer("sports")
    j.same("sport_ordering", found.get("sport_ordering"), list(sports))
    j.same("filters_by_sports: competitions", {
        sport: {name: (held or {}).get("scopes") for name, held in (shown or {}).get("competitions", {}).items()}
        for sport, shown in (found.get("filters_by_sports") or {}).items()
    }, {sport: {name: list(scopes) for name, scopes in held.items()} for sport, held in sports.items()})  # fmt: skip
    if not any(held for held in sports.values()):
        j.problems.append("sports: the scene's sports have no competition (the check could not fail)")


def _collection(j: Judge) -> SimpleNamespace:
    with j.ledger.reading():
        held = j.ledger.multivariate.collection(COLLECTION)
    events = held.associated_events
    return SimpleNamespace(
        **{name: getattr(held, name) for name, _, _ in WIRE_COLLECTION[:8]},
        event_tickers=[e.ticker for e in events],
        yes_only=[e.is_yes_only for e in events],
    )


def _with_yes_only(row: dict[str, Any]) -> dict[str, Any]:
    return row | {"yes_only": [e.get("is_yes_only") for e in row.get("associated_events") or ()]}


def collections(j: Judge) -> None:
    want, fields = _collection(j), exchange_data(j).collection
    j.rows("collections", [_with_yes_only(row) for row in j.listed("collections")], [want], fields)
    j.walked("collections", 1, 1)
    j.rows("collection", [_with_yes_only(record(j, "collection", "multivariate_contract"))], [want], fields)
    must_differ(j, "collection: is_yes_only", want.yes_only)


def combo(j: Judge) -> None:
    """The combo the client made is the ledger's one combo of the collection, of the legs sent; the combo events
    read back list its event."""
    with j.ledger.reading() as ledger:
        held = [c for c in ledger.state.multivariate.combos.values() if c.collection_ticker == COLLECTION]
        events = {c.event_ticker: ledger.state.events[c.event_ticker] for c in held}
    if "combo" in j.dialect.findings:  # a client that cannot send the legs (a finding): nothing is made
        j.raised("combo", *j.dialect.findings["combo"])
        j.same("combo: the ledger's combos", held, [])
        j.same("combo_events", j.listed("combo_events"), [])
        return
    if len(held) != 1:
        raise Unmet(f"the ledger holds {len(held)} combos of {COLLECTION} (one was made)")
    [made] = held
    answer = j.answer("combo")
    j.same("combo: (event_ticker, market_ticker)", (answer.get("event_ticker"), j.get(answer, "market_ticker")),
           (made.event_ticker, made.ticker))  # fmt: skip
    j.same("combo: legs", [leg._asdict() for leg in made.legs], COMBO_LEGS)
    fields: tuple[Field, ...] = (("event_ticker", "event_ticker", "text"), ("series_ticker", "series_ticker", "text"),
                                 ("title", "title", "text"))  # fmt: skip
    j.rows("combo_events", j.listed("combo_events"), list(events.values()), fields)
    j.walked("combo_events", len(events), 100)


EXCHANGE_DATA = Scene(
    "exchange-data",
    seed,
    calls,
    (
        Check("a combo made", ("CreateMarketInMultivariateEventCollection", "GetMultivariateEvents"), combo),
        Check("collections", ("GetMultivariateEventCollections", "GetMultivariateEventCollection"), collections),
        Check("the schedule", ("GetExchangeSchedule",), schedule),
        Check("the user data timestamp", ("GetUserDataTimestamp",), user_data_timestamp),
        Check("announcements", ("GetExchangeAnnouncements",), announcements),
        Check("series fee changes", ("GetSeriesFeeChanges",), series_fee_changes),
        Check("event fee changes", ("GetEventFeeChanges",), event_fee_changes),
        Check("event metadata", ("GetEventMetadata",), metadata),
        Check("event candlesticks", ("GetMarketCandlesticksByEvent",), event_candles),
        Check("the forecast", ("GetEventForecastPercentilesHistory",), forecast),
        Check("historical markets", ("GetHistoricalMarkets", "GetHistoricalMarket"), historical_markets),
        Check("historical candlesticks", ("GetMarketCandlesticksHistorical",), historical_candles),
        Check("historical trades", ("GetTradesHistorical",), historical_trades),
        Check("search", ("GetTagsForSeriesCategories", "GetFiltersForSports"), search),
    ),
)
