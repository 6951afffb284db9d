"""Kalshi wire rendering, one renderer per API profile. Field names, units and decimal places are decided here only.

- `3.34`: the shapes of the published spec 3.34.0: `*_dollars` strings with 6 places, `*_fp` strings with 2.
- `legacy`: the shapes of late 2025 that older clients still parse: the same fields plus their integer twins
  (cents, whole contracts).
A profile is a table of small functions; routes ask the profile, never test its name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mockexchange.core.money import fixed, to_cents, to_whole_contracts
from mockexchange.core.store import EventRollup, MarketPosition

DOLLAR_PLACES = 6
COUNT_PLACES = 2

Row = dict[str, Any]


def rfc3339(when: datetime) -> str:
    """RFC 3339 with microseconds and `Z`, as Kalshi prints `last_updated_ts`."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def dollars(value) -> str:
    return fixed(value, DOLLAR_PLACES)


def count_fp(value) -> str:
    return fixed(value, COUNT_PLACES)


def market_position_334(row: MarketPosition) -> Row:
    return {
        "ticker": row.ticker,
        "exchange_index": row.exchange_index,
        "total_traded_dollars": dollars(row.total_traded),
        "position_fp": count_fp(row.position),
        "market_exposure_dollars": dollars(row.market_exposure),
        "realized_pnl_dollars": dollars(row.realized_pnl),
        "fees_paid_dollars": dollars(row.fees_paid),
        "last_updated_ts": rfc3339(row.last_updated),
    }


def event_position_334(rollup: EventRollup) -> Row:
    return {
        "event_ticker": rollup.event_ticker,
        "total_cost_dollars": dollars(rollup.total_cost),
        "total_cost_shares_fp": count_fp(rollup.total_cost_shares),
        "event_exposure_dollars": dollars(rollup.event_exposure),
        "realized_pnl_dollars": dollars(rollup.realized_pnl),
        "fees_paid_dollars": dollars(rollup.fees_paid),
    }


def market_position_legacy(row: MarketPosition) -> Row:
    return {
        **market_position_334(row),
        "position": to_whole_contracts(row.position),
        "total_traded": to_cents(row.total_traded),
        "market_exposure": to_cents(row.market_exposure),
        "realized_pnl": to_cents(row.realized_pnl),
        "fees_paid": to_cents(row.fees_paid),
        "resting_orders_count": row.resting_orders_count,
    }


def event_position_legacy(rollup: EventRollup) -> Row:
    return {
        **event_position_334(rollup),
        "total_cost": to_cents(rollup.total_cost),
        "total_cost_shares": to_whole_contracts(rollup.total_cost_shares),
        "event_exposure": to_cents(rollup.event_exposure),
        "realized_pnl": to_cents(rollup.realized_pnl),
        "fees_paid": to_cents(rollup.fees_paid),
        "resting_order_count": rollup.resting_orders_count,
    }


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    market_position: Callable[[MarketPosition], Row]
    event_position: Callable[[EventRollup], Row]
    # Which settlement states /portfolio/positions can list, and which count_filter values it accepts.
    positions_settlement_status: bool
    count_filter_values: tuple[str, ...]


PROFILES: dict[str, Profile] = {
    "3.34": Profile(
        name="3.34",
        market_position=market_position_334,
        event_position=event_position_334,
        positions_settlement_status=True,
        count_filter_values=("position", "total_traded"),
    ),
    "legacy": Profile(
        name="legacy",
        market_position=market_position_legacy,
        event_position=event_position_legacy,
        positions_settlement_status=False,
        count_filter_values=("position", "total_traded", "resting_order_count"),
    ),
}
DEFAULT_PROFILE = "3.34"


def profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; known: {', '.join(PROFILES)}") from None
