"""Deribit's public order books, derived from every account's resting orders: per instrument, the amount resting at
each price on each side, and the change that moved it (`public/get_order_book`, the `book.*` channels).

`PublicLevels` follows the Deribit exchange's bus: each resting order's change (`orders.CHANGE`, one per change, the
order as it is now) moves its instrument's levels, under the exchange's lock, in the publishing thread. An order counts
while it is `open` with a price and something left: its shown part (`max_show`, capped by what remains); stop and take
orders wait off the book (`untriggered`). Each move that changes a level draws the next `change_id` (one sequence for
every instrument, so an instrument's ids only grow; its previous one is the move's `prev_change_id`) and is kept as
the last move (`moved_by`), for the venue's fan-out to hand over behind the order's change. The levels are built afresh
from the resting orders when the exchange's orders are not those last followed (a reset, a state file's snapshot loaded
under it): a read never serves levels the orders do not hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from mockexchange.core.deribit.bounds import ZERO
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.orders import CHANGE, DerivativeOrder, DerivativeOrders
from mockexchange.core.events import Change

RESET = "derivatives.reset"
Entry = tuple[str, Decimal, Decimal]  # ("new" | "change" | "delete", price, amount): a move of one level
_Held = tuple[str, str, Decimal, Decimal]  # an order's part of the book: instrument, direction, price, amount shown
_UNSEEN = DerivativeOrders()  # no orders followed yet: the first read builds the levels


@dataclass(frozen=True, slots=True)
class LevelsMoved:
    """One move of an instrument's book: the levels it changed on each side."""

    instrument_name: str
    change_id: int
    prev_change_id: int
    timestamp: datetime
    bids: tuple[Entry, ...]
    asks: tuple[Entry, ...]


@dataclass(slots=True)
class InstrumentLevels:
    """The amount resting at each price of one instrument, and its last move's id and time (None: never moved)."""

    bids: dict[Decimal, Decimal] = field(default_factory=dict)
    asks: dict[Decimal, Decimal] = field(default_factory=dict)
    change_id: int = 0
    timestamp: datetime | None = None

    def side(self, direction: str) -> dict[Decimal, Decimal]:
        return self.bids if direction == "buy" else self.asks

    def levels(self, direction: str, depth: int) -> list[tuple[Decimal, Decimal]]:
        """The first `depth` levels of a side, best first (bids from the highest price, asks from the lowest)."""
        if depth <= 0:
            return []
        side = self.side(direction)
        prices = sorted(side, reverse=direction == "buy")[:depth]  # (heapq's nlargest is slower on Decimals)
        return [(price, side[price]) for price in prices]

    def best(self, direction: str) -> tuple[Decimal, Decimal] | None:
        side = self.side(direction)
        if not side:
            return None
        price = max(side) if direction == "buy" else min(side)
        return price, side[price]


@dataclass(frozen=True, slots=True)
class LevelsView:
    """An instrument's book as one read saw it: its levels to a depth, best first, and its last move."""

    instrument_name: str
    bids: list[tuple[Decimal, Decimal]]
    asks: list[tuple[Decimal, Decimal]]
    best_bid: tuple[Decimal, Decimal] | None
    best_ask: tuple[Decimal, Decimal] | None
    change_id: int
    timestamp: datetime | None


def shown(order: DerivativeOrder) -> _Held | None:
    """What an order puts on the book: nothing unless it rests open at a price with something left to show."""
    if order.order_state != "open" or order.price is None:
        return None
    amount = min(order.remaining, order.max_show)
    if amount <= ZERO:
        return None
    return order.instrument_name, order.direction, order.price, amount


class PublicLevels:
    """Every instrument's public book, kept current from the Deribit exchange's order changes (the module docstring).
    Read it with the exchange's lock held (`view`, `moved_by`)."""

    def __init__(self, exchange: DeribitExchange) -> None:
        self.exchange = exchange
        self._instruments: dict[str, InstrumentLevels] = {}
        self._held: dict[str, _Held] = {}  # order id -> its part of the book
        self._source: DerivativeOrders | None = _UNSEEN  # the exchange's orders the levels were built from
        self._next_change_id = 1
        self._last: tuple[Change, LevelsMoved | None] | None = None
        exchange.state.bus.subscribe(self._on_change, (CHANGE, RESET))

    # -- reads (the exchange's lock held) ---------------------------------------------------------------------------

    def view(self, instrument_name: str, depth: int) -> LevelsView:
        self._sync()
        found = self._instruments.get(instrument_name) or InstrumentLevels()
        return LevelsView(
            instrument_name,
            found.levels("buy", depth),
            found.levels("sell", depth),
            found.best("buy"),
            found.best("sell"),
            found.change_id,
            found.timestamp,
        )

    def best(self, instrument_name: str) -> tuple[Decimal | None, Decimal | None]:
        """The instrument's best bid and ask prices (None: a side with no order)."""
        self._sync()
        found = self._instruments.get(instrument_name)
        if found is None:
            return None, None
        return (max(found.bids) if found.bids else None), (min(found.asks) if found.asks else None)

    def moved_by(self, change: Change) -> LevelsMoved | None:
        """The move an order change made (None: it changed no level), while it is the last one published."""
        last = self._last
        return last[1] if last is not None and last[0] is change else None

    # -- following the exchange (its lock held) ---------------------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        if change.kind == RESET:
            self._sync()
            self._last = None
            return
        order: DerivativeOrder = change.payload
        name = order.instrument_name
        # the first order, or orders loaded under the exchange: built afresh
        if self.exchange.state.orders is not self._source:
            before = self._instruments.get(name) or InstrumentLevels()
            old_bids, old_asks = dict(before.bids), dict(before.asks)
            self._sync()
            after = self._instruments.get(name) or InstrumentLevels()
            moved = self._moved(name, _diff(old_bids, after.bids), _diff(old_asks, after.asks))
        else:
            moved = self._apply(order)
        self._last = (change, moved)

    def _apply(self, order: DerivativeOrder) -> LevelsMoved | None:
        old = self._held.pop(order.order_id, None)
        new = shown(order)
        if new is not None:
            self._held[order.order_id] = new
        touched: dict[tuple[str, Decimal], Decimal] = {}  # (direction, price) -> the level's amount before
        target = self._instruments.setdefault(order.instrument_name, InstrumentLevels())
        for held, sign in ((old, -1), (new, 1)):
            if held is None:
                continue
            _, direction, price, amount = held
            side = target.side(direction)
            touched.setdefault((direction, price), side.get(price, ZERO))
            left = side.get(price, ZERO) + sign * amount
            if left > ZERO:
                side[price] = left
            else:
                side.pop(price, None)
        moves: dict[str, list[Entry]] = {"buy": [], "sell": []}
        for (direction, price), before in touched.items():
            entry = _entry(price, before, target.side(direction).get(price, ZERO))
            if entry is not None:
                moves[direction].append(entry)
        return self._moved(order.instrument_name, moves["buy"], moves["sell"])

    def _moved(self, name: str, bids: list[Entry], asks: list[Entry]) -> LevelsMoved | None:
        if not bids and not asks:
            return None
        target = self._instruments.setdefault(name, InstrumentLevels())
        previous, target.change_id = target.change_id, self._next_change_id
        self._next_change_id += 1
        target.timestamp = self.exchange.state.clock.now()
        return LevelsMoved(name, target.change_id, previous, target.timestamp, tuple(bids), tuple(asks))

    def _sync(self) -> None:
        """Build the levels afresh from the resting orders if they are not those last followed."""
        source = self.exchange.state.orders
        if source is self._source:
            return
        self._source = source
        self._held.clear()
        for kept in self._instruments.values():  # each instrument keeps its last change id: ids only grow
            kept.bids.clear()
            kept.asks.clear()
        if source is None:
            return
        for wallet_open in source.open.values():
            for order_id in wallet_open:
                held = shown(source.orders[order_id])
                if held is None:
                    continue
                self._held[order_id] = held
                name, direction, price, amount = held
                side = self._instruments.setdefault(name, InstrumentLevels()).side(direction)
                side[price] = side.get(price, ZERO) + amount


def _entry(price: Decimal, before: Decimal, after: Decimal) -> Entry | None:
    if before == after:
        return None
    if before == ZERO:
        return ("new", price, after)
    return ("delete", price, ZERO) if after == ZERO else ("change", price, after)


def _diff(before: dict[Decimal, Decimal], after: dict[Decimal, Decimal]) -> list[Entry]:
    entries = (_entry(price, before.get(price, ZERO), after.get(price, ZERO)) for price in sorted({*before, *after}))
    return [entry for entry in entries if entry is not None]
