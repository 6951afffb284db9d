"""GET /portfolio/balance and GET /portfolio/summary/total_resting_order_value: cash and what it is committed to.

The balance answers as of the ledger's lagged time (`Settings.rest_lag_ms`, `Ledger.as_of`), as positions do; the
resting order value is not lagged (orders are not fills).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.kalshi.accounts import Account
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.orders import RESTING, Order
from mockexchange.core.money import ONE, ZERO
from mockexchange.core.stepping import Footprint, scanning, stepping
from mockexchange.venues.kalshi import render
from mockexchange.venues.kalshi.context import KalshiContext, subaccount_for
from mockexchange.venues.kalshi.fcm import require_member
from mockexchange.venues.kalshi.params import EXCHANGE_INDEX, SUBACCOUNT, parse_query

GET_BALANCE = "GetBalance"


def portfolio_value(
    ledger: Ledger, user_id: str, subaccount: int, exchange_index: int | None, as_of: datetime | None = None
) -> Decimal:
    """Open positions marked at their market's last traded price (the side held), or at cost before any trade; as
    they were at `as_of` (None: now)."""
    value = ZERO
    markets, then = ledger.state.markets, ledger.prices_changed_since(as_of)
    for row in ledger.state.positions.walk(user_id, subaccount, "unsettled", as_of=as_of, ordered=False):
        if exchange_index is not None and row.exchange_index != exchange_index:
            continue
        last = then[row.ticker] if then and row.ticker in then else markets[row.ticker].last_yes_price
        if last is None or row.position == ZERO:
            value += row.market_exposure
        else:
            value += abs(row.position) * (last if row.position > ZERO else ONE - last)
    return value


def get_balance(ctx: KalshiContext, key: ApiKey, query) -> dict[str, Any]:
    values = parse_query(GET_BALANCE, [SUBACCOUNT, EXCHANGE_INDEX], query)
    subaccount = subaccount_for(key, values["subaccount"]) or 0
    exchange_index = values["exchange_index"]
    with ctx.ledger.reading():
        as_of = ctx.ledger.as_of()
        account: Account = ctx.ledger.account_as_of(key.user_id, as_of)
        cash = account.balance(subaccount, exchange_index)
        value = portfolio_value(ctx.ledger, key.user_id, subaccount, exchange_index, as_of)
        updated = account.updated.get(subaccount) or account.updated[0]
        breakdown = account.breakdown(subaccount)
    if exchange_index is not None:
        breakdown = {exchange_index: breakdown.get(exchange_index, ZERO)}
    # Kalshi omits the breakdown only for subaccount-restricted keys.
    return render.balance(cash, value, updated, None if key.subaccount is not None else breakdown)


def get_resting_order_value(ctx: KalshiContext, key: ApiKey, query) -> dict[str, Any]:
    """Resting orders of an FCM member and of its subtraders: a step each order of theirs, so past `DEEP` of them it is
    read long, in a worker thread (core/stepping.py's `scanning`; its subtraders may rest 100,000 each)."""
    ledger = ctx.ledger
    with ledger.reading():
        member = require_member(ctx, key)
        owners = (member.user_id, *member.subtraders)

    def read(step: Callable[[], None]) -> dict[str, Any]:
        with ledger.state.lock:
            records = (order for owner in owners for order in ledger.state.order_index.records(owner))
            return render.resting_order_value(
                [o for o in stepping(records, step) if isinstance(o, Order) and o.status == RESTING]
            )  # (the index holds nothing but orders)

    return scanning(ledger.state.lock, lambda: Footprint.of(owners), read)
