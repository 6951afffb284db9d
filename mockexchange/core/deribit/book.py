"""The derivatives book: instruments, index/mark prices and volatility, accounts with per-currency balances and
integer-id subaccounts, trades and the positions they make, and the per-currency account summary.

It is the state behind a derivatives venue (Deribit first), as `kalshi/ledger.py` is behind Kalshi. Every change goes
through a method here, under one lock, and is published as one `Change` (kinds prefixed `derivatives.`) on the bus
while the lock is held. Values that move with the market (floating P&L, margins, greeks) are not stored: they are
computed at read time from the current marks, so a scenario that moves an index moves every position at once.
The arithmetic lives in `derivatives.py`; this module only keeps state and applies it: the instruments, prices and
accounts here, cash in cash.py, trades and expiry in trading.py, the reads that value positions in valuation.py.

Every number it takes is bounded (docs/admin-api.md, "Bounds"), and so is what they add up to: a wallet's balance and
the amounts it traded since the last reset. So every figure a venue computes from the book (P&L, margins, greeks,
account summaries) is finite and a few dozen digits long at most, and a balance plus an 8-place amount is exact in
`Decimal`'s 28 digits. What it keeps of each account's past is bounded per account (kept.py).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal

from mockexchange.core.clock import Clock, SystemClock
from mockexchange.core.deribit import derivatives as d
from mockexchange.core.deribit.bounds import (
    MAX_ACCOUNT_ID,
    MAX_CASH,
    MAX_NAME,
    MAX_PRICE,
    MAX_SUBACCOUNTS,
    MAX_VOLATILITY,
    MIN_PRICE,
    SMALLEST,
    ZERO,
    BookError,
    _price,
    bounded,
)
from mockexchange.core.deribit.cash import Cash
from mockexchange.core.deribit.cash_log import CashLog
from mockexchange.core.deribit.deposit_addresses import DepositAddresses
from mockexchange.core.deribit.instruments import Instrument, InstrumentError, parse_instrument_name
from mockexchange.core.deribit.kept import DEFAULT_HISTORY_SIZE, Kept
from mockexchange.core.deribit.orders import DerivativeOrders
from mockexchange.core.deribit.records import (
    CashMove,
    Delivery,
    DepositAddress,
    LogEntry,
    PositionState,
    Price,
    Trade,
    WalletTransfer,
    _Listing,
)
from mockexchange.core.deribit.subaccounts import Subaccounts
from mockexchange.core.deribit.trading import Trading
from mockexchange.core.deribit.valuation import Valuation
from mockexchange.core.deribit.wallets import Account, Wallet
from mockexchange.core.events import Change, EventBus
from mockexchange.core.stepping import StateLock

DEFAULT_VOLATILITY = Decimal("0.5")  # 50%: used for an option when a scenario has set none
FIRST_ACCOUNT_ID = 1001  # Deribit account (and subaccount) ids are integers; the mock hands them out from here


class DerivativesBook(Cash, CashLog, DepositAddresses, Subaccounts, Trading, Valuation):
    def __init__(
        self,
        clock: Clock | None = None,
        bus: EventBus | None = None,
        rates: d.MarginRates = d.MARGIN_RATES,
        default_volatility: Decimal = DEFAULT_VOLATILITY,
        history_size: int = DEFAULT_HISTORY_SIZE,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.bus = bus or EventBus()
        self.rates = rates
        self.default_volatility = default_volatility
        # What each account keeps of its past, of each kind (closed orders, trades, transaction log entries, deposits
        # and withdrawals, transfers): its newest this many (kept.py). The mock's setting, not state.
        if history_size < 1:
            raise ValueError(f"history_size must be 1 or more, not {history_size}")
        self.history_size = history_size
        self.lock = StateLock()  # (core/stepping.py: long commands step aside for the reads they leave be)
        self._listings: dict[str, _Listing] = {}
        self._index: dict[str, Price] = {}
        self._volatility: dict[str, Decimal] = {}  # per base currency
        self._accounts: dict[str, Account] = {}
        self._wallet_owner: dict[int, str] = {}
        self._positions: dict[tuple[str, int, str], PositionState] = {}
        self._wallet_positions: dict[int, dict[str, PositionState]] = {}  # the same, by wallet id and instrument
        self.trades: Kept[Trade] = Kept()  # each wallet's fills (trading.py)
        self.tape: dict[str, deque[Trade]] = {}  # each instrument's trades of the last 24 hours (trading.py)
        self.traded: dict[int, Decimal] = {}  # wallet id -> the amounts it traded since the last reset
        self.cash_moves: Kept[CashMove] = Kept()  # each wallet's deposits and withdrawals, in the order made
        self.wallet_transfers: Kept[WalletTransfer] = Kept()  # each wallet's transfers, out and in
        self.deliveries: list[Delivery] = []  # in the order they were made
        self.deposit_addresses: dict[tuple[int, str], list[DepositAddress]] = {}  # (wallet id, currency): oldest first
        self._cash_log: Kept[LogEntry] = Kept()  # each wallet's transaction log, oldest first
        self._log_seq: dict[int, int] = {}  # wallet id -> its last entry's `user_seq`
        self._next_log_id = 1
        self._next_expiry: datetime | None = None  # the earliest expiration not yet delivered
        self._next_transfer_id = 1
        # The next account id and trade id to hand out (plain numbers, so a snapshot of the book holds them).
        self._next_wallet_id = FIRST_ACCOUNT_ID
        self._next_trade_id = 1
        self.orders: DerivativeOrders | None = None  # resting orders (orders.py), made with the first

    @contextmanager
    def reading(self) -> Iterator[DerivativesBook]:
        """Hold the book still while a venue reads several things that must agree (what has expired by now is
        delivered first, `expire_due`; not by a read beside a long command, which reads the state it began from)."""
        with self.lock:
            if not self.lock.beside_long:
                self.expire_due()
            yield self

    def holders(self, instrument_name: str) -> set[str]:
        """The users holding a position in the instrument (a long command's footprint, core/stepping.py): a look at
        every position."""
        return {user_id for user_id, _, name in self._positions if name == instrument_name}

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
            self._wallet_positions.clear()
            self.trades.clear()
            self.tape.clear()
            self.traded.clear()
            self.cash_moves.clear()
            self.wallet_transfers.clear()
            self.deliveries.clear()
            self.deposit_addresses.clear()
            self._cash_log.clear()
            self._log_seq.clear()
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

    def last_price(self, instrument_name: str) -> Decimal | None:
        """The price of the instrument's latest trade (None before its first)."""
        return self._listing(instrument_name).last_price

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
            if len(account.subaccounts) >= MAX_SUBACCOUNTS:
                raise BookError(
                    f"{user_id!r} has {MAX_SUBACCOUNTS} subaccounts, the most the mock keeps", status=409,
                    reason="too_many_subaccounts",
                )  # fmt: skip
            name = username
            number = len(account.subaccounts) + 1
            while name is None or (username is None and self._username_taken(name)):
                name, number = f"{account.main.username}_{number}", number + 1
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
