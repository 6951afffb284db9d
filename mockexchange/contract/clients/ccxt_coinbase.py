"""ccxt's `coinbaseinternational` (4.5.90, its own venv, unmodified) against the mock's Coinbase dialect of Deribit
(docs/coinbase.md): the play (a CDP key of a trader long the USDC perpetual; load_markets over REST, then the
balance, an order placed, the open orders, the order cancelled and the positions over ccxt.pro's websocket, which
authenticates with a CDP JWT) and its judging against the Deribit exchange. The client matrix's
`ccxt-coinbase` row; tests/clients/ccxt_played.py checks values worked by hand on its run.

The REST `fetch_balance` is played too: ccxt 4.5.90 cannot send the REST `public/auth` (its `sign` raises TypeError
for a POST), so it fails inside ccxt before any request reaches the mock, which the judging expects.

The row's `orderbook-ws`, `market-ws` and `websocket` are ccxt's Deribit row's watches (ccxt_trading.py's
`watch_book`, ccxt_market_ws.py's `watch_market`, ccxt_checks.py's `watch_a_fill`) made through coinbaseinternational on
the dialect's websocket (`via_coinbase`), judged as that row's but for what the class reads otherwise.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from mockexchange.contract.clients.ccxt_checks import (
    AGREES,
    FillWatch,
    at,
    deribit_mock,
    seed,
    trade_problems,
    watch_a_fill,
    watch_problems,
)
from mockexchange.contract.clients.ccxt_market_ws import market_ws_problems, watch_market
from mockexchange.contract.clients.ccxt_trading import (
    BOOK_CALLS,
    BOOK_UNTIL,
    book_calls,
    book_reads_problems,
    book_ws_problems,
    watch_book,
)
from mockexchange.contract.clients.checks import ClientVerdict
from mockexchange.contract.clients.libraries import CCXT, clean_env, ensure_venv, venv_python
from mockexchange.schema.specs import package_path
from mockexchange.server import MockServer
from mockexchange.venues.deribit.render import SUMMARY

TRADER = "cb-trader"
MAKER = "cb-maker"  # rests the levels the book reads see
MAKER_BOOK = {"bids": [["59990", "0.3"]], "asks": [["60010", "0.5"], ["60020", "0.2"]]}  # best first
PERPETUAL = "BTC_USDC-PERPETUAL"  # Coinbase's name, listed by the default instruments
SYMBOL = "BTC/USDC:USDC"
TIMEOUT_S = 120.0


@dataclass
class CoinbasePlay:
    mock: MockServer
    key: dict[str, Any]
    outcomes: dict[str, dict[str, Any]]
    received: list[Any]


def script() -> Path:
    return package_path("mockexchange.contract.clients", "scripts", "deribit", "ccxt_coinbase.py")


def urls(mock: MockServer) -> dict[str, str]:
    """The Coinbase dialect's REST and websocket addresses on `mock`."""
    base = mock.deribit_url
    return {"rest_url": base + "/coinbase/api/v2", "ws_url": "ws" + base.removeprefix("http") + "/coinbase/ws/api/v2"}


def via_coinbase(mock: MockServer, calls: list[dict[str, Any]], user: str = "alice", **extra: Any) -> dict[str, Any]:
    """A plan for ccxt_client.py's watches through ccxt.pro's coinbaseinternational against the Coinbase dialect,
    with a CDP key of `user`'s made for it (ccxt_trading.py's `Via`; ccxt 4.5.90 cannot send its REST calls). Its
    `watch_balance` subscribes `user.portfolio.any`."""
    assert not calls, "coinbaseinternational's REST public/auth cannot be sent: its calls are the websocket's"
    key = mock.create_coinbase_key(user)
    if "watch" in extra:
        extra["watch"] = {**extra["watch"], "portfolios": ["user.portfolio.any"]}
    return {"exchange": "coinbaseinternational", **urls(mock), "client_id": key["name"],
            "client_secret": key["private_key"], "calls": [], **extra}  # fmt: skip


def coinbase_balance(balance: dict[str, Any], code: str, summary: Any) -> tuple[Any, dict[str, float]]:
    """coinbaseinternational's figures of `code` and what they must be: its balance keeps them under the currency;
    free is the available funds, total the margin balance, used what is left of it."""
    total, free = at(summary.margin_balance, SUMMARY), at(summary.available_funds, SUMMARY)
    return balance.get(code), {"free": float(free), "used": float(total - free), "total": float(total)}


COINBASE_FILL_WATCH = FillWatch(
    frozenset({"user.trades.any.any.raw", "user.portfolio.any"}), "coinbase_cdp", coinbase_balance
)


def plan(mock: MockServer, key: dict[str, Any]) -> dict[str, Any]:
    return {
        **urls(mock),
        "key_name": key["name"],
        "private_key": key["private_key"],
        "calls": [
            {"id": "markets", "method": "load_markets"},
            {"id": "rest_balance", "method": "fetch_balance"},
            {"id": "balance", "method": "fetch_balance_ws"},
            {"id": "order", "method": "create_order_ws", "args": [SYMBOL, "limit", "buy", 0.1, 50000]},
            {"id": "open", "method": "fetch_open_orders_ws", "args": [SYMBOL]},
            {"id": "cancel", "method": "cancel_order_ws", "args": ["$order", SYMBOL]},
            {"id": "positions", "method": "fetch_positions_ws"},
            {"id": "my_trades", "method": "fetch_my_trades_ws", "args": [SYMBOL]},
            *book_calls(SYMBOL),  # (public, over REST: after the trader's order is cancelled, bob's levels alone)
        ],
    }


def play(mock: MockServer, tmp_dir: Path) -> CoinbasePlay:
    """The trader's account and key, then the client's run (one process, a few calls)."""
    mock.create_deribit_account(TRADER, balances={"BTC": "1", "USDC": "100000"})
    mock.deribit_fill(TRADER, PERPETUAL, "buy", "0.25", "59500")
    mock.create_deribit_account(MAKER, balances={"USDC": "100000"})
    for side, levels in (("buy", MAKER_BOOK["bids"]), ("sell", MAKER_BOOK["asks"])):
        for price, amount in levels:
            mock.deribit_order(MAKER, PERPETUAL, side, amount, price)
    key = mock.create_coinbase_key(TRADER)
    plan_path = tmp_dir / "ccxt-coinbase-plan.json"
    plan_path.write_text(json.dumps(plan(mock, key)))
    python = venv_python(ensure_venv(CCXT))
    done = subprocess.run(
        [str(python), "-I", str(script()), str(plan_path)], capture_output=True, text=True, timeout=TIMEOUT_S,
        env=clean_env(None),
    )  # fmt: skip
    if done.returncode != 0:
        raise AssertionError(f"ccxt_coinbase.py exited {done.returncode}\n{done.stderr[-3000:]}")
    ran = json.loads(done.stdout)
    return CoinbasePlay(mock, key, ran["calls"], ran["received"])


def problems(played: CoinbasePlay) -> list[str]:
    """What ccxt parsed that the exchange does not hold, and calls that failed but should not have."""
    found: list[str] = []
    calls = played.outcomes
    for name, outcome in calls.items():
        if name != "rest_balance" and name not in BOOK_CALLS and not outcome["ok"]:  # (the book reads: the markets')
            found.append(f"{name}: {outcome['error']['type']}: {outcome['error']['message'][:300]}")
    rest = calls["rest_balance"]
    if rest["ok"] or rest["requests"]:
        found.append("rest_balance: ccxt 4.5.90 was expected to fail before sending public/auth over REST")
    if found:
        return found
    if SYMBOL not in calls["markets"]["result"]:
        found.append(f"load_markets: no {SYMBOL} (the mock's {PERPETUAL})")
    exchange = played.mock.exchange
    usdc = calls["balance"]["result"].get("USDC", {})
    summary = exchange.valuation.account_summary(TRADER, "USDC", None)
    if Decimal(str(usdc.get("total"))) != summary.equity:
        found.append(f"balance USDC total: ccxt {usdc.get('total')!r}, the book's equity {summary.equity}")
    order_id = calls["order"]["result"]["id"]
    if [row["id"] for row in calls["open"]["result"]] != [order_id]:
        found.append(f"open orders: ccxt {[row['id'] for row in calls['open']['result']]}, placed {order_id}")
    if calls["cancel"]["result"]["status"] != "canceled":
        found.append(f"cancel: ccxt's status {calls['cancel']['result']['status']!r}")
    (position,) = calls["positions"]["result"] or [{}]
    book = exchange.valuation.position(TRADER, PERPETUAL, None)
    if (position.get("symbol"), Decimal(str(position.get("contracts")))) != (SYMBOL, book.size):
        found.append(f"position: ccxt {position.get('symbol')} {position.get('contracts')}, the book {book.size}")
    return found + _my_trades_problems(played)


def markets_problems(played: CoinbasePlay) -> list[str]:
    """fetch_order_book (every level, and limit 1) and fetch_ticker of the USDC perpetual, over public REST, against
    the maker's levels (the trader's order cancelled before them; coinbaseinternational's book keeps no nonce: not
    compared)."""
    bids, asks = ([[Decimal(p), Decimal(a)] for p, a in MAKER_BOOK[side]] for side in ("bids", "asks"))
    book = {"bids": bids, "asks": asks, "best_bid_price": bids[0][0], "best_bid_amount": bids[0][1],
            "best_ask_price": asks[0][0], "best_ask_amount": asks[0][1]}  # fmt: skip
    return book_reads_problems(played.outcomes, book, nonce=False)


def _my_trades_problems(played: CoinbasePlay) -> list[str]:
    """fetch_my_trades_ws: the trader's one fill, equal to the book's trade (its cancelled order made none)."""
    parsed, exchange = played.outcomes["my_trades"]["result"], played.mock.exchange
    trades = [trade for trade in exchange.state.trades if trade.user_id == TRADER]
    if [row["id"] for row in parsed] != [trade.trade_id for trade in trades] or len(trades) != 1:
        return [f"my_trades: ccxt {[row['id'] for row in parsed]}, the book {[t.trade_id for t in trades]}"]
    return [f"my_trades: {problem}" for problem in trade_problems(played.mock, parsed[0], trades[0])]


# -- the client matrix's row ----------------------------------------------------------------------------------------

# The columns the row plays (one run of the play): what each checks of it.
PLAYED = {
    "balance": "fetch_balance_ws (coinbase_cdp auth over the websocket)",
    "orders": "create_order_ws, fetch_open_orders_ws, cancel_order_ws and fetch_positions_ws",
    "fills": "fetch_my_trades_ws (private/get_user_trades_by_instrument over the websocket)",
    "markets": "fetch_order_book (every level, and limit 1) and fetch_ticker of the USDC perpetual over public REST "
    "(its book keeps no nonce: not compared)",
}
# The columns played by ccxt's Deribit row's watches, through coinbaseinternational on the Coinbase dialect's websocket
WATCHED = {
    "orderbook-ws": "ccxt.pro coinbaseinternational watch_order_book (book.{instrument}.100ms) while orders are placed "
    "and cancelled",
    "market-ws": "ccxt.pro coinbaseinternational watch_trades, watch_ohlcv and watch_ticker while trades print",
    "websocket": "ccxt.pro coinbaseinternational watch_my_trades and watch_balance (user.portfolio.any, coinbase_cdp "
    "auth) get a fill made once subscribed",
}
# What the class cannot do against the dialect: its private REST calls fail inside ccxt 4.5.90 (its REST public/auth
# cannot be sent), and its websocket has no deposits or withdrawals.
_PRIVATE_REST = "private REST calls, which ccxt 4.5.90 cannot authenticate (its REST public/auth raises before sending)"
NA_REASONS = {
    "transfers": f"coinbaseinternational's deposits and withdrawals are {_PRIVATE_REST}; its websocket has none",
    **dict.fromkeys(("positions-pages", "filters"), f"coinbaseinternational's positions and trades by filter are "
                    f"{_PRIVATE_REST}; its websocket reads them whole (the orders and fills cells)"),
}  # fmt: skip
NOT_YET_REASONS: dict[str, str] = {}  # (every Deribit column it can play is played)


def matrix_verdicts(names: list[str], work_dir: Path) -> dict[str, ClientVerdict]:
    """The row's played columns: the play's, judged from one run of it against a fresh mock, and the watches'."""
    judged: dict[str, list[str]] = {}
    if any(name in PLAYED for name in names):
        with MockServer() as mock:
            played = play(mock, work_dir)
            found, books = problems(played), markets_problems(played)
        balance = [line for line in found if line.startswith(("balance", "load_markets", "markets", "rest_balance"))]
        fills = [line for line in found if line.startswith("my_trades")]
        orders = [line for line in found if line not in balance and line not in fills]
        judged |= {"balance": balance, "orders": orders, "fills": fills, "markets": books}
    if "orderbook-ws" in names:
        (work_dir / "book-ws").mkdir()
        done, _, wire = watch_book(work_dir / "book-ws", BOOK_UNTIL, via=via_coinbase)
        judged["orderbook-ws"] = book_ws_problems(done, wire)
    if "websocket" in names:
        (work_dir / "ws").mkdir()
        with deribit_mock() as mock:
            seeded = seed(mock)
            judged["websocket"] = watch_problems(
                seeded, watch_a_fill(seeded, work_dir / "ws", via=via_coinbase, role="linear"), COINBASE_FILL_WATCH
            )
    if "market-ws" in names:
        (work_dir / "market-ws").mkdir()
        watched = watch_market(work_dir / "market-ws", via=via_coinbase)
        judged["market-ws"] = market_ws_problems(watched, quote_volume="volume_notional")
    said = PLAYED | WATCHED
    asked = [name for name in names if name in judged]
    return {name: ClientVerdict(not judged[name], f"{said[name]}: " + ("; ".join(judged[name][:3]) or AGREES))
            for name in asked}  # fmt: skip
