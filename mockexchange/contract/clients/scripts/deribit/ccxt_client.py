"""ccxt (PyPI `ccxt`, its `deribit` class and `ccxt.pro.deribit`), run inside that client's own venv against a mock's
Deribit venue: REST calls (`fetch_positions`, `fetch_balance`, `create_order`, ...) and, over the websocket,
`watch_my_trades`, `watch_balance` and, when asked, `watch_orders` (ccxt.pro's names for `user.trades.*`,
`user.portfolio.*` and `user.orders.*`).

Like the Kalshi scripts it runs isolated (`python -I`, see scripts/kalshi/client_harness.py) and imports
only the client library and the standard library. ccxt is pointed at the mock the documented way, through
`urls['api']` (`rest`, and `ws` for ccxt.pro). The small subclasses below change nothing ccxt sends or parses:
`fetch` and `handle_message` are overridden only to note each HTTP request (path, query, status, raw body) and each
websocket message (and what ccxt parsed of a public market data message), so a test can compare ccxt's parsed values
with the exact wire, and know when the mock has acknowledged a subscription.

Plan (a JSON file named by argv[1]):
  {"rest_url": "http://127.0.0.1:PORT", "ws_url"?: "ws://127.0.0.1:PORT/ws/api/v2",
   "client_id": "...", "client_secret": "...", "exchange"?: "deribit" | "coinbaseinternational",
   "calls": [{"id": "...", "method": "fetch_positions", "args"?: [...], "kwargs"?: {...}, "secret"?: "..."}],
   "watch"?: {"trades": N, "portfolio": M, "orders"?: K, "timeout_s": T, "currencies"?: [...]}}
`watch` waits, once the subscriptions are acknowledged, for N distinct trades from watch_my_trades, M notifications of
the `user.portfolio.*` channels beyond each channel's first (the one sent once subscribed: those after it tell of a
change) and, with `orders`, K order updates from watch_orders (or the timeout).
  "book"?: {"symbol": "...", "limit"?: N, "until": {"bids": [[price, amount], ...], "asks": [...]}, "timeout_s": T}
`book` runs ccxt.pro's watch_order_book instead, once `book.{instrument}.100ms` is acknowledged, until the book it
keeps equals `until` (or the timeout): then {"event": "done", "reason", "book": {"bids", "asks", "nonce"}, ...}.
  "market"?: {"symbol": "...", "timeframe"?: "1m", "trades": N, "last": P, "timeout_s": T}
`market` runs ccxt.pro's watch_trades, watch_ohlcv and watch_ticker on one connection instead (no key: public
channels), once `trades.{instrument}.100ms`, `chart.trades.{instrument}.{resolution}` and `ticker.{instrument}.100ms`
are acknowledged, until ccxt has parsed N distinct trades and both the newest candle's close and the ticker's `last`
are P (or the timeout): then {"event": "done", "reason", "trades": [...], "ohlcv": [[t, o, h, l, c, v], ...],
"ticker": {...}, ...}: what ccxt parsed of each message into its caches, noted as it was handled.
`method` is any method of `ccxt.deribit` (fetch_positions, fetch_position, fetch_balance, load_markets, ...); a call
with its own `secret` uses a client built with that secret (the bad-secret check). With `exchange`
"coinbaseinternational" the watches are ccxt.pro's class of that name against the mock's Coinbase dialect (`rest_url`
and `ws_url` its `/coinbase/...` paths, `client_id` and `client_secret` a CDP key's name and private key; its REST calls
are not run: ccxt 4.5.90 cannot send its REST `public/auth`, ccxt_coinbase.py). A `watch` may name the portfolio
channels ccxt subscribes (`portfolios`: coinbaseinternational's `watch_balance` takes `user.portfolio.any`).

Prints one JSON object per line, flushed as it happens:
  {"event": "rest", "client": {...}, "python": "...", "calls": {id: outcome}}
     outcome: {"ok": true, "result": <ccxt's answer, JSON-able>, "requests": [...]}
              or {"ok": false, "error": {"type", "module", "mro", "message"}, "requests": [...]}
     request: {"method", "path", "query", "status", "body"} (`body` the raw response text)
  {"event": "subscribed", "channels": [...]}        the mock acknowledged every channel: make the fill now
  {"event": "done", "reason": "count"|"timeout", "my_trades": [...], "balance": {...}, "balance_answers": n,
   "received": [...], "sent": [...], "errors": [...]}
`my_trades` are the parsed trades watch_my_trades answered (by id), `orders` (with `orders`) every order update
watch_orders answered, in order, `balance` ccxt.pro's unified balance,
`received` every websocket message as ccxt decoded it, `sent` every message ccxt sent, `errors` the error replies
(ccxt.pro raises them inside its receive callback, where no watch call sees them). An exception outside a call exits
non-zero (traceback on stderr).
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import sys
import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import ccxt
import ccxt.pro


def emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event, default=str) + "\n")
    sys.stdout.flush()


def error_outcome(exc: BaseException) -> dict[str, Any]:
    return {
        "ok": False,
        "error": {
            "type": type(exc).__name__,
            "module": type(exc).__module__,
            "mro": [cls.__name__ for cls in type(exc).__mro__],
            "message": str(exc)[:3000],
        },
    }


class RecordingDeribit(ccxt.deribit):
    """ccxt.deribit, noting every HTTP exchange it makes."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.requests: list[dict[str, Any]] = []

    def fetch(self, url, method="GET", headers=None, body=None):
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        self.requests.append({"method": method, "path": parts.path, "query": query, "status": None, "body": None})
        return super().fetch(url, method, headers, body)

    def on_rest_response(self, code, reason, url, method, headers, body, *request):
        # ccxt's hook for every HTTP answer, before it parses or raises: the status and the raw text, as received.
        self.requests[-1].update(status=code, body=body)
        return super().on_rest_response(code, reason, url, method, headers, body, *request)


def connect(plan: dict[str, Any], secret: str | None = None) -> RecordingDeribit:
    return RecordingDeribit(
        {
            "apiKey": plan["client_id"],
            "secret": secret if secret is not None else plan["client_secret"],
            "urls": {"api": {"rest": plan["rest_url"]}},
        }
    )


def run_rest(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    clients: dict[str, RecordingDeribit] = {}
    outcomes: dict[str, dict[str, Any]] = {}
    for call in plan.get("calls", []):
        secret = call.get("secret")
        key = secret if secret is not None else plan["client_secret"]
        if key not in clients:
            clients[key] = connect(plan, secret)
        client = clients[key]
        first = len(client.requests)
        started = time.monotonic()
        try:
            answer = getattr(client, call["method"])(*call.get("args", []), **call.get("kwargs", {}))
            if call["method"] == "load_markets":
                answer = sorted(answer)  # the symbols: the markets themselves are large
            outcome = {"ok": True, "result": json.loads(json.dumps(answer, default=str))}
        except Exception as exc:  # ccxt's own error is the observation
            outcome = error_outcome(exc)
        outcome["seconds"] = round(time.monotonic() - started, 3)
        outcome["requests"] = client.requests[first:]
        outcomes[call["id"]] = outcome
    return outcomes


_MixedIn: Any = object  # (a mixin's base: the ccxt.pro class it goes before, which the type checker cannot see)


class RecordingPro(_MixedIn):
    """A ccxt.pro class (`ccxt.pro.deribit`, or `coinbaseinternational` for the Coinbase dialect), noting every
    websocket message it receives and sends: mixed in before it (`pro_class`)."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.received: list[Any] = []
        self.sent: list[Any] = []
        self.acknowledged: set[str] = set()
        self.errors: list[dict[str, Any]] = []

    def handle_message(self, client, message):
        self.received.append(message)
        if isinstance(message, dict) and "error" in message:
            # ccxt.pro raises this inside its receive callback, where no watch call sees it: note it here.
            self.errors.append({"reply_to": message.get("id"), "error": message["error"]})
        result = message.get("result") if isinstance(message, dict) else None
        if isinstance(result, list) and "id" in message:
            self.acknowledged.update(channel for channel in result if isinstance(channel, str))
        return super().handle_message(client, message)

    def watch(self, url, message_hash, message=None, subscribe_hash=None, subscription=None):
        # ccxt sends `message` only when `subscribe_hash` is not subscribed yet on that connection.
        if message is not None and not self.client(url).subscriptions.get(subscribe_hash):
            self.sent.append(message)
        return super().watch(url, message_hash, message, subscribe_hash, subscription)


def pro_class(plan: dict[str, Any], recording: type = RecordingPro) -> type:
    """`recording` mixed into the plan's ccxt.pro class (`exchange`: deribit by default)."""
    exchange = plan.get("exchange", "deribit")
    return type(f"Recording{exchange}", (recording, getattr(ccxt.pro, exchange)), {})


def pro_config(plan: dict[str, Any], keyed: bool = True) -> dict[str, Any]:
    """The client's config: the mock's urls (the websocket's for public and private channels alike) and, `keyed`, the
    plan's key (a Deribit key's id and secret, or a Coinbase CDP key's name and private key)."""
    urls = {"api": {"rest": plan["rest_url"], "ws": plan["ws_url"], "wsPrivate": plan["ws_url"]}}
    return {"urls": urls, **({"apiKey": plan["client_id"], "secret": plan["client_secret"]} if keyed else {})}


async def run_ws(plan: dict[str, Any]) -> None:
    watch = plan["watch"]
    pro = pro_class(plan)(pro_config(plan))
    if "currencies" in watch:
        pro.options["currencies"] = watch["currencies"]
    errors = pro.errors
    try:
        await pro.load_markets()  # so the trades it parses carry unified symbols

        # What each watch call answered, in order. (ccxt.pro 4.5.90's handle_my_trades resolves a fresh cache per
        # message and never keeps it in `myTrades`, so the answers are the only record of the parsed trades.)
        watched = ["watch_my_trades", "watch_balance", *(["watch_orders"] if "orders" in watch else [])]
        answers: dict[str, list[Any]] = {method: [] for method in watched}

        tasks = [asyncio.create_task(keep_watching(pro, method, [], answers[method])) for method in watched]
        portfolios = watch.get("portfolios") or [f"user.portfolio.{code}" for code in pro.options["currencies"]]
        channels = ["user.trades.any.any.raw", *portfolios]
        if "orders" in watch:
            channels.append("user.orders.any.any.raw")
        await until_acknowledged(pro, channels, watch["timeout_s"], tasks)

        def my_trades() -> list[dict[str, Any]]:
            by_id = {trade["id"]: trade for answer in answers["watch_my_trades"] for trade in answer}
            return list(by_id.values())

        def order_updates() -> list[dict[str, Any]]:
            """Each order as each watch_orders answer gave it (an answer is the cache: its orders since the last)."""
            seen: list[dict[str, Any]] = []
            for answer in answers.get("watch_orders", []):
                seen.extend(answer)
            return seen

        reason = "timeout"
        deadline = time.monotonic() + watch["timeout_s"]
        while time.monotonic() < deadline and not errors:
            enough_orders = len(order_updates()) >= watch.get("orders", 0)
            enough_portfolio = portfolio_news(pro.received) >= watch["portfolio"]
            if len(my_trades()) >= watch["trades"] and enough_portfolio and enough_orders:
                reason = "count"
                break
            await asyncio.sleep(0.01)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        balance = {code: value for code, value in pro.balance.items() if code not in ("info",)}
        emit(
            {
                "event": "done",
                "reason": reason,
                "my_trades": json.loads(json.dumps(my_trades(), default=str)),
                "orders": json.loads(json.dumps(order_updates(), default=str)),
                "balance_answers": len(answers["watch_balance"]),
                "balance": json.loads(json.dumps(balance, default=str)),
                "received": pro.received,
                "sent": pro.sent,
                "errors": errors,
            }
        )
    finally:
        await pro.close()


def portfolio_news(received: list[Any]) -> int:
    """The `user.portfolio.*` notifications received beyond each channel's first of each currency (sent once it is
    subscribed: `user.portfolio.any` sends one a currency)."""
    seen: dict[tuple[str, str], int] = {}
    for message in received:
        if not isinstance(message, dict) or message.get("method") != "subscription":
            continue
        params = message.get("params", {})
        channel = params.get("channel", "")
        if channel.startswith("user.portfolio."):
            key = (channel, str((params.get("data") or {}).get("currency", "")).upper())
            seen[key] = seen.get(key, 0) + 1
    return sum(count - 1 for count in seen.values())


async def until_acknowledged(pro: Any, channels: list[str], timeout_s: float, tasks: list[asyncio.Task[None]]) -> None:
    """Wait until the mock has acknowledged every channel, then print `subscribed`; exit 3 (printing what was
    acknowledged) on an error reply, the timeout, or every watch task ended."""
    deadline = time.monotonic() + timeout_s
    while not set(channels) <= pro.acknowledged:
        if pro.errors or time.monotonic() > deadline or all(task.done() for task in tasks):
            emit({"event": "not_subscribed", "acknowledged": sorted(pro.acknowledged), "errors": pro.errors,
                  "received": pro.received, "sent": pro.sent})  # fmt: skip
            raise SystemExit(3)
        await asyncio.sleep(0.01)
    emit({"event": "subscribed", "channels": channels})


async def keep_watching(pro: Any, method: str, args: list[Any], answers: list[Any]) -> None:
    """Call a watch method again and again, keeping each answer; a websocket error reply it raises is noted."""
    while True:
        try:
            answers.append(await getattr(pro, method)(*args))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # ccxt.pro raises a websocket error reply here
            pro.errors.append({"watch": method, **error_outcome(exc)["error"]})
            return


async def run_book(plan: dict[str, Any]) -> None:
    watch = plan["book"]
    pro = pro_class(plan)(pro_config(plan))
    errors = pro.errors
    latest: dict[str, Any] = {}
    try:
        await pro.load_markets()

        async def keep() -> None:
            while True:
                try:
                    book = await pro.watch_order_book(watch["symbol"], watch.get("limit"))
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # ccxt.pro raises a websocket error reply here
                    errors.append({"watch": "watch_order_book", **error_outcome(exc)["error"]})
                    return
                # [price, amount] of each level (ccxt's counted book adds its own count of orders: 1)
                sides = {side: [level[:2] for level in book[side]] for side in ("bids", "asks")}
                latest["book"] = {**sides, "nonce": book["nonce"]}

        task = asyncio.create_task(keep())
        await until_acknowledged(pro, [f"book.{pro.market(watch['symbol'])['id']}.100ms"], watch["timeout_s"], [task])
        until, reason = watch["until"], "timeout"
        deadline = time.monotonic() + watch["timeout_s"]
        while time.monotonic() < deadline and not errors:
            book = latest.get("book")
            if book is not None and [book["bids"], book["asks"]] == [until["bids"], until["asks"]]:
                reason = "count"
                break
            await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        emit({"event": "done", "reason": reason, "book": latest.get("book"), "received": pro.received,
              "sent": pro.sent, "errors": errors})  # fmt: skip
    finally:
        await pro.close()


class MarketRecordingPro(RecordingPro):
    """`RecordingPro` noting, after each public trades, candle or ticker message, what ccxt parsed of it into its
    own caches. (ccxt.pro 4.5.90 keeps a fresh trades and candle cache per message: `safe_dict` of the list it
    kept is None; and a message that comes before a watch call is waiting again resolves nothing.)"""

    def __init__(self, config: dict[str, Any], symbol: str, timeframe: str) -> None:
        super().__init__(config)
        self.watched = (symbol, timeframe)  # (ccxt has methods named symbol and timeframe)
        self.parsed_trades: dict[str, Any] = {}  # by id, as they came
        self.parsed_candles: dict[int, list[Any]] = {}  # by time
        self.parsed_ticker: dict[str, Any] | None = None

    def handle_message(self, client, message):
        handled = super().handle_message(client, message)
        channel = message.get("params", {}).get("channel", "") if isinstance(message, dict) else ""
        if channel.startswith("trades."):
            self.parsed_trades.update((trade["id"], trade) for trade in self.trades.get(self.watched[0], []))
        elif channel.startswith("chart.trades."):
            for candle in self.ohlcvs.get(self.watched[0], {}).get(self.watched[1], []):
                self.parsed_candles[candle[0]] = list(candle)
        elif channel.startswith("ticker."):
            self.parsed_ticker = self.tickers.get(self.watched[0])
        return handled


async def run_market(plan: dict[str, Any]) -> None:
    watch = plan["market"]
    symbol, timeframe = watch["symbol"], watch.get("timeframe", "1m")
    pro = pro_class(plan, MarketRecordingPro)(pro_config(plan, keyed=False), symbol, timeframe)
    calls = {"watch_trades": [symbol], "watch_ohlcv": [symbol, timeframe], "watch_ticker": [symbol]}
    try:
        await pro.load_markets()
        tasks = [asyncio.create_task(keep_watching(pro, method, args, [])) for method, args in calls.items()]
        market_id = pro.market(symbol)["id"]
        channels = [f"trades.{market_id}.100ms", f"chart.trades.{market_id}.{pro.timeframes[timeframe]}",
                    f"ticker.{market_id}.100ms"]  # fmt: skip
        await until_acknowledged(pro, channels, watch["timeout_s"], tasks)
        reason, last = "timeout", watch["last"]
        deadline = time.monotonic() + watch["timeout_s"]
        while time.monotonic() < deadline and not pro.errors:
            newest = pro.parsed_candles[max(pro.parsed_candles)] if pro.parsed_candles else None
            ticker = pro.parsed_ticker or {}
            if (
                len(pro.parsed_trades) >= watch["trades"]
                and ticker.get("last") == last
                and newest
                and newest[4] == last
            ):
                reason = "count"
                break
            await asyncio.sleep(0.01)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        emit(json.loads(json.dumps({
            "event": "done", "reason": reason, "trades": list(pro.parsed_trades.values()),
            "ohlcv": [pro.parsed_candles[at] for at in sorted(pro.parsed_candles)], "ticker": pro.parsed_ticker,
            "received": pro.received, "sent": pro.sent, "errors": pro.errors,
        }, default=str)))  # fmt: skip
    finally:
        await pro.close()


def main() -> None:
    with open(sys.argv[1]) as handle:
        plan = json.load(handle)
    emit(
        {
            "event": "rest",
            "client": {"package": "ccxt", "version": importlib.metadata.version("ccxt")},
            "python": sys.version.split()[0],
            "calls": run_rest(plan),
        }
    )
    if plan.get("watch"):
        asyncio.run(run_ws(plan))
    elif plan.get("book"):
        asyncio.run(run_book(plan))
    elif plan.get("market"):
        asyncio.run(run_market(plan))


if __name__ == "__main__":
    main()
