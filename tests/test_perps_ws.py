"""The perps websocket over a real connection, signed as Kalshi's: every channel it serves follows the exchange and
shows the numbers REST shows at that point (fills and positions, orders, trades, the book, the ticker and its marks),
a subscription's snapshot and deltas rebuild the book REST serves with no gap in `seq`, order group updates and
corporate action notices reach those subscribed to them as REST shows them, the commands and their
errors, a client that does not read overflows and is closed while another goes on. Every frame is checked against
perps_asyncapi.yaml's payload schemas (perps_ws.py)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from perps_http import fund, order, public, signed
from perps_ws import WS_PATH, LocalBook, checked, session, signer_of
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from ws_raw_client import RawClient

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
BTC = "BTC-PERP"
ETH = "ETH-PERP"
# Users named as Kalshi names them (a user_order's `user_id` is a UUID in the spec)
ALICE = "a11ce000-0000-4000-8000-000000000001"
BOB = "b0b00000-0000-4000-8000-000000000002"
QUEUE = 50  # each connection's outbox, in changes (Settings.ws_queue_size): small, for the overflow test


@pytest.fixture(scope="module", name="server")
def module_server() -> Iterator[MockServer]:
    with MockServer(clock=ManualClock(T0), ws_queue_size=QUEUE) as mock:
        yield mock


@pytest.fixture(name="mock")
def fresh(server: MockServer) -> MockServer:
    """Alice and Bob with $10,000 each in the margined instance, BTC-PERP marked at 100,000 (tick 0.5), ETH-PERP at
    3,000, no order."""
    server.reset()
    server.app.control.parts.clock.set(T0)
    for user in (ALICE, BOB):
        fund(server, user, 10_000)
    server.list_perp_market(BTC, "100000", tick_size="0.5", contract_size="0.001")
    server.list_perp_market(ETH, "3000", tick_size="0.01")
    return server


def by_type(frames: list[dict]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for frame in frames:
        found.setdefault(frame["type"], []).append(frame)
    return found


def rest_book(mock: MockServer, ticker: str) -> dict:
    with public(mock) as anyone:
        return anyone.get(f"/margin/markets/{ticker}/orderbook").json()["orderbook"]


def test_every_channel_follows_the_exchange_as_rest_shows_it(mock: MockServer) -> None:
    with (
        signed(mock, ALICE) as alice_rest,
        signed(mock, BOB) as bob_rest,
        session(mock, signer_of(mock, ALICE)) as alice,
        session(mock, signer_of(mock, BOB)) as bob,
    ):
        channels = ["orderbook_delta", "ticker", "trade", "fill", "user_orders"]
        alice.subscribe(channels=channels, market_tickers=[BTC], send_initial_snapshot=True)
        book = LocalBook()
        first = alice.settled()
        assert [f["type"] for f in first] == ["orderbook_snapshot", "ticker"]
        book.take(first[0])
        assert first[0]["msg"] == {"market_ticker": BTC}  # (an empty book: no side)
        assert first[1]["msg"]["liquidation_mark_price"]["price"] == "100000.0000"
        bob.subscribe(channels=["orderbook_delta", "user_orders", "fill"], market_ticker=BTC)
        book_of_bob = LocalBook()
        book_of_bob.take(bob.recv())

        rested = bob_rest.post("/margin/orders", json=order(BTC, "ask", "0.10", "100000")).json()
        seen = by_type(alice.settled())
        assert set(seen) == {"orderbook_delta", "ticker"}  # Bob's order is not Alice's
        (delta,) = seen["orderbook_delta"]
        assert delta["msg"] == {"market_ticker": BTC, "price": "100000.0000", "delta": "0.10", "side": "ask",
                                "ts_ms": 1793631600000}  # fmt: skip
        book.take(delta)
        assert (seen["ticker"][0]["msg"]["ask"], seen["ticker"][0]["msg"]["ask_size_fp"]) == ("100000.0000", "0.10")
        mine = by_type(bob.settled())  # the owner's delta names its order
        assert mine["orderbook_delta"][0]["msg"]["client_order_id"] == rested["client_order_id"]
        assert mine["orderbook_delta"][0]["msg"]["subaccount"] == 0
        assert mine["user_order"][0]["msg"]["remaining_count"] == "0.10"
        book_of_bob.take(mine["orderbook_delta"][0])

        taken = alice_rest.post(
            "/margin/orders", json=order(BTC, "bid", "0.04", "100000", time_in_force="immediate_or_cancel")
        ).json()
        seen = by_type(alice.settled())
        (fill,) = seen["fill"]
        (rest_fill,) = alice_rest.get("/margin/fills").json()["fills"]
        assert fill["msg"]["order_id"] == rest_fill["order_id"] == taken["order_id"]
        assert (fill["msg"]["price"], fill["msg"]["count"]) == (rest_fill["price"], rest_fill["count"])
        assert fill["msg"]["fee_cost"] == rest_fill["fees"] and fill["msg"]["is_taker"] is True
        (held,) = alice_rest.get("/margin/positions").json()["positions"]
        assert fill["msg"]["post_position"] == held["position"] == "0.04"
        (trade,) = seen["trade"]
        (rest_trade,) = alice_rest.get("/margin/trades", params={"ticker": BTC}).json()["trades"]
        assert trade["msg"]["trade_id"] == rest_trade["trade_id"] == fill["msg"]["trade_id"]
        assert (trade["msg"]["taker_side"], trade["seq"]) == ("bid", 1)
        (placed,) = seen["user_order"]
        assert placed["msg"]["fill_count"] == taken["fill_count"] == "0.04"
        assert placed["msg"]["last_update_reason"] == "Trade"
        for delta in seen["orderbook_delta"]:
            book.take(delta)
        assert book.as_rest() == rest_book(mock, BTC)
        market = alice_rest.get(f"/margin/markets/{BTC}").json()["market"]
        shown = seen["ticker"][-1]["msg"]
        for name in ("price", "ask_size_fp", "volume", "volume_24h", "open_interest",
                     "open_interest_notional_value_dollars", "volume_notional_value_dollars"):  # fmt: skip
            assert shown[name] == market[name], name
        assert shown["last_trade_size_fp"] == "0.04"

        maker = by_type(bob.settled())  # Bob's resting order filled in part
        assert maker["user_order"][-1]["msg"]["fill_count"] == "0.04"
        (made,) = maker["fill"]  # the maker's side of the same trade
        assert (made["msg"]["trade_id"], made["msg"]["is_taker"]) == (rest_trade["trade_id"], False)
        assert maker["user_order"][-1]["msg"]["remaining_count"] == "0.06"
        for delta in maker["orderbook_delta"]:
            book_of_bob.take(delta)
        assert book_of_bob.as_rest() == rest_book(mock, BTC)

        # the marks move: the ticker shows them, as the market does
        mock.set_perp_marks(BTC, mark_price="101000")
        (moved,) = alice.settled()
        assert moved["msg"]["liquidation_mark_price"]["price"] == "101000.0000"
        assert moved["msg"]["open_interest_notional_value_dollars"] == "4040.000000"
        # a cancel: the owner's delta and order say why
        bob_rest.delete(f"/margin/orders/{rested['order_id']}")
        cancelled = by_type(bob.settled())
        assert cancelled["orderbook_delta"][0]["msg"]["last_update_reason"] == "Decrease"
        assert cancelled["user_order"][0]["msg"]["remaining_count"] == "0.00"
        assert {f["type"] for f in alice.settled()} == {"orderbook_delta", "ticker"}
        # a fill that reduces the position: the position after it, as REST holds it
        bob_rest.post("/margin/orders", json=order(BTC, "bid", "0.01", "99000"))
        alice_rest.post("/margin/orders", json=order(BTC, "ask", "0.01", "99000", time_in_force="immediate_or_cancel"))
        (fill,) = by_type(alice.settled())["fill"]
        (held,) = alice_rest.get("/margin/positions").json()["positions"]
        assert fill["msg"]["post_position"] == held["position"] == "0.03"


def test_snapshot_and_deltas_rebuild_the_book_through_random_orders(mock: MockServer) -> None:
    rng = random.Random(52)
    with signed(mock, ALICE) as alice_rest, signed(mock, BOB) as bob_rest:
        rest_order = alice_rest.post("/margin/orders", json=order(ETH, "bid", "1", "2999")).json()
        with session(mock, signer_of(mock, ALICE)) as watcher:
            watcher.subscribe(channels=["orderbook_delta", "trade"], market_ticker=ETH)
            book = LocalBook()
            snapshot = watcher.recv()
            assert snapshot["msg"]["bid"] == [["2999.0000", "1.00"]]
            book.take(snapshot)
            trades = 0
            for i in range(60):
                client = (alice_rest, bob_rest)[i % 2]
                side = rng.choice(("bid", "ask"))
                price = f"{rng.randint(2995, 3005)}.{rng.choice(('00', '50'))}"
                tif = rng.choice(("good_till_canceled", "good_till_canceled", "immediate_or_cancel"))
                body = order(ETH, side, f"{rng.randint(1, 30) / 10:.2f}", price, time_in_force=tif,
                             client_order_id=f"o{i}", self_trade_prevention_type="maker")  # fmt: skip
                answer = client.post("/margin/orders", json=body)
                assert answer.status_code == 201, answer.text
                if i % 7 == 0:
                    client.delete("/margin/orders", params={"ticker": ETH})
            client.delete(f"/margin/orders/{rest_order['order_id']}")
            for frame in watcher.settled():
                if frame["type"] == "trade":
                    trades += 1
                    assert frame["seq"] == trades
                else:
                    book.take(frame)
            assert book.as_rest() == rest_book(mock, ETH)
            rest_trades = alice_rest.get("/margin/trades", params={"ticker": ETH, "limit": 1000}).json()["trades"]
            assert trades == len(rest_trades) > 0
            # a fresh snapshot (get_snapshot) is the same book, its reply carrying the command's id
            asked = watcher.send("update_subscription", sid=1, action="get_snapshot", market_tickers=[ETH])
            again = watcher.recv()
            assert (again["type"], again["id"]) == ("orderbook_snapshot", asked)
            book.take(again)
            assert book.as_rest() == rest_book(mock, ETH)


def plain(frame: dict) -> dict:
    return {k: v for k, v in frame.items() if k not in ("sending_ts_ms", "mockexchange_diagnosis")}


def test_order_groups_and_corporate_actions_reach_their_subscribers(mock: MockServer) -> None:
    ms = int(T0.timestamp() * 1000)
    with session(mock, signer_of(mock, ALICE)) as ws, session(mock, signer_of(mock, BOB)) as other:
        groups, notices = ws.subscribe(channels=["order_group_updates", "corporate_actions"])
        (others,) = other.subscribe(channels=["order_group_updates"])
        with signed(mock, ALICE) as alice:
            made = alice.post("/margin/order_groups/create", json={"contracts_limit": 5}).json()["order_group_id"]
            path = f"/margin/order_groups/{made}"
            alice.put(f"{path}/limit", json={"contracts_limit_fp": "7.00"})
            alice.put(f"{path}/trigger", json={})
            alice.put(f"{path}/reset", json={})
            alice.delete(path)
        split = mock.set_perp_corporate_action(BTC, "stock_split", ratio_old="1", ratio_new="4")["action_id"]
        mock.set_perp_corporate_action(BTC, "cash_dividend", cash_per_share="0.25")  # (REST's alone: not sent)
        mock.set_perp_corporate_action(ETH, "final_settlement", reason="delisting", settlement_price_per_contract="2.5")
        mock.set_perp_corporate_action(ETH, "ticker_change", old_ticker=ETH, new_ticker="ETH2-PERP")
        mock.set_perp_corporate_action(BTC, "stock_split", status="cancelled", action_id=split)
        found = by_type(ws.settled())
        assert [f for f in other.settled() if f["sid"] == others] == []  # (another user's groups)
    assert [(f["sid"], f["seq"], f["msg"]) for f in found["order_group_updates"]] == [
        (groups, 1, {"event_type": "created", "order_group_id": made, "contracts_limit_fp": "5.00", "ts_ms": ms}),
        (groups, 2, {"event_type": "limit_updated", "order_group_id": made, "contracts_limit_fp": "7.00", "ts_ms": ms}),
        (groups, 3, {"event_type": "triggered", "order_group_id": made, "ts_ms": ms}),
        (groups, 4, {"event_type": "reset", "order_group_id": made, "ts_ms": ms}),
        (groups, 5, {"event_type": "deleted", "order_group_id": made, "ts_ms": ms}),
    ]
    with public(mock) as anyone:
        rest = {n["id"]: n for n in anyone.get("/margin/corporate_actions").json()["corporate_actions"]}
    sent = found["corporate_actions_delta"]
    assert [(f["sid"], f["seq"]) for f in sent] == [(notices, seq) for seq in range(1, 5)]
    actions = [f["msg"]["corporate_action"] for f in sent]
    for action in actions:
        held = rest[action["id"]]
        renamed = held.get("ticker_change", {}).get("new_ticker")  # (the channel names a ticker change's new ticker)
        assert (action["market_id"], action["market_ticker"], action["ts_ms"]) == (
            held["market_id"],
            renamed or held["market_ticker"],
            ms,
        )
    assert [(a["market_ticker"], a["type"]) for a in actions] == [
        (BTC, "stock_split"), (ETH, "final_settlement"), ("ETH2-PERP", "ticker_change"), (BTC, "stock_split")
    ]  # fmt: skip
    assert actions[0]["split"] == {"ratio_old": "1", "ratio_new": "4", "pre_split_mark_price": "100000.0000",
                                   "post_split_mark_price": "25000.0000"}  # fmt: skip
    assert actions[1]["final_settlement"] == {"settlement_price_per_contract": "2.5000"}
    assert actions[2]["ticker_change"] == {"old_ticker": ETH, "new_ticker": "ETH2-PERP"}
    assert (actions[3]["id"], "split" in actions[3], rest[split]["status"]) == (split, False, "cancelled")


def test_commands_answer_as_kalshis_do_and_refuse_in_its_words(mock: MockServer) -> None:
    with session(mock, signer_of(mock, ALICE)) as ws:
        assert ws.subscribe(channels=["fill", "user_orders", "corporate_actions"], market_tickers=[BTC]) == [1, 2, 3]
        asked = ws.send("list_subscriptions")
        assert plain(ws.recv()) == {"type": "ok", "id": asked, "msg": [
            {"channel": "fill", "sid": 1}, {"channel": "user_orders", "sid": 2},
            {"channel": "corporate_actions", "sid": 3}]}  # fmt: skip
        asked = ws.send("update_subscription", sids=[2], action="add_markets", market_ticker=ETH)
        assert plain(ws.recv()) == {"type": "ok", "id": asked, "sid": 2, "seq": 1,
                                    "msg": {"market_tickers": [BTC, ETH]}}  # fmt: skip
        asked = ws.send("update_subscription", sid=2, action="delete_markets", market_tickers=[BTC])
        assert plain(ws.recv())["msg"] == {"market_tickers": [ETH]}
        # the filter holds: an order on BTC is not sent on user_orders, one on ETH is
        with signed(mock, ALICE) as alice_rest:
            alice_rest.post("/margin/orders", json=order(BTC, "bid", "0.10", "90000"))
            alice_rest.post("/margin/orders", json=order(ETH, "bid", "1", "2900"))
        (update,) = [f for f in ws.settled() if f["type"] == "user_order"]
        assert (update["sid"], update["msg"]["ticker"]) == (2, ETH)
        asked = ws.send("unsubscribe", sids=[1, 9])
        assert [plain(ws.recv()), plain(ws.recv())] == [
            {"type": "unsubscribed", "id": asked, "sid": 1, "seq": 1},
            {"type": "error", "id": asked, "msg": {"code": 7, "msg": "Unknown subscription ID"}},
        ]
        refusals = [
            ({"channels": ["market_positions"]}, 8),  # (Kalshi's, not the perps exchange's)
            ({"channels": ["orderbook_delta"]}, 14),
            ({"channels": ["trade"], "market_ticker": "NOPE-PERP"}, 11),
            ({"channels": ["ticker"], "market_id": "x"}, 11),
        ]
        for params, code in refusals:
            asked = ws.send("subscribe", **params)
            refused = ws.recv()
            assert (refused["type"], refused["id"], refused["msg"]["code"]) == ("error", asked, code), params
        ws.ws.send("{not json")
        assert ws.recv()["msg"]["code"] == 1
        # ping and pong are the connection's own: a ping is answered
        ws.ws.ping(b"").wait(5)
    # an unsigned upgrade is refused before the websocket opens, as REST refuses it
    url = mock.kalshi_ws_url.removesuffix("/trade-api/ws/v2") + WS_PATH
    with pytest.raises(InvalidStatus) as refused_upgrade:
        connect(url, open_timeout=5)
    assert refused_upgrade.value.response.status_code == 401


@pytest.mark.slow
def test_a_client_that_does_not_read_overflows_and_is_closed_while_others_go_on(mock: MockServer) -> None:
    signer = signer_of(mock, ALICE)
    slow = RawClient(mock, signer, rcvbuf=4096, path=WS_PATH)
    try:
        slow.send_json({"id": 1, "cmd": "subscribe", "params": {"channels": ["orderbook_delta", "user_orders"],
                                                               "market_ticker": ETH}})  # fmt: skip
        with signed(mock, ALICE) as alice_rest, session(mock, signer) as good:
            good.subscribe(channels=["user_orders"])
            updates = 0
            # each order and its cancel: two user_order messages, two deltas; the slow client's socket buffers
            # and its outbox (QUEUE changes) fill long before the end, the good client reads each in turn.
            for i in range(200):
                placed = alice_rest.post("/margin/orders", json=order(ETH, "bid", "1", "2000", client_order_id=f"s{i}"))
                alice_rest.delete(f"/margin/orders/{placed.json()['order_id']}")
                updates += len([f for f in (good.recv(), good.recv()) if f["type"] == "user_order"])
            assert updates == 400
            good.settled()
        texts, close = slow.read_to_close(checked=False)
        assert (close.code, close.reason) == (1008, "Subscription buffer overflow")
        for text in texts:
            checked(text)
        errors = [plain(t) for t in texts[-2:]]
        assert [e["msg"]["code"] for e in errors] == [25, 25] and len(texts) < 800
    finally:
        slow.close()


def test_an_order_in_a_group_names_it_on_rest_and_on_user_orders(mock: MockServer) -> None:
    """The spec's MarginOrder and user order message carry `order_group_id` when the order is in a group; an order
    in none leaves it out."""
    with session(mock, signer_of(mock, ALICE)) as ws, signed(mock, ALICE) as alice:
        (orders,) = ws.subscribe(channels=["user_orders"])
        made = alice.post("/margin/order_groups/create", json={"contracts_limit": 5}).json()["order_group_id"]
        grouped = alice.post("/margin/orders", json=order(BTC, "bid", "0.01", "90000", order_group_id=made))
        alone = alice.post("/margin/orders", json=order(BTC, "bid", "0.01", "89000"))
        sent = [f["msg"] for f in ws.settled() if f.get("sid") == orders]
        rows = {o["order_id"]: o for o in alice.get("/margin/orders").json()["orders"]}
    grouped_id, alone_id = grouped.json()["order_id"], alone.json()["order_id"]
    assert [(m["order_id"], m.get("order_group_id")) for m in sent] == [(grouped_id, made), (alone_id, None)]
    assert rows[grouped_id]["order_group_id"] == made and "order_group_id" not in rows[alone_id]
