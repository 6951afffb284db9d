"""A perps order as the exchange keeps it: its terms, what it filled and what rests, and why it last changed (the
spec's LastUpdateReason)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mockexchange.core.book import SelfTrade

SIDES = ("bid", "ask")
TIME_IN_FORCE = ("fill_or_kill", "good_till_canceled", "immediate_or_cancel")
SELF_TRADE = ("taker_at_cross", "maker")
BOOK_RULE: dict[str, SelfTrade] = {"taker_at_cross": "cancel_taker", "maker": "cancel_maker"}  # (core/book.py's)
STATUSES = ("resting", "canceled", "executed")
# Why an order last changed (LastUpdateReason); "" : placed and not changed since
TRADE, DECREASE, AMEND = "Trade", "Decrease", "Amend"
SELF_TRADE_CANCEL, EXPIRY_CANCEL = "SelfTradeCancel", "ExpiryCancel"
POST_ONLY_CANCEL, REDUCE_ONLY_CANCEL = "PostOnlyCrossCancel", "ReduceOnlyCancel"
MARGIN_CANCEL = "MarginCancel"  # cancelled by a liquidation
# Who placed an order (its `order_source`): its user, or the exchange (a liquidation, an exit trigger)
USER, SYSTEM = "user", "system"
# Why the exchange placed one (OrderReason)
LIQUIDATION, TAKE_PROFIT_STOP_LOSS = "liquidation", "take_profit_stop_loss"


@dataclass(slots=True)
class PerpOrder:
    order_id: str
    user_id: str
    subaccount: int
    ticker: str
    client_order_id: str
    side: str
    price: int  # price units
    count: int  # hundredths: the order's size as placed (or amended)
    time_in_force: str
    self_trade_prevention_type: str
    created: datetime
    updated: datetime
    seq: int  # the exchange's order counter: a page's key beside `created`
    filled: int = 0
    remaining: int = 0
    status: str = "resting"
    post_only: bool = False
    reduce_only: bool = False
    cancel_order_on_pause: bool = False
    expiration: datetime | None = None
    last_update_reason: str = ""
    filled_value: int = 0  # micro-dollars: the sum of each fill's count times its price
    fees: int = 0  # micro-dollars paid on its fills
    order_group_id: str | None = None
    reason: str | None = None  # why the exchange placed it (OrderReason; None: its user did)

    @property
    def source(self) -> str:
        return USER if self.reason is None else SYSTEM

    @property
    def buys(self) -> bool:
        return self.side == "bid"
