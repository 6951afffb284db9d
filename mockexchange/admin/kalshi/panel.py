"""The inspector's Kalshi panel: its accounts in the list (each user with its subaccounts' balances, the house apart)
and one account (`GET /_admin/accounts/{user_id}?subaccount=N`: keys, balances, positions, fills, settlements,
transfers and the picture's points; its insides, account_details.py, its orders, orders.py, order groups,
order_groups.py, and RFQs and quotes, communications.py), and its markets (`GET /_admin/markets`,
`GET /_admin/markets/{ticker}`: markets.py).

Its numbers are the Kalshi venue's own answers: its operations (venues/kalshi: balance, positions, history) are called
as a key of the user with the query a client would send (`KALSHI_QUERIES`, venue.py), so `positions` is, byte for
byte, what `GET /portfolio/positions?limit=1000` answers that user now (the same profile, the same REST lag, the same
render cache).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockexchange.admin import openapi, pnl
from mockexchange.admin.guard import AdminGuard, error
from mockexchange.admin.handling import guarded, off_the_loop, path_named
from mockexchange.admin.kalshi.account_details import DETAILS_QUERIES, SHOWN, account_details
from mockexchange.admin.kalshi.communications import COMMUNICATIONS_QUERIES, communications
from mockexchange.admin.kalshi.markets import MARKETS_QUERY, MarketReads
from mockexchange.admin.kalshi.order_groups import GROUPS_QUERIES, order_groups
from mockexchange.admin.kalshi.orders import ORDERS_QUERIES, orders
from mockexchange.admin.kalshi.venue import API, venue_answer
from mockexchange.admin.panels import CSS, JS, Moves, Panel
from mockexchange.admin.queries import HISTORY_ROWS, MAX_LISTED, MAX_REPLAYED, checked_query
from mockexchange.control import ControlError
from mockexchange.control.answers import fields
from mockexchange.core.kalshi.accounts import HOUSE, Account
from mockexchange.core.kalshi.checks import MAX_SUBACCOUNT
from mockexchange.core.kalshi.fill_log import Fill
from mockexchange.core.kalshi.market_changes import BOOK, LIFECYCLE, MVE_LIFECYCLE, STATUS, TRADE
from mockexchange.core.kalshi.markets import Settlement
from mockexchange.core.kalshi.price_records import PRICE_KINDS
from mockexchange.core.kalshi.rfq_batch_records import BATCH_QUOTE_CHANGE
from mockexchange.core.kalshi.rfq_records import QUOTE_CHANGE
from mockexchange.core.numbers import excerpt
from mockexchange.venues.kalshi import balance, history, positions
from mockexchange.venues.kalshi.context import KalshiContext

# What each Kalshi answer of an account is: the venue operation's answer to this query (SUBACCOUNT: the one shown).
KALSHI_QUERIES = {
    "balance": f"{API}/portfolio/balance?subaccount=SUBACCOUNT",
    "positions": f"{API}/portfolio/positions?limit=1000&subaccount=SUBACCOUNT",
    "fills": f"{API}/portfolio/fills?limit={HISTORY_ROWS}&subaccount=SUBACCOUNT",
    "settlements": f"{API}/portfolio/settlements?limit={HISTORY_ROWS}&subaccount=SUBACCOUNT",
    "deposits": f"{API}/portfolio/deposits?limit={HISTORY_ROWS}",
    "withdrawals": f"{API}/portfolio/withdrawals?limit={HISTORY_ROWS}",
    **DETAILS_QUERIES,
    **ORDERS_QUERIES,
    **GROUPS_QUERIES,
    **COMMUNICATIONS_QUERIES,
}
# A market's public changes (each payload names its `ticker`): its listing, book, trades, lifecycle (a combo market's
# its own kind) and status; what may change what every market shows.
MARKET_CHANGES = frozenset({"market", BOOK, TRADE, LIFECYCLE, MVE_LIFECYCLE, STATUS})
EVERY_MARKET_CHANGES = frozenset({"reset", "exchange_status"})


def _subaccounts(account: Account) -> list[int]:
    return sorted({0, *(sub for sub, _ in account.cash)})


def _membership(account: Account) -> dict[str, Any]:
    """Whether the account is an FCM member's, whose subtrader it is, and its subtraders."""
    return fields(account, "fcm_member subtrader_of subtraders", subtraders=list(account.subtraders))


def _balance_summary(answer: dict[str, Any]) -> dict[str, Any]:
    return {name: answer[name] for name in ("balance", "balance_dollars", "portfolio_value", "updated_ts")}


class KalshiPanel(Panel):
    labels = ("kalshi",)
    query = {"subaccount": {"type": "integer", "minimum": 0, "maximum": MAX_SUBACCOUNT, "default": 0}}
    assets = {
        "inspector-kalshi.js": JS,  # a Kalshi account's details, drawn for inspector.js
        "inspector-markets.js": JS,  # Kalshi's markets and their books, for inspector.js
        "inspector-kalshi.css": CSS,  # its badge and its markets' panel
    }
    everyone = frozenset({"reset"})  # its kinds carry no prefix
    parties = {QUOTE_CHANGE: "rfq_user_id", BATCH_QUOTE_CHANGE: "rfq_user_id"}  # the RFQ's creator is offered it
    # The markets shown (a market's change is no account's: its fills and settlements name their users)
    moves = (
        Moves("markets", "tickers", dict.fromkeys(MARKET_CHANGES, "ticker"), EVERY_MARKET_CHANGES,
              MARKET_CHANGES | {"exchange_status", *PRICE_KINDS}),  # (a price feed's value moves neither)
    )  # fmt: skip

    def __init__(self, kalshi: KalshiContext) -> None:
        self.kalshi = kalshi
        self.markets = MarketReads(kalshi)

    def accounts(self) -> tuple[dict[str, Any], bool]:
        """Every Kalshi user (FCM members and their subtraders, each subaccount's balance as GET /portfolio/balance
        answers it); apart from the users, the house (`house`: the mock's own liquidity, null until it first rests a
        level), which no client is and whose cash is no balance (it holds none for its levels and pays their maker
        fees)."""
        ctx, ledger = self.kalshi, self.kalshi.ledger
        with ledger.reading():
            users = [account for account in ledger.state.accounts.values() if account.user_id != HOUSE]
            kalshi = [self._kalshi_row(account) for account in users[:MAX_LISTED]]
            house = {"user_id": HOUSE} if HOUSE in ledger.state.accounts else None
        return {"kalshi": kalshi, "house": house, "profile": ctx.profile.name}, len(users) > MAX_LISTED

    def account(self, user_id: str, query: dict[str, Any]) -> dict[str, Any] | None:
        return self._kalshi_account(user_id, query.get("subaccount", 0))

    def user_of(self, key_id: str) -> str | None:
        key = self.kalshi.keys.get(key_id)
        return key.user_id if key is not None else None

    def _kalshi_row(self, account: Account) -> dict[str, Any]:
        subaccounts = []
        for sub in _subaccounts(account):
            answer = venue_answer(balance.get_balance, self.kalshi, account.user_id, {"subaccount": str(sub)})
            subaccounts.append({"subaccount": sub, **_balance_summary(answer)})
        key_ids = [key.key_id for key in self.kalshi.keys.for_user(account.user_id)]
        return {"user_id": account.user_id, **_membership(account), "key_ids": key_ids, "subaccounts": subaccounts}

    def _kalshi_account(self, user_id: str, subaccount: int) -> dict[str, Any] | None:
        ctx, ledger = self.kalshi, self.kalshi.ledger
        with ledger.reading():
            account = ledger.state.accounts.get(user_id)
            if account is None:
                return None
            sub = {"subaccount": str(subaccount)}
            answers = {
                "balance": venue_answer(balance.get_balance, ctx, user_id, sub),
                "positions": venue_answer(positions.get_positions, ctx, user_id, {"limit": "1000", **sub}),
                "fills": venue_answer(history.get_fills, ctx, user_id, {"limit": str(HISTORY_ROWS), **sub}),
                "settlements": venue_answer(history.get_settlements, ctx, user_id, {"limit": str(HISTORY_ROWS), **sub}),
                "deposits": venue_answer(history.get_deposits, ctx, user_id, {"limit": str(HISTORY_ROWS)}),
                "withdrawals": venue_answer(history.get_withdrawals, ctx, user_id, {"limit": str(HISTORY_ROWS)}),
            }
            keep = _of_subaccount(subaccount)
            fills, _ = ledger.state.fill_index.page(user_id, MAX_REPLAYED, keep=keep)
            settlements, _ = ledger.state.settlements.page(user_id, MAX_REPLAYED, keep=keep)
            replayed = len(fills) < MAX_REPLAYED
            markets = pnl.kalshi_series(
                [record for _, record in reversed(fills) if isinstance(record, Fill)],
                [record for _, record in reversed(settlements) if isinstance(record, Settlement)],
            )  # (the indexes hold nothing else)
            row = {**_membership(account), "subaccounts": _subaccounts(account)}
            details = account_details(ctx, account, subaccount)
            shown_orders = orders(ctx, user_id, subaccount)
            shown_groups = order_groups(ctx, user_id, subaccount)
            shown_communications = communications(ctx, user_id)
        names = "key_id key_type subaccount subtrader_id name scopes"
        keys = [fields(k, names, scopes=list(k.scopes)) for k in ctx.keys.for_user(user_id)[:SHOWN]]
        queries = {name: text.replace("SUBACCOUNT", str(subaccount)) for name, text in KALSHI_QUERIES.items()}
        return {
            **row,
            "house": user_id == HOUSE,  # the mock's own liquidity, not a user's account
            "subaccount": subaccount,
            "profile": ctx.profile.name,
            "keys": keys,
            **answers,
            **details,
            "orders": shown_orders,
            "order_groups": shown_groups,
            "communications": shown_communications,
            "queries": queries,
            "pnl": {"markets": markets, "complete": replayed},
        }

    def routes(self, guard: AdminGuard, prefix: str) -> list[BaseRoute]:
        """GET /_admin/markets (a page of them, its query checked first) and GET /_admin/markets/{ticker}, beside
        POST /_admin/markets (listing one) and the POSTs under it, which keep their paths."""
        reads = self.markets

        async def listed(request: Request) -> Response:
            try:
                arguments = checked_query(request.query_params.multi_items(), MARKETS_QUERY)
            except ControlError as exc:
                return error(str(exc), exc.status)
            return await off_the_loop(reads.markets, arguments)

        async def one(request: Request) -> Response:
            if request.query_params:
                return error(f"unknown query parameter(s): {', '.join(sorted(request.query_params))}", 400)
            ticker = path_named(request, "ticker")
            if ticker is None:
                return error(f"no market is named by the path {excerpt(request.scope['path'])}", 404)
            return await off_the_loop(reads.market, {"ticker": ticker})

        return [
            Route(f"{prefix}/markets", guarded(guard, listed), methods=["GET"]),
            Route(f"{prefix}/markets/{{ticker:path}}", guarded(guard, one), methods=["GET"]),
        ]

    def paths(self, prefix: str) -> dict[str, dict[str, Any]]:
        return openapi.market_paths(prefix, self.markets.markets, self.markets.market, MARKETS_QUERY)


def _of_subaccount(subaccount: int) -> Callable[[Any], bool]:
    return lambda record: record.subaccount == subaccount
