"""Kalshi's multivariate event collections on the control plane: a collection set (or replaced), and a combo market
made in one as a user makes it, each a typed command declared once in the core (core/kalshi/multivariate_commands.py),
which the venue's POST /multivariate_event_collections/{collection_ticker} runs for its clients too
(venues/kalshi/multivariate.py), so a state file keeps every combo a client made. Each answers in plain values: a
collection's fields, its associated events as objects; a combo its tickers, its legs and its market.
"""

from __future__ import annotations

from typing import Any

from mockexchange.control.answers import fields
from mockexchange.control.kalshi.markets import market_json
from mockexchange.core.kalshi.multivariate import ComboMade
from mockexchange.core.kalshi.multivariate_records import Collection

COLLECTION_FIELDS = (
    "collection_ticker series_ticker title description functional_description open_date close_date associated_events"
    " is_ordered is_single_market_per_event is_all_yes size_min size_max price_level_structure exchange_index combos"
)


def collection_json(collection: Collection) -> dict[str, Any]:
    events = [{**event._asdict(), "active_quoters": list(event.active_quoters)}
              for event in collection.associated_events]  # fmt: skip
    return fields(collection, COLLECTION_FIELDS, associated_events=events)


def combo_json(made: ComboMade) -> dict[str, Any]:
    """The combo asked for: its tickers, its collection, its legs, whether it was made now, and its market."""
    combo = made.combo
    return {
        "market_ticker": combo.ticker, "event_ticker": combo.event_ticker,
        "collection_ticker": combo.collection_ticker, "selected_markets": [leg._asdict() for leg in combo.legs],
        "created": made.created, "market": market_json(made.market),
    }  # fmt: skip
