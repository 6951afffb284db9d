"""Query parameters a Kalshi operation takes alone but not together, as the spec says in prose (GetMarkets' timestamp
families, GetEvent's two market lists, ...): each rule, with its reason, and how the kit takes a drawn query's
forbidden combination apart before sending it as a positive case (`valid_combination`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CombinationRule:
    """Parameters an operation takes alone but not together (the spec says so in prose): a valid request drawn with
    a forbidden combination is sent with the parameters `fix` keeps (the suites' positive cases)."""

    operations: tuple[str, ...]
    reason: str
    fix: Any  # (query) -> the query with a combination the server takes


_TIME_FAMILIES = ("created", "close", "settled", "updated")
_STATUS_WITH = {"created": ("unopened", "open"), "close": ("closed",), "settled": ("settled",), "updated": ()}


def _one_time_family(query: dict[str, Any]) -> dict[str, Any]:
    """GetMarkets' table: one timestamp family, with its own status words; the updated times with no other filter
    but mve_filter=exclude."""
    families = [f for f in _TIME_FAMILIES if f"min_{f}_ts" in query or f"max_{f}_ts" in query]
    if not families:
        return query
    kept = families[0]
    query = {k: v for k, v in query.items() if not any(k in (f"min_{f}_ts", f"max_{f}_ts") for f in families[1:])}
    if query.get("status") not in (None, "", *_STATUS_WITH[kept]):
        del query["status"]
    if kept == "updated":
        query = {k: v for k, v in query.items() if k not in ("event_ticker", "tickers", "series_ticker")}
        query["mve_filter"] = "exclude"
    return query


def _one_market_filter(query: dict[str, Any]) -> dict[str, Any]:
    """GetHistoricalMarkets' filters exclude each other: the first given (not empty) is kept."""
    given = [name for name in ("tickers", "event_ticker", "series_ticker") if query.get(name) not in (None, "")]
    return {k: v for k, v in query.items() if k not in given[1:]}


def _not_series_and_collection(query: dict[str, Any]) -> dict[str, Any]:
    if query.get("series_ticker") not in (None, "") and query.get("collection_ticker") not in (None, ""):
        return {k: v for k, v in query.items() if k != "collection_ticker"}
    return query


def _not_both_market_lists(query: dict[str, Any]) -> dict[str, Any]:
    nested = str(query.get("with_nested_markets")).lower() in ("true", "1", "t")
    if nested and str(query.get("exclude_markets")).lower() in ("true", "1", "t"):
        return {k: v for k, v in query.items() if k != "exclude_markets"}
    return query


COMBINATION_RULES: tuple[CombinationRule, ...] = (
    CombinationRule(
        ("GetMarkets",),
        "the timestamp filters of one family only, each with its own status words (created: unopened, open; close: "
        "closed; settled: settled); the updated ones with no filter but mve_filter=exclude (the spec's table); "
        "otherwise a 400 (excluded_with)",
        _one_time_family,
    ),
    CombinationRule(
        ("GetMultivariateEvents",),
        "collection_ticker cannot be combined with series_ticker (the spec says so): a 400 (excluded_with)",
        _not_series_and_collection,
    ),
    CombinationRule(
        ("GetEvent",),
        "exclude_markets cannot be combined with with_nested_markets=true: a 400 (excluded_with)",
        _not_both_market_lists,
    ),
    CombinationRule(
        ("GetHistoricalMarkets",),
        "tickers, event_ticker and series_ticker exclude each other (the spec: one filter at a time): two are a 400 "
        "(excluded_with)",
        _one_market_filter,
    ),
)


def _one_weather_window(query: dict[str, Any]) -> dict[str, Any]:
    """GetWeatherIndex's window: `last_sec` alone, or `from` with `to` (not after it), or `to` alone."""
    if "last_sec" in query:
        return {k: v for k, v in query.items() if k not in ("from", "to")}
    if "from" in query and "to" not in query:
        return {**query, "to": query["from"]}
    if "from" in query and query["from"] > query["to"]:
        return {**query, "from": query["to"], "to": query["from"]}
    return query


COMBINATION_RULES += (
    CombinationRule(
        ("GetWeatherIndex",),
        "last_sec excludes from and to (a 400, excluded_with), from needs to (required_with) and may not be after it "
        "(ltefield)",
        _one_weather_window,
    ),
)


def valid_combination(operation_id: str, query: dict[str, Any]) -> dict[str, Any]:
    """A positive case's query as sent: the combinations `COMBINATION_RULES` forbid taken apart."""
    for rule in COMBINATION_RULES:
        if operation_id in rule.operations:
            query = rule.fix(query)
    return query
