"""Everything the perps exchange holds, in one object (what a state file's snapshot keeps of it, its wiring aside:
the clock, the bus, the lock, the id generator). Its parts (listing.py, trading.py, margin.py) read and change it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from mockexchange.core.book import Book
from mockexchange.core.clock import Clock
from mockexchange.core.events import EventBus
from mockexchange.core.order_groups import OrderGroup
from mockexchange.core.perps.exit_trigger_records import PerpExitTrigger
from mockexchange.core.perps.mark_path import PerpMarkPoint
from mockexchange.core.perps.markets import PerpMarket
from mockexchange.core.perps.orders import PerpOrder
from mockexchange.core.perps.positions import PerpPosition
from mockexchange.core.perps.records import (
    PerpCorporateAction,
    PerpFill,
    PerpFundingPayment,
    PerpFundingRate,
    PerpLiquidation,
    PerpTrade,
)
from mockexchange.core.stepping import StateLock

# The risk parameters' defaults (millionths of a margin ratio: equity over maintenance margin)
DEFAULT_LIQUIDATION_THRESHOLD = 1_000_000
DEFAULT_QUEUE_THRESHOLD = 1_200_000
DEFAULT_FUNDING_INTERVAL = timedelta(hours=1)  # funding times: every hour on the hour of the exchange clock


class PerpsState:
    def __init__(
        self, clock: Clock, bus: EventBus, ids: Callable[[], str], history_size: int,
        funding_interval: timedelta = DEFAULT_FUNDING_INTERVAL,
    ) -> None:  # fmt: skip
        self.clock, self.bus = clock, bus
        if history_size < 1:
            raise ValueError(f"the perps history size must be at least 1, not {history_size}")
        if not timedelta(seconds=1) <= funding_interval <= timedelta(days=1) or funding_interval.microseconds:
            raise ValueError(f"the funding interval must be whole seconds from 1 to a day, not {funding_interval}")
        self.history_size = history_size  # (a setting: history.py's bound, not state)
        self.funding_interval = funding_interval  # (a setting: funding times are its multiples from the epoch)
        self.ids = ids  # (state: a snapshot keeps where it stands, so ids go on after a restart)
        self.lock: Any = StateLock()  # (the margined cash's once the registration shares it: cash.py)
        self.clear()

    def clear(self) -> None:
        """Forget every market, order, position and setting (a reset)."""
        self.markets: dict[str, PerpMarket] = {}
        self.by_market_id: dict[str, str] = {}  # market_id -> ticker
        self.books: dict[str, Book] = {}
        self.orders: dict[str, PerpOrder] = {}
        self.user_orders: dict[str, list[PerpOrder]] = {}  # each user's orders, as placed
        self.resting: dict[str, set[str]] = {}  # each user's resting orders
        self.ended: dict[str, dict[str, None]] = {}  # each user's ended orders kept, by id, as they ended (history.py)
        self.client_ids: dict[tuple[str, str], str] = {}  # (user, client_order_id) -> a resting order's id
        # each account's (user, subaccount) positions by ticker (one flat gone back to 0 stays, flat)
        self.positions: dict[tuple[str, int], dict[str, PerpPosition]] = {}
        self.fills: dict[str, list[PerpFill]] = {}  # each user's, oldest first
        self.trades: dict[str, list[PerpTrade]] = {}  # each market's, oldest first
        self.volume_before: dict[str, list[int]] = {}  # each market's volume before each of its trades
        # each market's top of the book each time it moved: (Unix microseconds, best bid, best ask; -1: none), oldest
        # first (history.py's `quote`: its candles')
        self.quotes: dict[str, list[tuple[int, int, int]]] = {}
        self.expiries: list[tuple[datetime, int, str]] = []  # a heap: (when, seq, order_id) of resting orders
        self.order_groups: dict[str, OrderGroup] = {}
        self.user_groups: dict[str, dict[str, None]] = {}  # each user's group ids, as made
        self.groups_due: list[str] = []  # groups a command's matches took past their limit (order_groups.py's trip)
        # corporate action notices by id, oldest set first (corporate_actions.py's)
        self.corporate_actions: dict[str, PerpCorporateAction] = {}
        # risk limits (risk_limits.py), micro-dollars: Kalshi's on a user (each market's default, a market's own, the
        # account's), a member's own account limit, a subtrader's initial margin caps by scope
        self.notional_defaults: dict[str, int] = {}
        self.notional_markets: dict[str, dict[str, int]] = {}
        self.notional_accounts: dict[str, int] = {}
        self.member_limits: dict[str, int] = {}
        self.im_caps: dict[str, dict[tuple[str, str], int]] = {}
        self.fee_tiers: dict[str, int] = {}  # by user; absent: tier 0
        self.disabled: set[str] = set()  # users margin trading is not enabled for
        self.exchange_active = True
        self.trading_active = True
        self.liquidation_threshold = DEFAULT_LIQUIDATION_THRESHOLD
        self.queue_threshold = DEFAULT_QUEUE_THRESHOLD
        self.seq = 0  # orders, fills and trades, counted together
        # exit triggers (exit_triggers.py): each market's live ones by (user, subaccount, slot), as set; each user's
        # client_trigger_id keys, oldest first (its newest MAX_TRIGGER_KEYS)
        self.exit_triggers: dict[str, dict[tuple[str, int, str], dict[str, PerpExitTrigger]]] = {}
        self.trigger_keys: dict[str, dict[str, PerpExitTrigger]] = {}
        # liquidations (liquidation.py): each user's records, oldest first (its newest history_size kept), and the
        # accounts (user, subaccount) in the liquidation queue, since when
        self.liquidations: dict[str, list[PerpLiquidation]] = {}
        self.liquidation_queue: dict[tuple[str, int], datetime] = {}
        # Funding (premium.py, funding.py): each market's reference price and whether it trades, each time either
        # changed ((Unix microseconds, reference, active), oldest first, its newest `history_size`), the start of
        # its funding period now, its rates (oldest first, its newest `history_size`); each user's payments (oldest
        # first, its newest `history_size`); the next funding time (None: none listed yet)
        self.premium_inputs: dict[str, list[tuple[int, int, bool]]] = {}
        self.funding_start: dict[str, datetime] = {}
        self.funding_rates: dict[str, list[PerpFundingRate]] = {}
        self.funding_payments: dict[str, list[PerpFundingPayment]] = {}
        self.funding_due: datetime | None = None
        # Marks set for later (mark_path.py): each market's points ahead of the clock, in time order
        self.mark_paths: dict[str, list[PerpMarkPoint]] = {}

    def new_id(self) -> str:
        return self.ids()

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq
