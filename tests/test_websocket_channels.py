"""The `market_positions` and `fill` channels over real sockets: message shapes in both profiles, market filters,
per-user and per-subaccount isolation, agreement with REST, a slow consumer's overflow, and many connections at once."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from websockets.frames import Close, Frame, Opcode
from websockets.sync.client import connect
from ws_raw_client import RawClient, checked_frame

from mockexchange.auth.kalshi.keys import generate_private_key
from mockexchange.core.clock import ManualClock
from mockexchange.schema.frames import validate_ws_frame
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

WS_PATH = "/trade-api/ws/v2"
PRIVATE_KEY = generate_private_key("rsa")
PUBLIC_PEM = PRIVATE_KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
START = datetime(2026, 5, 1, 12, 0, 0, 250_000, tzinfo=UTC)
FED = "KXFED-26DEC-T4.00"
CPI = "KXCPI-26JUN-T3.0"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def serve(profile: str = "3.34", clock: ManualClock | None = None, **settings: Any) -> MockServer:
    server = MockServer(profile=profile, clock=clock, **settings).start()
    for user in ("alice", "bob"):
        server.create_account(user, balance_cents=10_000_000)
    return server


@contextmanager
def running(profile: str = "3.34", clock: ManualClock | None = None, **settings: Any) -> Iterator[MockServer]:
    server = serve(profile, clock, **settings)
    try:
        yield server
    finally:
        server.stop()


def signer_for(mock: MockServer, user: str, **binding: Any) -> KalshiSigner:
    key = mock.create_key(user, public_key_pem=PUBLIC_PEM, **binding)
    return KalshiSigner(key["key_id"], PRIVATE_KEY)


class Session:
    def __init__(self, ws, profile: str) -> None:
        self.ws = ws
        self.profile = profile

    def recv(self, timeout: float = 5, check: bool = True) -> dict[str, Any]:
        """The next frame, checked against the AsyncAPI slice (`check=False`: the caller checks it later)."""
        raw = self.ws.recv(timeout=timeout)
        assert raw.endswith("\n")
        return checked_frame(raw, self.profile) if check else json.loads(raw)

    def subscribe(self, command_id: int = 1, **params: Any) -> list[int]:
        self.ws.send(json.dumps({"id": command_id, "cmd": "subscribe", "params": params}))
        return [self.recv()["msg"]["sid"] for _ in params["channels"]]

    def quiet(self, seconds: float = 0.3) -> None:
        try:
            raw = self.ws.recv(timeout=seconds)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected message {raw!r}")


@contextmanager
def session(mock: MockServer, signer: KalshiSigner) -> Iterator[Session]:
    with connect(mock.kalshi_ws_url, additional_headers=signer.headers("GET", WS_PATH), open_timeout=5) as ws:
        yield Session(ws, mock.app.settings.profile)


def rest(mock: MockServer, signer: KalshiSigner) -> httpx.Client:
    return httpx.Client(base_url=mock.kalshi_url, auth=KalshiAuth(signer), timeout=10)


# -- message shapes -------------------------------------------------------------------------------------------------


def test_fill_and_market_position_messages_in_profile_3_34(clock):
    with running("3.34", clock) as mock:
        mock.create_market(FED, exchange_index=1)
        with session(mock, signer_for(mock, "alice")) as ws:
            assert ws.subscribe(channels=["fill", "market_positions"]) == [1, 2]
            mock.app.ledger.filling.apply_fill(
                "alice", FED, "yes", "buy", Decimal("10"), Decimal("0.56"), client_order_id="my-order-1"
            )
            fill, position = ws.recv(), ws.recv()
        [stored] = mock.app.ledger.state.fills
        assert set(fill) == {"type", "sid", "msg", "sending_ts_ms"}
        assert (fill["type"], fill["sid"]) == ("fill", 1)
        assert fill["msg"] == {
            "trade_id": stored.fill_id,
            "order_id": stored.order_id,
            "client_order_id": "my-order-1",
            "market_ticker": FED,
            "exchange_index": 1,
            "is_taker": True,
            "side": "yes",
            "yes_price_dollars": "0.5600",
            "count_fp": "10.00",
            "fee_cost": "0.172500",  # 0.07 x 10 x 0.56 x 0.44 = 0.17248, rounded up to the centi-cent
            "action": "buy",
            "ts": 1777636800,
            "ts_ms": 1777636800250,
            "post_position_fp": "10.00",
            "purchased_side": "yes",
            "outcome_side": "yes",
            "book_side": "bid",
            "subaccount": 0,
        }
        assert set(position) == {"type", "sid", "msg", "sending_ts_ms"}
        assert (position["type"], position["sid"]) == ("market_position", 2)
        assert position["msg"] == {
            "user_id": "alice",
            "market_ticker": FED,
            "position_fp": "10.00",
            "position_cost_dollars": "5.600000",
            "realized_pnl_dollars": "0.000000",
            "fees_paid_dollars": "0.172500",
            "position_fee_cost_dollars": "0.172500",
            "volume_fp": "10.00",
            "subaccount": 0,
        }


def test_a_match_sends_each_side_its_fill_and_position_and_prints_one_trade(clock):
    """Alice's resting YES bid is taken by bob selling YES: each hears their own fill (the maker's not a taker's) and
    row; the market prints one trade, no block trade, whose taker side is bob's (NO)."""
    with running("3.34", clock) as mock:
        mock.create_market(FED)
        mock.create_order("alice", FED, "yes", "buy", "3", "0.40")
        bobs = signer_for(mock, "bob")
        with session(mock, signer_for(mock, "alice")) as alice, session(mock, bobs) as bob:
            assert alice.subscribe(channels=["fill", "market_positions", "trade"]) == [1, 2, 3]
            assert bob.subscribe(channels=["fill", "market_positions"]) == [1, 2]
            with rest(mock, bobs) as client:
                ask = {"ticker": FED, "side": "ask", "count": "2", "price": "0.40"}
                ask |= {"time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross"}
                assert client.post("/portfolio/events/orders", json=ask).status_code == 201
            for ws, taker, held in ((alice, False, "2.00"), (bob, True, "-2.00")):
                fill, position = ws.recv(), ws.recv()
                assert (fill["type"], fill["msg"]["is_taker"], fill["msg"]["count_fp"]) == ("fill", taker, "2.00")
                assert (position["type"], position["msg"]["position_fp"]) == ("market_position", held)
            printed = alice.recv()["msg"]
            assert (printed["taker_side"], printed["count_fp"]) == ("no", "2.00")
        with httpx.Client(base_url=mock.kalshi_url, timeout=10) as anyone:
            [trade] = anyone.get("/markets/trades", params={"ticker": FED}).json()["trades"]
            assert (trade["taker_side"], trade["is_block_trade"], trade["count_fp"]) == ("no", False, "2.00")
            blocks = anyone.get("/markets/trades", params={"ticker": FED, "is_block_trade": "true"}).json()
            assert blocks["trades"] == []


def test_legacy_profile_adds_the_integer_fields_and_centi_cents(clock):
    with running("legacy", clock) as mock, session(mock, signer_for(mock, "alice")) as ws:
        ws.subscribe(channels=["fill", "market_positions"])
        mock.fill("alice", FED, "yes", "buy", "10", "0.56")
        mock.fill("alice", FED, "no", "buy", "4", "0.35")  # sells 4 YES at 0.65
        for _ in range(2):
            ws.recv()
        fill, position = ws.recv(), ws.recv()
        assert {k: v for k, v in fill["msg"].items() if k not in ("trade_id", "order_id")} == {
            "market_ticker": FED,
            "exchange_index": 0,
            "is_taker": True,
            "side": "no",
            "yes_price_dollars": "0.6500",
            "yes_price": 65,
            "count_fp": "4.00",
            "count": 4,
            "fee_cost": "0.0637",  # 0.07 x 4 x 0.35 x 0.65
            "action": "buy",
            "ts": 1777636800,
            "ts_ms": 1777636800250,
            "post_position_fp": "6.00",
            "post_position": 6,
            "purchased_side": "no",
            "outcome_side": "no",
            "book_side": "ask",
            "subaccount": 0,
        }
        # exposure 5.60 x 6/10 = 3.36; realized 4 x (0.65 - 0.56) = 0.36; fees 0.1725 + 0.0637 = 0.2362;
        # fee cost of the 6 held: 0.2362 x 6 / 14 traded = 0.101228...
        assert position["msg"] == {
            "user_id": "alice",
            "market_ticker": FED,
            "position_fp": "6.00",
            "position": 6,
            "position_cost_dollars": "3.3600",
            "position_cost": 33_600,
            "realized_pnl_dollars": "0.3600",
            "realized_pnl": 3_600,
            "fees_paid_dollars": "0.2362",
            "fees_paid": 2_362,
            "position_fee_cost_dollars": "0.1012",
            "position_fee_cost": 1_012,
            "volume_fp": "14.00",
            "volume": 14,
            "subaccount": 0,
        }


def test_settlement_sends_a_market_position_with_no_cost_left():
    with running() as mock, session(mock, signer_for(mock, "alice")) as ws:
        ws.subscribe(channels=["market_positions"])
        mock.fill("alice", FED, "yes", "buy", "10", "0.56")
        ws.recv()
        mock.settle(FED, "yes")
        msg = ws.recv()["msg"]
        assert (msg["position_fp"], msg["position_cost_dollars"], msg["position_fee_cost_dollars"]) == (
            "10.00",
            "0.000000",
            "0.000000",
        )
        assert msg["realized_pnl_dollars"] == "4.400000"


# -- who gets what --------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_market_filters_single_and_many():
    with running() as mock:
        signer = signer_for(mock, "alice")
        with session(mock, signer) as one, session(mock, signer) as many, session(mock, signer) as every:
            one.subscribe(channels=["fill", "market_positions"], market_ticker=FED)
            many.subscribe(channels=["market_positions"], market_tickers=[FED, CPI])
            every.subscribe(channels=["fill"])
            for ticker in ("OTHER-1", FED, CPI, "OTHER-2"):
                mock.fill("alice", ticker, "yes", "buy", "1", "0.50")
            assert [(m["type"], m["msg"]["market_ticker"]) for m in (one.recv(), one.recv())] == [
                ("fill", FED),
                ("market_position", FED),
            ]
            assert [many.recv()["msg"]["market_ticker"] for _ in range(2)] == [FED, CPI]
            assert [every.recv()["msg"]["market_ticker"] for _ in range(4)] == ["OTHER-1", FED, CPI, "OTHER-2"]
            for ws in (one, many, every):
                ws.quiet()


def test_each_connection_sees_only_its_users_changes():
    with (
        running() as mock,
        session(mock, signer_for(mock, "alice")) as alice,
        session(mock, signer_for(mock, "bob")) as bob,
    ):
        alice.subscribe(channels=["fill", "market_positions"])
        bob.subscribe(channels=["fill", "market_positions"])
        mock.fill("bob", FED, "no", "buy", "3", "0.40")
        mock.fill("alice", FED, "yes", "buy", "2", "0.60")
        assert [(m["type"], m["msg"].get("user_id", "alice")) for m in (alice.recv(), alice.recv())] == [
            ("fill", "alice"),
            ("market_position", "alice"),
        ]
        bob_messages = [bob.recv(), bob.recv()]
        assert bob_messages[0]["msg"]["count_fp"] == "3.00"
        assert bob_messages[1]["msg"]["user_id"] == "bob"
        assert bob_messages[1]["msg"]["position_fp"] == "-3.00"
        alice.quiet()
        bob.quiet()


def test_a_subaccount_locked_key_sees_its_subaccount_only():
    with running() as mock:
        locked = signer_for(mock, "alice", subaccount=2)
        with session(mock, locked) as sub2, session(mock, signer_for(mock, "alice")) as main:
            sub2.subscribe(channels=["fill", "market_positions"])
            main.subscribe(channels=["fill"])
            for subaccount in (0, 2, 1):
                mock.fill("alice", FED, "yes", "buy", str(subaccount + 1), "0.50", subaccount=subaccount)
            assert [(m["type"], m["msg"]["subaccount"]) for m in (sub2.recv(), sub2.recv())] == [
                ("fill", 2),
                ("market_position", 2),
            ]
            sub2.quiet()
            assert [main.recv()["msg"]["subaccount"] for _ in range(3)] == [0, 2, 1]


def test_changes_before_subscribing_are_not_sent_and_unsubscribing_stops_messages():
    with running() as mock, session(mock, signer_for(mock, "alice")) as ws:
        mock.fill("alice", FED, "yes", "buy", "1", "0.50")
        [sid] = ws.subscribe(channels=["fill"])
        ws.quiet()
        mock.fill("alice", FED, "yes", "buy", "2", "0.50")
        assert ws.recv()["msg"]["count_fp"] == "2.00"
        ws.ws.send(json.dumps({"id": 2, "cmd": "unsubscribe", "params": {"sids": [sid]}}))
        assert ws.recv()["type"] == "unsubscribed"
        mock.fill("alice", FED, "yes", "buy", "3", "0.50")
        ws.quiet()


def test_a_connection_opened_after_fills_made_for_nobody_gets_the_next_fills():
    """A fill made while no connection is open makes no change for the channels; the first connection to open after
    it gets the next fill, and after the last closes fills are again made for nobody, and so on."""
    with running() as mock:
        alice = signer_for(mock, "alice")
        mock.fill("alice", FED, "yes", "buy", "1", "0.50")  # nobody connected: no fill change is made
        for round_count in ("2", "3"):
            with session(mock, alice) as ws:
                ws.subscribe(channels=["fill"])
                mock.fill("alice", FED, "yes", "buy", round_count, "0.50")
                assert ws.recv()["msg"]["count_fp"] == f"{round_count}.00"
            mock.fill("alice", FED, "yes", "buy", "1", "0.50")  # the connection closed: made for nobody again


# -- agreement with REST --------------------------------------------------------------------------------------------


def test_rest_is_never_behind_a_message_while_fills_land():
    with running() as mock:
        signer = signer_for(mock, "alice")
        with session(mock, signer) as ws, rest(mock, signer) as http:
            ws.subscribe(channels=["market_positions"], market_ticker=FED)
            # 60 buys of one contract: the position only grows, so "not behind" is "at least as large".
            producer = threading.Thread(
                target=lambda: [mock.fill("alice", FED, "yes", "buy", "1", "0.50") for _ in range(60)]
            )
            producer.start()
            try:
                for expected in range(1, 61):
                    reported = Decimal(ws.recv()["msg"]["position_fp"])
                    assert reported == expected
                    [row] = http.get("/portfolio/positions", params={"ticker": FED}).json()["market_positions"]
                    assert Decimal(row["position_fp"]) >= reported
            finally:
                producer.join()


def test_rest_serves_the_position_when_its_message_arrives():
    with running() as mock:
        signer = signer_for(mock, "alice")
        with session(mock, signer) as ws, rest(mock, signer) as http:
            ws.subscribe(channels=["market_positions"])
            for i in range(20):
                mock.fill("alice", FED, "yes", "buy" if i % 3 else "sell", "1", "0.50")
                msg = ws.recv()["msg"]
                [row] = http.get("/portfolio/positions", params={"ticker": FED}).json()["market_positions"]
                assert (row["position_fp"], row["market_exposure_dollars"], row["realized_pnl_dollars"]) == (
                    msg["position_fp"],
                    msg["position_cost_dollars"],
                    msg["realized_pnl_dollars"],
                )


# -- a slow consumer ------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_client_that_does_not_read_gets_error_25_and_is_closed_while_others_go_on():
    with running(ws_queue_size=50) as mock:
        signer = signer_for(mock, "alice")
        slow = RawClient(mock, signer, rcvbuf=4096)
        try:
            slow.send_json({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill", "market_positions"]}})
            with session(mock, signer) as good:
                good.subscribe(channels=["fill"])
                trade_ids = []
                # The slow client's socket buffers fill after some 1,500 fills on loopback; 5,000 is ample. The good
                # client reads each batch before the next, so its outbox (50) never fills.
                for _ in range(250):
                    for i in range(20):
                        mock.fill("alice", FED, "yes", "buy" if i % 2 else "sell", "1", "0.50")
                    trade_ids += [good.recv()["msg"]["trade_id"] for _ in range(20)]
                assert trade_ids == [f.fill_id for f in mock.app.ledger.state.fills]
                good.quiet(0.1)

            # Now read what the slow client was sent: its replies, a gapless run of messages, error 25, the close.
            data, _ = slow.overflowed()
            assert 0 < len(data) < 2 * 5000
            sent_fills = [m["msg"]["trade_id"] for m in data if m["type"] == "fill"]
            assert sent_fills == trade_ids[: len(sent_fills)]
        finally:
            slow.close()
        # the server goes on
        with session(mock, signer) as again:
            assert again.subscribe(channels=["fill"]) == [1]
            mock.fill("alice", FED, "yes", "buy", "1", "0.50")
            assert again.recv()["type"] == "fill"


def test_a_client_that_sends_commands_without_reading_is_bounded_too():
    with running(ws_queue_size=20) as mock:
        slow = RawClient(mock, signer_for(mock, "alice"), rcvbuf=4096)
        try:
            for _ in range(20_000):
                slow.send_json({"id": 1, "cmd": "list_subscriptions"})
            texts = []
            while True:
                event = slow.next_event(10)
                if isinstance(event, Frame) and event.opcode == Opcode.TEXT:
                    texts.append(json.loads(event.data))
                elif isinstance(event, Frame) and event.opcode == Opcode.CLOSE:
                    assert Close.parse(event.data).code == 1008
                    break
            assert texts[-1]["msg"] == {"code": 25, "msg": "Subscription buffer overflow"}
            assert "sid" not in texts[-1]  # there was no subscription
            assert all(t["type"] == "ok" for t in texts[:-1]) and len(texts) < 20_000
        finally:
            slow.close()


# -- many connections -----------------------------------------------------------------------------------------------


# 1,000 fills, 2,000 messages on each of 10 connections: four producers still race (their fills interleave in the
# ledger's order) and each connection's outbox takes every message in turn, as at 30 connections and 2,000 fills,
# which cost five times the CPU for the same checks.
CONNECTIONS, PRODUCERS, FILLS_EACH = 10, 4, 250


@pytest.mark.slow
def test_many_connections_see_thousands_of_fills_in_ledger_order_and_rest_agrees():
    markets = [f"KXTEST-26DEC-M{i}" for i in range(5)]
    # The outbox holds a whole run: this test is about order and agreement, not about slow readers (tested above).
    with running(ws_queue_size=10_000) as mock:
        signer = signer_for(mock, "alice")
        with ExitStack() as stack:
            sessions = [stack.enter_context(session(mock, signer)) for _ in range(CONNECTIONS)]
            for ws in sessions:
                ws.subscribe(channels=["fill", "market_positions"])
            received: list[list[dict[str, Any]]] = [[] for _ in sessions]

            def read(index: int) -> None:
                # Checked after the run: 120,000 schema checks in 30 reader threads would slow the readers down.
                for _ in range(2 * PRODUCERS * FILLS_EACH):
                    received[index].append(sessions[index].recv(timeout=30, check=False))

            readers = [threading.Thread(target=read, args=(i,)) for i in range(len(sessions))]
            for t in readers:
                t.start()

            def trade(worker: int) -> None:
                for i in range(FILLS_EACH):
                    side = "yes" if (i + worker) % 3 else "no"
                    mock.fill("alice", markets[(i + worker) % 5], side, "buy" if i % 4 else "sell", "2", "0.43")

            producers = [threading.Thread(target=trade, args=(w,)) for w in range(PRODUCERS)]
            for t in producers:
                t.start()
            for t in producers + readers:
                t.join(120)
            assert not any(t.is_alive() for t in producers + readers)

        fills = mock.app.ledger.state.fills
        assert len(fills) == PRODUCERS * FILLS_EACH
        for messages in received:
            for message in messages:
                assert not validate_ws_frame(message, mock.app.settings.profile), message
        expected = []
        for f in fills:
            expected += [("fill", f.fill_id), ("market_position", f.ticker, f"{f.post_position:.2f}")]
        for messages in received:
            seen = [
                ("fill", m["msg"]["trade_id"])
                if m["type"] == "fill"
                else ("market_position", m["msg"]["market_ticker"], m["msg"]["position_fp"])
                for m in messages
            ]
            assert seen == expected
        last = {m["msg"]["market_ticker"]: m["msg"] for m in received[0] if m["type"] == "market_position"}
        with rest(mock, signer) as http:
            rows = http.get("/portfolio/positions", params={"limit": 100}).json()["market_positions"]
        assert {r["ticker"] for r in rows} == set(markets)
        for row in rows:
            ledger_row = mock.app.ledger.state.positions.get("alice", 0, row["ticker"])
            assert row["position_fp"] == f"{ledger_row.position:.2f}" == last[row["ticker"]]["position_fp"]
            assert row["market_exposure_dollars"] == last[row["ticker"]]["position_cost_dollars"]
            assert row["realized_pnl_dollars"] == last[row["ticker"]]["realized_pnl_dollars"]
            assert row["fees_paid_dollars"] == last[row["ticker"]]["fees_paid_dollars"]


def test_a_block_trade_sends_each_side_its_fill_and_position_and_prints_one_block_trade(clock):
    """Alice buys 2 of FED from bob at 0.40 off the book, bob the maker (`maker_side` no): each hears its own fill
    and row as a match's sides are heard, the two fills share one trade id, alice pays the taker fee, and the market
    prints one block trade whose taker side is alice's (YES), dated at the accept."""
    with running("3.34", clock) as mock:
        mock.create_market(FED)
        alices, bobs = signer_for(mock, "alice"), signer_for(mock, "bob")
        with session(mock, alices) as alice, session(mock, bobs) as bob:
            assert alice.subscribe(channels=["fill", "market_positions", "trade"]) == [1, 2, 3]
            assert bob.subscribe(channels=["fill", "market_positions"]) == [1, 2]
            proposal = {"buyer_user_id": "alice", "seller_user_id": "bob", "market_ticker": FED,
                        "price_centi_cents": 4000, "centicount": 200, "maker_side": "no",
                        "expiration_ts": "2026-05-01T13:00:00Z"}  # fmt: skip
            with rest(mock, alices) as client:
                made = client.post("/communications/block-trade-proposals", json=proposal)
                assert made.status_code == 201, made.text
            clock.advance(seconds=3)
            with rest(mock, bobs) as client:
                proposal_id = made.json()["block_trade_proposal_id"]
                assert (
                    client.post(f"/communications/block-trade-proposals/{proposal_id}/accept", json={}).status_code
                    == 204
                )
            heard = {}
            for name, ws, taker, held, fee in ((
                ("alice", alice, True, "2.00", "0.033600"), ("bob", bob, False, "-2.00", "0.000000")
            )):  # fmt: skip
                fill, position = ws.recv(), ws.recv()
                assert (fill["type"], fill["msg"]["is_taker"], fill["msg"]["fee_cost"]) == ("fill", taker, fee)
                assert (position["type"], position["msg"]["position_fp"]) == ("market_position", held)
                heard[name] = fill["msg"]["trade_id"]
            assert heard["alice"] == heard["bob"]
            printed = alice.recv()["msg"]
            assert (printed["taker_side"], printed["count_fp"], printed["trade_id"]) == ("yes", "2.00", heard["bob"])
        with httpx.Client(base_url=mock.kalshi_url, timeout=10) as anyone:
            [trade] = anyone.get("/markets/trades", params={"ticker": FED}).json()["trades"]
            assert (trade["is_block_trade"], trade["taker_outcome_side"]) == (True, "yes")
            assert trade["created_time"] == "2026-05-01T12:00:03.250000Z"
