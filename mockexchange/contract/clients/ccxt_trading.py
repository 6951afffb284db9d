"""ccxt trading and reading books on the mock's Deribit venue, judged against the book: the client matrix's `markets`
(`fetch_order_book`, `fetch_ticker`, and in the same run ccxt_market_data.py's and ccxt_feeds.py's public reads),
`orders`
(`create_order` resting and crossing, `edit_order`, `cancel_order`, `fetch_closed_orders`, `fetch_order_trades`,
`cancel_all_orders`, then ccxt.pro's `watch_orders`) and `orderbook-ws` (ccxt.pro's `watch_order_book`) cells of
ccxt's row; tests/clients/ccxt_played.py checks a few values worked by hand on the plays the row made.

The book is read back over the wire as the account's own key reads it (`private/get_order_state`,
`public/get_order_book`, ...), JSON numbers as Decimals: ccxt's parsed floats must equal them, and each status be
ccxt's word for the book's state.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypedDict

import httpx

from mockexchange.contract.clients.ccxt_checks import AGREES, deribit_mock, unified_symbol
from mockexchange.contract.clients.ccxt_feeds import FeedRecords, feed_calls, feed_records, feeds_problems, seed_feeds
from mockexchange.contract.clients.ccxt_market_data import (
    MarketRecords,
    market_data_calls,
    market_data_problems,
    market_records,
    seed_market_data,
)
from mockexchange.contract.clients.ccxt_run import CcxtRun, run_rest
from mockexchange.contract.clients.checks import ClientVerdict
from mockexchange.server import MockServer
from mockexchange.server.tls import client_context

PERP = "BTC-PERPETUAL"


class DeribitApiKey(TypedDict):
    """A Deribit API key's credentials, as `create_deribit_key` and a plan take them."""

    client_id: str
    client_secret: str


KEY: DeribitApiKey = {"client_id": "AliceKey", "client_secret": "alice-secret"}
STATUSES = {"open": "open", "untriggered": "open", "filled": "closed", "cancelled": "canceled", "rejected": "rejected"}
COLUMNS = ("markets", "orders", "orderbook-ws")


def plan(mock: MockServer, calls: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A plan for the ccxt script with alice's key: ccxt's `deribit` against Deribit's API (a `Via`)."""
    return {"rest_url": mock.deribit_url, "ws_url": mock.deribit_ws_url, **KEY, "calls": calls, **extra}


# How ccxt reaches the venue, as a plan of the script: (mock, calls, **the plan's watch) -> the plan. `plan` is
# Deribit's API; ccxt_coinbase.py's `via_coinbase` its Coinbase dialect, through ccxt's coinbaseinternational.
Via = Callable[..., dict[str, Any]]


def rpc(mock: MockServer, method: str, **params: Any) -> Any:
    """A method's result as alice's key reads it over HTTP (HTTPS, its certificate trusted, for a mock served over
    TLS), JSON numbers as Decimals."""
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    certfile = mock.app.settings.tls_certfile
    verify: ssl.SSLContext | bool = client_context(certfile) if certfile is not None else True
    auth = (KEY["client_id"], KEY["client_secret"])
    reply = httpx.post(f"{mock.deribit_url}/api/v2", json=body, auth=auth, timeout=10, verify=verify)
    return json.loads(reply.text, parse_float=Decimal)["result"]


def wire_book(mock: MockServer, depth: int = 20) -> dict[str, Any]:
    return rpc(mock, "public/get_order_book", instrument_name=PERP, depth=depth)


def as_floats(levels: list[list[Any]]) -> list[list[float]]:
    return [[float(price), float(amount)] for price, amount in levels]


def seeded_mock() -> MockServer:
    """A started mock with alice (her key) and bob, 10 BTC each."""
    mock = deribit_mock()
    mock.start()
    for user in ("alice", "bob"):
        mock.create_deribit_account(user, balances={"BTC": "10"})
    mock.create_deribit_key("alice", **KEY)
    return mock


def order_problems(parsed: dict[str, Any], wire: dict[str, Any]) -> list[str]:
    """What ccxt's unified order says that the book's order (as `private/get_order_state` answers) does not."""
    want = {
        "id": wire["order_id"], "side": wire["direction"], "price": float(wire["price"]),
        "amount": float(wire["amount"]), "filled": float(wire["filled_amount"]),
        "remaining": float(wire["amount"] - wire["filled_amount"]), "status": STATUSES[wire["order_state"]],
        "type": wire["order_type"], "timestamp": wire["creation_timestamp"],
    }  # fmt: skip
    problems = [f"order {wire['order_id']} {name}: ccxt {parsed.get(name)!r}, the book {value!r}"
                for name, value in want.items() if parsed.get(name) != value]  # fmt: skip
    if wire["filled_amount"] and parsed.get("average") != float(wire["average_price"]):
        problems.append(f"order {wire['order_id']} average: ccxt {parsed.get('average')!r}, the book "
                        f"{wire['average_price']}")  # fmt: skip
    return problems


def trade_problems(parsed: dict[str, Any], wire: dict[str, Any]) -> list[str]:
    """What ccxt's unified trade says that the book's (the account's side, as the wire lists it) does not."""
    want = {
        "id": wire["trade_id"], "order": wire["order_id"], "side": wire["direction"], "price": float(wire["price"]),
        "amount": float(wire["amount"]), "takerOrMaker": "taker" if wire["liquidity"] == "T" else "maker",
    }  # fmt: skip
    problems = [f"trade {wire['trade_id']} {name}: ccxt {parsed.get(name)!r}, the book {value!r}"
                for name, value in want.items() if parsed.get(name) != value]  # fmt: skip
    fee = (parsed.get("fee") or {}).get("cost")
    if fee is None or Decimal(str(fee)) != wire["fee"]:
        problems.append(f"trade {wire['trade_id']} fee: ccxt {fee!r}, the book {wire['fee']}")
    return problems


# -- orders ----------------------------------------------------------------------------------------------------------


@dataclass
class OrdersPlay:
    """What ccxt answered to each order call, and the book after them, read over the wire."""

    outcomes: dict[str, dict[str, Any]]
    ids: dict[str, str] = field(default_factory=dict)  # call -> the order it made or changed
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)  # call -> get_order_state after the play
    closed: list[dict[str, Any]] = field(default_factory=list)  # get_order_history_by_instrument
    trades: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # order id -> get_user_trades_by_order
    still_open: list[dict[str, Any]] = field(default_factory=list)


def play_orders(work_dir: Path) -> OrdersPlay:
    """alice's orders through ccxt: seed-3 filled by bob beforehand (its trades to fetch), bob's ask to cross, two
    orders of hers to edit and cancel; then the calls, and the book read back."""
    mock = seeded_mock()
    try:
        mock.deribit_order("alice", PERP, "sell", "20", "63000", order_id="seed-3")
        mock.deribit_place_order("bob", PERP, "buy", "20", "63000")  # before bob's ask: never his own to meet
        mock.deribit_order("bob", PERP, "sell", "50", "61000", order_id="bob-ask")
        mock.deribit_order("alice", PERP, "buy", "100", "49000", order_id="seed-1")
        mock.deribit_order("alice", PERP, "sell", "50", "62000", order_id="seed-2")
        symbol = unified_symbol(mock, PERP)
        calls: list[dict[str, Any]] = [
            {"id": "rest", "method": "create_order", "args": [symbol, "limit", "buy", 30, 48000.5]},
            {"id": "cross", "method": "create_order", "args": [symbol, "limit", "buy", 20, 61000]},
            {"id": "edit", "method": "edit_order", "args": ["seed-1", symbol, "limit", "buy", 200, 48500]},
            {"id": "cancel", "method": "cancel_order", "args": ["seed-2", symbol]},
            {"id": "closed", "method": "fetch_closed_orders", "args": [symbol]},
            {"id": "trades", "method": "fetch_order_trades", "args": ["seed-3", symbol]},
            {"id": "all", "method": "cancel_all_orders", "args": [symbol]},
        ]
        played = OrdersPlay(run_rest(plan(mock, calls), work_dir))
        for call in ("rest", "cross", "edit", "cancel"):
            outcome = played.outcomes[call]
            if outcome["ok"]:
                played.ids[call] = outcome["result"]["id"]
                played.orders[call] = rpc(mock, "private/get_order_state", order_id=played.ids[call])
        played.closed = rpc(mock, "private/get_order_history_by_instrument", instrument_name=PERP)
        for order_id in ("seed-3", played.ids.get("cross")):
            if order_id is not None:
                played.trades[order_id] = rpc(mock, "private/get_user_trades_by_order", order_id=order_id)
        played.still_open = rpc(mock, "private/get_open_orders")
        return played
    finally:
        mock.stop()


def orders_problems(played: OrdersPlay) -> list[str]:
    """Each call ok; what it answered is the order the book holds (the crossing buy and the cancel after the play; the
    resting and edited ones as answered, cancelled since by cancel_all_orders); the closed orders and seed-3's
    trades as the book lists them; the two left cancelled."""
    outcomes = played.outcomes
    problems = [f"{call} raised {o['error']['type']}: {o['error']['message'][:200]}"
                for call, o in outcomes.items() if not o["ok"]]  # fmt: skip
    if problems:
        return problems
    for call in ("cross", "cancel"):
        problems += order_problems(outcomes[call]["result"], played.orders[call])
    rested, edited = outcomes["rest"]["result"], outcomes["edit"]["result"]
    if (rested["status"], rested["price"], rested["amount"], rested["filled"]) != ("open", 48000.5, 30.0, 0.0):
        problems.append(f"the resting create_order answered {rested['status']} {rested['amount']} at {rested['price']}")
    book_edit = played.orders["edit"]
    if (edited["price"], edited["amount"]) != (float(book_edit["price"]), float(book_edit["amount"])):
        problems.append(f"edit_order answered {edited['amount']} at {edited['price']}, the book {book_edit}")
    cross_trades = played.trades.get(played.ids["cross"], [])
    fee = (outcomes["cross"]["result"].get("fee") or {}).get("cost")
    if len(cross_trades) != 1 or fee is None or Decimal(str(fee)) != cross_trades[0]["fee"]:
        problems.append(f"the crossing order's fee: ccxt {fee!r}, its trades {cross_trades}")
    closed = outcomes["closed"]["result"]
    if [order["id"] for order in closed] != [row["order_id"] for row in played.closed]:
        problems.append(f"fetch_closed_orders listed {[o['id'] for o in closed]}, the book "
                        f"{[r['order_id'] for r in played.closed]}")  # fmt: skip
    for parsed, wire in zip(closed, played.closed, strict=False):
        problems += order_problems(parsed, wire)
    fetched = outcomes["trades"]["result"]
    if len(fetched) != len(played.trades["seed-3"]):
        problems.append(f"fetch_order_trades gave {len(fetched)} trades, the book {len(played.trades['seed-3'])}")
    for parsed, wire in zip(fetched, played.trades["seed-3"], strict=False):
        problems += trade_problems(parsed, wire)
    if played.still_open:
        problems.append(f"cancel_all_orders left {[o['order_id'] for o in played.still_open]} open")
    return problems


@dataclass
class OrdersWatch:
    done: dict[str, Any]
    channels: list[str]
    orders: dict[str, dict[str, Any]]  # order id -> get_order_state after
    trades: list[dict[str, Any]]  # alice's trades of her resting order, as the wire lists them


def watch_orders(work_dir: Path) -> OrdersWatch:
    """ccxt.pro's watch_orders and watch_my_trades while bob takes 40 of alice's resting 100 and alice rests a buy."""
    mock = seeded_mock()
    try:
        resting = mock.deribit_order("alice", PERP, "sell", "100", "61000")["order_id"]
        watch = {"trades": 1, "portfolio": 0, "orders": 2, "currencies": ["BTC"]}
        with CcxtRun(plan(mock, [], watch=watch), work_dir) as run:
            run.rest()
            channels = run.subscribed()["channels"]
            mock.deribit_place_order("bob", PERP, "buy", "40", "61000")
            mine = mock.deribit_place_order("alice", PERP, "buy", "10", "60000")["order"]["order_id"]
            done = run.finish()
        orders = {order_id: rpc(mock, "private/get_order_state", order_id=order_id) for order_id in (resting, mine)}
        return OrdersWatch(done, channels, orders, rpc(mock, "private/get_user_trades_by_order", order_id=resting))
    finally:
        mock.stop()


def watch_problems(watched: OrdersWatch) -> list[str]:
    done = watched.done
    problems = [f"watch error: {error}" for error in done["errors"]]
    if done["reason"] != "count":
        problems.append(f"watch_orders and watch_my_trades ended by {done['reason']}")
    latest = {order["id"]: order for order in done["orders"]}
    if set(latest) != set(watched.orders):
        problems.append(f"watch_orders saw {sorted(latest)}, the book changed {sorted(watched.orders)}")
    for order_id, wire in watched.orders.items():
        if order_id in latest:
            problems += order_problems(latest[order_id], wire)
    if len(done["my_trades"]) != len(watched.trades):
        problems.append(f"watch_my_trades saw {len(done['my_trades'])} trades, the book {len(watched.trades)}")
    for parsed, wire in zip(done["my_trades"], watched.trades, strict=False):
        problems += trade_problems(parsed, wire)
    return problems


# -- books ----------------------------------------------------------------------------------------------------------


def seed_book(mock: MockServer) -> None:
    mock.deribit_order("alice", PERP, "buy", "100", "49990")
    mock.deribit_order("bob", PERP, "sell", "70", "50010.5")
    mock.deribit_order("bob", PERP, "buy", "50", "49980.5")


@dataclass
class MarketsPlay:
    """What ccxt answered to each market data call, the book read after them and what the exchange keeps."""

    outcomes: dict[str, dict[str, Any]]
    wire: dict[str, Any]  # public/get_order_book of the perpetual
    kept: MarketRecords
    feeds: FeedRecords
    flagged: list[str]  # what the request journal found in the mock's answers against the kit's Deribit slice


def play_markets(work_dir: Path) -> MarketsPlay:
    """One run of ccxt's script: fetch_order_book (every level, and limit 1) and fetch_ticker of the perpetual, then
    the public reads of ccxt_market_data.py (tickers, candles, trades, the option chain) over the trades it seeded
    and ccxt_feeds.py's (funding, volatility, status) over what it set; the book read after, what the exchange keeps,
    and what the journal found in the answers."""
    mock = seeded_mock()
    try:
        option = seed_market_data(mock)
        seed_book(mock)
        seed_feeds(mock)
        symbol = unified_symbol(mock, PERP)
        calls: list[dict[str, Any]] = [
            *book_calls(symbol),
            *market_data_calls(mock, option),
            *feed_calls(mock),
        ]
        outcomes = run_rest(plan(mock, calls), work_dir)
        journaled = mock.requests(venue="deribit", invalid=True)
        flagged = [p["detail"] for entry in journaled for p in entry["problems"] if p["rule"] == "reply.schema"]
        kept = market_records(mock, option)
        return MarketsPlay(outcomes, wire_book(mock), kept, feed_records(mock), flagged)
    finally:
        mock.stop()


BOOK_CALLS = ("book", "top", "ticker")  # fetch_order_book (every level, and limit 1) and fetch_ticker of an instrument


def book_calls(symbol: str) -> list[dict[str, Any]]:
    """The book reads of `symbol` (`BOOK_CALLS`), as the plan of ccxt's script names them."""
    args = ([symbol], [symbol, 1], [symbol])
    return [{"id": name, "method": method, "args": given}
            for name, method, given in zip(BOOK_CALLS, ("fetch_order_book", "fetch_order_book", "fetch_ticker"), args,
                                           strict=True)]  # fmt: skip


def book_reads_problems(outcomes: dict[str, dict[str, Any]], wire: dict[str, Any], nonce: bool = True) -> list[str]:
    """The book reads (`BOOK_CALLS`) against the instrument's `public/get_order_book` read after them: the levels, the
    top level, the ticker's best bid and ask, and (`nonce`) the book's change_id as ccxt's nonce."""
    problems = [f"{call} raised {outcomes[call]['error']['type']}" for call in BOOK_CALLS if not outcomes[call]["ok"]]
    if problems:
        return problems
    book, top, ticker = (outcomes[call]["result"] for call in BOOK_CALLS)
    if (book["bids"], book["asks"]) != (as_floats(wire["bids"]), as_floats(wire["asks"])):
        problems.append(f"fetch_order_book: ccxt {book['bids']} / {book['asks']}, the book {wire}")
    if nonce and book["nonce"] != wire["change_id"]:
        problems.append(f"fetch_order_book nonce {book['nonce']}, the book's change_id {wire['change_id']}")
    if (top["bids"], top["asks"]) != (as_floats(wire["bids"][:1]), as_floats(wire["asks"][:1])):
        problems.append(f"fetch_order_book(limit=1): ccxt {top['bids']} / {top['asks']}")
    best = (float(wire["best_bid_price"]), float(wire["best_bid_amount"]), float(wire["best_ask_price"]),
            float(wire["best_ask_amount"]))  # fmt: skip
    if (ticker["bid"], ticker["bidVolume"], ticker["ask"], ticker["askVolume"]) != best:
        problems.append(f"fetch_ticker's best bid and ask {ticker['bid']}, {ticker['ask']}, the book {best}")
    return problems


def markets_problems(played: MarketsPlay) -> list[str]:
    outcomes = played.outcomes
    problems = book_reads_problems(outcomes, played.wire)
    if any(" raised " in problem for problem in problems):
        return problems
    problems += [f"the answer breaks the slice: {detail}" for detail in played.flagged]
    return problems + market_data_problems(outcomes, played.kept) + feeds_problems(outcomes, played.feeds)


def watch_book(
    work_dir: Path, until: dict[str, list[list[float]]], via: Via = plan
) -> tuple[dict[str, Any], list[str], Any]:
    """ccxt.pro's watch_order_book while orders of both accounts are placed and cancelled after it subscribed, until
    its book is `until`: the done event, the channels, the book read after."""
    mock = seeded_mock()
    try:
        mock.deribit_order("alice", PERP, "buy", "100", "49990")
        mock.deribit_order("bob", PERP, "sell", "70", "50010.5")
        with CcxtRun(via(mock, [], book={"symbol": unified_symbol(mock, PERP), "until": until}), work_dir) as run:
            run.rest()
            channels = run.subscribed()["channels"]
            mock.deribit_order("bob", PERP, "buy", "50", "49990")
            mock.deribit_order("alice", PERP, "buy", "30", "49980.5")
            kept = mock.exchange.state.orders
            assert kept is not None  # made with the first order placed above
            ask = next(o for o in kept.orders.values() if o.direction == "sell")
            mock.deribit_cancel_order(ask.order_id)
            mock.deribit_order("alice", PERP, "sell", "20", "50020")
            done = run.finish()
        return done, channels, wire_book(mock)
    finally:
        mock.stop()


BOOK_UNTIL = {"bids": [[49990.0, 150.0], [49980.5, 30.0]], "asks": [[50020.0, 20.0]]}


def book_ws_problems(done: dict[str, Any], wire: dict[str, Any]) -> list[str]:
    problems = [f"watch error: {error}" for error in done["errors"]]
    if done["reason"] != "count":
        problems.append(f"watch_order_book ended by {done['reason']}: {done['book']}")
    if (done["book"]["bids"], done["book"]["asks"]) != (as_floats(wire["bids"]), as_floats(wire["asks"])):
        problems.append(f"watch_order_book's book {done['book']}, the book {wire}")
    frames = [m["params"]["data"] for m in done["received"] if m.get("method") == "subscription"]
    for before, after in zip(frames, frames[1:], strict=False):
        if after.get("prev_change_id") != before.get("change_id"):
            problems.append(f"change {after.get('change_id')} follows {before.get('change_id')}, not its prev")
    return problems


# -- the matrix's cells ------------------------------------------------------------------------------------------------


def trading_verdicts(names: list[str], work_dir: Path) -> dict[str, ClientVerdict]:
    """The `markets`, `orders` and `orderbook-ws` cells of ccxt's row, each from its own fresh mock."""
    verdicts = {}
    if "markets" in names:
        (work_dir / "markets").mkdir()
        problems = markets_problems(play_markets(work_dir / "markets"))
        said = (
            "fetch_order_book (every level, limit 1) and fetch_ticker (public/get_order_book, public/ticker), "
            "fetch_tickers (get_book_summary_by_currency), fetch_ohlcv (1m, 5m: get_tradingview_chart_data), "
            "fetch_trades (get_last_trades_by_instrument, and _and_time since a trade), fetch_option_chain, "
            "fetch_funding_rate, fetch_funding_rate_history, fetch_volatility_history, fetch_status"
        )
        verdicts["markets"] = _verdict(said, problems)
    if "orders" in names:
        (work_dir / "orders").mkdir()
        (work_dir / "orders-ws").mkdir()
        problems = orders_problems(play_orders(work_dir / "orders"))
        problems += watch_problems(watch_orders(work_dir / "orders-ws"))
        said = ("create_order (resting, and crossing another account's ask), edit_order, cancel_order, "
                "fetch_closed_orders, fetch_order_trades, cancel_all_orders; ccxt.pro watch_orders and "
                "watch_my_trades while an order fills")  # fmt: skip
        verdicts["orders"] = _verdict(said, problems)
    if "orderbook-ws" in names:
        (work_dir / "book-ws").mkdir()
        done, _, wire = watch_book(work_dir / "book-ws", BOOK_UNTIL)
        said = "ccxt.pro watch_order_book (book.{instrument}.100ms) while orders are placed and cancelled"
        verdicts["orderbook-ws"] = _verdict(said, book_ws_problems(done, wire))
    return verdicts


def _verdict(said: str, problems: list[str]) -> ClientVerdict:
    return ClientVerdict(not problems, f"{said}: " + ("; ".join(problems[:3]) or AGREES))
