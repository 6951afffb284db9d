"""Deribit's websocket, /ws/api/v2: JSON-RPC over text frames, connection-scoped auth, `user.*` subscriptions fed by
the exchange's trades, and the heartbeat.

`public/auth` on a connection binds it: later private requests need no `access_token` (ccxt.pro relies on this);
a connection-scoped token dies with the connection. The exchange publishes a trade from whatever thread made it, with
its lock held; the venue's one bus subscriber (`venues/fanout.py`) hands it, once, to the event loop of the
connections bound to its user, where each connection with a channel queues it; the notifications are rendered when
the first of them sends (`notifications.py`: positions and summaries valued at that moment, each channel family once
for all of them) and sent after any reply already being sent. A connection whose outbox holds `ws_queue_size`
undelivered notifications, or `ws_queue_bytes` bytes of them (each counted at what it holds, its renderings as they
are made: `venues/outbox.py`; a channel's first notification is read from the exchange when it is sent, so it waits
nowhere), is closed (1008) at once, even while a send waits for a client that does not read (the close goes past the
transport's flow control, `web.extensions.UNTHROTTLED`): memory never grows past the bound. A connection holds at
most `ws_max_channels` channels (-32602 beyond). A request that is not JSON, or nested deeper than the mock reads, is
-32700 and the connection goes on. A request over the rate limit (`rate_limits.py`) is answered 10028 and the session
ends (1008), as Deribit terminates it.

Faults (docs/misbehaving.md): a call is faulted by a path rule of the context's `faults` naming `/api/v2/{method}` (a
rule naming an HTTP method does not match a call): a status answers the call with the JSON-RPC error for it
(`faults.py`), a delay waits before the call runs (the connection's later calls wait behind it), a drop ends the
connection without an answer and without a close frame. A channel rule delays a notification before it is sent. An
open connection is registered in the context's `connections`, so the control plane can close it with a code
(`close_soon`; once `public/auth` bound it, it acts for that account and client id).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from itertools import islice
from typing import Any

import orjson
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from mockexchange.auth.deribit.authentication import Authenticated
from mockexchange.auth.deribit.errors import AuthFailure
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.faults import Fault
from mockexchange.core.numbers import INT64_MAX
from mockexchange.core.stepping import EVERYTHING, Footprint
from mockexchange.core.values import Decimals
from mockexchange.venues import admission
from mockexchange.venues.deribit import cancel_on_disconnect, faults, rate_limits
from mockexchange.venues.deribit.cash_notifications import CashNotifications, SubscribedPortfolio
from mockexchange.venues.deribit.channels import Channel, parse_channel
from mockexchange.venues.deribit.context import DeribitContext
from mockexchange.venues.deribit.delivery_notifications import DeliveryNotifications
from mockexchange.venues.deribit.envelope import epoch_us, load_json, notification, read_request, reply
from mockexchange.venues.deribit.errors import (
    BAD_REQUEST,
    ERROR,
    METHOD_NOT_FOUND,
    RAW_SUBSCRIPTIONS_NOT_AVAILABLE,
    TOO_LARGE,
    UNAUTHORIZED,
    RpcError,
    from_auth,
    invalid_param,
)
from mockexchange.venues.deribit.market_subscriptions import MarketSubscriptions, is_market, parse_market_channel
from mockexchange.venues.deribit.methods import WS_ONLY, RpcCall, answer
from mockexchange.venues.deribit.mmp_notifications import MmpTriggerNotifications
from mockexchange.venues.deribit.notifications import TradeNotifications
from mockexchange.venues.deribit.orders import OrderNotifications
from mockexchange.venues.deribit.params import BOOLEAN, CURRENCIES, Params
from mockexchange.venues.deribit.portfolio_channels import PortfolioChannels
from mockexchange.venues.deribit.public_channels import KINDS as MARKET_KINDS
from mockexchange.venues.deribit.public_channels import Initial, MarketItem, Routing, change_bytes
from mockexchange.venues.deribit.table import METHODS
from mockexchange.venues.fanout import Deliver, Fanout, HandedChange
from mockexchange.venues.faults import delay_message, diagnosis, pause
from mockexchange.venues.outbox import Outbox
from mockexchange.web.websocket import close_now, drop_now, next_message, until_first_ends

OVERFLOW_CLOSE_CODE = 1008
RATE_LIMIT_CLOSE_CODE = 1008  # after a 10028 reply Deribit terminates the session; its close code is not documented
INTERNAL_ERROR_CLOSE_CODE = 1011  # a bug of the mock's: close rather than leave the client waiting
LOGOUT_CLOSE_CODE = 1000  # a normal close: Deribit says the connection closes, not with which code
MIN_HEARTBEAT_S = 10  # Deribit refuses shorter heartbeat intervals
# A heartbeat's interval: a number of seconds (the docs' type) of an int64's range, to the millisecond (at least
# MIN_HEARTBEAT_S: checked apart, in Deribit's words)
HEARTBEAT = Decimals(Decimal(-INT64_MAX), Decimal(INT64_MAX), 3)
log = logging.getLogger(__name__)


TRADES = "derivatives.trade"  # the exchange's change kinds the notifications come from
ORDERS = "derivatives.order"  # (core/derivative_orders.py's CHANGE)
DELIVERIES = "derivatives.delivery"  # a future or option delivered at expiry (user.changes, user.portfolio)
CASH = "derivatives.cash"  # a deposit, withdrawal or transfer (user.portfolio)
MMP_TRIGGER = "derivatives.mmp_trigger"  # market maker protection triggered (user.mmp_trigger)
Notifications = (
    TradeNotifications | OrderNotifications | DeliveryNotifications | CashNotifications | MmpTriggerNotifications
)
Queued = Notifications | MarketItem | Initial  # what waits in a connection's outbox


class DeribitConnection:
    venue = "deribit"

    def __init__(
        self,
        ctx: DeribitContext,
        websocket: WebSocket,
        fanout: Fanout[DeribitConnection] | None = None,
        market_fanout: Fanout[DeribitConnection] | None = None,
    ) -> None:
        self.ctx = ctx
        self.websocket = websocket
        self.id = uuid.uuid4().hex
        self.caller: Authenticated | None = None  # bound by public/auth on this connection
        self.access_token: str | None = None  # the token it was bound with (the store holds only its digest)
        self.channels: dict[str, Channel] = {}
        self.loop = asyncio.get_running_loop()
        self._fanout = fanout
        self._leave_fanout: Callable[[], None] | None = None  # while bound: the fan-out hands over its user's trades
        self._outbox: Outbox[Queued] = Outbox(ctx.ws_queue_size, ctx.ws_queue_bytes, self.overflow_now)
        self._ready = asyncio.Event()  # set when the outbox has something (the sender waits on an empty one)
        self.market = MarketSubscriptions(ctx.exchange, ctx.levels, market_fanout, self)  # the public channels
        self.portfolio = PortfolioChannels(ctx.exchange, market_fanout, self)  # user.portfolio as marks move
        self._replied = asyncio.Event()  # cleared while a subscription's first notifications wait for its reply
        self._replied.set()
        self._send_lock = asyncio.Lock()
        self._heartbeat: asyncio.Task[None] | None = None
        self._overflow = asyncio.Event()  # the outbox overflowed: the connection ends
        self.overflowed = False
        self.client_host = websocket.client.host if websocket.client is not None else None
        self.rate_limited = False  # a request was refused with 10028: the session ends after its reply
        self.fault: Fault | None = None  # what a fault rule does to the message being answered
        self.dropped = False  # a fault rule dropped the connection: nothing more is written
        self._closing = asyncio.Event()  # set on the loop when the control plane closes the connection
        self._close_request: tuple[int, str] | None = None  # its close code and reason
        self.session = ctx.sessions[self.id] = cancel_on_disconnect.DisconnectSession()  # its cancel on disconnect
        self.logged_out = False  # private/logout answered nothing: the connection closes, its orders kept

    @property
    def user_id(self) -> str | None:
        return self.caller.credential.user_id if self.caller is not None else None

    @property
    def key_id(self) -> str | None:
        return self.caller.credential.client_id if self.caller is not None else None

    def subscribed(self, limit: int) -> tuple[list[dict[str, object]], int]:
        """The first `limit` channels held, and how many; for the inspector (a read, on the connection's loop)."""
        names = islice((*self.channels, *self.market.channels), limit)
        return [{"channel": name} for name in names], len(self.channels) + len(self.market.channels)

    def close_soon(self, code: int, reason: str) -> bool:
        """End the connection with this close code (a fault, from any thread); False if it is ending already."""
        if self._close_request is not None or self.dropped or self.overflowed:
            return False
        self._close_request = (code, reason)
        try:
            self.loop.call_soon_threadsafe(self._closing.set)
        except RuntimeError:  # the loop has closed under this connection
            return False
        return True

    # -- the fan-out's hand-over (the loop) ---------------------------------------------------------------------

    def accept(self, item: Queued) -> None:
        """A trade of the bound user (or a change of market data): queued, if the connection holds a channel for it,
        for the sender to render and send."""
        if self.overflowed:
            return
        if isinstance(item, MarketItem | Initial):
            if not self.market.channels and not self.portfolio.routed:
                return
        elif self.caller is None or not self.channels:
            return
        if self._outbox.put(item) and len(self._outbox) == 1:  # (past a bound, the outbox calls overflow_now)
            self._ready.set()

    def overflow_now(self) -> None:
        """More notifications waiting than the bound: dropped, and the connection ends."""
        if self.overflowed:
            return
        self.overflowed = True
        self._outbox.clear()
        self._overflow.set()  # the sender may be waiting for the client to read: stop it

    def _bind(self, caller: Authenticated, access_token: str) -> None:
        """public/auth bound the connection to `caller`: its user's trades come here from now on (its public
        channels, keyed by what they are of, stay as they are)."""
        previous = self.caller
        self.caller, self.access_token = caller, access_token
        if self._fanout is None or (previous is not None and previous.credential.user_id == caller.credential.user_id):
            return
        self._leave_user()
        self._leave_fanout = self._fanout.add(caller.credential.user_id, self, self.loop)

    def _leave_user(self) -> None:
        if self._leave_fanout is not None:
            self._leave_fanout()
            self._leave_fanout = None

    def close(self) -> None:
        """The connection ended: out of the fan-outs, and what waited for it dropped (a change it held no longer
        tells it how much it grows)."""
        self.market.close()
        self.portfolio.close()
        self._leave_user()
        self._outbox.clear()

    # -- the connection's loop ----------------------------------------------------------------------------------

    async def run(self) -> None:
        try:
            failure = await until_first_ends(
                self._read(), self._send_notifications(), self._overflow.wait(), self._closing.wait()
            )
        finally:
            if self._heartbeat is not None:
                self._heartbeat.cancel()
        if self.dropped:
            return
        if self.overflowed:
            await close_now(self.websocket, OVERFLOW_CLOSE_CODE, "notification buffer overflow")
        elif self.rate_limited:
            await close_now(self.websocket, RATE_LIMIT_CLOSE_CODE, "too_many_requests")
        elif self._close_request is not None:
            await close_now(self.websocket, *self._close_request)
        elif self.logged_out:
            await close_now(self.websocket, LOGOUT_CLOSE_CODE, "logout")
        elif failure is not None:
            log.error("Deribit websocket connection failed", exc_info=failure)
            await close_now(self.websocket, INTERNAL_ERROR_CLOSE_CODE, "internal error")

    async def _read(self) -> None:
        while (data := await next_message(self.websocket)) is not None:
            answer = await self._answer(data)
            if answer is None:  # a fault rule dropped the connection
                self.dropped = True
                await drop_now(self.websocket)
                return
            if self.logged_out:
                return  # private/logout has no reply: the connection closes
            await self._send(answer)
            self._replied.set()  # a subscription's first notifications follow its reply
            if self.rate_limited:
                return  # the 10028 reply is sent; the session ends

    async def _answer(self, data: str | bytes) -> dict[str, Any] | None:
        """The reply to a message; None when a fault rule drops the connection instead."""
        us_in = epoch_us(self.ctx.wall_clock)
        request_id = None
        rpc = None
        error: RpcError | None = None
        answer: dict[str, Any] | None = None
        self.fault = None
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
            if not await self._faulted(rpc.method):
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
                key_id = key_id if isinstance(key_id, str) else None
                self.ctx.on_message(key_id, data, rpc.method if rpc is not None else None, error, self.fault)
            except Exception:  # the journal's failure is no reason to leave the client without its reply
                log.exception("the request journal failed on a Deribit websocket message")
        return answer

    async def _faulted(self, method: str) -> bool:
        """Obey a fault rule for this call, if one matches: wait out a delay (False), raise a status's JSON-RPC error,
        or say the connection drops (True)."""
        rules = self.ctx.faults
        fault = rules.request("deribit", None, faults.call_path(method)) if rules is not None else None
        if fault is None:
            return False
        self.fault = fault
        if fault.delay_ms is not None:
            await pause(fault)
            return False
        if fault.drop:
            return True
        assert fault.status is not None
        raise faults.status_error(fault.status, diagnosis(fault))

    def _reply(self, request_id: Any, us_in: int, **outcome: Any) -> dict[str, Any]:
        us_out = epoch_us(self.ctx.wall_clock)
        return reply(request_id, us_in=us_in, us_out=us_out, testnet=self.ctx.testnet, **outcome)

    async def _dispatch(self, name: str, params: Params) -> Any:
        table = METHODS if self.ctx.methods is None else self.ctx.methods
        if name in table or name in WS_ONLY:
            self._charge(name)
        scope, _, method_name = name.partition("/")
        if method_name in ("subscribe", "unsubscribe", "unsubscribe_all") and scope in ("public", "private"):
            # public/subscribe to a user.* channel still needs the connection's auth.
            caller = self._caller(params) if name == "private/subscribe" else self.caller
            # (it reads the exchange: once no long command runs over it, venues/admission.py)
            subscribing = partial(self._subscriptions, method_name, params, caller)
            return await admission.inline(self.ctx.exchange.lock, admission.everything, subscribing)
        if name == "public/set_heartbeat":
            return self._set_heartbeat(params)
        if name == "private/logout":
            return self._log_out(params)
        if name == "public/disable_heartbeat":
            if self._heartbeat is not None:
                self._heartbeat.cancel()
                self._heartbeat = None
            return "ok"
        method = table.get(name)
        if method is None:
            raise RpcError(METHOD_NOT_FOUND, f"the mock serves no method {name!r}")
        call = RpcCall(self.ctx, params, connection_id=self.id)
        if method.scope is not None:
            call.caller = self._caller(params)
        result = await answer(method, call)
        self.session.note(self.ctx, call, name, result)
        if name == "public/auth":
            bound = self.ctx.auth.authenticate_token(result["access_token"], connection_id=self.id)
            if isinstance(bound, Authenticated):
                self._bind(bound, result["access_token"])
        return result

    def _log_out(self, params: Params) -> None:
        """private/logout: the connection closes without a reply and without cancel on disconnect (a graceful close,
        as Deribit documents); with `invalidate_token` (the default) the tokens granted on it, and the one it is
        authorized with, stop working."""
        caller_token = params.get("access_token")
        self._caller(params)
        if params.read("invalidate_token", BOOLEAN, True):
            bound = caller_token if isinstance(caller_token, str) else self.access_token
            self.ctx.auth.log_out(self.id, bound)
        self.session.placed.clear()
        self.logged_out = True

    def _charge(self, name: str) -> None:
        """Pay for a request with the bound account's credits, else the client address's; 10028 ends the session."""
        try:
            rate_limits.charge(self.ctx.rate_limits, name, rate_limits.subject_of(self.caller, self.client_host))
        except RpcError:
            self.rate_limited = True
            raise

    def _caller(self, params: Params) -> Authenticated:
        token = params.get("access_token")
        if token is None:
            token = self.access_token
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
            self.market.clear()
            self.portfolio.route((), None)
            return "ok"
        names = params.get("channels")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise invalid_param("channels", "must be an array of strings")
        if method_name == "unsubscribe":
            for name in names:
                self.channels.pop(name, None)
                self.market.unsubscribe(name)
            self.portfolio.route(self.channels.values(), None)
            return names
        accepted = []
        try:
            for name in names:
                if is_market(name):
                    self._subscribe_market(name, caller)
                else:
                    self._subscribe_private(name, caller)
                accepted.append(name)
        finally:  # (the channels held before a refused one stay held, as Deribit's)
            self.portfolio.route(self.channels.values(), self.loop)
        return accepted

    def _subscribe_private(self, name: str, caller: Authenticated | None) -> None:
        channel = parse_channel(name)
        if isinstance(channel, str):
            raise invalid_param("channels", "invalid channel", f"{name}: {channel}")
        if caller is None:
            raise RpcError(UNAUTHORIZED, f"{name} is a private channel: authenticate first (public/auth)")
        new = name not in self.channels
        if new:
            self._check_room()
        self.channels[name] = channel
        if new and channel.family == "portfolio":
            self._first_portfolio(caller, channel)

    def _first_portfolio(self, caller: Authenticated, channel: Channel) -> None:
        """A portfolio channel's first notifications, queued to follow the reply (`SubscribedPortfolio`): of each
        currency it tells of that the exchange lists (as `private/get_account_summary` takes it; ccxt also subscribes
        SOL's), every listed one for `any`, in the order listed."""
        currencies = channel.currencies(CURRENCIES)
        if not currencies:
            return
        user_id = caller.credential.user_id
        try:
            wallet = self.ctx.exchange.accounts.wallet(user_id, caller.credential.subaccount_id)
        except ExchangeError:  # (its wallet is gone: it has no figures to tell)
            return
        self._replied.clear()
        for currency in currencies:
            self.accept(SubscribedPortfolio(user_id, wallet.id, channel, currency))

    def _check_room(self) -> None:
        held = len(self.channels) + len(self.market.channels)
        if held >= self.ctx.ws_max_channels:
            raise invalid_param(
                "channels",
                "too many channels",
                f"this connection holds {held} channels, the mock's limit per connection "
                f"(Settings.ws_max_subscriptions); unsubscribe some first",
            )

    def _subscribe_market(self, name: str, caller: Authenticated | None) -> None:
        """A public channel: held, and its first notification queued to follow the reply."""
        channel = parse_market_channel(name, self.ctx.exchange)
        if isinstance(channel, str):
            raise invalid_param("channels", "invalid channel", f"{name}: {channel}")
        if channel.interval == "raw" and caller is None:
            raise RpcError(RAW_SUBSCRIPTIONS_NOT_AVAILABLE, f"{name}: raw channels need an authorized connection")
        if name in self.market.channels:
            return
        self._check_room()
        initial = self.market.subscribe(channel, self.loop)
        self._replied.clear()
        self.accept(initial)

    def _set_heartbeat(self, params: Params) -> str:
        said = f"interval must be at least {MIN_HEARTBEAT_S} seconds"
        interval = params.read("interval", HEARTBEAT)  # (a number: 30.5 too; past int64 "out of range")
        if interval is None or interval < MIN_HEARTBEAT_S:
            raise invalid_param("interval", "invalid interval", said)
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        self._heartbeat = asyncio.create_task(self._beat(int(interval * 1000)))
        return "ok"

    async def _beat(self, interval_ms: int) -> None:
        # (milliseconds as a whole number: a `timedelta` overflows far below an int64 of seconds)
        while True:
            await asyncio.sleep(interval_ms / 1000)
            await self._send(notification("heartbeat", {"type": "test_request"}))

    async def _send_notifications(self) -> None:
        while True:
            if not self._outbox:
                self._ready.clear()
                await self._ready.wait()
                continue
            item = self._outbox.pop()
            await self._replied.wait()
            if self.caller is None and not isinstance(item, Initial | MarketItem):
                continue
            # Rendered from the exchange: beside a long command, once it no longer meets what the frames read.
            frames = await admission.inline(
                self.ctx.exchange.lock, partial(self._reads, item), partial(self._frames, item)
            )
            for channel, text in frames:
                if not self.portfolio.news(channel, text):
                    continue
                await delay_message(self.ctx.faults, "deribit", channel)
                await self._send_text(text)

    def _frames(self, item: Queued) -> list[tuple[str, str]]:
        """An item's frames: (channel, text) of each channel it is news to."""
        if isinstance(item, Initial):
            return self.market.first(item)
        if isinstance(item, MarketItem):
            frames = self.market.frames(item)
            if self.caller is not None and self.portfolio.routed:
                frames += self.portfolio.frames(item, self.caller, list(self.channels.values()))
            return frames
        assert self.caller is not None
        return item.frames(self.ctx.exchange, self.caller, list(self.channels.values()))

    def _reads(self, item: Queued) -> Footprint:
        """What rendering an item reads: a public channel's (`MarketSubscriptions.reads`), an account's change its own
        account's."""
        if isinstance(item, MarketItem) and self.portfolio.moved_by(item):
            return EVERYTHING  # (a wallet's figures read its account and every mark it holds)
        if isinstance(item, Initial | MarketItem):
            return self.market.reads(item)
        assert self.caller is not None
        return Footprint.of((self.caller.credential.user_id,))

    async def _send(self, message: dict[str, Any]) -> None:
        await self._send_text(orjson.dumps(message).decode())

    async def _send_text(self, text: str) -> None:
        async with self._send_lock:
            await self.websocket.send_text(text)


def deliver(batch: list[HandedChange[DeribitConnection]]) -> None:
    """The venue's share of the fan-out, on a loop: one `TradeNotifications` per trade, shared by the connections
    of its user there."""
    for change, connections, kept in batch:
        item: Notifications
        if change.kind == ORDERS:
            item = OrderNotifications(change.payload)
        elif change.kind == DELIVERIES:
            item = DeliveryNotifications(change.payload)
        elif change.kind == CASH:
            assert change.user_id is not None
            item = CashNotifications(change.user_id, change.payload)
        elif change.kind == MMP_TRIGGER:
            item = MmpTriggerNotifications(change.payload)
        else:
            item = TradeNotifications(change.payload)
        for connection in connections:
            if kept:
                connection.accept(item)
            elif connection.channels:  # the loop's inbox was full: this connection would be that far behind
                connection.overflow_now()


def deliver_market(batch: list[HandedChange[DeribitConnection]]) -> None:
    """The market fan-out's share, on a loop: one `MarketItem` per change, shared by the connections there (an
    order's own change is only the key its derived book move rides behind)."""
    for change, connections, kept in batch:
        if change.kind == ORDERS:
            continue
        item = MarketItem(change)
        for connection in connections:
            if kept:
                connection.accept(item)
            elif connection.market.channels or connection.portfolio.routed:
                connection.overflow_now()


async def _disconnected(ctx: DeribitContext, connection: DeribitConnection) -> None:
    """The connection's cancel on disconnect, once it has closed (cancel_on_disconnect.py)."""
    session = ctx.sessions.pop(connection.id, None)
    if session is None or not session.placed:
        return
    try:
        await cancel_on_disconnect.on_close(ctx, session)
    except Exception:  # (the mock stopping under it, say): the close itself has happened
        log.exception("cancel on disconnect failed for a closed Deribit websocket connection")


def route(ctx: DeribitContext) -> WebSocketRoute:
    hand_over: Deliver[DeribitConnection] = deliver
    limit, limit_bytes = ctx.ws_queue_size, ctx.ws_queue_bytes
    fanout: Fanout[DeribitConnection] = Fanout(
        ctx.exchange.state.bus,
        (TRADES, ORDERS, DELIVERIES, CASH, MMP_TRIGGER),
        hand_over,
        limit,
        limit_bytes=limit_bytes,
        weigh=change_bytes,
    )
    routing = Routing(ctx.exchange, ctx.levels)
    market: Fanout[DeribitConnection] = Fanout(
        ctx.exchange.state.bus,
        MARKET_KINDS,
        deliver_market,
        limit,
        limit_bytes=limit_bytes,
        weigh=change_bytes,
        key=routing.key,
        wide=routing.wide,
        derive=routing.derive,
    )

    async def endpoint(websocket: WebSocket) -> None:
        # Registered before the upgrade is answered, as Kalshi's: the control plane sees it once the client has its 101.
        connection = DeribitConnection(ctx, websocket, fanout, market)
        unregister = ctx.connections.add(connection) if ctx.connections is not None else None
        try:
            await websocket.accept()
            await connection.run()
        except (WebSocketDisconnect, OSError):
            pass
        except Exception:
            log.exception("Deribit websocket connection failed")
        finally:
            if unregister is not None:
                unregister()
            connection.close()
            ctx.auth.tokens.close_connection(connection.id)
            await _disconnected(ctx, connection)

    return WebSocketRoute(ctx.ws_path, endpoint)
