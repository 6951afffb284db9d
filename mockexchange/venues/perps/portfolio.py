"""A perps account's reads: whether margin trading is enabled for it, its fills (a page), its positions, its balance
and its risk, each computed from the exchange's state at the marks now (docs/perps.md has the formulas)."""

from __future__ import annotations

from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.perps.margin import PerpAccount
from mockexchange.core.perps.records import PerpFill
from mockexchange.core.values import FLAG
from mockexchange.venues.kalshi.context import subaccount_for
from mockexchange.venues.kalshi.params import (
    CURSOR,
    LIMIT,
    MAX_TS,
    MIN_TS,
    SUBACCOUNT,
    TICKER,
    KalshiError,
    Param,
    Query,
    parse_query,
)
from mockexchange.venues.perps import pages, render
from mockexchange.venues.perps.context import PerpsContext

COMPUTE_AVAILABLE = Param("compute_available_balance", "ComputeAvailableBalance", FLAG, False)


def enabled(ctx: PerpsContext, key: ApiKey, query: Query) -> dict[str, Any]:
    return {"enabled": key.user_id not in ctx.exchange.state.disabled}


def fills(ctx: PerpsContext, key: ApiKey, query: Query) -> dict[str, Any]:
    operation = "GetMarginFills"
    asked = parse_query(operation, (SUBACCOUNT, LIMIT, CURSOR, MIN_TS, MAX_TS), query)
    subaccount = subaccount_for(key, asked["subaccount"])
    filters = {"subaccount": subaccount, "min_ts": asked["min_ts"], "max_ts": asked["max_ts"]}
    before = pages.after(operation, asked["cursor"], filters)

    def keep(fill: PerpFill) -> bool:
        return subaccount is None or fill.subaccount == subaccount

    found = pages.newest([ctx.exchange.state.fills.get(key.user_id, [])], before)
    rows, cursor = pages.page(found, asked["limit"], filters, keep, render.fill, (asked["min_ts"], asked["max_ts"]))
    return {"fills": rows, "cursor": cursor}


def _accounts(ctx: PerpsContext, key: ApiKey, asked: int | None) -> list[PerpAccount]:
    """The key's accounts a read covers: the subaccount asked for (or the key's own), else each the user has (the
    primary and its numbered ones)."""
    subaccount = subaccount_for(key, asked)
    chosen = range(ctx.exchange.cash.subaccounts(key.user_id) + 1) if subaccount is None else [subaccount]
    return [ctx.exchange.account(key.user_id, number) for number in chosen]


def positions(ctx: PerpsContext, key: ApiKey, query: Query) -> dict[str, Any]:
    asked = parse_query("GetMarginPositions", (SUBACCOUNT, TICKER), query)
    ticker = asked["ticker"]
    rows = [
        render.position(held, account.subaccount)
        for account in _accounts(ctx, key, asked["subaccount"])
        for held in account.held()
        if ticker is None or held.market.ticker == ticker
    ]
    return {"positions": rows}


def balance_cost(query: Query) -> int:
    """GetMarginBalance's tokens (its note): 5, or 50 computing the available balance (a malformed flag: 5, the
    request then refused)."""
    try:
        computing = parse_query("GetMarginBalance", (COMPUTE_AVAILABLE,), query)["compute_available_balance"]
    except KalshiError:
        computing = False
    return 50 if computing else 5


def balance(ctx: PerpsContext, key: ApiKey, query: Query) -> dict[str, Any]:
    compute = parse_query("GetMarginBalance", (COMPUTE_AVAILABLE,), query)["compute_available_balance"]
    accounts = _accounts(ctx, key, None)
    return {
        "subaccount_balances": [render.balance(account, compute) for account in accounts],
        "settled_funds": render.money(sum(account.cash for account in accounts)),
    }


def risk(ctx: PerpsContext, key: ApiKey, query: Query) -> dict[str, Any]:
    threshold = ctx.exchange.state.liquidation_threshold
    accounts = _accounts(ctx, key, None)
    rows = [render.risk_position(account, held, threshold) for account in accounts for held in account.held()]
    notional = sum(held.notional for account in accounts for held in account.held())
    maintenance = sum(account.maintenance for account in accounts)
    leverage = render.number_of(notional, maintenance)
    return {
        "account_leverage": leverage, "total_position_notional": render.money(notional),
        "total_maintenance_margin": render.money(maintenance), "positions": rows,
    }  # fmt: skip
