"""The text frames of Kalshi's websocket, as bytes: a change's data messages rendered once and shared by every
connection it goes to, each connection's `sid` and `sending_ts_ms` spliced in; and the replies to commands. This
module holds the private channels' changes (`ChangeFrames`: `fill`, `market_positions`, `user_orders`,
`order_group_updates`) and the reply frames; market_frames.py the market data channels'.

A connection's outbox holds such changes as they are (each one shared object, whatever the number of connections),
and asks each, when it sends it, for its `parts` (one per frame: here a subscription) and each part's `frame`.

A frame is exactly what `orjson.dumps` writes for the envelope `{"type", "sid", "msg", "sending_ts_ms"}` (in that order,
compact; `order_group_updates` adds the subscription's `seq` after its `sid`, as Kalshi's spec requires), followed by
the newline Kalshi ends its frames with. The `msg` of a change is rendered by the venue's profile on first use, on the
loop, and kept on the shared `ChangeFrames` for every other connection and subscription
(`tests/test_websocket_fanout.py` checks the spliced frame against the envelope written whole). What is kept is a copy
of its own size: the bytes `orjson.dumps` returns hold a buffer of 4 KiB or more whatever their length, which an outbox
of a thousand queued changes would hold on to (4 MiB more for one slow consumer).
"""

from __future__ import annotations

from typing import Any

import orjson

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.events import Change
from mockexchange.core.kalshi.order_group_records import GROUP
from mockexchange.core.kalshi.orders import ORDER
from mockexchange.venues.kalshi.profiles import Profile
from mockexchange.venues.kalshi.subscriptions import Subscription
from mockexchange.venues.outbox import Shared

Envelope = dict[str, Any]

# Ledger change kind -> (channel, message type)
CHANNEL_OF = {
    "fill": ("fill", "fill"),
    "position": ("market_positions", "market_position"),
    ORDER: ("user_orders", "user_order"),
    GROUP: ("order_group_updates", "order_group_updates"),
}
# Message type -> the profile's renderer of its `msg`
_RENDERERS = {
    "fill": "ws_fill", "market_position": "ws_market_position", "user_order": "ws_user_order",
    "order_group_updates": "ws_order_group",
}  # fmt: skip
_HEADS = {kind: b'{"type":"%s","sid":' % kind.encode() for _, kind in CHANNEL_OF.values()}
# What a change on its way holds before it is rendered, in bytes (an outbox counts it, venues/outbox.py): the object,
# the bus's `Change` and its payload (measured: a fill or a position and its change, about 400).
CHANGE_BYTES = 512


class ChangeFrames(Shared):
    """One ledger change on its way to the connections of its user: what they all share."""

    __slots__ = ("change", "channel", "kind", "ticker", "subaccount", "_profile", "_middle")

    def __init__(self, change: Change, profile: Profile) -> None:
        self.size, self._holders = CHANGE_BYTES, None  # (Shared's, set here: one call less per change)
        self.change = change
        self.channel, self.kind = CHANNEL_OF[change.kind]
        self.ticker: str = change.payload.ticker
        self.subaccount: int = change.payload.subaccount
        self._profile = profile
        self._middle: bytes | None = None

    @property
    def middle(self) -> bytes:
        """`,"msg":{...},"sending_ts_ms":`, the message's `msg` rendered once (a copy of its own size)."""
        if self._middle is None:
            render = getattr(self._profile, _RENDERERS[self.kind])
            self._middle = self.kept(b',"msg":' + orjson.dumps(render(self.change.payload)) + b',"sending_ts_ms":')
        return self._middle

    def visible_to(self, key: ApiKey) -> bool:
        """A subaccount-locked key sees its subaccount's changes only."""
        return key.subaccount is None or self.subaccount == key.subaccount

    def parts(self, subs: list[Subscription], key: ApiKey) -> list[Subscription]:
        """One frame per subscription."""
        return subs

    def frame(self, sub: Subscription, sending_ts_ms: int) -> bytes:
        """The frame for one subscription, its next `seq` taken if its channel is sequenced."""
        return spliced(_HEADS[self.kind], sub, self.middle, sending_ts_ms)


def spliced(head: bytes, sub: Subscription, middle: bytes, sending_ts_ms: int) -> bytes:
    """A data message's frame: its head (`{"type":...,"sid":`), the subscription's sid and, if its channel is
    sequenced, its next `seq`, the rendered `middle` (`,"msg":{...},"sending_ts_ms":`) and the sending time."""
    if sub.sequenced:
        return b'%b%d,"seq":%d%b%d}\n' % (head, sub.sid, sub.next_seq(), middle, sending_ts_ms)
    return b"%b%d%b%d}\n" % (head, sub.sid, middle, sending_ts_ms)


def reply_frame(envelope: Envelope, sending_ts_ms: int) -> bytes:
    """A reply (or error) to a command, stamped with its sending time."""
    envelope["sending_ts_ms"] = sending_ts_ms
    return orjson.dumps(envelope) + b"\n"
