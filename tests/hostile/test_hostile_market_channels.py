"""Kalshi's market data channels under hostile commands, over a real websocket and the stand-in feed: hundreds of
commands with values of every JSON type where the channels expect others (huge lists, deep nesting, wrong types,
unknown and repeated markets) each get Kalshi's replies or one of its error codes, every frame valid against the
AsyncAPI slice, never a close or a silence; a subscription to thousands of markets answers its snapshots while
another connection is served; and the connection's bounds hold."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from market_client import market_mock, reading, signer_for, subscribe  # noqa: E402

from mockexchange.server import MockServer  # noqa: E402

# Kalshi's error codes (the AsyncAPI file's enum): a reply outside them is a bug of the mock's.
KALSHI_CODES = {1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28}
MARKETS = [f"KXHOST-26-T{n}" for n in range(6)]


def hostile_value(rng: random.Random, depth: int = 0) -> Any:
    """A JSON value of any type, now and then huge or deeply nested."""
    roll = rng.random()
    if roll < 0.15:
        return rng.choice(MARKETS + ["", "NOPE", "K" * 300])
    if roll < 0.25:
        return rng.choice([0, -1, 1, 2**70, True, False, None, 1.5])
    if roll < 0.35 and depth < 3:
        return [hostile_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if roll < 0.4:
        return rng.choices(MARKETS + ["NOPE"], k=rng.randrange(1, 3_000))  # a huge list
    if roll < 0.45:
        nested: Any = MARKETS[0]
        for _ in range(rng.choice([10, 70, 200])):
            nested = [nested]
        return nested
    if roll < 0.5 and depth < 3:
        return {rng.choice(["channels", "sid", "market_ticker"]): hostile_value(rng, depth + 1)}
    return rng.choice(
        [
            ["orderbook_delta"],
            ["ticker", "trade"],
            ["market_lifecycle_v2", "orderbook_delta"],
            "orderbook_delta",
            ["orderbook_snapshot"],
            rng.choice(MARKETS),
            [rng.choice(MARKETS)],
            rng.randrange(1, 6),
        ]
    )


def hostile_command(rng: random.Random, command_id: int) -> dict[str, Any]:
    cmd = rng.choice(["subscribe", "update_subscription", "unsubscribe", "list_subscriptions", "subscribe", "other"])
    params: dict[str, Any] = {}
    for name in rng.sample(
        [
            "channels", "market_ticker", "market_tickers", "market_id", "market_ids", "sid", "sids", "action",
            "use_yes_price", "send_initial_snapshot", "skip_ticker_ack",
        ],
        rng.randrange(0, 5),
    ):  # fmt: skip
        params[name] = hostile_value(rng)
    if rng.random() < 0.5:
        params["channels"] = [rng.choice(["orderbook_delta", "ticker", "trade", "market_lifecycle_v2"])]
        params["market_tickers"] = rng.sample(MARKETS, rng.randrange(1, 4))
    if rng.random() < 0.3:
        params["action"] = rng.choice(["add_markets", "delete_markets", "get_snapshot", "replace"])
    command: dict[str, Any] = {"id": command_id, "cmd": cmd}
    if rng.random() < 0.9:
        command["params"] = params if rng.random() < 0.95 else hostile_value(rng)
    return command


def test_hostile_market_commands_get_kalshis_replies_and_the_connection_goes_on():
    rng = random.Random(2027)
    with market_mock(ws_max_markets=500, ws_max_subscriptions=40) as (mock, feed):
        for ticker in MARKETS:
            feed.list_market(ticker)
            feed.set_levels(ticker, "bid", [(4000, 100)])
        with reading(mock, signer_for(mock, "alice")) as client:
            for n in range(1, 301):
                client.send(hostile_command(rng, n))
                marker = 100_000 + n  # the replies to a command all come before the next command's
                client.send({"id": marker, "cmd": "list_subscriptions"})
                frames = client.wait(lambda f, m=marker: any(x.get("id") == m for x in f), timeout=20)
                if n % 25 == 0:  # the markets move meanwhile
                    feed.rest(rng.choice(MARKETS), "bid", rng.randrange(41, 59) * 100, 100)
            assert client.closed is None, client.closed
            codes = {f["msg"]["code"] for f in frames if f["type"] == "error"}
            assert codes <= KALSHI_CODES and {1, 11} <= codes, codes
            [listed] = [f for f in frames if f.get("id") == 100_300]
            assert len(listed["msg"]) <= 40  # the connection's bound on subscriptions held


def test_a_subscription_to_thousands_of_markets_answers_while_another_connection_is_served():
    tickers = [f"KXMANY-26-T{n}" for n in range(2_000)]
    with market_mock() as (mock, feed):
        for ticker in tickers:
            feed.list_market(ticker)
            feed.set_levels(ticker, "bid", [(4000, 100), (4100, 100)])
        with reading(mock, signer_for(mock, "alice")) as big, reading(mock, signer_for(mock, "bob")) as other:
            big.send(subscribe(["orderbook_delta"], market_tickers=tickers))
            [reply] = other.ask({"id": 7, "cmd": "list_subscriptions"}, 1)
            assert reply["msg"] == []
            frames = big.wait(lambda f: len(f) >= 1 + len(tickers), timeout=60)
            assert [f["seq"] for f in frames[1:]] == list(range(1, 1 + len(tickers)))
            assert {f["msg"]["market_ticker"] for f in frames[1:]} == set(tickers)


def test_hostile_market_lists_over_the_ledgers_feed_are_refused_whole_and_the_connection_goes_on():
    """The ledger itself as the feed (not the stand-in): thousands of unknown tickers, a ticker of 60,000 characters,
    values of the wrong type and market ids on the book's channel each get Kalshi's error naming nothing it does not
    have to (the first 100 unknown tickers), and subscribe nothing; a list repeating one market 4,000 times is
    that one market; a list past the 64 KiB message bound closes with 1009 (docs/kalshi.md)."""
    with MockServer() as mock:
        mock.create_account("alice")
        mock.create_market("KXA-26-T1")
        mock.set_book("KXA-26-T1", yes=[["0.40", "1"]])
        with reading(mock, signer_for(mock, "alice")) as client:
            refused = [
                ({"market_tickers": [f"T{n}" for n in range(7_000)]}, 11),  # within the 64 KiB message bound
                ({"market_tickers": ["K" * 60_000]}, 11),
                ({"market_ticker": 10**40}, 1),
                ({"market_tickers": [["KXA-26-T1"]]}, 1),
                ({"market_ids": ["x" * 300]}, 11),
                ({"market_tickers": []}, 11),
            ]
            for n, (params, code) in enumerate(refused, start=1):
                [error] = client.ask(subscribe(["orderbook_delta"], command_id=n, **params))
                assert (error["type"], error["id"], error["msg"]["code"]) == ("error", n, code), error
                assert len(error["msg"].get("market_tickers", [])) <= 100
                assert len(json.dumps(error)) < 2_000, "the reply quotes excerpts, not what was sent"
            [listed] = client.ask({"id": 20, "cmd": "list_subscriptions"})
            assert listed["msg"] == [], "nothing was subscribed"
            made = client.ask(subscribe(["orderbook_delta"], command_id=21, market_tickers=["KXA-26-T1"] * 4_000), 2)
            assert [f["type"] for f in made] == ["subscribed", "orderbook_snapshot"]
            assert made[1]["msg"]["yes_dollars_fp"] == [["0.4000", "1.00"]]
            client.quiet(0.3)
            too_big = [f"KXT-{n:05d}" for n in range(10_000)]  # 130 KB of JSON
            client.send(subscribe(["orderbook_delta"], command_id=22, market_tickers=too_big))
            client.wait(lambda f: client.closed is not None, timeout=10)
            assert client.closed is not None and client.closed.rcvd.code == 1009
        with reading(mock, signer_for(mock, "alice")) as again:  # the mock serves on
            assert again.ask(subscribe(["orderbook_delta"], market_tickers=["KXA-26-T1"]), 2)[1]["seq"] == 1
