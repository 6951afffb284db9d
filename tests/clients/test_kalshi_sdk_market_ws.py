"""kalshi-sdk 22.4.0, unmodified from PyPI in its own venv, on the mock's public `ticker` and `trade` channels through
its own `subscribe_ticker(tickers=...)` and `subscribe_trade(tickers=...)`, while another account's orders trade on a
market (mockexchange/contract/clients/sdk_market_ws.py, the client matrix's `market-ws` cell of its row). Every
typed message equals the market's REST reads (GET /markets/{ticker}, GET /markets/trades), a few values are also
checked by hand, and a wrong value is named by the check."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mockexchange.contract.clients.libraries import KALSHI_SDK
from mockexchange.contract.clients.sdk_market_ws import MARKET, STEPS, Watched, market_ws_problems, watch_market

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py


def test_ticker_and_trade_messages_equal_the_markets_rest_reads(watched_once: Watched) -> None:
    watched = watched_once
    assert market_ws_problems(watched) == []
    assert watched.logged == []
    trades = [m["fields"] for seen in watched.seen for m in seen.messages if m["class"] == "TradeMessage"]
    assert [(t["yes_price"], t["count"], t["taker_outcome_side"], t["taker_book_side"]) for t in trades] == [
        ("0.5600", "4.00", "yes", "bid"), ("0.5600", "6.00", "yes", "bid"), ("0.5800", "2.50", "yes", "bid"),
        ("0.4000", "3.00", "no", "ask"),
    ]  # fmt: skip
    last = fields(watched, 3, "TickerMessage", -1)
    # By hand: 15.5 contracts traded, 3 of them closed on both sides; the maker's new bid is the best.
    assert (last["yes_bid"], last["yes_bid_size"], last["yes_ask"], last["yes_ask_size"]) == (
        "0.4500", "2.00", "0.5800", "2.50"
    )  # fmt: skip
    assert (last["price"], last["last_trade_size"], last["volume"], last["open_interest"]) == (
        "0.4000", "3.00", "15.50", "9.50"
    )  # fmt: skip
    assert (Decimal(last["dollar_volume"]), Decimal(last["dollar_open_interest"])) == (7, 4)
    assert all(m["fields"]["market_ticker"] == MARKET for seen in watched.seen for m in seen.messages)


@pytest.mark.parametrize(
    ("step", "cls", "nth", "name", "value"),
    [
        (1, "TradeMessage", 1, "count", "2.40"),
        (2, "TradeMessage", 0, "taker_book_side", "bid"),
        (3, "TickerMessage", 0, "yes_bid_size", "7.00"),
        (2, "TickerMessage", 0, "open_interest", "12.50"),  # the trade's ticker: the open interest after both sides
        (1, "TickerMessage", 0, "volume", "12.50"),  # the first trade's ticker: the volume through that trade
        (0, "TickerMessage", 0, "market_id", "00000000-0000-0000-0000-000000000000"),
    ],
)
def test_a_wrong_value_is_named(watched_once: Watched, step: int, cls: str, nth: int, name: str, value: str) -> None:
    wrong = copy.deepcopy(watched_once)
    fields(wrong, step, cls, nth)[name] = value
    problems = market_ws_problems(wrong)
    said = f"step {step + 1} ({STEPS[step].what}): {cls} "
    assert len(problems) == 1 and problems[0].startswith(said) and f" {name}: the client {value!r}" in problems[0], (
        problems
    )


def test_a_missing_message_is_named(watched_once: Watched) -> None:
    wrong = copy.deepcopy(watched_once)
    messages = wrong.seen[1].messages
    messages.remove(next(m for m in messages if m["class"] == "TradeMessage"))
    problems = market_ws_problems(wrong)
    assert problems[0].endswith("1 TradeMessages and 2 TickerMessages, for 2 trades on GET /markets/trades and 2 "
                                "tickers"), problems  # fmt: skip
    assert problems[-1] == "9 ticker and trade frames arrived, 8 typed messages", problems


def fields(watched: Watched, step: int, cls: str, nth: int) -> dict[str, Any]:
    """The fields of a step's nth message of a class (the two subscriptions' messages interleave as the SDK reads)."""
    return [m for m in watched.seen[step].messages if m["class"] == cls][nth]["fields"]


@pytest.fixture(scope="module")
def watched_once(client_venvs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Watched:
    return watch_market(client_venvs[KALSHI_SDK.name], tmp_path_factory.mktemp("market-ws"))
