"""The client matrix's `market-ws` cell of kalshi-sdk's row: its websocket client on the mock's public `ticker` and
`trade` channels (`session.subscribe_ticker(tickers=[...])` and `session.subscribe_trade(tickers=[...])`, one
connection, one run of the client) while another account's orders trade on a market, step by step: an order taking
part of a resting ask, one taking the rest of it and a fraction of the next, one selling into the resting bid, then a
bid that moves the book alone.

After each step the market's REST reads are taken (`GET /markets/{ticker}`, `GET /markets/trades`): the step's new
trades are the `TradeMessage`s it must bring, field by field in the SDK's own types. It must bring as many
`TickerMessage`s as worked out by hand (one per change that moves what the ticker shows: each trade, the open
interest falling after a trade that closes both sides, a bid that moves the book alone); each shows the market's book
after the step (best YES bid and ask and their sizes) at the time of the step's order, under the market's id as the
mock keeps it, and the step's last one is the market as the REST read shows it (the last price, volume and open
interest too), the last trade's size, and `dollar_volume` / `dollar_open_interest` as half the contracts in whole
dollars (docs/kalshi.md). The first ones are the step's trades': each shows its trade's price and size and the volume
through it (before the last, the open interest is that trade's moment's, which no REST read keeps). A frame the SDK
cannot parse it logs and skips: a missing message fails the step.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from mockexchange.contract.clients.checks import ClientVerdict, start_mock
from mockexchange.contract.clients.plans import ClientRunError
from mockexchange.contract.clients.portfolio import Key
from mockexchange.contract.clients.sdk_websocket import MESSAGE_TIMEOUT_S, SdkWebsocketRun
from mockexchange.core.clock import unix_ms, unix_seconds
from mockexchange.server import MockServer

WATCHER, MAKER, TAKER = "watcher", "maker", "taker"  # the SDK's key is the watcher's: the channels are everyone's
MARKET = "KXMKTWS-26-A"
GTC, IOC, STP = "good_till_canceled", "immediate_or_cancel", "taker_at_cross"
RESTING = (("ask", "10", "0.56"), ("ask", "5", "0.58"), ("bid", "7", "0.40"))  # the maker's, before subscribing


@dataclass(frozen=True)
class Step:
    what: str
    user: str
    side: str
    count: str
    price: str
    trades: int  # by hand: the trades it prints
    tickers: int  # by hand: the ticker messages it brings, one per change that moves what the ticker shows
    time_in_force: str = IOC


STEPS = (
    Step("the taker buys 4 YES at 0.56, part of the maker's ask", TAKER, "bid", "4", "0.56", 1, 1),
    # a ticker per trade (both open positions: the open interest moves with each)
    Step("the taker buys 8.5 YES up to 0.58: the rest at 0.56 and 2.5 at 0.58", TAKER, "bid", "8.5", "0.58", 2, 2),
    # one ticker: the trade's, its open interest already fallen as both sides close (the trade prints once both are)
    Step("the taker sells 3 YES into the maker's bid at 0.40", TAKER, "ask", "3", "0.40", 1, 1),
    Step("the maker bids 2 at 0.45: the book alone moves", MAKER, "bid", "2", "0.45", 0, 1, GTC),
)
PLAN = {
    "subscriptions": [
        {"name": "ticker", "channel": "ticker", "params": {"market_tickers": [MARKET]}},
        {"name": "trades", "channel": "trade", "params": {"market_tickers": [MARKET]}},
    ],
    "expect": sum(step.trades + step.tickers for step in STEPS),
    "sentinel": MARKET,  # (pykalshi's script: its book's snapshot says the subscriptions are acknowledged)
}
# The SDK's TickerPayload / TradePayload field -> the wire field it reads; amounts are Decimals (its DollarDecimal and
# FixedPointCount), compared as numbers.
TICKER_AMOUNTS = {"yes_bid": "yes_bid_dollars", "yes_ask": "yes_ask_dollars", "price": "last_price_dollars",
                  "yes_bid_size": "yes_bid_size_fp", "yes_ask_size": "yes_ask_size_fp", "volume": "volume_fp",
                  "open_interest": "open_interest_fp"}  # fmt: skip
TRADE_AMOUNTS = {"yes_price": "yes_price_dollars", "no_price": "no_price_dollars", "count": "count_fp"}
TRADE_TEXTS = ("trade_id", "taker_side", "taker_outcome_side", "taker_book_side", "is_block_trade")


@dataclass(frozen=True)
class Spelling:
    """How a client's typed messages name the channels' fields and type their amounts: kalshi-sdk's (the default:
    its names, Decimals) or another's (pykalshi_feed.py's: the wire's names, its strings)."""

    names: Mapping[str, str] = field(default_factory=dict)  # kalshi-sdk's field -> the client's
    amounts: str = "Decimal"  # the Python type its amounts arrive as (a string is parsed here)
    trade_texts: tuple[str, ...] = TRADE_TEXTS


SDK = Spelling()


@dataclass
class Seen:
    """One step: the SDK's typed messages it brought, and the mock's records after it."""

    step: Step
    messages: list[dict[str, Any]]
    market: dict[str, Any]  # GET /markets/{ticker}'s market
    trades: list[dict[str, Any]]  # the step's new trades from GET /markets/trades, oldest first
    last_trade: dict[str, Any] | None  # the market's newest trade so far
    at: datetime  # when the step's order was made, as the ledger keeps it
    market_id: str


@dataclass
class Watched:
    seen: list[Seen]
    frames: list[dict[str, Any]] | None  # every ticker and trade frame received (None: the script sees none)
    logged: list[str]  # what the SDK logged above DEBUG


def rest(mock: MockServer, path: str, **params: Any) -> Any:
    reply = httpx.get(f"{mock.kalshi_url}{path}", params=params, timeout=10)
    reply.raise_for_status()
    return json.loads(reply.text)


def watch_market(venv: Path, work_dir: Path, run: Callable[..., SdkWebsocketRun] = SdkWebsocketRun) -> Watched:
    """The client's ticker and trade subscriptions through the steps, on a fresh mock of their own (`run(venv, mock,
    key, plan, work_dir)`: its script, kalshi-sdk's by default)."""
    with start_mock(MockServer()) as mock:
        for user in (WATCHER, MAKER, TAKER):
            mock.create_account(user, balance_cents=1_000_000)
        key = Key.create(mock, work_dir, "market-ws-watcher", WATCHER)
        mock.create_market(MARKET)
        for side, count, at in RESTING:
            mock.place_order(MAKER, MARKET, side, count, at, GTC, STP)
        ledger = mock.app.ledger
        with ledger.reading():
            market_id = ledger.state.markets[MARKET].market_id
        seen, known = [], set[str]()
        with run(venv, mock, key, PLAN, work_dir) as client:
            client.subscribed()
            for step in STEPS:
                placed = mock.place_order(step.user, MARKET, step.side, step.count, step.price, step.time_in_force, STP)
                with ledger.reading():
                    at = ledger.state.all_orders[placed["order_id"]].created
                trades = rest(mock, "/markets/trades", ticker=MARKET)["trades"]  # newest first
                new = [trade for trade in reversed(trades) if trade["trade_id"] not in known]
                known |= {trade["trade_id"] for trade in new}
                messages = []
                for _ in range(step.trades + step.tickers):
                    try:
                        messages.append(client.wait_for("message", MESSAGE_TIMEOUT_S))
                    except ClientRunError:
                        break
                market = rest(mock, f"/markets/{MARKET}")["market"]
                seen.append(Seen(step, messages, market, new, trades[0] if trades else None, at, market_id))
            report = client.finish()
    frames = None  # (a script that sees no frames: pykalshi's)
    if "received" in report.done:
        frames = [f for f in report.frames_received() if f.get("type") in ("ticker", "trade")]
    logged = [r["message"] for r in report.done["logs"] if r["level"] != "DEBUG"]
    return Watched(seen, frames, logged)


def market_ws_problems(watched: Watched, spelling: Spelling = SDK) -> list[str]:
    """What the client's typed trade and ticker messages say that the mock's REST reads do not, step by step."""
    problems = []
    for n, seen in enumerate(watched.seen, 1):
        problems += [f"step {n} ({seen.step.what}): {problem}" for problem in _step_problems(seen, spelling)]
    sent = sum(len(seen.messages) for seen in watched.seen)
    if watched.frames is not None and len(watched.frames) != sent:
        problems.append(f"{len(watched.frames)} ticker and trade frames arrived, {sent} typed messages")
    return problems


def _step_problems(seen: Seen, spelling: Spelling) -> list[str]:
    trades = [m for m in seen.messages if m["subscription"] == "trades"]
    tickers = [m for m in seen.messages if m["subscription"] == "ticker"]
    problems = []
    if len(seen.trades) != seen.step.trades:
        problems.append(f"GET /markets/trades shows {len(seen.trades)} new trades, {seen.step.trades} by hand")
    if (len(trades), len(tickers)) != (len(seen.trades), seen.step.tickers):
        problems.append(
            f"{len(trades)} TradeMessages and {len(tickers)} TickerMessages, for {len(seen.trades)} trades on "
            f"GET /markets/trades and {seen.step.tickers} tickers"
        )
    for message, row in zip(trades, seen.trades, strict=False):
        problems += _trade_problems(message, row, spelling)
    for n, message in enumerate(tickers):
        problems += _ticker_problems(message, seen, n, n == len(tickers) - 1, spelling)
    return problems


def _trade_problems(message: dict[str, Any], row: dict[str, Any], spelling: Spelling) -> list[str]:
    made = datetime.fromisoformat(row["created_time"])
    want: dict[str, Any] = {name: row[name] for name in spelling.trade_texts}
    want |= {"market_ticker": row["ticker"], "ts": unix_seconds(made), "ts_ms": unix_ms(made)}
    amounts = {k: row[v] for k, v in TRADE_AMOUNTS.items()}
    return differences(message, "TradeMessage", row["trade_id"], want, amounts, spelling)


def _ticker_problems(message: dict[str, Any], seen: Seen, nth: int, last: bool, spelling: Spelling) -> list[str]:
    """Every ticker of a step shows the market's book after it and the step's time. The first ones are the step's
    trades' (in their order): each shows its trade's price and size and the volume through it. The last shows all the
    market's figures (before it, a trade's ticker shows the open interest of that trade's moment)."""
    market = seen.market
    want: dict[str, Any] = {"market_ticker": market["ticker"], "market_id": seen.market_id,
                            "ts": unix_seconds(seen.at), "ts_ms": unix_ms(seen.at)}  # fmt: skip
    amounts = {name: market[TICKER_AMOUNTS[name]] for name in ("yes_bid", "yes_ask", "yes_bid_size", "yes_ask_size")}
    if nth < len(seen.trades):
        trade, later = seen.trades[nth], seen.trades[nth + 1 :]
        volume = Decimal(market["volume_fp"]) - sum(Decimal(row["count_fp"]) for row in later)
        amounts |= {"price": trade["yes_price_dollars"], "last_trade_size": trade["count_fp"], "volume": volume}
    if last:
        amounts |= {name: market[field] for name, field in TICKER_AMOUNTS.items()}
        volume, interest = Decimal(market["volume_fp"]), Decimal(market["open_interest_fp"])
        want |= {"dollar_volume": volume // 2, "dollar_open_interest": interest // 2}  # a contract pair is a dollar
        if seen.last_trade is not None:
            amounts["last_trade_size"] = seen.last_trade["count_fp"]
    return differences(message, "TickerMessage", f"ticker at {want['ts_ms']}", want, amounts, spelling)


def differences(
    message: dict[str, Any],
    cls: str,
    named: str,
    want: dict[str, Any],
    amounts: dict[str, Any],
    spelling: Spelling = SDK,
) -> list[str]:
    """The message's fields that differ from `want` (exactly) and from `amounts` (as Decimals, parsed from the type
    the client's amounts arrive as), each under the client's name for it."""
    fields, types = message["fields"], message["types"]
    problems = [] if message["class"] == cls else [f"a {message['class']}, not a {cls}"]
    for name, value in want.items():
        spelled = spelling.names.get(name, name)
        got = fields.get(spelled)
        if isinstance(value, Decimal):
            got = Decimal(got) if types.get(spelled) == spelling.amounts else got
        if got != value:
            problems.append(f"{cls} {named} {spelled}: the client {fields.get(spelled)!r}, the mock {value}")
    for name, value in amounts.items():
        spelled = spelling.names.get(name, name)
        if types.get(spelled) != spelling.amounts or Decimal(fields[spelled]) != Decimal(value):
            problems.append(f"{cls} {named} {spelled}: the client {fields.get(spelled)!r} ({types.get(spelled)}), "
                            f"the mock {value}")  # fmt: skip
    return problems


def market_ws_verdict(venv: Path, work_dir: Path) -> ClientVerdict:
    """The `market-ws` cell of kalshi-sdk's row, from a fresh mock of its own."""
    said = "subscribe_ticker() and subscribe_trade() while another account's orders trade"
    return market_ws_verdict_of(venv, work_dir, SdkWebsocketRun, SDK, said)


def market_ws_verdict_of(
    venv: Path, work_dir: Path, run: Callable[..., SdkWebsocketRun], spelling: Spelling, said: str
) -> ClientVerdict:
    """A client's `market-ws` cell (its script run by `run`, its messages spelled `spelling`)."""
    watched = watch_market(venv, work_dir, run)
    problems = market_ws_problems(watched, spelling)
    if problems:
        logged = f" (the client logged: {watched.logged[0][:300]})" if watched.logged else ""
        return ClientVerdict(False, f"{said}: " + "; ".join(problems[:3]) + logged)
    trades, tickers = sum(step.trades for step in STEPS), sum(step.tickers for step in STEPS)
    return ClientVerdict(
        True,
        f"{said}: {trades} TradeMessages and {tickers} TickerMessages over {len(STEPS)} steps, each trade equal to "
        "its row of GET /markets/trades, each ticker showing the step's book and time, each step's last ticker equal "
        "to GET /markets/{ticker}",
    )
