"""Kalshi's orders: what one order is (its terms, what it filled, what it holds of its owner's cash), Kalshi's words for
its options, and the arithmetic of what a resting order holds.

An order rests on its market's one book (core/book.py), on the YES side: a bid buys YES (buy YES, sell NO), an ask
buys NO (sell YES, buy NO); `yes_price` is its price on that book. It keeps the legacy `side` and `action` it was
placed with (an order of the v2 API: `yes` and `buy` for a bid, `yes` and `sell` for an ask). Amounts are integers in
units.py's units: counts in hundredths, prices in ten-thousandths of a dollar, costs, fees and cash in micro-dollars.

What a resting order holds of its owner's cash (`held`, moved out of the available balance while it rests, given back
as it fills, shrinks or ends): the price of the side it buys times what rests (its value, what
`total_resting_order_value` counts), plus the maker fees still to pay if what rests fills. An order's maker fills pay
together the fee of one fill of their total at its price (each fill the rise of that rounded total: Kalshi's fee
accumulator makes an order's fees converge to a single fill's), under the schedule in force when it began to rest
(`maker_rule`), so a fill takes from the order's hold exactly its cost and fee and the owner's available cash never
goes below what it was. A seeded order (the control plane's: a resting order stated as a fact, as a fill is) holds
nothing: what it fills is paid when it fills, so a state file written before orders matched restores to the same
balances.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from operator import attrgetter

from mockexchange.core.book import ASK, BID, SelfTrade, Side
from mockexchange.core.kalshi.checks import Terms
from mockexchange.core.kalshi.fees import FeeRule
from mockexchange.core.kalshi.units import CONTRACT, PRICE, contracts, dollars, price

TIME_IN_FORCE = ("fill_or_kill", "good_till_canceled", "immediate_or_cancel")
GTC, IOC, FOK = "good_till_canceled", "immediate_or_cancel", "fill_or_kill"
SELF_TRADE_TYPES = ("taker_at_cross", "maker")
# Kalshi's self-trade prevention words -> the book's
BOOK_RULES: dict[str, SelfTrade] = {"taker_at_cross": "cancel_taker", "maker": "cancel_maker"}
LIMIT, MARKET = "limit", "market"
ORDER_TYPES = (LIMIT, MARKET)  # a market order (the legacy API's) takes at any price it reaches, and never rests
RESTING, CANCELED, EXECUTED = "resting", "canceled", "executed"
STATUSES = (RESTING, CANCELED, EXECUTED)
MAX_BATCH = 1_000  # orders (or cancels) one batch may hold: the mock's bound (Kalshi's scales with the write budget)
ORDER = "order"  # the bus's kind for an order's change (the order as it stands after it)
# Why an order last changed, in Kalshi's words (the AsyncAPI's `lastUpdateReason`, the `user_order` message's
# `last_update_reason`); None: nothing since it was placed. A cancel the user asks for (one, all, a decrease to
# nothing, through a group's trigger or delete) is a Decrease: Kalshi counts a cancel as a decrease (`reduced_by`).
# The mock never makes MarginCancel, PostOnlyCrossCancel (it refuses the post-only order that would cross) nor
# SettlementBoundsCancel.
TRADE, AMEND, DECREASE = "Trade", "Amend", "Decrease"
SELF_TRADE_CANCEL, EXPIRY_CANCEL, REDUCE_ONLY_CANCEL = "SelfTradeCancel", "ExpiryCancel", "ReduceOnlyCancel"
CLOSE_CANCEL, HALT_CANCEL = "CloseCancel", "HaltCancel"  # the market closed (or settled); trading paused or resumed


@dataclass(slots=True, eq=False)
class Order:
    order_id: str
    user_id: str
    subaccount: int
    ticker: str
    exchange_index: int
    side: str  # the legacy side, "yes" or "no"
    action: str  # the legacy action, "buy" or "sell"
    yes_price: int  # its price on the YES book, price units
    initial: int  # hundredths: the count it was placed with (an amend makes it what it filled plus what rests)
    remaining: int  # hundredths resting (0 once it ended)
    created: datetime
    updated: datetime  # its last change: placed, filled, amended, decreased, ended
    client_order_id: str = ""
    time_in_force: str = GTC
    expiration_time: datetime | None = None
    post_only: bool = False
    self_trade_prevention_type: str | None = (
        None  # Kalshi's words (SELF_TRADE_TYPES); None: a seeded order, which states none
    )
    cancel_order_on_pause: bool = False
    order_group_id: str | None = None
    status: str = RESTING
    filled: int = 0  # hundredths
    taker_cost: int = 0  # micro-dollars paid for the side bought, taker fills
    maker_cost: int = 0
    taker_fees: int = 0
    maker_fees: int = 0
    held: int = 0  # micro-dollars of its owner's cash it holds while it rests
    maker_rule: FeeRule | None = None  # the fee schedule of its maker fills (while it rests)
    maker_run: int = 0  # hundredths filled as maker at its price since it began to rest there
    seeded: bool = False  # stated by the control plane: it holds none of its owner's cash (what it fills is paid then)
    order_type: str = LIMIT  # ORDER_TYPES; a market order's `yes_price` is the worst it may take (its limit)
    last_update_reason: str | None = None  # why it last changed (Kalshi's words above); None: placed, nothing since
    seq: int = 0  # its sequence in its user's order index (the ledger's `order_index`): (created, seq) is its key there

    @property
    def buys_yes(self) -> bool:
        return (self.side == "yes") == (self.action == "buy")

    @property
    def book_side(self) -> Side:
        return BID if self.buys_yes else ASK

    @property
    def paid(self) -> int:
        """The price of the side it buys, price units."""
        return self.yes_price if self.buys_yes else PRICE - self.yes_price

    @property
    def price(self) -> Decimal:
        """The price of its legacy `side`, dollars."""
        return price(self.yes_price if self.side == "yes" else PRICE - self.yes_price)

    @property
    def count(self) -> Decimal:
        """What rests, contracts."""
        return contracts(self.remaining)

    @property
    def value_units(self) -> int:
        """What what rests would pay if it filled: its count times the price of the side it buys, micro-dollars."""
        return self.remaining * self.paid

    @property
    def value(self) -> Decimal:
        """`value_units` in dollars."""
        return dollars(self.remaining * self.paid)

    @property
    def resting_whole(self) -> int:
        """What rests in whole contracts, rounded up (`resting_orders_count` counts them so)."""
        return whole(self.remaining)

    def terms(self, count: int, yes_price: int, fee: int) -> Terms:
        """A fill of `count` hundredths of this order at `yes_price`, paying `fee`, as the money road takes it."""
        buys = self.buys_yes
        price = yes_price if self.side == "yes" else PRICE - yes_price
        paid = yes_price if buys else PRICE - yes_price
        return Terms(self.side, self.action, buys, count, price, paid, yes_price, fee)

    def maker_fee(self, count: int) -> int:
        """The fee of a maker fill of `count` hundredths now: the rise of the rounded fee of its maker run."""
        rule = self.maker_rule
        if rule is None:
            return 0
        run = self.maker_run
        return rule.fee_units(run + count, self.yes_price, False) - rule.fee_units(run, self.yes_price, False)

    def holds(self) -> int:
        """What it should hold now: its value and the maker fees of what rests (0 once it ended, and for a seeded
        order)."""
        if not self.remaining or self.seeded:
            return 0
        return self.value_units + self.maker_fee(self.remaining)

    def answered(self) -> Order:
        """The order as an answer hands it out: itself once it ended (an ended order never changes again), else a
        copy that its later changes leave be."""
        return self if self.status != RESTING else self.copy()

    def copy(self) -> Order:
        """A copy that later changes of this order leave be (what the bus hands over)."""
        return Order(
            *_FIELDS(self)
        )  # every field in order: a sixth of `dataclasses.replace`'s cost, each answer pays it


_FIELDS = attrgetter(*(f.name for f in fields(Order)))


def whole(hundredths: int) -> int:
    """Hundredths of a contract in whole contracts, rounded up."""
    return -(-hundredths // CONTRACT)


def book_side(side: str, action: str) -> Side:
    return BID if (side == "yes") == (action == "buy") else ASK


@dataclass(slots=True)
class OrderOutcome:
    """What one order command did: the order as it stands after it (`Order.answered`), the hundredths it filled,
    what those fills came to at their YES prices and paid in fees (micro-dollars: their average price and fee), the
    hundredths it took off what rested (a cancel, a decrease; an amend's is negative if it grew), and when, on the
    exchange clock. (A slotted class: an answer reads its fields, each a descriptor's call on a NamedTuple.)"""

    order: Order
    filled: int
    yes_value: int
    fees: int
    reduced: int
    when: datetime
