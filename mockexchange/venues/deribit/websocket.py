"""Deribit's websocket, /ws/api/v2: JSON-RPC over text frames, connection-scoped auth, `user.*` subscriptions fed by
the book's trades, and the heartbeat.

`public/auth` on a connection binds it: later private requests need no `access_token` (ccxt.pro relies on this);
a connection-scoped token dies with the connection. The book publishes a trade from whatever thread made it, with
its lock held; the bus callback only hands the trade to the connection's loop, which renders the notifications
(positions and summaries valued at that moment) and sends them after any reply already being sent. A connection
whose outbox holds `ws_queue_size` undelivered notifications is closed (1008) at once, even while a send waits for a
client that does not read (the close goes past the transport's flow control, `web.UNTHROTTLED`): memory never grows
past the bound. A connection holds at most `ws_max_channels` channels (-32602 beyond). A request that is not JSON, or
nested deeper than the mock reads, is -32700 and the connection goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

import orjson
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from mockexchange.auth.deribit.authentication import Authenticated
from mockexchange.auth.deribit.errors import AuthFailure
from mockexchange.core.derivatives_book import BookError, Trade
from mockexchange.core.events import Change
from mockexchange.venues.deribit import render
from mockexchange.venues.deribit.channels import Channel, parse_channel
from mockexchange.venues.deribit.context import WS_PATH, DeribitContext
from mockexchange.venues.deribit.envelope import epoch_us, load_json, notification, read_request, reply
from mockexchange.venues.deribit.errors import (
    BAD_REQUEST,
    ERROR,
    METHOD_NOT_FOUND,
    TOO_LARGE,
    UNAUTHORIZED,
    RpcError,
    from_auth,
    invalid_param,
)
from mockexchange.venues.deribit.methods import METHODS, Call, run
from mockexchange.venues.deribit.params import Params
from mockexchange.web import close_now, next_message, until_first_ends

OVERFLOW_CLOSE_CODE = 1008
INTERNAL_ERROR_CLOSE_CODE = 1011  # a bug of the mock's: close rather than leave the client waiting
MIN_HEARTBEAT_S = 10  # Deribit refuses shorter heartbeat intervals
log = logging.getLogger(__name__)


class Connection:
    def __init__(self, ctx: DeribitContext, websocket: WebSocket) -> None:
        self.ctx = ctx
        self.websocket = websocket
        self.id = uuid.uuid4().hex
        self.caller: Authenticated | None = None  # bound by public/auth on this connection
        self.channels: dict[str, Channel] = {}
        self._loop = asyncio.get_running_loop()
        self._outbox: asyncio.Queue[Trade] = asyncio.Queue()
        self._send_lock = asyncio.Lock()
        self._heartbeat: asyncio.Task[None] | None = None
        self._overflow = asyncio.Event()  # the outbox overflowed: the connection ends
        self.overflowed = False

    # -- the bus (any thread) -----------------------------------------------------------------------------------

    def on_change(self, change: Change) -> None:
        if change.kind != "derivatives.trade" or self.caller is None or not self.channels:
            return
        if change.user_id != self.caller.credential.user_id:
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed under this connection
            self._loop.call_soon_threadsafe(self._enqueue, change.payload)

    def _enqueue(self, trade: Trade) -> None:
        if self.overflowed:
            return
        if self._outbox.qsize() >= self.ctx.ws_queue_size:
            self.overflowed = True
            while not self._outbox.empty():  # dropped: the connection ends
                self._outbox.get_nowait()
            self._overflow.set()  # the sender may be waiting for the client to read: stop it
            return
        self._outbox.put_nowait(trade)

    # -- the connection's loop ----------------------------------------------------------------------------------

    async def run(self) -> None:
        try:
            failure = await until_first_ends(self._read(), self._send_notifications(), self._overflow.wait())
        finally:
            if self._heartbeat is not None:
                self._heartbeat.cancel()
        if self.overflowed:
            await close_now(self.websocket, OVERFLOW_CLOSE_CODE, "notification buffer overflow")
        elif failure is not None:
            log.error("Deribit websocket connection failed", exc_info=failure)
            await close_now(self.websocket, INTERNAL_ERROR_CLOSE_CODE, "internal error")

    async def _read(self) -> None:
        while (data := await next_message(self.websocket)) is not None:
            await self._send(await self._answer(data))

    async def _answer(self, data: str | bytes) -> dict[str, Any]:
        us_in = epoch_us(self.ctx.wall_clock)
        request_id = None
        rpc = None
        error: RpcError | None = None
        try:
            if len(data) > self.ctx.max_body_bytes:
                raise RpcError(
                    TOO_LARGE, f"the frame has {len(data)} characters; the limit is {self.ctx.max_body_bytes}"
                )
            document = load_json(data)
            if isinstance(document, dict) and isinstance(document.get("id"), int | str):
                request_id = document["id"]
            rpc = read_request(document)
            if not rpc.has_id:
                raise RpcError(BAD_REQUEST, "a websocket request needs an id")
            if rpc.method is None:
                raise RpcError(BAD_REQUEST, "no method")
            answer = self._reply(request_id, us_in, result=await self._dispatch(rpc.method, Params(rpc.params)))
        except RpcError as exc:
            error, answer = exc, self._reply(request_id, us_in, error=exc)
        except Exception as exc:  # a bug of ours: Deribit's shape, and what broke
            log.exception("unhandled error on the Deribit websocket")
            error = RpcError(ERROR, f"internal error: {type(exc).__name__}: {exc}")
            answer = self._reply(request_id, us_in, error=error)
        if self.ctx.on_message is not None:  # the request journal, before the client has the reply
            claimed = rpc.params.get("client_id") if rpc is not None else None
            key_id = self.caller.credential.client_id if self.caller is not None else claimed
            try:
                self.ctx.on_message(key_id if isinstance(key_id, str) else None, data, rpc and rpc.method, error)
            except Exception:  # the journal's failure is no reason to leave the client without its reply
                log.exception("the request journal failed on a Deribit websocket message")
        return answer

    def _reply(self, request_id: Any, us_in: int, **outcome: Any) -> dict[str, Any]:
        us_out = epoch_us(self.ctx.wall_clock)
        return reply(request_id, us_in=us_in, us_out=us_out, testnet=self.ctx.testnet, **outcome)

    async def _dispatch(self, name: str, params: Params) -> Any:
        scope, _, method_name = name.partition("/")
        if method_name in ("subscribe", "unsubscribe", "unsubscribe_all") and scope in ("public", "private"):
            # public/subscribe to a user.* channel still needs the connection's auth.
            caller = self._caller(params) if name == "private/subscribe" else self.caller
            return self._subscriptions(method_name, params, caller)
        if name == "public/set_heartbeat":
            return self._set_heartbeat(params)
        if name == "public/disable_heartbeat":
            if self._heartbeat is not None:
                self._heartbeat.cancel()
                self._heartbeat = None
            return "ok"
        method = METHODS.get(name)
        if method is None:
            raise RpcError(METHOD_NOT_FOUND, f"the mock serves no method {name!r}")
        call = Call(self.ctx, params, connection_id=self.id)
        if method.scope is not None:
            call.caller = self._caller(params)
        result = run(method, call)
        if name == "public/auth":
            bound = self.ctx.auth.authenticate_token(result["access_token"], connection_id=self.id)
            if isinstance(bound, Authenticated):
                self.caller = bound
        return result

    def _caller(self, params: Params) -> Authenticated:
        token = params.get("access_token")
        if token is None and self.caller is not None and self.caller.token is not None:
            token = self.caller.token.token
        if token is None:
            raise RpcError(UNAUTHORIZED, "private methods need public/auth on this connection or an access_token")
        if not isinstance(token, str):
            raise invalid_param("access_token", "must be a string")
        result = self.ctx.auth.authenticate_token(token, connection_id=self.id)
        if isinstance(result, AuthFailure):
            raise from_auth(result)
        return result

    def _subscriptions(self, method_name: str, params: Params, caller: Authenticated | None) -> Any:
        if method_name == "unsubscribe_all":
            self.channels.clear()
            return "ok"
        names = params.get("channels")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise invalid_param("channels", "must be an array of strings")
        if method_name == "unsubscribe":
            for name in names:
                self.channels.pop(name, None)
            return names
        accepted = []
        for name in names:
            channel = parse_channel(name)
            if isinstance(channel, str):
                raise invalid_param("channels", "invalid channel", f"{name}: {channel}")
            if caller is None:
                raise RpcError(UNAUTHORIZED, f"{name} is a private channel: authenticate first (public/auth)")
            if name not in self.channels and len(self.channels) >= self.ctx.ws_max_channels:
                raise invalid_param(
                    "channels",
                    "too many channels",
                    f"this connection holds {len(self.channels)} channels, the mock's limit per connection "
                    f"(Settings.ws_max_subscriptions); unsubscribe some first",
                )
            self.channels[name] = channel
            accepted.append(name)
        return accepted

    def _set_heartbeat(self, params: Params) -> str:
        interval = params.integer("interval")
        if interval is None or interval < MIN_HEARTBEAT_S:
            raise invalid_param("interval", "invalid interval", f"interval must be at least {MIN_HEARTBEAT_S} seconds")
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        self._heartbeat = asyncio.create_task(self._beat(interval))
        return "ok"

    async def _beat(self, interval: int) -> None:
        while True:
            await asyncio.sleep(interval)
            await self._send(notification("heartbeat", {"type": "test_request"}))

    async def _send_notifications(self) -> None:
        while True:
            trade = await self._outbox.get()
            for message in self._notifications(trade):
                await self._send(message)

    def _notifications(self, trade: Trade) -> list[dict[str, Any]]:
        caller = self.caller
        if caller is None:
            return []
        book = self.ctx.book
        messages = []
        with book.reading():
            try:
                wallet = book.wallet(caller.credential.user_id, caller.credential.subaccount_id)
                instrument = book.instrument(trade.instrument_name)
            except BookError:
                return []
            if trade.account_id != wallet.id:
                return []
            trade_row = render.trade(trade, instrument.contract_size)
            for channel in list(self.channels.values()):
                try:
                    data = self._data(channel, trade, trade_row, instrument, wallet.id, wallet.username)
                except BookError:
                    continue
                if data is not None:
                    messages.append(notification("subscription", {"channel": channel.name, "data": data}))
        return messages

    def _data(
        self, channel: Channel, trade: Trade, trade_row: dict, instrument: Any, wallet_id: int, username: str
    ) -> Any:
        book = self.ctx.book
        if channel.family == "portfolio":
            if channel.currency != instrument.settlement_currency:
                return None
            summary = book.account_summary(trade.user_id, instrument.settlement_currency, wallet_id)
            return render.account_summary(summary, username=username, portfolio=True)
        if not channel.carries(instrument):
            return None
        if channel.family == "trades":
            return [trade_row]
        position = book.position(trade.user_id, trade.instrument_name, wallet_id)
        return {
            "instrument_name": trade.instrument_name,
            "trades": [trade_row],
            "positions": [render.position(position)],
            "orders": [],
        }

    async def _send(self, message: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.websocket.send_text(orjson.dumps(message).decode())


def route(ctx: DeribitContext) -> WebSocketRoute:
    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        connection = Connection(ctx, websocket)
        unsubscribe = ctx.book.bus.subscribe(connection.on_change)
        try:
            await connection.run()
        except (WebSocketDisconnect, OSError):
            pass
        except Exception:
            log.exception("Deribit websocket connection failed")
        finally:
            unsubscribe()
            ctx.auth.tokens.close_connection(connection.id)

    return WebSocketRoute(WS_PATH, endpoint)
