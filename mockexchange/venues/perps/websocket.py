"""The perps exchange's websocket, /trade-api/ws/v2/margin: Kalshi's websocket machinery (venues/kalshi/websocket.py:
the signed upgrade, a connection's bounded outbox, its commands, the fan-out's hand-over, faults and close) serving
the channels of perps_asyncapi.yaml, fed by the perps exchange's changes (ws_frames.py) and its markets (ws_markets.py).

Served: `orderbook_delta` (a snapshot, then a delta per level moved, sequenced), `ticker` (when what it shows moved,
`send_initial_snapshot` for one now), `trade` (sequenced), `fill`, `user_orders` and `order_group_updates` (the user's
own; the groups' sequenced), and `corporate_actions` (sequenced: each change of a market's notice of a type the
channel's schema has). The commands are Kalshi's (subscribe, unsubscribe,
list_subscriptions, update_subscription with `sid` or `sids` and add_markets, delete_markets, get_snapshot), as are
the errors and the bounds on a connection's subscriptions, markets and outbox (the same settings). Ping and pong are
the server's (`server/`)."""

from __future__ import annotations

from collections.abc import Hashable

from starlette.routing import WebSocketRoute

from mockexchange.core.events import Change
from mockexchange.core.faults import Channels
from mockexchange.venues.fanout import Fanout
from mockexchange.venues.kalshi.market_frames import EVERY_MARKET
from mockexchange.venues.kalshi.subscriptions import ORDER_GROUPS, ORDERBOOK, TICKER, TRADE, USER_ORDERS, ChannelRules
from mockexchange.venues.kalshi.websocket import CommandRecorder, Connection, SocketVenue, deliver, serve_socket
from mockexchange.venues.perps.context import PerpsContext
from mockexchange.venues.perps.ws_frames import KINDS, PRIVATE, PerpsFrames, change_bytes, route_key
from mockexchange.venues.perps.ws_markets import PerpsMarketWatch, PerpTickerWatch

WS_PATH = "/trade-api/ws/v2/margin"
VENUE = "perps"
FILL = "fill"
CORPORATE_ACTIONS = "corporate_actions"
PRIVATE_CHANNELS = (FILL, USER_ORDERS)
MARKET_CHANNELS = (ORDERBOOK, TICKER, TRADE, CORPORATE_ACTIONS)
SERVED_CHANNELS = PRIVATE_CHANNELS + MARKET_CHANNELS + (ORDER_GROUPS,)
# Every channel perps_asyncapi.yaml lists
PERPS_CHANNELS = (ORDERBOOK, TICKER, TRADE, FILL, USER_ORDERS, ORDER_GROUPS, CORPORATE_ACTIONS)
PERPS_RULES = ChannelRules(
    "Kalshi's perps exchange",
    SERVED_CHANNELS,
    PERPS_CHANNELS,
    market=frozenset(MARKET_CHANNELS),
    # (the spec's payloads that require `seq`: a snapshot and delta, a trade, a corporate action, an order group's)
    sequenced=frozenset({ORDERBOOK, TRADE, CORPORATE_ACTIONS, ORDER_GROUPS}),
    unfiltered=frozenset({ORDER_GROUPS}),  # ("market specification ignored")
    fixed=frozenset({ORDER_GROUPS}),
    listed=frozenset(MARKET_CHANNELS),
    flags=("send_initial_snapshot", "skip_ticker_ack"),
    market_ids=False,
)
# The channels a fault rule may delay: the private ones, as Kalshi's
FAULT_CHANNELS = Channels(PRIVATE_CHANNELS.__contains__, f"the perps exchange's {' or '.join(PRIVATE_CHANNELS)}")


def wide_key(change: Change) -> tuple[Hashable, ...]:
    return () if change.kind in PRIVATE else (EVERY_MARKET,)


def route(ctx: PerpsContext, on_command: CommandRecorder | None) -> WebSocketRoute:
    kalshi, state = ctx.kalshi, ctx.exchange.state
    tickers = PerpTickerWatch(ctx)

    def client_id(order_id: str) -> str | None:
        order = state.orders.get(order_id)  # (a look-up: an order, once made, stays until a reset)
        return None if order is None else order.client_order_id

    def mark(ticker: str) -> int | None:
        market = state.markets.get(ticker)  # (a look-up, as the client id's)
        return None if market is None else market.mark

    fanout: Fanout[Connection] = Fanout(
        state.bus,
        KINDS,
        deliver(kalshi, lambda change: PerpsFrames(change, client_id, mark)),
        kalshi.ws_queue_size,
        limit_bytes=kalshi.ws_queue_bytes,
        weigh=change_bytes,
        key=route_key,
        wide=wide_key,
        derive=tickers,
    )
    venue = SocketVenue(
        VENUE,
        PERPS_RULES,
        lambda connection, loop: PerpsMarketWatch(ctx, fanout, tickers, connection, loop),
        on_command,
    )
    return WebSocketRoute(WS_PATH, lambda websocket: serve_socket(kalshi, websocket, fanout, venue))
