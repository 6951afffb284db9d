"""One websocket connection's subscriptions, and the commands that change them, answered in Kalshi's shapes.

No I/O here: `Subscriptions.handle` takes one client message and returns the replies (`subscribed`, `unsubscribed`,
`ok`, `error`). Only the private channels `market_positions` and `fill` are served; what the mock chose where Kalshi's
behaviour is not documented is listed in docs/known-differences.md. A connection holds at most `max_subscriptions`
subscriptions (error 27 beyond) and `max_markets` market tickers over all of them (error 26 beyond), each at most
`MAX_TICKER_CHARS` long (error 11 beyond), so a fill's fan-out and the memory a connection holds stay bounded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import orjson

from mockexchange.bounded_json import MAX_JSON_DEPTH, JsonTooDeep, parse_json
from mockexchange.core.numbers import excerpt

Envelope = dict[str, Any]

SERVED_CHANNELS = ("market_positions", "fill")
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
    BUFFER_OVERFLOW: "Subscription buffer overflow",
    MARKET_LIMIT: "Subscription market limit exceeded",
    TOO_MANY_REQUESTS: "Too many requests",
}
# Generous: far beyond what a client of these two channels needs, small enough that one fill's fan-out to a single
# connection stays a fraction of a second (Settings.ws_max_subscriptions, ws_max_markets).
DEFAULT_MAX_SUBSCRIPTIONS = 1_000
DEFAULT_MAX_MARKETS = 10_000
# A market ticker's length: the admin API's bound on a ticker (control.values.MAX_TEXT), so a subscription can name
# every market the mock can list and nothing longer. Kalshi's tickers are a few dozen characters.
MAX_TICKER_CHARS = 256
# The mock's explanation beside Kalshi's error, in a field real clients ignore.
DIAGNOSIS_FIELD = "mockexchange_diagnosis"


def error(code: int, command_id: int | None = None, diagnosis: str | None = None, sid: int | None = None) -> Envelope:
    envelope: Envelope = {"type": "error"}
    if command_id:
        envelope["id"] = command_id
    if sid is not None:
        envelope["sid"] = sid
    envelope["msg"] = {"code": code, "msg": ERROR_TEXTS[code]}
    if diagnosis:
        envelope[DIAGNOSIS_FIELD] = diagnosis
    return envelope


class CommandError(Exception):
    def __init__(self, code: int, diagnosis: str) -> None:
        super().__init__(diagnosis)
        self.code = code
        self.diagnosis = diagnosis


@dataclass(slots=True)
class Subscription:
    sid: int
    channel: str
    tickers: dict[str, None] | None  # an ordered set; None: every market
    seq: int = field(default=0)

    def wants(self, ticker: str) -> bool:
        return self.tickers is None or ticker in self.tickers

    def described(self, limit: int) -> dict[str, Any]:
        """For the inspector: at most `limit` of its market tickers, and how many it holds."""
        if self.tickers is None:
            return {"sid": self.sid, "channel": self.channel, "market_tickers": None}
        listed = list(islice(self.tickers, limit))
        return {"sid": self.sid, "channel": self.channel, "market_tickers": listed, "market_count": len(self.tickers)}

    def next_seq(self) -> int:
        """`ok` and `unsubscribed` carry the subscription's sequence number (1, 2, ...); data messages of these
        channels carry none."""
        self.seq += 1
        return self.seq


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _reply(kind: str, command_id: int | None, **fields: Any) -> Envelope:
    envelope: Envelope = {"type": kind}
    if command_id:  # an id of 0 is no id
        envelope["id"] = command_id
    envelope.update(fields)
    return envelope


class Subscriptions:
    def __init__(
        self, max_subscriptions: int = DEFAULT_MAX_SUBSCRIPTIONS, max_markets: int = DEFAULT_MAX_MARKETS
    ) -> None:
        self._by_sid: dict[int, Subscription] = {}
        self._next_sid = 1
        self.max_subscriptions = max_subscriptions
        self.max_markets = max_markets
        self._markets = 0  # market tickers held by all the subscriptions (a ticker in two counts twice)
        self._commands: dict[str, Callable[[int | None, dict[str, Any]], list[Envelope]]] = {
            "subscribe": self._subscribe,
            "unsubscribe": self._unsubscribe,
            "list_subscriptions": self._list,
            "update_subscription": self._update,
        }

    def __iter__(self) -> Iterator[Subscription]:
        return iter(self._by_sid.values())

    def __len__(self) -> int:
        return len(self._by_sid)

    def matching(self, channel: str, ticker: str) -> Iterator[Subscription]:
        for sub in self._by_sid.values():
            if sub.channel == channel and sub.wants(ticker):
                yield sub

    def handle(self, raw: str | bytes) -> list[Envelope]:
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
            handler = self._commands.get(name)  # type: ignore[arg-type]
            if handler is None:
                raise CommandError(UNKNOWN_COMMAND, f"cmd {name!r} is not one of {', '.join(self._commands)}")
            return handler(command_id, command)
        except CommandError as exc:
            return [error(exc.code, command_id, exc.diagnosis)]

    # -- commands -----------------------------------------------------------------------------------------------

    def _subscribe(self, command_id: int | None, command: dict[str, Any]) -> list[Envelope]:
        params = _params(command)
        channels = params.get("channels")
        if channels is None or channels == []:
            raise CommandError(CHANNELS_REQUIRED, "params.channels is missing or empty")
        if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
            raise CommandError(UNABLE_TO_PROCESS, "params.channels must be an array of strings")
        for channel in channels:
            if channel not in SERVED_CHANNELS:
                why = "the mock does not serve it" if channel in KALSHI_CHANNELS else "Kalshi has no such channel"
                raise CommandError(UNKNOWN_CHANNEL, f"channel {channel!r}: {why}; served: {', '.join(SERVED_CHANNELS)}")
        tickers = _market_filter(params)
        unique = None if tickers is None else dict.fromkeys(tickers)
        new = list(dict.fromkeys(channels))
        if len(self._by_sid) + len(new) > self.max_subscriptions:
            raise CommandError(
                TOO_MANY_REQUESTS,
                f"this connection holds {len(self._by_sid)} subscriptions; {len(new)} more would pass the mock's "
                f"limit of {self.max_subscriptions} per connection (Settings.ws_max_subscriptions)",
            )
        self._add_markets(len(new) * len(unique or ()))
        replies = []
        for channel in new:
            sub = Subscription(self._next_sid, channel, None if unique is None else dict(unique))
            self._next_sid += 1
            self._by_sid[sub.sid] = sub
            replies.append(_reply("subscribed", command_id, msg={"channel": channel, "sid": sub.sid}))
        return replies

    def _unsubscribe(self, command_id: int | None, command: dict[str, Any]) -> list[Envelope]:
        params = _params(command)
        sids = params.get("sids")
        if sids is None or sids == []:
            raise CommandError(SIDS_REQUIRED, "params.sids is missing or empty")
        if not isinstance(sids, list) or not all(_is_int(s) for s in sids):
            raise CommandError(UNABLE_TO_PROCESS, "params.sids must be an array of integers")
        replies = []
        for sid in sids:
            sub = self._by_sid.pop(sid, None)
            if sub is None:
                replies.append(error(UNKNOWN_SID, command_id, f"no subscription {sid} on this connection"))
            else:
                self._markets -= len(sub.tickers or ())
                replies.append(_reply("unsubscribed", command_id, sid=sid, seq=sub.next_seq()))
        return replies

    def _list(self, command_id: int | None, command: dict[str, Any]) -> list[Envelope]:
        subs = [{"channel": s.channel, "sid": s.sid} for s in sorted(self._by_sid.values(), key=lambda s: s.sid)]
        return [_reply("ok", command_id, msg=subs)]

    def _update(self, command_id: int | None, command: dict[str, Any]) -> list[Envelope]:
        params = _params(command)
        action = params.get("action")
        if action is None:
            raise CommandError(ACTION_REQUIRED, "params.action is missing")
        if not isinstance(action, str):
            raise CommandError(UNABLE_TO_PROCESS, "params.action must be a string")
        sub = self._one_subscription(params)
        if action not in UPDATE_ACTIONS:
            raise CommandError(UNSUPPORTED_ACTION, f"action {action!r} is not one of {', '.join(UPDATE_ACTIONS)}")
        if sub.channel == "market_positions":
            raise CommandError(UNSUPPORTED_ACTION, "market_positions subscriptions cannot be updated; resubscribe")
        if action == "get_snapshot":
            raise CommandError(UNSUPPORTED_ACTION, f"get_snapshot is not supported on {sub.channel}")
        tickers = _market_filter(params)
        if tickers is None:
            raise CommandError(MARKET_TICKER_REQUIRED, "give params.market_ticker or params.market_tickers")
        if sub.tickers is None:
            raise CommandError(
                INVALID_PARAMETER, f"subscription {sub.sid} has no market filter (it gets every market); resubscribe"
            )
        if action == "add_markets":
            added = dict.fromkeys(t for t in tickers if t not in sub.tickers)
            self._add_markets(len(added))
            sub.tickers.update(added)
        else:
            held = len(sub.tickers)
            for ticker in tickers:
                sub.tickers.pop(ticker, None)
            self._markets -= held - len(sub.tickers)
        return [_reply("ok", command_id, sid=sub.sid, seq=sub.next_seq(), msg={"market_tickers": list(sub.tickers)})]

    def _add_markets(self, count: int) -> None:
        if self._markets + count > self.max_markets:
            raise CommandError(
                MARKET_LIMIT,
                f"this connection's subscriptions hold {self._markets} market tickers; {count} more would pass the "
                f"mock's limit of {self.max_markets} per connection (Settings.ws_max_markets)",
            )
        self._markets += count

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


def _market_filter(params: dict[str, Any]) -> list[str] | None:
    """The tickers named by `market_ticker` or `market_tickers` (never both); None when neither is given."""
    for name in ("market_id", "market_ids"):
        if params.get(name) is not None:
            raise CommandError(INVALID_PARAMETER, f"{name} is for the ticker channel; use market_ticker(s)")
    one, many = params.get("market_ticker"), params.get("market_tickers")
    if one is not None and many is not None:
        raise CommandError(INVALID_PARAMETER, "market_ticker and market_tickers are mutually exclusive")
    if one is not None:
        if not isinstance(one, str):
            raise CommandError(UNABLE_TO_PROCESS, "market_ticker must be a string")
        many = [one]
    elif many is not None:
        if not isinstance(many, list) or not all(isinstance(t, str) for t in many):
            raise CommandError(UNABLE_TO_PROCESS, "market_tickers must be an array of strings")
        if not many:
            raise CommandError(INVALID_PARAMETER, "market_tickers must not be empty")
    else:
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
