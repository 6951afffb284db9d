"""GET /portfolio/positions and GET /fcm/positions: parameters, scoping rules, and one keyset page of the ledger.

Both answer as of the ledger's lagged time (`Settings.rest_lag_ms`, `Ledger.as_of`): now, unless a REST lag is set.
Rows and event roll-ups are served from the context's render cache (fragments.py): rendered once per change.
"""

from __future__ import annotations

from typing import Any

import orjson

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.kalshi.row_filter import RowFilter
from mockexchange.core.kalshi.rows import MarketPosition, PositionKey, SettlementStatus
from mockexchange.core.kalshi.store import PositionStore
from mockexchange.core.values import Choice, Integer
from mockexchange.venues.kalshi import cursors
from mockexchange.venues.kalshi.context import KalshiContext, subaccount_for
from mockexchange.venues.kalshi.fcm import fcm_subtrader
from mockexchange.venues.kalshi.params import CURSOR, EXCHANGE_INDEX, SUBACCOUNT, TICKER, Param, listed, parse_query
from mockexchange.venues.kalshi.profiles import Profile

GET_POSITIONS = "GetPositions"
GET_FCM_POSITIONS = "GetFCMPositions"
SETTLEMENT_STATUSES = ("unsettled", "settled", "all")

POSITIONS_LIMIT = Param("limit", "Limit", Integer(1, 1000), default=100)
SETTLEMENT_STATUS = Param("settlement_status", "SettlementStatus", Choice(SETTLEMENT_STATUSES), default="unsettled")
SUBTRADER_ID = Param("subtrader_id", "SubtraderId")


def _count_filter(values: tuple[str, ...]) -> Param:
    return Param("count_filter", "CountFilter", listed(options=values))


def _rows(
    store: PositionStore,
    owner: tuple[str, int],
    status: SettlementStatus,
    limit: int,
    after: PositionKey | None,
    event_ticker: str | tuple[str, ...] | None,
    ticker: str | None,
    keep: RowFilter | None,
    as_of: Any,
) -> tuple[list[MarketPosition], bool]:
    """`PositionStore.page` without its snapshots: the rows themselves (current rows, or as they were then), read and
    rendered under the ledger's lock."""
    walked = store.walk(*owner, status, after=after, event_ticker=event_ticker, ticker=ticker, as_of=as_of)
    return cursors.one_page(walked if keep is None else filter(keep, walked), limit)


def _page(
    ctx: KalshiContext, operation: str, owner: tuple[str, int], values: dict[str, Any], lagged: bool = True
) -> orjson.Fragment:
    """One page of market positions plus the event roll-ups first reached on it, as the JSON of
    `{"market_positions": [...], "event_positions": [...], "cursor": "..."}`.

    Rows are ordered by (event_ticker, ticker). An event's roll-up is sent once, on the page where its first row is,
    and totals every row of that event that passes the filters, whichever page those rows are on.
    `lagged`: as of the ledger's lagged time (the live reads).
    """
    user_id, subaccount = owner
    status = values["settlement_status"]
    event_ticker = values["event_ticker"]
    ticker = values["ticker"]
    filters = {
        "op": operation,
        "owner": [user_id, subaccount],
        "settlement_status": status,
        "count_filter": values["count_filter"],
        "ticker": ticker,
        "event_ticker": event_ticker,
        "exchange_index": values.get("exchange_index"),
    }
    decoded = cursors.decode_param(operation, values["cursor"], filters, key_length=2)
    after: PositionKey | None = None if decoded is None else (decoded[0], decoded[1])
    keep = RowFilter.of(values["count_filter"], values.get("exchange_index"))
    profile = ctx.profile
    store = ctx.ledger.state.positions
    # Every parameter that shapes the answer (the cursor it gives names the filters too).
    read = (
        operation, owner, status, values["count_filter"], ticker, event_ticker, values.get("exchange_index"),
        values["limit"], after,
    )  # fmt: skip
    with ctx.ledger.reading():
        as_of = ctx.ledger.as_of() if lagged else None
        stamp = (store.version, as_of)  # any row changed, or another as-of time: rendered again
        pages = ctx.renders.pages("positions", profile.name)
        page = pages.get(store, stamp, read)
        if page is not None:
            return page
        rows, more = _rows(store, owner, status, values["limit"], after, event_ticker, ticker, keep, as_of)
        fragments = ctx.renders.of("positions", profile.name).bind(store)
        market_positions, row_events = fragments.rows(rows, profile.market_position)
        # Rows come in key order, so an event's rows are together: its roll-up goes with its first row, unless the
        # page resumes inside the event (its roll-up went with an earlier page).
        events = dict.fromkeys(row_events)
        if after:
            events.pop(after[0], None)
        rollups = ctx.renders.rollups(profile.name)
        rolled = (user_id, subaccount, status, ticker, keep)
        kept = rollups.of(store, stamp, rolled)
        event_positions = list(map(kept.get, events))
        if None in event_positions:
            for i, event in enumerate(events):
                if event_positions[i] is None:
                    rollup = store.event_rollup(
                        user_id, subaccount, status, event, ticker=ticker, keep=keep, as_of=as_of
                    )
                    event_positions[i] = rollups.put(rolled, event, profile.event_position(rollup))
        cursor = cursors.encode(rows[-1].key, filters) if more else ""
        return pages.put(
            read, {"market_positions": market_positions, "event_positions": event_positions, "cursor": cursor}
        )


_PARAMS: dict[str, list[Param]] = {}


def _positions_params(profile: Profile) -> list[Param]:
    """The profile's parameters of GET /portfolio/positions (declared once per profile)."""
    found = _PARAMS.get(profile.name)
    if found is None:
        found = [CURSOR, POSITIONS_LIMIT, _count_filter(profile.count_filter_values), TICKER]
        found += [profile.positions_event_ticker, SUBACCOUNT, EXCHANGE_INDEX]
        if profile.positions_settlement_status:
            found.append(SETTLEMENT_STATUS)
        _PARAMS[profile.name] = found
    return found


def get_positions(ctx: KalshiContext, key: ApiKey, query) -> orjson.Fragment:
    values = parse_query(GET_POSITIONS, _positions_params(ctx.profile), query)
    values.setdefault("settlement_status", "unsettled")
    return _page(ctx, GET_POSITIONS, (key.user_id, subaccount_for(key, values["subaccount"]) or 0), values)


FCM_PARAMS = [
    SUBTRADER_ID,
    TICKER,
    Param("event_ticker", "EventTicker"),
    _count_filter(("position", "total_traded")),
    SETTLEMENT_STATUS,
    POSITIONS_LIMIT,
    CURSOR,
]


def get_fcm_positions(ctx: KalshiContext, key: ApiKey, query) -> orjson.Fragment:
    values = parse_query(GET_FCM_POSITIONS, FCM_PARAMS, query)
    with ctx.ledger.reading():
        _, subtrader_id = fcm_subtrader(ctx, key, GET_FCM_POSITIONS, values["subtrader_id"], bound_ok=True)
    assert subtrader_id is not None
    return _page(ctx, GET_FCM_POSITIONS, (subtrader_id, 0), values)
