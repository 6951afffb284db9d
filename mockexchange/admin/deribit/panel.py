"""The inspector's Deribit panel: its accounts in the list (each with its wallets' balances and client ids) and one
account (`GET /_admin/accounts/{user_id}?wallet=ID&instrument=NAME`: its wallets, credentials, positions, trades and
the picture's points, a wallet's open and closed orders and the book of an instrument it trades on, orders.py).

Its positions and trades are rendered by the Deribit venue's renderers, as `private/get_positions` and the
`user.trades` notifications render them; its balances are decimal strings, as the admin API writes money.
"""

from __future__ import annotations

from typing import Any

from mockexchange.admin import pnl
from mockexchange.admin.deribit import orders as deribit_orders
from mockexchange.admin.panels import CSS, JS, Moves, Panel
from mockexchange.admin.queries import HISTORY_ROWS, MAX_LISTED, MAX_REPLAYED
from mockexchange.control.answers import fields
from mockexchange.control.errors import core_call
from mockexchange.core.deribit.bounds import MAX_ACCOUNT_ID, MAX_NAME, ExchangeError
from mockexchange.core.deribit.orders import CHANGE as ORDER_CHANGE
from mockexchange.core.deribit.public_levels import RESET
from mockexchange.core.deribit.wallets import DeribitAccount, Wallet
from mockexchange.venues.deribit import render as deribit_render
from mockexchange.venues.deribit.context import DeribitContext
from mockexchange.venues.deribit.market_channels import TRADES


def _wallet_json(wallet: Wallet, main: bool) -> dict[str, Any]:
    balances = {code: f"{amount:f}" for code, amount in sorted(wallet.balances.items())}
    return {"id": wallet.id, "username": wallet.username, "main": main, "balances": balances}


def _wallets(account: DeribitAccount) -> list[dict[str, Any]]:
    return [_wallet_json(account.main, True), *(_wallet_json(w, False) for w in account.subaccounts.values())]


class DeribitPanel(Panel):
    labels = ("deribit", "signalplus", "coinbase")  # the native API, the SignalPlus and Coinbase gateways'
    query = {
        "wallet": {"type": "integer", "minimum": 1, "maximum": MAX_ACCOUNT_ID},
        "instrument": {"type": "string", "maxLength": MAX_NAME},
    }
    assets = {
        "inspector-deribit.js": JS,  # a Deribit wallet's orders and book, for inspector.js
        "inspector-deribit.css": CSS,  # its badge
    }
    kinds = "derivatives."
    everyone = frozenset({RESET})
    # The book shown: an order's change moves its instrument's book (and is its owner's), a trade its trades and candles
    moves = (
        Moves("instruments", "instrument_names", {ORDER_CHANGE: "instrument_name", TRADES: "instrument_name"},
              frozenset({RESET})),
    )  # fmt: skip

    def __init__(self, deribit: DeribitContext) -> None:
        self.deribit = deribit

    def accounts(self) -> tuple[dict[str, Any], bool]:
        """Every Deribit account with its subaccounts (wallets) and their balances."""
        exchange = self.deribit.exchange
        with exchange.reading():
            opened = exchange.accounts.all()
            deribit = [self._deribit_row(account) for account in opened[:MAX_LISTED]]
        return {"deribit": deribit}, len(opened) > MAX_LISTED

    def account(self, user_id: str, query: dict[str, Any]) -> dict[str, Any] | None:
        return self._deribit_account(user_id, query.get("wallet"), query.get("instrument"))

    def user_of(self, key_id: str) -> str | None:
        credential = self.deribit.auth.registry.get(key_id)
        return credential.user_id if credential is not None else None

    def _deribit_row(self, account: DeribitAccount) -> dict[str, Any]:
        return {
            "user_id": account.user_id,
            "wallets": _wallets(account),
            "client_ids": [c.client_id for c in self.deribit.auth.registry.for_user(account.user_id)],
        }

    def _deribit_account(self, user_id: str, wallet_id: int | None, instrument: str | None) -> dict[str, Any] | None:
        exchange = self.deribit.exchange
        with exchange.reading():
            try:
                account = exchange.accounts.account(user_id)
            except ExchangeError:
                return None
            wallet = core_call(exchange.accounts.wallet, user_id, wallet_id)
            views = exchange.valuation.positions(user_id, subaccount_id=wallet.id)
            shown = [deribit_render.position(view) for view in views]
            mine = [t for t in exchange.state.trades.of_wallet(wallet.id) if t.user_id == user_id]
            trades = mine[-MAX_REPLAYED:]
            rendered = [
                deribit_render.trade(t, exchange.market.instrument(t.instrument_name).contract_size)
                for t in reversed(trades[-HISTORY_ROWS:])
            ]
            wallets = _wallets(account)
            markets = pnl.deribit_series(trades)
            shown_orders = deribit_orders.orders(exchange, wallet.id)
            traded = [t.instrument_name for t in reversed(trades[-HISTORY_ROWS:])]
            names = deribit_orders.instruments(exchange, wallet.id, [v.instrument_name for v in views], traded)
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
