"""The frames of Kalshi's market data channels: one market change on its way to the connections subscribed to its
market, its messages rendered once and shared by all of them, each subscription's `sid` and `seq` (and the
`sending_ts_ms`) spliced in, as frames.py does for the private channels.

A change is rendered lazily, on the loop, once per variant: an `orderbook_delta` differs for the user who caused it
(its `client_order_id` and `subaccount`) and for a subscription that asked for `use_yes_price`, so a book change has
at most four renderings of each of its level changes, whatever the number of connections. `seq` is taken from the
subscription when its frame is made, in the order the connection sends its frames: no gap, no repeat. A delta whose
book clock is at or below the clock of the subscription's last snapshot of that market is left out: the snapshot
holds it already (a change published between the snapshot's read and the subscribe's reply).

The ticker channel's changes are made here too (`TickerWatch`, the fan-out's `derive`): in the publishing thread, as
a market's book or trades move, its stats are read and, when what a ticker shows changed, a `TickerMoved` is handed
over behind the change.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.events import Change
from mockexchange.core.kalshi.market_changes import (
    BOOK,
    EVENT,
    EVENT_FEE,
    LIFECYCLE,
    MVE_EVENT,
    MVE_LIFECYCLE,
    TRADE,
    BookMoved,
    MarketFeed,
    MarketStats,
)
from mockexchange.venues.kalshi.frames import CHANGE_BYTES, spliced
from mockexchange.venues.kalshi.market_messages import shown_stats
from mockexchange.venues.kalshi.profiles import Profile
from mockexchange.venues.kalshi.subscriptions import Subscription
from mockexchange.venues.outbox import Shared

TICKER_MOVED = "market_ticker_moved"  # the venue's own change kind: a market's ticker stats moved (TickerMoved)
MARKET_KINDS = (BOOK, TRADE, LIFECYCLE, MVE_LIFECYCLE, MVE_EVENT, EVENT, EVENT_FEE)
MVE_CHANNEL = "multivariate_market_lifecycle"
# Change kind -> the channel its frames go on, and their message type where it is not the channel's name
CHANNEL_OF = {
    BOOK: "orderbook_delta",
    TRADE: "trade",
    LIFECYCLE: "market_lifecycle_v2",
    TICKER_MOVED: "ticker",
    MVE_LIFECYCLE: MVE_CHANNEL,
    MVE_EVENT: MVE_CHANNEL,
    EVENT: "market_lifecycle_v2",
    EVENT_FEE: "market_lifecycle_v2",
}
_TYPES = {**CHANNEL_OF, MVE_EVENT: "event_lifecycle", EVENT: "event_lifecycle", EVENT_FEE: "event_fee_update"}
_HEADS = {kind: b'{"type":"%s","sid":' % kind_type.encode() for kind, kind_type in _TYPES.items()}
# A market's key in the fan-out; a connection added under EVERY_MARKET takes every market's changes.
MARKET = "market"
EVERY_MARKET = (MARKET, None)
NIL_UUID = "00000000-0000-0000-0000-000000000000"  # the id shown if a market has gone (a reset) since its change
# What one level a book change moved holds before it is rendered, in bytes (its `LevelChange` and the integers in it).
LEVEL_BYTES = 128


def change_bytes(change: Change) -> int:
    """What a change holds before it is rendered (a book change: each level it moved), in bytes: its weight in the
    fan-out's inboxes and the outboxes (venues/outbox.py)."""
    return CHANGE_BYTES + LEVEL_BYTES * len(change.payload.levels) if change.kind == BOOK else CHANGE_BYTES


def market_key(ticker: str | None) -> Hashable:
    """The fan-out key of a market's changes (None: every market's)."""
    return (MARKET, ticker)


@dataclass(frozen=True, slots=True)
class TickerMoved:
    """What a market's ticker shows moved (the venue's own change, derived from the book's and the trades')."""

    ticker: str
    stats: MarketStats
    at: datetime


# The subscription, and which rendering of which message: 4 x the message's index in the change + the variant.
Part = tuple[Subscription, int]


class MarketFrames(Shared):
    """One market change on its way to the connections of its market: what they all share."""

    __slots__ = ("change", "channel", "kind", "ticker", "_head", "_profile", "_ids", "_middles")

    def __init__(self, change: Change, profile: Profile, ids: Callable[[str], str | None]) -> None:
        self.size, self._holders = change_bytes(change), None  # (Shared's, set here: one call less per change)
        self.change = change
        self.kind = change.kind
        self.channel = CHANNEL_OF[change.kind]
        self.ticker: str = change.payload.ticker
        self._head = _HEADS[change.kind]
        self._profile = profile
        self._ids = ids  # a market's id, read when first rendered
        self._middles: dict[int, bytes] = {}

    def visible_to(self, key: ApiKey) -> bool:
        return True  # a market's changes are everyone's

    def parts(self, subs: list[Subscription], key: ApiKey) -> list[Part]:
        """One part per frame: a book change has one message per level it moved, each subscription gets them all
        (unless its snapshot holds them already), the causer's rendering for the user who caused it."""
        if self.kind != BOOK:
            return [(sub, 0) for sub in subs]
        moved: BookMoved = self.change.payload
        cause, clock, ticker, end = moved.cause, moved.clock, self.ticker, 4 * len(moved.levels)
        causer = (
            2
            if cause is not None
            and cause.user_id == key.user_id
            and (key.subaccount is None or key.subaccount == cause.subaccount)
            else 0
        )
        found: list[Part] = []
        for sub in subs:
            if clock > sub.clocks.get(ticker, -1):
                for slot in range(causer + sub.yes_price, end, 4):  # (loops, not comprehensions: this is per frame)
                    found.append((sub, slot))
        return found

    def frame(self, part: Part, sending_ts_ms: int) -> bytes:
        """The frame of one part, its subscription's next `seq` taken if its channel is sequenced."""
        sub, slot = part
        middle = self._middles.get(slot)
        if middle is None:
            middle = self._middles[slot] = self._render(*divmod(slot, 4))
        return spliced(self._head, sub, middle, sending_ts_ms)

    def _render(self, index: int, variant: int) -> bytes:
        """`,"msg":{...},"sending_ts_ms":` of one message (a copy of its own size, as frames.py keeps)."""
        return self.kept(b',"msg":' + orjson.dumps(self._msg(index, variant)) + b',"sending_ts_ms":')

    def _msg(self, index: int, variant: int) -> dict[str, Any]:
        payload, profile = self.change.payload, self._profile
        if self.kind == TRADE:
            return profile.ws_trade(payload)
        if self.kind == LIFECYCLE or self.kind == MVE_LIFECYCLE:
            return profile.ws_lifecycle(payload)
        if self.kind == MVE_EVENT or self.kind == EVENT:
            return profile.ws_event_lifecycle(payload)
        if self.kind == EVENT_FEE:
            return profile.ws_event_fee(payload)
        market_id = self._ids(self.ticker) or NIL_UUID
        if self.kind == TICKER_MOVED:
            return profile.ws_ticker(payload.ticker, market_id, payload.stats, payload.at)
        causer, yes_price = divmod(variant, 2)
        cause = payload.cause if causer else None
        level = payload.levels[index]
        return profile.ws_orderbook_delta(payload.ticker, market_id, payload.clock, level, payload.at, cause, yes_price)


class QuoteWatch:
    """The fan-out's `derive` for a venue's ticker channel: in the publishing thread (the state's lock held), a change
    of its own when one of `kinds` moved what a market's ticker shows, while a `ticker` subscription holds the market
    (or every market). What it compares with is set anew when the first subscription starts to hold a market: the
    stats may have moved while nobody watched; a subscription of every market may get one ticker message of a market
    that did not move, the first time it moves while no subscription held it by name. A venue says what a market's
    ticker shows now (`shown`) and the change that tells it (`moved`)."""

    kinds: tuple[str, ...] = ()

    def __init__(self, lock: Callable[[], AbstractContextManager[Any]]) -> None:
        self._lock = lock  # the state's: the publishers hold it, so a change sees the watch as it was when made
        self._shown: dict[str, Any] = {}  # per market: what its last ticker showed
        self._watchers: dict[str | None, int] = {}  # ticker subscriptions per market held (None: every market)

    def shown(self, ticker: str) -> tuple[Any, Any] | None:
        """What the market's ticker shows now (compared), and what its change carries; None: no market feed."""
        raise NotImplementedError

    def moved(self, change: Change, carried: Any) -> Change:
        raise NotImplementedError

    def watch(self, ticker: str | None) -> None:
        """A ticker subscription holds the market (None: every market). Any thread."""
        with self._lock():
            held = self._watchers.get(ticker, 0)
            self._watchers[ticker] = held + 1
            if not held and ticker is not None and (now := self.shown(ticker)) is not None:
                self._shown[ticker] = now[0]

    def unwatch(self, ticker: str | None) -> None:
        with self._lock():
            held = self._watchers.pop(ticker)
            if held > 1:
                self._watchers[ticker] = held - 1

    def __call__(self, change: Change) -> Change | None:
        if change.kind not in self.kinds:
            return None
        ticker = change.payload.ticker
        if not (self._watchers.get(ticker) or self._watchers.get(None)):
            return None
        now = self.shown(ticker)
        if now is None or self._shown.get(ticker) == now[0]:
            return None
        self._shown[ticker] = now[0]
        return self.moved(change, now[1])


class TickerWatch(QuoteWatch):
    """Kalshi's: a `TickerMoved` when a book or trade change moved the market's stats as its ticker shows them."""

    kinds = (BOOK, TRADE)

    def __init__(self, feed: Callable[[], MarketFeed | None], lock: Callable[[], AbstractContextManager[Any]]) -> None:
        super().__init__(lock)
        self._feed = feed

    def shown(self, ticker: str) -> tuple[Any, Any] | None:
        feed = self._feed()
        if feed is None:
            return None
        stats = feed.stats(ticker)
        return shown_stats(stats), stats

    def moved(self, change: Change, carried: Any) -> Change:
        at = change.payload.at if change.kind == BOOK else change.payload.created
        return Change(TICKER_MOVED, None, TickerMoved(change.payload.ticker, carried, at))
