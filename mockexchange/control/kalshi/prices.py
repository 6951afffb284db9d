"""The price feeds on the control plane: a CF Benchmarks index's or a Pyth underlying's value set (core/kalshi/
price_commands.py), answered as the tick its feed's main channel sent (`cfbenchmarks_value`, with its averages, or
`pyth_value`). The admin API, the Python API and scenarios call it; a state file keeps the command."""

from __future__ import annotations

from typing import Any

from mockexchange.control.answers import fields
from mockexchange.core.kalshi.price_records import PYTH_VALUE, Average, PriceTick


def tick_json(tick: PriceTick) -> dict[str, Any]:
    """The tick: its index (`underlying_ticker` for Pyth's), value, times in Unix ms and, for CF Benchmarks', its
    averages (the quarter-hour's null outside the last minute before a close)."""
    if tick.stream == PYTH_VALUE:
        return fields(tick, "value", underlying_ticker=tick.index_id, source_ts_ms=tick.source_ms,
                      received_at=tick.received_ms)  # fmt: skip
    return fields(
        tick, "value", index_id=tick.index_id, source_ts_ms=tick.source_ms, received_at=tick.received_ms,
        avg_60s_data=_average(tick.avg_60s), last_60s_windowed_average_15min=_average(tick.quarter),
    )  # fmt: skip


def _average(average: Average | None) -> dict[str, Any] | None:
    if average is None:
        return None
    return fields(average, "value window_size", window_start_ts_ms=average.start_ms,
                  window_end_ts_exclusive=average.end_ms)  # fmt: skip
