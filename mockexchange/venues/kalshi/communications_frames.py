"""The frames of Kalshi's `communications` channel: one change of an RFQ or a quote (core/kalshi/rfq_records.py's
`RFQ_CHANGE`, `QUOTE_CHANGE`, the record as changed) on its way to the connections that may see it, rendered once per
reader's variant and shared, each subscription's `sid` and `seq` spliced in as frames.py does.

Which message a change makes follows from its record's status: an RFQ open, `rfq_created`; closed (deleted by its
creator, executed, its market closed), `rfq_deleted`; a quote open (new, or replacing the maker's previous one),
`quote_created`; accepted, `quote_accepted`; executed, `quote_executed`. A quote confirmed or cancelled (withdrawn,
replaced, voided, its RFQ closed) sends nothing: the AsyncAPI has no message for it.

Who gets it: an RFQ's messages go to every `communications` subscription (the fan-out's `COMMUNICATIONS_KEY`, which
a connection joins while one of its subscriptions holds the channel), or with `user_filter: "self"` to its creator's
only; a quote's to its maker's and its RFQ creator's connections only (the fan-out's key is the maker, its wide key
the RFQ's creator), each side's subaccount-locked keys to their own subaccount's quotes. A sharded subscription takes
the messages of its shard: a market's messages are all on one shard, `crc32(market_ticker) % shard_factor`.
More kinds of message (an RFQ batch's, partitioned by its batch id) are more entries of `_HEADS` and `message_type`.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Protocol
from zlib import crc32

import orjson

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.events import Change
from mockexchange.core.kalshi import rfq_records as records
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.rfq_records import OBSCURED_ID, QUOTE_CHANGE, RFQ_CHANGE, Quote, Rfq
from mockexchange.venues.kalshi.communications_messages import (
    QUOTE_ACCEPTED,
    QUOTE_CREATED,
    QUOTE_EXECUTED,
    RFQ_CREATED,
    RFQ_DELETED,
    quote_message,
    rfq_message,
)
from mockexchange.venues.kalshi.frames import CHANGE_BYTES, spliced
from mockexchange.venues.kalshi.subscriptions import COMMUNICATIONS, Subscription
from mockexchange.venues.outbox import Shared

COMMUNICATION_KINDS = (RFQ_CHANGE, QUOTE_CHANGE)
# The fan-out key of the channel's connections: an RFQ's messages are every subscriber's.
COMMUNICATIONS_KEY = (COMMUNICATIONS, None)
_HEADS = {
    kind: b'{"type":"%s","sid":' % kind.encode()
    for kind in (RFQ_CREATED, RFQ_DELETED, QUOTE_CREATED, QUOTE_ACCEPTED, QUOTE_EXECUTED)
}
# A quote's status -> its message (confirmed, cancelled: none)
_QUOTE_MESSAGES = {
    records.QUOTE_OPEN: QUOTE_CREATED, records.QUOTE_ACCEPTED: QUOTE_ACCEPTED, records.QUOTE_EXECUTED: QUOTE_EXECUTED,
}  # fmt: skip
# A reader's variant: an RFQ's creator or anyone else; a quote's maker or its RFQ's creator.
CREATOR, OTHER = 0, 1
MAKER, REQUESTER = 0, 1

Part = tuple[Subscription, int]  # the subscription, and the reader's variant


class Directory(Protocol):
    """What a message reads beside its record: the ledger's communications part (the ids as it shows them to a
    reader, its rule), read as the frame is made, on the loop: an id once drawn never changes, nor what an RFQ was
    asked with."""

    def communications_id(self, user_id: str) -> str:
        """The user's public communications id."""

    def rfq(self, rfq_id: str) -> Rfq | None:
        """The RFQ (None: gone, a reset since)."""

    def rfq_creator_id(self, rfq: Rfq, viewer: str | None) -> str:
        """The RFQ's `creator_id` as `viewer` sees it (None: a user who is not its creator)."""

    def quote_rfq_creator_id(self, quote: Quote, viewer: str) -> str:
        """A quote's `rfq_creator_id` as `viewer` (its maker or its RFQ's creator) sees it."""


class LedgerDirectory:
    """The ledger's communications part as the frames read it: its ids and its rule of who sees an RFQ's creator; an
    RFQ gone since its change (a reset) shows its creator to no one."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def communications_id(self, user_id: str) -> str:
        return self._ledger.communications.communications_id_of(user_id)

    def rfq(self, rfq_id: str) -> Rfq | None:
        return self._ledger.communications.kept.rfqs.get(rfq_id)

    def rfq_creator_id(self, rfq: Rfq, viewer: str | None) -> str:
        return self._ledger.communications.rfq_creator_id(rfq, viewer)

    def quote_rfq_creator_id(self, quote: Quote, viewer: str) -> str:
        if self.rfq(quote.rfq_id) is None:
            return OBSCURED_ID
        return self._ledger.communications.quote_rfq_creator_id(quote, viewer)


def message_type(change: Change) -> str | None:
    """The message a change of an RFQ or a quote makes (None: none)."""
    if change.kind == RFQ_CHANGE:
        return RFQ_CREATED if change.payload.status == records.RFQ_OPEN else RFQ_DELETED
    return _QUOTE_MESSAGES.get(change.payload.status)


def route_key(change: Change) -> Hashable:
    """An RFQ's change goes to the channel's every connection, a quote's to its maker's."""
    return COMMUNICATIONS_KEY if change.kind == RFQ_CHANGE else change.user_id


def wide_key(change: Change) -> Hashable | None:
    """A quote's change goes to its RFQ creator's connections too."""
    return change.payload.rfq_user_id if change.kind == QUOTE_CHANGE else None


def shard_of(partition: str, factor: int) -> int:
    """The shard of a market's messages (`partition`: its ticker) among `factor`: stable across runs and processes,
    unlike `hash`."""
    return crc32(partition.encode()) % factor


def _side(quote: Quote, key: ApiKey) -> int | None:
    """The key's side of the quote (MAKER, REQUESTER), its subaccount's if the key is locked to one; None: neither."""
    if key.user_id == quote.user_id and key.subaccount in (None, quote.subaccount):
        return MAKER
    if key.user_id == quote.rfq_user_id and key.subaccount in (None, quote.rfq_subaccount):
        return REQUESTER
    return None


class MessageFrames(Shared):
    """What a change on its way to the `communications` channel's connections shares, whatever it is of (an RFQ or a
    quote here; a batch's, communications_batch_frames.py): its shard's partition, one frame body per reader's variant,
    kept once made. A kind of it says who sees it (`visible_to`, `parts`) and what each reader's message is (`msg`)."""

    __slots__ = ("change", "channel", "ticker", "partition", "type", "_directory", "_middles")
    heads: dict[str, bytes] = {}  # each message type's frame head (its kind's)

    def __init__(self, change: Change, directory: Any, partition: str, kind: str | None) -> None:
        self.size, self._holders = CHANGE_BYTES, None  # (Shared's, set here: one call less per change)
        self.change = change
        self.channel = COMMUNICATIONS
        self.ticker: str = partition  # (the channel takes no market filter: what its shard is drawn from)
        self.partition = partition
        self.type = kind
        self._directory = directory
        self._middles: dict[int, bytes] = {}

    def of_shard(self, subs: list[Subscription], own: bool, variant: int) -> list[Part]:
        """The subscriptions of the message's shard that take it (`user_filter: "self"`: only when `own`)."""
        partition = self.partition
        return [
            (sub, variant)
            for sub in subs
            if (own or not sub.own_only) and (sub.shard is None or shard_of(partition, sub.shard[0]) == sub.shard[1])
        ]

    def frame(self, part: Part, sending_ts_ms: int) -> bytes:
        """The frame of one part, its subscription's next `seq` taken."""
        sub, variant = part
        middle = self._middles.get(variant)
        if middle is None:
            body = orjson.dumps(self.msg(variant))
            middle = self._middles[variant] = self.kept(b',"msg":' + body + b',"sending_ts_ms":')
        assert self.type is not None  # (parts makes none otherwise)
        return spliced(self.heads[self.type], sub, middle, sending_ts_ms)

    def msg(self, variant: int) -> dict[str, Any]:
        raise NotImplementedError


class CommunicationsFrames(MessageFrames):
    """One change of an RFQ or a quote on its way to the connections that may see it: what they all share."""

    __slots__ = ()
    heads = _HEADS

    def __init__(self, change: Change, directory: Directory) -> None:
        # (an RFQ batch's messages are drawn by the batch's id: communications_batch_frames.py)
        super().__init__(change, directory, change.payload.market_ticker, message_type(change))

    def visible_to(self, key: ApiKey) -> bool:
        """An RFQ is everyone's; a quote its two sides' only."""
        return self.change.kind == RFQ_CHANGE or _side(self.change.payload, key) is not None

    def parts(self, subs: list[Subscription], key: ApiKey) -> list[Part]:
        """One frame per subscription that takes the message: of its shard, and with `user_filter: "self"` an RFQ
        of the key's user only; each reader's variant."""
        if self.type is None:
            return []
        record = self.change.payload
        if self.change.kind == RFQ_CHANGE:
            own = record.user_id == key.user_id
            variant = CREATOR if own else OTHER
        else:
            own, side = True, _side(record, key)
            if side is None:
                return []
            variant = side
        return self.of_shard(subs, own, variant)

    def msg(self, variant: int) -> dict[str, Any]:
        """The message's `msg` as the reader of `variant` sees it."""
        directory, record, kind = self._directory, self.change.payload, self.type
        assert kind is not None
        if self.change.kind == RFQ_CHANGE:
            return rfq_message(record, directory.rfq_creator_id(record, record.user_id if variant == CREATOR else None),
                               kind)  # fmt: skip
        viewer = record.user_id if variant == MAKER else record.rfq_user_id
        ids = (directory.communications_id(record.user_id), directory.quote_rfq_creator_id(record, viewer))
        return quote_message(kind, record, directory.rfq(record.rfq_id), ids, variant == MAKER)
