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

from mockexchange.auth.deribit.keys import DeribitCredential, DeribitCredentialRegistry
from mockexchange.auth.deribit.tokens import TokenStore
from mockexchange.core.deribit import orders
from mockexchange.core.deribit.book import DerivativesBook
from mockexchange.core.deribit.handlers import Deposited, Held, Marked, Withdrawn
from mockexchange.core.deribit.instruments import Instrument, instrument_name
from mockexchange.core.deribit.market_commands import (
    SetIndexPrice,
    SetSettlementPrice,
    SetVolatility,
)
from mockexchange.core.deribit.records import Trade, WalletTransfer

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
    for strike in (Decimal(55000), Decimal(60000), Decimal(65000)):
        names += [
            instrument_name("BTC", expiry=monthly, strike=strike, option_type="call"),
            instrument_name("BTC", expiry=monthly, strike=strike, option_type="put"),
        ]
    names += [
        instrument_name("ETH", expiry=monthly, strike=Decimal(3000), option_type="call"),
        instrument_name("ETH", expiry=monthly, strike=Decimal(3000), option_type="put"),
        instrument_name("BTC", linear=True, expiry=monthly, strike=Decimal(60000), option_type="call"),
    ]
    return list(dict.fromkeys(names))


def seed_defaults(book: DerivativesBook) -> None:
    for index_name, price in DEFAULT_INDEX_PRICES.items():
        book.market.set_index_price(index_name, price)
    for name in default_instruments(book.state.clock.now().date()):
        book.market.list_instrument(name)


def reset_deribit(book: DerivativesBook, keys: DeribitCredentialRegistry, tokens: TokenStore | None) -> None:
    """`ResetDeribit`'s handler: the book, its credentials and tokens forgotten, the default instruments listed."""
    book.reset()
    keys.clear()
    if tokens is not None:
        tokens.clear()
    seed_defaults(book)


def instrument_json(item: Instrument) -> dict[str, Any]:
    return {
        "instrument_name": item.instrument_name,
        "kind": item.kind,
        "base_currency": item.base_currency,
        "settlement_currency": item.settlement_currency,
        "instrument_type": item.instrument_type,
        "settlement_period": item.settlement_period,
        "expiration_timestamp": item.expiration_timestamp,
        "contract_size": f"{item.contract_size:f}",
        "min_trade_amount": f"{item.min_trade_amount:f}",
        "tick_size": f"{item.tick_size:f}",
        "strike": None if item.strike is None else f"{item.strike:f}",
        "option_type": item.option_type,
    }


def trade_json(trade: Trade) -> dict[str, Any]:
    return {
        "trade_id": trade.trade_id,
        "trade_seq": trade.trade_seq,
        "order_id": trade.order_id,
        "user_id": trade.user_id,
        "account_id": trade.account_id,
        "instrument_name": trade.instrument_name,
        "direction": trade.direction,
        "amount": f"{trade.amount:f}",
        "price": f"{trade.price:f}",
        "fee": f"{trade.fee:f}",
        "fee_currency": trade.fee_currency,
        "profit_loss": f"{trade.profit_loss:f}",
        "post_size": f"{trade.post_size:f}",
        "timestamp": trade.timestamp.isoformat(),
        **({"label": trade.label} if trade.label else {}),  # its order's, when it had one (as the venue shows it)
    }


def order_json(order: orders.DerivativeOrder) -> dict[str, Any]:
    def plain(value: Decimal | None) -> str | None:
        return None if value is None else f"{value:f}"

    return {
        "order_id": order.order_id,
        "user_id": order.user_id,
        "account_id": order.account_id,
        "instrument_name": order.instrument_name,
        "direction": order.direction,
        "amount": f"{order.amount:f}",
        "price": plain(order.price),
        "order_type": order.order_type,
        "order_state": order.order_state,
        "time_in_force": order.time_in_force,
        "label": order.label,
        "post_only": order.post_only,
        "reduce_only": order.reduce_only,
        "api": order.api,
        "max_show": f"{order.max_show:f}",
        "trigger": order.trigger,
        "trigger_price": plain(order.trigger_price),
        "created": order.created.isoformat(),
        "cancel_reason": order.cancel_reason,
        "filled_amount": f"{order.filled_amount:f}",
        "average_price": f"{order.average_price:f}",
        "commission": f"{order.commission:f}",
    }


def wallet_json(held: Held) -> dict[str, Any]:
    """A wallet opened: who holds it, its id, its username and its balances."""
    user_id, wallet = held
    return {"user_id": user_id, "id": wallet.id, "username": wallet.username, "balances": _json_balances(wallet)}


def deposit_json(deposited: Deposited) -> dict[str, Any]:
    asked, balance = deposited
    return {"user_id": asked.user_id, "currency": asked.currency, "balance": f"{balance:f}"}


def withdrawal_json(withdrawn: Withdrawn) -> dict[str, Any]:
    asked, move, balance = withdrawn
    return {
        "user_id": asked.user_id, "currency": asked.currency, "id": move.id, "amount": f"{move.amount:f}",
        "fee": f"{move.fee:f}", "address": move.address, "state": move.state, "balance": f"{balance:f}",
    }  # fmt: skip


def transfer_json(made: WalletTransfer) -> dict[str, Any]:
    """A transfer made: within the user's account, or to another user's (`to_user_id`)."""
    answer: dict[str, Any] = {
        "user_id": made.user_id, "currency": made.currency, "id": made.id, "amount": f"{made.amount:f}",
        "from_account": made.from_account, "to_account": made.to_account,
    }  # fmt: skip
    if made.to_user_id is not None:
        answer["to_user_id"] = made.to_user_id
    return answer | {"state": made.state}


def index_price_json(moved: SetIndexPrice) -> dict[str, Any]:
    return {"index_name": moved.index_name, "price": f"{moved.price:f}"}


def mark_price_json(marked: Marked) -> dict[str, Any]:
    pinned, mark = marked
    return {"instrument_name": pinned.instrument_name, "mark_price": f"{mark:f}", "pinned": pinned.price is not None}


def settlement_price_json(settled: SetSettlementPrice) -> dict[str, Any]:
    return {"instrument_name": settled.instrument_name, "settlement_price": f"{settled.price:f}"}


def volatility_json(given: SetVolatility) -> dict[str, Any]:
    return {"volatility": f"{given.volatility:f}", "currency": given.currency, "instrument_name": given.instrument_name}


def credential_json(credential: DeribitCredential) -> dict[str, Any]:
    return {
        "client_id": credential.client_id,
        "client_secret": credential.client_secret,
        "user_id": credential.user_id,
        "subaccount_id": credential.subaccount_id,
        "scope": credential.scope,
    }


def _json_balances(wallet: Any) -> dict[str, str]:
    return {code: f"{amount:f}" for code, amount in wallet.balances.items()}
