"""The ledger: accounts and subaccounts, events and markets, fills and the positions and cash they make.

Every change goes through a method here, under one lock, and is published as one `Change` on the bus while the lock
is held; reads take the same lock, so a reader never sees half a fill. Amounts are `Decimal` dollars held to the
micro-dollar; counts are `Decimal` contracts held to the hundredth.

What amounts add up to is bounded too (docs/admin-api.md, "Bounds"): a command that would take a position's volume or
resting contracts, the contracts of the whole ledger, or a subaccount's cash past its bound is refused whole, so every
figure a venue renders, sums over many positions included, fits its wire type (int32 contracts and int64 cents in
the legacy profile, centi-cents on its websocket).

Lagged reads (`set_lag`, `as_of`): while a lag is set, the ledger keeps the changes of the last lag (core/versions.py)
to what a venue's lagged reads show: every market position row, every account's cash and `updated` times, every
market's last price; fills and settlements are append-only, so their lists are cut at the time instead. A lagged read
asks `as_of()` (now minus the lag, on the exchange clock) and reads `positions.page(..., as_of=)`,
`account_as_of`, `last_price_as_of`. With no lag (the default) nothing is kept.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal, getcontext
from operator import itemgetter
from typing import Any, NamedTuple

from mockexchange.core.clock import Clock, SystemClock
from mockexchange.core.columns import decode, encode, shared
from mockexchange.core.events import Change, EventBus
from mockexchange.core.ids import _UUID_CLEAR, _UUID_SET, IdFactory, uuid_text
from mockexchange.core.kalshi import positions
from mockexchange.core.kalshi.fees import QuadraticFee
from mockexchange.core.kalshi.fill_log import Fill, FillLog, Rows, fill_flags
from mockexchange.core.kalshi.store import (
    MarketPosition,
    PositionStore,
    opening_cells,
    opening_terms,
    trade_cells,
)
from mockexchange.core.money import (
    COUNT_QUANTUM,
    MAX_CENTS,
    MAX_COUNT,
    MAX_FEE_PER_CONTRACT,
    ONE,
    ZERO,
    quantize_dollars,
)
from mockexchange.core.numbers import INT32_MAX
from mockexchange.core.time_index import TimeIndex
from mockexchange.core.versions import ABSENT, History

MAX_SUBACCOUNT = 63
MAX_EXCHANGE_INDEX = INT32_MAX  # Kalshi's ExchangeIndex is an int32 >= 0
# One market position's volume (contracts traded, both ways) and its resting contracts: the legacy `position`,
# `volume` and `resting_orders_count` are int32.
MAX_POSITION_CONTRACTS = Decimal(2_000_000_000)
# Contracts filled since the last reset, and contracts resting at once, over every account: whatever sums positions
# (an event's roll-up, a portfolio's value, an FCM member's resting order value) stays far within int64 cents.
MAX_LEDGER_CONTRACTS = Decimal(10**12)
# A subaccount's cash, as the sum of |cash| over its exchange indexes, after a fill or a transfer: $10 trillion. A
# settlement is never refused; its payouts add at most MAX_LEDGER_CONTRACTS dollars.
MAX_BALANCE = Decimal(10**13)


class LedgerError(ValueError):
    """A command the ledger refuses; `status` is the HTTP status the control plane answers with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(slots=True)
class Account:
    user_id: str
    fcm_member: bool = False
    subtrader_of: str | None = None  # the FCM member this account trades under, if it is a subtrader
    # Cash in dollars per (subaccount, exchange_index): each exchange shard holds its own funds.
    cash: dict[tuple[int, int], Decimal] = field(default_factory=dict)
    updated: dict[int, datetime] = field(default_factory=dict)  # last balance change per subaccount
    subtraders: list[str] = field(default_factory=list)

    def balance(self, subaccount: int = 0, exchange_index: int | None = None) -> Decimal:
        return sum(
            (v for (sub, idx), v in self.cash.items() if sub == subaccount and exchange_index in (None, idx)),
            ZERO,
        )

    def breakdown(self, subaccount: int = 0) -> dict[int, Decimal]:
        """Cash per exchange index, index 0 always present."""
        found = {0: ZERO}
        for (sub, idx), value in self.cash.items():
            if sub == subaccount:
                found[idx] = found.get(idx, ZERO) + value
        return dict(sorted(found.items()))

    def cash_spread(self, subaccount: int, exchange_index: int = 0, amount: Decimal = ZERO) -> Decimal:
        """The sum of |cash| over the subaccount's exchange indexes once `amount` moves into `exchange_index`."""
        key = (subaccount, exchange_index)
        others = ZERO
        if len(self.cash) > 1 or key not in self.cash:
            for k, v in self.cash.items():
                if k[0] == subaccount and k != key:
                    others += abs(v)
        return others + abs(self.cash.get(key, ZERO) + amount)

    def move_cash(self, subaccount: int, exchange_index: int, amount: Decimal, when: datetime) -> None:
        key = (subaccount, exchange_index)
        self.cash[key] = self.cash.get(key, ZERO) + amount
        self.updated[subaccount] = when


@dataclass(slots=True)
class Event:
    event_ticker: str
    markets: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Market:
    ticker: str
    event_ticker: str
    exchange_index: int = 0
    result: str | None = None
    settled_time: datetime | None = None
    last_yes_price: Decimal | None = None  # the last fill's YES price: what positions are marked at


@dataclass(slots=True)
class RestingOrder:
    order_id: str
    user_id: str
    subaccount: int
    ticker: str
    exchange_index: int
    side: str
    action: str
    count: Decimal  # contracts still resting
    price: Decimal  # price of `side`, dollars
    created: datetime

    @property
    def value(self) -> Decimal:
        """What the order would pay if it filled: the price of the side it buys, times the count."""
        delta, yes_price = positions.yes_terms(self.side, self.action, self.count, self.price)
        return self.count * (yes_price if delta > ZERO else 1 - yes_price)


@dataclass(frozen=True, slots=True)
class Settlement:
    user_id: str
    subaccount: int
    ticker: str
    event_ticker: str
    exchange_index: int
    market_result: str
    yes_count: Decimal
    yes_total_cost: Decimal
    no_count: Decimal
    no_total_cost: Decimal
    revenue: Decimal  # dollars paid out
    fee_cost: Decimal  # fees paid on the market
    settled_time: datetime


class NewFill(NamedTuple):
    """One fill of a batch (`Ledger.apply_fills`): `apply_fill`'s arguments, in its order, with its defaults."""

    user_id: str
    ticker: str
    side: str
    action: str
    count: Decimal
    price: Decimal
    subaccount: int = 0
    is_taker: bool = True
    event_ticker: str | None = None
    fee: Decimal | None = None
    order_id: str | None = None
    client_order_id: str | None = None


_WHOLE_TUPLES, _FIELDS = {tuple, NewFill}, {len(NewFill._fields)}  # a batch of whole tuples reads as is
_COUNT_OF, _OWNER_OF = itemgetter(4), itemgetter(0, 6)  # a NewFill's count; its (user_id, subaccount)


def _new_fill(item: NewFill | Sequence[Any] | Mapping[str, Any]) -> NewFill:
    if type(item) is NewFill or (type(item) is tuple and len(item) == len(NewFill._fields)):
        return item  # type: ignore[return-value]  # (a whole tuple reads as its NewFill)
    try:
        if isinstance(item, Mapping):
            return NewFill(**item)
        if isinstance(item, tuple | list):
            return NewFill(*item)
    except TypeError as exc:
        raise LedgerError(f"a fill of a batch takes apply_fill's arguments: {exc}") from None
    raise LedgerError(f"a fill of a batch is a NewFill, a tuple or a mapping, not {type(item).__name__}")


# Fees worked out by `_check_batch`, kept across batches: (schedule's terms, context's terms) ->
# {(count, price, is_taker): fee}. A `QuadraticFee`'s fee is a function of the values of its rates, the count and the
# price (the exponent is the centi-cent's whatever theirs) and of the context's precision and range; a count and a
# price kept passed `check_trade`, which reads only their values.
_FEES: dict[tuple[Any, ...], dict[tuple[Decimal, Decimal, bool], Decimal]] = {}
_FEES_KEPT = 1 << 14  # fees per schedule and context; more: forgotten and worked out again
_FEE_CODES: dict[int, tuple[Decimal, int | None]] = {}  # id(fee) -> (that fee, its code), for `Ledger._apply_batch`


def _fees_known(schedule: object) -> dict[tuple[Decimal, Decimal, bool], Decimal] | None:
    if type(schedule) is not QuadraticFee:
        return None
    context = getcontext()
    terms = (
        str(schedule.taker_rate), str(schedule.maker_rate),
        context.prec, context.rounding, context.Emin, context.Emax, context.clamp, tuple(context.traps.values()),
    )  # fmt: skip
    known = _FEES.get(terms)
    if known is None:
        if len(_FEES) >= 8:
            _FEES.clear()
        known = _FEES[terms] = {}
    return known


def _plain(side: Any, action: Any, count: Any, price: Any, subaccount: Any, is_taker: Any) -> bool:
    """A fill's terms of the usual kinds (finite Decimals, the sides and actions, a subaccount in range, a bool):
    their fee may be kept by value (`_FEES`); any other is checked and worked out each time."""
    return (
        type(count) is Decimal
        and type(price) is Decimal
        and count.is_finite()
        and price.is_finite()
        and (side == "yes" or side == "no")
        and (action == "buy" or action == "sell")
        and type(subaccount) is int
        and 0 <= subaccount <= MAX_SUBACCOUNT
        and type(is_taker) is bool
    )


def _numbered(i: int, size: int, exc: LedgerError) -> LedgerError:
    return LedgerError(f"fill {i} of the batch of {size} (none applied): {exc}", exc.status)


TRANSFER_STATUSES = ("pending", "applied", "failed", "returned")
TRANSFER_TYPES = ("ach", "wire", "crypto", "debit", "apm")
# Which status changes a transfer may make; cash moves on entering and leaving "applied".
_TRANSITIONS = {"pending": {"applied", "failed"}, "applied": {"returned"}, "failed": set(), "returned": set()}


@dataclass(slots=True)
class Transfer:
    """A deposit or a withdrawal of the primary subaccount's cash, on exchange index 0."""

    id: str
    user_id: str
    kind: str  # "deposit" | "withdrawal"
    type: str
    amount_cents: int
    fee_cents: int
    status: str
    created: datetime
    finalized: datetime | None = None

    @property
    def cash_effect(self) -> Decimal:
        """Cash moved while applied: a deposit credits the amount less its fee; a withdrawal debits amount and fee."""
        if self.kind == "deposit":
            return Decimal(self.amount_cents - self.fee_cents) / 100
        return -Decimal(self.amount_cents + self.fee_cents) / 100


def _opening(
    side: str, action: str, count: Decimal, price: Decimal, fee: Decimal, exchange_index: int
) -> tuple[Any, ...]:
    """What a checked fill that opens a row makes (`Ledger._apply_batch`): the market's new last price, the cash it
    moves, the row's six amounts, `opening_terms` of them and the fill log's codes. From no position, the side bought
    is paid for and held and nothing is realized; each amount worked out as `positions.trade` and `apply_fill` do,
    `ZERO +` included (a sum takes the smaller exponent, and codes keep exponents)."""
    yes_price = price if side == "yes" else ONE - price
    buys_yes = (side == "yes") == (action == "buy")
    cost = count * (yes_price if buys_yes else ONE - yes_price)
    position = ZERO + (count if buys_yes else -count)
    amounts = (position, quantize_dollars(ZERO + cost), ZERO + cost, ZERO, ZERO + fee, ZERO + count)
    fill_codes = [encode(count), encode(price), encode(fee), encode(position)]
    return shared(yes_price), ZERO - cost - fee, amounts, opening_terms(amounts, exchange_index), fill_codes


class _Openings:
    """Rows a batch opens in the markets it lists, waiting to be written at once (`Ledger._open_rows`): one owner's,
    in order, each as its place, six cells (in `codes`) and share of its event's totals (`store.opening_cells`), and
    its version less the store's (`stamps`; `stamped`: the store's, so far). A later fill of the batch in a row that
    waits changes it where it waits (`store.trade_cells`), stamped again as `PositionStore.update` would."""

    __slots__ = ("owner", "places", "codes", "shares", "at", "stamps", "stamped")

    def __init__(self) -> None:
        self.owner: tuple[str, int] = ("", 0)
        self.clear()

    def clear(self) -> None:
        self.places: list[Market] = []
        self.codes: list[int] = []
        self.shares: list[tuple[int, ...]] = []
        self.at: dict[str, int] = {}  # ticker -> where its row waits
        self.stamps: list[int] = []
        self.stamped = 0

    def __bool__(self) -> bool:
        return bool(self.places)


# Rows that wait to be written at once, at most: enough to make the writing cheap, few enough that what waits (and
# the memory it leaves scattered between the rows that stay) stays small.
_ROWS_AT_ONCE = 1024


class Ledger:
    def __init__(
        self,
        clock: Clock | None = None,
        bus: EventBus | None = None,
        fee_schedule: QuadraticFee | None = None,
        ids: Callable[[], str] | None = None,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.bus = bus or EventBus()
        self.fee_schedule = fee_schedule or QuadraticFee()
        self.new_id: Callable[[], str] = ids or IdFactory()
        self.lock = threading.RLock()
        self.accounts: dict[str, Account] = {}
        self.events: dict[str, Event] = {}
        self.markets: dict[str, Market] = {}
        # The recent past of what lagged reads show, while a lag is set (`set_lag`); shared with the position store.
        self.history = History()
        self.positions = PositionStore(self.history)
        self.fills = FillLog()  # every fill, column by column; `fills[i]` reads as a Fill
        self.fill_index = TimeIndex(self.fills)
        self.settlements = TimeIndex()
        self.deposits = TimeIndex()
        self.withdrawals = TimeIndex()
        self.transfers: dict[str, Transfer] = {}
        self.orders: dict[str, RestingOrder] = {}
        self.contracts_filled = ZERO  # since the last reset, every account's
        self.contracts_resting = ZERO  # now, every account's, in whole contracts as `resting_orders_count` counts them

    @contextmanager
    def reading(self) -> Iterator[Ledger]:
        """Hold the ledger still while a venue reads several things that must agree."""
        with self.lock:
            yield self

    # -- set-up -------------------------------------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.accounts.clear()
            self.events.clear()
            self.markets.clear()
            self.positions.clear()
            self.fills.clear()
            for index in (self.fill_index, self.settlements, self.deposits, self.withdrawals):
                index.clear()
            self.transfers.clear()
            self.orders.clear()
            self.contracts_filled = self.contracts_resting = ZERO
            self.history.forget()  # a reset is not lagged: the empty state shows at once
            for index in (self.fill_index, self.settlements):
                index.seal()
            self.bus.publish(Change("reset", None, None))

    def open_account(
        self,
        user_id: str,
        *,
        balance: Decimal = ZERO,
        fcm_member: bool = False,
        subtrader_of: str | None = None,
    ) -> Account:
        if not isinstance(user_id, str) or not user_id.strip():
            raise LedgerError("user_id must be a non-empty string")
        if not isinstance(balance, Decimal) or not balance.is_finite() or abs(balance) > MAX_BALANCE:
            raise LedgerError(f"an opening balance is a Decimal from -{MAX_BALANCE} to {MAX_BALANCE} dollars")
        with self.lock:
            if user_id in self.accounts:
                raise LedgerError(f"account {user_id!r} already exists", status=409)
            parent = None
            if subtrader_of is not None:
                parent = self.accounts.get(subtrader_of)
                if parent is None or not parent.fcm_member:
                    raise LedgerError(f"subtrader_of {subtrader_of!r} is not an FCM member account")
            account = Account(user_id, fcm_member=fcm_member, subtrader_of=subtrader_of)
            now = self.clock.now()
            if self.history.keeping:
                self.history.record("accounts", user_id, ABSENT, now)
            account.move_cash(0, 0, balance, now)
            self.accounts[user_id] = account
            if parent is not None:
                parent.subtraders.append(user_id)
            self.bus.publish(Change("account", user_id, account))
            return account

    def account(self, user_id: str) -> Account:
        account = self.accounts.get(user_id)
        if account is None:
            raise LedgerError(f"unknown user_id {user_id!r}", status=404)
        return account

    def list_market(self, ticker: str, event_ticker: str | None = None, exchange_index: int = 0) -> Market:
        """The market `ticker`, listed now if it is new. Without an event, the event is the ticker minus its last
        dash-separated part, as in Kalshi's naming (KXFED-26DEC-T4.00 belongs to KXFED-26DEC)."""
        if not isinstance(ticker, str) or not ticker.strip():
            raise LedgerError("ticker must be a non-empty string")
        if (
            isinstance(exchange_index, bool)
            or not isinstance(exchange_index, int)
            or not 0 <= exchange_index <= MAX_EXCHANGE_INDEX
        ):
            raise LedgerError(f"exchange_index must be an integer from 0 to {MAX_EXCHANGE_INDEX}")
        with self.lock:
            market = self.markets.get(ticker)
            if market is not None:
                if event_ticker is not None and event_ticker != market.event_ticker:
                    raise LedgerError(f"market {ticker!r} belongs to event {market.event_ticker!r}", status=409)
                return market
            event_ticker = event_ticker or (ticker.rsplit("-", 1)[0] if "-" in ticker else ticker)
            event = self.events.get(event_ticker)
            if event is None:
                event = self.events[event_ticker] = Event(event_ticker)
            market = Market(ticker, event.event_ticker, exchange_index)  # the event's own string, shared
            self.markets[ticker] = market
            event.markets.append(ticker)
            self.bus.publish(Change("market", None, market))
            return market

    # -- lagged reads ---------------------------------------------------------------------------------------------

    @property
    def lag(self) -> timedelta:
        """How far behind the exchange clock lagged reads answer; zero: they answer now."""
        return self.history.window or timedelta(0)

    def set_lag(self, lag: timedelta) -> None:
        """Lagged reads answer as of `lag` ago from now on (zero: as of now, and the history is dropped). Raised at run
        time, reads answer as of `history.exact_from` until the history covers the new lag."""
        with self.lock:
            if self.history.window is None:
                # The history begins now: fills and settlements made so far show in every lagged read, as the
                # positions and cash they made do.
                for index in (self.fill_index, self.settlements):
                    index.seal()
            self.history.keep(lag if lag > timedelta(0) else None, self.clock.now())

    def as_of(self) -> datetime | None:
        """The time a lagged read answers as of: now minus the lag (never before the last record the history dropped,
        versions.py); None when there is no lag (read the current state)."""
        history = self.history
        if history.window is None:
            return None
        with self.lock:
            now = self.clock.now()
            history.prune(now)
            when = now - history.window
            exact = history.exact_from
            return exact if exact is not None and exact > when else when

    def account_as_of(self, user_id: str, when: datetime | None) -> Account:
        """The account's cash and `updated` times as of `when` (None: now). An account not open yet at `when` has no
        cash, and its opening time as `updated`. The answer is a snapshot when `when` is given; do not change it."""
        account = self.account(user_id)
        found = None if when is None else self.history.then("accounts", user_id, when)
        if found is None:
            return account
        opened, before = found
        return Account(user_id, updated={0: opened}) if before is ABSENT else before

    def last_price_as_of(self, ticker: str, when: datetime | None) -> Decimal | None:
        """The market's last YES price as of `when` (None: now)."""
        found = None if when is None else self.history.then("prices", ticker, when)
        return self.markets[ticker].last_yes_price if found is None else found[1]

    def prices_changed_since(self, when: datetime | None) -> Mapping[str, Decimal | None]:
        """The last YES price as of `when` of every market whose last price changed since (the others' is their
        `last_yes_price`); empty for None. For a read over many markets: one look-up each."""
        return {} if when is None else self.history.changed("prices", when)

    def _remember_cash(self, account: Account, when: datetime) -> None:
        """Keep the account's cash as it is, before it moves at `when` (only while `history.keeping`)."""
        funds = Account(account.user_id, cash=dict(account.cash), updated=dict(account.updated))
        self.history.record("accounts", account.user_id, funds, when)

    # -- trading ------------------------------------------------------------------------------------------------

    def _position_row(self, user_id: str, subaccount: int, market: Market, now: datetime) -> MarketPosition:
        row = self.positions.get(user_id, subaccount, market.ticker)
        if row is None:
            row = self.positions.open(user_id, subaccount, market, now)
        return row

    def _tradable(self, ticker: str) -> Market | None:
        """The market if it is listed (None: trading lists it); a settled market takes no more trading."""
        market = self.markets.get(ticker) if isinstance(ticker, str) else None
        if market is not None and market.result is not None:
            raise LedgerError(f"market {ticker!r} is settled", status=409)
        return market

    def _check_contracts(self, held: Decimal, count: Decimal, what: str, ledger_total: Decimal, state: str) -> None:
        """`count` more contracts fit the position's bound (its `what`, now `held`) and the ledger's."""
        if held + count > MAX_POSITION_CONTRACTS:
            raise LedgerError(
                f"count {count:f} would take this market position's {what} to {held + count:f} contracts; it may reach "
                f"{MAX_POSITION_CONTRACTS} (the legacy profile's int32 contract fields)"
            )
        if ledger_total + count > MAX_LEDGER_CONTRACTS:
            raise LedgerError(
                f"count {count:f} would take the contracts {state} over all accounts to {ledger_total + count:f}; "
                f"the mock holds at most {MAX_LEDGER_CONTRACTS} (reset to start again)"
            )

    def _check_cash(self, account: Account, subaccount: int, exchange_index: int, amount: Decimal) -> None:
        spread = account.cash_spread(subaccount, exchange_index, amount)
        if spread > MAX_BALANCE:
            raise LedgerError(
                f"this would take the cash of {account.user_id!r} (subaccount {subaccount}) to {spread:f} dollars in "
                f"all; a subaccount's cash stays within -{MAX_BALANCE} to {MAX_BALANCE} dollars"
            )

    def _open_market(self, user_id: str, ticker: str, event_ticker: str | None) -> tuple[Account, Market]:
        """The trader's account and the market, listed if new; a settled market takes no more trading."""
        account = self.account(user_id)
        market = self.list_market(ticker, event_ticker)
        if market.result is not None:
            raise LedgerError(f"market {ticker!r} is settled", status=409)
        return account, market

    def apply_fill(
        self,
        user_id: str,
        ticker: str,
        side: str,
        action: str,
        count: Decimal,
        price: Decimal,
        *,
        subaccount: int = 0,
        is_taker: bool = True,
        event_ticker: str | None = None,
        fee: Decimal | None = None,
        order_id: str | None = None,
        client_order_id: str | None = None,
    ) -> Fill:
        """A fill of `count` contracts of `side` at that side's `price`, for the user's subaccount."""
        check_trade(side, action, count, price, subaccount)
        if fee is not None:
            check_fee(fee, count)
        with self.lock:
            # Every bound is checked before anything changes: a refused fill lists no market and opens no row.
            account = self.account(user_id)
            listed = self._tradable(ticker)
            held = self.positions.get(user_id, subaccount, ticker)
            if held is not None:
                position, exposure, traded, realized, fees_paid, volume = self.positions.amounts(held)
            else:
                position = exposure = traded = realized = fees_paid = volume = ZERO
            delta, yes_price = positions.yes_terms(side, action, count, price)
            result = positions.trade(position, exposure, delta, yes_price)
            fee = self.fee_schedule.fee(count, price, is_taker) if fee is None else fee
            self._check_contracts(volume, count, "volume", self.contracts_filled, "filled")
            self._check_cash(account, subaccount, listed.exchange_index if listed else 0, result.cash - fee)
            if listed is not None and (event_ticker is None or event_ticker == listed.event_ticker):
                market = listed
            else:
                account, market = self._open_market(user_id, ticker, event_ticker)
            now = self.clock.now()
            row = held
            if row is None:
                row = self.positions.open(account.user_id, subaccount, market, now)
            self.contracts_filled += count
            changed = self.positions.update(
                row,
                now,
                result.position,  # position, market_exposure, total_traded, realized_pnl, fees_paid, volume
                quantize_dollars(result.exposure),
                # Every fill buys one side (selling YES buys NO): total_traded is what was paid for that side.
                traded + count * (yes_price if delta > ZERO else 1 - yes_price),
                realized + result.realized,
                fees_paid + fee,
                volume + count,
            )
            if self.history.keeping:
                self._remember_cash(account, now)
                self.history.record("prices", ticker, market.last_yes_price, now)
            account.move_cash(subaccount, market.exchange_index, result.cash - fee, now)
            market.last_yes_price = shared(yes_price)
            fill_uuid = order_uuid = None
            if type(self.new_id) is IdFactory:  # the ids' integers go to the log as they are
                fill_uuid = self.new_id.uuid_int()
                fill_id = uuid_text(fill_uuid)
                if not order_id:
                    order_uuid = self.new_id.uuid_int()
                    order_id = uuid_text(order_uuid)
            else:
                fill_id = self.new_id()
                order_id = order_id or self.new_id()
            fill = Fill(
                fill_id, order_id, account.user_id, subaccount, market.ticker, market.event_ticker,
                market.exchange_index, side, action, count, price, yes_price, is_taker, fee, now, result.position,
                client_order_id,
            )  # fmt: skip
            logged = self.fills.add(
                fill_uuid or fill_id, order_uuid or order_id, account.user_id, subaccount, market, side, action, count,
                price, is_taker, fee, now, result.position, client_order_id,
            )  # fmt: skip
            self.fill_index.add_position(account.user_id, now, logged)
            self.bus.publish(Change("fill", user_id, fill))
            self.bus.publish(Change("position", user_id, changed))
            return fill

    def apply_fills(self, fills: Iterable[NewFill | Sequence[Any] | Mapping[str, Any]]) -> Sequence[Fill]:
        """Many fills at once, for seeding a large sandbox: each as `apply_fill` would make it, in order, with the same
        ids, amounts, rows, roll-ups, records and published changes, under one hold of the lock and at one instant
        (the clock is read once). A fill is a `NewFill` (or a tuple in its order, or a mapping of its names).

        All or nothing: the whole batch is checked first, against the state as each fill would find it after the ones
        before it; if one would be refused, so is the batch (nothing applied), with that fill's refusal, numbered.
        Answers the fills as views of the fill log (they read as, and equal, the `Fill`s `apply_fill` answers), which
        are also what the fill changes carry."""
        batch = list(fills)
        if not (set(map(type, batch)) <= _WHOLE_TUPLES and set(map(len, batch)) == _FIELDS):  # (else: read each)
            batch = [_new_fill(item) for item in batch]
        with self.lock:
            fees = self._check_batch(batch)
            # The batch makes no reference cycle, only objects that live on: the cyclic collector, which would walk
            # every one of them again and again while a large state is seeded, waits until it is done.
            collecting = gc.isenabled()
            gc.disable()
            try:
                return self._apply_batch(batch, fees)
            finally:
                if collecting:
                    gc.enable()

    def _check_batch(self, batch: list[NewFill]) -> list[Decimal]:
        """Refuse the batch if any fill of it would be refused, applied in order; answers each fill's fee.

        Each fill's own values and the markets it names are checked here; the bounds (volume, contracts, cash) for the
        whole batch at once, as if every fill of it moved the same row and the same cash the most it can: within them,
        no fill can be refused. A batch that is not found well within them here is checked fill by fill
        (`_check_batch_exactly`), which finds the refusal and words it as `apply_fill` would."""
        fees: list[Decimal] = []
        accounts, markets = self.accounts, self.markets
        listed: dict[str, str] = {}  # ticker -> event of the markets the batch lists
        held: list[NewFill] = []  # fills in markets listed before the batch: their rows may hold a volume already
        checked: dict[tuple[int, int, bool], Decimal] = {}  # as in `_check_batch_exactly`
        known = _fees_known(self.fee_schedule)  # the same across batches, by value (None: not kept)
        batch_fee = self._batch_fee
        try:
            for spec in batch:
                user_id, ticker, side, action, count, price, subaccount, is_taker, event_ticker, fee, _, _ = spec
                # `batch_fee`'s common case taken first: plain terms whose fee is known (they were checked before)
                if fee is None and known is not None and _plain(side, action, count, price, subaccount, is_taker):
                    fee = known.get((count, price, is_taker))
                    if fee is None:
                        fee = batch_fee(spec, checked, known)
                else:
                    fee = batch_fee(spec, checked, known)
                if (
                    type(user_id) is not str
                    or user_id not in accounts
                    or type(ticker) is not str
                    or (event_ticker is not None and type(event_ticker) is not str)
                ):
                    return self._check_batch_exactly(batch)
                market = markets.get(ticker)
                if market is not None:
                    if market.result is not None or (event_ticker is not None and event_ticker != market.event_ticker):
                        return self._check_batch_exactly(batch)
                    held.append(spec)
                else:
                    event = listed.get(ticker)
                    if event is None:
                        if not ticker.strip():
                            return self._check_batch_exactly(batch)
                        listed[ticker] = event_ticker or (ticker.rsplit("-", 1)[0] if "-" in ticker else ticker)
                    elif event_ticker is not None and event_ticker != event:
                        return self._check_batch_exactly(batch)
                fees.append(fee)
        except LedgerError:
            return self._check_batch_exactly(batch)
        contracts = sum(map(_COUNT_OF, batch), ZERO)
        volume = max((self._volume(spec[0], spec[6], spec[1]) for spec in held), default=ZERO)
        moved = contracts + sum(fees, ZERO)  # no fill moves cash by more than its count and its fee
        if (
            self.contracts_filled + contracts > MAX_LEDGER_CONTRACTS
            or volume + contracts > MAX_POSITION_CONTRACTS
            or any(
                accounts[user_id].cash_spread(subaccount) + moved > MAX_BALANCE
                for user_id, subaccount in set(map(_OWNER_OF, batch))
            )
        ):
            return self._check_batch_exactly(batch)
        return fees

    def _batch_fee(
        self, spec: NewFill, checked: dict[tuple[int, int, bool], Decimal], known: dict[Any, Decimal] | None
    ) -> Decimal:
        """A batch's fill's fee, its trade terms checked as `apply_fill` checks them. Plain terms (finite Decimals, the
        usual sides) are worked out once per batch (`checked`, by the identity of the batch's own objects) and, with
        `known`, once across batches by value."""
        _, _, side, action, count, price, subaccount, is_taker, _, fee, _, _ = spec
        if not (fee is None and _plain(side, action, count, price, subaccount, is_taker)):
            check_trade(side, action, count, price, subaccount)
            if fee is None:
                return self.fee_schedule.fee(count, price, is_taker)
            check_fee(fee, count)
            return fee
        terms = (id(count), id(price), is_taker)  # (the batch holds them: an id names one meanwhile)
        found = checked.get(terms)
        if found is None:
            found = known.get((count, price, is_taker)) if known is not None else None
            if found is None:
                check_trade(side, action, count, price, subaccount)
                found = self.fee_schedule.fee(count, price, is_taker)
                if known is not None:
                    if len(known) >= _FEES_KEPT:
                        known.clear()
                    known[(count, price, is_taker)] = found
            checked[terms] = found
        return found

    def _volume(self, user_id: str, subaccount: int, ticker: str) -> Decimal:
        row = self.positions.get(user_id, subaccount, ticker)
        return row.volume if row is not None else ZERO

    def _check_batch_exactly(self, batch: list[NewFill]) -> list[Decimal]:
        """`_check_batch`, fill by fill: each against the state the fills before it leave."""
        fees: list[Decimal] = []
        failed: tuple[int, LedgerError] | None = None
        accounts, markets = self.accounts, self.markets
        listed: dict[str, str] = {}  # ticker -> event of the markets the batch lists
        volumes: dict[tuple[str, int, str], Decimal] = {}
        spent: dict[tuple[str, int], Decimal] = {}  # (user, subaccount) -> the most its cash can move: count + fee
        filled = self.contracts_filled
        positions_store = self.positions
        # (count, price, is_taker) -> fee, for counts and prices `check_trade` took.
        checked: dict[tuple[int, int, bool], Decimal] = {}
        for i, spec in enumerate(batch):
            user_id, ticker, side, action, count, price, subaccount, is_taker, event_ticker, fee, _, _ = spec
            try:
                fee = self._batch_fee(spec, checked, None)
                if type(user_id) is not str:
                    raise LedgerError("user_id must be a non-empty string")
                if user_id not in accounts:
                    self.account(user_id)
                if type(ticker) is not str:
                    raise LedgerError("ticker must be a non-empty string")
                if event_ticker is not None and type(event_ticker) is not str:
                    raise LedgerError("event_ticker must be a string")
                market = markets.get(ticker)
                if market is not None and market.result is not None:
                    raise LedgerError(f"market {ticker!r} is settled", status=409)
                key = (user_id, subaccount, ticker)
                volume = volumes.get(key)
                if volume is None:
                    held = positions_store.get(user_id, subaccount, ticker)
                    volume = held.volume if held is not None else ZERO
                self._check_contracts(volume, count, "volume", filled, "filled")
                volumes[key] = volume + count
                filled += count
                if market is not None:
                    if event_ticker is not None and event_ticker != market.event_ticker:
                        raise LedgerError(f"market {ticker!r} belongs to event {market.event_ticker!r}", status=409)
                else:
                    event = listed.get(ticker)
                    if event is None:
                        if not ticker.strip():
                            raise LedgerError("ticker must be a non-empty string")
                        listed[ticker] = event_ticker or (ticker.rsplit("-", 1)[0] if "-" in ticker else ticker)
                    elif event_ticker is not None and event_ticker != event:
                        raise LedgerError(f"market {ticker!r} belongs to event {event!r}", status=409)
            except LedgerError as exc:
                failed = (i, exc)
                break
            fees.append(fee)
            owner = (user_id, subaccount)
            spent[owner] = spent.get(owner, ZERO) + count + fee
        # Cash: a fill moves at most its count and its fee, so a subaccount whose cash stays within the bound with
        # every move of the batch taken one way needs no closer look; the others are run through, as they would go.
        close = {
            owner for owner, most in spent.items() if accounts[owner[0]].cash_spread(owner[1]) + most > MAX_BALANCE
        }
        if close:
            self._check_batch_cash(batch[: len(fees)], fees, close, len(batch))
        if failed is not None:
            raise _numbered(failed[0], len(batch), failed[1])
        return fees

    def _check_batch_cash(
        self,
        batch: list[NewFill],
        fees: list[Decimal],
        owners: set[tuple[str, int]],
        size: int,
    ) -> None:
        """Run the fills of `owners` through their positions and cash, as `apply_fill` would, on copies."""
        cash = {owner: Account(owner[0], cash=dict(self.accounts[owner[0]].cash)) for owner in owners}
        held: dict[tuple[str, int, str], tuple[Decimal, Decimal]] = {}
        indexes = {ticker: market.exchange_index for ticker, market in self.markets.items()}
        for i, (user_id, ticker, side, action, count, price, subaccount, *_rest) in enumerate(batch):
            owner = (user_id, subaccount)
            funds = cash.get(owner)
            if funds is None:
                continue
            key = (user_id, subaccount, ticker)
            position, exposure = held.get(key) or self._held(user_id, subaccount, ticker)
            delta, yes_price = positions.yes_terms(side, action, count, price)
            result = positions.trade(position, exposure, delta, yes_price)
            exchange_index = indexes.get(ticker, 0)
            try:
                self._check_cash(funds, subaccount, exchange_index, result.cash - fees[i])
            except LedgerError as exc:
                raise _numbered(i, size, exc) from None
            funds.cash[(subaccount, exchange_index)] = funds.cash.get((subaccount, exchange_index), ZERO) + (
                result.cash - fees[i]
            )
            held[key] = (result.position, quantize_dollars(result.exposure))

    def _held(self, user_id: str, subaccount: int, ticker: str) -> tuple[Decimal, Decimal]:
        row = self.positions.get(user_id, subaccount, ticker)
        return (row.position, row.market_exposure) if row is not None else (ZERO, ZERO)

    def _apply_batch(self, batch: list[NewFill], fees: list[Decimal]) -> Sequence[Fill]:
        """The fills of a checked batch, as `apply_fill` makes each (see there; the same steps, written out for a
        loop), under the lock. The batch is one instant: its changes go to the subscribers that take them as it
        starts (`EventBus.takers`), and none is made that nobody takes."""
        accounts, markets, store, log, index = self.accounts, self.markets, self.positions, self.fills, self.fill_index
        bus, history = self.bus, self.history
        to_market, to_fill, to_position = bus.takers("market"), bus.takers("fill"), bus.takers("position")
        draw = self.new_id._random.getrandbits if type(self.new_id) is IdFactory else None  # type: ignore[attr-defined]
        holding, open_filled = store.get, store.open_filled
        start = len(log)
        now = self.clock.now()
        filled = self.contracts_filled
        prices: dict[tuple[str, str, int], tuple[Any, ...]] = {}
        fee_codes = _FEE_CODES
        codes: dict[int, int | None] = {}
        digits = getcontext().prec
        owners: list[str] = []  # each fill's, for the time index: indexed as the batch ends, under the lock still
        # The fills' log rows, gathered and appended at once, where no change hands a fill over as it is made
        gathered = Rows()
        gather, gathering = gathered.add, not to_fill and now.tzinfo is UTC
        # The rows the batch opens in the markets it lists, written at once (PositionStore.open_rows) where no change
        # is handed over as it is made
        opening, quiet = _Openings(), not (to_market or to_fill or to_position)
        # A fill in a row that waits changes it there, in integers (store.trade_cells), where nothing else could see
        # the steps between: no taker, no history, rounding half even (x - x is +0), in UTC.
        folding = quiet and not history.keeping and now.tzinfo is UTC and getcontext().rounding == ROUND_HALF_EVEN
        for spec, fee in zip(batch, fees, strict=True):
            user_id, ticker, side, action, count, price, subaccount, is_taker, event_ticker, _, order_id, cl_id = spec
            account = accounts[user_id]
            market = markets.get(ticker)
            fresh = market is None
            waiting = None  # where this fill's row waits in `opening`, if it does
            if fresh:
                market = self._list_checked(ticker, event_ticker, to_market)
                row = None  # (a market listed just now: no row holds it yet)
            else:
                if opening:  # (the rows waiting go in before any other row is read or written)
                    if folding and opening.owner == (account.user_id, subaccount):
                        waiting = opening.at.get(market.ticker)
                    if waiting is None:
                        self._open_rows(opening, now)
                row = None if waiting is not None else holding(user_id, subaccount, ticker)
            # A price's terms, once per side, action and price (the batch holds its prices: an id names one while it
            # runs): positions.yes_terms' YES price and its shared object (the market's last price), the price paid
            # for the side bought (its own price if bought, the other side's if sold), and their codes.
            terms = prices.get((side, action, id(price)))
            if terms is None:
                yes_price = price if side == "yes" else ONE - price
                pay = price if action == "buy" else ONE - price
                terms = prices[(side, action, id(price))] = (
                    yes_price, shared(yes_price), (side == "yes") == (action == "buy"), pay, encode(pay), encode(price),
                    encode(yes_price),
                )  # fmt: skip
            yes_price, last_price, buys_yes, pay, pay_code, price_code, yes_code = terms
            # The codes of the batch's counts and fees (for the log, and a new row's cells) recur: each is encoded once.
            count_code = codes.get(id(count))
            if count_code is None:
                count_code = codes[id(count)] = encode(count)
            kept = fee_codes.get(id(fee))  # (fees recur as the same objects across batches: `_check_batch`'s)
            if kept is not None and kept[0] is fee:
                fee_code = kept[1]
            else:
                fee_code = encode(fee)
                if len(fee_codes) >= _FEES_KEPT:
                    fee_codes.clear()
                fee_codes[id(fee)] = (fee, fee_code)  # (the fee held with its code: its id names it while kept)
            if waiting is not None:
                cells = None
                if count_code is not None and yes_code is not None and fee_code is not None:
                    k = 6 * waiting  # (six cells a row)
                    cells = trade_cells(
                        opening.codes[k : k + 6], count_code, yes_code, buys_yes, fee_code, market.exchange_index,
                        digits,
                    )  # fmt: skip
                if cells is None:  # the Decimal way: the rows waiting go in first
                    self._open_rows(opening, now)
                    row, waiting = holding(user_id, subaccount, ticker), None
            if waiting is not None:
                codes_after, share, cash_code = cells  # type: ignore[misc]
                opening.codes[k : k + 6] = codes_after
                opening.shares[waiting] = share
                opening.stamped += 1  # (`PositionStore.update` stamps the row)
                opening.stamps[waiting] = opening.stamped
                moved = decode(cash_code) - fee
                changed = None
                position = decode(codes_after[0])
                fill_codes = [count_code, price_code, fee_code, codes_after[0]]
            elif row is None:
                # From no position: the side bought is paid for and held; nothing is realized.
                cells = None
                if not to_position and count_code is not None and pay_code is not None and fee_code is not None:
                    cells = opening_cells(count_code, pay_code, fee_code, buys_yes, market.exchange_index, digits)
                if cells is not None:
                    moved = ZERO - count * pay - fee
                    if fresh and quiet:  # a row in a market listed just now: it waits, with the rows of its owner
                        owner = (account.user_id, subaccount)
                        if opening and (opening.owner != owner or len(opening.places) >= _ROWS_AT_ONCE):
                            self._open_rows(opening, now)
                        opening.owner = owner
                        opening.at[market.ticker] = len(opening.places)
                        opening.places.append(market)
                        opening.codes += cells[0]
                        opening.shares.append(cells[1])
                        opening.stamped += 2  # (`open` stamps a row, then `update` does)
                        opening.stamps.append(opening.stamped)
                    else:
                        open_filled(account.user_id, subaccount, market, now, terms=cells, snapshot=False)
                    changed = None
                    position = count if buys_yes else -count  # (`ZERO +` it: the same, its exponent is not above 0)
                    fill_codes = [count_code, price_code, fee_code, cells[0][0]]
                else:  # the Decimal way
                    if opening:
                        self._open_rows(opening, now)
                    last_price, moved, amounts, terms, fill_codes = _opening(
                        side, action, count, price, fee, market.exchange_index
                    )
                    changed = open_filled(account.user_id, subaccount, market, now, *amounts, terms=terms)
                    position = amounts[0]
            else:
                held, exposure, traded, realized, fees_paid, volume = store.amounts(row)
                result = positions.trade(held, exposure, count if buys_yes else -count, yes_price)
                moved = result.cash - fee
                position = result.position
                changed = store.update(
                    row, now, position, quantize_dollars(result.exposure),
                    traded + count * (yes_price if buys_yes else 1 - yes_price), realized + result.realized,
                    fees_paid + fee, volume + count, bool(to_position),
                )  # fmt: skip
                fill_codes = [count_code, price_code, fee_code, encode(position)]
            filled += count
            if history.keeping:
                self._remember_cash(account, now)
                history.record("prices", ticker, market.last_yes_price, now)
            key = (subaccount, market.exchange_index)
            account.cash[key] = account.cash.get(key, ZERO) + moved
            account.updated[subaccount] = now
            market.last_yes_price = last_price
            if draw is not None:  # IdFactory.uuid_int, written out
                fill_id: str | int = draw(128) & _UUID_CLEAR | _UUID_SET
                if not order_id:
                    order_id = draw(128) & _UUID_CLEAR | _UUID_SET
            else:
                fill_id = self.new_id()
                order_id = order_id or self.new_id()
            owners.append(account.user_id)
            if not (gathering and gather(  # type: ignore[arg-type]
                fill_id, order_id, account.user_id, market, fill_flags(side, action, is_taker, subaccount), fill_codes,
                cl_id,
            )):  # fmt: skip
                log.add_rows(gathered, now)  # (what was gathered before it goes first)
                at = log.add(
                    fill_id, order_id, account.user_id, subaccount, market, side, action, count, price, is_taker, fee,
                    now, position, cl_id, codes=fill_codes,
                )  # fmt: skip
                if to_fill:
                    change = Change("fill", user_id, log.view(at))
                    for take in to_fill:
                        take(change)
            self.contracts_filled = filled
            if to_position:
                change = Change("position", user_id, changed)
                for take in to_position:
                    take(change)
        if opening:
            self._open_rows(opening, now)
        if gathering:
            log.add_rows(gathered, now)
        index.add_run(owners, start)
        return log.span(start, len(log))

    def _open_rows(self, opening: _Openings, now: datetime) -> None:
        """Write the rows waiting in `opening` (all at once where the store can, else one by one), and empty it."""
        user_id, subaccount = opening.owner
        store = self.positions
        first, before = len(store), store.version
        places, codes, shares, stamps, stamped = (
            opening.places, opening.codes, opening.shares, opening.stamps, opening.stamped
        )  # fmt: skip
        if not store.open_rows(user_id, subaccount, now, places, codes, shares, stamps, stamped):
            for k, (place, share) in enumerate(zip(places, shares, strict=True)):
                cells = codes[6 * k : 6 * k + 6]  # (six cells a row)
                store.open_filled(user_id, subaccount, place, now, terms=(cells, share), snapshot=False)
            store.restamp(first, before, stamps, stamped)  # (rows changed again while they waited)
        opening.clear()

    def _list_checked(
        self, ticker: str, event_ticker: str | None, to_market: Sequence[Callable[[Change], None]]
    ) -> Market:
        """`list_market(ticker, event_ticker)` for a new market whose ticker and event were checked; its change goes
        to `to_market` (a batch's takers of market changes), if any."""
        event_ticker = event_ticker or (ticker.rsplit("-", 1)[0] if "-" in ticker else ticker)
        event = self.events.get(event_ticker)
        if event is None:
            event = self.events[event_ticker] = Event(event_ticker)
        market = Market(ticker, event.event_ticker)
        self.markets[ticker] = market
        event.markets.append(ticker)
        if to_market:
            change = Change("market", None, market)
            for take in to_market:
                take(change)
        return market

    def settle_market(self, ticker: str, result: str) -> Market:
        """Determine a market: winners get 1 dollar per contract, every position in it becomes settled and gets a
        settlement record, and its resting orders are cancelled."""
        if result not in ("yes", "no"):
            raise LedgerError("result must be 'yes' or 'no'")
        with self.lock:
            market = self.markets.get(ticker)
            if market is None:
                raise LedgerError(f"unknown market {ticker!r}", status=404)
            if market.result is not None:
                raise LedgerError(f"market {ticker!r} is already settled", status=409)
            now = self.clock.now()
            market.result = result
            market.settled_time = now
            for order in [o for o in self.orders.values() if o.ticker == ticker]:
                self._drop_order(order, now)
            for row in self.positions.of_market(ticker):
                outcome = positions.settle(row.position, row.market_exposure, result)
                long_yes = row.position > ZERO
                record = Settlement(
                    user_id=row.user_id,
                    subaccount=row.subaccount,
                    ticker=ticker,
                    event_ticker=market.event_ticker,
                    exchange_index=market.exchange_index,
                    market_result=result,
                    yes_count=row.position if long_yes else ZERO,
                    yes_total_cost=row.market_exposure if long_yes else ZERO,
                    no_count=-row.position if row.position < ZERO else ZERO,
                    no_total_cost=row.market_exposure if row.position < ZERO else ZERO,
                    revenue=outcome.cash,
                    fee_cost=row.fees_paid,
                    settled_time=now,
                )
                with self.positions.changing(row, now):
                    row.market_exposure = outcome.exposure
                    row.realized_pnl += outcome.realized
                    row.last_updated = now
                holder = self.accounts[row.user_id]
                if self.history.keeping:
                    self._remember_cash(holder, now)
                holder.move_cash(row.subaccount, market.exchange_index, outcome.cash, now)
                self.positions.mark_settled(row, now)
                self.settlements.add(row.user_id, now, record)
                self.bus.publish(Change("position", row.user_id, row.snapshot()))
            self.bus.publish(Change("settlement", None, market))
            return market

    # -- resting orders -------------------------------------------------------------------------------------------

    def place_order(
        self,
        user_id: str,
        ticker: str,
        side: str,
        action: str,
        count: Decimal,
        price: Decimal,
        *,
        subaccount: int = 0,
        event_ticker: str | None = None,
        order_id: str | None = None,
    ) -> RestingOrder:
        """A resting order: it never matches, but counts in resting order totals and `resting_orders_count`."""
        check_trade(side, action, count, price, subaccount)
        with self.lock:
            self.account(user_id)
            self._tradable(ticker)
            if order_id is not None and order_id in self.orders:
                raise LedgerError(f"order {order_id!r} already exists", status=409)
            held = self.positions.get(user_id, subaccount, ticker)
            resting = Decimal(held.resting_orders_count if held else 0)
            whole = Decimal(_whole(count))
            self._check_contracts(resting, whole, "resting contracts", self.contracts_resting, "resting")
            _, market = self._open_market(user_id, ticker, event_ticker)
            order_id = order_id or self.new_id()
            self.contracts_resting += whole
            now = self.clock.now()
            order = RestingOrder(
                order_id, user_id, subaccount, ticker, market.exchange_index, side, action, count, price, now
            )
            self.orders[order_id] = order
            row = self._position_row(user_id, subaccount, market, now)
            with self.positions.changing(row, now):
                row.resting_orders_count += _whole(count)
            self.bus.publish(Change("order", user_id, order))
            return order

    def cancel_order(self, order_id: str) -> RestingOrder:
        with self.lock:
            order = self.orders.get(order_id)
            if order is None:
                raise LedgerError(f"unknown order {order_id!r}", status=404)
            self._drop_order(order, self.clock.now())
            return order

    def _drop_order(self, order: RestingOrder, now: datetime) -> None:
        del self.orders[order.order_id]
        self.contracts_resting -= _whole(order.count)
        row = self.positions.get(order.user_id, order.subaccount, order.ticker)
        if row is not None:
            with self.positions.changing(row, now):
                row.resting_orders_count -= _whole(order.count)
        self.bus.publish(Change("order_cancelled", order.user_id, order))

    # -- cash transfers -------------------------------------------------------------------------------------------

    def transfer(
        self,
        user_id: str,
        kind: str,
        amount_cents: int,
        *,
        status: str = "applied",
        type: str = "ach",
        fee_cents: int = 0,
        transfer_id: str | None = None,
    ) -> Transfer:
        """Record a deposit or withdrawal, or move an existing one to a new status; cash moves while it is applied."""
        if kind not in ("deposit", "withdrawal"):
            raise LedgerError("kind must be 'deposit' or 'withdrawal'")
        if status not in TRANSFER_STATUSES:
            raise LedgerError(f"status must be one of {', '.join(TRANSFER_STATUSES)}")
        with self.lock:
            account = self.account(user_id)
            now = self.clock.now()
            existing = self.transfers.get(transfer_id) if transfer_id else None
            if existing is not None:
                if existing.user_id != user_id or existing.kind != kind:
                    raise LedgerError(f"{transfer_id!r} is a {existing.kind} of {existing.user_id!r}", status=409)
                if status == existing.status:
                    return existing
                if status not in _TRANSITIONS[existing.status]:
                    raise LedgerError(f"a {existing.status} {kind} cannot become {status}", status=409)
                moved = existing.cash_effect if status == "applied" else -existing.cash_effect
                if status == "applied" or existing.status == "applied":
                    self._check_cash(account, 0, 0, moved)
                    if self.history.keeping:
                        self._remember_cash(account, now)
                    account.move_cash(0, 0, moved, now)
                existing.status = status
                existing.finalized = now
                self.bus.publish(Change(kind, user_id, existing))
                return existing
            if type not in TRANSFER_TYPES:
                raise LedgerError(f"type must be one of {', '.join(TRANSFER_TYPES)}")
            for name, cents, least in (("amount_cents", amount_cents, 1), ("fee_cents", fee_cents, 0)):
                if isinstance(cents, bool) or not isinstance(cents, int) or not least <= cents <= MAX_CENTS:
                    raise LedgerError(f"{name} must be an integer from {least} to {MAX_CENTS}")
            if status == "returned":
                raise LedgerError("a new transfer cannot start out returned; apply it, then return it")
            record = Transfer(
                id=transfer_id or self.new_id(),
                user_id=user_id,
                kind=kind,
                type=type,
                amount_cents=amount_cents,
                fee_cents=fee_cents,
                status=status,
                created=now,
                finalized=None if status == "pending" else now,
            )
            if status == "applied":
                self._check_cash(account, 0, 0, record.cash_effect)
            self.transfers[record.id] = record
            (self.deposits if kind == "deposit" else self.withdrawals).add(user_id, now, record)
            if status == "applied":
                if self.history.keeping:
                    self._remember_cash(account, now)
                account.move_cash(0, 0, record.cash_effect, now)
            self.bus.publish(Change(kind, user_id, record))
            return record


def _whole(count: Decimal) -> int:
    """Resting sizes are reported in whole contracts (`resting_orders_count` is an integer)."""
    return int(count.to_integral_value(rounding=ROUND_CEILING))


def check_trade(side: str, action: str, count: Decimal, price: Decimal, subaccount: int) -> None:
    """What every fill and order must be: a side, an action, hundredths of contracts, a price inside (0, 1)."""
    if side not in ("yes", "no"):
        raise LedgerError("side must be 'yes' or 'no'")
    if action not in ("buy", "sell"):
        raise LedgerError("action must be 'buy' or 'sell'")
    if not isinstance(count, Decimal) or not count.is_finite() or not ZERO < count <= MAX_COUNT:
        raise LedgerError(f"count must be positive and at most {MAX_COUNT} contracts")
    if count != count.quantize(COUNT_QUANTUM):
        raise LedgerError("count must be positive, in hundredths of a contract")
    if not isinstance(price, Decimal) or not price.is_finite() or not ZERO < price < 1:
        raise LedgerError("price must be between 0 and 1 dollars exclusive")
    check_subaccount(subaccount)


def check_fee(fee: Decimal, count: Decimal) -> None:
    """A fill's own fee: from 0 to `MAX_FEE_PER_CONTRACT` dollars per contract, held to the micro-dollar."""
    if not isinstance(fee, Decimal) or not fee.is_finite() or not ZERO <= fee <= count * MAX_FEE_PER_CONTRACT:
        raise LedgerError(f"fee must be from 0 to {MAX_FEE_PER_CONTRACT} dollar per contract of the fill")
    if fee != quantize_dollars(fee):
        raise LedgerError("fee has more than 6 decimal places")


def check_subaccount(subaccount: int) -> None:
    if isinstance(subaccount, bool) or not isinstance(subaccount, int) or not 0 <= subaccount <= MAX_SUBACCOUNT:
        raise LedgerError(f"subaccount must be an integer from 0 to {MAX_SUBACCOUNT}")
