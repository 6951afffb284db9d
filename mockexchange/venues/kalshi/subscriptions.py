"""One websocket connection's subscriptions, and the commands that change them, answered in Kalshi's shapes.

No I/O here: `Subscriptions.handle` takes one client message and returns the replies (`subscribed`, `unsubscribed`,
`ok`, `error`, and the `orderbook_snapshot` and `ticker` messages a command asks for: each a `FirstMessage`, read from
the market by `read` when the connection sends it, so a command naming thousands of deep books holds one snapshot at a
time however slowly its client reads). Served: the private channels `market_positions`, `fill`, `user_orders` and
`order_group_updates`, the market data channels `orderbook_delta`, `ticker`, `trade`, `market_lifecycle_v2` and
`multivariate_market_lifecycle` (combo markets'), which read the markets through `Markets` (the connection's window on
the market feed and the fan-out, market_watch.py), and `communications` (RFQs and quotes, communications_frames.py:
every connection's, whatever its user, so it is watched in the fan-out as a market is; its subscribe reads `user_filter`
and the sharding, `shard_factor` and `shard_key`); and the price channels `cfbenchmarks_value`, `cfbenchmarks_value_5hz`
and `pyth_value`, whose subscriptions name ids rather than markets, each channel's way (its `IdFilter`,
price_channels.py), watched in the fan-out by id. What the mock chose where Kalshi's behaviour is not documented is
listed in docs/known-differences.md. Another venue's channels on the same commands (the perps exchange's) are its
`ChannelRules`, which a connection's `Subscriptions` is given (Kalshi's by default). A connection holds at most
`max_subscriptions` subscriptions (error 27 beyond) and `max_markets` market tickers (and ids) over all of them (error
26 beyond), each at most `MAX_TICKER_CHARS` long (error 11 beyond), so a change's fan-out and the memory a connection
holds stay bounded.

`seq` counts the frames of one subscription that carry it, from 1 and with no gap: a sequenced channel's data messages
(`orderbook_snapshot`, `orderbook_delta`, `trade`, `market_lifecycle_v2`, `multivariate_market_lifecycle`'s,
`order_group_updates`, `communications`, the price channels' and their lists) and every subscription's `ok`,
`unsubscribed` and subscription-scoped errors. A
client that misses one sees the gap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Protocol, TypeGuard

import orjson

from mockexchange.core.bounded_json import MAX_JSON_DEPTH, JsonTooDeep, parse_json
from mockexchange.core.faults import Channels
from mockexchange.core.kalshi.price_commands import ALL
from mockexchange.core.kalshi.price_records import PRICE_KINDS
from mockexchange.core.numbers import excerpt
from mockexchange.journal.refusal import DIAGNOSIS_FIELD
from mockexchange.venues.kalshi.price_channels import (
    INDEX_IDS_REQUIRED,
    PRICE_FILTERS,
    UNDERLYING_TICKERS_REQUIRED,
    IdFilter,
)

Envelope = dict[str, Any]

USER_ORDERS = "user_orders"
ORDER_GROUPS = "order_group_updates"
PRIVATE_CHANNELS = ("market_positions", "fill", USER_ORDERS, ORDER_GROUPS)
# The channels a fault rule may delay: the private ones (the market data channels are not delayed; docs/misbehaving.md).
FAULT_CHANNELS = Channels(PRIVATE_CHANNELS.__contains__, f"Kalshi's {' or '.join(PRIVATE_CHANNELS)}")
ORDERBOOK = "orderbook_delta"
TICKER = "ticker"
TRADE = "trade"
LIFECYCLE = "market_lifecycle_v2"
MVE_LIFECYCLE = "multivariate_market_lifecycle"  # combo markets' lifecycle and their events' listing
MARKET_CHANNELS = (ORDERBOOK, TICKER, TRADE, LIFECYCLE, MVE_LIFECYCLE)
COMMUNICATIONS = "communications"
PRICE_CHANNELS = PRICE_KINDS  # cfbenchmarks_value, cfbenchmarks_value_5hz, pyth_value (price_channels.py)
SERVED_CHANNELS = PRIVATE_CHANNELS + MARKET_CHANNELS + (COMMUNICATIONS,) + PRICE_CHANNELS
# Channels whose data messages carry `seq` (Kalshi's spec: not `fill`, `market_position`, `user_order` nor `ticker`).
SEQUENCED_CHANNELS = frozenset(
    {ORDERBOOK, TRADE, LIFECYCLE, MVE_LIFECYCLE, ORDER_GROUPS, COMMUNICATIONS, *PRICE_CHANNELS}
)
# Channels that take no market filter: a subscription of one gets every change (Kalshi: "market specification
# ignored" on order_group_updates and communications).
UNFILTERED_CHANNELS = frozenset({LIFECYCLE, MVE_LIFECYCLE, ORDER_GROUPS, COMMUNICATIONS})
# Channels whose subscriptions `update_subscription` does not change (error 13).
FIXED_CHANNELS = frozenset({"market_positions", LIFECYCLE, MVE_LIFECYCLE, ORDER_GROUPS, COMMUNICATIONS})
# The most shards a subscription may split a channel's messages into (Kalshi's `shard_factor`, 1-100).
MOST_SHARDS = 100
# Channels whose market filter names markets that must exist (the private ones name a user's markets, which a fill
# lists by itself; `market_lifecycle_v2` takes no filter: it gets every market).
LISTED_CHANNELS = frozenset({ORDERBOOK, TICKER, TRADE})
# Every channel Kalshi's AsyncAPI file lists; the others are refused as unknown, with a diagnosis.
KALSHI_CHANNELS = (
    "orderbook_delta",
    "ticker",
    "trade",
    "fill",
    "market_positions",
    "market_lifecycle_v2",
    "multivariate_market_lifecycle",
    "communications",
    "order_group_updates",
    "user_orders",
    "cfbenchmarks_value",
    "cfbenchmarks_value_5hz",
    "pyth_value",
)
UPDATE_ACTIONS = ("add_markets", "delete_markets", "get_snapshot")
# The subscribe and update flags the mock reads (each a boolean): Kalshi's others are ignored.
FLAGS = ("send_initial_snapshot", "skip_ticker_ack", "use_yes_price")


@dataclass(frozen=True, slots=True)
class ChannelRules:
    """A venue's channels as its subscriptions treat them (Kalshi's below; its perps exchange's,
    venues/perps/websocket.py): the commands and their errors are the same, the channels differ."""

    venue: str  # whose channels they are, as a refusal names it
    served: tuple[str, ...]
    known: tuple[str, ...]  # every channel the venue's AsyncAPI file lists: the others are refused as unknown
    market: frozenset[str]  # read through `Markets` and watched in the fan-out by market
    sequenced: frozenset[str]  # their data messages carry `seq`
    unfiltered: frozenset[str]  # they take no market filter: a subscription gets every change
    fixed: frozenset[str]  # `update_subscription` does not change them (error 13)
    listed: frozenset[str]  # their market filter names markets that must exist
    flags: tuple[str, ...]  # the subscribe and update flags read (each a boolean); the others are ignored
    market_ids: bool  # the ticker channel may name its markets by id (`market_id(s)`)
    # they read `user_filter` and the sharding (`shard_factor`, `shard_key`) of a subscribe
    audience: frozenset[str] = frozenset()
    # their subscriptions name ids, not markets, each channel's way (price_channels.py), and are watched by id
    by_ids: Mapping[str, IdFilter] = field(default_factory=dict)


KALSHI_RULES = ChannelRules(
    "Kalshi", SERVED_CHANNELS, KALSHI_CHANNELS, frozenset((*MARKET_CHANNELS, COMMUNICATIONS)), SEQUENCED_CHANNELS,
    UNFILTERED_CHANNELS, FIXED_CHANNELS, LISTED_CHANNELS, FLAGS, market_ids=True, audience=frozenset({COMMUNICATIONS}),
    by_ids=PRICE_FILTERS,
)  # fmt: skip

# Error codes and texts of Kalshi's AsyncAPI file.
UNABLE_TO_PROCESS = 1
PARAMS_REQUIRED = 2
CHANNELS_REQUIRED = 3
SIDS_REQUIRED = 4
UNKNOWN_COMMAND = 5
UNKNOWN_SID = 7
UNKNOWN_CHANNEL = 8
INVALID_PARAMETER = 11
EXACTLY_ONE_SID = 12
UNSUPPORTED_ACTION = 13
MARKET_TICKER_REQUIRED = 14
ACTION_REQUIRED = 15
SHARD_FACTOR_LOW = 19
SHARD_FACTOR_MISSING = 20
SHARD_KEY_OUTSIDE = 21
SHARD_FACTOR_HIGH = 22
BUFFER_OVERFLOW = 25
MARKET_LIMIT = 26  # Kalshi: "Adding markets would exceed the per-subscription market limit"
TOO_MANY_REQUESTS = 27  # Kalshi: a command rate limit; the mock's answer to too many subscriptions on a connection
ERROR_TEXTS = {
    UNABLE_TO_PROCESS: "Unable to process message",
    PARAMS_REQUIRED: "Params required",
    CHANNELS_REQUIRED: "Channels required",
    SIDS_REQUIRED: "Subscription IDs required",
    UNKNOWN_COMMAND: "Unknown command",
    UNKNOWN_SID: "Unknown subscription ID",
    UNKNOWN_CHANNEL: "Unknown channel name",
    INVALID_PARAMETER: "Invalid parameter",
    EXACTLY_ONE_SID: "Exactly one subscription ID is required",
    UNSUPPORTED_ACTION: "Unsupported action",
    MARKET_TICKER_REQUIRED: "Market Ticker required",
    ACTION_REQUIRED: "Action required",
    SHARD_FACTOR_LOW: "shard_factor must be > 0",
    SHARD_FACTOR_MISSING: "shard_factor is required when shard_key is set",
    SHARD_KEY_OUTSIDE: "shard_key must be >= 0 and < shard_factor",
    SHARD_FACTOR_HIGH: "shard_factor must be <= 100",
    BUFFER_OVERFLOW: "Subscription buffer overflow",
    MARKET_LIMIT: "Subscription market limit exceeded",
    TOO_MANY_REQUESTS: "Too many requests",
    INDEX_IDS_REQUIRED: "Index IDs required",
    UNDERLYING_TICKERS_REQUIRED: "Underlying tickers required",
}
# Generous: far beyond what a client of these channels needs, small enough that one change's fan-out to a single
# connection stays a fraction of a second (Settings.ws_max_subscriptions, ws_max_markets).
DEFAULT_MAX_SUBSCRIPTIONS = 1_000
DEFAULT_MAX_MARKETS = 10_000
# A market ticker's length: the admin API's bound on a ticker (control.values.MAX_TEXT), so a subscription can name
# every market the mock can list and nothing longer. Kalshi's tickers are a few dozen characters.
MAX_TICKER_CHARS = 256
# Unknown markets an error names, at most (the diagnosis says how many there were).
NAMED_UNKNOWN = 100


def error(
    code: int,
    command_id: int | None = None,
    diagnosis: str | None = None,
    sid: int | None = None,
    seq: int | None = None,
    market_tickers: list[str] | None = None,
) -> Envelope:
    envelope: Envelope = {"type": "error"}
    if command_id:
        envelope["id"] = command_id
    if sid is not None:
        envelope["sid"] = sid
    if seq is not None:
        envelope["seq"] = seq
    envelope["msg"] = {"code": code, "msg": ERROR_TEXTS[code]}
    if market_tickers:
        envelope["msg"]["market_tickers"] = market_tickers
    if diagnosis:
        envelope[DIAGNOSIS_FIELD] = diagnosis
    return envelope


class CommandError(Exception):
    def __init__(self, code: int, diagnosis: str, market_tickers: list[str] | None = None) -> None:
        super().__init__(diagnosis)
        self.code = code
        self.diagnosis = diagnosis
        self.market_tickers = market_tickers


class Markets(Protocol):
    """What the subscriptions ask of the markets (the connection's `MarketWatch`, market_watch.py)."""

    def unknown(self, tickers: list[str]) -> list[str]:
        """Those of `tickers` no market has."""

    def tickers_of(self, market_ids: list[str]) -> tuple[list[str], list[str]]:
        """The tickers of these market ids, and the ids no market has."""

    def market_id(self, ticker: str) -> str | None: ...

    def watch(self, ticker: str | None, channel: str) -> None:
        """Hand this connection the market's changes from now on (None: every market's) for a subscription of
        `channel` (a channel of ids, an id's: price_channels.py); counted."""

    def unwatch(self, ticker: str | None, channel: str) -> None: ...

    def snapshot(self, ticker: str, yes_price: bool) -> tuple[Envelope, int]:
        """The `msg` of the market's `orderbook_snapshot` now, and the book clock it is at."""

    def ticker_now(self, ticker: str) -> Envelope:
        """The `msg` of a `ticker` message of the market now."""

    def index_ids(self, channel: str) -> list[str]:
        """The ids a channel of ids has now (a price channel's indexes, as its list action answers them)."""


class NoMarkets:
    """No market feed: every market is unknown, nothing is watched."""

    def unknown(self, tickers: list[str]) -> list[str]:
        return list(tickers)

    def tickers_of(self, market_ids: list[str]) -> tuple[list[str], list[str]]:
        return [], list(market_ids)

    def market_id(self, ticker: str) -> str | None:
        return None

    def watch(self, ticker: str | None, channel: str) -> None:
        pass

    def unwatch(self, ticker: str | None, channel: str) -> None:
        pass

    def snapshot(self, ticker: str, yes_price: bool) -> tuple[Envelope, int]:
        raise AssertionError("no market is known, so none is subscribed")

    def ticker_now(self, ticker: str) -> Envelope:
        raise AssertionError("no market is known, so none is subscribed")

    def index_ids(self, channel: str) -> list[str]:
        return []


@dataclass(slots=True)
class Subscription:
    sid: int
    channel: str
    tickers: dict[str, None] | None  # an ordered set (a channel of ids: its ids); None: every market
    sequenced: bool = False  # its frames carry `seq` (a channel of its rules' `sequenced`)
    seq: int = field(default=0)
    yes_price: bool = False  # orderbook: NO levels at their YES price (`use_yes_price`)
    skip_ack: bool = False  # `ok` replies without the market lists (`skip_ticker_ack`)
    by_ids: bool = False  # ticker: subscribed by market id (`ok` replies list the ids too)
    # communications: the RFQs of the connection's user only (`user_filter: "self"`), and its shard (factor, key)
    own_only: bool = False
    shard: tuple[int, int] | None = None
    # orderbook: the book clock of each market's last snapshot; a delta at or below it is in the snapshot already
    clocks: dict[str, int] = field(default_factory=dict)
    every: bool = False  # a channel of ids: every id too (`["all"]`), beside those in `tickers`

    def wants(self, ticker: str) -> bool:
        return self.tickers is None or self.every or ticker in self.tickers

    def watched(self) -> list[str | None]:
        """What it is watched in the fan-out by: each market or id it holds, None for every one."""
        if self.tickers is None:
            return [None]
        return [*self.tickers, None] if self.every else list(self.tickers)

    def described(self, limit: int) -> dict[str, Any]:
        """For the inspector: at most `limit` of its market tickers, and how many it holds."""
        if self.tickers is None:
            return {"sid": self.sid, "channel": self.channel, "market_tickers": None}
        listed = list(islice(self.tickers, limit))
        return {"sid": self.sid, "channel": self.channel, "market_tickers": listed, "market_count": len(self.tickers)}

    def next_seq(self) -> int:
        """The subscription's next sequence number (1, 2, ...)."""
        self.seq += 1
        return self.seq


@dataclass(frozen=True, slots=True)
class FirstMessage:
    """A subscription's first message of one market (`type`: `orderbook_snapshot`, or `ticker` when
    `send_initial_snapshot` asks), read from the market when it is sent (`Subscriptions.read`). The subscription's
    other frames wait behind it, so a delta it holds already is still left out (its book clock, noted then)."""

    type: str
    command_id: int | None
    sub: Subscription
    ticker: str


Reply = Envelope | FirstMessage


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _reply(kind: str, command_id: int | None, **fields: Any) -> Envelope:
    envelope: Envelope = {"type": kind}
    if command_id:  # an id of 0 is no id
        envelope["id"] = command_id
    envelope.update(fields)
    return envelope


@dataclass(slots=True)
class _Filter:
    """A command's market filter: the tickers it names (None: none named), whether by market id, its flags."""

    tickers: list[str] | None
    by_ids: bool = False
    flags: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Audience:
    """A subscribe's `user_filter` and sharding, for the channels of the rules' `audience`."""

    own_only: bool = False
    shard: tuple[int, int] | None = None


class Subscriptions:
    def __init__(
        self,
        max_subscriptions: int = DEFAULT_MAX_SUBSCRIPTIONS,
        max_markets: int = DEFAULT_MAX_MARKETS,
        markets: Markets | None = None,
        rules: ChannelRules = KALSHI_RULES,
    ) -> None:
        self.rules = rules
        self._by_sid: dict[int, Subscription] = {}
        self._next_sid = 1
        self.max_subscriptions = max_subscriptions
        self.max_markets = max_markets
        self.markets: Markets = markets if markets is not None else NoMarkets()
        self._markets = 0  # market tickers held by all the subscriptions (a ticker in two counts twice)
        self._commands: dict[str, Callable[[int | None, dict[str, Any]], list[Reply]]] = {
            "subscribe": self._subscribe,
            "unsubscribe": self._unsubscribe,
            "list_subscriptions": self._list,
            "update_subscription": self._update,
        }

    def __iter__(self) -> Iterator[Subscription]:
        return iter(self._by_sid.values())

    def __len__(self) -> int:
        return len(self._by_sid)

    def matching(self, channel: str, ticker: str) -> list[Subscription]:
        """The subscriptions of `channel` holding `ticker` (asked once per change and connection: a list, no
        generator)."""
        return [sub for sub in self._by_sid.values() if sub.channel == channel and sub.wants(ticker)]

    def read(self, first: FirstMessage) -> Envelope:
        """A first message as the market is now (its `seq` taken now, its book clock noted)."""
        sub, ticker = first.sub, first.ticker
        if first.type == TICKER:
            return _reply(TICKER, None, sid=sub.sid, msg=self.markets.ticker_now(ticker))
        msg, sub.clocks[ticker] = self.markets.snapshot(ticker, sub.yes_price)
        return _reply("orderbook_snapshot", first.command_id, sid=sub.sid, seq=sub.next_seq(), msg=msg)

    def handle(self, raw: str | bytes) -> list[Reply]:
        """The replies to one client message."""
        try:
            command = parse_json(raw)
        except JsonTooDeep:
            return [error(UNABLE_TO_PROCESS, diagnosis=f"nested deeper than {MAX_JSON_DEPTH} levels: not read")]
        except orjson.JSONDecodeError as exc:
            return [error(UNABLE_TO_PROCESS, diagnosis=f"not JSON: {exc}")]
        if not isinstance(command, dict):
            return [error(UNABLE_TO_PROCESS, diagnosis="a command is a JSON object")]
        command_id = command.get("id")
        if command_id is not None and (not _is_int(command_id) or command_id < 0):
            return [error(UNABLE_TO_PROCESS, diagnosis="id must be a non-negative integer")]
        try:
            name = command.get("cmd")
            if name is not None and not isinstance(name, str):
                raise CommandError(UNABLE_TO_PROCESS, "cmd must be a string")
            handler = None if name is None else self._commands.get(name)
            if handler is None:
                raise CommandError(UNKNOWN_COMMAND, f"cmd {name!r} is not one of {', '.join(self._commands)}")
            return handler(command_id, command)
        except CommandError as exc:
            return [error(exc.code, command_id, exc.diagnosis, market_tickers=exc.market_tickers)]

    # -- commands -----------------------------------------------------------------------------------------------

    def _subscribe(self, command_id: int | None, command: dict[str, Any]) -> list[Reply]:
        params = _params(command)
        channels = params.get("channels")
        if channels is None or channels == []:
            raise CommandError(CHANNELS_REQUIRED, "params.channels is missing or empty")
        if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
            raise CommandError(UNABLE_TO_PROCESS, "params.channels must be an array of strings")
        rules = self.rules
        for channel in channels:
            if channel not in rules.served:
                known = channel in rules.known
                why = "the mock does not serve it" if known else f"{rules.venue} has no such channel"
                raise CommandError(UNKNOWN_CHANNEL, f"channel {channel!r}: {why}; served: {', '.join(rules.served)}")
        new = list(dict.fromkeys(channels))
        # (a market filter given only to channels that take none is ignored, as the spec says, not checked)
        filtered = not rules.unfiltered.issuperset(new)
        wanted = self._filter(params, ids_allowed=rules.market_ids and set(new) == {TICKER}, markets=filtered)
        audience = _audience(params) if rules.audience.intersection(new) else _Audience()
        if ORDERBOOK in new and wanted.tickers is None:
            raise CommandError(MARKET_TICKER_REQUIRED, "orderbook_delta needs params.market_ticker or market_tickers")
        unique = None if wanted.tickers is None else dict.fromkeys(wanted.tickers)
        if unique is not None and rules.listed.intersection(new):
            self._known(list(unique))
        seeds = self._seeds(params, [c for c in new if c in rules.by_ids], wanted)
        if len(self._by_sid) + len(new) > self.max_subscriptions:
            raise CommandError(
                TOO_MANY_REQUESTS,
                f"this connection holds {len(self._by_sid)} subscriptions; {len(new)} more would pass the mock's "
                f"limit of {self.max_subscriptions} per connection (Settings.ws_max_subscriptions)",
            )
        held = [c for c in new if c not in rules.unfiltered and c not in seeds]  # (those get every market)
        self._add_markets(len(held) * len(unique or ()) + sum(len(ids) for ids, _ in seeds.values()))
        replies: list[Reply] = []
        for channel in new:
            tickers = None if unique is None or channel in rules.unfiltered else dict(unique)
            if channel in seeds:
                tickers = dict.fromkeys(seeds[channel][0])
            sub = Subscription(
                self._next_sid,
                channel,
                tickers,
                channel in rules.sequenced,
                yes_price=channel == ORDERBOOK and wanted.flags.get("use_yes_price", False),
                skip_ack=wanted.flags.get("skip_ticker_ack", False),
                by_ids=wanted.by_ids,
            )
            if channel in rules.audience:
                sub.own_only, sub.shard = audience.own_only, audience.shard
            sub.every = channel in seeds and seeds[channel][1]
            self._next_sid += 1
            self._by_sid[sub.sid] = sub
            replies.append(_reply("subscribed", command_id, msg={"channel": channel, "sid": sub.sid}))
            if channel in rules.market or channel in seeds:
                for watched in sub.watched():
                    self.markets.watch(watched, channel)
            if channel in rules.market:
                replies += self._initial(sub, list(tickers or ()), wanted.flags, None)
        return replies

    def _seeds(self, params: dict[str, Any], channels: list[str], wanted: _Filter) -> dict[str, tuple[list[str], bool]]:
        """Each channel of ids subscribed (price_channels.py): the ids its param names, and whether it names every
        one (`"all"`). Such a channel takes no market filter."""
        if channels and wanted.tickers is not None:
            raise CommandError(INVALID_PARAMETER, f"{channels[0]} takes no market_ticker(s) nor market_id(s): "
                               "subscribe to it apart")  # fmt: skip
        seeds = {}
        for channel in channels:
            named = _ids(params, self.rules.by_ids[channel], required=False)
            seeds[channel] = ([i for i in named if i != ALL], ALL in named)
        return seeds

    def _initial(
        self, sub: Subscription, tickers: list[str], flags: dict[str, bool], command_id: int | None
    ) -> list[Reply]:
        """What a subscription starts its markets with: an `orderbook_snapshot` of each (orderbook_delta), or a `ticker`
        message of each when `send_initial_snapshot` asks (ticker); each read when it is sent."""
        if sub.channel == ORDERBOOK:
            return [FirstMessage("orderbook_snapshot", command_id, sub, ticker) for ticker in tickers]
        if sub.channel == TICKER and flags.get("send_initial_snapshot"):
            return [FirstMessage(TICKER, None, sub, ticker) for ticker in tickers]
        return []

    def _unsubscribe(self, command_id: int | None, command: dict[str, Any]) -> list[Reply]:
        params = _params(command)
        sids = params.get("sids")
        if sids is None or sids == []:
            raise CommandError(SIDS_REQUIRED, "params.sids is missing or empty")
        if not isinstance(sids, list) or not all(_is_int(s) for s in sids):
            raise CommandError(UNABLE_TO_PROCESS, "params.sids must be an array of integers")
        replies: list[Reply] = []
        for sid in sids:
            sub = self._by_sid.get(sid)
            if sub is None:
                replies.append(error(UNKNOWN_SID, command_id, f"no subscription {sid} on this connection"))
            else:
                self._drop(sub)
                replies.append(_reply("unsubscribed", command_id, sid=sid, seq=sub.next_seq()))
        return replies

    def _drop(self, sub: Subscription) -> None:
        del self._by_sid[sub.sid]
        self._markets -= len(sub.tickers or ())
        if sub.channel in self.rules.market or sub.channel in self.rules.by_ids:
            for watched in sub.watched():
                self.markets.unwatch(watched, sub.channel)

    def _list(self, command_id: int | None, command: dict[str, Any]) -> list[Reply]:
        subs = [{"channel": s.channel, "sid": s.sid} for s in sorted(self._by_sid.values(), key=lambda s: s.sid)]
        return [_reply("ok", command_id, msg=subs)]

    def _update(self, command_id: int | None, command: dict[str, Any]) -> list[Reply]:
        params = _params(command)
        action = params.get("action")
        if action is None:
            raise CommandError(ACTION_REQUIRED, "params.action is missing")
        if not isinstance(action, str):
            raise CommandError(UNABLE_TO_PROCESS, "params.action must be a string")
        sub = self._one_subscription(params)
        kind = self.rules.by_ids.get(sub.channel)
        if kind is not None:
            return [self._update_ids(command_id, sub, kind, action, params)]
        if action not in UPDATE_ACTIONS:
            raise CommandError(UNSUPPORTED_ACTION, f"action {action!r} is not one of {', '.join(UPDATE_ACTIONS)}")
        if sub.channel in self.rules.fixed:
            raise CommandError(UNSUPPORTED_ACTION, f"{sub.channel} subscriptions cannot be updated; resubscribe")
        if action == "get_snapshot" and sub.channel != ORDERBOOK:
            raise CommandError(UNSUPPORTED_ACTION, f"get_snapshot is not supported on {sub.channel}")
        wanted = self._filter(params, ids_allowed=self.rules.market_ids and sub.channel == TICKER)
        if wanted.tickers is None:
            raise CommandError(MARKET_TICKER_REQUIRED, "give params.market_ticker or params.market_tickers")
        if sub.tickers is None:
            raise CommandError(
                INVALID_PARAMETER, f"subscription {sub.sid} has no market filter (it gets every market); resubscribe"
            )
        if action == "get_snapshot":
            return self._snapshots(command_id, sub, wanted.tickers)
        if action == "delete_markets":
            return [self._delete_markets(command_id, sub, wanted.tickers)]
        return self._add_to(command_id, sub, wanted)

    def _update_ids(
        self, command_id: int | None, sub: Subscription, kind: IdFilter, action: str, params: dict[str, Any]
    ) -> Envelope:
        """An update of a channel of ids (price_channels.py): its ids added or removed (`"all"`: every one, or no
        longer), answered `ok` with the filter as it is now (`["all"]` while it takes every id); or the channel's ids
        listed, the subscription unchanged."""
        if action not in kind.actions:
            raise CommandError(UNSUPPORTED_ACTION, f"action {action!r} is not one of {', '.join(kind.actions)} on "
                               f"{sub.channel}")  # fmt: skip
        assert sub.tickers is not None
        if action == kind.listing:
            listed = {kind.param: self.markets.index_ids(sub.channel)}
            return _reply(kind.list_type, command_id, sid=sub.sid, seq=sub.next_seq(), msg=listed)
        named = _ids(params, kind, required=True)
        ids, every = [i for i in named if i != ALL], ALL in named
        if action == kind.add:
            moved = [i for i in ids if i not in sub.tickers]
            self._add_markets(len(moved))
            sub.tickers.update(dict.fromkeys(moved))
            watch: Callable[[str | None, str], None] = self.markets.watch
        else:
            moved = [i for i in ids if sub.tickers.pop(i, ...) is None]  # (those it held: the set's value is None)
            self._markets -= len(moved)
            watch = self.markets.unwatch
        if every and sub.every != (action == kind.add):  # all-mode turned on or off
            sub.every = action == kind.add
            watch(None, sub.channel)
        for moved_id in moved:
            watch(moved_id, sub.channel)
        shown = {kind.param: [ALL] if sub.every else list(sub.tickers)}
        return _reply("ok", command_id, sid=sub.sid, seq=sub.next_seq(), msg=shown)

    def _add_to(self, command_id: int | None, sub: Subscription, wanted: _Filter) -> list[Reply]:
        assert sub.tickers is not None and wanted.tickers is not None
        added = list(dict.fromkeys(t for t in wanted.tickers if t not in sub.tickers))
        if sub.channel in self.rules.listed:
            self._known(added)
        self._add_markets(len(added))
        sub.tickers.update(dict.fromkeys(added))
        if sub.channel in self.rules.market:
            for ticker in added:
                self.markets.watch(ticker, sub.channel)
        return [self._ok(command_id, sub), *self._initial(sub, added, wanted.flags, None)]

    def _delete_markets(self, command_id: int | None, sub: Subscription, tickers: list[str]) -> Envelope:
        assert sub.tickers is not None
        for ticker in dict.fromkeys(tickers):
            if sub.tickers.pop(ticker, ...) is None:  # it held the ticker (the set's value is None)
                self._markets -= 1
                sub.clocks.pop(ticker, None)
                if sub.channel in self.rules.market:
                    self.markets.unwatch(ticker, sub.channel)
        return self._ok(command_id, sub)

    def _snapshots(self, command_id: int | None, sub: Subscription, tickers: list[str]) -> list[Reply]:
        """`get_snapshot`: an `orderbook_snapshot` of each market asked for, carrying the command's id; the
        subscription is not changed."""
        assert sub.tickers is not None
        outside = [t for t in dict.fromkeys(tickers) if t not in sub.tickers]
        if outside:
            raise CommandError(
                INVALID_PARAMETER,
                f"subscription {sub.sid} does not hold {len(outside)} of these markets: add_markets first",
                outside[:NAMED_UNKNOWN],
            )
        return self._initial(sub, list(dict.fromkeys(tickers)), {}, command_id)

    def _ok(self, command_id: int | None, sub: Subscription) -> Envelope:
        """The `ok` of an update: the subscription's markets as they are now, unless it asked for `skip_ticker_ack`."""
        assert sub.tickers is not None
        if sub.skip_ack:
            return _reply("ok", command_id, sid=sub.sid, seq=sub.next_seq())
        msg: dict[str, Any] = {"market_tickers": list(sub.tickers)}
        if sub.by_ids:
            msg["market_ids"] = [self.markets.market_id(t) for t in sub.tickers]
        return _reply("ok", command_id, sid=sub.sid, seq=sub.next_seq(), msg=msg)

    def _known(self, tickers: list[str]) -> None:
        unknown = self.markets.unknown(tickers)
        if unknown:
            raise CommandError(
                INVALID_PARAMETER,
                f"{len(unknown)} of these market tickers name no market (the first: {excerpt(unknown[0])}); "
                "nothing changed",
                unknown[:NAMED_UNKNOWN],
            )

    def _add_markets(self, count: int) -> None:
        if self._markets + count > self.max_markets:
            raise CommandError(
                MARKET_LIMIT,
                f"this connection's subscriptions hold {self._markets} market tickers; {count} more would pass the "
                f"mock's limit of {self.max_markets} per connection (Settings.ws_max_markets)",
            )
        self._markets += count

    def _filter(self, params: dict[str, Any], ids_allowed: bool, markets: bool = True) -> _Filter:
        """The command's market filter and flags, checked; market ids turned into tickers (the ticker channel's).
        `markets` False: no channel of the command takes a filter, and one given is not read."""
        flags = {}
        for name in self.rules.flags:
            value = params.get(name)
            if value is not None and not isinstance(value, bool):
                raise CommandError(UNABLE_TO_PROCESS, f"params.{name} must be a boolean")
            flags[name] = bool(value)
        if not markets:
            return _Filter(None, False, flags)
        ids = _market_ids(params, ids_allowed)
        tickers = _market_filter(params)
        if ids is None:
            return _Filter(tickers, False, flags)
        if tickers is not None:
            raise CommandError(INVALID_PARAMETER, "market_id(s) and market_ticker(s) are mutually exclusive")
        found, unknown = self.markets.tickers_of(ids)
        if unknown:
            raise CommandError(
                INVALID_PARAMETER, f"{len(unknown)} of these market ids name no market (the first: {unknown[0]})"
            )
        return _Filter(found, True, flags)

    def _one_subscription(self, params: dict[str, Any]) -> Subscription:
        sid, sids = params.get("sid"), params.get("sids")
        if (sid is None) == (sids is None):
            raise CommandError(EXACTLY_ONE_SID, "give exactly one of params.sid and params.sids")
        if sids is not None:
            if not isinstance(sids, list) or not all(_is_int(s) for s in sids):
                raise CommandError(UNABLE_TO_PROCESS, "params.sids must be an array of integers")
            if len(sids) != 1:
                raise CommandError(EXACTLY_ONE_SID, f"params.sids holds {len(sids)} ids; give exactly one")
            sid = sids[0]
        if not _is_int(sid):
            raise CommandError(UNABLE_TO_PROCESS, "params.sid must be an integer")
        sub = self._by_sid.get(sid)
        if sub is None:
            raise CommandError(UNKNOWN_SID, f"no subscription {sid} on this connection")
        return sub


def _params(command: dict[str, Any]) -> dict[str, Any]:
    params = command.get("params")
    if params is None:
        raise CommandError(PARAMS_REQUIRED, "the command needs params")
    if not isinstance(params, dict):
        raise CommandError(UNABLE_TO_PROCESS, "params must be a JSON object")
    return params


def _ids(params: dict[str, Any], kind: IdFilter, required: bool) -> list[str]:
    """The ids `kind.param` names, each once (absent: none), each of 1 to `MAX_TICKER_CHARS` characters; an update's
    add or remove must name one (`required`: the channel's error otherwise)."""
    given = params.get(kind.param)
    if required and not given:
        raise CommandError(kind.required, f"params.{kind.param} is missing or empty")
    if given is None:
        return []
    if not isinstance(given, list) or not all(isinstance(item, str) for item in given):
        raise CommandError(UNABLE_TO_PROCESS, f"params.{kind.param} must be an array of strings")
    if not given:
        raise CommandError(INVALID_PARAMETER, f"params.{kind.param} must not be empty: leave it out to name none")
    for item in given:
        if not item or len(item) > MAX_TICKER_CHARS:
            raise CommandError(INVALID_PARAMETER, f"an id of params.{kind.param} has 1 to {MAX_TICKER_CHARS} "
                               f"characters, not {excerpt(item)}; nothing changed")  # fmt: skip
    return list(dict.fromkeys(given))


def _audience(params: dict[str, Any]) -> _Audience:
    """`user_filter` ("" or absent: every user's RFQs; "self": the connection's own) and the shard, `shard_key` of
    `shard_factor` (the key 0 when only the factor is given), refused in the AsyncAPI's codes."""
    user_filter = params.get("user_filter")
    if user_filter is not None and not isinstance(user_filter, str):
        raise CommandError(UNABLE_TO_PROCESS, "params.user_filter must be a string")
    if user_filter not in (None, "", "self"):
        raise CommandError(INVALID_PARAMETER, f'user_filter {excerpt(user_filter)} is not one of "", "self"')
    factor, key = params.get("shard_factor"), params.get("shard_key")
    for name, value in (("shard_factor", factor), ("shard_key", key)):
        if value is not None and not _is_int(value):
            raise CommandError(UNABLE_TO_PROCESS, f"params.{name} must be an integer")
    if factor is None:
        if key is not None:
            raise CommandError(SHARD_FACTOR_MISSING, "params.shard_key needs params.shard_factor")
        return _Audience(user_filter == "self")
    if factor <= 0:
        raise CommandError(SHARD_FACTOR_LOW, f"params.shard_factor is {factor}")
    if factor > MOST_SHARDS:
        raise CommandError(SHARD_FACTOR_HIGH, f"params.shard_factor is {factor}")
    key = 0 if key is None else key
    if not 0 <= key < factor:
        raise CommandError(SHARD_KEY_OUTSIDE, f"params.shard_key is {key}, with shard_factor {factor}")
    return _Audience(user_filter == "self", (factor, key))


def _market_ids(params: dict[str, Any], allowed: bool) -> list[str] | None:
    """The market ids named by `market_id` or `market_ids` (the ticker channel's alone); None when neither is."""
    if not allowed and (params.get("market_id") is not None or params.get("market_ids") is not None):
        raise CommandError(INVALID_PARAMETER, "market_id(s) are for the ticker channel alone; use market_ticker(s)")
    return _one_or_many(params, "market_id", "market_ids")


def _market_filter(params: dict[str, Any]) -> list[str] | None:
    """The tickers named by `market_ticker` or `market_tickers` (never both); None when neither is given."""
    many = _one_or_many(params, "market_ticker", "market_tickers")
    if many is None:
        return None
    if not all(many):
        raise CommandError(INVALID_PARAMETER, "a market ticker must not be empty")
    for ticker in many:
        if len(ticker) > MAX_TICKER_CHARS:
            raise CommandError(
                INVALID_PARAMETER,
                f"a market ticker has at most {MAX_TICKER_CHARS} characters, not {excerpt(ticker)}; nothing changed",
            )
    return many


def _one_or_many(params: dict[str, Any], one_name: str, many_name: str) -> list[str] | None:
    """The strings named by the param `one_name` (a string) or `many_name` (a non-empty array of them), never both;
    None when neither is given."""
    one, many = params.get(one_name), params.get(many_name)
    if one is not None and many is not None:
        raise CommandError(INVALID_PARAMETER, f"{one_name} and {many_name} are mutually exclusive")
    if one is not None:
        if not isinstance(one, str):
            raise CommandError(UNABLE_TO_PROCESS, f"{one_name} must be a string")
        return [one]
    if many is None:
        return None
    if not isinstance(many, list) or not all(isinstance(item, str) for item in many):
        raise CommandError(UNABLE_TO_PROCESS, f"{many_name} must be an array of strings")
    if not many:
        raise CommandError(INVALID_PARAMETER, f"{many_name} must not be empty")
    return many
