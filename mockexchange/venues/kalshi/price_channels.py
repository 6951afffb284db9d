"""Kalshi's price channels as their subscriptions name what they take: not markets but ids, CF Benchmarks indexes
(`cfbenchmarks_value`, `cfbenchmarks_value_5hz`) or Pyth underlyings (`pyth_value`), each channel's `IdFilter`
(subscriptions.py reads a subscribe's and an update's by it; the values come from core/kalshi/price_feeds.py,
price_frames.py renders them).

A subscription holds the ids named (seeded by its subscribe, added and removed by its update's actions) and, with
`["all"]`, every id (all-mode: an id removed then is still sent; `["all"]` removed ends all-mode, the ids named
stay). One subscribed with no id gets nothing until it names some. Its list action answers the ids the channel has
(core's `index_ids`), leaving the subscription as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockexchange.core.kalshi.price_records import CF_VALUE, CF_VALUE_5HZ, PYTH_VALUE

# Kalshi's AsyncAPI error codes of the channels' updates naming no id.
INDEX_IDS_REQUIRED = 24
UNDERLYING_TICKERS_REQUIRED = 28


@dataclass(frozen=True, slots=True)
class IdFilter:
    """How a channel's subscriptions name the ids they take: the param listing them (a subscribe's and an update's),
    the update's actions adding, removing and listing them, the error an add or a remove naming none gets, the list
    action's message type."""

    param: str
    add: str
    remove: str
    listing: str
    required: int
    list_type: str

    @property
    def actions(self) -> tuple[str, str, str]:
        return self.add, self.remove, self.listing


_INDEXES = ("index_ids", "subscribe_indices", "unsubscribe_indices", "indexlist", INDEX_IDS_REQUIRED)
PRICE_FILTERS = {
    CF_VALUE: IdFilter(*_INDEXES, "cfbenchmarks_value_indexlist"),
    CF_VALUE_5HZ: IdFilter(*_INDEXES, "cfbenchmarks_value_5hz_indexlist"),
    PYTH_VALUE: IdFilter("underlying_tickers", "subscribe_underlyings", "unsubscribe_underlyings", "underlying_list",
                         UNDERLYING_TICKERS_REQUIRED, "pyth_value_underlying_list"),
}  # fmt: skip
