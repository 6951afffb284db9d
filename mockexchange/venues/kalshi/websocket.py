"""Kalshi's websocket, /trade-api/ws/v2: authentication of the upgrade, and each connection's fan-out of ledger changes
to its `market_positions` and `fill` subscriptions.

The ledger publishes a change from whatever thread made it, holding its lock; a connection's bus callback only appends
the change to the connection's bounded outbox and wakes the connection's event loop. The client's commands go into the
same outbox, and one task drains it in order, so the wire follows one order: a `subscribed` reply comes before the
first message of its sid, a change made before a subscribe is never sent on it, and a message never shows state that
REST does not serve yet. An outbox that fills up (`ws_queue_size` items, or `QUEUED_COMMAND_BYTES` of commands: a
client that does not read) ends the connection at once, even while a send waits for the client to read: error 25 per
subscription, then close 1008, both written past the transport's flow control (`web.UNTHROTTLED`), so they follow
what is already on its way; memory never grows past the bound.

The queue size and the subscription limits come from the venue context; ping interval, timeout, frame size and the
send buffer are the server's (`server.py`).

Faults (docs/misbehaving.md): an open connection is registered in the context's `connections`, so the control plane can
close it with a code of its choosing (`close_soon`); a channel rule of the context's `faults` delays a message before
it is sent (the connection's later frames wait behind it: the order is kept).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque

import orjson
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.auth.kalshi.signature import AuthFailure
from mockexchange.bounded_json import parse_json
from mockexchange.core.clock import epoch_ms
from mockexchange.core.events import Change
from mockexchange.venues.kalshi.context import KalshiContext, authenticate_scope
from mockexchange.venues.kalshi.errors import auth_error
from mockexchange.venues.kalshi.subscriptions import (
    BUFFER_OVERFLOW,
    SERVED_CHANNELS,
    UNABLE_TO_PROCESS,
    Envelope,
    Subscriptions,
    error,
)
from mockexchange.web import GONE, close_now, next_message, send_text, until_first_ends

WS_PATH = "/trade-api/ws/v2"
# Kalshi's close code after an overflow is not known; 1008 (policy violation) says the server ended it on purpose.
OVERFLOW_CLOSE_CODE = 1008
# A bug of the mock's while sending: close with 1011 (internal error) rather than leave the client waiting.
INTERNAL_ERROR_CLOSE_CODE = 1011
# Commands waiting in one outbox, in bytes: a client that sends without reading the replies overflows here long before
# `ws_queue_size` frames of up to 64 KiB each (64 MiB) would be held.
QUEUED_COMMAND_BYTES = 4 << 20
# Frames sent in a row before the sender lets the loop serve other connections: a fill fanned out to a connection's
# 1,000 subscriptions must not hold every other client up for the whole of it.
FAIR_SHARE = 32
log = logging.getLogger(__name__)

# Ledger change kind -> (channel, message type)
_CHANNEL_OF = {"fill": ("fill", "fill"), "position": ("market_positions", "market_position")}


class Connection:
    """One authenticated client: its subscriptions, its outbox, and the task that sends."""

    venue = "kalshi"

    def __init__(self, ctx: KalshiContext, key: ApiKey, websocket: WebSocket, queue_size: int) -> None:
        self.ctx = ctx
        self.key = key
        self.websocket = websocket
        self.subscriptions = Subscriptions(ctx.ws_max_subscriptions, ctx.ws_max_markets)
        self._loop = asyncio.get_running_loop()
        self._outbox: deque[Change | str | bytes] = deque()
        self._command_bytes = 0  # of the commands in the outbox
        self._lock = threading.Lock()
        self._ready = asyncio.Event()
        self._overflow = asyncio.Event()  # set on the loop when the outbox overflows: the connection ends
        self._limit = queue_size
        self.overflowed = False
        self._closed = False
        # Channels the client has asked for, ever: changes for no such channel are not queued. It is noted when a
        # subscribe arrives, before it is processed, so a change published in between is still queued behind it.
        self._interest: frozenset[str] = frozenset()
        self._closing = asyncio.Event()  # set on the loop when the control plane closes the connection
        self._close_request: tuple[int, str] | None = None  # its close code and reason

    @property
    def user_id(self) -> str:
        return self.key.user_id

    @property
    def key_id(self) -> str:
        return self.key.key_id

    # -- any thread ---------------------------------------------------------------------------------------------------

    def on_change(self, change: Change) -> None:
        """The bus callback: runs in the thread that changed the ledger, with the ledger's lock held. It only hands
        the change over."""
        if change.kind not in _CHANNEL_OF or change.user_id != self.key.user_id:
            return
        if _CHANNEL_OF[change.kind][0] not in self._interest:
            return
        if self.key.subaccount is not None and change.payload.subaccount != self.key.subaccount:
            return  # a subaccount-locked key sees its own subaccount only
        self._put(change, from_loop=False)

    def _put(self, item: Change | str | bytes, from_loop: bool) -> None:
        size = 0 if isinstance(item, Change) else len(item)  # a change is one shared object, rendered when sent
        with self._lock:
            if self.overflowed or self._closed:
                return
            if len(self._outbox) >= self._limit or self._command_bytes + size > QUEUED_COMMAND_BYTES:
                self.overflowed = True
                self._outbox.clear()  # the subscriptions are over; what they held is dropped
                self._command_bytes = 0
                wake = self._overflow.set  # the sender may be waiting for the client to read: stop it
            else:
                self._outbox.append(item)
                self._command_bytes += size
                if len(self._outbox) > 1:
                    return  # the sender waits only on an empty outbox
                wake = self._ready.set
        if from_loop:
            wake()
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed: the server stopped under this connection
            self._loop.call_soon_threadsafe(wake)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._outbox.clear()

    def close_soon(self, code: int, reason: str) -> bool:
        """End the connection with this close code (a fault, from any thread); False if it is ending already."""
        with self._lock:
            if self._closed or self.overflowed or self._close_request is not None:
                return False
            self._close_request = (code, reason)
        try:
            self._loop.call_soon_threadsafe(self._closing.set)
        except RuntimeError:  # the loop has closed: the server stopped under this connection
            return False
        return True

    # -- the connection's loop -----------------------------------------------------------------------------------------

    async def run(self) -> None:
        failure = await until_first_ends(self._read(), self._send_all(), self._overflow.wait(), self._closing.wait())
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
            self._put(data, from_loop=True)

    def _note_interest(self, data: str | bytes) -> None:
        try:
            command = parse_json(data)
        except orjson.JSONDecodeError:
            return  # the sender answers it
        params = command.get("params") if isinstance(command, dict) and command.get("cmd") == "subscribe" else None
        channels = params.get("channels") if isinstance(params, dict) else None
        if isinstance(channels, list):
            self._interest = self._interest | {c for c in channels if c in SERVED_CHANNELS}

    def _take(self) -> Change | str | bytes | None:
        with self._lock:
            if not self._outbox:
                return None
            item = self._outbox.popleft()
            if not isinstance(item, Change):
                self._command_bytes -= len(item)
            return item

    async def _send_all(self) -> None:
        in_a_row = 0
        while not self.overflowed:
            item = self._take()
            if item is None:
                self._ready.clear()
                if not self.overflowed and not self._outbox:  # re-checked after clear: no wake-up is lost
                    await self._ready.wait()
                in_a_row = 0
                continue
            envelopes = self._envelopes(item)
            if envelopes and isinstance(item, Change):
                await self._delay(_CHANNEL_OF[item.kind][0])
            for envelope in envelopes:
                await self._send(envelope)
                in_a_row += 1
                if in_a_row % FAIR_SHARE == 0:
                    await asyncio.sleep(0)  # let the loop serve other connections

    async def _delay(self, channel: str) -> None:
        """Wait out a fault rule's delay of the channel's messages, if one matches."""
        fault = self.ctx.faults.message("kalshi", channel) if self.ctx.faults is not None else None
        if fault is not None and fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)

    def _envelopes(self, item: Change | str | bytes) -> list[Envelope]:
        if not isinstance(item, Change):
            return self._answer(item)
        channel, kind = _CHANNEL_OF[item.kind]
        subs = list(self.subscriptions.matching(channel, item.payload.ticker))
        if not subs:
            return []
        profile = self.ctx.profile
        msg = profile.ws_fill(item.payload) if kind == "fill" else profile.ws_market_position(item.payload)
        return [{"type": kind, "sid": sub.sid, "msg": msg} for sub in subs]

    def _answer(self, command: str | bytes) -> list[Envelope]:
        """The replies to a command; a bug of the mock's (or of the journal's) is an error 1 reply and a log line,
        never a dead connection."""
        try:
            replies = self.subscriptions.handle(command)
        except Exception as exc:
            log.exception("websocket command of key %s failed", self.key.key_id)
            replies = [error(UNABLE_TO_PROCESS, diagnosis=f"the mock failed on this command: {exc!r}")]
        if self.ctx.on_command is not None:
            try:
                self.ctx.on_command(self.key.key_id, command, replies)
            except Exception:
                log.exception("the request journal failed on a websocket command of key %s", self.key.key_id)
        return replies

    def _overflow_errors(self) -> list[Envelope]:
        sids = [sub.sid for sub in self.subscriptions]
        return [error(BUFFER_OVERFLOW, sid=sid) for sid in sids] or [error(BUFFER_OVERFLOW)]

    async def _end(self, code: int, reason: str, last: list[Envelope]) -> None:
        """The last frames and the close, written even if the client is not reading (they go behind what is already
        on its way); the server cuts off a client that does not answer the close within its close timeout."""
        with contextlib.suppress(*GONE):
            for envelope in last:
                await self._send(envelope, unthrottled=True)
        await close_now(self.websocket, code, reason)

    async def _send(self, envelope: Envelope, unthrottled: bool = False) -> None:
        envelope["sending_ts_ms"] = epoch_ms(self.ctx.wall_clock)
        # Kalshi's text frames end with a newline; JSON parsers do not mind it.
        await send_text(self.websocket, orjson.dumps(envelope).decode() + "\n", unthrottled=unthrottled)


def route(ctx: KalshiContext) -> WebSocketRoute:
    async def endpoint(websocket: WebSocket) -> None:
        # The upgrade is a GET: clients sign `timestamp + "GET" + "/trade-api/ws/v2"`.
        key = authenticate_scope(websocket.scope, websocket.headers, ctx, "GET")
        if isinstance(key, AuthFailure):
            # Refused before the upgrade, with the REST body: Kalshi's answer is not documented.
            await websocket.send_denial_response(auth_error(key).response())
            return
        await websocket.accept()
        connection = Connection(ctx, key, websocket, ctx.ws_queue_size)
        unsubscribe = ctx.ledger.bus.subscribe(connection.on_change)
        unregister = ctx.connections.add(connection) if ctx.connections is not None else None
        try:
            await connection.run()
        except Exception:
            log.exception("websocket connection of key %s failed", key.key_id)
        finally:
            if unregister is not None:
                unregister()
            unsubscribe()
            connection.close()

    return WebSocketRoute(WS_PATH, endpoint)
