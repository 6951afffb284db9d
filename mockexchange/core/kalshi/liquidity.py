"""Scripted liquidity: levels of a market's book that the house holds, set and changed by the control plane (the
admin API, `MockServer`, scenario steps), and the book's clock and changes as they are published.

One book per market (core/book.py's `Book`), on the YES side: a bid at p is a YES bid (buy YES, or sell NO), an ask at
p a YES ask, which Kalshi's wire shows as a NO bid at 1 - p. The house is one ledger account under a reserved id
(`HOUSE`, which no client can take), made when it first rests liquidity; it rests one order at each of its levels, and
is the maker's side of every match with them (matching.py): it takes the positions clients trade against, so a
market's positions sum to zero. Clients' orders rest in the same book (trading.py); levels that would cross them are
refused too.

`set_levels` is one exchange action: it replaces the house's YES bids, NO bids, or both, in Kalshi's words (prices as
the YES and NO prices the wire writes, counts in hundredths), every price a level of the market's price level
structure; the levels that move are published as one `BookMoved` (each level once, with its size before and after),
and the market's book clock counts one more. A call that would cross the book changes nothing. Clearing a book (a
market closes, is determined, resumes after a pause, a reset) is an action too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from mockexchange.core.book import ASK, BID, Book, LevelChange, Side, merged
from mockexchange.core.clock import unix_us
from mockexchange.core.columns import Column
from mockexchange.core.events import Change
from mockexchange.core.kalshi.accounts import HOUSE, Account
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.lifecycle import refusal
from mockexchange.core.kalshi.market_changes import BOOK, BookMoved, Cause
from mockexchange.core.kalshi.market_feed import best, touch
from mockexchange.core.kalshi.markets import BookKeeping, Market, MarketBook
from mockexchange.core.kalshi.price_levels import is_level
from mockexchange.core.kalshi.units import PRICE, price

if TYPE_CHECKING:
    from mockexchange.core.kalshi.ledger_state import LedgerState

House = Mapping[tuple[str, int], str]  # (side, price) -> the house's order there
Wanted = Mapping[Side, dict[int, int]]  # side -> price -> size: what the house's levels become
MAX_LEVELS = 1000  # levels of one side one call may set


def _levels(side: str, levels: Iterable[tuple[int, int]], market: Market) -> dict[int, int]:
    """A side's levels as YES-book prices to sizes (a NO bid at q rests as a YES ask at 1 - q), checked."""
    found: dict[int, int] = {}
    for wire_price, size in levels:
        if not is_level(market.price_level_structure, wire_price):
            raise LedgerError(
                f"{side} price {price(wire_price)} is not a level of {market.ticker!r} ({market.price_level_structure})"
            )
        if size <= 0:
            raise LedgerError(f"{side} count at {price(wire_price)} must be positive")
        book_price = wire_price if side == "yes" else PRICE - wire_price
        if book_price in found:
            raise LedgerError(f"{side} price {price(wire_price)} is given twice")
        found[book_price] = size
    if len(found) > MAX_LEVELS:
        raise LedgerError(f"{side} takes at most {MAX_LEVELS} levels")
    return found


class Liquidity:
    """The house's levels (`ledger.liquidity`), under the ledger's lock; `run_due` makes the lifecycle's transitions
    due by now (lifecycle.py's `run_due_now`)."""

    def __init__(self, state: LedgerState, run_due: Callable[[], None]) -> None:
        self.state = state
        self.run_due = run_due

    def set_levels(
        self, ticker: str, yes: Iterable[tuple[int, int]] | None, no: Iterable[tuple[int, int]] | None
    ) -> Market:
        """Replace the house's YES bids (`yes`) and NO bids (`no`) of an active market on a trading exchange (a side
        not given keeps its levels; an empty one has none): (price units of that side, hundredths)."""
        state = self.state
        with state.lock:
            self.run_due()
            market = state.market(ticker)
            why = refusal(market) or state.exchange.refusal_now(state.clock)
            if why is not None:
                raise LedgerError(f"{why}: its book takes no liquidity", status=409)
            wanted: dict[Side, dict[int, int]] = {}
            if yes is not None:
                wanted[BID] = _levels("yes", yes, market)
            if no is not None:
                wanted[ASK] = _levels("no", no, market)
            book = market.book if market.book is not None else MarketBook()
            house = market.house if market.house is not None else {}
            self._check_uncrossed(book, house, wanted)
            now = state.clock.now()
            self._house_account(now)
            market.book = book
            market.keeping().house = house
            touch(market, now)
            changes = _replace(market, book, house, wanted)
            book_moved(state, market, changes, now)
            return market

    def _check_uncrossed(self, book: Book, house: House, wanted: Wanted) -> None:
        """Refuse levels that would leave the book crossed (its best bid at or above its best ask)."""
        best: dict[Side, int | None] = {}
        for side in (BID, ASK):
            if side in wanted:
                prices = list(wanted[side])
                other = _best_not_house(book, house, side)
                if other is not None:
                    prices.append(other)
                best[side] = (max(prices) if side == BID else min(prices)) if prices else None
            else:
                found = book.best(side)
                best[side] = found[0] if found is not None else None
        bid, ask = best[BID], best[ASK]
        if bid is not None and ask is not None and bid >= ask:
            raise LedgerError(
                f"the YES bid at {price(bid)} would meet the NO bid at {price(PRICE - ask)} (a YES ask at "
                f"{price(ask)}): a book's levels never cross"
            )

    def _house_account(self, now: datetime) -> None:
        accounts = self.state.accounts
        if HOUSE not in accounts:
            account = Account(HOUSE)
            account.move_cash(0, 0, 0, now)
            accounts[HOUSE] = account


def book_moved(
    state: LedgerState, market: Market, changes: list[LevelChange], when: datetime, cause: Cause | None = None
) -> None:
    """One exchange action moved these levels of the market's book (`cause`: whose order it was; None: the
    exchange's, the house's): the book's clock counts it, and it is published."""
    if not changes:
        return
    kept = market.keeping()
    kept.clock += 1
    state.market_changed(market)
    _quote(market, kept, when)
    bus = state.bus
    if bus.takers(BOOK):
        moved = BookMoved(market.ticker, kept.clock, tuple(changes), when, cause)
        bus.publish(Change(BOOK, None, moved))


def check_book_fits(market: Market, structure: str) -> None:
    """Refuse a price level structure that some level of the market's book is not on."""
    book = market.book
    for side in (BID, ASK):
        for at, _ in book.levels(side) if book is not None else ():
            wire = at if side == BID else PRICE - at
            if not is_level(structure, wire):
                raise LedgerError(
                    f"the book of {market.ticker!r} has a level at {price(wire)}, which is not a level of "
                    f"{structure}: clear it first",
                    status=409,
                )


def _quote(market: Market, kept: BookKeeping, when: datetime) -> None:
    """Keep the top of the book if it moved (candles.py's bid and ask history), in what `kept` keeps of it."""
    bid, _, ask, _ = best(market)
    top = (-1 if bid is None else bid, -1 if ask is None else ask)
    quotes = kept.quotes
    if quotes is None:
        quotes = kept.quotes = Column("q")
    elif quotes and quotes[-2] == top[0] and quotes[-1] == top[1]:  # (whole rows of 3 values: a time, the top)
        return
    quotes.extend((unix_us(when), *top))


def house_size(book: Book, house: House | None, side: Side, at: int) -> int:
    """What the house rests at one level of `book` (0: nothing); `house` is the market's map of its orders."""
    order_id = house.get((side, at)) if house else None
    resting = book.get(order_id) if order_id is not None else None
    return resting.size if resting is not None else 0


def _best_not_house(book: Book, house: House, side: Side) -> int | None:
    """The best price on `side` where something other than the house rests."""
    for at, size in book.levels(side):
        if size > house_size(book, house, side, at):
            return at
    return None


def _replace(market: Market, book: Book, house: dict[tuple[str, int], str], wanted: Wanted) -> list[LevelChange]:
    """Make the house's levels of each side in `wanted` those sizes; answers each level that moved, once."""
    moved: list[LevelChange] = []
    adds: list[tuple[Side, int, int]] = []
    for side, sizes in wanted.items():
        for key in [k for k in house if k[0] == side and k[1] not in sizes]:
            moved.append(book.cancel(house.pop(key))[1])
        for at, size in sizes.items():
            order_id = house.get((side, at))
            resting = book.get(order_id) if order_id is not None else None
            if resting is not None and size == resting.size:
                continue
            if resting is not None and size < resting.size:
                moved.append(book.reduce(resting.order_id, size))
                continue
            if resting is not None:
                moved.append(book.cancel(house.pop((side, at)))[1])
            adds.append((side, at, size))
    kept = market.keeping()
    for side, at, size in adds:  # after every level that went or shrank: never a cross on the way
        kept.house_orders += 1
        order_id = f"house-{kept.house_orders}"
        house[(side, at)] = order_id
        moved.append(book.add(order_id, HOUSE, side, at, size))
    return merged(moved)
