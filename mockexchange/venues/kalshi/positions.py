"""GET /portfolio/positions and GET /fcm/positions: parameters, scoping rules, and one keyset page of the ledger.

Both answer as of the ledger's lagged time (`Settings.rest_lag_ms`, `Ledger.as_of`): now, unless a REST lag is set.
"""

from __future__ import annotations

from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.store import RowFilter
from mockexchange.venues.kalshi import cursors
from mockexchange.venues.kalshi.context import KalshiContext, subaccount_for
from mockexchange.venues.kalshi.errors import forbidden, not_found, param_error
from mockexchange.venues.kalshi.params import CURSOR, EXCHANGE_INDEX, SUBACCOUNT, TICKER, Param, parse_query

GET_POSITIONS = "GetPositions"
GET_FCM_POSITIONS = "GetFCMPositions"
SETTLEMENT_STATUSES = ("unsettled", "settled", "all")

POSITIONS_LIMIT = Param("limit", "Limit", "int", minimum=1, maximum=1000, default=100)
SETTLEMENT_STATUS = Param(
    "settlement_status", "SettlementStatus", "enum", choices=SETTLEMENT_STATUSES, default="unsettled"
)
SUBTRADER_ID = Param("subtrader_id", "SubtraderId")


def _count_filter(values: tuple[str, ...]) -> Param:
    return Param("count_filter", "CountFilter", "csv", choices=values)


def _page(ctx: KalshiContext, operation: str, owner: tuple[str, int], values: dict[str, Any]) -> dict[str, Any]:
    """One page of market positions plus the event roll-ups first reached on it.

    Rows are ordered by (event_ticker, ticker). An event's roll-up is sent once, on the page where its first row is,
    and totals every row of that event that passes the filters, whichever page those rows are on.
    """
    user_id, subaccount = owner
    status = values["settlement_status"]
    event_ticker = values["event_ticker"]
    filters = {
        "op": operation,
        "owner": [user_id, subaccount],
        "settlement_status": status,
        "count_filter": values["count_filter"],
        "ticker": values["ticker"],
        "event_ticker": event_ticker,
        "exchange_index": values.get("exchange_index"),
    }
    after = cursors.decode_param(operation, values["cursor"], filters, key_length=2)
    keep = RowFilter.of(values["count_filter"], values.get("exchange_index"))
    store = ctx.ledger.positions
    with ctx.ledger.reading():
        as_of = ctx.ledger.as_of()
        rows, more = store.page(
            user_id, subaccount, status, values["limit"],
            after=after, event_ticker=event_ticker, ticker=values["ticker"], keep=keep, as_of=as_of,
        )  # fmt: skip
        seen_event = after[0] if after else None
        rollups = []
        for row in rows:
            if row.event_ticker != seen_event:
                seen_event = row.event_ticker
                rollups.append(
                    store.event_rollup(
                        user_id, subaccount, status, seen_event, ticker=values["ticker"], keep=keep, as_of=as_of
                    )
                )
    return {
        "market_positions": [ctx.profile.market_position(r) for r in rows],
        "event_positions": [ctx.profile.event_position(e) for e in rollups],
        "cursor": cursors.encode(rows[-1].key, filters) if more else "",
    }


def get_positions(ctx: KalshiContext, key: ApiKey, query) -> dict[str, Any]:
    profile = ctx.profile
    params = [CURSOR, POSITIONS_LIMIT, _count_filter(profile.count_filter_values), TICKER]
    params += [profile.positions_event_ticker, SUBACCOUNT, EXCHANGE_INDEX]
    if profile.positions_settlement_status:
        params.append(SETTLEMENT_STATUS)
    values = parse_query(GET_POSITIONS, params, query)
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


def get_fcm_positions(ctx: KalshiContext, key: ApiKey, query) -> dict[str, Any]:
    values = parse_query(GET_FCM_POSITIONS, FCM_PARAMS, query)
    with ctx.ledger.reading():
        member = ctx.ledger.accounts.get(key.user_id)
        if member is None or not member.fcm_member:
            raise forbidden("FCM member access level required", f"user {key.user_id!r} is not an FCM member")
        subtrader_id = values["subtrader_id"]
        if key.subtrader_id is not None:
            if subtrader_id is not None and subtrader_id != key.subtrader_id:
                raise forbidden(
                    "the API key is bound to a different FCM subtrader",
                    f"key is bound to subtrader {key.subtrader_id!r}",
                )
            subtrader_id = key.subtrader_id
        if subtrader_id is None:
            raise param_error(
                GET_FCM_POSITIONS, "SubtraderId", "required", "subtrader_id is required for an unbound FCM key"
            )
        if subtrader_id not in member.subtraders:
            raise not_found(f"{subtrader_id!r} is not a subtrader of FCM member {member.user_id!r}")
    return _page(ctx, GET_FCM_POSITIONS, (subtrader_id, 0), values)
