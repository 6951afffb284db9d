"""ccxt's reads of what the mock's Deribit venue sets along its exchange clock, judged against what the exchange keeps:
`fetch_funding_rate` (public/get_funding_rate_value over ccxt's last 8 hours), `fetch_funding_rate_history`
(public/get_funding_rate_history since a whole hour), `fetch_volatility_history` (public/get_historical_volatility)
and `fetch_status` (public/status). They run in the client matrix's `markets` cell, in the same run of ccxt's script
as ccxt_market_data.py's reads (ccxt_trading.py's `play_markets`), whose values worked by hand
tests/clients/ccxt_played.py checks.

What the exchange keeps is the points set: the perpetual's funding rate (for 8 hours) and the index's prices, the
currency's historical volatility, the indices the platform is locked in. The judging states the documented rules over
them (docs/known-differences.md, "Index prices, volatility, funding and the platform") rather than asking the reads
that answered: what a rate accrued over a span is its value over the time it held, over 8 hours; a history row is
each whole hour from the rate's first point on while the index had a price an hour before, its `interest_8h` what
accrued over the 8 hours to it; the volatility history is the points set up to now.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mockexchange.contract.clients.ccxt_checks import at, unified_symbol, wire_result
from mockexchange.contract.clients.ccxt_market_data import iso
from mockexchange.core.clock import unix_ms
from mockexchange.server import MockServer
from mockexchange.venues.deribit.funding_data import INTEREST
from mockexchange.venues.deribit.render import PRICE

PERP = "BTC-PERPETUAL"
INDEX = "btc_usd"
HOUR_MS = 3_600_000
EIGHT_HOURS_MS = 8 * HOUR_MS
RATE_PATH = "/api/v2/public/get_funding_rate_value"
RATE_HISTORY_PATH = "/api/v2/public/get_funding_rate_history"
VOLATILITY_PATH = "/api/v2/public/get_historical_volatility"
STATUS_PATH = "/api/v2/public/status"
CALLS = ("funding", "funding-history", "volatility", "status")
Points = list[tuple[int, Decimal]]  # (ms, value), oldest first


@dataclass
class FeedRecords:
    """What the exchange keeps of the feeds ccxt reads: the perpetual's rate points and its index's, BTC's historical
    volatility points, the locked indices and those with a price now; the clock; the history's `since`."""

    symbol: str
    rates: Points
    index: Points
    volatility: Points
    locked: list[str]
    priced: set[str]
    now_ms: int
    since: int


def seed_feeds(mock: MockServer) -> None:
    """On the hour `H` the clock is in (ccxt_market_data.py's `seed_market_data` stands it past one, and sets the
    index's last 10 hours): the perpetual's rate 0.0001 (for 8 hours) from H-10h and -0.0002 from H-3h, BTC's
    historical volatility over the last 2 hours, the platform locked in the BTC index."""
    now_ms = unix_ms(mock.exchange.state.clock.now())
    hour = now_ms - now_ms % HOUR_MS
    rates = [{"at": iso(hour - 10 * HOUR_MS), "rate": "0.0001"}, {"at": iso(hour - 3 * HOUR_MS), "rate": "-0.0002"}]
    mock.set_deribit_funding_rate(PERP, rates)
    volatility = [{"seconds": -7_200, "volatility": "50"}, {"seconds": -3_600, "volatility": "55.25"}]
    mock.set_deribit_historical_volatility("btc", [*volatility, {"volatility": "52.5"}])
    mock.set_deribit_platform_status([INDEX])


def feed_calls(mock: MockServer) -> list[dict[str, Any]]:
    """The reads, one call each: the perpetual's funding rate (ccxt's own window) and its history from the whole hour
    6 hours back, BTC's volatility history, the platform's status."""
    symbol = unified_symbol(mock, PERP)
    return [
        {"id": "funding", "method": "fetch_funding_rate", "args": [symbol]},
        {"id": "funding-history", "method": "fetch_funding_rate_history", "args": [symbol, history_since(mock)]},
        {"id": "volatility", "method": "fetch_volatility_history", "args": ["BTC"]},
        {"id": "status", "method": "fetch_status"},
    ]


def history_since(mock: MockServer) -> int:
    now_ms = unix_ms(mock.exchange.state.clock.now())
    return now_ms - now_ms % HOUR_MS - 6 * HOUR_MS


def feed_records(mock: MockServer) -> FeedRecords:
    """What the exchange keeps of the feeds, read from its state (never through the reads)."""
    exchange = mock.exchange
    with exchange.reading():
        state = exchange.state
        now = state.clock.now()

        def points(path: Any) -> Points:
            return [(unix_ms(p.timestamp), p.value) for p in path.points] if path is not None else []

        priced = {name for name, path in state.indexes.items() if path.at(now) is not None}
        kept = FeedRecords(
            unified_symbol(mock, PERP), points(state.funding.get(PERP)), points(state.indexes.get(INDEX)),
            points(state.historical_volatility.get("BTC")), list(state.locked_indices), priced, unix_ms(now),
            history_since(mock),
        )  # fmt: skip
    return kept


# -- the rules ------------------------------------------------------------------------------------------------------


def value_at(points: Points, when: int) -> Decimal | None:
    """The value in force at `when`: the last point at or before it."""
    found = None
    for stamp, value in points:
        if stamp > when:
            break
        found = value
    return found


def accrued(points: Points, start: int, end: int) -> Decimal:
    """What a rate for 8 hours accrued from `start` to `end`: its value over the time each point held, over 8 hours."""
    total = Decimal(0)
    for place, (stamp, value) in enumerate(points):
        until = points[place + 1][0] if place + 1 < len(points) else end
        held = min(until, end) - max(stamp, start)
        if held > 0:
            total += value * held
    return total / EIGHT_HOURS_MS


def history_rows(kept: FeedRecords, start: int, end: int) -> list[tuple[int, Decimal, Decimal]]:
    """(hour, index price, interest_8h) of each whole hour from `start` to `end` (up to now) from the rate's first
    point on, while the index had a price then and an hour before; oldest first."""
    rows = []
    hour = min(end, kept.now_ms)
    hour -= hour % HOUR_MS
    while kept.rates and hour >= max(start, kept.rates[0][0]):
        price, before = value_at(kept.index, hour), value_at(kept.index, hour - HOUR_MS)
        if price is None or before is None:
            break
        rows.append((hour, price, accrued(kept.rates, hour - EIGHT_HOURS_MS, hour)))
        hour -= HOUR_MS
    return rows[::-1]


# -- judging --------------------------------------------------------------------------------------------------------


def feeds_problems(outcomes: dict[str, dict[str, Any]], kept: FeedRecords) -> list[str]:
    """Each read ok and equal to what the exchange keeps, through the wire."""
    problems = [f"{call} raised {outcomes[call]['error']['type']}: {outcomes[call]['error']['message'][:200]}"
                for call in CALLS if not outcomes[call]["ok"]]  # fmt: skip
    if problems:
        return problems
    return [
        *funding_problems(outcomes["funding"], kept), *funding_history_problems(outcomes["funding-history"], kept),
        *volatility_problems(outcomes["volatility"], kept), *status_problems(outcomes["status"], kept),
    ]  # fmt: skip


def _figure(label: str, parsed: Any, wire: Any, kept: Decimal) -> list[str]:
    """A kept figure on the wire exactly and as ccxt parsed it (a float)."""
    problems = [] if wire == kept else [f"{label} wire {wire}, kept {kept}"]
    return problems + ([] if parsed == float(kept) else [f"{label} ccxt {parsed!r}, kept {kept}"])


def funding_problems(outcome: dict[str, Any], kept: FeedRecords) -> list[str]:
    """fetch_funding_rate: what the rate accrued over the window ccxt asked (its last 8 hours by its own clock), up
    to the exchange's now."""
    query = outcome["requests"][-1]["query"]
    start, end = int(query["start_timestamp"]), int(query["end_timestamp"])
    want = at(accrued(kept.rates, start, min(end, kept.now_ms)), INTEREST)
    parsed = outcome["result"]
    problems = [] if parsed.get("symbol") == kept.symbol else [f"fetch_funding_rate symbol {parsed.get('symbol')!r}"]
    if end - start != EIGHT_HOURS_MS:
        problems.append(f"fetch_funding_rate asked {start} to {end}, not 8 hours")
    return problems + _figure("fetch_funding_rate", parsed.get("fundingRate"), wire_result(outcome, RATE_PATH), want)


def funding_history_problems(outcome: dict[str, Any], kept: FeedRecords) -> list[str]:
    """fetch_funding_rate_history: a rate a whole hour from `since` on (history_rows), its time, its index price and
    its 8 hours' interest."""
    query = outcome["requests"][-1]["query"]
    rows = history_rows(kept, int(query["start_timestamp"]), int(query["end_timestamp"]))
    rows = [row for row in rows if row[0] >= kept.since]  # (ccxt keeps those from `since` on)
    wire = {row["timestamp"]: row for row in wire_result(outcome, RATE_HISTORY_PATH)}
    parsed = outcome["result"]
    hours = [hour for hour, _, _ in rows]
    if [rate["timestamp"] for rate in parsed] != hours or not set(hours) <= set(wire):
        return [f"fetch_funding_rate_history: {[r['timestamp'] for r in parsed]} (wire {sorted(wire)}), kept {hours}"]
    problems = []
    for rate, (hour, price, interest) in zip(parsed, rows, strict=True):
        if rate.get("symbol") != kept.symbol:
            problems.append(f"funding {hour} symbol {rate.get('symbol')!r}")
        problems += _figure(f"funding {hour} rate", rate.get("fundingRate"), wire[hour]["interest_8h"],
                            at(interest, INTEREST))  # fmt: skip
        problems += _figure(
            f"funding {hour} index", rate.get("indexPrice"), wire[hour]["index_price"], at(price, PRICE)
        )
    return problems


def volatility_problems(outcome: dict[str, Any], kept: FeedRecords) -> list[str]:
    """fetch_volatility_history: each point set up to now, oldest first."""
    points = [(stamp, value) for stamp, value in kept.volatility if stamp <= kept.now_ms]
    wire, parsed = wire_result(outcome, VOLATILITY_PATH), outcome["result"]
    if [p["timestamp"] for p in parsed] != [stamp for stamp, _ in points] or len(wire) != len(points):
        return [f"fetch_volatility_history: {[p['timestamp'] for p in parsed]} (wire {wire}), kept {points}"]
    problems = []
    for got, (stamp, value), row in zip(parsed, points, wire, strict=True):
        problems += _figure(f"volatility {stamp}", got.get("volatility"), row[1], at(value, PRICE))
    return problems


def status_problems(outcome: dict[str, Any], kept: FeedRecords) -> list[str]:
    """fetch_status: `ok` when the platform is locked in no index, else `maintenance`; on the wire `locked` "false",
    "true" (locked in every index with a price) or "partial", and the indices locked."""
    locked = "false" if not kept.locked else "true" if kept.priced <= set(kept.locked) else "partial"
    wire, parsed = wire_result(outcome, STATUS_PATH), outcome["result"]
    problems = []
    if (wire.get("locked"), wire.get("locked_indices")) != (locked, kept.locked):
        problems.append(f"public/status {wire}, kept locked {locked} in {kept.locked}")
    status = "ok" if locked == "false" else "maintenance"
    if parsed.get("status") != status:
        problems.append(f"fetch_status {parsed.get('status')!r}, kept {status!r} (locked {locked})")
    return problems
