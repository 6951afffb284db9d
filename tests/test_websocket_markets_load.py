"""Kalshi's market data channels under load, over real websockets and the stand-in feed: thousands of random book
changes leave every client (one subscribed from the start, one midway, one in YES prices, one that asked for a
snapshot again) with the feed's book and no gap; a book change is rendered once per variant for every connection of
its market; a reader that stops reading overflows its outbox (error 25 with its `seq`, then close 1008) while
another reader of the same market gets every message."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest
from market_client import ClientBook, Reader, feed_book, market_mock, reading, signer_for, subscribe, update
from market_standin import StandInMarkets
from ws_raw_client import RawClient

from mockexchange.core.book import ASK, BID
from mockexchange.core.kalshi.market_changes import Cause

ORDERBOOK = ["orderbook_delta"]


class Follower:
    """A reader's frames applied as they come, one client book per subscription."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.books: dict[int, ClientBook] = {}
        self._applied = 0

    def catch_up(self) -> None:
        frames = self.reader.frames[self._applied :]
        self._applied += len(frames)
        for frame in frames:
            if frame["type"] in ("orderbook_snapshot", "orderbook_delta", "ok", "unsubscribed"):
                self.books.setdefault(frame["sid"], ClientBook()).apply(frame)

    def at(self, sid: int, clocks: dict[str, int]) -> bool:
        self.catch_up()
        book = self.books.get(sid)
        return book is not None and all(book.clocks.get(t) == c for t, c in clocks.items())

    def wait_for(
        self, sid: int, clocks: dict[str, int], expected: dict[str, Any] | None = None, timeout: float = 30
    ) -> ClientBook:
        """The subscription's book once it reached `clocks`. One book change of several levels is several frames with
        one clock, so reaching the clock is not the end of the change: with `expected`, wait on until the books held
        are those, or until the time is up (the caller's assert then shows the difference)."""

        def done(_: Any) -> bool:
            if not self.at(sid, clocks):
                return False
            return expected is None or {t: self.books[sid].books.get(t) for t in expected} == expected

        try:
            self.reader.wait(done, timeout)
        except AssertionError:
            if expected is None or not self.at(sid, clocks):
                raise
        return self.books[sid]


def random_action(feed: StandInMarkets, rng: random.Random, ticker: str) -> None:
    """One exchange action on a market: an order rests or goes, the house's levels move, or a taker trades."""
    book = feed.books[ticker]
    best_bid, best_ask = book.best(BID), book.best(ASK)
    cause = rng.choice([None, Cause("alice", rng.randrange(3), f"c-{rng.randrange(10**6)}"), Cause("bob", 0, None)])
    roll = rng.random()
    orders = [o for o in book.orders() if o.owner != "house"]
    if roll < 0.4 or not orders:
        side = rng.choice([BID, ASK])
        if side == BID:
            price = rng.randrange(100, (best_ask[0] if best_ask else 9900), 100)
        else:
            price = rng.randrange((best_bid[0] if best_bid else 100) + 100, 10_000, 100)
        feed.rest(ticker, side, price, rng.randrange(1, 2_000), cause)
    elif roll < 0.6:
        order = rng.choice(orders)
        feed.cancel(ticker, order.order_id, cause)
    elif roll < 0.7:
        order = rng.choice(orders)
        if order.size > 1:
            feed.reduce(ticker, order.order_id, rng.randrange(1, order.size), cause)
    elif roll < 0.85:
        if best_bid and best_ask:
            side = rng.choice([BID, ASK])
            low, high = (100, best_ask[0]) if side == BID else (best_bid[0] + 100, 10_000)
            prices = sorted(rng.sample(range(low, high, 100), min(3, (high - low) // 100)))
            feed.set_levels(ticker, side, [(p, rng.randrange(1, 5_000)) for p in prices])
    else:
        feed.take(ticker, rng.choice([BID, ASK]), rng.randrange(1, 3_000), None, cause)


@pytest.mark.slow
def test_thousands_of_random_book_changes_leave_every_client_with_the_feeds_book():
    rng = random.Random(27)
    tickers = [f"KXRAND-26-T{n}" for n in range(4)]
    with market_mock() as (mock, feed):
        for ticker in tickers:
            feed.list_market(ticker)
            feed.set_levels(ticker, BID, [(4000, 1000)])
            feed.set_levels(ticker, ASK, [(6000, 1000)])
        with reading(mock, signer_for(mock, "alice")) as early, reading(mock, signer_for(mock, "bob")) as late:
            early.send(subscribe(ORDERBOOK, market_tickers=tickers))
            early.send(subscribe(ORDERBOOK, 2, market_tickers=tickers[:2], use_yes_price=True))
            first, second, third = Follower(early), Follower(early), Follower(late)
            for step in range(1, 3_001):
                if step == 1_000:
                    late.send(subscribe(ORDERBOOK, market_tickers=tickers))  # joins midway: a snapshot of each
                if step == 2_000:
                    early.send(update(3, sid=1, action="get_snapshot", market_tickers=tickers[1:3]))
                random_action(feed, rng, rng.choice(tickers))
                if step % 250 == 0:  # let the clients keep up: the test's thread publishes faster than any client
                    clocks = {t: feed.book_clock(t) for t in tickers}
                    # at each market's clock now, the book the client holds is the feed's
                    want = {t: feed_book(feed, t) for t in tickers}
                    assert first.wait_for(1, clocks, want, 10).books == want, step
                    if step >= 1_000:
                        assert third.wait_for(1, clocks, want, 10).books == want, step
            clocks = {t: feed.book_clock(t) for t in tickers}
            assert sum(clocks.values()) > 2_000
            want = {t: feed_book(feed, t) for t in tickers}
            yes_want = {t: feed_book(feed, t, True) for t in tickers[:2]}
            books = {
                "from the start": first.wait_for(1, clocks, want, 10),
                "in YES prices": second.wait_for(2, {t: clocks[t] for t in tickers[:2]}, yes_want, 10),
                "midway": third.wait_for(1, clocks, want, 10),
            }
            for name, book in books.items():
                assert book.gaps == [], name
                yes_price = name == "in YES prices"
                held = tickers[:2] if yes_price else tickers
                assert {t: book.books[t] for t in held} == {t: feed_book(feed, t, yes_price) for t in held}, name
            frames = early.frames
            snapshots = [f for f in frames if f["type"] == "orderbook_snapshot" and f.get("id") == 3]
            assert [f["msg"]["market_ticker"] for f in snapshots] == tickers[1:3]
            # the causer's fields are in the causer's frames only
            private = [f for f in late.frames if "client_order_id" in f.get("msg", {})]
            assert private == [] and any("client_order_id" in f.get("msg", {}) for f in frames)


def test_one_book_change_is_rendered_once_per_variant_for_every_connection():
    with market_mock() as (mock, feed):
        feed.list_market("KXONE-26")
        ctx = mock.app.kalshi
        calls: list[tuple[Any, ...]] = []
        render = ctx.profile.ws_orderbook_delta

        def counted(*args: Any) -> dict[str, Any]:
            calls.append(args)
            return render(*args)

        ctx.profile = dataclasses.replace(ctx.profile, ws_orderbook_delta=counted)
        clients = [Reader(mock, signer_for(mock, user)) for user in ["alice"] * 5 + ["bob"] * 10]
        try:
            for n, client in enumerate(clients):
                client.ask(subscribe(ORDERBOOK, market_ticker="KXONE-26", use_yes_price=n >= 10), 2)
            feed.set_levels("KXONE-26", ASK, [(6000, 100), (6100, 200)])  # one action, two levels: no causer
            feed.rest("KXONE-26", BID, 4000, 300, Cause("alice", 0, "mine"))
            for client in clients:
                got = client.next(3)
                assert [f["seq"] for f in got] == [2, 3, 4]
            # the house's two levels: plain and in YES prices; alice's order: for alice, for bob, bob in YES prices
            assert len(calls) == 2 * 2 + 3
        finally:
            for client in clients:
                client.close()


@pytest.mark.slow
def test_a_reader_that_stops_reading_overflows_while_another_reader_of_the_market_gets_everything():
    with market_mock(ws_queue_size=100) as (mock, feed):
        feed.list_market("KXSLOW-26")
        feed.set_levels("KXSLOW-26", BID, [(4000, 1000)])
        slow = RawClient(mock, signer_for(mock, "bob"), rcvbuf=4096)
        with reading(mock, signer_for(mock, "alice")) as fast:
            slow.send_json(subscribe(ORDERBOOK + ["trade"], market_ticker="KXSLOW-26"))
            fast.ask(subscribe(ORDERBOOK, market_ticker="KXSLOW-26"), 2)
            follower = Follower(fast)
            for step in range(1, 4_001):
                feed.rest("KXSLOW-26", BID, 100 + 100 * (step % 30), 1_000)
                if step % 50 == 0:  # the fast reader keeps up: fewer changes than its queue between two waits
                    follower.wait_for(1, {"KXSLOW-26": feed.book_clock("KXSLOW-26")})
                if step % 100 == 0 and len(mock.app.connections.listed("kalshi")) == 1:
                    break  # the slow one is gone
            book = follower.wait_for(1, {"KXSLOW-26": feed.book_clock("KXSLOW-26")})
            assert book.gaps == [] and book.books["KXSLOW-26"] == feed_book(feed, "KXSLOW-26")
            assert len(mock.app.connections.listed("kalshi")) == 1, "the slow reader was cut off"
            texts, close = slow.read_to_close()
            assert [t["type"] for t in texts[:3]] == ["subscribed", "orderbook_snapshot", "subscribed"]
            deltas, errors = texts[3:-2], [{k: v for k, v in e.items() if k != "sending_ts_ms"} for e in texts[-2:]]
            assert [d["seq"] for d in deltas] == list(range(2, 2 + len(deltas)))  # what it was sent, in order
            overflow = {"code": 25, "msg": "Subscription buffer overflow"}
            # The error takes the subscription's next seq: a frame dropped on its way (its seq taken) is a gap before
            # it, so the client can tell what it lost.
            assert errors[0]["seq"] >= 2 + len(deltas)
            assert errors == [
                {"type": "error", "sid": 1, "seq": errors[0]["seq"], "msg": overflow},
                {"type": "error", "sid": 2, "seq": 1, "msg": overflow},  # the trade subscription's first seq
            ]
            assert (close.code, close.reason) == (1008, "Subscription buffer overflow")
        slow.close()
