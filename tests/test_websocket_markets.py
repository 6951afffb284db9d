"""Kalshi's market data channels over real websockets (`orderbook_delta`, `ticker`, `trade`, `market_lifecycle_v2`),
driven by the stand-in market feed (tests/market_standin.py): the messages in both profiles, snapshot then deltas with
one gapless `seq` per subscription, a withheld frame seen as a gap, `update_subscription` (add, delete, get_snapshot),
the private fields of a delta only for its causer, and the subscriptions' commands refused in Kalshi's words."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from market_client import (
    ClientBook,
    bare,
    feed_book,
    market_mock,
    reading,
    signer_for,
    subscribe,
    update,
)
from rfq_combos import combos

from mockexchange.core.kalshi.market_changes import Cause, MarketTerms, PriceRange
from mockexchange.server.websocket_protocol import HeartbeatWebSocketProtocol

A, B, C = "KXFED-26DEC-T4.00", "KXCPI-26JUN-T3.0", "KXGDP-26Q3-T2.5"
ORDERBOOK = ["orderbook_delta"]


def seed(feed, *tickers: str) -> None:
    """Markets with a book: bids at 0.40 (10) and 0.41 (5), an ask at 0.60 (7), each one action."""
    for ticker in tickers:
        feed.list_market(ticker)
        feed.set_levels(ticker, "bid", [(4000, 1000), (4100, 500)])
        feed.set_levels(ticker, "ask", [(6000, 700)])


# -- orderbook_delta -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["3.34", "legacy"])
def test_a_subscription_gets_a_snapshot_of_each_market_then_deltas_under_one_gapless_seq(profile):
    with market_mock(profile) as (mock, feed):
        seed(feed, A, B)
        feed.list_market(C)  # an empty book
        with reading(mock, signer_for(mock, "alice")) as client:
            replies = client.ask(subscribe(ORDERBOOK, market_tickers=[A, B, C]), 4)
            assert bare(replies[0]) == {"type": "subscribed", "id": 1, "msg": {"channel": "orderbook_delta", "sid": 1}}
            snapshot = bare(replies[1])
            expected = {
                "market_ticker": A,
                "market_id": feed.market_id(A),
                "clock": 2,
                "yes_dollars_fp": [["0.4000", "10.00"], ["0.4100", "5.00"]],
                "no_dollars_fp": [["0.4000", "7.00"]],  # the YES ask at 0.60 is a NO bid at 0.40
            }
            if profile == "legacy":
                expected |= {
                    "yes": [[40, 10], [41, 5]],
                    "yes_dollars": [["0.4000", 10], ["0.4100", 5]],
                    "no": [[40, 7]],
                    "no_dollars": [["0.4000", 7]],
                }
            assert snapshot == {"type": "orderbook_snapshot", "sid": 1, "seq": 1, "msg": expected}
            assert [f["msg"]["market_ticker"] for f in replies[1:]] == [A, B, C]
            empty = replies[3]["msg"]
            assert (empty["clock"], empty["yes_dollars_fp"], empty["no_dollars_fp"]) == (0, [], [])

            feed.rest(B, "bid", 4200, 250)
            feed.set_levels(A, "ask", [(5900, 300), (6100, 100)])  # one action, three levels moved: one clock
            feed.rest(C, "ask", 7000, 1)
            feed.take(B, "ask", 300, 4100)  # 2.50 at 0.42 and 0.50 at 0.41: one action, two levels
            frames = client.wait(lambda f: len(f) >= 4 + 7)
            deltas = [bare(f) for f in frames[4:]]
            assert [d["seq"] for d in deltas] == list(range(4, 11))
            assert [(d["msg"]["market_ticker"], d["msg"]["clock"]) for d in deltas] == [
                (B, 3), (A, 3), (A, 3), (A, 3), (C, 1), (B, 4), (B, 4),
            ]  # fmt: skip
            assert [(d["msg"]["side"], d["msg"]["price_dollars"], d["msg"]["delta_fp"]) for d in deltas[1:4]] == [
                ("no", "0.4000", "-7.00"), ("no", "0.4100", "3.00"), ("no", "0.3900", "1.00"),
            ]  # fmt: skip
            delta = deltas[0]
            assert delta == {
                "type": "orderbook_delta",
                "sid": 1,
                "seq": 4,
                "msg": {
                    "market_ticker": B,
                    "market_id": feed.market_id(B),
                    "clock": 3,
                    "price_dollars": "0.4200",
                    "delta_fp": "2.50",
                    "side": "yes",
                    "ts": delta["msg"]["ts"],
                    "ts_ms": delta["msg"]["ts_ms"],
                    **({"price": 42, "delta": 2} if profile == "legacy" else {}),
                },
            }
            at = datetime.fromtimestamp(delta["msg"]["ts_ms"] / 1000, UTC)
            assert delta["msg"]["ts"] == at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            book = ClientBook().apply_all(frames)
            assert book.gaps == []
            assert {t: book.books[t] for t in (A, B, C)} == {t: feed_book(feed, t) for t in (A, B, C)}


def test_a_change_between_the_watch_and_the_snapshot_is_in_the_snapshot_only():
    with market_mock() as (mock, feed):
        seed(feed, A)
        book_levels = feed.book_levels

        def moved_meanwhile(ticker, depth=None):  # a change lands after the connection watches A, before the read
            feed.book_levels = book_levels
            feed.rest(A, "bid", 4200, 100)
            return book_levels(ticker, depth)

        feed.book_levels = moved_meanwhile
        with reading(mock, signer_for(mock, "alice")) as client:
            [_, snapshot] = client.ask(subscribe(ORDERBOOK, market_ticker=A), 2)
            assert snapshot["msg"]["clock"] == 3 and ["0.4200", "1.00"] in snapshot["msg"]["yes_dollars_fp"]
            feed.rest(A, "bid", 4300, 100)
            [delta] = client.next()  # the change of clock 3 is not sent again
            assert (delta["seq"], delta["msg"]["clock"]) == (2, 4)
            assert ClientBook().apply_all(client.frames).books[A] == feed_book(feed, A)


def test_use_yes_price_shows_the_no_side_at_its_yes_price():
    with market_mock() as (mock, feed):
        seed(feed, A)
        with reading(mock, signer_for(mock, "alice")) as client:
            [_, snapshot] = client.ask(subscribe(ORDERBOOK, market_ticker=A, use_yes_price=True), 2)
            assert snapshot["msg"]["no_dollars_fp"] == [["0.6000", "7.00"]]
            feed.rest(A, "ask", 6500, 100)
            [delta] = client.next()
            assert (delta["msg"]["side"], delta["msg"]["price_dollars"]) == ("no", "0.6500")
            book = ClientBook().apply_all(client.frames)
            assert book.books[A] == feed_book(feed, A, yes_price=True)


def test_client_order_id_and_subaccount_go_only_to_the_user_who_caused_the_change():
    with market_mock() as (mock, feed):
        seed(feed, A)
        alice, alice_sub2 = signer_for(mock, "alice"), signer_for(mock, "alice", subaccount=2)
        with (
            reading(mock, alice) as mine,
            reading(mock, alice_sub2) as locked,
            reading(mock, signer_for(mock, "bob")) as other,
        ):
            for client in (mine, locked, other):
                client.ask(subscribe(ORDERBOOK, market_ticker=A), 2)
            feed.rest(A, "bid", 4200, 100, Cause("alice", 1, "my-order-1"))
            feed.rest(A, "bid", 4300, 100, Cause("alice", 2, None))
            first, second = mine.next(2)
            assert (first["msg"]["client_order_id"], first["msg"]["subaccount"]) == ("my-order-1", 1)
            assert "client_order_id" not in second["msg"] and second["msg"]["subaccount"] == 2
            first, second = locked.next(2)  # the key locked to subaccount 2 caused only the second
            assert "client_order_id" not in first["msg"] and "subaccount" not in first["msg"]
            assert second["msg"]["subaccount"] == 2
            for delta in other.next(2):
                assert not {"client_order_id", "subaccount"} & set(delta["msg"])
            # the same changes otherwise, for everyone
            public = ("market_ticker", "market_id", "clock", "price_dollars", "delta_fp", "side", "ts", "ts_ms")
            seen = [[(f["seq"], *(f["msg"][k] for k in public)) for f in c.frames[2:]] for c in (mine, locked, other)]
            assert seen[0] == seen[1] == seen[2]


def test_a_withheld_frame_is_a_gap_in_seq_and_get_snapshot_recovers(monkeypatch):
    with market_mock() as (mock, feed):
        seed(feed, A)
        write_texts = HeartbeatWebSocketProtocol.write_texts

        def losing_seq_3(self, texts):  # the server's transport loses one delta frame
            write_texts(self, [t for t in texts if not (b'"orderbook_delta"' in t and b'"seq":3,' in t)])

        # before the connection opens: the inspector's frame tap keeps the writer's own method
        monkeypatch.setattr(HeartbeatWebSocketProtocol, "write_texts", losing_seq_3)
        with reading(mock, signer_for(mock, "alice")) as client:
            client.ask(subscribe(ORDERBOOK, market_ticker=A), 2)
            for price in (4200, 4300, 4400):
                feed.rest(A, "bid", price, 100)
            got = client.next(2)
            assert [f["seq"] for f in got] == [2, 4]
            book = ClientBook().apply_all(client.frames)
            assert book.gaps == [(1, 3, 4)]  # the client sees it missed seq 3
            assert book.books[A] != feed_book(feed, A)
            [snapshot] = client.ask(update(2, sid=1, action="get_snapshot", market_ticker=A))
            assert (snapshot["type"], snapshot["id"], snapshot["sid"], snapshot["seq"]) == (
                "orderbook_snapshot",
                2,
                1,
                5,
            )
            book.apply(snapshot)
            assert book.books[A] == feed_book(feed, A)


def test_update_subscription_adds_and_removes_markets_and_get_snapshot_changes_nothing():
    with market_mock() as (mock, feed):
        seed(feed, A, B, C)
        with reading(mock, signer_for(mock, "alice")) as client:
            client.ask(subscribe(ORDERBOOK, market_ticker=A), 2)
            ok, snapshot = client.ask(update(2, sid=1, action="add_markets", market_tickers=[B, A]), 2)
            assert bare(ok) == {"type": "ok", "id": 2, "sid": 1, "seq": 2, "msg": {"market_tickers": [A, B]}}
            assert (snapshot["seq"], snapshot["msg"]["market_ticker"]) == (3, B)  # only the market added
            feed.rest(A, "bid", 4200, 100)
            feed.rest(B, "bid", 4200, 100)
            assert [(f["seq"], f["msg"]["market_ticker"]) for f in client.next(2)] == [(4, A), (5, B)]
            [ok] = client.ask(update(3, sids=[1], action="delete_markets", market_ticker=A))
            assert bare(ok) == {"type": "ok", "id": 3, "sid": 1, "seq": 6, "msg": {"market_tickers": [B]}}
            feed.rest(A, "bid", 4300, 100)  # no longer subscribed
            feed.rest(C, "bid", 4300, 100)  # never subscribed
            feed.rest(B, "bid", 4300, 100)
            [delta] = client.next()
            assert (delta["seq"], delta["msg"]["market_ticker"]) == (7, B)
            client.quiet()
            # get_snapshot: a snapshot of each market asked for, with the command's id; the subscription unchanged
            [snapshot] = client.ask(update(4, sid=1, action="get_snapshot", market_tickers=[B]))
            assert (snapshot["id"], snapshot["seq"], snapshot["msg"]["clock"]) == (4, 8, feed.book_clock(B))
            assert ClientBook().apply_all([snapshot]).books[B] == feed_book(feed, B)
            [error] = client.ask(update(5, sid=1, action="get_snapshot", market_tickers=[B, A]))
            assert bare(error)["msg"] == {"code": 11, "msg": "Invalid parameter", "market_tickers": [A]}
            [listed] = client.ask({"id": 6, "cmd": "list_subscriptions"})
            assert listed["msg"] == [{"channel": "orderbook_delta", "sid": 1}]
            [gone] = client.ask({"id": 7, "cmd": "unsubscribe", "params": {"sids": [1]}})
            assert bare(gone) == {"type": "unsubscribed", "id": 7, "sid": 1, "seq": 9}
            feed.rest(B, "bid", 4400, 100)
            client.quiet()
            assert ClientBook().apply_all(client.frames).gaps == []
            [connection] = mock.app.connections.listed("kalshi")
            assert connection.markets.watched() == 0  # out of the fan-out under every market


def test_skip_ticker_ack_leaves_the_market_lists_out_of_ok():
    with market_mock() as (mock, feed):
        seed(feed, A, B)
        with reading(mock, signer_for(mock, "alice")) as client:
            client.ask(subscribe(["trade"], market_ticker=A, skip_ticker_ack=True))
            [ok] = client.ask(update(2, sid=1, action="add_markets", market_ticker=B))
            assert bare(ok) == {"type": "ok", "id": 2, "sid": 1, "seq": 1}


# -- ticker --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["3.34", "legacy"])
def test_ticker_messages_come_when_what_a_ticker_shows_moves(profile):
    with market_mock(profile) as (mock, feed):
        seed(feed, A, B)
        with reading(mock, signer_for(mock, "alice")) as client:
            [_, initial] = client.ask(subscribe(["ticker"], market_ticker=A, send_initial_snapshot=True), 2)
            msg = initial["msg"]
            expected = {
                "market_id": feed.market_id(A),
                "market_ticker": A,
                "price_dollars": "0.0000",  # no trade yet
                "yes_bid_dollars": "0.4100",
                "yes_ask_dollars": "0.6000",
                "volume_fp": "0.00",
                "open_interest_fp": "0.00",
                "dollar_volume": 0,
                "dollar_open_interest": 0,
                "yes_bid_size_fp": "5.00",
                "yes_ask_size_fp": "7.00",
                "last_trade_size_fp": "0.00",
                "ts": msg["ts"],
                "ts_ms": msg["ts_ms"],
                "time": msg["time"],
            }
            if profile == "legacy":
                expected |= {"price": 0, "yes_bid": 41, "yes_ask": 60, "volume": 0, "open_interest": 0}
            assert bare(initial) == {"type": "ticker", "sid": 1, "msg": expected}
            feed.rest(A, "bid", 3000, 100)  # deep in the book: what the ticker shows is the same
            feed.rest(B, "bid", 4500, 100)  # another market
            feed.rest(A, "bid", 4100, 250)  # the best bid's size moves
            [moved] = client.next()
            assert (moved["msg"]["yes_bid_dollars"], moved["msg"]["yes_bid_size_fp"]) == ("0.4100", "7.50")
            feed.take(A, "bid", 400, None)  # 4 at 0.60: the book and the tape move
            book_moved, traded = client.next(2)
            assert book_moved["msg"]["yes_ask_size_fp"] == "3.00" and book_moved["msg"]["volume_fp"] == "0.00"
            assert {k: traded["msg"][k] for k in ("price_dollars", "volume_fp", "last_trade_size_fp")} == {
                "price_dollars": "0.6000",
                "volume_fp": "4.00",
                "last_trade_size_fp": "4.00",
            }
            assert "seq" not in traded  # Kalshi's ticker messages carry none
            client.quiet()


def test_a_ticker_subscription_by_market_id_and_one_for_every_market():
    with market_mock() as (mock, feed):
        seed(feed, A, B)
        with reading(mock, signer_for(mock, "alice")) as client:
            client.ask(subscribe(["ticker"], market_id=feed.market_id(A)))
            client.ask(subscribe(["ticker"], 2))  # every market
            feed.rest(B, "bid", 4500, 100)
            feed.rest(A, "bid", 4500, 100)
            got = client.next(3)
            assert [(f["sid"], f["msg"]["market_ticker"]) for f in got] == [(2, B), (1, A), (2, A)]
            [ok] = client.ask(update(3, sid=1, action="add_markets", market_ids=[feed.market_id(B)]))
            assert ok["msg"] == {"market_tickers": [A, B], "market_ids": [feed.market_id(A), feed.market_id(B)]}
            [error] = client.ask(update(4, sid=2, action="add_markets", market_ticker=A))
            assert error["msg"]["code"] == 11  # an every-market subscription takes no market filter


# -- trade ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["3.34", "legacy"])
def test_a_trade_message_per_trade_under_the_subscriptions_seq(profile):
    with market_mock(profile) as (mock, feed):
        seed(feed, A, B)
        with reading(mock, signer_for(mock, "alice")) as client:
            client.ask(subscribe(["trade"]))  # every market
            feed.take(A, "ask", 1250, None)  # sells YES: 5 at 0.41, then 7.50 at 0.40
            feed.take(B, "bid", 100, None)
            trades = [bare(f) for f in client.next(3)]
            assert [t["seq"] for t in trades] == [1, 2, 3]
            [stand_in] = [t for t in feed.published if t.kind == "market_trade"][:1]
            expected = {
                "trade_id": stand_in.payload.trade_id,
                "market_ticker": A,
                "yes_price_dollars": "0.4100",
                "no_price_dollars": "0.5900",
                "count_fp": "5.00",
                "taker_side": "no",
                "taker_outcome_side": "no",
                "taker_book_side": "ask",
                "is_block_trade": False,
                "ts": trades[0]["msg"]["ts"],
                "ts_ms": trades[0]["msg"]["ts_ms"],
            }
            if profile == "legacy":
                expected |= {"yes_price": 41, "no_price": 59, "count": 5}
            assert trades[0] == {"type": "trade", "sid": 1, "seq": 1, "msg": expected}
            assert [(t["msg"]["count_fp"], t["msg"]["taker_book_side"]) for t in trades[1:]] == [
                ("7.50", "ask"),
                ("1.00", "bid"),
            ]


# -- market_lifecycle_v2 -------------------------------------------------------------------------------------------


def test_market_lifecycle_v2_gets_every_market_and_tells_each_event_what_it_knows():
    with market_mock() as (mock, feed), reading(mock, signer_for(mock, "alice")) as client:
        # A filter is not supported on this channel: it is ignored (every market's events come)
        client.ask(subscribe(["market_lifecycle_v2"], market_ticker=A))
        opens, closes = datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
        terms = MarketTerms(
            "KXFED-26DEC", "Fed", "Fed above 4%", "Above 4%", "4% or below", "If the rate...", "", True,
            closes, exchange_index=1, strike_type="greater", floor_strike=Decimal("4.00"),
        )  # fmt: skip
        ranges = (PriceRange(100, 9900, 100),)
        feed.list_market(
            A, open_time=opens, close_time=closes, terms=terms, price_level_structure="linear_cent",
            price_ranges=ranges,
        )  # fmt: skip
        feed.list_market(B)
        feed.lifecycle(A, "deactivated")
        feed.lifecycle(A, "activated")
        feed.lifecycle(A, "close_date_updated", close_time=opens)
        feed.lifecycle(A, "determined", result="yes", settlement_value=10_000)
        feed.lifecycle(A, "settled")
        events = [bare(f) for f in client.next(7)]
        assert [e["seq"] for e in events] == list(range(1, 8))
        assert events[0] == {
            "type": "market_lifecycle_v2",
            "sid": 1,
            "seq": 1,
            "msg": {
                "market_ticker": A,
                "event_type": "created",
                "exchange_index": 1,
                "open_ts": 1780272000,
                "close_ts": 1796083200,
                "additional_metadata": {
                    "name": "Fed",
                    "title": "Fed above 4%",
                    "yes_sub_title": "Above 4%",
                    "no_sub_title": "4% or below",
                    "rules_primary": "If the rate...",
                    "rules_secondary": "",
                    "can_close_early": True,
                    "event_ticker": "KXFED-26DEC",
                    "expected_expiration_ts": 1796083200,
                    "strike_type": "greater",
                    "floor_strike": 4,
                },
                "price_level_structure": "linear_cent",
                "price_ranges": [{"start": "0.0100", "end": "0.9900", "step": "0.0100"}],
            },
        }
        assert events[1]["msg"] == {"market_ticker": B, "event_type": "created"}
        assert [e["msg"].get("is_deactivated") for e in events[2:4]] == [True, False]
        assert events[4]["msg"] == {"market_ticker": A, "event_type": "close_date_updated", "close_ts": 1780272000}
        determined, settled = events[5]["msg"], events[6]["msg"]
        assert {k: determined[k] for k in ("result", "settlement_value")} == {
            "result": "yes",
            "settlement_value": "1.0000",
        }
        assert isinstance(determined["determination_ts"], int) and isinstance(settled["settled_ts"], int)
        [error] = client.ask(update(2, sid=1, action="add_markets", market_ticker=B))
        assert error["msg"]["code"] == 13


# -- refused commands ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "code", "named"),
    [
        ({"channels": ORDERBOOK}, 14, None),
        ({"channels": ORDERBOOK, "market_tickers": [A, "NOPE-1", "NOPE-2"]}, 11, ["NOPE-1", "NOPE-2"]),
        ({"channels": ["ticker", "trade"], "market_ticker": "NOPE"}, 11, ["NOPE"]),
        ({"channels": ORDERBOOK, "market_id": "9b0f6b43-5b68-4f9f-9f02-9a2d1b8ac1a1"}, 11, None),
        ({"channels": ["ticker"], "market_id": "9b0f6b43-5b68-4f9f-9f02-9a2d1b8ac1a1"}, 11, None),
        ({"channels": ["ticker"], "market_ids": []}, 11, None),
        ({"channels": ["ticker"], "market_ids": [7]}, 1, None),
        ({"channels": ["ticker"], "market_ticker": A, "market_ids": ["x"]}, 11, None),
        ({"channels": ORDERBOOK, "market_ticker": A, "use_yes_price": "true"}, 1, None),
        ({"channels": ["ticker"], "send_initial_snapshot": 1}, 1, None),
        ({"channels": ["trade"], "skip_ticker_ack": None, "market_tickers": [["nested"]]}, 1, None),
        ({"channels": ["orderbook_snapshot"], "market_ticker": A}, 8, None),
        ({"channels": ["orderbook_delta", "communications"], "market_tickers": []}, 11, None),  # (read for the book)
    ],
)
def test_market_subscriptions_refused_in_kalshis_words_and_nothing_subscribed(params, code, named):
    with market_mock() as (mock, feed):
        seed(feed, A)
        with reading(mock, signer_for(mock, "alice")) as client:
            [error] = client.ask({"id": 1, "cmd": "subscribe", "params": params})
            assert error["type"] == "error" and error["id"] == 1 and error["msg"]["code"] == code, error
            assert error["msg"].get("market_tickers") == named
            [listed] = client.ask({"id": 2, "cmd": "list_subscriptions"})
            assert listed["msg"] == []


@pytest.mark.parametrize(
    "params",
    [{"market_tickers": []}, {"market_ticker": ""}, {"market_ticker": 5}, {"market_ticker": "x" * 300},
     {"market_id": "9b0f6b43-5b68-4f9f-9f02-9a2d1b8ac1a1"}, {"market_ticker": A, "market_tickers": [A]}],
)  # fmt: skip
def test_a_market_filter_is_ignored_by_the_channels_that_take_none(params):
    """The spec: `communications` and `order_group_updates` ignore a market specification, `market_lifecycle_v2`
    supports none: a filter given to them alone, whatever it holds, is not read."""
    with market_mock() as (mock, feed):
        seed(feed, A)
        with reading(mock, signer_for(mock, "alice")) as client:
            channels = ["communications", "order_group_updates", "market_lifecycle_v2"]
            answers = client.ask({"id": 1, "cmd": "subscribe", "params": {"channels": channels, **params}}, 3)
            assert [answer["type"] for answer in answers] == ["subscribed"] * 3, answers


def test_updates_refused_in_kalshis_words_change_nothing():
    with market_mock(ws_max_markets=3) as (mock, feed):
        seed(feed, A, B, C)
        with reading(mock, signer_for(mock, "alice")) as client:
            client.ask(subscribe(ORDERBOOK, market_ticker=A), 2)
            client.ask(subscribe(["trade"], 2, market_ticker=A))
            cases = [
                (update(10, sid=2, action="get_snapshot", market_ticker=A), 13),
                (update(11, sid=1, action="get_snapshot"), 14),
                (update(12, sid=1, action="add_markets", market_tickers=[B, "NOPE"]), 11),
                (update(13, sid=1, action="add_markets", market_id=feed.market_id(B)), 11),
                (update(14, sid=1, action="add_markets", market_tickers=[B, C, "X-1"]), 11),
                (update(15, sid=1, action="add_markets", market_tickers=[B, C], use_yes_price="no"), 1),
                (update(16, sid=2, action="add_markets", market_tickers=[B, C]), 26),  # 2 held + 2 > 3
            ]
            for command, code in cases:
                [reply] = client.ask(command)
                assert (reply["type"], reply["id"], reply["msg"].get("code")) == ("error", command["id"], code), reply
            feed.rest(B, "bid", 4200, 100)
            client.quiet()
            [ok] = client.ask(update(20, sid=1, action="delete_markets", market_ticker=B))  # not held: nothing to do
            assert (ok["seq"], ok["msg"]) == (2, {"market_tickers": [A]})


def test_many_unknown_tickers_are_named_within_a_bound():
    with market_mock() as (mock, feed):
        seed(feed, A)
        unknown = [f"NOPE-{n}" for n in range(5_000)]
        with reading(mock, signer_for(mock, "alice")) as client:
            [error] = client.ask(subscribe(ORDERBOOK, market_tickers=[A, *unknown]))
            assert error["msg"]["market_tickers"] == unknown[:100]
            assert "5000 of these market tickers name no market" in error["mockexchange_diagnosis"]


def test_a_connection_is_in_the_fan_out_under_each_market_while_a_subscription_holds_it():
    """`MarketWatch`: one key a market however many subscriptions hold it, left when the last lets go and all of them
    when the connection closes (the fan-out's own count, which keeps any connection not taken out, closed or not)."""
    import asyncio

    from mockexchange.core.events import EventBus
    from mockexchange.venues.fanout import Fanout
    from mockexchange.venues.kalshi.market_watch import MarketWatch
    from mockexchange.venues.kalshi.subscriptions import COMMUNICATIONS, ORDERBOOK, TICKER, TRADE

    class Tickers:
        def __init__(self) -> None:
            self.held: list[str | None] = []

        def watch(self, ticker: str | None) -> None:
            self.held.append(ticker)

        def unwatch(self, ticker: str | None) -> None:
            self.held.remove(ticker)

    fanout: Fanout[object] = Fanout(EventBus(), ("market",), lambda handed: None, 10)
    tickers, loop = Tickers(), asyncio.new_event_loop()
    try:
        watch = MarketWatch(None, fanout, tickers, object(), loop)  # (no context: no feed is read here)
        watch.watch(A, ORDERBOOK)
        watch.watch(A, TRADE)
        assert fanout.count() == 1 == watch.watched()
        watch.unwatch(A, ORDERBOOK)
        assert fanout.count() == 1
        watch.unwatch(A, TRADE)
        assert fanout.count() == 0 == watch.watched()
        watch.watch(B, TICKER)
        watch.watch(None, COMMUNICATIONS)
        assert fanout.count() == 2 and tickers.held == [B]
        watch.close()
        assert fanout.count() == 0 == watch.watched() and tickers.held == []
    finally:
        loop.close()


def test_market_lifecycle_v2_tells_events_listed_their_fee_overrides_and_markets_metadata():
    """The spec's other messages of the channel: an event listed (`event_lifecycle`, before its first market's
    `created`; a combo's is the multivariate channel's alone), its fee override set and cleared (`event_fee_update`,
    null when cleared), a market's strikes or YES subtitle changed (`metadata_updated`, with the terms changed)."""
    with market_mock() as (mock, _), reading(mock, signer_for(mock, "alice")) as client:
        client.ask(subscribe(["market_lifecycle_v2"]))
        mock.set_event("KXEV-26", title="An event", sub_title="Its day", strike_date="2026-12-01T00:00:00Z")
        mock.create_market("KXEV-26-A")
        mock.create_market("KXNEW-26-B")  # (its event listed with it)
        mock.set_event("KXEV-26", fee_type_override="flat", fee_multiplier_override="0.5")
        mock.schedule_fee_change("2020-01-01T00:00:00Z", event_ticker="KXEV-26")  # (in force at once: cleared)
        mock.update_market("KXEV-26-A", yes_sub_title="Above 5", strike_type="greater", floor_strike="5")
        mock.update_market("KXEV-26-A", yes_sub_title="Above 6")  # (the subtitle alone: its strikes not told)
        mock.update_market("KXEV-26-A", title="Renamed")  # (no metadata the message tells: nothing sent)
        combos(mock, "alice", 1)  # (its legs' event and markets here, its combo event on the other channel)
        mock.create_market("KXEND-26-Z")  # (a last change: whatever came before it came)
        frames = client.next(17)
    told = [(f["type"], f["msg"].get("event_type"), f["msg"].get("event_ticker") or f["msg"].get("market_ticker"))
            for f in frames]  # fmt: skip
    assert told[:8] == [
        ("event_lifecycle", None, "KXEV-26"), ("market_lifecycle_v2", "created", "KXEV-26-A"),
        ("event_lifecycle", None, "KXNEW-26"), ("market_lifecycle_v2", "created", "KXNEW-26-B"),
        ("event_fee_update", None, "KXEV-26"), ("event_fee_update", None, "KXEV-26"),
        *[("market_lifecycle_v2", "metadata_updated", "KXEV-26-A")] * 2,
    ]  # fmt: skip
    assert [f["msg"] for f in frames if f["type"] == "event_lifecycle"][0] == {
        "event_ticker": "KXEV-26", "exchange_index": 0, "title": "An event", "subtitle": "Its day",
        "collateral_return_type": "", "series_ticker": "KXEV", "strike_date": 1796083200}  # fmt: skip
    assert [f["msg"] for f in frames[4:8]] == [
        {"event_ticker": "KXEV-26", "fee_type_override": "flat", "fee_multiplier_override": 0.5},
        {"event_ticker": "KXEV-26", "fee_type_override": None, "fee_multiplier_override": None},
        {"market_ticker": "KXEV-26-A", "event_type": "metadata_updated", "strike_type": "greater", "floor_strike": 5,
         "yes_sub_title": "Above 5"},
        {"market_ticker": "KXEV-26-A", "event_type": "metadata_updated", "yes_sub_title": "Above 6"},
    ]  # fmt: skip
    # then the legs' event and its six markets; the combo's own event and market are not this channel's
    assert told[8:] == [("event_lifecycle", None, "KXLEGS-26NOV")] + [
        ("market_lifecycle_v2", "created", f"KXLEGS-26NOV-L{i}") for i in range(6)] + [
        ("event_lifecycle", None, "KXEND-26"), ("market_lifecycle_v2", "created", "KXEND-26-Z")]  # fmt: skip
