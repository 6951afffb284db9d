"""The derivatives book: instruments, index/mark prices and volatility, accounts with per-currency balances and
integer-id subaccounts, trades and the positions they make, and the per-currency account summary.

It is the state behind a derivatives venue (Deribit first), as `ledger.py` is behind Kalshi. Every change goes
through a method here, under one lock, and is published as one `Change` (kinds prefixed `derivatives.`) on the bus
while the lock is held. Values that move with the market (floating P&L, margins, greeks) are not stored: they are
computed at read time from the current marks, so a scenario that moves an index moves every position at once.
The arithmetic lives in `derivatives.py`; this module only keeps state and applies it.

Every number it takes is bounded (docs/admin-api.md, "Bounds"), and so is what they add up to: a wallet's balance and
the amounts traded since the last reset. So every figure a venue computes from the book (P&L, margins, greeks, account
summaries) is finite and a few dozen digits long at most, and a balance plus an 8-place amount is exact in `Decimal`'s
28 digits.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from mockexchange.core.clock import Clock, SystemClock
from mockexchange.core.deribit import derivatives as d
from mockexchange.core.deribit.instruments import Instrument, InstrumentError, parse_instrument_name
from mockexchange.core.events import Change, EventBus
from mockexchange.core.money import shown

if TYPE_CHECKING:  # derivative_orders builds on this module; the book only keeps what it makes
    from mockexchange.core.deribit.orders import DerivativeOrders

ZERO = Decimal(0)
DEFAULT_VOLATILITY = Decimal("0.5")  # 50%: used for an option when a scenario has set none
FIRST_ACCOUNT_ID = 1001  # Deribit account (and subaccount) ids are integers; the mock hands them out from here

# The bounds of what the book takes.
PLACES = 8  # decimal places of any amount, price or rate: the satoshi, the finest unit a coin amount has
MAX_ACCOUNT_ID = 2**31 - 1  # account and subaccount ids: positive int32, what any client's integer holds
MAX_NAME = 64  # characters of an instrument name (Deribit's are under 30)
MAX_AMOUNT = Decimal(10**9)  # one trade, in the instrument's units (USD for inverse futures, the coin otherwise)
SMALLEST = Decimal(1).scaleb(-PLACES)  # the least positive amount, price or volatility
MIN_PRICE, MAX_PRICE = SMALLEST, Decimal(10**7)  # trade, index, mark and settlement prices, strikes
MAX_FEE = Decimal(10**9)  # one trade's fee (negative: a rebate), in the settlement currency
MAX_CASH = Decimal(10**12)  # a balance given at opening, one deposit or one withdrawal
MAX_BALANCE = Decimal(10**15)  # a wallet's balance in one currency, after any change: 15 + 8 digits < 28
MAX_VOLATILITY = Decimal(10)  # 1000%
MAX_TRADED = Decimal(10**12)  # amounts traded since the last reset, every account's: bounds every sum of sizes


class BookError(ValueError):
    """A command the book refuses; `status` is the HTTP status the control plane answers with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Price:
    value: Decimal
    timestamp: datetime  # when it was set, from the book's clock


@dataclass(slots=True)
class Wallet:
    """One Deribit account, main or sub: balances per currency."""

    id: int
    username: str
    created: datetime  # when it was opened, on the book's clock
    balances: dict[str, Decimal] = field(default_factory=dict)
    fees_paid: dict[str, Decimal] = field(default_factory=dict)

    def balance(self, currency: str) -> Decimal:
        return self.balances.get(currency, ZERO)


@dataclass(slots=True)
class Account:
    user_id: str  # who holds the keys (the auth registry's user)
    main: Wallet
    subaccounts: dict[int, Wallet] = field(default_factory=dict)

    def wallets(self) -> list[Wallet]:
        return [self.main, *self.subaccounts.values()]


@dataclass(frozen=True, slots=True)
class Trade:
    trade_id: str
    trade_seq: int  # per instrument, from 1
    order_id: str
    user_id: str
    account_id: int  # the wallet (main or subaccount) that traded
    instrument_name: str
    direction: str
    amount: Decimal
    price: Decimal
    fee: Decimal
    fee_currency: str
    timestamp: datetime
    index_price: Decimal | None
    mark_price: Decimal | None
    profit_loss: Decimal  # realized by this trade
    post_size: Decimal
    volatility: Decimal | None = None  # options: the implied volatility the option was marked with (0.5 = 50%)


@dataclass(frozen=True, slots=True)
class CashMove:
    """A deposit into or a withdrawal out of one wallet (the admin API's, the Python API's or a scenario's)."""

    id: int  # from 1, one sequence for deposits, withdrawals and transfers
    kind: str  # "deposit" or "withdrawal"
    user_id: str
    account_id: int
    currency: str
    amount: Decimal  # positive
    fee: Decimal  # withdrawals: charged on top of the amount; deposits: 0
    address: str
    transaction_id: str
    state: str
    created: datetime
    updated: datetime
    source_address: str | None = None  # deposits: the address the coins came from


@dataclass(frozen=True, slots=True)
class WalletTransfer:
    """Cash moved between two wallets of one account (its main account and a subaccount, or two subaccounts)."""

    id: int
    user_id: str
    from_account: int
    to_account: int
    currency: str
    amount: Decimal
    state: str
    created: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    """One wallet's position in a future or option delivered at its expiry (Deribit's settlement type `delivery`)."""

    user_id: str
    account_id: int
    instrument_name: str
    currency: str  # the settlement currency, whose balance moved
    timestamp: datetime  # the instrument's expiration
    position: Decimal  # the size delivered, signed
    delivery_price: Decimal
    index_price: Decimal
    mark_price: Decimal  # futures: the delivery price; options: the value paid per unit, in the option's price units
    profit_loss: Decimal  # realized by the delivery
    cash: Decimal  # what moved into (+) or out of (-) the balance


@dataclass(frozen=True, slots=True)
class PositionState:
    """What the book stores for one (user, account, instrument): the fills' result, not its valuation."""

    user_id: str
    account_id: int
    instrument_name: str
    position: d.Position
    updated: datetime


@dataclass(frozen=True, slots=True)
class PositionView:
    """A position valued at the current marks, in Deribit's terms; None where the field does not apply to the kind."""

    user_id: str
    account_id: int
    instrument_name: str
    kind: str
    size: Decimal
    direction: str
    average_price: Decimal
    mark_price: Decimal
    index_price: Decimal
    settlement_price: Decimal | None
    floating_profit_loss: Decimal
    realized_profit_loss: Decimal
    total_profit_loss: Decimal
    initial_margin: Decimal
    maintenance_margin: Decimal
    open_orders_margin: Decimal
    delta: Decimal
    size_currency: Decimal | None  # futures
    leverage: int | None  # futures
    realized_funding: Decimal | None  # perpetuals (no funding in the mock: 0)
    interest_value: Decimal | None  # perpetuals (0)
    gamma: Decimal | None  # options, and the rest below
    vega: Decimal | None
    theta: Decimal | None
    average_price_usd: Decimal | None
    floating_profit_loss_usd: Decimal | None
    updated: datetime
    # Futures: the mock's simple margin model (`derivatives.estimated_liquidation_price`); 0 when flat. None: options.
    estimated_liquidation_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AccountSummary:
    """Per currency, for one wallet: only the figures the mock computes honestly (docs/deribit.md)."""

    currency: str
    account_id: int
    balance: Decimal
    equity: Decimal
    margin_balance: Decimal
    available_funds: Decimal
    available_withdrawal_funds: Decimal
    initial_margin: Decimal
    maintenance_margin: Decimal
    total_pl: Decimal
    futures_pl: Decimal
    options_pl: Decimal
    options_value: Decimal
    options_delta: Decimal
    options_gamma: Decimal
    options_vega: Decimal
    options_theta: Decimal
    delta_total: Decimal
    delta_total_map: dict[str, Decimal]
    fees_paid: Decimal
    # The options' greeks per price index (`btc_usd`): only indexes the wallet holds options on; {} when none.
    options_gamma_map: dict[str, Decimal] = field(default_factory=dict)
    options_vega_map: dict[str, Decimal] = field(default_factory=dict)
    options_theta_map: dict[str, Decimal] = field(default_factory=dict)
    account_type: str = "main"  # or "subaccount": the wallet's
    # How far the futures' marks may move, as a factor, before the wallet meets its maintenance margin: all of the
    # currency's together, and per price index (every index the summary's deltas name; 0 with no future open on it).
    estimated_liquidation_ratio: Decimal = ZERO
    estimated_liquidation_ratio_map: dict[str, Decimal] = field(default_factory=dict)


@dataclass(slots=True)
class _Listing:
    instrument: Instrument
    listed: datetime
    mark: Price | None = None  # set by a scenario; otherwise derived (index for futures, Black-76 for options)
    settlement_price: Price | None = None
    volatility: Decimal | None = None  # per instrument, over the currency's
    last_price: Decimal | None = None
    trade_seq: int = 0
    delivered: bool = False  # expired and delivered (expire_due)


class DerivativesBook:
    def __init__(
        self,
        clock: Clock | None = None,
        bus: EventBus | None = None,
        rates: d.MarginRates = d.MARGIN_RATES,
        default_volatility: Decimal = DEFAULT_VOLATILITY,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.bus = bus or EventBus()
        self.rates = rates
        self.default_volatility = default_volatility
        self.lock = threading.RLock()
        self._listings: dict[str, _Listing] = {}
        self._index: dict[str, Price] = {}
        self._volatility: dict[str, Decimal] = {}  # per base currency
        self._accounts: dict[str, Account] = {}
        self._wallet_owner: dict[int, str] = {}
        self._positions: dict[tuple[str, int, str], PositionState] = {}
        self.trades: list[Trade] = []
        self.amount_traded = ZERO  # since the last reset
        self.cash_moves: list[CashMove] = []  # deposits and withdrawals, in the order they were made
        self.wallet_transfers: list[WalletTransfer] = []
        self.deliveries: list[Delivery] = []  # in the order they were made
        self._next_expiry: datetime | None = None  # the earliest expiration not yet delivered
        self._next_transfer_id = 1
        # The next account id and trade id to hand out (plain numbers, so a snapshot of the book holds them).
        self._next_wallet_id = FIRST_ACCOUNT_ID
        self._next_trade_id = 1
        self.orders: DerivativeOrders | None = None  # resting orders (core/derivative_orders.py), made with the first

    @contextmanager
    def reading(self) -> Iterator[DerivativesBook]:
        """Hold the book still while a venue reads several things that must agree (what has expired by now is
        delivered first, `expire_due`)."""
        with self.lock:
            self.expire_due()
            yield self

    def _draw_wallet_id(self) -> int:
        self._next_wallet_id += 1
        return self._next_wallet_id - 1

    def _draw_trade_id(self) -> int:
        self._next_trade_id += 1
        return self._next_trade_id - 1

    def _publish(self, kind: str, user_id: str | None, payload: object) -> None:
        self.bus.publish(Change(f"derivatives.{kind}", user_id, payload))

    def reset(self) -> None:
        with self.lock:
            self._listings.clear()
            self._index.clear()
            self._volatility.clear()
            self._accounts.clear()
            self._wallet_owner.clear()
            self._positions.clear()
            self.trades.clear()
            self.amount_traded = ZERO
            self.cash_moves.clear()
            self.wallet_transfers.clear()
            self.deliveries.clear()
            self._next_expiry = None
            self.orders = None
            self._publish("reset", None, None)

    # -- instruments and prices ---------------------------------------------------------------------------------

    def list_instrument(self, instrument: Instrument | str) -> Instrument:
        """The instrument, listed now if it is new (a name is parsed with the default contract facts)."""
        if isinstance(instrument, str):
            if len(instrument) > MAX_NAME:
                raise BookError(f"instrument_name must be at most {MAX_NAME} characters")
            try:
                instrument = parse_instrument_name(instrument)
            except InstrumentError as error:
                raise BookError(str(error)) from None
        if instrument.strike is not None:
            bounded(instrument.strike, f"the strike of {instrument.instrument_name}", MIN_PRICE, MAX_PRICE)
        with self.lock:
            listing = self._listings.get(instrument.instrument_name)
            if listing is not None:
                return listing.instrument
            self._listings[instrument.instrument_name] = _Listing(instrument, self.clock.now())
            expiration = None if instrument.is_perpetual else instrument.expiration
            if expiration is not None and (self._next_expiry is None or expiration < self._next_expiry):
                self._next_expiry = expiration
            self._publish("instrument", None, instrument)
            return instrument

    def instrument(self, name: str) -> Instrument:
        return self._listing(name).instrument

    def listed_at(self, name: str) -> datetime:
        """When the instrument was listed (Deribit's `creation_timestamp`)."""
        return self._listing(name).listed

    def instruments(self, currency: str | None = None, kind: str | None = None) -> list[Instrument]:
        """Listed instruments by name; `currency` filters on the settlement currency."""
        with self.lock:
            found = [listing.instrument for listing in self._listings.values()]
        return sorted(
            (i for i in found if currency in (None, i.settlement_currency) and kind in (None, i.kind)),
            key=lambda i: i.instrument_name,
        )

    def _listing(self, name: str) -> _Listing:
        listing = self._listings.get(name)
        if listing is None:
            raise BookError(f"unknown instrument {name!r}", status=404)
        return listing

    def set_index_price(self, index_name: str, price: Decimal) -> Price:
        """Move an index (`btc_usd`, `eth_usdc`): every futures mark that follows it and every option moves too."""
        _price(price, "index price")
        with self.lock:
            self.expire_due()  # delivered at the index in force when they expired
            value = Price(price, self.clock.now())
            self._index[index_name.lower()] = value
            self._publish("index_price", None, (index_name.lower(), value))
            return value

    def index_price(self, index_name: str) -> Decimal:
        value = self._index.get(index_name.lower())
        if value is None:
            raise BookError(f"no index price for {index_name.lower()!r}: set one first", status=409)
        return value.value

    def index_prices(self) -> dict[str, Price]:
        with self.lock:
            return dict(self._index)

    def set_mark_price(self, instrument_name: str, price: Decimal | None) -> None:
        """Pin an instrument's mark (None unpins it: the mark follows the index, or Black-76, again)."""
        if price is not None:
            _price(price, "mark price")
        with self.lock:
            listing = self._listing(instrument_name)
            listing.mark = None if price is None else Price(price, self.clock.now())
            self._publish("mark_price", None, (instrument_name, listing.mark))

    def set_settlement_price(self, instrument_name: str, price: Decimal) -> None:
        _price(price, "settlement price")
        with self.lock:
            self.expire_due()  # a settlement price set after the expiry comes too late for that delivery
            listing = self._listing(instrument_name)
            listing.settlement_price = Price(price, self.clock.now())
            self._publish("settlement_price", None, (instrument_name, listing.settlement_price))

    def set_volatility(
        self, volatility: Decimal, *, currency: str | None = None, instrument_name: str | None = None
    ) -> None:
        """The scenario's implied volatility (0.5 = 50%) for a base currency's options, or for one option."""
        bounded(volatility, "volatility", SMALLEST, MAX_VOLATILITY)
        if (currency is None) == (instrument_name is None):
            raise BookError("give either a currency or an instrument_name")
        with self.lock:
            if instrument_name is not None:
                self._listing(instrument_name).volatility = volatility
            else:
                assert currency is not None
                self._volatility[currency] = volatility
            self._publish("volatility", None, (currency or instrument_name, volatility))

    def volatility(self, instrument_name: str) -> Decimal:
        listing = self._listing(instrument_name)
        if listing.volatility is not None:
            return listing.volatility
        return self._volatility.get(listing.instrument.base_currency, self.default_volatility)

    def mark_price(self, instrument_name: str) -> Decimal:
        """The pinned mark; else futures follow their index and options are priced by Black-76 on the index."""
        listing = self._listing(instrument_name)
        if listing.mark is not None:
            return listing.mark.value
        instrument = listing.instrument
        index = self.index_price(instrument.price_index)
        if instrument.kind == "future":
            return index
        return self._greeks(listing, index).mark_price

    def _greeks(self, listing: _Listing, index: Decimal) -> d.OptionGreeks:
        years = d.years_to_expiry(listing.instrument, self.clock.now())
        return d.option_greeks(listing.instrument, index, years, self.volatility(listing.instrument.instrument_name))

    # -- accounts -----------------------------------------------------------------------------------------------

    def open_account(
        self,
        user_id: str,
        *,
        account_id: int | None = None,
        username: str | None = None,
        balances: dict[str, Decimal] | None = None,
    ) -> Account:
        if not isinstance(user_id, str) or not user_id.strip():
            raise BookError("user_id must be a non-empty string")
        with self.lock:
            if user_id in self._accounts:
                raise BookError(f"account {user_id!r} already exists", status=409)
            wallet = self._new_wallet(user_id, account_id, username or user_id, balances)
            account = Account(user_id, wallet)
            self._accounts[user_id] = account
            self._publish("account", user_id, account)
            return account

    def add_subaccount(
        self,
        user_id: str,
        *,
        subaccount_id: int | None = None,
        username: str | None = None,
        balances: dict[str, Decimal] | None = None,
    ) -> Wallet:
        with self.lock:
            account = self.account(user_id)
            name = username or f"{account.main.username}_{len(account.subaccounts) + 1}"
            wallet = self._new_wallet(user_id, subaccount_id, name, balances)
            account.subaccounts[wallet.id] = wallet
            self._publish("subaccount", user_id, wallet)
            return wallet

    def _new_wallet(self, user_id: str, wallet_id: int | None, username: str, balances: dict | None) -> Wallet:
        if wallet_id is None:
            wallet_id = self._draw_wallet_id()
            while wallet_id in self._wallet_owner:
                wallet_id = self._draw_wallet_id()
        elif isinstance(wallet_id, bool) or not isinstance(wallet_id, int) or not 0 < wallet_id <= MAX_ACCOUNT_ID:
            raise BookError(f"account ids are integers from 1 to {MAX_ACCOUNT_ID}")
        elif wallet_id in self._wallet_owner:
            raise BookError(f"account id {wallet_id} is taken", status=409)
        for currency, amount in (balances or {}).items():
            bounded(amount, f"balances.{currency}", ZERO, MAX_CASH)
        self._wallet_owner[wallet_id] = user_id
        return Wallet(wallet_id, username, self.clock.now(), dict(balances or {}))

    def accounts(self) -> list[Account]:
        """Every account, in the order they were opened (a read: the inspector's list)."""
        with self.lock:
            return list(self._accounts.values())

    def account(self, user_id: str) -> Account:
        account = self._accounts.get(user_id)
        if account is None:
            raise BookError(f"unknown user_id {user_id!r}", status=404)
        return account

    def wallet(self, user_id: str, subaccount_id: int | None = None) -> Wallet:
        """The main account's wallet, or one of its subaccounts' (by integer id)."""
        account = self.account(user_id)
        if subaccount_id is None or subaccount_id == account.main.id:
            return account.main
        wallet = account.subaccounts.get(subaccount_id)
        if wallet is None:
            raise BookError(f"{user_id!r} has no subaccount {subaccount_id}", status=404)
        return wallet

    def move_cash(
        self,
        user_id: str,
        currency: str,
        amount: Decimal,
        *,
        subaccount_id: int | None = None,
        source_address: str | None = None,
    ) -> Decimal:
        """A deposit (+, from `source_address`) or withdrawal (-) of `currency`; returns the new balance."""
        bounded(amount, "amount", -MAX_CASH, MAX_CASH)
        with self.lock:
            self.expire_due()
            wallet = self.wallet(user_id, subaccount_id)
            wallet.balances[currency] = _balance_after(wallet, currency, amount)
            if amount != ZERO:
                kind, source = ("deposit", source_address) if amount > ZERO else ("withdrawal", None)
                self._record_cash(kind, wallet, user_id, currency, abs(amount), source_address=source)
            self._publish("cash", user_id, (wallet.id, currency, amount))
            return wallet.balances[currency]

    def withdraw(
        self,
        user_id: str,
        currency: str,
        amount: Decimal,
        *,
        subaccount_id: int | None = None,
        fee: Decimal = ZERO,
        address: str | None = None,
    ) -> CashMove:
        """A withdrawal of `amount` plus `fee` out of the wallet, completed at once; refused (409) beyond what the
        wallet may withdraw (its `available_withdrawal_funds`)."""
        bounded(amount, "amount", SMALLEST, MAX_CASH)
        bounded(fee, "fee", ZERO, MAX_CASH)
        with self.lock:
            self.expire_due()
            wallet = self.wallet(user_id, subaccount_id)
            available = self.account_summary(user_id, currency, wallet.id).available_withdrawal_funds
            if amount + fee > available:
                raise BookError(
                    f"withdrawing {amount + fee:f} {currency} (amount and fee) from account {wallet.id}, which may "
                    f"withdraw {available:f}",
                    status=409,
                )
            wallet.balances[currency] = _balance_after(wallet, currency, -(amount + fee))
            move = self._record_cash("withdrawal", wallet, user_id, currency, amount, fee=fee, address=address)
            self._publish("cash", user_id, (wallet.id, currency, -(amount + fee)))
            return move

    def transfer(
        self, user_id: str, currency: str, amount: Decimal, *, source: int | None = None, destination: int | None
    ) -> WalletTransfer:
        """Move `amount` between two wallets of the user's account (None: the main account), within what the source
        may withdraw."""
        bounded(amount, "amount", SMALLEST, MAX_CASH)
        with self.lock:
            self.expire_due()
            sender, receiver = self.wallet(user_id, source), self.wallet(user_id, destination)
            if sender.id == receiver.id:
                raise BookError("a transfer needs two different wallets")
            available = self.account_summary(user_id, currency, sender.id).available_withdrawal_funds
            if amount > available:
                raise BookError(
                    f"transferring {amount:f} {currency} from account {sender.id}, which may transfer {available:f}",
                    status=409,
                )
            received = _balance_after(receiver, currency, amount)
            sender.balances[currency] = _balance_after(sender, currency, -amount)
            receiver.balances[currency] = received
            made = WalletTransfer(
                self._draw_transfer_id(), user_id, sender.id, receiver.id, currency, amount, "confirmed",
                self.clock.now(),
            )  # fmt: skip
            self.wallet_transfers.append(made)
            self._publish("cash", user_id, (sender.id, currency, -amount))
            self._publish("cash", user_id, (receiver.id, currency, amount))
            return made

    def _draw_transfer_id(self) -> int:
        self._next_transfer_id += 1
        return self._next_transfer_id - 1

    def _record_cash(
        self,
        kind: str,
        wallet: Wallet,
        user_id: str,
        currency: str,
        amount: Decimal,
        *,
        fee: Decimal = ZERO,
        address: str | None = None,
        source_address: str | None = None,
    ) -> CashMove:
        number = self._draw_transfer_id()
        now = self.clock.now()
        # Deterministic stand-ins for a chain's addresses and transaction hash (a replayed command makes the same).
        address = address or f"mock-{currency.lower()}-{wallet.id}"
        if kind == "deposit":
            source_address = source_address or f"mock-{currency.lower()}-source-{number}"
        digest = hashlib.sha256(f"{kind}:{number}:{wallet.id}:{currency}:{amount}:{fee}".encode()).hexdigest()
        move = CashMove(
            number, kind, user_id, wallet.id, currency, amount, fee, address, digest, "completed", now, now,
            source_address,
        )  # fmt: skip
        self.cash_moves.append(move)
        return move

    # -- trading ------------------------------------------------------------------------------------------------

    def apply_trade(
        self,
        user_id: str,
        instrument_name: str,
        direction: str,
        amount: Decimal,
        price: Decimal,
        *,
        subaccount_id: int | None = None,
        fee: Decimal = ZERO,
        order_id: str | None = None,
    ) -> Trade:
        """A fill of `amount` (USD for inverse futures, coin otherwise) at `price` for the user's (sub)account.
        The instrument is listed if new; the fee, in the settlement currency, comes off the balance."""
        if direction not in ("buy", "sell"):
            raise BookError("direction must be 'buy' or 'sell'")
        bounded(amount, "amount", SMALLEST, MAX_AMOUNT)
        _price(price, "price")
        bounded(fee, "fee", -MAX_FEE, MAX_FEE)
        with self.lock:
            self.expire_due()
            wallet = self.wallet(user_id, subaccount_id)
            instrument = self.list_instrument(instrument_name)
            listing = self._listings[instrument.instrument_name]
            now = self.clock.now()
            step = instrument.min_trade_amount
            if amount < step or amount % step != ZERO:
                raise BookError(f"amount must be a multiple of {step} for {instrument.instrument_name}")
            expiration = instrument.expiration
            if expiration is not None and now >= expiration:
                raise BookError(f"{instrument.instrument_name} has expired", status=409)
            index = self._index.get(instrument.price_index)
            index_value = index.value if index is not None else None
            key = (user_id, wallet.id, instrument.instrument_name)
            held = self._positions.get(key)
            try:
                result = d.trade(
                    instrument, held.position if held else d.Position(), direction, amount, price,
                    index_price=index_value,
                )  # fmt: skip
            except ValueError as error:
                raise BookError(str(error)) from None
            if self.amount_traded + amount > MAX_TRADED:
                raise BookError(
                    f"amount {amount:f} would take the amounts traded over all accounts to "
                    f"{self.amount_traded + amount:f}; the mock trades at most {MAX_TRADED} (reset to start again)"
                )
            currency = instrument.settlement_currency
            wallet.balances[currency] = _balance_after(wallet, currency, result.cash - fee)
            self.amount_traded += amount
            wallet.fees_paid[currency] = wallet.fees_paid.get(currency, ZERO) + fee
            listing.last_price = price
            listing.trade_seq += 1
            state = PositionState(user_id, wallet.id, instrument.instrument_name, result.position, now)
            self._positions[key] = state
            trade = Trade(
                trade_id=str(self._draw_trade_id()),
                trade_seq=listing.trade_seq,
                order_id=order_id or f"{instrument.base_currency}-{listing.trade_seq}",
                user_id=user_id,
                account_id=wallet.id,
                instrument_name=instrument.instrument_name,
                direction=direction,
                amount=amount,
                price=price,
                fee=fee,
                fee_currency=currency,
                timestamp=now,
                index_price=index_value,
                mark_price=self._mark_or_none(instrument.instrument_name),
                profit_loss=result.realized,
                post_size=result.position.size,
                volatility=self.volatility(instrument.instrument_name) if instrument.kind == "option" else None,
            )
            self.trades.append(trade)
            self._publish("trade", user_id, trade)
            self._publish("position", user_id, state)
            return trade

    # -- expiry ---------------------------------------------------------------------------------------------------

    def expire_due(self) -> list[Delivery]:
        """Deliver every future and option whose expiration the book's clock has passed and that is not delivered
        yet, in expiration order: each open position closes at the delivery price (the settlement price set for the
        instrument, else its index price now, which is the index in force at the expiry: every change to the book
        delivers what is due first), its P&L (futures) or its value (options) moves into the balance, and a
        `Delivery` is kept and published. Perpetuals never expire. Called on every read (`reading`), before every
        change that depends on it, and when the clock is moved; cheap when nothing is due."""
        with self.lock:
            due_at = self._next_expiry
            if due_at is None:
                return []
            now = self.clock.now()
            if now < due_at:
                return []
            due = []
            for listing in self._listings.values():
                expiration = listing.instrument.expiration
                if listing.delivered or listing.instrument.is_perpetual or expiration is None:
                    continue
                if expiration <= now:
                    due.append(listing)
            due.sort(key=lambda listing: (listing.instrument.expiration, listing.instrument.instrument_name))
            made = [delivery for listing in due for delivery in self._deliver(listing)]
            pending = [
                listing.instrument.expiration
                for listing in self._listings.values()
                if not listing.delivered and not listing.instrument.is_perpetual
                and listing.instrument.expiration is not None
            ]  # fmt: skip
            self._next_expiry = min(pending, default=None)
            return made

    def _deliver(self, listing: _Listing) -> list[Delivery]:
        instrument = listing.instrument
        name = instrument.instrument_name
        expiration = instrument.expiration
        assert expiration is not None
        listing.delivered = True
        for order in self.orders.expire(name, expiration) if self.orders is not None else ():
            self._publish("order", order.user_id, order)  # resting orders end with the instrument
        index = self._index.get(instrument.price_index)
        if listing.settlement_price is not None:
            price = listing.settlement_price.value
        elif index is not None:
            price = index.value
        elif listing.last_price is not None and instrument.kind == "future":
            price = listing.last_price
        else:
            return []  # no price to deliver at, so never traded: nothing open
        listing.settlement_price = Price(price, expiration)
        index_value = index.value if index is not None else price
        if instrument.kind == "option":
            strike = instrument.strike or ZERO
            intrinsic = max(ZERO, price - strike) if instrument.option_type == "call" else max(ZERO, strike - price)
            value = intrinsic / price if instrument.is_inverse else intrinsic
        made = []
        for key, state in list(self._positions.items()):
            position = state.position
            if key[2] != name or position.size == ZERO:
                continue
            if instrument.kind == "future":
                mark = price
                realized = d.profit_loss(instrument, position.size, position.average_price, price)
                cash = realized
            else:
                mark = value
                realized = position.size * (value - position.average_price)
                cash = position.size * value
            wallet = self.wallet(state.user_id, state.account_id)
            currency = instrument.settlement_currency
            wallet.balances[currency] = wallet.balance(currency) + cash  # owed at expiry: never refused
            closed = d.Position(realized_profit_loss=position.realized_profit_loss + realized)
            flat = PositionState(state.user_id, state.account_id, name, closed, expiration)
            self._positions[key] = flat
            delivery = Delivery(
                state.user_id, state.account_id, name, currency, expiration, position.size, price, index_value, mark,
                realized, cash,
            )  # fmt: skip
            self.deliveries.append(delivery)
            made.append(delivery)
            self._publish("delivery", state.user_id, delivery)
            self._publish("position", state.user_id, flat)
        return made

    def _mark_or_none(self, name: str) -> Decimal | None:
        try:
            return self.mark_price(name)
        except BookError:
            return None

    # -- reads --------------------------------------------------------------------------------------------------

    def position_state(self, user_id: str, instrument_name: str, subaccount_id: int | None = None) -> PositionState:
        """The stored position; a flat one (size 0) for an instrument never traded, as Deribit answers."""
        with self.lock:
            wallet = self.wallet(user_id, subaccount_id)
            instrument = self.instrument(instrument_name)
            name = instrument.instrument_name
            found = self._positions.get((user_id, wallet.id, name))
            return found or PositionState(user_id, wallet.id, name, d.Position(), self.clock.now())

    def position(self, user_id: str, instrument_name: str, subaccount_id: int | None = None) -> PositionView:
        with self.lock:
            return self._view(self.position_state(user_id, instrument_name, subaccount_id))

    def positions(
        self,
        user_id: str,
        *,
        subaccount_id: int | None = None,
        currency: str | None = None,
        kind: str | None = None,
        open_only: bool = True,
    ) -> list[PositionView]:
        """Positions of one wallet by instrument name; `currency` filters on the settlement currency."""
        with self.lock:
            wallet = self.wallet(user_id, subaccount_id)
            states = [
                s
                for (owner, wallet_id, _), s in self._positions.items()
                if owner == user_id and wallet_id == wallet.id and (s.position.size != ZERO or not open_only)
            ]
            views = []
            for state in sorted(states, key=lambda s: s.instrument_name):
                instrument = self.instrument(state.instrument_name)
                if currency in (None, instrument.settlement_currency) and kind in (None, instrument.kind):
                    views.append(self._view(state))
            return views

    def _view(self, state: PositionState, *, liquidation: bool = True) -> PositionView:
        """`liquidation`: estimate a future's liquidation price (it values the wallet's positions in the currency)."""
        listing = self._listing(state.instrument_name)
        instrument = listing.instrument
        position = state.position
        index = self.index_price(instrument.price_index)
        mark = self.mark_price(instrument.instrument_name)
        floating = d.floating_profit_loss(instrument, position, mark)
        margin = d.margins(instrument, position.size, mark, index, self.rates)
        is_future = instrument.kind == "future"
        perpetual_zero = ZERO if instrument.is_perpetual else None
        floating_usd = liquidation_price = None
        if is_future:
            size_coin = d.size_currency(instrument, position.size, mark)
            delta, gamma, vega, theta = size_coin, None, None, None
            liquidation_price = ZERO
            if liquidation and position.size != ZERO:
                equity, maintenance = self._equity_and_maintenance(state, instrument.settlement_currency)
                liquidation_price = d.estimated_liquidation_price(
                    instrument, position.size, mark, equity, maintenance, self.rates
                )
        else:
            floating_usd = d.floating_profit_loss_usd(instrument, position, mark, index)
            greeks = self._greeks(listing, index)
            delta = position.size * greeks.delta
            gamma, vega, theta = position.size * greeks.gamma, position.size * greeks.vega, position.size * greeks.theta
        return PositionView(
            user_id=state.user_id,
            account_id=state.account_id,
            instrument_name=instrument.instrument_name,
            kind=instrument.kind,
            size=position.size,
            direction=position.direction,
            average_price=position.average_price,
            mark_price=mark,
            index_price=index,
            settlement_price=listing.settlement_price.value if listing.settlement_price else None,
            floating_profit_loss=floating,
            realized_profit_loss=position.realized_profit_loss,
            total_profit_loss=position.realized_profit_loss + floating,
            initial_margin=margin.initial_margin,
            maintenance_margin=margin.maintenance_margin,
            open_orders_margin=self._orders_margin(state.user_id, state.account_id, instrument.instrument_name),
            delta=delta,
            size_currency=size_coin if is_future else None,
            leverage=d.leverage(instrument, position.size, mark, self.rates) if is_future else None,
            realized_funding=perpetual_zero,
            interest_value=perpetual_zero,
            gamma=gamma,
            vega=vega,
            theta=theta,
            average_price_usd=None if is_future else position.average_price_usd,
            floating_profit_loss_usd=floating_usd,
            updated=state.updated,
            estimated_liquidation_price=liquidation_price,
        )

    def _equity_and_maintenance(self, state: PositionState, currency: str) -> tuple[Decimal, Decimal]:
        """The `equity` and `maintenance_margin` of the account summary of `state`'s wallet in `currency`, without its
        greeks: what a liquidation estimate needs (each option's mark priced once)."""
        equity, maintenance = self.wallet(state.user_id, state.account_id).balance(currency), ZERO
        now = self.clock.now()
        for (owner, wallet_id, name), held in self._positions.items():
            listing = self._listing(name)
            instrument, size = listing.instrument, held.position.size
            if (owner, wallet_id) != (state.user_id, state.account_id) or instrument.settlement_currency != currency:
                continue
            if size == ZERO:  # a closed position is worth nothing and needs no margin
                continue
            index = self.index_price(instrument.price_index)
            if instrument.kind == "option" and listing.mark is None:  # `mark_price`'s Black-76, remembered
                years = d.years_to_expiry(instrument, now)
                mark = d.option_mark(instrument, index, years, self.volatility(name))
            else:
                mark = self.mark_price(name)
            maintenance += d.margins(instrument, size, mark, index, self.rates).maintenance_margin
            if instrument.kind == "future":
                equity += d.floating_profit_loss(instrument, held.position, mark)
            else:
                equity += d.option_value(held.position, mark)
        return equity, maintenance

    def _orders_margin(
        self, user_id: str, wallet_id: int, instrument_name: str | None = None, currency: str | None = None
    ) -> Decimal:
        """The initial margin the wallet's open orders hold, on one instrument or in one settlement currency."""
        return ZERO if self.orders is None else self.orders.margin(self, user_id, wallet_id, instrument_name, currency)

    def account_summary(self, user_id: str, currency: str, subaccount_id: int | None = None) -> AccountSummary:
        """One wallet's figures in one currency (the settlement currency of the positions it sums).

        balance = deposits + futures realized P&L + option premiums received - paid - fees;
        equity = balance + futures floating P&L + options value; margin_balance = equity (no haircuts, no portfolio
        margin); available_funds = margin_balance - initial_margin; available_withdrawal_funds =
        max(0, min(balance, available_funds)).
        """
        with self.lock:
            wallet = self.wallet(user_id, subaccount_id)
            # Every position ever held in that currency, closed ones too (as `positions(open_only=False)`), valued
            # without a liquidation estimate: that estimate reads this summary.
            key = (user_id, wallet.id)
            states = sorted(
                (s for (owner, wallet_id, _), s in self._positions.items() if (owner, wallet_id) == key),
                key=lambda s: s.instrument_name,
            )
            views = [
                self._view(s, liquidation=False)
                for s in states
                if self.instrument(s.instrument_name).settlement_currency == currency
            ]
            futures_floating = futures_pl = options_pl = options_value = ZERO
            initial = maintenance = ZERO
            o_delta = o_gamma = o_vega = o_theta = ZERO
            delta_map: dict[str, Decimal] = {}
            futures: list[tuple[Instrument, Decimal, Decimal]] = []
            greek_maps: tuple[dict[str, Decimal], dict[str, Decimal], dict[str, Decimal]] = ({}, {}, {})
            for v in views:
                instrument = self.instrument(v.instrument_name)
                initial += v.initial_margin
                maintenance += v.maintenance_margin
                delta_map[instrument.price_index] = delta_map.get(instrument.price_index, ZERO) + v.delta
                if v.kind == "future":
                    futures_floating += v.floating_profit_loss
                    futures_pl += v.total_profit_loss
                    futures.append((instrument, v.size, v.mark_price))
                else:
                    options_pl += v.total_profit_loss
                    options_value += v.size * v.mark_price
                    o_delta += v.delta
                    o_gamma += v.gamma or ZERO
                    o_vega += v.vega or ZERO
                    o_theta += v.theta or ZERO
                    index = instrument.price_index
                    for greek_map, greek in zip(greek_maps, (v.gamma, v.vega, v.theta), strict=True):
                        greek_map[index] = greek_map.get(index, ZERO) + (greek or ZERO)
            initial += self._orders_margin(user_id, wallet.id, currency=currency)  # open orders' (Deribit's SM)
            balance = wallet.balance(currency)
            equity = balance + futures_floating + options_value
            available = equity - initial
            ratio, ratio_map = d.liquidation_ratios(futures, delta_map, equity, maintenance, self.rates)
            return AccountSummary(
                currency=currency,
                account_id=wallet.id,
                balance=balance,
                equity=equity,
                margin_balance=equity,
                available_funds=available,
                available_withdrawal_funds=max(ZERO, min(balance, available)),
                initial_margin=initial,
                maintenance_margin=maintenance,
                total_pl=futures_pl + options_pl,
                futures_pl=futures_pl,
                options_pl=options_pl,
                options_value=options_value,
                options_delta=o_delta,
                options_gamma=o_gamma,
                options_vega=o_vega,
                options_theta=o_theta,
                delta_total=sum(delta_map.values(), ZERO),
                delta_total_map=delta_map,
                fees_paid=wallet.fees_paid.get(currency, ZERO),
                options_gamma_map=greek_maps[0],
                options_vega_map=greek_maps[1],
                options_theta_map=greek_maps[2],
                account_type="main" if wallet is self.account(user_id).main else "subaccount",
                estimated_liquidation_ratio=ratio,
                estimated_liquidation_ratio_map=ratio_map,
            )


def bounded(value: object, what: str, least: Decimal, most: Decimal) -> Decimal:
    """A finite Decimal from `least` to `most` with at most `PLACES` places. Floats lose precision; refuse them so no
    binary fraction enters the book."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise BookError(f"{what} must be a finite Decimal")
    exponent = value.as_tuple().exponent
    if not least <= value <= most or (isinstance(exponent, int) and -exponent > PLACES):
        raise BookError(
            f"{what} must be from {least:f} to {most:f} with at most {PLACES} decimal places, not {shown(value)}"
        )
    return value


def _price(value: object, what: str) -> Decimal:
    return bounded(value, what, MIN_PRICE, MAX_PRICE)


def _balance_after(wallet: Wallet, currency: str, amount: Decimal) -> Decimal:
    """The wallet's balance once `amount` moves in; refused past `MAX_BALANCE` either way, nothing moved."""
    balance = wallet.balance(currency) + amount
    if abs(balance) > MAX_BALANCE:
        raise BookError(
            f"this would take the {currency} balance of account {wallet.id} to {balance:f}; a balance stays within "
            f"-{MAX_BALANCE} to {MAX_BALANCE}"
        )
    return balance
