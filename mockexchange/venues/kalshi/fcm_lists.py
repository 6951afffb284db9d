"""GET /fcm/fills and GET /fcm/orders: what an FCM member's subtraders traded and have resting, newest first,
keyset-paged.

Fills come from the ledger's fill index (every subtrader's page merged, so a page costs its subtraders times its size,
not the size of their history: past `DEEP` fills so gathered, long) and answer as of the ledger's lagged time, as
/portfolio/fills does. Orders are the subtraders' orders as GET /portfolio/orders lists them (its filters,
order_reads.py; its renderer), newest first; a page walks the subtraders' orders whole, so past `DEEP` of them it is
read long, in a worker thread (core/stepping.py's `scanning`): a subtrader may rest 100,000.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import nlargest
from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.clock import unix_us
from mockexchange.core.kalshi.fill_log import Fill
from mockexchange.core.kalshi.orders import Order
from mockexchange.core.stepping import Footprint, scanning, stepping
from mockexchange.core.values import Choice
from mockexchange.venues.kalshi import cursors
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.fcm import fcm_subtrader
from mockexchange.venues.kalshi.order_reads import order_filter
from mockexchange.venues.kalshi.params import CURSOR, LIMIT, MAX_TS, MIN_TS, TICKER, Param, listed, parse_query
from mockexchange.venues.kalshi.render import count_fp, dollars4, dollars6, outcome_side, rfc3339

GET_FCM_FILLS = "GetFCMFills"
GET_FCM_ORDERS = "GetFCMOrders"
FILLS_PAGE = 100  # the spec gives /fcm/fills no `limit`: pages of /portfolio/fills' default size
ORDER_STATUSES = ("resting", "canceled", "executed")
DAY_US = 24 * 3600 * 1_000_000  # how far back an ask by client order ids searches (the spec's 24 hours)
FCM_FILLS_PARAMS = [MIN_TS, MAX_TS, CURSOR]


def fcm_fill(fill: Fill, subtrader_id: str) -> dict[str, Any]:
    """A subtrader's fill as the FCM sees it: the trade, with the subtrader's own side (maker or taker) named."""
    fill_side = outcome_side(fill)
    role = "taker" if fill.is_taker else "maker"
    return {
        "fill_id": fill.fill_id,
        "exchange_index": fill.exchange_index,
        "ticker": fill.ticker,
        "taker_outcome_side": fill_side if fill.is_taker else ("no" if fill_side == "yes" else "yes"),
        "count_fp": count_fp(fill.count),
        "yes_price_dollars": dollars4(fill.yes_price),
        "created_time": rfc3339(fill.created),
        f"{role}_order_id": fill.order_id,
        f"{role}_subtrader_id": subtrader_id,
        f"{role}_fee_cost": dollars6(fill.fee),
    }


def get_fcm_fills(ctx: KalshiContext, key: ApiKey, query) -> dict[str, Any]:
    values = parse_query(GET_FCM_FILLS, FCM_FILLS_PARAMS, query)
    filters = {"op": GET_FCM_FILLS, "owner": key.user_id, "min_ts": values["min_ts"], "max_ts": values["max_ts"]}
    before = cursors.decode_times(GET_FCM_FILLS, values["cursor"], filters)
    ledger = ctx.ledger
    with ledger.reading():
        member, _ = fcm_subtrader(ctx, key, GET_FCM_FILLS, None, bound_ok=False, required=False)
        subtraders = tuple(member.subtraders)

    def read(step: Callable[[], None]) -> tuple[list[Any], list[Any], bool]:
        # A page of each subtrader's (a step each fill: up to 1,000 subtraders, a page of 100 each), merged.
        with ledger.state.lock:
            as_of = ledger.as_of()
            found: list[tuple[tuple[int, int], Any, str]] = []
            more = False
            for subtrader_id in subtraders:
                page, rest = ledger.state.fill_index.page(
                    subtrader_id, FILLS_PAGE, before=before, min_ts=values["min_ts"], max_ts=values["max_ts"],
                    as_of=as_of,
                )  # fmt: skip
                more = more or rest
                found += [(at, fill, subtrader_id) for at, fill in stepping(page, step)]
            newest = nlargest(FILLS_PAGE, found, key=lambda item: item[0])
            return (
                newest,
                [fcm_fill(fill, subtrader_id) for _, fill, subtrader_id in newest],
                more or len(found) > FILLS_PAGE,
            )

    newest, fills, more = scanning(ledger.state.lock, lambda: Footprint.of(subtraders), read)
    last = newest[-1][0] if more and newest else None
    return {"fills": fills, "cursor": cursors.encode((str(last[0]), str(last[1])), filters) if last else ""}


# -- orders -----------------------------------------------------------------------------------------------------------

SUBTRADER_ID = Param("subtrader_id", "SubtraderId")
CLIENT_ORDER_IDS = Param("client_order_ids", "ClientOrderIds", listed(100))
STATUS = Param("status", "Status", Choice(ORDER_STATUSES))


def _orders_params(ctx: KalshiContext) -> list[Param]:
    found = [SUBTRADER_ID, CURSOR, ctx.profile.positions_event_ticker, TICKER, MIN_TS, MAX_TS, STATUS, LIMIT]
    return found + [CLIENT_ORDER_IDS] if ctx.profile.positions_settlement_status else found  # (3.34: the new one)


def get_fcm_orders(ctx: KalshiContext, key: ApiKey, query) -> dict[str, Any]:
    values = parse_query(GET_FCM_ORDERS, _orders_params(ctx), query)
    client_ids = values.get("client_order_ids")
    events = values["event_ticker"]
    events = {events} if isinstance(events, str) else set(events or ())
    filters = {"op": GET_FCM_ORDERS, "owner": key.user_id}
    filters |= {name: value for name, value in values.items() if name not in ("cursor", "limit")}
    after = cursors.decode_times(GET_FCM_ORDERS, values["cursor"], filters, str)
    ledger = ctx.ledger

    def owners() -> list[str]:
        member, subtrader_id = fcm_subtrader(
            ctx, key, GET_FCM_ORDERS, values["subtrader_id"], bound_ok=True, required=not client_ids
        )
        return [subtrader_id] if subtrader_id is not None else sorted(member.subtraders)

    def read(step: Callable[[], None]) -> tuple[list[Any], bool]:
        with ledger.state.lock:
            return _fcm_orders(ctx, owners(), values, events, client_ids, after, step)

    ledger.lifecycle.run_due()
    page, more = scanning(ledger.state.lock, lambda: Footprint.of(owners()), read)
    cursor = ""
    if more:
        last = page[values["limit"] - 1][0]
        cursor = cursors.encode((str(last[0]), last[1]), filters)
    return {"orders": [row for _, row in page[: values["limit"]]], "cursor": cursor}


def _fcm_orders(
    ctx: KalshiContext, owners: list[str], values: dict[str, Any], events: set[str], client_ids: Any, after: Any,
    step: Callable[[], None],
) -> tuple[list[Any], bool]:  # fmt: skip
    """The page of the owners' orders (a step each order walked: every one of them) as (key, row), one past the
    limit if more follow; and whether they do. Asked by client order ids, only the last 24 hours' orders."""
    ledger = ctx.ledger
    low = None if values["min_ts"] is None else values["min_ts"] * 1_000_000
    if client_ids:  # (the spec: only orders created within the last 24 hours are searched, min_ts raised to it)
        day_ago = unix_us(ledger.state.clock.now()) - DAY_US
        low = day_ago if low is None else max(low, day_ago)
    high = None if values["max_ts"] is None else (values["max_ts"] + 1) * 1_000_000
    keep = order_filter(ledger, {**values, "event_ticker": events})  # GET /portfolio/orders' filters
    wanted = frozenset(client_ids or ())
    chosen = []
    for owner in owners:
        for o in stepping(ledger.state.order_index.records(owner), step):
            if not isinstance(o, Order):  # (the index holds nothing but orders)
                continue
            at = unix_us(o.created)
            if (
                keep(o)
                and (not wanted or o.client_order_id in wanted)
                and (low is None or at >= low)
                and (high is None or at < high)
                and (after is None or (at, o.order_id) < after)
            ):
                chosen.append(((at, o.order_id), o))
    page = nlargest(values["limit"] + 1, chosen, key=lambda item: item[0])
    render = ctx.profile.live_order
    return [(at, render(o)) for at, o in page], len(page) > values["limit"]
