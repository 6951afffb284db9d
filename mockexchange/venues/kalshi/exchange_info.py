"""Kalshi's public reads of the exchange's schedule, its users' data freshness, its fee changes and its announcements:
GET /exchange/schedule, /exchange/user_data_timestamp, /series/fee_changes, /events/fee_changes and (the legacy
profile's: gone from 3.34.0) /exchange/announcements, and their renderers (every profile's shapes alike).

The schedule is the one the exchange's status follows (core/kalshi/exchange.py); the user data timestamp is when the
ledger's balances, positions, fills or orders last changed (no later than what lagged reads show); the fee changes are
the catalogue's (core/kalshi/fee_changes.py): the series' in time order, those already in force only with
`show_historical`; the events', every one, keyset-paged in time order. The announcements are those the control plane
set whose delivery time the exchange clock has reached, the latest delivered first (core/kalshi/announcements.py).
"""

from __future__ import annotations

from typing import Any

from mockexchange.core.kalshi.announcements import AnnouncementRecord
from mockexchange.core.kalshi.exchange_schedule import DAYS, ExchangeSchedule, clock_text
from mockexchange.core.kalshi.fee_changes import FeeChange
from mockexchange.core.values import FLAG
from mockexchange.venues.kalshi import cursors
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.params import CURSOR, LIMIT, Param, parse_query
from mockexchange.venues.kalshi.render import rfc3339
from mockexchange.web.answers import json_number

Row = dict[str, Any]
GET_SERIES_FEE_CHANGES = "GetSeriesFeeChanges"
GET_EVENT_FEE_CHANGES = "GetEventFeeChanges"
SERIES_FEE_PARAMS = [Param("series_ticker", "SeriesTicker"), Param("show_historical", "ShowHistorical", FLAG, False)]
EVENT_FEE_PARAMS = [Param("event_ticker", "EventTicker"), LIMIT, CURSOR]


def schedule(s: ExchangeSchedule) -> Row:
    """Kalshi's `Schedule`."""
    return {
        "standard_hours": [
            {"start_time": rfc3339(week.start_time), "end_time": rfc3339(week.end_time),
             **{day: [{"open_time": clock_text(x.open_time), "close_time": clock_text(x.close_time)} for x in sessions]
                for day, sessions in zip(DAYS, week.days, strict=True)}}
            for week in s.standard_hours
        ],
        "maintenance_windows": [
            {"start_datetime": rfc3339(w.start_datetime), "end_datetime": rfc3339(w.end_datetime)}
            for w in s.maintenance_windows
        ],
    }  # fmt: skip


def series_fee_change(c: FeeChange) -> Row:
    """Kalshi's `SeriesFeeChange`."""
    multiplier = c.fee_multiplier
    return {
        "id": c.id, "series_ticker": c.series_ticker, "fee_type": c.fee_type,
        "fee_multiplier": None if multiplier is None else json_number(multiplier),
        "scheduled_ts": rfc3339(c.scheduled_ts),
    }  # fmt: skip


def event_fee_change(c: FeeChange) -> Row:
    """Kalshi's `EventFeeChange` (a cleared override: both null)."""
    multiplier = c.fee_multiplier
    return {
        "id": c.id, "event_ticker": c.event_ticker, "series_ticker": c.series_ticker,
        "fee_type_override": c.fee_type,
        "fee_multiplier_override": None if multiplier is None else json_number(multiplier),
        "scheduled_ts": rfc3339(c.scheduled_ts),
    }  # fmt: skip


def announcement(record: AnnouncementRecord) -> Row:
    """Kalshi's `Announcement` (the legacy profile's)."""
    told = record.announcement
    return {"type": told.type, "message": told.message, "delivery_time": rfc3339(record.delivery_time),
            "status": told.status}  # fmt: skip


def get_exchange_schedule(ctx: KalshiContext, key: Any, values: Any) -> Row:
    with ctx.ledger.reading() as ledger:
        return {"schedule": schedule(ledger.state.exchange.schedule)}


def get_user_data_timestamp(ctx: KalshiContext, key: Any, values: Any) -> Row:
    return {"as_of_time": rfc3339(ctx.ledger.user_data_as_of())}


def get_series_fee_changes(ctx: KalshiContext, key: Any, query: Any) -> Row:
    values = parse_query(GET_SERIES_FEE_CHANGES, SERIES_FEE_PARAMS, query)
    ticker, historical = values["series_ticker"], values["show_historical"]
    with ctx.ledger.reading() as ledger:
        now = ledger.state.clock.now()
        found = [
            series_fee_change(c) for c in ledger.state.fee_changes.of_series()
            if (ticker is None or c.series_ticker == ticker) and (historical or c.scheduled_ts > now)
        ]  # fmt: skip
    return {"series_fee_change_arr": found}


def get_event_fee_changes(ctx: KalshiContext, key: Any, query: Any) -> Row:
    values = parse_query(GET_EVENT_FEE_CHANGES, EVENT_FEE_PARAMS, query)
    ticker = values["event_ticker"]
    filters = {"op": GET_EVENT_FEE_CHANGES, "event_ticker": ticker}
    after = cursors.decode_times(GET_EVENT_FEE_CHANGES, values["cursor"], filters, str, lenient=True)
    with ctx.ledger.reading() as ledger:
        page, more = cursors.one_page(ledger.state.fee_changes.of_events(ticker, after), values["limit"])
    last = page[-1].key if page else None
    cursor = cursors.encode((str(last[0]), last[1]), filters) if more and last is not None else ""
    return {"event_fee_changes": [event_fee_change(c) for c in page], "cursor": cursor}


def get_exchange_announcements(ctx: KalshiContext, key: Any, values: Any) -> Row:
    with ctx.ledger.reading() as ledger:
        state = ledger.state
        return {"announcements": [announcement(r) for r in state.announcements.delivered(state.clock.now())]}
