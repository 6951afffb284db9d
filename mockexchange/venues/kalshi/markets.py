"""GET /markets and GET /markets/{ticker}: Kalshi's markets, public (no signature asked).

A page is markets in ticker order, keyset-paged (`cursors.py`: the cursor names the last ticker and the filters), with
every filter of the spec: the event (one), the series, a list of tickers, the status words (`unopened`, `open`,
`paused`, `closed`, `settled`, mapped as Kalshi's lifecycle guide maps them: lifecycle.FILTER_WORDS), and the created,
close, settled and updated times (Unix seconds), combined as the spec's table allows (a timestamp family with its status
words only; the updated times with `mve_filter=exclude` only), and `mve_filter`: `only` the combo markets
(core/kalshi/multivariate.py), `exclude` the others; none, both. Markets settled before the historical cutoff's
`market_settled_ts` are left out (they are /historical/markets', historical_markets.py, which pages them through
`market_page` too), in the profiles that have the historical API.

Each market is rendered once per state and profile (the render cache, fragments.py), keyed by its id and `version`
(bumped on every change that shows: a trade, a book change, a transition, its event or series changing), and by what
time alone changes (the start of its 24-hour window, the day its previous-day stats are of). A whole page is kept
too (`Pages`), for one `markets_version` of the ledger (any market's change, a listing, a reset) and historical cutoff,
and for the span of exchange time its markets' stats stand still over (`ledger.feed.steady_until`): a page asked again
before anything changed is its bytes. Market data is not lagged (`Settings.rest_lag_ms` lags the portfolio's reads,
not these: docs/known-differences.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson

from mockexchange.core.clock import unix_us
from mockexchange.core.kalshi.archive import MARKETS
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.lifecycle import FILTER_WORDS
from mockexchange.core.kalshi.markets import Market
from mockexchange.core.values import Choice, Integer
from mockexchange.venues.kalshi import cursors
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import KalshiError, not_found, param_error
from mockexchange.venues.kalshi.params import CURSOR, INT64, SINGLE_EVENT_TICKER, Param, listed, parse_query

GET_MARKETS = "GetMarkets"
# `limit` takes 0 (the spec's minimum), which Kalshi's `omitempty` reads as absent: the default 100.
MARKETS_LIMIT = Param("limit", "Limit", Integer(0, 1000), default=100)
SERIES_TICKER = Param("series_ticker", "SeriesTicker")
TICKERS = Param("tickers", "Tickers", listed(1000))
TIMES = ("created", "close", "settled", "updated")
TIME_PARAMS = [Param(f"{edge}_{name}_ts", f"{edge.title()}{name.title()}Ts", INT64) for name in TIMES
               for edge in ("min", "max")]  # fmt: skip
STATUS = Param("status", "Status", Choice(tuple(FILTER_WORDS)))
MVE_FILTER = Param("mve_filter", "MveFilter", Choice(("only", "exclude")))
MARKETS_PARAMS = [MARKETS_LIMIT, CURSOR, SINGLE_EVENT_TICKER, SERIES_TICKER, *TIME_PARAMS, STATUS, TICKERS, MVE_FILTER]
# The status words each timestamp family may be combined with (the spec's table; None: no status).
_COMPATIBLE = {"created": (None, "unopened", "open"), "close": (None, "closed"), "settled": (None, "settled"),
               "updated": (None,)}  # fmt: skip
_SECOND_US = 1_000_000


def _time_filters(values: dict[str, Any]) -> list[Callable[[Market], bool]]:
    """The timestamp filters given, checked against each other and the other filters as the spec's table says."""
    given = [name for name in TIMES if values[f"min_{name}_ts"] is not None or values[f"max_{name}_ts"] is not None]
    if len(given) > 1:
        raise param_error(GET_MARKETS, f"Min{given[1].title()}Ts", "excluded_with",
                          f"the {given[0]} and {given[1]} timestamp filters cannot be combined")  # fmt: skip
    if not given:
        return []
    name = given[0]
    field = f"Min{name.title()}Ts"
    if values["status"] not in _COMPATIBLE[name]:
        why = f"the {name} timestamp filters cannot be combined with status={values['status']}"
        raise param_error(GET_MARKETS, field, "excluded_with", why)
    if name == "updated":
        others = [p.name for p in (SINGLE_EVENT_TICKER, TICKERS) if values[p.name] is not None]
        if values["mve_filter"] == "only" or others:
            raise param_error(GET_MARKETS, field, "excluded_with",
                              "the updated timestamp filters take no other filter but mve_filter=exclude")  # fmt: skip
        if values["series_ticker"] is not None and values["mve_filter"] != "exclude":
            raise param_error(GET_MARKETS, field, "required_with", "series_ticker with the updated timestamp "
                              "filters needs mve_filter=exclude")  # fmt: skip
    low, high = values[f"min_{name}_ts"], values[f"max_{name}_ts"]
    attribute = {"created": "created_time", "close": "close_time", "settled": "settled_time",
                 "updated": "updated_time"}[name]  # fmt: skip
    at_or_before = name == "updated"  # "updated at or before"; the others are "before"

    def keep(market: Market) -> bool:
        when = getattr(market, attribute)
        if when is None:
            return False
        us = unix_us(when)
        if low is not None and us < (low + 1) * _SECOND_US:  # after `low` (in whole seconds)
            return False
        return high is None or (us < (high + 1) * _SECOND_US if at_or_before else us < high * _SECOND_US)

    return [keep]


def _candidates(ledger: Ledger, values: dict[str, Any], after: str | None) -> Iterator[Market]:
    """The markets the ticker, event and series filters name, in ticker order, after `after`."""
    markets = ledger.state.markets
    if values["tickers"] is not None or values["event_ticker"] is not None or values["series_ticker"] is not None:
        named: Iterable[str] | None = values["tickers"]
        for name, find in (("event_ticker", _event_markets), ("series_ticker", _series_markets)):
            if values[name] is not None:
                found = set(find(ledger, values[name]))  # once: each filter costs its markets, not their product
                named = found if named is None else [t for t in named if t in found]
        tickers = sorted({t for t in named or () if t in markets})
        start = 0 if after is None else next((i for i, t in enumerate(tickers) if t > after), len(tickers))
        return (markets[t] for t in tickers[start:])
    listed = ledger.state.listed
    start = 0 if after is None else listed.bisect_right(after)
    return (markets[t] for t in listed.islice(start))


def _event_markets(ledger: Ledger, event_ticker: str) -> list[str]:
    event = ledger.state.events.get(event_ticker)
    return list(event.markets) if event is not None else []


def _series_markets(ledger: Ledger, series_ticker: str) -> list[str]:
    series = ledger.state.series.get(series_ticker)
    return [t for e in (series.events if series is not None else ()) for t in _event_markets(ledger, e)]


def rendered_all(ctx: KalshiContext, markets: Iterable[Market]) -> list[orjson.Fragment]:
    """The markets' wire bytes in the context's profile (kept per state: the module's docstring), read at one now."""
    ledger = ctx.ledger
    now = ledger.state.clock.now()
    now_us = unix_us(now)
    cache = ctx.renders.of("markets", ctx.profile.name).bind(ledger)
    render = ctx.profile.market
    age, stats_of = ledger.feed.age, ledger.feed.stats_of
    found = []
    for market in markets:
        age(market, now_us)  # (its 24-hour window aged to now: the key sees where it starts)
        # (its id's key: a market listed again after a reset is another market, whose version starts again)
        key = (market.ticker, market.kept_id, market.version, market.window.start, now >= market.previous_day.day_ends)
        fragment = cache.get(key)
        if fragment is None:
            fragment = cache.put(key, render(market, stats_of(market, now), ledger), slot=market.ticker)
        found.append(fragment)
    return found


def archived(ctx: KalshiContext, ledger: Ledger) -> Callable[[Market], bool]:
    """Whether a market is the historical API's (settled before the cutoff's `market_settled_ts`); none is in a
    profile without it. Under the ledger's lock."""
    return ledger.state.archive.holds_market if ctx.profile.historical else _never


def _never(market: Market) -> bool:
    return False


def market_page(
    ctx: KalshiContext, operation: str, values: dict[str, Any], keep: Callable[[Ledger], Callable[[Market], bool]]
) -> dict[str, Any] | orjson.Fragment:
    """A page of markets in ticker order: those the ticker, event and series filters of `values` name that
    `keep(ledger)` keeps, after the cursor's (a page of one read's filters is kept whole: the module's docstring)."""
    limit = values["limit"] or MARKETS_LIMIT.default
    filters = {"op": operation, **{k: v for k, v in values.items() if k not in ("cursor", "limit")}}
    after = cursors.decode_param(operation, values["cursor"], filters, key_length=1, lenient=True)
    read = (tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in filters.items()), limit, after)
    with ctx.ledger.reading() as ledger:
        cutoff = ledger.state.archive.cutoffs[MARKETS] if ctx.profile.historical else None
        now = ledger.state.clock.now()
        pages = ctx.renders.pages("markets", ctx.profile.name)
        kept = pages.get(ledger.state.markets, (ledger.state.markets_version, cutoff), read, unix_us(now))
        if kept is not None:
            return kept
        found = filter(keep(ledger), _candidates(ledger, values, after[0] if after else None))
        page, more = cursors.one_page(found, limit)
        cursor = cursors.encode((page[-1].ticker,), filters) if more else ""
        markets = rendered_all(ctx, page)
        # Kept from when the last market was read until time alone would move one of them (the clock may run on).
        until = ledger.feed.steady_until(page, now)
        return pages.put(read, {"markets": markets, "cursor": cursor}, unix_us(ledger.state.clock.now()), until)


def get_markets(ctx: KalshiContext, key: Any, query: Any) -> dict[str, Any] | orjson.Fragment:
    values = parse_query(GET_MARKETS, MARKETS_PARAMS, query)
    tests = _time_filters(values)
    statuses = FILTER_WORDS[values["status"]] if values["status"] is not None else None
    mve = values["mve_filter"]

    def keep(ledger: Ledger) -> Callable[[Market], bool]:
        historical, combos = archived(ctx, ledger), ledger.state.multivariate.combos
        return lambda m: ((statuses is None or m.status in statuses) and all(test(m) for test in tests)
                          and (mve is None or (m.ticker in combos) == (mve == "only"))
                          and not historical(m))  # fmt: skip

    return market_page(ctx, GET_MARKETS, values, keep)


def market_named(ledger: Ledger, ticker: str) -> Market:
    """The market of a path's ticker, or Kalshi's 404."""
    market = ledger.state.markets.get(ticker)
    if market is None:
        raise not_found(f"no market {ticker!r}: list it (POST /_admin/markets) or fill it")
    return market


def get_market(ctx: KalshiContext, key: Any, path: Any) -> dict[str, Any]:
    with ctx.ledger.reading() as ledger:
        return {"market": rendered_all(ctx, [market_named(ledger, path["ticker"])])[0]}


__all__ = ["KalshiError", "get_market", "get_markets"]
