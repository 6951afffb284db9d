"""`mockexchange contract check-websocket`: subscribe to a Kalshi-compatible server's market data and price channels
and judge every frame against the committed AsyncAPI slice (the REST side is `contract check`).

It connects to the websocket (`--ws-url`, by default the base URL's `/trade-api/v2` made `/trade-api/ws/v2`), signed
as REST is (`timestamp + GET + path`), takes two markets (`--market`, or what `GET /markets` lists, open ones first) and
sends, in order: a `subscribe` to `orderbook_delta`, `ticker` and `trade` for the first market; a `subscribe` to
`market_lifecycle_v2`; a `subscribe` to each price channel for every id (`cfbenchmarks_value` and
`cfbenchmarks_value_5hz` with `index_ids: ["all"]`, `pyth_value` with `underlying_tickers: ["all"]`); on each price
subscription `update_subscription` asking its list (`indexlist`, `underlying_list`); `update_subscription`
`add_markets` (the second market) on the book's subscription; `list_subscriptions`; `update_subscription`
`delete_markets` (the second market again); with one market only, the listing. Then it listens `--listen` seconds.
Only subscriptions: nothing changes on the account. Judged:

- every frame matches the slice's message of its `type` (schema/frames.py; `--profile legacy` adds the legacy twins),
  every price value that comes included;
- each command is answered as the slice says: `subscribed` for each channel, a price channel's list by its list
  message on its subscription (`cfbenchmarks_value_indexlist`, `cfbenchmarks_value_5hz_indexlist`,
  `pyth_value_underlying_list`), an `ok` naming the markets an update leaves, a listing naming every subscription;
  an `error` reply to one of these valid commands is a violation;
- `orderbook_delta`: each market's first frame is its snapshot (and one comes for the market added);
- `seq`: on each subscription, the data messages that carry one (`orderbook_snapshot`, `orderbook_delta`, `trade`,
  `market_lifecycle_v2` and the price channels' values) count 1, 2, 3, ... with no gap and no repeat, alone or with
  the replies on the same counter (a price channel's list carries one).

A server sends price values as it has them (Kalshi's on their own, the mock's as they are set through its control
plane): one that sends none while the check listens passes, nothing to judge, and the summary says how many price
frames it judged on each channel.

Exit 0 no violation, 1 a violation, 2 bad arguments (or no market to subscribe to), 3 nothing answered, 4 the upgrade
was refused (401/403: the key).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import httpx

from mockexchange.contract.kalshi.preflight import TIMEOUT
from mockexchange.schema.frames import PROFILES, validate_ws_frame
from mockexchange.testing.signing import KalshiSigner

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_REFUSED = 0, 1, 2, 3, 4
WS_PATH = "/trade-api/ws/v2"
BOOK_CHANNELS = ("orderbook_delta", "ticker", "trade")
LIFECYCLE = "market_lifecycle_v2"


class PriceChannel(NamedTuple):
    """A price channel as the slice names it: the param its subscribe names ids by, the `update_subscription` action
    listing the ids it has, and that list's message type. Its data message's type is the channel's name."""

    name: str
    param: str
    listing: str
    list_type: str


PRICE_CHANNELS = (
    PriceChannel("cfbenchmarks_value", "index_ids", "indexlist", "cfbenchmarks_value_indexlist"),
    PriceChannel("cfbenchmarks_value_5hz", "index_ids", "indexlist", "cfbenchmarks_value_5hz_indexlist"),
    PriceChannel("pyth_value", "underlying_tickers", "underlying_list", "pyth_value_underlying_list"),
)
CHANNELS = (*BOOK_CHANNELS, LIFECYCLE, *(price.name for price in PRICE_CHANNELS))
# The data messages the spec gives a seq (the price channels' lists carry one too: replies, as `ok` is).
SEQUENCED = ("orderbook_snapshot", "orderbook_delta", "trade", LIFECYCLE, *(price.name for price in PRICE_CHANNELS))
# The commands' ids: the subscribes (book, lifecycle, then one a price channel), each price channel's list, then
# the book's update_subscription add_markets, list_subscriptions and delete_markets.
SUBSCRIBE_PRICES = 3
PRICE_LISTS = SUBSCRIBE_PRICES + len(PRICE_CHANNELS)
ADD, LISTING, DELETE = (PRICE_LISTS + len(PRICE_CHANNELS) + n for n in range(3))
REPLY_TIMEOUT_S = 5.0
SHOWN = 5  # violations shown per subject


def add_command(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "check-websocket",
        help="check a Kalshi-compatible server's market data and price channels against the AsyncAPI slice "
        "(subscribes only)",
        description="Subscribe to orderbook_delta, ticker, trade and market_lifecycle_v2, update the subscription, "
        "subscribe to cfbenchmarks_value, cfbenchmarks_value_5hz and pyth_value for every id and ask each its list, "
        "and judge every frame (the price frames judged are counted per channel: a server that sends none passes).",
    )
    p.add_argument("--base-url", required=True, help="the REST root, e.g. https://demo-api.kalshi.co/trade-api/v2")
    p.add_argument("--ws-url", help=f"the websocket (default: the base URL's host and {WS_PATH})")
    p.add_argument("--key-id", required=True, help="the API key id")
    p.add_argument("--private-key", required=True, type=Path, metavar="PEM", help="the key's private key PEM file")
    p.add_argument(
        "--market", action="append", default=[], metavar="TICKER",
        help="a market to subscribe to (give two; default: what GET /markets lists, open ones first)",
    )  # fmt: skip
    p.add_argument("--listen", type=float, default=3.0, metavar="SECONDS", help="how long to listen (default 3)")
    p.add_argument("--profile", choices=PROFILES, default="3.34", help="the wire profile to judge frames by")
    p.set_defaults(func=run)


class Stop(Exception):
    """The check cannot go on: its exit status and one line."""

    def __init__(self, status: int, line: str) -> None:
        super().__init__(line)
        self.status = status


@dataclass
class FramesSeen:
    """What the server sent, and what is wrong with it, by subject (a frame type, a command, a channel)."""

    frames: list[dict[str, Any]] = field(default_factory=list)
    violations: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def wrong(self, subject: str, what: str) -> None:
        if what not in self.violations[subject]:
            self.violations[subject].append(what)


def run(args: argparse.Namespace) -> int:
    try:
        signer = KalshiSigner.from_pem_file(args.key_id, args.private_key)
    except (OSError, ValueError, TypeError) as exc:
        print(f"contract check-websocket: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        markets = (args.market or _listed_markets(args.base_url, signer))[:2]
        if not markets:
            raise Stop(EXIT_USAGE, "GET /markets lists no market to subscribe to: pass --market")
        url = args.ws_url or _ws_url(args.base_url)
        print(f"contract check-websocket: {url}  markets: {', '.join(markets)} (listening {args.listen:g} s)")
        if len(markets) == 1:
            print("  update_subscription: not checked (one market listed; pass --market twice to check it)")
        seen = _session(url, signer, markets, args.listen, args.profile)
    except Stop as stop:
        print(f"contract check-websocket: {stop}", file=sys.stderr)
        return stop.status
    for line in _report(seen):
        print(line)
    return EXIT_VIOLATIONS if seen.violations else EXIT_OK


def _ws_url(base_url: str) -> str:
    url = httpx.URL(base_url)
    return str(url.copy_with(scheme="wss" if url.scheme == "https" else "ws", path=WS_PATH))


def _listed_markets(base_url: str, signer: KalshiSigner) -> list[str]:
    """Two markets GET /markets lists: open ones first (their books move), then any (the second is only added to
    the subscription and deleted from it)."""
    found: list[str] = []
    for status in ("open", None):
        found += [ticker for ticker in _markets(base_url, signer, status) if ticker not in found]
        if len(found) >= 2:
            break
    return found[:2]


def _markets(base_url: str, signer: KalshiSigner, status: str | None) -> list[str]:
    path = "/markets"
    params: dict[str, str | int] = {"limit": 2, **({"status": status} if status else {})}
    try:
        answer = httpx.get(
            base_url.rstrip("/") + path, params=params, timeout=TIMEOUT,
            headers=signer.headers("GET", httpx.URL(base_url).path.rstrip("/") + path),
        )  # fmt: skip
        markets = answer.json().get("markets") or [] if answer.status_code == 200 else []
    except httpx.HTTPError as exc:
        raise Stop(EXIT_UNREACHABLE, f"cannot reach {base_url}: {exc or type(exc).__name__}") from None
    except (ValueError, AttributeError):
        markets = []
    return [m["ticker"] for m in markets if isinstance(m, dict) and isinstance(m.get("ticker"), str)]


def _session(url: str, signer: KalshiSigner, markets: list[str], listen: float, profile: str) -> FramesSeen:
    from websockets.exceptions import InvalidStatus, WebSocketException
    from websockets.sync.client import connect

    seen = FramesSeen()
    headers = signer.headers("GET", httpx.URL(url).path)
    try:
        with connect(url, additional_headers=headers, open_timeout=5, close_timeout=2, max_size=2**24) as ws:
            replies: dict[int, list[dict[str, Any]]] = {
                command["id"]: _ask(ws, command, seen, profile) for command in _subscribes(markets[0])
            }
            sids = {
                r["msg"].get("channel"): r["msg"].get("sid") for rs in replies.values() for r in rs
                if r.get("type") == "subscribed" and isinstance(r.get("msg"), dict)
            }  # fmt: skip
            for command in _updates(sids, markets):
                replies[command["id"]] = _ask(ws, command, seen, profile)
            _listen(ws, listen, seen, profile)
    except InvalidStatus as exc:
        status = exc.response.status_code
        raise Stop(EXIT_REFUSED if status in (401, 403) else EXIT_UNREACHABLE, f"the upgrade got {status}") from None
    except (OSError, TimeoutError, WebSocketException) as exc:
        raise Stop(EXIT_UNREACHABLE, f"websocket {url}: {type(exc).__name__}: {exc}") from None
    _judge_replies(replies, sids, markets, seen)
    _judge_price_lists(replies, sids, seen)
    _judge_books(seen, sids.get("orderbook_delta"), markets)
    _judge_seq(seen)
    return seen


def _subscribes(market: str) -> list[dict[str, Any]]:
    """The book's channels for the market, the lifecycle channel, and each price channel for every id (`["all"]`)."""
    return [
        {"id": 1, "cmd": "subscribe", "params": {"channels": list(BOOK_CHANNELS), "market_ticker": market}},
        {"id": 2, "cmd": "subscribe", "params": {"channels": [LIFECYCLE]}},
        *({"id": SUBSCRIBE_PRICES + n, "cmd": "subscribe", "params": {"channels": [price.name], price.param: ["all"]}}
          for n, price in enumerate(PRICE_CHANNELS)),
    ]  # fmt: skip


def _updates(sids: dict[str, int], markets: list[str]) -> list[dict[str, Any]]:
    """Each price channel's list (a channel not subscribed: not asked), then the book's add_markets (the second
    market), list_subscriptions and delete_markets (the second market again); one market: the listing only."""
    book, more = sids.get("orderbook_delta"), markets[1:]
    lists = [
        {"id": PRICE_LISTS + n, "cmd": "update_subscription",
         "params": {"sid": sids[price.name], "action": price.listing}}
        for n, price in enumerate(PRICE_CHANNELS) if price.name in sids
    ]  # fmt: skip
    add, delete = (
        {"id": number, "cmd": "update_subscription", "params": {"sid": book, "action": action, "market_tickers": more}}
        for number, action in ((ADD, "add_markets"), (DELETE, "delete_markets"))
    )  # fmt: skip
    listing = {"id": LISTING, "cmd": "list_subscriptions"}
    return [*lists, add, listing, delete] if more else [*lists, listing]


def _ask(ws: Any, command: dict[str, Any], seen: FramesSeen, profile: str) -> list[dict[str, Any]]:
    """Send a command; the replies carrying its id (the frames between are kept and judged too)."""
    ws.send(json.dumps(command))
    wanted = len(command.get("params", {}).get("channels", ())) or 1
    replies: list[dict[str, Any]] = []
    deadline = time.monotonic() + REPLY_TIMEOUT_S
    while len(replies) < wanted:
        frame = _receive(ws, deadline - time.monotonic(), seen, profile)
        if frame is None:
            seen.wrong(f"command {command['cmd']}", f"id {command['id']}: {len(replies)} of {wanted} replies came")
            break
        if frame.get("id") == command["id"]:
            replies.append(frame)
    return replies


def _listen(ws: Any, seconds: float, seen: FramesSeen, profile: str) -> None:
    deadline = time.monotonic() + seconds
    while _receive(ws, deadline - time.monotonic(), seen, profile) is not None:
        pass


def _receive(ws: Any, timeout: float, seen: FramesSeen, profile: str) -> dict[str, Any] | None:
    """The next frame, judged against the slice as it comes; None when none comes in time."""
    if timeout <= 0:
        return None
    try:
        text = ws.recv(timeout=timeout)
    except TimeoutError:
        return None
    try:
        frame = json.loads(text)
    except ValueError:
        seen.wrong("(not JSON)", f"{str(text)[:200]!r}")
        return None
    kind = str(frame.get("type")) if isinstance(frame, dict) else "(not an object)"
    seen.counts[kind] += 1
    for problem in validate_ws_frame(frame, profile):
        seen.wrong(kind, problem)
    if isinstance(frame, dict):
        seen.frames.append(frame)
        return frame
    return {}


def _judge_replies(
    replies: dict[int, list[dict[str, Any]]], sids: dict[str, int], markets: list[str], seen: FramesSeen
) -> None:
    for number, found in replies.items():
        for reply in found:
            if reply.get("type") == "error":
                seen.wrong(f"command {number}", f"a valid command refused: {json.dumps(reply.get('msg'))[:200]}")
    for channel in CHANNELS:
        if channel not in sids:
            seen.wrong(f"subscribe {channel}", "no `subscribed` reply names the channel")
    listing = next((r for r in replies.get(LISTING, ()) if isinstance(r.get("msg"), list)), None)
    named = (entry.get("channel") for entry in (listing or {}).get("msg", ()) if isinstance(entry, dict))
    channels = sorted(named, key=str)  # by name; a channel missing (None) shown as it is, not a crash
    if channels != sorted(CHANNELS):
        seen.wrong("list_subscriptions", f"lists the channels {channels}")
    for number, action, left in ((ADD, "add_markets", markets), (DELETE, "delete_markets", markets[:1])):
        if number not in replies:
            continue  # one market: not sent
        listed = _markets_listed(replies[number])
        if listed is None:
            seen.wrong(f"update_subscription {action}", "no `ok` reply listing the subscription's markets")
        elif sorted(listed) != sorted(left):
            seen.wrong(f"update_subscription {action}", f"the ok lists {listed}, not {left}")


def _judge_price_lists(replies: dict[int, list[dict[str, Any]]], sids: dict[str, int], seen: FramesSeen) -> None:
    """Each price channel's list is answered by its list message (its frame judged as it came), on its subscription."""
    for n, price in enumerate(PRICE_CHANNELS):
        if PRICE_LISTS + n not in replies:
            continue  # not subscribed (said): not asked
        found = replies[PRICE_LISTS + n]
        answer = next((r for r in found if r.get("type") == price.list_type), None)
        subject = f"update_subscription {price.listing}"
        if answer is None:
            came = [r.get("type") for r in found]
            seen.wrong(subject, f"{price.name}: no `{price.list_type}` reply (came: {came})")
        elif answer.get("sid") != sids[price.name]:
            seen.wrong(subject, f"{price.name}: the list names sid {answer.get('sid')}, not {sids[price.name]}")


def _markets_listed(found: list[dict[str, Any]] | None) -> list[str] | None:
    reply = next((r for r in found or () if r.get("type") == "ok" and isinstance(r.get("msg"), dict)), None)
    return None if reply is None else reply["msg"].get("market_tickers")


def _judge_books(seen: FramesSeen, sid: int | None, markets: list[str]) -> None:
    """Each market's first frame on the book's subscription is its snapshot; both markets had one."""
    first: dict[str, str] = {}
    for frame in seen.frames:
        if frame.get("sid") == sid and frame.get("type") in ("orderbook_snapshot", "orderbook_delta"):
            first.setdefault(str((frame.get("msg") or {}).get("market_ticker")), frame["type"])
    for market in markets:
        if first.get(market) != "orderbook_snapshot":
            said = f"came first: {first[market]}" if market in first else "none came"
            seen.wrong("orderbook_delta", f"{market}: no snapshot before its deltas ({said})")


def _judge_seq(seen: FramesSeen) -> None:
    """On each subscription the data messages' `seq` count 1, 2, 3, ...: alone, or with the replies that carry one
    on the same counter (the mock's way; what Kalshi numbers its replies by is unknown, docs/known-differences.md)."""
    every: dict[Any, list[Any]] = defaultdict(list)
    data: dict[Any, list[Any]] = defaultdict(list)
    for frame in seen.frames:
        if "seq" in frame and "sid" in frame:
            every[frame["sid"]].append(frame["seq"])
            if frame.get("type") in SEQUENCED:
                data[frame["sid"]].append(frame["seq"])
    for sid, seqs in every.items():
        if not any(found == list(range(1, len(found) + 1)) for found in (seqs, data[sid])):
            seen.wrong("seq", f"sid {sid}: seq {seqs[:20]} does not count 1, 2, 3, ... (a gap, a repeat or a restart)")


def _report(seen: FramesSeen) -> list[str]:
    lines = [f"  frames: {', '.join(f'{n} {kind}' for kind, n in sorted(seen.counts.items()))}"]
    judged = [f"{seen.counts.get(price.name, 0)} {price.name}" for price in PRICE_CHANNELS]
    quiet = "" if any(seen.counts.get(price.name) for price in PRICE_CHANNELS) else " (none came while listening)"
    lines.append(f"  price frames judged: {', '.join(judged)}{quiet}")
    for subject in sorted(seen.violations):
        found = seen.violations[subject]
        lines.append(f"  FAIL  {subject}")
        lines += [f"        {line}" for line in found[:SHOWN]]
        if len(found) > SHOWN:
            lines.append(f"        ... and {len(found) - SHOWN} more")
    count = sum(len(v) for v in seen.violations.values())
    lines.append(f"contract check-websocket: {count} violation(s)" if count else "contract check-websocket: PASS")
    return lines
