"""The perps websocket's data frames: one exchange change on its way to the connections that take it (its user's, or
its market's), its messages rendered once on first use and shared by all of them, each subscription's `sid` and `seq`
(and the `sending_ts_ms`) spliced in as Kalshi's are (venues/kalshi/frames.py's `spliced`).

A book change has one `orderbook_delta` per level it moved, in two renderings: the one for the user whose order made
it (its `client_order_id`, `subaccount` and `last_update_reason`) and everyone else's. A delta at or below the book
clock of a subscription's last snapshot of the market is left out: the snapshot holds it already. The ticker's change
(`PerpTickerMoved`) is made in the publishing thread (ws_markets.py's `PerpTickerWatch`), its msg read there. An order
group's change goes to its user's connections; a corporate action notice to its market's, if the channel's schema has
its type (ws_render.py's `corporate_action`)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import orjson

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.events import Change
from mockexchange.core.perps.book_changes import BOOK, PerpBookMoved
from mockexchange.core.perps.order_groups import GROUP
from mockexchange.venues.kalshi.frames import CHANGE_BYTES, spliced
from mockexchange.venues.kalshi.market_frames import LEVEL_BYTES, market_key
from mockexchange.venues.kalshi.orders_render import ws_order_group
from mockexchange.venues.kalshi.subscriptions import Subscription
from mockexchange.venues.outbox import Shared
from mockexchange.venues.perps import ws_render

FILL, ORDER, TRADE, MARKET = "perps.fill", "perps.order", "perps.trade", "perps.market"
NOTICE = "perps.corporate_action"  # (core/perps/corporate_actions.py's)
TICKER_MOVED = "perps.ticker_moved"  # the venue's own change: what a market's ticker shows moved
# Change kind -> (channel, message type); the private ones go to their user's connections
PRIVATE = {FILL: ("fill", "fill"), ORDER: ("user_orders", "user_order"),
           GROUP: ("order_group_updates", "order_group_updates")}  # fmt: skip
PUBLIC = {BOOK: ("orderbook_delta", "orderbook_delta"), TRADE: ("trade", "trade"), TICKER_MOVED: ("ticker", "ticker"),
          NOTICE: ("corporate_actions", "corporate_actions_delta")}  # fmt: skip
# A market's own change (listed, its marks or status set) has no message: no connection wants it, the ticker's change
# made from it rides behind it.
CHANNEL_OF = PRIVATE | PUBLIC | {MARKET: ("", "")}
KINDS = tuple(CHANNEL_OF)  # what the fan-out takes
_HEADS = {kind: b'{"type":"%s","sid":' % message.encode() for kind, (_, message) in CHANNEL_OF.items()}


@dataclass(frozen=True, slots=True)
class PerpTickerMoved:
    ticker: str
    msg: dict[str, Any]  # as sent, its ts_ms in


def change_bytes(change: Change) -> int:
    """What a change holds before it is rendered: its weight in the fan-out's inboxes and the outboxes."""
    return CHANGE_BYTES + LEVEL_BYTES * len(change.payload.levels) if change.kind == BOOK else CHANGE_BYTES


def ticker_of(change: Change) -> str:
    """The market a change is of ("" for an order group's: none)."""
    return change.payload.terms.ticker if change.kind == NOTICE else change.payload.ticker


def route_key(change: Change) -> Hashable:
    """A private change goes to its user's connections, a market's to those watching its market."""
    return change.user_id if change.kind in PRIVATE else market_key(ticker_of(change))


Part = tuple[Subscription, int]  # the subscription, and which rendering: 2 x the level's index + 1 for the causer


class PerpsFrames(Shared):
    __slots__ = ("change", "channel", "kind", "ticker", "_client_id", "_mark", "_middles")

    def __init__(
        self, change: Change, client_id: Callable[[str], str | None], mark: Callable[[str], int | None]
    ) -> None:
        self.size, self._holders = change_bytes(change), None  # (Shared's, set here)
        self.change = change
        self.kind = change.kind
        self.channel = CHANNEL_OF[change.kind][0]
        self.ticker: str = ticker_of(change)
        self._client_id = client_id  # an order's client id, read when a fill is first rendered
        self._mark = mark  # a market's mark now, read when a split's notice is first rendered
        self._middles: dict[int, bytes] = {}

    def visible_to(self, key: ApiKey) -> bool:
        """A market's changes are everyone's; a subaccount-locked key sees its subaccount's own."""
        return self.kind not in PRIVATE or key.subaccount is None or self.change.payload.subaccount == key.subaccount

    def parts(self, subs: list[Subscription], key: ApiKey) -> list[Part]:
        if self.kind == NOTICE and self.change.payload.terms.type not in ws_render.NOTICE_TYPES:
            return []  # (a type the channel's schema has not)
        if self.kind != BOOK:
            return [(sub, 0) for sub in subs]
        moved: PerpBookMoved = self.change.payload
        cause = moved.cause
        causer = int(cause.user_id == key.user_id and key.subaccount in (None, cause.subaccount))
        end = 2 * len(moved.levels)
        fresh = [sub for sub in subs if moved.clock > sub.clocks.get(self.ticker, -1)]  # (not in its snapshot)
        return [(sub, slot) for sub in fresh for slot in range(causer, end, 2)]

    def frame(self, part: Part, sending_ts_ms: int) -> bytes:
        sub, slot = part
        middle = self._middles.get(slot)
        if middle is None:
            msg = orjson.dumps(self._msg(*divmod(slot, 2)))
            middle = self._middles[slot] = self.kept(b',"msg":' + msg + b',"sending_ts_ms":')
        return spliced(_HEADS[self.kind], sub, middle, sending_ts_ms)

    def _msg(self, index: int, causer: int) -> dict[str, Any]:
        payload = self.change.payload
        if self.kind == BOOK:
            return ws_render.delta(payload, payload.levels[index], payload.cause if causer else None)
        if self.kind == FILL:
            return ws_render.fill(payload, self._client_id)
        if self.kind == ORDER:
            return ws_render.user_order(payload)
        if self.kind == TRADE:
            return ws_render.trade(payload)
        if self.kind == GROUP:
            return ws_order_group(payload)
        if self.kind == NOTICE:
            return ws_render.corporate_action(payload, self._mark(self.ticker))
        return payload.msg  # (the ticker's, read when it moved)
