"""The frames of Kalshi's price channels: one value of a CF Benchmarks index or a Pyth underlying (core/kalshi/
price_records.py's `PriceTick`, published by the ledger's price feeds on the stream's own kind) on its way to the
connections watching its id or every id, its `msg` rendered once and shared, each subscription's `sid` and `seq`
spliced in as frames.py does.

The messages, in Kalshi's AsyncAPI shapes (the same in every wire profile): `cfbenchmarks_value` (`index_id`,
`received_at`, `data`, `avg_60s_data` and, in a quarter-hour's last minute, `last_60s_windowed_average_15min`),
`cfbenchmarks_value_5hz` (`index_id`, `value_usd`, `source_ts_ms`, `received_at`, `data`) and `pyth_value`
(`underlying_ticker`, `value_usd`, `source_ts_ms`, `received_at`). `data` is the upstream frame as CF Benchmarks
writes it (`{"type":"value","id":...,"time":<source ms>,"value":"<the value as set>"}`), as a string; `value_usd` and
the averages' values have 8 places.
"""

from __future__ import annotations

from collections.abc import Hashable
from decimal import Decimal
from typing import Any

import orjson

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.events import Change
from mockexchange.core.kalshi.price_records import CF_VALUE, PRICE_KINDS, PYTH_VALUE, Average, PriceTick
from mockexchange.venues.kalshi.frames import CHANGE_BYTES, spliced
from mockexchange.venues.kalshi.subscriptions import Subscription
from mockexchange.venues.outbox import Shared

_HEADS = {kind: b'{"type":"%s","sid":' % kind.encode() for kind in PRICE_KINDS}
_PLACES = Decimal("1e-8")


def price_key(channel: str, index_id: str | None) -> Hashable:
    """The fan-out key of a price channel's values of one id (None: every id's)."""
    return (channel, index_id)


def route_key(change: Change) -> Hashable:
    return price_key(change.kind, change.payload.index_id)


def wide_key(change: Change) -> Hashable:
    return price_key(change.kind, None)


def _eight(value: Decimal) -> str:
    return f"{value.quantize(_PLACES):f}"


def _average(average: Average) -> dict[str, Any]:
    return {
        "value": _eight(average.value), "window_size": average.window_size, "window_start_ts_ms": average.start_ms,
        "window_end_ts_exclusive": average.end_ms,
    }  # fmt: skip


def price_message(tick: PriceTick) -> dict[str, Any]:
    """The `msg` of the tick's message on its stream's channel."""
    if tick.stream == PYTH_VALUE:
        return {"underlying_ticker": tick.index_id, "value_usd": _eight(tick.value), "source_ts_ms": tick.source_ms,
                "received_at": tick.received_ms}  # fmt: skip
    upstream = {"type": "value", "id": tick.index_id, "time": tick.source_ms, "value": f"{tick.value:f}"}
    data = orjson.dumps(upstream).decode()
    if tick.stream != CF_VALUE:  # the 5 Hz feed's raw tick
        return {"index_id": tick.index_id, "value_usd": _eight(tick.value), "source_ts_ms": tick.source_ms,
                "received_at": tick.received_ms, "data": data}  # fmt: skip
    assert tick.avg_60s is not None  # (its stream's ticks carry it)
    msg = {"index_id": tick.index_id, "received_at": tick.received_ms, "data": data,
           "avg_60s_data": _average(tick.avg_60s)}  # fmt: skip
    if tick.quarter is not None:
        msg["last_60s_windowed_average_15min"] = _average(tick.quarter)
    return msg


class PriceFrames(Shared):
    """One value on its way to a price channel's connections: what they all share (everyone may see it)."""

    __slots__ = ("change", "channel", "ticker", "_middle")

    def __init__(self, change: Change) -> None:
        self.size, self._holders = CHANGE_BYTES, None  # (Shared's, set here: one call less per change)
        self.change = change
        self.channel: str = change.kind
        self.ticker: str = change.payload.index_id  # (what a subscription's ids are matched against)
        self._middle: bytes | None = None

    def visible_to(self, key: ApiKey) -> bool:
        return True

    def parts(self, subs: list[Subscription], key: ApiKey) -> list[Subscription]:
        """One frame per subscription taking the id."""
        return subs

    def frame(self, sub: Subscription, sending_ts_ms: int) -> bytes:
        """The frame for one subscription, its next `seq` taken."""
        if self._middle is None:
            body = orjson.dumps(price_message(self.change.payload))
            self._middle = self.kept(b',"msg":' + body + b',"sending_ts_ms":')
        return spliced(_HEADS[self.channel], sub, self._middle, sending_ts_ms)
