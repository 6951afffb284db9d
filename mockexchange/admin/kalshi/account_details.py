"""A Kalshi account's details as the inspector shows them, a part of `GET /_admin/accounts/{user_id}`'s `kalshi`: its
subaccounts' balances per exchange index and their netting, the transfers between its subaccounts and between exchange
instances, the target balance allocation, its API keys, the historical cutoff and what it moved, and for an FCM member
its subtraders' daily caps and blocked categories.

Each is the Kalshi venue's own answer to the query `DETAILS_QUERIES` names, called as an unrestricted key of the user
(kalshi_venue.py). Every list is bounded whatever the account holds: the time-ordered ones (transfers, historical fills
and orders) are the venue's page of the newest `HISTORY_ROWS`; the others (balances and netting rows, keys, subtraders,
blocked categories) the first `SHOWN` of the answer (`CATEGORIES_SHOWN` categories a subtrader); `counts` says how many
there are in all, each read off the ledger's indexes (a seek; archived positions, a sum over their events), never a
walk of the records. So an account with 63 subaccounts and 100,000 transfers costs a read what one with 100 does.
"""

from __future__ import annotations

from typing import Any

from mockexchange.admin.kalshi.venue import API, venue_answer
from mockexchange.admin.queries import HISTORY_ROWS
from mockexchange.core.kalshi.accounts import Account
from mockexchange.core.kalshi.archive import ORDERS, TRADES
from mockexchange.venues.kalshi import api_keys, fcm, historical, instance_transfers, subaccounts
from mockexchange.venues.kalshi.context import KalshiContext

SHOWN = 100  # rows of an answer that is not paged (balances, netting, keys, subtraders): the first this many
CATEGORIES_SHOWN = 20  # a subtrader's blocked categories: the first this many

# What each answer is: the venue's answer to this query (SUBACCOUNT: the subaccount shown; SUBTRADER: each subtrader).
DETAILS_QUERIES = {
    "subaccount_balances": f"{API}/portfolio/subaccounts/balances",
    "netting": f"{API}/portfolio/subaccounts/netting",
    "subaccount_transfers": f"{API}/portfolio/subaccounts/transfers?limit={HISTORY_ROWS}",
    "instance_transfers": f"{API}/portfolio/intra_exchange_instance_transfers?limit={HISTORY_ROWS}",
    "target_balance_allocation": f"{API}/portfolio/target_balance_allocation",
    "api_keys": f"{API}/api_keys",
    "historical_cutoff": f"{API}/historical/cutoff",
    "historical_positions": f"{API}/historical/positions?limit={HISTORY_ROWS}&subaccount=SUBACCOUNT",
    "historical_fills": f"{API}/historical/fills?limit={HISTORY_ROWS}",
    "historical_orders": f"{API}/historical/orders?limit={HISTORY_ROWS}",
    "fcm_subtraders": f"{API}/fcm/subtraders",
    "fcm_daily_cap": f"{API}/fcm/subtraders/event_contract_daily_cap?subtrader_id=SUBTRADER",
    "fcm_blocked_categories": f"{API}/fcm/subtraders/blocked_categories?subtrader_id=SUBTRADER",
}
_NEWEST = {"limit": str(HISTORY_ROWS)}


def account_details(ctx: KalshiContext, account: Account, subaccount: int) -> dict[str, Any]:
    """The account's details, `subaccount` the one shown; under the ledger's lock (the caller holds it), so they agree
    with each other and with the rest of the account's read."""
    user_id = account.user_id
    state = ctx.ledger.state.subaccount_state
    balances = venue_answer(subaccounts.get_subaccount_balances, ctx, user_id, {})["subaccount_balances"]
    netting = venue_answer(subaccounts.get_subaccount_netting, ctx, user_id, {})["netting_configs"]
    keys = venue_answer(api_keys.get_api_keys, ctx, user_id, {})["api_keys"]
    return {
        "subaccount_balances": {"subaccount_balances": balances[:SHOWN]},
        "netting": {"netting_configs": netting[:SHOWN]},
        "subaccount_transfers": venue_answer(subaccounts.get_subaccount_transfers, ctx, user_id, _NEWEST),
        "instance_transfers": venue_answer(
            instance_transfers.get_intra_exchange_instance_transfers, ctx, user_id, _NEWEST
        ),
        "target_balance_allocation": venue_answer(
            instance_transfers.get_target_balance_allocation, ctx, user_id, {}
        ),
        "api_keys": {"api_keys": keys[:SHOWN]},
        "counts": {
            "subaccount_balances": len(balances),
            "netting_configs": len(netting),
            "subaccount_transfers": state.transfers.count(user_id),
            "instance_transfers": state.instance_transfers.count(user_id),
            "api_keys": len(keys),
        },
        "historical": _historical(ctx, user_id, subaccount),
        "fcm": _fcm_desk(ctx, user_id) if account.fcm_member else None,
    }  # fmt: skip


def _historical(ctx: KalshiContext, user_id: str, subaccount: int) -> dict[str, Any] | None:
    """The cutoff, what it moved (the account's fills and orders, the shown subaccount's positions and their
    events), and the newest of each as `/historical/*` serves them; None for a profile without the historical API."""
    if not ctx.profile.historical:
        return None
    ledger, archive = ctx.ledger, ctx.ledger.state.archive
    events, rows = ledger.state.positions.count(user_id, subaccount, "archived")
    sub = {"subaccount": str(subaccount)}
    return {
        "cutoff": venue_answer(historical.get_historical_cutoff, ctx, user_id, {}),
        "positions": venue_answer(historical.get_historical_positions, ctx, user_id, {**_NEWEST, **sub}),
        "fills": venue_answer(historical.get_fills_historical, ctx, user_id, _NEWEST),
        "orders": venue_answer(historical.get_historical_orders, ctx, user_id, _NEWEST),
        "moved": {
            "fills": ledger.state.fill_index.count(user_id, until_us=archive.cutoff_us(TRADES)),
            "orders": archive.ended_orders.count(user_id, until_us=archive.cutoff_us(ORDERS)),
            "positions": rows,
            "events": events,
        },
    }


def _fcm_desk(ctx: KalshiContext, user_id: str) -> dict[str, Any]:
    """The member's subtraders as ListFCMSubtraders lists them (the first `SHOWN`), each with its daily cap (null:
    none set, the venue's 404) and blocked categories as the desk's reads answer them."""
    listed = venue_answer(fcm.list_subtraders, ctx, user_id, {})["subtraders"]
    shown = []
    for subtrader in listed[:SHOWN]:
        named = {"subtrader_id": subtrader["subtrader_id"]}
        categories = venue_answer(fcm.get_blocked_categories, ctx, user_id, named)["categories"]
        shown.append(
            {
                "subtrader": subtrader,
                "daily_cap": venue_answer(fcm.get_daily_cap, ctx, user_id, named, missing=404),
                "blocked_categories": categories[:CATEGORIES_SHOWN],
                "blocked_count": len(categories),
            }
        )
    return {"subtraders": shown, "subtrader_count": len(listed)}
