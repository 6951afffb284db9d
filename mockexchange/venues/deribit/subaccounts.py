"""A Deribit account's subaccounts as its holder manages them: `private/get_subaccounts` (with each wallet's
portfolio when asked), `private/get_subaccounts_details` (their positions and open orders in one currency),
`private/create_subaccount`, `private/change_subaccount_name` and `private/toggle_subaccount_login`. The writes build
the exchange's typed commands (core/deribit/account_commands.py) and run them (`commands.py`); a subaccount's key may
read only itself and change nothing here (`unavailable_in_subaccount`)."""

from __future__ import annotations

from typing import Any

from mockexchange.core.commands import Command
from mockexchange.core.deribit.account_commands import (
    CreateDeribitSubaccount,
    RenameDeribitSubaccount,
    SetDeribitSubaccountLogin,
)
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.order_commands import ACCOUNT_ID
from mockexchange.core.deribit.order_entry import open_orders, reading_open
from mockexchange.core.deribit.wallets import Wallet
from mockexchange.core.stepping import restarting, stepping
from mockexchange.core.values import Choice
from mockexchange.venues.deribit import commands, render
from mockexchange.venues.deribit.errors import UNAVAILABLE_IN_SUBACCOUNT, RpcError
from mockexchange.venues.deribit.methods import Method, RpcCall, wallet_of, wallet_user
from mockexchange.venues.deribit.orders import order_row
from mockexchange.venues.deribit.params import BOOLEAN, CURRENCIES, STRING

LOGIN_STATE = Choice(("enable", "disable"))

Row = dict[str, Any]
PORTFOLIO_FIELDS = (
    "margin_balance", "maintenance_margin", "initial_margin", "equity", "balance", "available_withdrawal_funds",
    "available_funds", "additional_reserve", "spot_reserve",
)  # fmt: skip


def _main_key(call: RpcCall, method: str) -> None:
    """Refuse a subaccount's key: only the main account manages subaccounts."""
    assert call.caller is not None
    if call.caller.credential.subaccount_id is not None:
        raise RpcError(UNAVAILABLE_IN_SUBACCOUNT, f"{method} is for the main account's keys")


def _portfolio(call: RpcCall, wallet: Wallet) -> Row:
    """Each currency's figures of the wallet, keyed by the currency in lower case (Deribit's `portfolio`)."""
    found: Row = {}
    for code in CURRENCIES:
        summary = call.ctx.exchange.valuation.account_summary(wallet_user(call), code, wallet.id)
        figures = render.portfolio(summary)
        found[code.lower()] = {"currency": code.lower(), **{name: figures[name] for name in PORTFOLIO_FIELDS}}
    return found


def subaccount_row(wallet: Wallet, account_type: str) -> Row:
    """One account as `private/get_subaccounts` lists it (and `private/create_subaccount` answers): the fields of the
    account summary's account (`render.account_fields`) a listing carries, and the settings the mock keeps none of
    as a fresh account has them (no password, no 2FA, no security keys, no notifications)."""
    account = render.account_fields(wallet, account_type)
    return {
        "email": account["email"],
        "id": wallet.id,
        "is_password": False,
        "login_enabled": wallet.login_enabled,
        "margin_model": "segregated_sm",
        "receive_notifications": False,
        "security_keys_enabled": False,
        "security_keys_assignments": [],
        "system_name": account["system_name"],
        "tfa_enabled": False,
        "type": account_type,
        "username": wallet.username,
        "proof_id": "",
        "proof_id_signature": "",
    }


def private_get_subaccounts(call: RpcCall) -> Any:
    with_portfolio = call.params.read("with_portfolio", BOOLEAN, False)
    assert call.caller is not None
    key_subaccount = call.caller.credential.subaccount_id
    exchange = call.ctx.exchange
    with exchange.reading():
        wallet_of(call, None)  # refuses a key whose user has no Deribit account
        account = exchange.accounts.account(wallet_user(call))
        listed = [(account.main, "main"), *((w, "subaccount") for w in account.subaccounts.values())]
        rows = []
        for wallet, account_type in listed:
            if key_subaccount is not None and wallet.id != key_subaccount:
                continue  # a subaccount's key sees its own account only
            row = subaccount_row(wallet, account_type)
            if with_portfolio:
                row["portfolio"] = _portfolio(call, wallet)
            rows.append(row)
        return rows


def private_get_subaccounts_details(call: RpcCall) -> Any:
    currency = call.params.currency(allow_any=False, required=True)
    with_orders = call.params.read("with_open_orders", BOOLEAN, False)
    _main_key(call, "private/get_subaccounts_details")
    exchange = call.ctx.exchange
    with exchange.reading():
        wallet_of(call, None)  # refuses a key whose user has no Deribit account
        user = wallet_user(call)
        wallet_ids = list(exchange.accounts.account(user).subaccounts)
    return _details(exchange, user, wallet_ids, currency, with_orders)


@restarting
def _details(
    exchange: DeribitExchange, user: str, wallet_ids: list[int], currency: str, with_orders: bool
) -> list[Row]:
    """Each subaccount's positions and (`with_orders`) open orders, read together (a long read past many open orders:
    `reading_open`)."""
    with reading_open(exchange, user, wallet_ids if with_orders else []) as step:
        rows = []
        for wallet_id in wallet_ids:
            positions = exchange.valuation.positions(user, subaccount_id=wallet_id, currency=currency)
            row: Row = {"uid": wallet_id, "positions": [render.position(view) for view in positions]}
            if with_orders:
                found = open_orders(exchange, wallet_id, currency=currency, step=step)
                row["open_orders"] = [
                    order_row(o, exchange.market.instrument(o.instrument_name)) for o in stepping(found, step)
                ]
            rows.append(row)
        return rows


def private_create_subaccount(call: RpcCall) -> Any:
    _main_key(call, "private/create_subaccount")
    _, made = commands.execute(call.ctx, commands.make(CreateDeribitSubaccount, user_id=wallet_user(call)))
    exchange = call.ctx.exchange
    with exchange.reading():
        wallet = exchange.accounts.wallet(wallet_user(call), made.id)
        row = subaccount_row(wallet, "subaccount")
        row["portfolio"] = _portfolio(call, wallet)
        row.update(disabled_trading_products=[], trading_products_details=[], referrals_count=0)
        return row


def _sid(call: RpcCall) -> int:
    return call.params.read(
        "sid", ACCOUNT_ID, required="sid (the subaccount's id) is required", reason="invalid subaccount",
        said="sid must be a subaccount's id, not {value}",
    )  # fmt: skip


def private_change_subaccount_name(call: RpcCall) -> Any:
    sid = _sid(call)
    name = call.params.read("name", STRING, required=True)
    return _change(call, "private/change_subaccount_name", RenameDeribitSubaccount, sid, username=name)


def private_toggle_subaccount_login(call: RpcCall) -> Any:
    sid = _sid(call)
    state = call.params.read("state", LOGIN_STATE, required=True)
    return _change(call, "private/toggle_subaccount_login", SetDeribitSubaccountLogin, sid, state=state)


def _change(call: RpcCall, method: str, cls: type[Command], sid: int, **fields: Any) -> str:
    """Run `cls` (a main key's change of its subaccount `sid`, by `fields`); Deribit answers "ok"."""
    _main_key(call, method)
    change = commands.make(cls, param="sid", user_id=wallet_user(call), subaccount_id=sid, **fields)
    commands.execute(call.ctx, change, param="sid")
    return "ok"


METHODS: dict[str, Method] = {
    "private/get_subaccounts": Method(private_get_subaccounts, "account:read"),
    "private/get_subaccounts_details": Method(private_get_subaccounts_details, "account:read"),
    "private/create_subaccount": Method(private_create_subaccount, "account:read_write", write=True),
    "private/change_subaccount_name": Method(private_change_subaccount_name, "account:read_write", write=True),
    "private/toggle_subaccount_login": Method(private_toggle_subaccount_login, "account:read_write", write=True),
}
