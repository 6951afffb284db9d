"""Kalshi's search reads over real HTTP, on one mock for the module: `GET /search/tags_by_categories` and
`/search/filters_by_sport` equal what the series and events set make of them, and follow each series and event as it
is set."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer(clock=ManualClock(T0)) as server:
        yield server


@pytest.fixture(scope="module")
def public(mock: MockServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.kalshi_url, timeout=10) as client:
        yield client


def read(public: httpx.Client, path: str) -> dict:
    answer = public.get(path)  # public: no signature asked
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_search_reads_follow_the_series_and_events_set(mock, public):
    assert read(public, "/search/tags_by_categories") == {"tags_by_categories": {}}
    assert read(public, "/search/filters_by_sport") == {"filters_by_sports": {}, "sport_ordering": []}
    mock.set_series("KXNFLGAME", category="Sports", categories=["Sports"], tags=["Football"])
    mock.set_series("KXFED", category="Economics", categories=["Economics", "Rates"], tags=["Fed", "Rates"])
    mock.set_series("KXNBA", category="Sports", tags=["Basketball", "Football"])
    mock.set_series("KXQUIET", categories=["Weather"])
    mock.set_event("KXNFLGAME-26SEP10", competition="Pro Football", competition_scope="Game")
    mock.set_event("KXNFLGAME-26FUT", competition="Pro Football", competition_scope="Futures")
    mock.set_event("KXNFLGAME-26SEP11", competition="College Football", competition_scope="Game")
    mock.set_event("KXNBA-26", competition="Pro Basketball (M)")
    mock.set_event("KXNBA-27")  # no competition: nothing to list
    assert read(public, "/search/tags_by_categories") == {
        "tags_by_categories": {
            "Sports": ["Football", "Basketball"], "Economics": ["Fed", "Rates"], "Rates": ["Fed", "Rates"],
            "Weather": [],
        }
    }  # fmt: skip
    assert read(public, "/search/filters_by_sport") == {
        "filters_by_sports": {
            "Football": {
                "scopes": ["Game", "Futures"],
                "competitions": {
                    "Pro Football": {"scopes": ["Game", "Futures"]}, "College Football": {"scopes": ["Game"]},
                    "Pro Basketball (M)": {"scopes": []},
                },
            },
            "Basketball": {"scopes": [], "competitions": {"Pro Basketball (M)": {"scopes": []}}},
        },
        "sport_ordering": ["Football", "Basketball"],
    }  # fmt: skip
    # a series moved out of the Sports category takes its sports and competitions along
    mock.set_series("KXNBA", category="Basketball league", tags=["Basketball"])
    filters = read(public, "/search/filters_by_sport")
    assert filters["sport_ordering"] == ["Football"]
    assert list(filters["filters_by_sports"]["Football"]["competitions"]) == ["Pro Football", "College Football"]
    assert read(public, "/search/tags_by_categories")["tags_by_categories"]["Basketball league"] == ["Basketball"]
