"""Position and realized P&L per market over exchange time, for the inspector's picture of one account.

Kalshi: the account's fills, oldest first, run again through the ledger's own position arithmetic (positions.fill and
positions.settle of core/kalshi: the same step, so the same numbers as `realized_pnl_dollars`), plus each settlement;
a point per fill and per settlement, its amounts written as plain decimals ("10", "0.8"). Deribit: each trade's
`post_size` and the running sum of its `profit_loss`. Values are decimal strings;
a market keeps at most `MAX_POINTS` points (evenly thinned, the last always kept).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from mockexchange.core.deribit.records import DeribitTrade
from mockexchange.core.kalshi import positions
from mockexchange.core.kalshi.fill_log import Fill
from mockexchange.core.kalshi.markets import Settlement
from mockexchange.core.kalshi.units import contracts, count_units, dollar_units, dollars, price_units
from mockexchange.core.money import ZERO, plain

MAX_POINTS = 500


def _point(when: datetime, position: Decimal, realized: Decimal, kind: str) -> dict[str, str]:
    return {"time": when.isoformat(), "position": plain(position), "realized_pnl": plain(realized), "kind": kind}


def _thinned(points: list[dict[str, str]]) -> list[dict[str, str]]:
    if len(points) <= MAX_POINTS:
        return points
    step = len(points) / (MAX_POINTS - 1)
    return [points[int(i * step)] for i in range(MAX_POINTS - 1)] + [points[-1]]


def kalshi_series(fills: Iterable[Fill], settlements: Iterable[Settlement]) -> list[dict[str, Any]]:
    """Per market (in the order first traded): its points, from `fills` and `settlements` of one subaccount, each
    oldest first."""
    events: list[tuple[datetime, int, Fill | Settlement]] = [(f.created, 0, f) for f in fills]
    events += [(s.settled_time, 1, s) for s in settlements]
    events.sort(key=lambda item: (item[0], item[1]))  # stable: fills keep their order
    held: dict[str, positions.Cells] = {}  # ticker -> the row as the records so far leave it
    series: dict[str, list[dict[str, str]]] = {}
    for when, _, record in events:
        row = held.get(record.ticker, positions.ZERO_CELLS)
        if isinstance(record, Settlement):
            row, _ = positions.settle(row, record.market_result)
            kind = "settlement"
        else:
            price = price_units(record.price)
            buys = positions.buys_yes(record.side, record.action)
            paid = positions.price_paid(record.action, price)
            row, _ = positions.fill(row, buys, count_units(record.count), paid, dollar_units(record.fee))
            kind = "fill"
        held[record.ticker] = row
        series.setdefault(record.ticker, []).append(_point(when, contracts(row[0]), dollars(row[3]), kind))
    return [{"market": ticker, "points": _thinned(points)} for ticker, points in series.items()]


def deribit_series(trades: Iterable[DeribitTrade]) -> list[dict[str, Any]]:
    """Per instrument (in the order first traded): its points, from one wallet's trades, oldest first."""
    realized: dict[str, Decimal] = {}
    series: dict[str, list[dict[str, str]]] = {}
    for trade in trades:
        total = realized[trade.instrument_name] = realized.get(trade.instrument_name, ZERO) + trade.profit_loss
        series.setdefault(trade.instrument_name, []).append(_point(trade.timestamp, trade.post_size, total, "fill"))
    return [{"market": name, "points": _thinned(points)} for name, points in series.items()]
