"""Kalshi's websocket, /trade-api/ws/v2: authentication of the upgrade, and each connection's fan-out of ledger changes
to its `market_positions` and `fill` subscriptions.

The ledger publishes a change from whatever thread made it, holding its lock; a connection's bus callback only appends
the change to the connection's bounded outbox and wakes the connection's event loop. The client's commands go into the
same outbox, and one task drains it in order, so the wire follows one order: a `subscribed` reply comes before the
first message of its sid, a change made before a subscribe is never sent on it, and a message never shows state that
REST does not serve yet. An outbox that fills up (a client that does not read) ends the connection: error 25, then
close; memory never grows past the bound.

The queue size comes from the venue context; ping interval, timeout and frame size are uvicorn's (`server.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque

import orjson
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketDisconnected

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.auth.kalshi.signature import AuthFailure
from mockexchange.core.clock import epoch_ms
from mockexchange.core.events import Change
from mockexchange.venues.kalshi.context import KalshiContext, authenticate_scope
from mockexchange.venues.kalshi.errors import auth_error
from mockexchange.venues.kalshi.subscriptions import BUFFER_OVERFLOW, SERVED_CHANNELS, Envelope, Subscriptions, error
from mockexchange.web import next_message

WS_PATH = "/trade-api/ws/v2"
# Kalshi's close code after an overflow is not known; 1008 (policy violation) says the server ended it on purpose.
OVERFLOW_CLOSE_CODE = 1008
log = logging.getLogger(__name__)

# Ledger change kind -> (channel, message type)
_CHANNEL_OF = {"fill": ("fill", "fill"), "position": ("market_positions", "market_position")}


class Connection:
    """One authenticated client: its subscriptions, its outbox, and the task that sends."""

    def __init__(self, ctx: KalshiContext, key: ApiKey, websocket: WebSocket, queue_size: int) -> None:
        self.ctx = ctx
        self.key = key
        self.websocket = websocket
        self.subscriptions = Subscriptions()
        self._loop = asyncio.get_running_loop()
        self._outbox: deque[Change | str | bytes] = deque()
        self._lock = threading.Lock()
        self._ready = asyncio.Event()
        self._limit = queue_size
        self.overflowed = False
        self._closed = False
        # Channels the client has asked for, ever: changes for no such channel are not queued. It is noted when a
        # subscribe arrives, before it is processed, so a change published in between is still queued behind it.
        self._interest: frozenset[str] = frozenset()

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
        with self._lock:
            if self.overflowed or self._closed:
                return
            if len(self._outbox) >= self._limit:
                self.overflowed = True
                self._outbox.clear()  # the subscriptions are over; what they held is dropped
                wake = True
            else:
                self._outbox.append(item)
                wake = len(self._outbox) == 1  # the sender waits only on an empty outbox
        if not wake:
            return
        if from_loop:
            self._ready.set()
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed: the server stopped under this connection
            self._loop.call_soon_threadsafe(self._ready.set)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._outbox.clear()

    # -- the connection's loop -----------------------------------------------------------------------------------------

    async def run(self) -> None:
        reader = asyncio.create_task(self._read())
        sender = asyncio.create_task(self._send_all())
        try:
            await asyncio.wait({reader, sender}, return_when=asyncio.FIRST_COMPLETED)
        finally:  # one ended (or the server is stopping): the other has nothing left to do
            reader.cancel()
            sender.cancel()
        for task in (reader, sender):
            # The client went away while a frame was being sent: nothing to do.
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, WebSocketDisconnected, OSError):
                await task

    async def _read(self) -> None:
        while (data := await next_message(self.websocket)) is not None:
            self._note_interest(data)
            self._put(data, from_loop=True)

    def _note_interest(self, data: str | bytes) -> None:
        try:
            command = orjson.loads(data)
        except orjson.JSONDecodeError:
            return  # the sender answers it
        params = command.get("params") if isinstance(command, dict) and command.get("cmd") == "subscribe" else None
        channels = params.get("channels") if isinstance(params, dict) else None
        if isinstance(channels, list):
            self._interest = self._interest | {c for c in channels if c in SERVED_CHANNELS}

    def _take(self) -> Change | str | bytes | None:
        with self._lock:
            return self._outbox.popleft() if self._outbox else None

    async def _send_all(self) -> None:
        while True:
            if self.overflowed:
                await self._end_overflowed()
                return
            item = self._take()
            if item is None:
                self._ready.clear()
                if not self.overflowed and not self._outbox:  # re-checked after clear: no wake-up is lost
                    await self._ready.wait()
                continue
            for envelope in self._envelopes(item):
                await self._send(envelope)

    def _envelopes(self, item: Change | str | bytes) -> list[Envelope]:
        if not isinstance(item, Change):
            replies = self.subscriptions.handle(item)
            if self.ctx.on_command is not None:
                self.ctx.on_command(self.key.key_id, item, replies)
            return replies
        channel, kind = _CHANNEL_OF[item.kind]
        subs = list(self.subscriptions.matching(channel, item.payload.ticker))
        if not subs:
            return []
        profile = self.ctx.profile
        msg = profile.ws_fill(item.payload) if kind == "fill" else profile.ws_market_position(item.payload)
        return [{"type": kind, "sid": sub.sid, "msg": msg} for sub in subs]

    async def _end_overflowed(self) -> None:
        sids = [sub.sid for sub in self.subscriptions]
        for envelope in [error(BUFFER_OVERFLOW, sid=sid) for sid in sids] or [error(BUFFER_OVERFLOW)]:
            await self._send(envelope)
        await self.websocket.close(OVERFLOW_CLOSE_CODE, "Subscription buffer overflow")

    async def _send(self, envelope: Envelope) -> None:
        envelope["sending_ts_ms"] = epoch_ms(self.ctx.wall_clock)
        # Kalshi's text frames end with a newline; JSON parsers do not mind it.
        await self.websocket.send_text(orjson.dumps(envelope).decode() + "\n")


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
        try:
            await connection.run()
        except Exception:
            log.exception("websocket connection of key %s failed", key.key_id)
        finally:
            unsubscribe()
            connection.close()

    return WebSocketRoute(WS_PATH, endpoint)
