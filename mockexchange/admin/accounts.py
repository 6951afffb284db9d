"""The accounts of both venues as the inspector shows them: `GET /_admin/accounts` (every account, with balances) and
`GET /_admin/accounts/{user_id}` (one account: keys, balances, positions and event roll-ups, fills, settlements,
transfers, and the picture's points; a Kalshi account's insides, kalshi_insides.py, its orders, kalshi_orders.py, and
order groups, kalshi_order_groups.py).

Kalshi's numbers are the Kalshi venue's own answers: its operations (venues/kalshi: balance, positions, history) are
called as a key of the user with the query a client would send (`KALSHI_QUERIES`, kalshi_venue.py), so `positions` is,
byte for byte, what `GET /portfolio/positions?limit=1000` answers that user now (the same profile, the same REST lag,
the same render cache). Deribit's positions and trades are rendered by the Deribit venue's renderers, as
`private/get_positions` and the `user.trades` notifications render them; its balances are decimal strings, as the admin
API writes money.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockexchange.admin import pnl
from mockexchange.admin.deribit import orders as deribit_orders
from mockexchange.admin.kalshi.insides import INSIDES_QUERIES, SHOWN, insides
from mockexchange.admin.kalshi.order_groups import GROUPS_QUERIES, order_groups
from mockexchange.admin.kalshi.orders import ORDERS_QUERIES, orders
from mockexchange.admin.kalshi.venue import API, venue_answer
from mockexchange.admin.queries import HISTORY_ROWS
from mockexchange.control import ControlError
from mockexchange.control.answers import fields
from mockexchange.control.errors import core_call
from mockexchange.core.deribit.bounds import BookError
from mockexchange.core.deribit.wallets import Account as DeribitAccount
from mockexchange.core.deribit.wallets import Wallet
from mockexchange.core.kalshi.accounts import HOUSE, Account
from mockexchange.core.kalshi.fill_log import Fill
from mockexchange.core.kalshi.markets import Settlement
from mockexchange.core.numbers import excerpt
from mockexchange.venues.deribit import render as deribit_render
from mockexchange.venues.deribit.context import DeribitContext
from mockexchange.venues.kalshi import balance, history, positions
from mockexchange.venues.kalshi.context import KalshiContext

MAX_LISTED = 5_000  # accounts of one venue in the list (`truncated` says when more are open)
MAX_REPLAYED = 10_000  # fills (trades) run again for the picture: a longer history shows its newest this many

# What each Kalshi answer of an account is: the venue operation's answer to this query (SUBACCOUNT: the one shown).
KALSHI_QUERIES = {
    "balance": f"{API}/portfolio/balance?subaccount=SUBACCOUNT",
    "positions": f"{API}/portfolio/positions?limit=1000&subaccount=SUBACCOUNT",
    "fills": f"{API}/portfolio/fills?limit={HISTORY_ROWS}&subaccount=SUBACCOUNT",
    "settlements": f"{API}/portfolio/settlements?limit={HISTORY_ROWS}&subaccount=SUBACCOUNT",
    "deposits": f"{API}/portfolio/deposits?limit={HISTORY_ROWS}",
    "withdrawals": f"{API}/portfolio/withdrawals?limit={HISTORY_ROWS}",
    **INSIDES_QUERIES,
    **ORDERS_QUERIES,
    **GROUPS_QUERIES,
}


def _subaccounts(account: Account) -> list[int]:
    return sorted({0, *(sub for sub, _ in account.cash)})


def _membership(account: Account) -> dict[str, Any]:
    """Whether the account is an FCM member's, whose subtrader it is, and its subtraders."""
    return fields(account, "fcm_member subtrader_of subtraders", subtraders=list(account.subtraders))


def _balance_summary(answer: dict[str, Any]) -> dict[str, Any]:
    return {name: answer[name] for name in ("balance", "balance_dollars", "portfolio_value", "updated_ts")}


def _wallet_json(wallet: Wallet, main: bool) -> dict[str, Any]:
    balances = {code: f"{amount:f}" for code, amount in sorted(wallet.balances.items())}
    return {"id": wallet.id, "username": wallet.username, "main": main, "balances": balances}


def _wallets(account: DeribitAccount) -> list[dict[str, Any]]:
    return [_wallet_json(account.main, True), *(_wallet_json(w, False) for w in account.subaccounts.values())]


class AccountReads:
    """The reads behind the inspector's accounts, over one app's venues."""

    def __init__(self, kalshi: KalshiContext, deribit: DeribitContext) -> None:
        self.kalshi = kalshi
        self.deribit = deribit

    # -- the list -----------------------------------------------------------------------------------------------------

    def accounts(self) -> dict[str, Any]:
        """Every account of both venues with its balances: Kalshi users (FCM members and their subtraders, each
        subaccount's balance as GET /portfolio/balance answers it) and Deribit accounts with their subaccounts; apart
        from the users, the house (`house`: the mock's own liquidity, null until it first rests a level), which no
        client is and whose cash is no balance (it holds none for its levels and pays their maker fees)."""
        ctx, ledger = self.kalshi, self.kalshi.ledger
        with ledger.reading():
            users = [account for account in ledger.state.accounts.values() if account.user_id != HOUSE]
            kalshi = [self._kalshi_row(account) for account in users[:MAX_LISTED]]
            house = {"user_id": HOUSE} if HOUSE in ledger.state.accounts else None
        book = self.deribit.book
        with book.reading():
            opened = book.accounts.all()
            deribit = [self._deribit_row(account) for account in opened[:MAX_LISTED]]
        return {
            "kalshi": kalshi,
            "deribit": deribit,
            "house": house,
            "truncated": len(users) > MAX_LISTED or len(opened) > MAX_LISTED,
            "profile": ctx.profile.name,
        }

    def _kalshi_row(self, account: Account) -> dict[str, Any]:
        subaccounts = []
        for sub in _subaccounts(account):
            answer = venue_answer(balance.get_balance, self.kalshi, account.user_id, {"subaccount": str(sub)})
            subaccounts.append({"subaccount": sub, **_balance_summary(answer)})
        key_ids = [key.key_id for key in self.kalshi.keys.for_user(account.user_id)]
        return {"user_id": account.user_id, **_membership(account), "key_ids": key_ids, "subaccounts": subaccounts}

    def _deribit_row(self, account: DeribitAccount) -> dict[str, Any]:
        return {
            "user_id": account.user_id,
            "wallets": _wallets(account),
            "client_ids": [c.client_id for c in self.deribit.auth.registry.for_user(account.user_id)],
        }

    # -- one account --------------------------------------------------------------------------------------------------

    def account(
        self, user_id: str, subaccount: int = 0, wallet_id: int | None = None, instrument: str | None = None
    ) -> dict[str, Any]:
        """One account of either venue or both (a user id may name one of each): its keys and balances, its positions
        (Kalshi: GET /portfolio/positions' answer; Deribit: private/get_positions'), its latest fills, settlements and
        transfers, and the points of position and realized P&L per market over exchange time; a Kalshi account's
        subaccounts, transfers between them and between exchange instances, allocation, API keys, historical cutoff,
        FCM desk, and the shown subaccount's resting and ended orders and order groups; a Deribit wallet's open and
        closed orders and the book of an instrument it trades on, its own levels marked. `subaccount`: the Kalshi
        subaccount shown; `wallet_id`: the Deribit wallet shown (None: the main one); `instrument`: the Deribit
        instrument whose book is shown (None: the first the wallet trades on)."""
        kalshi = self._kalshi_account(user_id, subaccount)
        deribit = self._deribit_account(user_id, wallet_id, instrument)
        if kalshi is None and deribit is None:
            raise ControlError(f"unknown user_id {excerpt(user_id)}: no Kalshi or Deribit account has it", 404)
        return {"user_id": user_id, "kalshi": kalshi, "deribit": deribit}

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
            inside = insides(ctx, account, subaccount)
            shown_orders = orders(ctx, user_id, subaccount)
            shown_groups = order_groups(ctx, user_id, subaccount)
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
            **inside,
            "orders": shown_orders,
            "order_groups": shown_groups,
            "queries": queries,
            "pnl": {"markets": markets, "complete": replayed},
        }

    def _deribit_account(self, user_id: str, wallet_id: int | None, instrument: str | None) -> dict[str, Any] | None:
        book = self.deribit.book
        with book.reading():
            try:
                account = book.accounts.account(user_id)
            except BookError:
                return None
            wallet = core_call(book.accounts.wallet, user_id, wallet_id)
            views = book.valuation.positions(user_id, subaccount_id=wallet.id)
            shown = [deribit_render.position(view) for view in views]
            mine = [t for t in book.state.trades.of_wallet(wallet.id) if t.user_id == user_id]
            trades = mine[-MAX_REPLAYED:]
            rendered = [
                deribit_render.trade(t, book.market.instrument(t.instrument_name).contract_size)
                for t in reversed(trades[-HISTORY_ROWS:])
            ]
            wallets = _wallets(account)
            markets = pnl.deribit_series(trades)
            shown_orders = deribit_orders.orders(book, wallet.id)
            traded = [t.instrument_name for t in reversed(trades[-HISTORY_ROWS:])]
            names = deribit_orders.instruments(book, wallet.id, [v.instrument_name for v in views], traded)
            instrument = instrument or (names[0] if names else None)
            order_book = None if instrument is None else deribit_orders.order_book(self.deribit, wallet.id, instrument)
        credentials = [fields(c, "client_id subaccount_id scope") for c in self.deribit.auth.registry.for_user(user_id)]
        return {
            "wallet_id": wallet.id,
            "wallets": wallets,
            "keys": credentials,
            "positions": shown,
            "trades": rendered,
            "pnl": {"markets": markets, "complete": len(mine) == len(trades)},
            "orders": shown_orders,
            "instruments": names,
            "book": order_book,
            "queries": {
                name: text.replace("INSTRUMENT", instrument or "")
                for name, text in deribit_orders.DERIBIT_QUERIES.items()
            },
        }


def _of_subaccount(subaccount: int) -> Callable[[Any], bool]:
    return lambda record: record.subaccount == subaccount
