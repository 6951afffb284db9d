"""GET /search/tags_by_categories and /search/filters_by_sport: the search filters Kalshi derives from what it lists,
public, derived here from the mock's own series and events as they are now (so they change as series are set).

Tags by categories: each category a series names (its primary `category` and its discovery `categories`) maps to the
tags of the series naming it, each category and tag once, in the order the series were first set. Filters by sport:
each tag of a series in the `Sports` category is a sport; each of those series' events naming a `competition` puts
that competition under each of its series' sports, with the event's `competition_scope` among the competition's
scopes; a sport's scopes are its competitions' together; `sport_ordering` lists the sports in the order their series
were first set. What the mock chose where Kalshi's docs are silent is in docs/known-differences.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mockexchange.core.kalshi.ledger_state import LedgerState
from mockexchange.core.kalshi.markets import Series
from mockexchange.venues.kalshi.context import KalshiContext

GET_TAGS_FOR_SERIES_CATEGORIES = "GetTagsForSeriesCategories"
GET_FILTERS_FOR_SPORTS = "GetFiltersForSports"
SPORTS = "Sports"  # the category whose series' tags are sports (Kalshi's, as its series list it)


def _categories(series: Series) -> Iterable[str]:
    """The categories a series names: its primary one and its discovery ones (each non-empty)."""
    return (c for c in (series.category, *series.categories) if c)


def get_tags_by_categories(ctx: KalshiContext, key: Any, query: Any) -> dict[str, Any]:
    with ctx.ledger.reading() as ledger:
        found: dict[str, dict[str, None]] = {}  # category -> its tags (an ordered set)
        for series in ledger.state.series.values():
            for category in dict.fromkeys(_categories(series)):
                found.setdefault(category, {}).update(dict.fromkeys(series.tags))
    return {"tags_by_categories": {category: list(tags) for category, tags in found.items()}}


def get_filters_by_sport(ctx: KalshiContext, key: Any, query: Any) -> dict[str, Any]:
    with ctx.ledger.reading() as ledger:
        sports = _sports(ledger.state)
    return {
        "filters_by_sports": {
            sport: {
                "scopes": list(dict.fromkeys(s for scopes in competitions.values() for s in scopes)),
                "competitions": {name: {"scopes": list(scopes)} for name, scopes in competitions.items()},
            }
            for sport, competitions in sports.items()
        },
        "sport_ordering": list(sports),
    }


def _sports(state: LedgerState) -> dict[str, dict[str, dict[str, None]]]:
    """Each sport (a tag of a `Sports` series) -> its competitions -> their scopes (ordered sets), in listing order."""
    sports: dict[str, dict[str, dict[str, None]]] = {}
    for series in state.series.values():
        if SPORTS not in _categories(series):
            continue
        held = [sports.setdefault(tag, {}) for tag in dict.fromkeys(series.tags)]
        for event_ticker in series.events:
            event = state.events[event_ticker]
            if not event.competition:
                continue
            for competitions in held:
                scopes = competitions.setdefault(event.competition, {})
                if event.competition_scope:
                    scopes[event.competition_scope] = None
    return sports
