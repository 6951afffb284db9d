"""What the Kalshi ledger keeps, held in one place: the ledger and its parts take it, and change it only under its
`lock`.

Its wiring (the clock, the bus, the lock, the fee schedule, the id generator, the lifecycle's timer and guard, the
ended orders' bound) is the mock's; the rest is state, which a state file's snapshot keeps (state/snapshot.py) and
`clear` empties.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime

from sortedcontainers import SortedList

from mockexchange.core.clock import Clock
from mockexchange.core.events import EventBus
from mockexchange.core.ids import IdFactory, TickerIds
from mockexchange.core.kalshi.accounts import Account
from mockexchange.core.kalshi.announcements import AnnouncementState
from mockexchange.core.kalshi.archive import Archive
from mockexchange.core.kalshi.block_trade_records import BlockTradeState
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.due import Due
from mockexchange.core.kalshi.exchange import ExchangeStatus
from mockexchange.core.kalshi.fcm_state import FcmState
from mockexchange.core.kalshi.fee_changes import FeeChanges
from mockexchange.core.kalshi.fees import QuadraticFee
from mockexchange.core.kalshi.fill_log import FillLog
from mockexchange.core.kalshi.incentive_programs import IncentiveState
from mockexchange.core.kalshi.market_changes import LIFECYCLE, MVE_LIFECYCLE
from mockexchange.core.kalshi.market_trades import MarketTrades
from mockexchange.core.kalshi.markets import Event, Market, Series
from mockexchange.core.kalshi.milestones import MilestoneState
from mockexchange.core.kalshi.multivariate_records import MultivariateState
from mockexchange.core.kalshi.orders import Order
from mockexchange.core.kalshi.price_records import PriceFeedState
from mockexchange.core.kalshi.rfq_batch_state import RfqBatchState
from mockexchange.core.kalshi.rfq_maker_commands import SetRfqMaker
from mockexchange.core.kalshi.rfq_state import CommunicationsState
from mockexchange.core.kalshi.store import PositionStore
from mockexchange.core.kalshi.structured_targets import TargetState
from mockexchange.core.kalshi.subaccount_records import SubaccountState
from mockexchange.core.kalshi.transfers import Transfer
from mockexchange.core.kalshi.usage_levels import UsageLevels
from mockexchange.core.kalshi.weather_index import WeatherState
from mockexchange.core.kept_index import KeptIndex
from mockexchange.core.order_groups import OrderGroup
from mockexchange.core.stepping import StateLock
from mockexchange.core.time_index import TimeIndex
from mockexchange.core.versions import History


@dataclass(eq=False)
class LedgerState:
    clock: Clock
    bus: EventBus
    fee_schedule: QuadraticFee
    new_id: Callable[[], str]
    # Market ids from a generator of their own (catalogue.py), so the other ids stay what they were: where it is an
    # `IdFactory`, derived from each ticker under a key it draws (`market_id_key`: a market keeps none of its own), else
    # drawn for each market.
    market_ids: Callable[[], str]
    # The orders kept (order_upkeep.py): every resting one, and each account's `kept_ended` most recent ended ones (a
    # setting, not state: Settings.kalshi_ended_orders).
    kept_ended: int
    lock: StateLock = field(default_factory=StateLock)  # (core/stepping.py: long commands step aside for reads)
    accounts: dict[str, Account] = field(default_factory=dict)
    series: dict[str, Series] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    markets: dict[str, Market] = field(default_factory=dict)
    listed: SortedList = field(default_factory=SortedList)  # every market's ticker, in order (GET /markets pages them)
    fee_changes: FeeChanges = field(default_factory=FeeChanges)  # series' and events' fee changes (fee_changes.py)
    # Every change to what a market read shows, any market's, a listing and a reset included (catalogue.py's
    # `market_changed`): a page of markets rendered at one count is the page until it moves (or time ages it).
    markets_version: int = 0
    exchange_indexes: set[int] = field(
        default_factory=lambda: {0}
    )  # the exchange indexes markets are listed on (and 0)
    exchange: ExchangeStatus = field(default_factory=ExchangeStatus)  # its switches and schedule (exchange.py)
    # When the users' data (balances, positions, fills, orders) last changed, on the exchange clock (None: never):
    # GET /exchange/user_data_timestamp. Set by what changes it: a move of cash, a fill, an order's change.
    user_data_updated: datetime | None = None
    # The lifecycle's schedule (lifecycle.py) and its wiring: the app's timer and, with a state file, its lock.
    due_times: list[datetime] = field(default_factory=list)
    due_at: dict[datetime, list[Due]] = field(default_factory=dict)  # tickers, and the parts' timers (due.py)
    on_schedule: Callable[[], None] | None = None
    due_guard: Callable[[], AbstractContextManager[object]] | None = None
    # The recent past of what lagged reads show, while a lag is set (`set_lag`); shared with the position store.
    history: History = field(default_factory=History)
    positions: PositionStore = field(init=False)
    fills: FillLog = field(default_factory=FillLog)  # every fill, column by column; `fills[i]` reads as a Fill
    fill_index: TimeIndex = field(init=False)
    market_trades: MarketTrades = field(init=False)  # each market's trades (market_feed.py): a trade is a fill
    trades: TimeIndex = field(init=False)  # every market's trades, under ""
    block_trade_ids: set[str] = field(default_factory=set)  # the trades among them a block trade printed (their ids)
    settlements: TimeIndex = field(default_factory=TimeIndex)
    deposits: TimeIndex = field(default_factory=TimeIndex)
    withdrawals: TimeIndex = field(default_factory=TimeIndex)
    transfers: dict[str, Transfer] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)  # the resting orders, by id (trading.py)
    all_orders: dict[str, Order] = field(default_factory=dict)  # every order kept, by id
    # every order kept, per user, by the time it was placed
    order_index: KeptIndex[Order] = field(default_factory=KeptIndex)
    # (user, client order id) -> the kept order's id
    client_orders: dict[tuple[str, str], str] = field(default_factory=dict)
    # ticker -> (expiration, order id), a heap
    expiries: dict[str, list[tuple[datetime, str]]] = field(default_factory=dict)
    order_groups: dict[str, OrderGroup] = field(default_factory=dict)  # the live order groups, by id (order_groups.py)
    user_groups: dict[str, dict[str, None]] = field(default_factory=dict)  # user -> their groups' ids, oldest first
    # groups an action's matches took past their limit (empty between actions)
    groups_due: list[str] = field(default_factory=list)
    usage_levels: UsageLevels = field(default_factory=UsageLevels)  # each user's API usage-level grants
    # numbered subaccounts, moves of cash inside accounts (subaccounts.py)
    subaccount_state: SubaccountState = field(default_factory=SubaccountState)
    archive: Archive = field(default_factory=Archive)  # the historical cutoff, the ended orders, the archived events
    fcm_state: FcmState = field(default_factory=FcmState)  # FCM members' subtrader settings and position transfers
    # the rules RFQ makers quote by, by name, in the order first set (rfq_makers.py)
    rfq_makers: dict[str, SetRfqMaker] = field(default_factory=dict)
    communications: CommunicationsState = field(default_factory=CommunicationsState)  # RFQs, quotes (rfq_state.py)
    block_trades: BlockTradeState = field(default_factory=BlockTradeState)  # block trade proposals (block_trades.py)
    rfq_batches: RfqBatchState = field(default_factory=RfqBatchState)  # RFQ batches, batch quotes (rfq_batch_state.py)
    price_feeds: PriceFeedState = field(default_factory=PriceFeedState)  # CF Benchmarks' and Pyth's (price_feeds.py)
    # multivariate collections and their combo markets (multivariate.py)
    multivariate: MultivariateState = field(default_factory=MultivariateState)
    # What the exchange is told from outside: milestones and their live data, structured targets, incentive
    # programs, each city's weather index, its announcements (milestones.py, structured_targets.py,
    # incentive_programs.py, weather_index.py, announcements.py)
    milestones: MilestoneState = field(default_factory=MilestoneState)
    structured_targets: TargetState = field(default_factory=TargetState)
    incentive_programs: IncentiveState = field(default_factory=IncentiveState)
    weather: WeatherState = field(default_factory=WeatherState)
    announcements: AnnouncementState = field(default_factory=AnnouncementState)
    market_id_key: TickerIds | None = field(init=False)

    def __post_init__(self) -> None:
        self.market_id_key = self.market_ids.keyed() if isinstance(self.market_ids, IdFactory) else None
        if type(self.kept_ended) is not int or self.kept_ended < 0:
            raise ValueError(f"the ended orders an account keeps are an integer of at least 0, not {self.kept_ended!r}")
        self.positions = PositionStore(self.history, self.markets)
        self.fill_index = TimeIndex(self.fills)
        self.market_trades = MarketTrades(self.fills, self.markets)
        self.trades = TimeIndex(self.fills)

    def market_changed(self, market: Market) -> None:
        """Something a read of the market shows changed (or it was listed): its `version` and `markets_version`,
        which counts every market's changes, move (what the venues' render cache keys by)."""
        market.version += 1
        self.markets_version += 1

    def lifecycle_kind(self, ticker: str) -> str:
        """The change kind of a market's lifecycle moves: a combo market's go on the multivariate channel alone."""
        return MVE_LIFECYCLE if ticker in self.multivariate.combos else LIFECYCLE

    def remember_cash(self, account: Account, when: datetime) -> None:
        """Keep the account's cash as it is, before it moves at `when`, for lagged reads (only while
        `history.keeping`)."""
        funds = Account(account.user_id, cash=dict(account.cash), updated=dict(account.updated))
        self.history.record("accounts", account.user_id, funds, when)

    def move_cash(self, account: Account, subaccount: int, exchange_index: int, amount: int, when: datetime) -> None:
        """Move the account's cash (micro-dollars) at `when`, what it was kept first while the history keeps."""
        if self.history.keeping:
            self.remember_cash(account, when)
        account.move_cash(subaccount, exchange_index, amount, when)
        self.user_data_updated = when

    def account(self, user_id: str) -> Account:
        """The open account `user_id` (a 404 refusal if there is none)."""
        account = self.accounts.get(user_id)
        if account is None:
            raise LedgerError(f"unknown user_id {user_id!r}", status=404)
        return account

    def market(self, ticker: str) -> Market:
        """The listed market `ticker` (a 404 refusal if there is none)."""
        market = self.markets.get(ticker) if isinstance(ticker, str) else None
        if market is None:
            raise LedgerError(f"unknown market {ticker!r}", status=404)
        return market

    def clear(self) -> None:
        """Empty what the ledger holds (a reset); the ids drawn go on (an id names one thing over the mock's life)."""
        for held in (self.accounts, self.series, self.events, self.markets, self.listed):
            held.clear()
        self.markets_version += 1
        if isinstance(self.market_ids, IdFactory):  # (a market listed again after a reset is another: another id)
            self.market_id_key = self.market_ids.keyed()
        self.exchange_indexes = {0}
        self.exchange = ExchangeStatus()
        self.user_data_updated = None
        self.due_times.clear()
        self.due_at.clear()
        self.positions.clear()
        self.fills.clear()
        indexes = (self.fill_index, self.market_trades, self.trades, self.settlements, self.deposits, self.withdrawals)
        for index in indexes:
            index.clear()
        self.block_trade_ids.clear()
        self.transfers.clear()
        self.fee_changes.clear()
        for kept in (self.orders, self.all_orders, self.client_orders, self.expiries, self.order_groups,
                     self.user_groups, self.groups_due):  # fmt: skip
            kept.clear()
        self.order_index.clear()
        self.usage_levels.clear()
        self.subaccount_state.clear()
        self.archive.clear()
        self.fcm_state.clear()
        self.rfq_makers.clear()
        self.communications.clear()
        self.block_trades.clear()
        self.rfq_batches.clear()
        self.price_feeds.clear()
        self.multivariate.clear()
        told = (self.milestones, self.structured_targets, self.incentive_programs, self.weather, self.announcements)
        for part in told:
            part.clear()
        self.history.forget()  # a reset is not lagged: the empty state shows at once
        for index in (self.fill_index, self.settlements):
            index.seal()
