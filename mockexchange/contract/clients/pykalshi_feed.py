"""The client matrix's `websocket` cell for pykalshi: its `Feed` (scripts/kalshi/pykalshi_feed.py) subscribes to
`fill` and `market_positions` on a fresh mock; two fills (one a fractional maker NO) and a settlement must reach its
handlers as its typed messages (a message its models cannot validate reaches them as a raw dict), each equal to the
ledger after that change, as kalshi-sdk's cell (checks.py's `websocket_verdict`) plays them."""

from __future__ import annotations

from pathlib import Path

from mockexchange.contract.clients.checks import (
    WS_EVENT,
    WS_MESSAGES,
    ClientVerdict,
    play_ws_changes,
    start_mock,
    verdict_of,
    ws_problems,
)
from mockexchange.contract.clients.orderbook_ws import book_verdict_of
from mockexchange.contract.clients.portfolio import TRADER, Key
from mockexchange.contract.clients.sdk_market_ws import TRADE_TEXTS, Spelling, market_ws_verdict_of
from mockexchange.contract.clients.sdk_websocket import SdkWebsocketRun
from mockexchange.server import MockServer

SCRIPT_NAME = "pykalshi_feed.py"
TYPED = {"fills": "FillMessage", "positions": "PositionMessage"}
# pykalshi's names of the wire's fields: its models keep the wire's (`count_fp`, `position_cost_dollars`, ...)
_NAMES = {
    "count": "count_fp", "yes_price": "yes_price_dollars", "post_position": "post_position_fp",
    "position": "position_fp", "position_cost": "position_cost_dollars", "realized_pnl": "realized_pnl_dollars",
    "fees_paid": "fees_paid_dollars",
}  # fmt: skip


def book_verdict(venv: Path, work_dir: Path) -> ClientVerdict:
    """The `orderbook-ws` cell: pykalshi's Feed on `orderbook_delta`, its OrderbookManager keeping the book as its
    docstring shows (orderbook_ws.py's moves; its script sees no frames, so no `seq` is counted)."""

    return book_verdict_of(venv, work_dir, _run, "its Feed and OrderbookManager", seq=False)


# pykalshi's TickerMessage and TradeMessage keep the wire's names and strings; its TradeMessage lacks is_block_trade
SPELLING = Spelling(
    names={"yes_bid": "yes_bid_dollars", "yes_ask": "yes_ask_dollars", "price": "price_dollars",
           "yes_bid_size": "yes_bid_size_fp", "yes_ask_size": "yes_ask_size_fp", "volume": "volume_fp",
           "open_interest": "open_interest_fp", "last_trade_size": "last_trade_size_fp",
           "yes_price": "yes_price_dollars", "no_price": "no_price_dollars", "count": "count_fp"},
    amounts="str", trade_texts=tuple(name for name in TRADE_TEXTS if name != "is_block_trade"),
)  # fmt: skip


def market_verdict(venv: Path, work_dir: Path) -> ClientVerdict:
    """The `market-ws` cell: pykalshi's Feed on `ticker` and `trade` through sdk_market_ws.py's steps, each message
    judged as kalshi-sdk's, under pykalshi's names (its script sees no frames: none are counted)."""
    said = "its Feed on ticker and trade while another account's orders trade"
    return market_ws_verdict_of(venv, work_dir, _run, SPELLING, said)


def _run(venv: Path, mock: MockServer, key: Key, plan: dict, work_dir: Path) -> SdkWebsocketRun:
    return SdkWebsocketRun(venv, mock, key, plan, work_dir, script=SCRIPT_NAME)


def feed_verdict(venv: Path, work_dir: Path) -> ClientVerdict:
    with start_mock(MockServer()) as mock:
        mock.create_account(TRADER, balance_cents=10_000_000)
        key = Key.create(mock, work_dir, "ws-trader", TRADER)
        sentinel = f"{WS_EVENT}-A"  # its book's snapshot says the subscriptions before it are acknowledged
        mock.create_market(sentinel, WS_EVENT)
        plan = {
            "subscriptions": [
                {"name": "positions", "channel": "market_positions"},
                {"name": "fills", "channel": "fill"},
            ],
            "sentinel": sentinel,
            "expect": WS_MESSAGES,
        }
        with SdkWebsocketRun(venv, mock, key, plan, work_dir, script=SCRIPT_NAME) as client:
            client.subscribed()
            want = play_ws_changes(mock)
            report = client.finish()
    got = {name: report.messages(name) for name in TYPED}
    fields = {name: [message["fields"] for message in messages] for name, messages in got.items()}
    problems = ws_problems(fields, want, report.done["reason"], lambda name: _NAMES.get(name, name))
    untyped = [m["class"] for name, messages in got.items() for m in messages if m["class"] != TYPED[name]]
    if untyped:
        problems.append(f"messages its models could not validate (handed over as {', '.join(sorted(set(untyped)))})")
    said = f"{len(got['fills'])} FillMessage and {len(got['positions'])} PositionMessage through its Feed"
    return verdict_of(problems, f"{said} (two fills, a settlement) typed and equal to the ledger")
