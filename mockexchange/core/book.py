"""An order book: one instrument's resting orders on integer price levels in price-time priority, and the matching
loop that crosses an incoming order with them.

Venue-neutral. Prices and sizes are integers in units the venue picks (Kalshi: ten-thousandths of a dollar on the YES
book and hundredths of a contract; Deribit: its ticks and amount steps); who owns an order is opaque (`owner`, compared
only for self-trade prevention); what an order carries beyond its terms rides in `data`. The venue's rules (which
prices are levels, fees, collateral, what a fill does to money, when an order may rest) stay in its own core package:
the book orders, matches and says which levels changed, nothing else.

Determinism: time priority is the book's own counter (`seq`), never a clock, so the same commands make the same book
and the same matches on every run and on a replay of the state file. Every change answers the levels it changed
(`LevelChange`: the side, the price, the size there before and after), in the order they changed, so a venue can
publish book deltas without comparing snapshots. The book is never crossed at rest: `add` refuses an order that would
cross (it must be matched first), and `match` only ever takes from the opposite side.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

Side = Literal["bid", "ask"]
BID: Side = "bid"
ASK: Side = "ask"
# What happens when an incoming order would trade with an order of its own owner:
#   None             they trade (the venue allows self-trades);
#   "cancel_taker"   the incoming order's remainder is cancelled there (Kalshi's taker_at_cross);
#   "cancel_maker"   the resting order is cancelled and matching goes on (Kalshi's maker).
SelfTrade = Literal["cancel_taker", "cancel_maker"] | None
SELF_TRADE_RULES = ("cancel_taker", "cancel_maker")


class BookError(ValueError):
    """A book operation that cannot be done: an unknown or duplicate order id, a size or price out of range, an
    order that would cross the book."""


def opposite(side: Side) -> Side:
    return ASK if side == BID else BID


@dataclass(slots=True)
class Resting:
    """An order at rest. `size` is what remains of it; `seq` its place in time (smaller: earlier)."""

    order_id: str
    owner: Any
    side: Side
    price: int
    size: int
    seq: int
    data: Any = None


class LevelChange(NamedTuple):
    side: Side
    price: int
    before: int  # the size resting at the level before the change (0: there was none)
    after: int  # and after it (0: the level is gone)


@dataclass(slots=True)
class Match:
    """One trade of the incoming order with one resting order, at the resting order's price. (A slotted class: its
    fields are read many times a match, each a descriptor's call on a NamedTuple.)"""

    maker: Resting  # the resting order (once applied, its `size` is what this match left of it)
    price: int
    size: int


@dataclass(slots=True)
class Matched:
    """What `match` did (or `plan` would do): the trades in order, the size of the incoming order left unmatched, the
    resting orders self-trade prevention cancelled, whether it stopped the incoming order (cancel_taker), and the
    levels changed."""

    matches: list[Match] = field(default_factory=list)
    left: int = 0
    cancelled: list[Resting] = field(default_factory=list)
    stopped: bool = False
    changes: list[LevelChange] = field(default_factory=list)
    steps: list[tuple[Resting, int]] = field(default_factory=list, repr=False)  # a plan's, in order (0: a cancel)

    @property
    def filled(self) -> int:
        return sum(m.size for m in self.matches)


class _Level:
    """The orders resting at one price, oldest first (a dict keeps insertion order and drops one in O(1))."""

    __slots__ = ("orders", "size")

    def __init__(self) -> None:
        self.orders: dict[str, Resting] = {}
        self.size = 0


class _Levels:
    """One side's levels: each by its key, and the keys in order, best first. A level opens and closes far less
    often than the side is walked or its best read, so the order is a plain list kept by bisection."""

    __slots__ = ("at", "keys")

    def __init__(self) -> None:
        self.at: dict[int, _Level] = {}
        self.keys: list[int] = []

    def open(self, key: int) -> _Level:
        level = self.at[key] = _Level()
        insort(self.keys, key)
        return level

    def close(self, key: int) -> None:
        del self.at[key]
        del self.keys[bisect_left(self.keys, key)]


class Book:
    """One instrument's resting orders. Bids are kept under their negated price so that both sides iterate best
    first."""

    def __init__(self) -> None:
        self._sides: dict[Side, _Levels] = {BID: _Levels(), ASK: _Levels()}
        self._orders: dict[str, Resting] = {}
        self._seq = 0

    # -- reads -----------------------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._orders)

    def __contains__(self, order_id: str) -> bool:
        return order_id in self._orders

    def get(self, order_id: str) -> Resting | None:
        return self._orders.get(order_id)

    def orders(self) -> Iterator[Resting]:
        """Every resting order, in no particular order."""
        return iter(self._orders.values())

    def best(self, side: Side) -> tuple[int, int] | None:
        """The best price on a side and the size resting there; None for an empty side."""
        levels = self._sides[side]
        if not levels.keys:
            return None
        key = levels.keys[0]
        return _price(side, key), levels.at[key].size

    def levels(self, side: Side, depth: int | None = None) -> list[tuple[int, int]]:
        """(price, size) of a side's levels, best first; `depth` of them at most (None: all)."""
        levels = self._sides[side]
        at = levels.at
        return [
            (_price(side, key), at[key].size) for key in (levels.keys[:depth] if depth is not None else levels.keys)
        ]

    def at(self, side: Side, price: int) -> Iterator[Resting]:
        """The orders resting at one level, in queue order (the first to trade first)."""
        level = self._sides[side].at.get(_key(side, price))
        return iter(level.orders.values()) if level is not None else iter(())

    def size_at(self, side: Side, price: int) -> int:
        level = self._sides[side].at.get(_key(side, price))
        return level.size if level is not None else 0

    def queue_ahead(self, order_id: str) -> int:
        """The size resting before the order at its price (what must trade before it does)."""
        return self.queues_ahead([order_id])[order_id]

    def queues_ahead(self, order_ids: Iterable[str], step: Callable[[], None] | None = None) -> dict[str, int]:
        """`queue_ahead` of each of the orders, each level they rest at walked once, as far as the last of them (many
        orders at one level cost a walk of it, not a walk each); `step` is called as each order walked is passed."""
        wanted: dict[tuple[Side, int], set[str]] = {}
        for order_id in order_ids:
            order = self._order(order_id)
            wanted.setdefault((order.side, _key(order.side, order.price)), set()).add(order_id)
        found: dict[str, int] = {}
        for (side, key), ids in wanted.items():
            ahead, left = 0, len(ids)
            for other in self._sides[side].at[key].orders.values():
                if step is not None:
                    step()
                if other.order_id in ids:
                    found[other.order_id] = ahead
                    left -= 1
                    if not left:
                        break
                ahead += other.size
            if left:
                raise AssertionError("a resting order is missing from its level")  # the book's own invariant
        return found

    def crosses(self, side: Side, price: int) -> bool:
        """Whether an order on `side` at `price` would trade with what rests on the other side."""
        best = self.best(opposite(side))
        return best is not None and _crosses(side, price, best[0])

    def reach(self, side: Side, size: int, limit: int | None, self_trade: SelfTrade, most: int) -> int:
        """At most how many resting orders an incoming order would trade with or cancel (counted up to `most` + 1,
        level by level, never order by order): what tells a venue a match will be long before it plans it. Each
        order takes at least one unit of `size`; one `cancel_maker` cancels takes none, so then every order of a
        level it reaches counts."""
        reached, left = 0, size
        other = opposite(side)
        levels = self._sides[other]
        for key in levels.keys:
            if left <= 0 or reached > most or (limit is not None and not _crosses(side, limit, _price(other, key))):
                break
            level = levels.at[key]
            reached += len(level.orders) if self_trade == "cancel_maker" else min(len(level.orders), left)
            left -= level.size
        return reached

    def reached(self, side: Side, size: int, limit: int | None) -> Iterator[Resting]:
        """The resting orders an incoming order would reach, in the order it would (self-trade prevention aside)."""
        other = opposite(side)
        levels = self._sides[other]
        for key in levels.keys:  # (read as it is: whoever asks changes nothing until it is done)
            if size <= 0 or (limit is not None and not _crosses(side, limit, _price(other, key))):
                return
            for order in levels.at[key].orders.values():
                if size <= 0:
                    return
                size -= order.size
                yield order

    def plan(
        self,
        side: Side,
        size: int,
        limit: int | None,
        owner: Any,
        self_trade: SelfTrade = None,
        *,
        may_take: Callable[[Resting], bool] | None = None,
        step: Callable[[], None] | None = None,
    ) -> Matched:
        """What `match` would do now, changing nothing: its matches (each maker's `size` still what rests), what
        self-trade prevention would cancel, whether it would stop, what would be left (`changes` stays empty until
        `apply`). A venue checks the fills it would make (its collateral, its bounds) before any of them happens.
        `step` (a long command's) is called after each resting order looked at."""
        if size <= 0:
            raise BookError(f"an order's size must be positive, not {size}")
        if self_trade is not None and self_trade not in SELF_TRADE_RULES:
            raise BookError(f"self-trade rule {self_trade!r} is none of {', '.join(SELF_TRADE_RULES)}")
        done = Matched(left=size)
        other = opposite(side)
        levels = self._sides[other]
        at = levels.at
        for key in levels.keys:
            level, price = at[key], _price(other, key)
            if not done.left or (limit is not None and not _crosses(side, limit, price)):
                break
            for order in level.orders.values():
                if not done.left:
                    break
                if step is not None:
                    step()
                if self_trade is not None and order.owner == owner:
                    if self_trade == "cancel_taker":
                        done.stopped = True
                        return done
                    done.cancelled.append(order)
                    done.steps.append((order, 0))
                    continue
                if may_take is not None and not may_take(order):
                    continue
                taken = min(done.left, order.size)
                done.left -= taken
                done.matches.append(Match(order, price, taken))
                done.steps.append((order, taken))
        return done

    # -- changes ---------------------------------------------------------------------------------------------------

    def add(self, order_id: str, owner: Any, side: Side, price: int, size: int, data: Any = None) -> LevelChange:
        """Rest an order behind every order at its price. It must not cross the book: match it first."""
        if order_id in self._orders:
            raise BookError(f"order {order_id!r} is already in the book")
        if size <= 0:
            raise BookError(f"a resting order's size must be positive, not {size}")
        if self.crosses(side, price):
            raise BookError(f"{side} at {price} would cross the book: match it before it rests")
        self._seq += 1
        order = Resting(order_id, owner, side, price, size, self._seq, data)
        levels = self._sides[side]
        key = _key(side, price)
        level = levels.at.get(key)
        if level is None:
            level = levels.open(key)
        before = level.size
        level.orders[order_id] = order
        level.size += size
        self._orders[order_id] = order
        return LevelChange(side, price, before, level.size)

    def cancel(self, order_id: str) -> tuple[Resting, LevelChange]:
        """Take an order out of the book."""
        order = self._order(order_id)
        return order, self._remove(order)

    def restore(self, order: Resting) -> LevelChange:
        """Put back an order `cancel` took out, at its place in time (a change refused once it had left the book).
        It must not cross the book."""
        if order.order_id in self._orders:
            raise BookError(f"order {order.order_id!r} is already in the book")
        levels, key = self._sides[order.side], _key(order.side, order.price)
        level = levels.at.get(key) or levels.open(key)
        before = level.size
        ordered = sorted((*level.orders.values(), order), key=lambda resting: resting.seq)
        level.orders = {resting.order_id: resting for resting in ordered}
        level.size += order.size
        self._orders[order.order_id] = order
        return LevelChange(order.side, order.price, before, level.size)

    def reduce(self, order_id: str, size: int) -> LevelChange:
        """Make an order smaller in place: it keeps its place in time. (Making one larger, or moving its price, is a
        cancel and a new `add` behind the others: the venue decides which it does.)"""
        order = self._order(order_id)
        if not 0 < size <= order.size:
            raise BookError(f"order {order_id!r} may be reduced to 1..{order.size}, not {size}")
        level = self._sides[order.side].at[_key(order.side, order.price)]
        before = level.size
        level.size -= order.size - size
        order.size = size
        return LevelChange(order.side, order.price, before, level.size)

    def match(
        self,
        side: Side,
        size: int,
        limit: int | None,
        owner: Any,
        self_trade: SelfTrade = None,
        *,
        may_take: Callable[[Resting], bool] | None = None,
    ) -> Matched:
        """Cross an incoming order (`side`, `size`, up to `limit`, None for any price) with the resting orders, best
        price first and oldest first at a price, each match at the resting order's price. The incoming order never
        rests here: what is left is the caller's to rest (`add`), or not. `may_take` (optional) is asked before each
        match whether that resting order may trade (a venue's own condition, such as a maker's collateral); an order
        it refuses is skipped, left in place. `plan` then `apply`, in one step."""
        return self.apply(self.plan(side, size, limit, owner, self_trade, may_take=may_take))

    def apply(self, planned: Matched, step: Callable[[], None] | None = None) -> Matched:
        """Make what `plan` answered happen (nothing in the book may have changed since): each match takes from its
        maker (a maker's `size` then is what is left of it), each self-trade cancellation leaves; the levels changed,
        each once, go to `planned.changes`. Answers `planned`. `step` as `plan`'s."""
        before: dict[tuple[Side, int], tuple[_Level, int]] = {}  # each level moved, and its size before
        for order, taken in planned.steps:
            if step is not None:
                step()
            levels = self._sides[order.side]
            key = _key(order.side, order.price)
            level = levels.at[key]
            before.setdefault((order.side, order.price), (level, level.size))
            if taken:
                level.size -= taken
                order.size -= taken
                if not order.size:
                    del level.orders[order.order_id]
                    del self._orders[order.order_id]
            else:
                self._drop(level, order)
            if not level.orders:
                levels.close(key)
        # (a level closed holds nothing: its size is 0)
        planned.changes = [LevelChange(s, p, size, level.size) for (s, p), (level, size) in before.items()]
        planned.steps = []
        return planned

    def clear(self) -> list[LevelChange]:
        """Take every order out (a market settled, a reset); the levels that went, bids then asks, best first."""
        changes = [LevelChange(side, p, s, 0) for side in (BID, ASK) for p, s in self.levels(side)]
        self._sides = {BID: _Levels(), ASK: _Levels()}
        self._orders.clear()
        return changes

    # -- inside ----------------------------------------------------------------------------------------------------

    def _order(self, order_id: str) -> Resting:
        order = self._orders.get(order_id)
        if order is None:
            raise BookError(f"no order {order_id!r} rests in the book")
        return order

    def _remove(self, order: Resting) -> LevelChange:
        levels = self._sides[order.side]
        key = _key(order.side, order.price)
        level = levels.at[key]
        before = level.size
        self._drop(level, order)
        if not level.orders:
            levels.close(key)
        return LevelChange(order.side, order.price, before, level.size)

    def _drop(self, level: _Level, order: Resting) -> None:
        del level.orders[order.order_id]
        del self._orders[order.order_id]
        level.size -= order.size


def merged(changes: Iterable[LevelChange]) -> list[LevelChange]:
    """Several changes of one action as each level's one change: in the order the levels first moved, from the size
    before the first to the size after the last; a level back where it was is left out."""
    spans: dict[tuple[Side, int], list[int]] = {}  # level -> [size before its first change, size after its last]
    for change in changes:
        span = spans.get((change.side, change.price))
        if span is None:
            spans[(change.side, change.price)] = [change.before, change.after]
        else:
            span[1] = change.after
    return [
        LevelChange(side, price, before, after) for (side, price), (before, after) in spans.items() if before != after
    ]


def _key(side: Side, price: int) -> int:
    return -price if side == BID else price


def _price(side: Side, key: int) -> int:
    return -key if side == BID else key


def _crosses(side: Side, price: int, resting: int) -> bool:
    """An order on `side` at `price` trades with a resting order of the other side at `resting`."""
    return price >= resting if side == BID else price <= resting
