"""Combo markets for RFQ batches: a batch's children draw on at most six distinct legs, so a batch of more than six
children asks on combos. `combos` makes up to 57 (every set of two to six of six legs: the most a batch holds)."""

from __future__ import annotations

from itertools import combinations
from typing import Any

EVENT = "KXLEGS-26NOV"
COLLECTION = "KXMVELEGS-R"
LEGS = [{"market_ticker": f"{EVENT}-L{i}", "event_ticker": EVENT, "side": "yes"} for i in range(6)]


def combos(control: Any, user_id: str, count: int = 57) -> list[str]:
    """The tickers of `count` combos made by `user_id` on the six legs (the YES sides of six markets of one event)."""
    for leg in LEGS:
        control.create_market(leg["market_ticker"], event_ticker=EVENT)
    control.set_multivariate_collection(COLLECTION, [{"ticker": EVENT}], size_min=2, size_max=6)
    sets = [list(chosen) for size in range(2, 7) for chosen in combinations(LEGS, size)][:count]
    return [control.create_market_in_collection(user_id, COLLECTION, legs)["market_ticker"] for legs in sets]
