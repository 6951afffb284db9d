"""Kalshi's websocket, /trade-api/ws/v2: authentication of the upgrade, and each connection's share of the venue's
fan-out of ledger changes to its `market_positions`, `fill`, `user_orders` and `order_group_updates` subscriptions, of
market changes to its `orderbook_delta`, `ticker`, `trade`, `market_lifecycle_v2` and `multivariate_market_lifecycle`
subscriptions, of RFQs' and quotes' changes to its `communications` subscriptions, and of the price feeds' values to
its `cfbenchmarks_value`, `cfbenchmarks_value_5hz` and `pyth_value` subscriptions.

The ledger publishes a change from whatever thread made it, holding its lock; the venue's one bus subscriber
(`venues/fanout.py`) hands it to the event loop of the connections of its key, once: a private change's user, a market
change's market (and those watching every market), an RFQ's every `communications` subscriber, a quote's two
sides, a price's index (and those taking every index of its channel). There, each change is rendered once for all of
them (`frames.py`, `market_frames.py`, `communications_frames.py`, `price_frames.py`: its `msg` as JSON, each
subscription's `sid`, `seq` where the channel has one, and the `sending_ts_ms` spliced in), and each connection that
wants it (a channel it asked for, its subaccount for a
subaccount-locked key) takes its share: written at once, in one write of the connection's frames, when nothing waits
before them in its outbox, the client reads (the transport's buffer is under its high-water mark) and no fault rule
could delay them; otherwise appended to the connection's bounded outbox, which one task drains in order. The client's
commands go into the same outbox, so the wire follows one order: a `subscribed` reply comes before the first message of
its sid, a change made before a subscribe is never sent on it, a delta follows the snapshot it applies to, and a message
never shows state that REST does not serve yet. The market changes of one connection come through the same inbox as its
user's, so its frames keep the order the ledger published them in, whatever their channel. An outbox that fills up
(`ws_queue_size` items, or `ws_queue_bytes` bytes: commands at their size, changes at what they hold, renderings counted
as they are made, `venues/outbox.py`: a client that does not read) ends the connection at once, even while a send waits
for the client to read: error 25 per subscription, then close 1008, both written past the transport's flow control
(`web.extensions.UNTHROTTLED`), so they follow what is already on its way; memory never grows past the bound. A
command's snapshots wait nowhere: each is read from the market as it is sent (subscriptions.py's `FirstMessage`), and a
write of frames stops at `WRITE_BYTES`, so the transport's buffer passes its high-water mark by one write at most.

The queue size and the subscription limits come from the venue context; ping interval, timeout, frame size, the send
buffer and permessage-deflate are the server's (`server/`).

Faults (docs/misbehaving.md): an open connection is registered in the context's `connections`, so the control plane can
close it with a code of its choosing (`close_soon`); a channel rule of the context's `faults` delays a message before
it is sent (the connection's later frames wait behind it: the order is kept).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import islice
from typing import Any, Protocol, TypeVar

import orjson
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.auth.kalshi.signature import KalshiAuthFailure
from mockexchange.core.bounded_json import parse_json
from mockexchange.core.clock import epoch_ms
from mockexchange.core.events import Change
from mockexchange.core.kalshi.price_records import PRICE_KINDS
from mockexchange.venues import admission
from mockexchange.venues.admission import everything
from mockexchange.venues.fanout import Deliver, Fanout, HandedChange
from mockexchange.venues.faults import delay_message
from mockexchange.venues.kalshi import communications_batch_frames, communications_frames, price_frames
from mockexchange.venues.kalshi.access import require_scope
from mockexchange.venues.kalshi.communications_batch_frames import BATCH_KINDS, BatchDirectory, BatchFrames
from mockexchange.venues.kalshi.communications_frames import (
    COMMUNICATION_KINDS,
    CommunicationsFrames,
    Directory,
    LedgerDirectory,
)
from mockexchange.venues.kalshi.context import KalshiContext, authenticate_scope
from mockexchange.venues.kalshi.errors import KalshiError, auth_error
from mockexchange.venues.kalshi.frames import CHANNEL_OF, ChangeFrames, reply_frame
from mockexchange.venues.kalshi.market_frames import (
    EVERY_MARKET,
    MARKET_KINDS,
    MarketFrames,
    TickerWatch,
    change_bytes,
    market_key,
)
from mockexchange.venues.kalshi.market_watch import MarketWatch
from mockexchange.venues.kalshi.price_frames import PriceFrames
from mockexchange.venues.kalshi.profiles import Profile
from mockexchange.venues.kalshi.subscriptions import (
    BUFFER_OVERFLOW,
    KALSHI_RULES,
    UNABLE_TO_PROCESS,
    ChannelRules,
    Envelope,
    Markets,
    Reply,
    Subscription,
    Subscriptions,
    error,
)
from mockexchange.venues.kalshi.table import READ
from mockexchange.venues.outbox import Outbox
from mockexchange.web.answers import AUTH_DIAGNOSIS_HEADER, header_safe
from mockexchange.web.extensions import FrameWriter, frame_writer
from mockexchange.web.websocket import GONE, close_now, next_message, send_text, until_first_ends

WS_PATH = "/trade-api/ws/v2"
# Kalshi's close code after an overflow is not known; 1008 (policy violation) says the server ended it on purpose.
OVERFLOW_CLOSE_CODE = 1008
# A bug of the mock's while sending: close with 1011 (internal error) rather than leave the client waiting.
INTERNAL_ERROR_CLOSE_CODE = 1011
# The most a write of a connection's frames puts on its transport (the write stops at the frame that reaches it): the
# transport's high-water mark (`Settings.ws_send_buffer_bytes`) is checked between writes, so a command's snapshots or
# a change's long messages pass it by one write at most.
WRITE_BYTES = 32 * 1024
# Frames sent in a row before the sender lets the loop serve other connections: a fill fanned out to a connection's
# 1,000 subscriptions must not hold every other client up for the whole of it. Also the most frames a hand-over
# writes at once to one connection; a change with more goes through its outbox.
FAIR_SHARE = 32
log = logging.getLogger(__name__)
_EVERY_MARKET = (EVERY_MARKET,)  # the fan-out's wide keys of a market's change: those taking every market

P = TypeVar("P")
CommandRecorder = Callable[[str, str | bytes, list[dict[str, Any]]], None]  # (key id, the command, its replies)


class Item(Protocol):
    """A change in a connection's outbox, rendered once for all the connections it goes to (frames.py,
    market_frames.py; the perps exchange's venues/perps/ws_frames.py): one frame per part."""

    @property
    def channel(self) -> str: ...

    @property
    def ticker(self) -> str: ...

    def visible_to(self, key: ApiKey) -> bool: ...

    def parts(self, subs: list[Subscription], key: ApiKey) -> Sequence[Any]: ...

    def frame(self, part: Any, sending_ts_ms: int) -> bytes: ...


class Watch(Markets, Protocol):
    """A connection's window on its venue's markets (market_watch.py), which it leaves when it ends."""

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class SocketVenue:
    """A venue served by this module's connections (Kalshi's; its perps exchange's, venues/perps/websocket.py): its
    name (the fault rules' and the connections' registry's), its channels' rules, and each connection's window on its
    markets (made for the connection, on its loop)."""

    name: str
    rules: ChannelRules
    watch: Callable[[Any, asyncio.AbstractEventLoop], Watch]
    on_command: CommandRecorder | None  # each command and its replies, for the journal (None: not kept)


def kalshi_socket(ctx: KalshiContext, fanout: Fanout[Connection], tickers: TickerWatch) -> SocketVenue:
    return SocketVenue(
        "kalshi",
        KALSHI_RULES,
        lambda connection, loop: MarketWatch(ctx, fanout, tickers, connection, loop),
        ctx.on_command,
    )


class Connection:
    """One authenticated client: its subscriptions, its outbox, and the task that sends what waits there."""

    def __init__(self, ctx: KalshiContext, key: ApiKey, websocket: WebSocket, venue: SocketVenue) -> None:
        self.ctx = ctx
        self.key = key
        self.websocket = websocket
        self.venue = venue.name
        self.rules = venue.rules
        self.on_command = venue.on_command
        self.loop = asyncio.get_running_loop()
        self.markets = venue.watch(self, self.loop)
        self.subscriptions = Subscriptions(ctx.ws_max_subscriptions, ctx.ws_max_markets, self.markets, venue.rules)
        self._writer = frame_writer(websocket)  # None under a server other than the mock's: every frame via ASGI
        # touched on the loop only
        self._outbox: Outbox[Item | str | bytes] = Outbox(ctx.ws_queue_size, ctx.ws_queue_bytes, self.overflow_now)
        self._lock = threading.Lock()  # close_soon comes from any thread
        self._ready = asyncio.Event()
        self._overflow = asyncio.Event()  # set when the outbox overflows: the connection ends
        self.overflowed = False
        self._closed = False  # ending or ended: nothing more is queued or written but the last frames
        self._idle = False  # the sender waits on an empty outbox: a change may be written at once
        # Channels the client has asked for, ever: changes for no such channel are not queued. It is noted when a
        # subscribe arrives, before it is processed, so a change handed over in between is still queued behind it.
        self._interest: frozenset[str] = frozenset()
        self._closing = asyncio.Event()  # set on the loop when the control plane closes the connection
        self._close_request: tuple[int, str] | None = None  # its close code and reason

    @property
    def user_id(self) -> str:
        return self.key.user_id

    @property
    def key_id(self) -> str:
        return self.key.key_id

    def subscribed(self, limit: int) -> tuple[list[dict[str, object]], int]:
        """The first `limit` subscriptions, each with its first `limit` market tickers (`market_count`: how many it
        holds), and how many there are; for the inspector (a read, on the connection's loop)."""
        return [sub.described(limit) for sub in islice(self.subscriptions, limit)], len(self.subscriptions)

    # -- any thread ---------------------------------------------------------------------------------------------------

    def close_soon(self, code: int, reason: str) -> bool:
        """End the connection with this close code (a fault, from any thread); False if it is ending already."""
        with self._lock:
            if self._closed or self.overflowed or self._close_request is not None:
                return False
            self._close_request = (code, reason)
        try:
            self.loop.call_soon_threadsafe(self._closing.set)
        except RuntimeError:  # the loop has closed: the server stopped under this connection
            return False
        return True

    # -- the loop: the fan-out's hand-over ----------------------------------------------------------------------------

    def listens(self) -> bool:
        """The client has asked for a channel."""
        return bool(self._interest)

    def wants(self, item: Item) -> bool:
        """A change of a channel the client has asked for, of its subaccount if its key is locked to one."""
        return item.channel in self._interest and item.visible_to(self.key)

    def accept(self, items: list[Item], sending_ts_ms: int, faults: bool) -> None:
        """This connection's share of one hand-over, in order. Written at once, in one write, stamped
        `sending_ts_ms`, while nothing waits in the outbox, the client reads and no fault rule could delay a message
        (`faults`: some rule is held; at most FAIR_SHARE frames: the rest waits in the outbox, behind them); queued
        otherwise."""
        if self._closed or self.overflowed:
            return
        writer = self._writer
        written = 0  # items written at once; the rest wait in the outbox
        if (
            self._idle
            and not self._outbox
            and writer is not None
            and self._close_request is None
            and not faults
            and writer.can_write()
        ):
            frames: list[bytes] = []
            subscriptions, key = self.subscriptions, self.key
            for item in items:
                parts = item.parts(subscriptions.matching(item.channel, item.ticker), key)
                if len(frames) + len(parts) > FAIR_SHARE:
                    break
                frame = item.frame
                for part in parts:  # (a loop, not a comprehension: this runs per frame)
                    frames.append(frame(part, sending_ts_ms))
                written += 1
            if frames:
                writer.write_texts(frames)
        for item in items[written:]:
            self._put(item)
            if self.overflowed:
                break

    def overflow_now(self) -> None:
        """The outbox is over its bound: the subscriptions are over, what they held is dropped, the connection ends."""
        if self._closed or self.overflowed:
            return
        self.overflowed = True
        self._outbox.clear()
        self._overflow.set()  # the sender may be waiting for the client to read: stop it

    def _put(self, item: Item | str | bytes) -> None:
        if self._outbox.put(item) and len(self._outbox) == 1:  # (past a bound, the outbox calls overflow_now)
            self._ready.set()  # the sender waits only on an empty outbox

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._outbox.clear()
        self.markets.close()

    # -- the connection's loop -----------------------------------------------------------------------------------------

    async def run(self) -> None:
        failure = await until_first_ends(self._read(), self._send_all(), self._overflow.wait(), self._closing.wait())
        with self._lock:
            self._closed = True
        if self.overflowed:
            await self._end(OVERFLOW_CLOSE_CODE, "Subscription buffer overflow", self._overflow_errors())
        elif self._close_request is not None:
            await self._end(*self._close_request, [])
        elif failure is not None:
            log.error("websocket connection of key %s failed", self.key.key_id, exc_info=failure)
            await self._end(INTERNAL_ERROR_CLOSE_CODE, "internal error", [])

    async def _read(self) -> None:
        while (data := await next_message(self.websocket)) is not None:
            self._note_interest(data)
            if not self._closed and not self.overflowed:
                self._put(data)

    def _note_interest(self, data: str | bytes) -> None:
        try:
            command = parse_json(data)
        except orjson.JSONDecodeError:
            return  # the sender answers it
        params = command.get("params") if isinstance(command, dict) and command.get("cmd") == "subscribe" else None
        channels = params.get("channels") if isinstance(params, dict) else None
        if isinstance(channels, list):
            served = self.rules.served
            self._interest = self._interest | {c for c in channels if c in served}

    async def _send_all(self) -> None:
        in_a_row = 0
        while not self.overflowed:
            if not self._outbox:
                self._idle = True
                self._ready.clear()
                await self._ready.wait()
                self._idle = False
                in_a_row = 0
                continue
            item = self._outbox.pop()
            if isinstance(item, str | bytes):
                in_a_row = await self._send_replies(item, in_a_row)
            else:
                parts = item.parts(self.subscriptions.matching(item.channel, item.ticker), self.key)
                if not parts:
                    continue
                await delay_message(self.ctx.faults, self.venue, item.channel)
                in_a_row = await self._send_frames(item.frame, parts, in_a_row)

    async def _send_replies(self, command: str | bytes, in_a_row: int) -> int:
        """Answer a command. It reads the ledger (its snapshots now, as they are sent): beside a long command, only once
        it has ended (venues/admission.py), never holding up the loop meanwhile. Its replies are made into frames a
        write's worth at a time: however many deep books it names, one write's snapshots are held."""
        lock = self.ctx.ledger.state.lock
        replies = await admission.inline(lock, everything, partial(self._answer, command))
        start = 0
        while start < len(replies):
            frames = await admission.inline(lock, everything, partial(self._reply_frames, replies, start))
            start += len(frames)
            in_a_row = await self._send_frames(_as_is, frames, in_a_row)
        return in_a_row

    async def _send_frames(self, make: Callable[[P, int], bytes], parts: Sequence[P], in_a_row: int) -> int:
        """The frames `make(part, sending_ts_ms)` of `parts`, in order: written at once, FAIR_SHARE and about
        WRITE_BYTES at most, while the client reads; otherwise through ASGI one by one (waiting for the client to
        read). The loop serves other connections after every FAIR_SHARE frames in a row."""
        start = 0
        while start < len(parts):
            chunk = parts[start : start + FAIR_SHARE - in_a_row]
            writer = self._writer
            if writer is not None and writer.can_write():
                sent = _write_now(writer, make, chunk, epoch_ms(self.ctx.wall_clock))
            else:
                for part in chunk:
                    await send_text(self.websocket, make(part, epoch_ms(self.ctx.wall_clock)).decode())
                sent = len(chunk)
            start += sent
            in_a_row += sent
            if in_a_row >= FAIR_SHARE:
                await asyncio.sleep(0)  # let the loop serve other connections
                in_a_row = 0
        return in_a_row

    def _answer(self, command: str | bytes) -> list[Reply]:
        """The replies to a command; a bug of the mock's (or of the journal's) is an error 1 reply and a log line,
        never a dead connection."""
        try:
            replies = self.subscriptions.handle(command)
        except Exception as exc:
            log.exception("websocket command of key %s failed", self.key.key_id)
            replies = [error(UNABLE_TO_PROCESS, diagnosis=f"the mock failed on this command: {exc!r}")]
        if self.on_command is not None:
            try:
                # (a snapshot not read yet: its type is what the journal keeps of a reply)
                kinds = [r if isinstance(r, dict) else {"type": r.type} for r in replies]
                self.on_command(self.key.key_id, command, kinds)
            except Exception:
                log.exception("the request journal failed on a websocket command of key %s", self.key.key_id)
        return replies

    def _reply_frames(self, replies: list[Reply], start: int) -> list[bytes]:
        """The frames of the replies from `start` on, FAIR_SHARE at most and up to the one that reaches WRITE_BYTES."""
        return _frames(self._reply_frame, replies[start : start + FAIR_SHARE], epoch_ms(self.ctx.wall_clock))

    def _reply_frame(self, reply: Reply, sending_ts_ms: int) -> bytes:
        """A reply's frame; a snapshot read from its market now."""
        return reply_frame(reply if isinstance(reply, dict) else self.subscriptions.read(reply), sending_ts_ms)

    def _overflow_errors(self) -> list[Envelope]:
        """Error 25 on each subscription (with its next `seq` where its channel is sequenced)."""
        errors = [
            error(BUFFER_OVERFLOW, sid=sub.sid, seq=sub.next_seq() if sub.sequenced else None)
            for sub in self.subscriptions
        ]
        return errors or [error(BUFFER_OVERFLOW)]

    async def _end(self, code: int, reason: str, last: list[Envelope]) -> None:
        """The last frames and the close, written even if the client is not reading (they go behind what is already
        on its way); the server cuts off a client that does not answer the close within its close timeout."""
        with contextlib.suppress(*GONE):
            for envelope in last:
                frame = reply_frame(envelope, epoch_ms(self.ctx.wall_clock))
                await send_text(self.websocket, frame.decode(), unthrottled=True)
        await close_now(self.websocket, code, reason)


def _as_is(frame: bytes, sending_ts_ms: int) -> bytes:
    """A frame made already (stamped when it was made)."""
    return frame


def _frames(make: Callable[[P, int], bytes], parts: Sequence[P], sending_ts_ms: int) -> list[bytes]:
    """The frames of `parts`, up to the one that reaches WRITE_BYTES."""
    frames: list[bytes] = []
    size = 0
    for part in parts:
        frame = make(part, sending_ts_ms)
        frames.append(frame)
        size += len(frame)
        if size >= WRITE_BYTES:
            break
    return frames


def _write_now(writer: FrameWriter, make: Callable[[P, int], bytes], parts: Sequence[P], sending_ts_ms: int) -> int:
    """The frames of `parts` in one write, up to the one that reaches WRITE_BYTES; how many. (A function of its own:
    the frames are let go once written, not kept by a sender that then waits for its client.)"""
    frames = _frames(make, parts, sending_ts_ms)
    writer.write_texts(frames)
    return len(frames)


def kalshi_items(ctx: KalshiContext) -> Callable[[Change], Item]:
    """A Kalshi change as the frames it makes, rendered once on first use (in the context's profile)."""

    def market_id(ticker: str) -> str | None:
        # Read without the lock: a market's id never changes once it is listed, a look-up by ticker is one step, and
        # the lock may be a long command's while its frames go out (core/stepping.py).
        feed = ctx.markets
        return feed.market_id(ticker) if feed is not None else None

    directory, batches = LedgerDirectory(ctx.ledger), BatchDirectory(ctx.ledger)
    return lambda change: _item(change, ctx.profile, market_id, directory, batches)


def deliver(ctx: KalshiContext, items: Callable[[Change], Item] | None = None) -> Deliver[Connection]:
    """The venue's share of the fan-out, on a loop: each change rendered once (on first use) for every connection
    of its key there (`items`: Kalshi's unless given), and handed to those that want it, one list per connection."""
    item_of = kalshi_items(ctx) if items is None else items

    def hand_over(batch: list[HandedChange[Connection]]) -> None:
        # One reading of the clock for the whole hand-over: it writes every connection's frames within a millisecond
        # or two, and a reading per connection was 14 % of it.
        sending_ts_ms = epoch_ms(ctx.wall_clock)
        faults = ctx.faults is not None and ctx.faults.active  # (read once: the hand-over runs in one go)
        if len(batch) == 1 and batch[0][2]:
            # One change (the loop keeps up): each connection takes it as it is found, all sharing one list, so nothing
            # a connection was given outlives its turn (a collection during the hand-over would promote a list per
            # connection, and the oldest generation's full collections stop the loop).
            change, connections, _ = batch[0]
            item = item_of(change)
            items = [item]  # (accept only reads it)
            for connection in connections:
                if connection.wants(item):
                    connection.accept(items, sending_ts_ms, faults)
            return
        shares: dict[Connection, list[Item]] = {}
        for change, connections, kept in batch:
            if not kept:  # the loop's inbox was full: these connections would be that far behind
                for connection in connections:
                    if connection.listens():
                        connection.overflow_now()
                continue
            item = item_of(change)
            for connection in connections:
                if not connection.wants(item):
                    continue
                if (share := shares.get(connection)) is None:
                    shares[connection] = [item]
                else:
                    share.append(item)
        for connection, items in shares.items():
            connection.accept(items, sending_ts_ms, faults)

    return hand_over


def _item(
    change: Change, profile: Profile, market_id: Callable[[str], str | None], directory: Directory,
    batches: BatchDirectory,
) -> Item:  # fmt: skip
    """A change as the frames it makes, rendered once on first use."""
    if change.kind in CHANNEL_OF:
        return ChangeFrames(change, profile)
    if change.kind in COMMUNICATION_KINDS:
        return CommunicationsFrames(change, directory)
    if change.kind in BATCH_KINDS:
        return BatchFrames(change, batches)
    if change.kind in PRICE_KINDS:
        return PriceFrames(change)
    return MarketFrames(change, profile, market_id)


def route_key(change: Change) -> Hashable:
    """A private change goes to its user's connections, a market's to those watching its market, an RFQ's or a
    quote's as communications_frames.py routes them, a price's to those watching its index (price_frames.py)."""
    if change.kind in CHANNEL_OF:
        return change.user_id
    if change.kind in COMMUNICATION_KINDS:
        return communications_frames.route_key(change)
    if change.kind in BATCH_KINDS:
        return communications_batch_frames.route_key(change)
    if change.kind in PRICE_KINDS:
        return price_frames.route_key(change)
    return market_key(change.payload.ticker)


def wide_key(change: Change) -> tuple[Hashable, ...]:
    if change.kind in COMMUNICATION_KINDS:
        wide = communications_frames.wide_key(change)
        return () if wide is None else (wide,)
    if change.kind in PRICE_KINDS:
        return (price_frames.wide_key(change),)  # (those taking every index)
    return _EVERY_MARKET if change.kind in MARKET_KINDS else ()


def route(ctx: KalshiContext) -> WebSocketRoute:
    tickers = TickerWatch(lambda: ctx.markets, ctx.ledger.reading)
    fanout: Fanout[Connection] = Fanout(
        ctx.ledger.state.bus,
        (*CHANNEL_OF, *MARKET_KINDS, *COMMUNICATION_KINDS, *BATCH_KINDS, *PRICE_KINDS),
        deliver(ctx),
        ctx.ws_queue_size,
        limit_bytes=ctx.ws_queue_bytes,
        weigh=change_bytes,
        key=route_key,
        wide=wide_key,
        derive=tickers,
    )

    venue = kalshi_socket(ctx, fanout, tickers)
    return WebSocketRoute(WS_PATH, lambda websocket: serve_socket(ctx, websocket, fanout, venue))


async def serve_socket(
    ctx: KalshiContext, websocket: WebSocket, fanout: Fanout[Connection], venue: SocketVenue
) -> None:
    """One connection of the venue, from its signed upgrade to its end: signed as Kalshi's are, a read key at
    least, added under its user in the fan-out."""
    # The upgrade is a GET: clients sign `timestamp + "GET" + path` (the websocket's path).
    signed = await authenticate_scope(websocket.scope, websocket.headers, ctx, "GET")
    if isinstance(signed, KalshiAuthFailure):
        # Refused before the upgrade, with the REST body: Kalshi's answer is not documented.
        await websocket.send_denial_response(auth_error(signed).response())
        return
    key = signed.key
    try:
        require_scope(key, READ, "the websocket")  # every channel is a read
    except KalshiError as refused:
        await websocket.send_denial_response(refused.response())
        return
    # Registered before the upgrade is answered: once the client has its 101, the control plane can close the
    # connection (close_soon before `run` ends it as soon as it starts).
    connection = Connection(ctx, key, websocket, venue)
    leave = fanout.add(key.user_id, connection, connection.loop)
    unregister = ctx.connections.add(connection) if ctx.connections is not None else None
    try:
        # An upgrade accepted though not signed as Kalshi documents says so, as a REST answer does.
        note = [] if signed.note is None else [(AUTH_DIAGNOSIS_HEADER.encode(), header_safe(signed.note).encode())]
        await websocket.accept(headers=note)
        try:
            await connection.run()
        except Exception:
            log.exception("websocket connection of key %s failed", key.key_id)
    finally:
        if unregister is not None:
            unregister()
        leave()
        connection.close()
