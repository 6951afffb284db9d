"""The price feeds' records (price_feeds.py keeps and publishes them): the streams Kalshi's websocket carries them on,
a tick on its way to one stream's subscribers with its averages, and what the ledger keeps of each feed's indexes."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

# The streams, each a channel of Kalshi's websocket (and the kind of the changes published for it).
CF_VALUE = "cfbenchmarks_value"
CF_VALUE_5HZ = "cfbenchmarks_value_5hz"
PYTH_VALUE = "pyth_value"
PRICE_KINDS = (CF_VALUE, CF_VALUE_5HZ, PYTH_VALUE)

Tick = tuple[int, int, Decimal]  # (source time, received time, both Unix ms; the value)


@dataclass(frozen=True, slots=True)
class Average:
    """A windowed average of an index's ticks: its value (8 places), how many ticks it counts, its window in Unix ms
    (the end exclusive)."""

    value: Decimal
    window_size: int
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class PriceTick:
    """One value on its way to one stream's subscribers."""

    stream: str  # CF_VALUE, CF_VALUE_5HZ or PYTH_VALUE
    index_id: str  # the CF Benchmarks index, or the Pyth underlying ticker
    value: Decimal
    source_ms: int
    received_ms: int
    avg_60s: Average | None = None  # (CF_VALUE's)
    quarter: Average | None = None  # the last minute's average before a quarter-hour close (CF_VALUE's, then)


@dataclass(eq=False)
class PriceFeedState:
    """Each feed's indexes, each its last ticks, oldest first."""

    cf_benchmarks: dict[str, deque[Tick]] = field(default_factory=dict)
    pyth: dict[str, deque[Tick]] = field(default_factory=dict)

    def clear(self) -> None:
        self.cf_benchmarks.clear()
        self.pyth.clear()
