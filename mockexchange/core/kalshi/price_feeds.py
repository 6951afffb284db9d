"""The price feeds Kalshi relays on its websocket (`ledger.prices`): CF Benchmarks' index values and Pyth's prices,
which the mock has no source for: each value is set by the control plane (price_commands.py's `SetPriceValue`) at a
time of the exchange clock, kept, and published at once, one change per stream that carries it (the change's kind is
the stream's channel): every CF Benchmarks index on `cfbenchmarks_value`, with its trailing averages worked out here;
the five indexes of the 5 Hz feed (`FIVE_HZ_INDEXES`) on `cfbenchmarks_value_5hz` too, raw; a Pyth underlying on
`pyth_value` (the records: price_records.py). Every value set is one upstream tick, sent on each stream carrying its
index (no stream thins them to its rate). Nothing is sent on a timer, and a subscriber gets no past value (the
channels are real-time only).

An index keeps its last `KEPT_TICKS` values (its averages' window, and what the state file keeps); a feed keeps at
most `MOST_INDEXES` indexes. A value's source time is its `at` or the clock's now; Kalshi ignores an upstream tick
dated at or before the index's last one, and the mock refuses such an `at` (a set-up sees it), while a value set
without `at` in the millisecond of the index's last tick is dated a millisecond after it, so values set in a row keep
their order. When Kalshi received it (`received_at`) is the clock's now. What the mock chose where Kalshi's docs are
silent is in docs/known-differences.md.

The averages (the AsyncAPI's "Averaging semantics"): `avg_60s_data` over the index's ticks in
`[source - 60 s, source)` (none: the tick's own value, `window_size` 0); `last_60s_windowed_average_15min`, only in
the last minute before a quarter-hour close Q (`Q - 60 s < source <= Q`), over the ticks in `(Q - 60 s, source]`, the
tick itself included. Each is rounded half even to 8 places.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import TYPE_CHECKING

from mockexchange.core.clock import unix_ms
from mockexchange.core.events import Change
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.price_commands import VALUE_PLACES, SetPriceValue
from mockexchange.core.kalshi.price_records import CF_VALUE, CF_VALUE_5HZ, PYTH_VALUE, Average, PriceTick, Tick

if TYPE_CHECKING:
    from mockexchange.core.kalshi.ledger_state import LedgerState

# The feeds' names, as a refusal says them.
CF_BENCHMARKS, PYTH = "CF Benchmarks", "Pyth"
# The 5 Hz feed's indexes (Kalshi's AsyncAPI: BTC, ETH, SOL, XRP and DOGE).
FIVE_HZ_INDEXES = frozenset({"BRTI", "ETHUSD_RTI", "SOLUSD_RTI", "XRPUSD_RTI", "DOGEUSD_RTI"})
KEPT_TICKS = 600  # an index's last values kept: the 60-second window at ten a second
MOST_INDEXES = 100  # a feed's indexes, at most (Kalshi's CF Benchmarks and Pyth feeds carry a few dozen)
# What the 5 Hz and Pyth lists answer: the ids received within this long (Pyth's "the last two hours").
RECENT = timedelta(hours=2)
WINDOW_MS = 60_000
QUARTER_MS = 15 * 60_000
_PLACES = Decimal(1).scaleb(-VALUE_PLACES)
_EXACT = Context(prec=60)  # a sum and a mean of `KEPT_TICKS` values of at most 13 + 8 digits, exactly


class PriceFeeds:
    """The feeds' values (`ledger.prices`), under the ledger's lock."""

    def __init__(self, state: LedgerState) -> None:
        self.state = state

    def set_value(self, command: SetPriceValue) -> PriceTick:
        """Keep the value and publish it on each stream carrying its index; the tick its feed's main stream sends."""
        state = self.state
        feeds = state.price_feeds
        if command.index_id is not None:
            name, kept, index_id = CF_BENCHMARKS, feeds.cf_benchmarks, command.index_id
        else:
            assert command.underlying_ticker is not None  # (the command has one)
            name, kept, index_id = PYTH, feeds.pyth, command.underlying_ticker
        with state.lock:
            now = unix_ms(state.clock.now())
            ticks = kept.get(index_id)
            if ticks is None and len(kept) >= MOST_INDEXES:
                raise LedgerError(f"the mock keeps at most {MOST_INDEXES} {name} indexes: {index_id!r} is one more")
            source = self._source_time(command, ticks, now)
            if ticks is None:
                ticks = kept[index_id] = deque(maxlen=KEPT_TICKS)
            value = command.value
            if name == PYTH:
                main = PriceTick(PYTH_VALUE, index_id, value, source, now)
            else:
                main = PriceTick(CF_VALUE, index_id, value, source, now, _trailing(ticks, source, value),
                                 _quarter(ticks, source, value))  # fmt: skip
            ticks.append((source, now, value))
            state.bus.publish(Change(main.stream, None, main))
            if name == CF_BENCHMARKS and index_id in FIVE_HZ_INDEXES:
                raw = PriceTick(CF_VALUE_5HZ, index_id, value, source, now)
                state.bus.publish(Change(CF_VALUE_5HZ, None, raw))
            return main

    @staticmethod
    def _source_time(command: SetPriceValue, ticks: deque[Tick] | None, now: int) -> int:
        last = ticks[-1][0] if ticks else None
        if command.at is None:
            return now if last is None or now > last else last + 1
        source = unix_ms(command.at)
        if source > now:
            raise LedgerError(f"at {command.at.isoformat()} is later than the exchange clock's now: a value is set "
                              "when it is known")  # fmt: skip
        if last is not None and source <= last:
            raise LedgerError(f"at {command.at.isoformat()} is not after the index's last value ({last} ms): Kalshi "
                              "ignores a duplicate or out-of-order tick")  # fmt: skip
        return source

    def index_ids(self, stream: str) -> list[str]:
        """What a stream's list answers, in order: every CF Benchmarks index set (`cfbenchmarks_value`); the 5 Hz
        feed's indexes, and the Pyth underlyings, received within `RECENT` of now."""
        state = self.state
        feeds = state.price_feeds
        if stream == CF_VALUE:
            return sorted(feeds.cf_benchmarks)
        since = unix_ms(state.clock.now() - RECENT)
        if stream == CF_VALUE_5HZ:
            kept = {i: t for i, t in feeds.cf_benchmarks.items() if i in FIVE_HZ_INDEXES}
        else:
            kept = feeds.pyth
        return sorted(index_id for index_id, ticks in kept.items() if ticks[-1][1] >= since)


def _mean(values: list[Decimal]) -> Decimal:
    total = Decimal(0)
    for value in values:
        total = _EXACT.add(total, value)
    return _EXACT.divide(total, len(values)).quantize(_PLACES, ROUND_HALF_EVEN, _EXACT)


def _since(ticks: Iterable[Tick], start: int, closed: bool) -> list[Decimal]:
    """The values of the ticks (newest first, as given) from `start` on (after it unless `closed`)."""
    found = []
    for source, _, value in ticks:
        if source < start or (source == start and not closed):
            break
        found.append(value)
    return found


def _trailing(ticks: deque[Tick], source: int, value: Decimal) -> Average:
    """`avg_60s_data`: the ticks in `[source - 60 s, source)` (every kept tick is before `source`)."""
    start = source - WINDOW_MS
    window = _since(reversed(ticks), start, closed=True)
    return Average(_mean(window or [value]), len(window), start, source)


def _quarter(ticks: deque[Tick], source: int, value: Decimal) -> Average | None:
    """`last_60s_windowed_average_15min`: in the last minute before a quarter-hour close, the ticks since that
    minute began, this one included; None outside it."""
    close = -(-source // QUARTER_MS) * QUARTER_MS  # the quarter-hour close at or after the tick
    if close - source >= WINDOW_MS:
        return None
    start = close - WINDOW_MS
    window = [value, *_since(reversed(ticks), start, closed=False)]
    return Average(_mean(window), len(window), start, source + 1)
