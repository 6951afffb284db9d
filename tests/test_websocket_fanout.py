"""The websocket fan-out (venues/fanout.py, venues/kalshi/frames.py, venues/deribit/notifications.py): one bus
subscriber per venue, a change handed to each event loop once and rendered once for every connection of its user,
each connection's own sids spliced in; order kept per connection under a burst; a slow consumer still cut off with
error 25 while the others go on; Deribit's user.* notifications to several connections of one user; the frames the
mock's server writes itself are the frames websockets writes; and every frame through ASGI under another server."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import orjson
import pytest
import websockets
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from ws_raw_client import RawClient, checked_frame

from mockexchange.auth.kalshi.keys import generate_private_key
from mockexchange.core.events import Change, EventBus
from mockexchange.server import MockServer
from mockexchange.server.websocket_protocol import HeartbeatWebSocketProtocol, text_frame
from mockexchange.testing.signing import KalshiSigner
from mockexchange.venues.deribit.envelope import notification
from mockexchange.venues.fanout import Fanout, HandedChange

WS_PATH = "/trade-api/ws/v2"
PRIVATE_KEY = generate_private_key("rsa")
PUBLIC_PEM = PRIVATE_KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
FED = "KXFED-26DEC-T4.00"
CPI = "KXCPI-26JUN-T3.0"


@contextmanager
def running(profile: str = "3.34", **settings: Any) -> Iterator[MockServer]:
    with MockServer(profile=profile, **settings) as server:
        for user in ("alice", "bob"):
            server.create_account(user, balance_cents=100_000_000)
        yield server


def signer_for(mock: MockServer, user: str, **binding: Any) -> KalshiSigner:
    key = mock.create_key(user, public_key_pem=PUBLIC_PEM, **binding)
    return KalshiSigner(key["key_id"], PRIVATE_KEY)


class Kalshi:
    """An asyncio websocket client of the Kalshi websocket that keeps every text frame as it came."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    @classmethod
    async def open(cls, mock: MockServer, signer: KalshiSigner) -> Kalshi:
        headers = signer.headers("GET", WS_PATH)
        return cls(await websockets.connect(mock.kalshi_ws_url, additional_headers=headers, open_timeout=30))

    async def recv(self, timeout: float = 10) -> str:
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        assert isinstance(raw, str) and raw.endswith("\n") and raw.count("\n") == 1, repr(raw)
        return raw

    async def subscribe(self, command_id: int, **params: Any) -> list[int]:
        await self.ws.send(json.dumps({"id": command_id, "cmd": "subscribe", "params": params}))
        replies = [json.loads(await self.recv()) for _ in params["channels"]]
        assert all(r["type"] == "subscribed" for r in replies), replies
        return [r["msg"]["sid"] for r in replies]

    async def quiet(self, seconds: float = 0.3) -> None:
        try:
            raw = await asyncio.wait_for(self.ws.recv(), seconds)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected frame {raw!r}")


def envelope_of(raw: str) -> dict[str, Any]:
    """A data frame, checked to be what the envelope written whole by orjson is: keys in order, compact, a newline."""
    frame = json.loads(raw)
    assert list(frame) == ["type", "sid", "msg", "sending_ts_ms"]
    assert raw == orjson.dumps(frame).decode() + "\n"
    return frame


def rendered(value: Any) -> Any:
    return json.loads(orjson.dumps(value))


# -- one change, 220 connections ------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("profile", ["3.34", "legacy"])
def test_one_fill_reaches_220_connections_each_with_its_own_sids(profile):
    with running(profile) as mock:
        alice, locked, bob = signer_for(mock, "alice"), signer_for(mock, "alice", subaccount=2), signer_for(mock, "bob")
        bus = mock.app.ledger.state.bus
        subscribers = bus.subscriber_count()
        # group -> (key, subscribe commands, frames expected for the FED fill (subaccount 0), for the CPI fill
        # (subaccount 2)): (type, sid)
        groups: dict[str, tuple[KalshiSigner, list[dict[str, Any]], list[Any], list[Any]]] = {
            "fill": (alice, [{"channels": ["fill"]}], [("fill", 1)], [("fill", 1)]),
            "positions": (alice, [{"channels": ["market_positions"]}], [("market_position", 1)],
                          [("market_position", 1)]),
            "both, FED and CPI": (alice, [{"channels": ["fill", "market_positions"], "market_tickers": [FED, CPI]}],
                                  [("fill", 1), ("market_position", 2)], [("fill", 1), ("market_position", 2)]),
            "both, CPI": (alice, [{"channels": ["fill", "market_positions"], "market_ticker": CPI}], [],
                          [("fill", 1), ("market_position", 2)]),
            "three": (alice, [{"channels": ["fill"], "market_ticker": CPI}, {"channels": ["fill"]},
                              {"channels": ["market_positions"], "market_tickers": [FED]}],
                      [("fill", 2), ("market_position", 3)], [("fill", 1), ("fill", 2)]),
            "locked to subaccount 2": (locked, [{"channels": ["fill", "market_positions"]}], [],
                                       [("fill", 1), ("market_position", 2)]),
            "bob": (bob, [{"channels": ["fill", "market_positions"]}], [], []),
        }  # fmt: skip
        sizes = {"fill": 60, "positions": 60, "both, FED and CPI": 40, "both, CPI": 20, "three": 20}

        async def go() -> None:
            clients: list[tuple[str, Kalshi]] = []
            for name, (signer, commands, _, _) in groups.items():
                for _ in range(sizes.get(name, 10)):
                    client = await Kalshi.open(mock, signer)
                    for i, params in enumerate(commands, 1):
                        await client.subscribe(i, **params)
                    clients.append((name, client))
            assert len(clients) == 220
            assert bus.subscriber_count() == subscribers  # one subscriber per venue, however many connections
            try:
                for fill_no, (ticker, subaccount) in enumerate(((FED, 0), (CPI, 2))):
                    await asyncio.to_thread(
                        mock.fill, "alice", ticker, "yes", "buy", "3", "0.42", subaccount=subaccount
                    )
                    stored = mock.app.ledger.state.fills[-1]
                    row = mock.app.ledger.state.positions.get("alice", subaccount, ticker)
                    msgs = {
                        "fill": rendered(mock.app.kalshi.profile.ws_fill(stored)),
                        "market_position": rendered(mock.app.kalshi.profile.ws_market_position(row)),
                    }

                    async def check(name: str, client: Kalshi, fill_no: int = fill_no, msgs: Any = msgs) -> None:
                        expected = groups[name][2 + fill_no]
                        raws = [await client.recv() for _ in expected]
                        frames = [envelope_of(raw) for raw in raws]
                        for raw in raws:
                            checked_frame(raw, profile)  # the published AsyncAPI slice
                        assert [(f["type"], f["sid"]) for f in frames] == expected, name
                        for frame in frames:
                            assert frame["msg"] == msgs[frame["type"]], name
                        await client.quiet(0.3)

                    await asyncio.gather(*(check(name, client) for name, client in clients))
            finally:
                await asyncio.gather(*(client.ws.close() for _, client in clients))

        asyncio.run(go())


# -- a burst, and a subscribe in the middle of it -------------------------------------------------------------------


@pytest.mark.slow
def test_a_burst_keeps_each_connections_order_and_a_subscribe_inside_it_starts_a_gapless_run():
    markets = [f"KXBURST-26DEC-M{i}" for i in range(4)]
    fills = 400
    with running(ws_queue_size=10_000) as mock:
        signer = signer_for(mock, "alice")

        async def go() -> tuple[list[list[dict[str, Any]]], list[dict[str, Any]]]:
            clients = [await Kalshi.open(mock, signer) for _ in range(12)]
            for client in clients:
                assert await client.subscribe(1, channels=["fill", "market_positions"]) == [1, 2]
            late = await Kalshi.open(mock, signer)
            assert await late.subscribe(1, channels=["fill"]) == [1]

            sent = threading.Event()

            def burst() -> None:
                for i in range(fills):
                    if i >= fills // 2:  # the second half waits for the late subscribe, and takes 100 ms or more
                        sent.wait(10)
                        time.sleep(0.0005)
                    mock.fill(
                        "alice", markets[i % 4], "yes" if i % 3 else "no", "buy" if i % 5 else "sell", "2", "0.43"
                    )

            producer = threading.Thread(target=burst)
            producer.start()
            # The late subscribe goes out while the fills land.
            first = envelope_of(await late.recv())
            await late.ws.send(json.dumps({"id": 2, "cmd": "subscribe", "params": {"channels": ["market_positions"]}}))
            sent.set()

            async def read(client: Kalshi, count: int) -> list[dict[str, Any]]:
                return [json.loads(await client.recv(30)) for _ in range(count)]

            received = await asyncio.gather(*(read(c, 2 * fills) for c in clients))
            await asyncio.to_thread(producer.join, 60)
            late_frames = [first]
            while True:  # until it has been quiet for a while: all it was sent
                try:
                    late_frames.append(json.loads(await late.recv(0.5)))
                except TimeoutError:
                    break
            await asyncio.gather(*(c.ws.close() for c in [*clients, late]))
            return received, late_frames

        received, late_frames = asyncio.run(go())
        ledger = mock.app.ledger.state.fills
        assert len(ledger) == fills
        expected = []
        for f in ledger:
            expected += [(1, f.fill_id), (2, f.ticker, f"{f.post_position:.2f}")]
        for frames in received:
            assert [
                (1, m["msg"]["trade_id"]) if m["type"] == "fill" else (m["sid"], m["msg"]["market_ticker"],
                                                                        m["msg"]["position_fp"])
                for m in frames
            ] == expected  # fmt: skip
        # The late connection: every fill on sid 1; the subscribed reply; from then on, every position on sid 2.
        kinds = [m["type"] for m in late_frames]
        at = kinds.index("subscribed")
        assert late_frames[at]["msg"] == {"channel": "market_positions", "sid": 2}
        assert "market_position" not in kinds[:at]
        assert [m["msg"]["trade_id"] for m in late_frames if m["type"] == "fill"] == [f.fill_id for f in ledger]
        positions = [
            (m["msg"]["market_ticker"], m["msg"]["position_fp"]) for m in late_frames[at + 1 :] if m["sid"] == 2
        ]
        all_positions = [(f.ticker, f"{f.post_position:.2f}") for f in ledger]
        assert len(positions) > 0 and positions == all_positions[len(all_positions) - len(positions) :]


@pytest.mark.slow
def test_a_change_for_more_subscriptions_than_a_hand_over_writes_keeps_the_order():
    # 40 subscriptions: more frames than one hand-over writes at once (FAIR_SHARE, 32), so the change waits in the
    # outbox and its sender writes it, yielding to the loop; what follows waits behind it.
    with running() as mock:
        signer = signer_for(mock, "alice")

        async def go() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
            many, one = await Kalshi.open(mock, signer), await Kalshi.open(mock, signer)
            for i in range(1, 41):
                assert await many.subscribe(i, channels=["fill"]) == [i]
            await one.subscribe(1, channels=["fill"])
            for count in ("1", "2", "3"):
                await asyncio.to_thread(mock.fill, "alice", FED, "yes", "buy", count, "0.50")
            got = [envelope_of(await many.recv()) for _ in range(120)]
            other = [envelope_of(await one.recv()) for _ in range(3)]
            await many.quiet()
            await asyncio.gather(many.ws.close(), one.ws.close())
            return [(f["sid"], f["msg"]["count_fp"]) for f in got], [(f["sid"], f["msg"]["count_fp"]) for f in other]

        many, one = asyncio.run(go())
    assert many == [(sid, count) for count in ("1.00", "2.00", "3.00") for sid in range(1, 41)]
    assert one == [(1, "1.00"), (1, "2.00"), (1, "3.00")]


# -- a consumer that stops reading among many that read -----------------------------------------------------------


@pytest.mark.slow
def test_a_slow_consumer_gets_error_25_while_thirty_others_receive_every_message():
    with running(ws_queue_size=50, ws_send_buffer_bytes=16 * 1024) as mock:
        signer = signer_for(mock, "alice")
        slow = RawClient(mock, signer, rcvbuf=4096)
        try:
            slow.send_json({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill", "market_positions"]}})

            async def go() -> list[list[str]]:
                good = [await Kalshi.open(mock, signer) for _ in range(30)]
                for client in good:
                    await client.subscribe(1, channels=["fill"])
                seen: list[list[str]] = [[] for _ in good]
                # 60 batches of 20: the slow client's buffers (its 4 KiB, the mock's 16 KiB send buffers) and outbox
                # (50) fill after a few hundred fills.
                for batch in range(60):
                    for i in range(20):
                        mock.fill("alice", FED, "yes", "buy" if (batch + i) % 2 else "sell", "1", "0.50")

                    async def read(index: int) -> None:
                        for _ in range(20):
                            seen[index].append(json.loads(await good[index].recv())["msg"]["trade_id"])

                    await asyncio.gather(*(read(i) for i in range(len(good))))
                await asyncio.gather(*(client.quiet(0.1) for client in good))
                await asyncio.gather(*(client.ws.close() for client in good))
                return seen

            seen = asyncio.run(go())
            trade_ids = [f.fill_id for f in mock.app.ledger.state.fills]
            assert all(s == trade_ids for s in seen)
            data, _ = slow.overflowed()
        finally:
            slow.close()
    assert 0 < len(data) < 2 * len(trade_ids)
    fills = [m["msg"]["trade_id"] for m in data if m["type"] == "fill"]
    assert fills == trade_ids[: len(fills)]  # a gapless run, then the error


# -- Deribit: several connections of one user -----------------------------------------------------------------------


class Deribit:
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_id = 0

    @classmethod
    async def open(cls, mock: MockServer, client_id: str, secret: str) -> Deribit:
        client = cls(await websockets.connect(mock.deribit_ws_url, open_timeout=30))
        await client.auth(client_id, secret)
        return client

    async def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        await self.ws.send(json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}))
        return json.loads(await asyncio.wait_for(self.ws.recv(), 10))

    async def auth(self, client_id: str, secret: str) -> None:
        grant = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        assert "access_token" in (await self.call("public/auth", grant))["result"]

    async def raw(self, timeout: float = 10) -> str:
        return await asyncio.wait_for(self.ws.recv(), timeout)

    async def quiet(self, seconds: float = 0.3) -> None:
        try:
            raw = await asyncio.wait_for(self.ws.recv(), seconds)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected frame {raw!r}")


def data_text(raw: str, channel: str) -> str:
    """The `data` of a notification as it was written, checked to sit in the envelope `notification` makes."""
    head = '{"jsonrpc":"2.0","method":"subscription","params":{"channel":' + json.dumps(channel) + ',"data":'
    assert raw.startswith(head) and raw.endswith("}}"), raw
    data = raw[len(head) : -2]
    whole = notification("subscription", {"channel": channel, "data": orjson.Fragment(data.encode())})
    assert raw == orjson.dumps(whole).decode()
    json.loads(data)
    return data


@pytest.mark.slow
def test_deribit_notifications_reach_every_connection_of_the_user_with_its_own_channel_names(mockexchange):
    mock = mockexchange
    mock.create_deribit_account("alice", balances={"BTC": "10"})
    sub = mock.create_deribit_subaccount("alice", balances={"BTC": "5"})
    mock.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret")
    mock.create_deribit_key("alice", client_id="AliceSub", client_secret="sub-secret",
                            subaccount_id=sub["id"])  # fmt: skip
    mock.create_deribit_account("bob", balances={"BTC": "10"})
    mock.create_deribit_key("bob", client_id="BobKey", client_secret="bob-secret")
    bus = mock.app.exchange.state.bus
    subscribers = bus.subscriber_count()
    plans = {
        "first": ("AliceKey", "alice-secret", ["user.changes.future.BTC.raw", "user.portfolio.btc"]),
        "second": ("AliceKey", "alice-secret",
                   ["user.trades.any.any.raw", "user.portfolio.BTC", "user.changes.BTC-PERPETUAL.raw"]),
        "options only": ("AliceKey", "alice-secret", ["user.trades.option.any.raw"]),
        "subaccount": ("AliceSub", "sub-secret", ["user.trades.any.any.raw"]),
        "no channel": ("AliceKey", "alice-secret", []),
        "bob": ("BobKey", "bob-secret", ["user.trades.any.any.raw"]),
    }  # fmt: skip

    async def go() -> None:
        clients = {}
        for name, (client_id, secret, channels) in plans.items():
            clients[name] = client = await Deribit.open(mock, client_id, secret)
            if channels:
                assert (await client.call("private/subscribe", {"channels": channels}))["result"] == channels
            for channel in (name for name in channels if name.startswith("user.portfolio.")):
                assert channel in await client.raw()  # its first, once subscribed
        assert bus.subscriber_count() == subscribers
        try:
            await asyncio.to_thread(mock.deribit_fill, "alice", "BTC-PERPETUAL", "buy", "100", "60000")
            first = [await clients["first"].raw() for _ in range(2)]
            second = [await clients["second"].raw() for _ in range(3)]
            changes, portfolio = data_text(first[0], plans["first"][2][0]), data_text(first[1], plans["first"][2][1])
            trades = data_text(second[0], plans["second"][2][0])
            assert data_text(second[1], "user.portfolio.BTC") == portfolio  # rendered once, spelled per connection
            assert data_text(second[2], "user.changes.BTC-PERPETUAL.raw") == changes
            [trade] = json.loads(trades)
            change = json.loads(changes)
            assert change["trades"] == [trade] and change["positions"][0]["size"] == 100
            assert trade["amount"] == 100 and trade["instrument_name"] == "BTC-PERPETUAL"
            assert json.loads(portfolio)["currency"] == "BTC"
            await asyncio.gather(*(c.quiet() for c in clients.values()))

            # The subaccount's trade goes to the connection bound to the subaccount only.
            await asyncio.to_thread(
                mock.deribit_fill, "alice", "BTC-PERPETUAL", "sell", "10", "61000", subaccount_id=sub["id"]
            )
            [trade] = json.loads(data_text(await clients["subaccount"].raw(), "user.trades.any.any.raw"))
            assert trade["direction"] == "sell" and trade["amount"] == 10
            await asyncio.gather(*(c.quiet() for c in clients.values()))

            # Bound anew to bob, the second connection gets bob's trades, not alice's.
            await clients["second"].auth("BobKey", "bob-secret")
            await asyncio.to_thread(mock.deribit_fill, "alice", "BTC-PERPETUAL", "buy", "10", "60000")
            await asyncio.to_thread(mock.deribit_fill, "bob", "BTC-PERPETUAL", "buy", "20", "60000")
            bobs = [await clients["second"].raw() for _ in range(3)]  # alice's channels, bob's trade
            [trade] = json.loads(data_text(bobs[0], "user.trades.any.any.raw"))
            assert trade["amount"] == 20
            [trade] = json.loads(data_text(await clients["bob"].raw(), "user.trades.any.any.raw"))
            assert trade["amount"] == 20
            assert len([await clients["first"].raw() for _ in range(2)]) == 2  # alice's third trade
            await asyncio.gather(*(c.quiet() for c in clients.values()))
        finally:
            await asyncio.gather(*(c.ws.close() for c in clients.values()))

    asyncio.run(go())


def test_a_closed_connection_leaves_its_users_fan_out_on_both_venues():
    """A connection, once closed, is out of its venue's fan-out, so the bus stops handing that venue what no open
    connection takes (one kept after its close would be handed its user's every change for as long as the mock runs)."""
    from mockexchange.venues.deribit.websocket import TRADES

    with running() as mock:
        mock.create_deribit_account("alice", balances={"BTC": "1"})
        mock.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret")
        kalshi_bus, deribit_bus = mock.app.ledger.state.bus, mock.app.exchange.state.bus

        def takers() -> tuple[int, int]:
            return len(kalshi_bus.takers("fill")), len(deribit_bus.takers(TRADES))

        before = takers()

        async def opened_then_closed() -> tuple[int, int]:
            kalshi = await Kalshi.open(mock, signer_for(mock, "alice"))
            deribit = await Deribit.open(mock, "AliceKey", "alice-secret")  # (bound to its user by public/auth)
            both = takers()
            await asyncio.gather(kalshi.ws.close(), deribit.ws.close())
            return both

        assert asyncio.run(opened_then_closed()) == (before[0] + 1, before[1] + 1)  # each venue's fan-out takes them
        deadline = time.monotonic() + 10  # (only bounds a server that never takes them out)
        while takers() != before and time.monotonic() < deadline:
            time.sleep(0.01)
        assert takers() == before


def test_no_connection_outlives_its_close():
    """Connections that subscribed to private and public channels of both venues, closed, are kept by nothing: the
    fan-outs, the admin list and the subscriptions' bookkeeping all let them go, and a Deribit connection's cancel on
    disconnect session goes with it (garbage collected)."""
    import gc

    from mockexchange.venues.deribit.cancel_on_disconnect import DisconnectSession
    from mockexchange.venues.deribit.websocket import DeribitConnection
    from mockexchange.venues.kalshi.websocket import Connection

    def alive() -> int:
        gc.collect()
        return sum(isinstance(o, Connection | DeribitConnection | DisconnectSession) for o in gc.get_objects())

    with running() as mock:
        mock.create_deribit_account("alice", balances={"BTC": "1"})
        mock.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret")
        mock.create_market("KXFED-26DEC-T4.00")
        signer = signer_for(mock, "alice")

        async def churn() -> None:
            for _ in range(3):
                kalshi = await Kalshi.open(mock, signer)
                await kalshi.subscribe(1, channels=["fill"])
                await kalshi.subscribe(2, channels=["orderbook_delta"], market_ticker="KXFED-26DEC-T4.00")
                deribit = await Deribit.open(mock, "AliceKey", "alice-secret")
                channels = ["user.portfolio.btc", "user.trades.any.any.raw", "book.BTC-PERPETUAL.100ms"]
                assert (await deribit.call("private/subscribe", {"channels": channels}))["result"] == channels
                await asyncio.gather(kalshi.ws.close(), deribit.ws.close())

        before = alive()  # (any other test's still open in this process)
        asyncio.run(churn())
        deadline = time.monotonic() + 10  # (only bounds a mock that keeps them)
        while alive() != before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert alive() == before


# -- the fan-out itself ----------------------------------------------------------------------------------------------


def test_the_fanout_hands_changes_to_a_loop_once_and_only_to_the_users_connections():
    bus = EventBus()
    batches: list[list[HandedChange[str]]] = []
    fanout: Fanout[str] = Fanout(bus, ("fill",), batches.append, limit=3)
    assert bus.subscriber_count() == 1
    loop = asyncio.new_event_loop()
    try:
        leave_a1 = fanout.add("a", "a1", loop)
        fanout.add("a", "a2", loop)
        fanout.add("b", "b1", loop)
        changes = [Change("fill", "a", n) for n in range(5)]
        bus.publish(changes[0])
        bus.publish(Change("position", "a", "not a kind it serves"))
        bus.publish(Change("fill", "c", "no connection of c"))
        bus.publish(changes[1])
        loop.run_until_complete(asyncio.sleep(0))
        assert batches == [[HandedChange(changes[0], ("a1", "a2"), True), HandedChange(changes[1], ("a1", "a2"), True)]]
        # More than `limit` changes of one user before the loop runs: the rest are not kept.
        leave_a1()
        leave_a1()  # idempotent
        for change in changes:
            bus.publish(change)
        bus.publish(Change("fill", "b", "b's"))
        loop.run_until_complete(asyncio.sleep(0))
        # One entry for the changes not kept, after the kept ones: the last, with every connection they were for.
        assert [(h.change.payload, h.connections, h.kept) for h in batches[1]] == [
            (0, ("a2",), True), (1, ("a2",), True), (2, ("a2",), True), ("b's", ("b1",), True), (4, ("a2",), False),
        ]  # fmt: skip
        assert fanout.count() == 2 and fanout.count("a") == 1
    finally:
        loop.close()
    for change in changes:  # a loop that has closed: nothing to hand over to, no error, nothing kept
        bus.publish(change)
    [(inbox, _)] = fanout._routes["a"]
    assert inbox._pending == [] and inbox._dropped == {}


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65_535, 65_536, 100_000])
def test_the_servers_text_frames_are_what_websockets_writes(size):
    for text in (b"x" * size, ("é" * (size // 2)).encode()):
        assert text_frame(text) == Frame(Opcode.TEXT, text).serialize(mask=False)


def test_under_a_server_without_the_frame_writer_every_frame_goes_through_asgi(monkeypatch):
    # uvicorn's own protocol advertises no frame writer: every frame is an ASGI send, as under any other server.
    monkeypatch.setattr(HeartbeatWebSocketProtocol, "run_asgi", WebSocketsSansIOProtocol.run_asgi)
    with running() as mock:
        signer = signer_for(mock, "alice")

        async def go() -> list[dict[str, Any]]:
            client = await Kalshi.open(mock, signer)
            assert await client.subscribe(1, channels=["fill", "market_positions"]) == [1, 2]
            for count in ("1", "2", "3"):
                await asyncio.to_thread(mock.fill, "alice", FED, "yes", "buy", count, "0.50")
            frames = [envelope_of(await client.recv()) for _ in range(6)]
            await client.quiet()
            await client.ws.close()
            return frames

        frames = asyncio.run(go())
    assert [(f["type"], f["sid"]) for f in frames] == [("fill", 1), ("market_position", 2)] * 3
    assert [Decimal(f["msg"]["position_fp"]) for f in frames[1::2]] == [1, 3, 6]


@pytest.mark.parametrize("deflate", [False, True])
def test_permessage_deflate_is_negotiated_only_when_the_setting_asks(deflate):
    with running(ws_per_message_deflate=deflate) as mock:
        signer = signer_for(mock, "alice")

        async def go() -> tuple[list[str], list[dict[str, Any]]]:
            headers = signer.headers("GET", WS_PATH)
            async with websockets.connect(mock.kalshi_ws_url, additional_headers=headers, compression="deflate") as ws:
                client = Kalshi(ws)
                await client.subscribe(1, channels=["fill", "market_positions"])
                for _ in range(3):  # through the compressor in turn (its context carries over between frames)
                    await asyncio.to_thread(mock.fill, "alice", FED, "yes", "buy", "1", "0.50")
                frames = [envelope_of(await client.recv()) for _ in range(6)]
                return [type(e).__name__ for e in ws.protocol.extensions], frames

        extensions, frames = asyncio.run(go())
    assert extensions == (["PerMessageDeflate"] if deflate else [])
    assert [(f["type"], f["sid"]) for f in frames] == [("fill", 1), ("market_position", 2)] * 3
    assert [f["msg"]["position_fp"] for f in frames[1::2]] == ["1.00", "2.00", "3.00"]
