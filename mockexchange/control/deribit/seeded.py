"""The Deribit operations of the control plane: accounts, API keys, fills, cash, prices and instruments, in Deribit's
words; their answers in plain values, and Deribit's reset.

`Control` takes their methods (deribit_operations.py), so the admin API, the Python API (`MockServer`) and scenarios
reach them as they reach Kalshi's. Each write is declared once as a command of the book's (core/deribit/:
account_commands.py, cash_commands.py, fill_commands.py, market_commands.py; key_commands.py, whose credential draws
its secret), its method generated from the declaration (`operation`) and answering plain values of what the book's
handler answers; money arrives as decimal strings (or integers), never floats. A fresh (or reset) mock lists
`default_instruments` with index prices, so a client's market discovery (ccxt's `load_markets`) finds something to
load.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from mockexchange.auth.deribit.keys import DeribitCredentialRegistry
from mockexchange.auth.deribit.tokens import TokenStore
from mockexchange.control.answers import answer, fields
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.handlers import Deposited, Held, Marked, Withdrawn
from mockexchange.core.deribit.instruments import instrument_name
from mockexchange.core.deribit.market_commands import SetSettlementPrice
from mockexchange.core.deribit.records import DeribitTrade, WalletTransfer

# Index prices a fresh mock starts with (the mock's choice).
DEFAULT_INDEX_PRICES = {
    "btc_usd": Decimal(60000),
    "eth_usd": Decimal(3000),
    "btc_usdc": Decimal(60000),
    "eth_usdc": Decimal(3000),
}


def _next_friday(day: date, at_least_days: int) -> date:
    day = day + timedelta(days=at_least_days)
    return day + timedelta(days=(4 - day.weekday()) % 7)


def _last_friday(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    last = following - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 4) % 7)


def default_instruments(today: date) -> list[str]:
    """Perpetuals, a weekly and a monthly future, a few options (BTC and ETH, coin-settled and USDC-linear)."""
    weekly = _next_friday(today, 7)
    month = today.month % 12 + 1
    monthly = _last_friday(today.year + (today.month == 12), month)
    names = [
        instrument_name("BTC"),
        instrument_name("ETH"),
        instrument_name("BTC", linear=True),
        instrument_name("ETH", linear=True),
        instrument_name("BTC", expiry=weekly),
        instrument_name("BTC", expiry=monthly),
        instrument_name("ETH", expiry=monthly),
        instrument_name("BTC", linear=True, expiry=monthly),
    ]
    for coin, strike in (("BTC", 55000), ("BTC", 60000), ("BTC", 65000), ("ETH", 3000)):
        for option_type in ("call", "put"):
            names.append(instrument_name(coin, expiry=monthly, strike=Decimal(strike), option_type=option_type))
    names.append(instrument_name("BTC", linear=True, expiry=monthly, strike=Decimal(60000), option_type="call"))
    return list(dict.fromkeys(names))


def seed_defaults(exchange: DeribitExchange) -> None:
    for index_name, price in DEFAULT_INDEX_PRICES.items():
        exchange.market.set_index_price(index_name, price)
    for name in default_instruments(exchange.state.clock.now().date()):
        exchange.market.list_instrument(name)


def reset_deribit(exchange: DeribitExchange, keys: DeribitCredentialRegistry, tokens: TokenStore | None) -> None:
    """`ResetDeribit`'s handler: the book, its credentials and tokens forgotten, the default instruments listed."""
    exchange.reset()
    keys.clear()
    if tokens is not None:
        tokens.clear()
    seed_defaults(exchange)


instrument_json = answer(
    "instrument_name kind base_currency settlement_currency instrument_type settlement_period expiration_timestamp"
    " contract_size min_trade_amount tick_size strike option_type"
)


def trade_json(trade: DeribitTrade) -> dict[str, Any]:
    names = (
        "trade_id trade_seq order_id user_id account_id instrument_name direction amount price fee fee_currency"
        " profit_loss post_size timestamp"
    )
    label = {"label": trade.label} if trade.label else {}  # its order's, when it had one (as the venue shows it)
    return fields(trade, names) | label


def moves_json(made: list[tuple[DeribitTrade, DeribitTrade]]) -> list[dict[str, Any]]:
    """Each position moved: the source's trade and the target's (one trade id)."""
    return [{"source": trade_json(taken), "target": trade_json(given)} for taken, given in made]


# The control plane's own fields of an order (whose, its wallet, its book's words); control/deribit/orders.py's
# `order_json` adds Deribit's order object's others.
own_order_json = answer(
    "order_id user_id account_id instrument_name direction amount price order_type order_state time_in_force label"
    " post_only reduce_only api max_show trigger trigger_price created cancel_reason filled_amount average_price"
    " commission"
)


def wallet_json(held: Held) -> dict[str, Any]:
    """A wallet opened: who holds it, its id, its username and its balances."""
    user_id, wallet = held
    balances = {code: f"{amount:f}" for code, amount in wallet.balances.items()}
    return fields(wallet, "user_id id username balances", user_id=user_id, balances=balances)


def deposit_json(deposited: Deposited) -> dict[str, Any]:
    asked, balance = deposited
    return fields(asked, "user_id currency", balance=balance)


def withdrawal_json(withdrawn: Withdrawn) -> dict[str, Any]:
    asked, move, balance = withdrawn
    return fields(asked, "user_id currency") | fields(move, "id amount fee address state", balance=balance)


def transfer_json(made: WalletTransfer) -> dict[str, Any]:
    """A transfer made: within the user's account, or to another user's (`to_user_id`)."""
    to_user: dict[str, Any] = {"to_user_id": made.to_user_id} if made.to_user_id is not None else {}
    return fields(made, "user_id currency id amount from_account to_account", **to_user, state=made.state)


index_price_json = answer("index_name price")


def mark_price_json(marked: Marked) -> dict[str, Any]:
    pinned, mark = marked
    return fields(pinned, "instrument_name", mark_price=mark, pinned=pinned.price is not None)


def settlement_price_json(settled: SetSettlementPrice) -> dict[str, Any]:
    return fields(settled, "instrument_name", settlement_price=settled.price)


volatility_json = answer("volatility currency instrument_name")
credential_json = answer("client_id client_secret user_id subaccount_id scope")
# A key as the admin API shows it after a change (its number, its api_key fields); a reset's answer adds its new secret.
key_json = answer("client_id user_id subaccount_id scope key_id name enabled default timestamp")
reset_key_json = answer("client_id client_secret user_id subaccount_id scope key_id")


def keys_json(keys: DeribitCredentialRegistry) -> dict[str, Any]:
    """Every Deribit API key, with no secret: what `GET /_admin/deribit/keys` lists (the same keys the venue's
    private/list_api_keys lists an account's of)."""
    return {
        "keys": [key_json(key) for key in sorted(keys.all(), key=lambda k: (k.user_id, k.subaccount_id or 0, k.key_id))]
    }
