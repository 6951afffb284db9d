"""The Deribit operations of the control plane: accounts, API keys, fills, prices and instruments, in Deribit's words.

`Control` inherits them, so the admin API, the Python API (`MockServer`) and scenarios reach them as they reach
Kalshi's. Money arrives as decimal strings (or integers), never floats; the work is done by `DerivativesBook`.
A fresh (or reset) mock lists `default_instruments` with index prices, so a client's market discovery (ccxt's
`load_markets`) finds something to load.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from mockexchange.auth.deribit.keys import DeribitCredential, DeribitCredentialRegistry
from mockexchange.auth.deribit.tokens import TokenStore
from mockexchange.control.commands import command, operation
from mockexchange.control.errors import ControlError
from mockexchange.control.values import choice, decimal, optional_integer, optional_text, shown, text
from mockexchange.control.values import currency as currency_code
from mockexchange.control.values import index_name as index_code
from mockexchange.core.deribit import orders, triggers
from mockexchange.core.deribit.book import DerivativesBook
from mockexchange.core.deribit.bounds import (
    MAX_ACCOUNT_ID,
    MAX_AMOUNT,
    MAX_CASH,
    MAX_FEE,
    MAX_NAME,
    MAX_PRICE,
    MAX_VOLATILITY,
    MIN_PRICE,
    PLACES,
    SMALLEST,
    BookError,
    bounded,
)
from mockexchange.core.deribit.cash import WITHDRAWAL_STATES
from mockexchange.core.deribit.instruments import Instrument, instrument_name
from mockexchange.core.deribit.key_commands import CreateDeribitKey
from mockexchange.core.deribit.records import Fill, Trade

MAX_NONCE = 128  # a withdrawal's idempotency nonce (Deribit: 8 to 128 characters)

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


def _amount(value: Any, name: str, least: Decimal, most: Decimal) -> Decimal:
    """A decimal string such as "1.5" (or an integer) from `least` to `most`, at most `PLACES` places."""
    parsed = decimal(value, name, PLACES, f"{least:f} to {most:f}, at most {PLACES} places")
    try:
        return bounded(parsed, name, least, most)
    except BookError as exc:
        raise ControlError(str(exc)) from None


def _balances(balances: Any) -> dict[str, Decimal]:
    if balances is None:
        return {}
    if not isinstance(balances, dict):
        raise ControlError(f'balances must be an object such as {{"BTC": "10"}}, not {shown(balances)}')
    found: dict[str, Decimal] = {}
    for code, value in balances.items():
        upper = currency_code(code, "a currency of balances")
        if upper in found:
            raise ControlError(f"balances names {upper} twice")
        found[upper] = _amount(value, f"balances.{upper}", Decimal(0), MAX_CASH)
    return found


def _account_id(value: Any, name: str) -> int | None:
    return optional_integer(value, name, 1, MAX_ACCOUNT_ID)


def _instrument(value: Any, name: str = "instrument_name") -> str:
    return text(value, name, most=MAX_NAME)


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


def credential_json(credential: DeribitCredential) -> dict[str, Any]:
    return {
        "client_id": credential.client_id,
        "client_secret": credential.client_secret,
        "user_id": credential.user_id,
        "subaccount_id": credential.subaccount_id,
        "scope": credential.scope,
    }


class DeribitOperations:
    book: DerivativesBook
    deribit_keys: DeribitCredentialRegistry
    deribit_tokens: TokenStore | None

    @command()
    def reset_deribit(self) -> None:
        self.book.reset()
        self.deribit_keys.clear()
        if self.deribit_tokens is not None:
            self.deribit_tokens.clear()
        seed_defaults(self.book)

    @command()
    def create_deribit_account(
        self,
        user_id: str,
        balances: dict[str, str] | None = None,
        account_id: int | None = None,
        username: str | None = None,
    ) -> dict[str, Any]:
        """A Deribit main account with balances per currency (`{"BTC": "10"}`); its id is an integer."""
        user_id = text(user_id, "user_id")
        try:
            account = self.book.accounts.open_account(
                user_id, account_id=_account_id(account_id, "account_id"),
                username=optional_text(username, "username"), balances=_balances(balances),
            )  # fmt: skip
        except BookError as exc:
            raise ControlError(str(exc), exc.status) from None
        wallet = account.main
        return {"user_id": user_id, "id": wallet.id, "username": wallet.username, "balances": _json_balances(wallet)}

    @command()
    def create_deribit_subaccount(
        self,
        user_id: str,
        balances: dict[str, str] | None = None,
        subaccount_id: int | None = None,
        username: str | None = None,
    ) -> dict[str, Any]:
        """A subaccount of the user's Deribit account (its own integer id and balances)."""
        user_id = text(user_id, "user_id")
        try:
            wallet = self.book.accounts.add_subaccount(
                user_id, subaccount_id=_account_id(subaccount_id, "subaccount_id"),
                username=optional_text(username, "username"), balances=_balances(balances),
            )  # fmt: skip
        except BookError as exc:
            raise ControlError(str(exc), exc.status) from exc
        return {"user_id": user_id, "id": wallet.id, "username": wallet.username, "balances": _json_balances(wallet)}

    create_deribit_key = operation(CreateDeribitKey, credential_json)

    @command()
    def deribit_fill(
        self,
        user_id: str,
        instrument_name: str,
        direction: str,
        amount: str | int,
        price: str | int,
        subaccount_id: int | None = None,
        fee: str | int = "0",
        order_id: str | None = None,
    ) -> dict[str, Any]:
        """A trade for the user: `amount` (USD for inverse futures, the coin otherwise) bought or sold at `price`.
        The instrument is listed if new; the fee (settlement currency) comes off the balance. The instrument's index
        must have a price first, so that its position can be valued (read) at once."""
        user_id, instrument_name = text(user_id, "user_id"), _instrument(instrument_name)
        direction = choice(direction, "direction", ("buy", "sell"))
        size, at = _amount(amount, "amount", SMALLEST, MAX_AMOUNT), _amount(price, "price", MIN_PRICE, MAX_PRICE)
        cost = _amount(fee, "fee", -MAX_FEE, MAX_FEE)
        wallet_id = _account_id(subaccount_id, "subaccount_id")
        order_id = optional_text(order_id, "order_id")
        try:
            with self.book.reading():  # the index checked is the one the trade sees
                index = self.book.market.list_instrument(instrument_name).price_index
                if index not in self.book.market.index_prices():
                    raise ControlError(
                        f"{instrument_name} is marked against the index {index!r}, which has no price: set one first "
                        "(deribit/index_prices, set_index_price)",
                        409,
                    )
                trade = self.book.trading.apply_trade(
                    Fill(user_id, instrument_name, direction, size, at, subaccount_id=wallet_id, fee=cost,
                         order_id=order_id)
                )  # fmt: skip
        except BookError as exc:
            raise ControlError(str(exc), exc.status) from None
        triggers.fire(self.book)  # its price is the instrument's last
        return trade_json(trade)

    @command()
    def deribit_deposit(
        self,
        user_id: str,
        currency: str,
        amount: str | int,
        subaccount_id: int | None = None,
        source_address: str | None = None,
    ) -> dict[str, Any]:
        """Move cash into (positive) or out of (negative) a Deribit wallet; a deposit comes from `source_address`
        (private/get_deposits' `source_address`; default a stand-in, `mock-btc-source-<id>`)."""
        user_id, code = text(user_id, "user_id"), currency_code(currency)
        moved, wallet_id = _amount(amount, "amount", -MAX_CASH, MAX_CASH), _account_id(subaccount_id, "subaccount_id")
        source_address = optional_text(source_address, "source_address", most=MAX_NAME * 2)
        if source_address is not None and moved < 0:
            raise ControlError("source_address names where a deposit came from; a negative amount is a withdrawal")
        try:
            balance = self.book.cash.move_cash(
                user_id, code, moved, subaccount_id=wallet_id, source_address=source_address
            )
        except BookError as exc:
            raise ControlError(str(exc), exc.status) from None
        return {"user_id": user_id, "currency": code, "balance": f"{balance:f}"}

    @command()
    def deribit_withdraw(
        self,
        user_id: str,
        currency: str,
        amount: str | int,
        subaccount_id: int | None = None,
        fee: str | int = "0",
        address: str | None = None,
        state: str = "completed",
        nonce: str | None = None,
    ) -> dict[str, Any]:
        """A withdrawal of `amount` (and `fee`, charged on top) out of a Deribit wallet, within what it may withdraw;
        listed by private/get_withdrawals. `completed` at once, or `unconfirmed` (a client's private/withdraw) until
        cancelled; a `nonce` the wallet gave before answers that withdrawal again."""
        user_id, code = text(user_id, "user_id"), currency_code(currency)
        moved, cost = _amount(amount, "amount", SMALLEST, MAX_CASH), _amount(fee, "fee", Decimal(0), MAX_CASH)
        wallet_id = _account_id(subaccount_id, "subaccount_id")
        address = optional_text(address, "address", most=MAX_NAME * 2)
        state = choice(state, "state", WITHDRAWAL_STATES)
        nonce = optional_text(nonce, "nonce", most=MAX_NONCE)
        try:
            with self.book.reading():
                move = self.book.cash.withdraw(
                    user_id, code, moved, subaccount_id=wallet_id, fee=cost, address=address, state=state, nonce=nonce
                )
                balance = self.book.accounts.wallet(user_id, wallet_id).balance(code)
        except BookError as exc:
            raise ControlError(str(exc), exc.status) from exc
        return {
            "user_id": user_id, "currency": code, "id": move.id, "amount": f"{move.amount:f}", "fee": f"{move.fee:f}",
            "address": move.address, "state": move.state, "balance": f"{balance:f}",
        }  # fmt: skip

    @command()
    def deribit_transfer(
        self,
        user_id: str,
        currency: str,
        amount: str | int,
        from_subaccount_id: int | None = None,
        to_subaccount_id: int | None = None,
    ) -> dict[str, Any]:
        """Move cash between two wallets of one Deribit account (an id left out: the main account); listed by
        private/get_transfers on both sides."""
        user_id, code = text(user_id, "user_id"), currency_code(currency)
        moved = _amount(amount, "amount", SMALLEST, MAX_CASH)
        source = _account_id(from_subaccount_id, "from_subaccount_id")
        destination = _account_id(to_subaccount_id, "to_subaccount_id")
        try:
            made = self.book.cash.transfer(user_id, code, moved, source=source, destination=destination)
        except BookError as exc:
            raise ControlError(str(exc), exc.status) from exc
        return {
            "user_id": user_id, "currency": code, "id": made.id, "amount": f"{made.amount:f}",
            "from_account": made.from_account, "to_account": made.to_account, "state": made.state,
        }  # fmt: skip

    @command()
    def set_settlement_price(self, instrument_name: str, price: str | int) -> dict[str, Any]:
        """The price a future or option is delivered at when the exchange clock passes its expiration (without it,
        the index price then); set it before the expiry."""
        instrument_name = _instrument(instrument_name)
        value = _amount(price, "price", MIN_PRICE, MAX_PRICE)
        try:
            self.book.market.set_settlement_price(instrument_name, value)
        except BookError as exc:
            raise ControlError(str(exc), exc.status) from None
        return {"instrument_name": instrument_name, "settlement_price": f"{value:f}"}

    @command()
    def list_instrument(self, instrument_name: str) -> dict[str, Any]:
        """List an instrument by its Deribit name (`BTC-27DEC24-60000-C`), with the default contract facts."""
        instrument_name = _instrument(instrument_name)
        try:
            return instrument_json(self.book.market.list_instrument(instrument_name))
        except BookError as exc:
            raise ControlError(str(exc), exc.status) from None

    @command()
    def set_index_price(self, index_name: str, price: str | int) -> dict[str, Any]:
        """Move a price index (`btc_usd`, `eth_usdc`): futures marks follow it, options are repriced."""
        index_name = index_code(index_name)
        try:
            value = self.book.market.set_index_price(index_name, _amount(price, "price", MIN_PRICE, MAX_PRICE))
        except BookError as exc:
            raise ControlError(str(exc), exc.status) from None
        triggers.fire(self.book)
        return {"index_name": index_name, "price": f"{value.value:f}"}

    @command()
    def set_mark_price(self, instrument_name: str, price: str | int | None = None) -> dict[str, Any]:
        """Pin an instrument's mark price; null unpins it."""
        instrument_name = _instrument(instrument_name)
        value = None if price is None else _amount(price, "price", MIN_PRICE, MAX_PRICE)
        try:
            self.book.market.set_mark_price(instrument_name, value)
            mark = self.book.market.mark_price(instrument_name)
        except BookError as exc:
            raise ControlError(str(exc), exc.status) from None
        triggers.fire(self.book)
        return {"instrument_name": instrument_name, "mark_price": f"{mark:f}", "pinned": value is not None}

    @command()
    def set_volatility(
        self, volatility: str | int, currency: str | None = None, instrument_name: str | None = None
    ) -> dict[str, Any]:
        """Implied volatility (0.5 = 50%) for a base currency's options, or one option's."""
        value = _amount(volatility, "volatility", SMALLEST, MAX_VOLATILITY)
        currency = None if currency is None else currency_code(currency)
        instrument_name = None if instrument_name is None else _instrument(instrument_name)
        try:
            self.book.market.set_volatility(value, currency=currency, instrument_name=instrument_name)
        except BookError as exc:
            raise ControlError(str(exc), exc.status) from None
        return {"volatility": f"{value:f}", "currency": currency, "instrument_name": instrument_name}


def _json_balances(wallet: Any) -> dict[str, str]:
    return {code: f"{amount:f}" for code, amount in wallet.balances.items()}
