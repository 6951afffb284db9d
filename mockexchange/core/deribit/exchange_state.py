"""What the Deribit exchange keeps, held in one place: the exchange's parts (accounts, market, cash, trading, valuation,
expiry, the transaction log, deposit addresses) each take it, and change it only under its `lock`.

Its wiring (the clock, the bus, the lock, the margin rates, the default volatility, the history bound) is the mock's;
the rest is state, which a state file's snapshot keeps (state/snapshot.py) and `clear` empties.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from mockexchange.core.clock import Clock
from mockexchange.core.deribit import derivatives as d
from mockexchange.core.deribit.candles import DeribitCandle
from mockexchange.core.deribit.mmp_records import MmpState
from mockexchange.core.deribit.orders import DerivativeOrders
from mockexchange.core.deribit.price_path import PricePath
from mockexchange.core.deribit.records import (
    Announcement,
    CashMove,
    Delivery,
    DepositAddress,
    DeribitTrade,
    InstrumentDelivery,
    LogEntry,
    PositionState,
    WalletTransfer,
    _Listing,
)
from mockexchange.core.deribit.wallet_history import WalletHistory
from mockexchange.core.deribit.wallets import DeribitAccount
from mockexchange.core.events import Change, EventBus
from mockexchange.core.stepping import StateLock

DEFAULT_VOLATILITY = Decimal("0.5")  # 50%: used for an option when a scenario has set none
FIRST_ACCOUNT_ID = 1001  # Deribit account (and subaccount) ids are integers; the mock hands them out from here


@dataclass(eq=False)
class ExchangeState:
    clock: Clock
    bus: EventBus
    rates: d.MarginRates
    default_volatility: Decimal
    # What each account keeps of its past, of each kind (closed orders, trades, transaction log entries, deposits and
    # withdrawals, transfers): its newest this many (wallet_history.py). The mock's setting, not state.
    history_size: int
    lock: StateLock = field(default_factory=StateLock)  # (core/stepping.py: long commands step aside for reads)
    listings: dict[str, _Listing] = field(default_factory=dict)
    # each price index's price over the exchange clock (price_path.py): the point in force now is its price, the
    # points before it its history
    indexes: dict[str, PricePath] = field(default_factory=dict)
    currency_volatility: dict[str, Decimal] = field(default_factory=dict)  # per base currency
    # What the mock has no source for, each over the exchange clock: a perpetual's funding rate for 8 hours (by its
    # name: funding.py), a currency's historical volatility (volatility.py), a yield token's APR (apr.py)
    funding: dict[str, PricePath] = field(default_factory=dict)
    historical_volatility: dict[str, PricePath] = field(default_factory=dict)
    apr: dict[str, PricePath] = field(default_factory=dict)
    locked_indices: list[str] = field(default_factory=list)  # the indices the platform is locked in (platform.py)
    announcements: list[Announcement] = field(default_factory=list)  # by publication, the newest kept (platform.py)
    # the exchange clock's time up to which the announcements' publication was told (platform.py's `tell_due`)
    announced_until: datetime | None = None
    accounts: dict[str, DeribitAccount] = field(default_factory=dict)
    wallet_owner: dict[int, str] = field(default_factory=dict)
    positions: dict[tuple[str, int, str], PositionState] = field(default_factory=dict)
    # the same, by wallet id and instrument
    wallet_positions: dict[int, dict[str, PositionState]] = field(default_factory=dict)
    trades: WalletHistory[DeribitTrade] = field(default_factory=WalletHistory)  # each wallet's fills (trading.py)
    # each instrument's newest trades, each trade id once (trading.py: its public trades and the ticker's statistics)
    instrument_trades: dict[str, deque[DeribitTrade]] = field(default_factory=dict)
    candles: dict[str, list[list[DeribitCandle]]] = field(default_factory=dict)  # each instrument's (candles.py)
    traded: dict[int, Decimal] = field(default_factory=dict)  # wallet id -> the amounts it traded since the last reset
    # each wallet's deposits and withdrawals, in order made
    cash_moves: WalletHistory[CashMove] = field(default_factory=WalletHistory)
    wallet_transfers: WalletHistory[WalletTransfer] = field(default_factory=WalletHistory)  # each wallet's, out and in
    deliveries: list[Delivery] = field(default_factory=list)  # in the order they were made
    instrument_deliveries: list[InstrumentDelivery] = field(default_factory=list)  # each instrument's, in order made
    # (wallet id, currency) -> its addresses, oldest first
    deposit_addresses: dict[tuple[int, str], list[DepositAddress]] = field(default_factory=dict)
    cash_log: WalletHistory[LogEntry] = field(default_factory=WalletHistory)  # each wallet's transaction log, in order
    log_seq: dict[int, int] = field(default_factory=dict)  # wallet id -> its last entry's `user_seq`
    next_log_id: int = 1
    next_expiry: datetime | None = None  # the earliest expiration not yet delivered
    next_announcement_id: int = 1
    next_transfer_id: int = 1
    # The next account id and trade id to hand out (plain numbers, so a snapshot holds them).
    next_wallet_id: int = FIRST_ACCOUNT_ID
    next_trade_id: int = 1
    orders: DerivativeOrders | None = None  # resting orders (orders.py), made with the first
    mmp: MmpState = field(default_factory=MmpState)  # market maker protection's configurations and freezes (mmp.py)

    def publish(self, kind: str, user_id: str | None, payload: object) -> None:
        self.bus.publish(Change(f"derivatives.{kind}", user_id, payload))

    def index_at(self, index_name: str, when: datetime) -> Decimal | None:
        """The index's price at `when` (None: none set by then)."""
        path = self.indexes.get(index_name)
        return None if path is None else path.value_at(when)

    def draw_wallet_id(self) -> int:
        self.next_wallet_id += 1
        return self.next_wallet_id - 1

    def draw_trade_id(self) -> int:
        self.next_trade_id += 1
        return self.next_trade_id - 1

    def draw_transfer_id(self) -> int:
        self.next_transfer_id += 1
        return self.next_transfer_id - 1

    def clear(self) -> None:
        """Empty what the exchange holds; the ids drawn go on (an id names one thing over the mock's life)."""
        for held in (
            self.listings, self.indexes, self.currency_volatility, self.accounts, self.wallet_owner, self.positions,
            self.wallet_positions, self.trades, self.instrument_trades, self.candles, self.traded, self.cash_moves,
            self.wallet_transfers, self.deliveries, self.instrument_deliveries, self.deposit_addresses, self.cash_log,
            self.log_seq, self.funding, self.historical_volatility, self.apr, self.locked_indices, self.announcements,
        ):  # fmt: skip
            held.clear()
        self.next_expiry = None
        self.announced_until = None
        self.orders = None
        self.mmp.clear()
