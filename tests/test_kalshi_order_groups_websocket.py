"""The order channels over real websockets and HTTP: `user_orders` publishes every change of an order once (created,
partly filled, amended, decreased, cancelled, expired, executed), each frame's order what `GET
/portfolio/orders/{order_id}` answers at that moment; `order_group_updates` publishes each change of a group once, in
order, with `seq`; market filters, updates and a subaccount-locked key as the other private channels have them. Every
frame is checked against the AsyncAPI slice as it arrives (market_client.py)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import httpx
from kalshi_http import ok, signed
from market_client import Reader, reading, signer_for, subscribe, update
from order_channels import ALICE, BOB, T0, M, N, channels_mock, order

mock = channels_mock()


def ms(rfc3339: str) -> int:
    return int(datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp() * 1000)


def messages(frames: list[dict], kind: str) -> list[dict]:
    return [f["msg"] for f in frames if f["type"] == kind]


def agrees(msg: dict, rest: httpx.Client) -> None:
    """The frame's order is what REST answers for it now: every field both have equal, the times the same instant."""
    row = rest.get(f"/portfolio/orders/{msg['order_id']}").json()["order"]
    shared = {name for name in msg if name in row and not name.endswith("_time")}
    assert {name: msg[name] for name in shared} == {name: row[name] for name in shared}
    assert len(shared) == 19 + ("order_group_id" in msg), shared  # every REST field the channel has but the times
    assert msg["is_yes"] == (row["side"] == "yes")
    assert msg["created_ts_ms"] == ms(row["created_time"]) == ms(msg["created_time"])
    assert msg["last_updated_ts_ms"] == ms(row["last_update_time"]) == ms(msg["last_update_time"])
    if row["expiration_time"] is None:
        assert "expiration_time" not in msg and "expiration_ts_ms" not in msg
    else:
        assert msg["expiration_ts_ms"] == ms(row["expiration_time"]) == ms(msg["expiration_time"])
    assert ("order_group_id" in msg) == (row["order_group_id"] is not None)


def settle(reader: Reader, seconds: float = 0.5) -> list[dict]:
    """Every frame, once anything published twice would have come."""
    time.sleep(seconds)
    return list(reader.frames)


class Watch:
    """A user's `user_orders` frames, taken one change at a time."""

    def __init__(self, reader: Reader, rest: httpx.Client) -> None:
        self.reader, self.rest, self.seen = reader, rest, 0

    def next(self, status: str, remaining: str) -> dict:
        """The one frame of the next change (its order as REST reads it now)."""
        self.seen += 1
        frames = self.reader.wait(lambda f: len(messages(f, "user_order")) >= self.seen)
        msg = messages(frames, "user_order")[self.seen - 1]
        assert (msg["status"], msg["remaining_count_fp"]) == (status, remaining), msg
        agrees(msg, self.rest)
        return msg


def test_every_change_of_an_order_is_published_once_as_rest_reads_it(mock):
    alice, bob = signed(mock, ALICE), signed(mock, BOB)
    with alice, bob, reading(mock, signer_for(mock, ALICE)) as a, reading(mock, signer_for(mock, BOB)) as b:
        a.ask(subscribe(["user_orders"]))
        b.ask(subscribe(["user_orders"]))
        mine, theirs = Watch(a, alice), Watch(b, bob)
        placed = alice.post("/portfolio/events/orders", json=order(count="5", price="0.40",
                                                                   client_order_id="a-1")).json()  # fmt: skip
        created = mine.next("resting", "5.00")
        assert (created["order_id"], created["client_order_id"], created["book_side"]) == (
            placed["order_id"], "a-1", "bid")  # fmt: skip
        bob.post("/portfolio/events/orders", json=order(side="ask", count="2", price="0.40",
                                                        time_in_force="immediate_or_cancel"))  # fmt: skip
        assert mine.next("resting", "3.00")["fill_count_fp"] == "2.00"  # partly filled, as maker
        assert theirs.next("executed", "0.00")["taker_fill_cost_dollars"] == "1.200000"
        path = f"/portfolio/events/orders/{placed['order_id']}"
        alice.post(f"{path}/amend", json={"ticker": M, "side": "bid", "price": "0.41", "count": "5"})
        assert mine.next("resting", "3.00")["yes_price_dollars"] == "0.4100"
        alice.post(f"{path}/decrease", json={"reduce_by": "1"})
        assert mine.next("resting", "2.00")["fill_count_fp"] == "2.00"
        alice.delete(path)
        mine.next("canceled", "0.00")
        expires = int((T0 + timedelta(seconds=60)).timestamp())
        alice.post("/portfolio/events/orders", json=order(expiration_time=expires))
        assert mine.next("resting", "1.00")["expiration_ts_ms"] == expires * 1000
        mock.advance_clock(seconds=61)
        ok(alice, "/portfolio/orders")  # (a read runs what is due)
        assert mine.next("canceled", "0.00")["last_updated_ts_ms"] == expires * 1000  # expired, dated then
        alice.post("/portfolio/events/orders", json=order(price="0.45"))
        mine.next("resting", "1.00")
        bob.post("/portfolio/events/orders", json=order(side="ask", price="0.45", time_in_force="fill_or_kill"))
        mine.next("executed", "0.00")
        theirs.next("executed", "0.00")
        settle(a)  # nothing published twice, nothing else published
        assert len(messages(a.frames, "user_order")) == mine.seen == 9
        assert len(messages(b.frames, "user_order")) == theirs.seen == 2
        assert {f["type"] for f in a.frames} == {"subscribed", "user_order"}
        assert all("seq" not in f for f in a.frames if f["type"] == "user_order")  # the spec's: no seq here


def test_each_change_of_a_group_is_published_once_in_order_with_seq(mock):
    with signed(mock, ALICE) as alice, signed(mock, BOB) as bob, reading(mock, signer_for(mock, ALICE)) as a:
        a.ask(subscribe(["order_group_updates", "user_orders"], market_ticker=M), 2)  # the market is ignored
        gid = alice.post("/portfolio/order_groups/create", json={"contracts_limit": 2}).json()["order_group_id"]
        resting = alice.post("/portfolio/events/orders", json=order(count="3", price="0.40", order_group_id=gid))
        bob.post("/portfolio/events/orders", json=order(side="ask", count="3", price="0.40",
                                                        time_in_force="immediate_or_cancel"))  # fmt: skip
        alice.put(f"/portfolio/order_groups/{gid}/reset")
        alice.put(f"/portfolio/order_groups/{gid}/limit", json={"contracts_limit_fp": "7.00"})
        alice.put(f"/portfolio/order_groups/{gid}/trigger")
        alice.delete(f"/portfolio/order_groups/{gid}")
        a.wait(lambda f: len(messages(f, "order_group_updates")) >= 6)
        frames = settle(a)
        groups = [f for f in frames if f["type"] == "order_group_updates"]
        ts = int(T0.timestamp() * 1000)
        assert [(f["seq"], f["msg"]) for f in groups] == [
            (1, {"event_type": "created", "order_group_id": gid, "contracts_limit_fp": "2.00", "ts_ms": ts}),
            (2, {"event_type": "triggered", "order_group_id": gid, "ts_ms": ts}),  # 3 matched, past 2
            (3, {"event_type": "reset", "order_group_id": gid, "ts_ms": ts}),
            (4, {"event_type": "limit_updated", "order_group_id": gid, "contracts_limit_fp": "7.00", "ts_ms": ts}),
            (5, {"event_type": "triggered", "order_group_id": gid, "ts_ms": ts}),
            (6, {"event_type": "deleted", "order_group_id": gid, "ts_ms": ts}),
        ]
        # bob's 3 filled alice's order whole: executed, then the group triggered (nothing left to cancel)
        orders = [(f["type"], f["msg"].get("event_type") or f["msg"]["status"]) for f in frames[2:]]
        assert orders[:3] == [("order_group_updates", "created"), ("user_order", "resting"),
                              ("user_order", "executed")]  # fmt: skip
        assert messages(frames, "user_order")[-1]["order_id"] == resting.json()["order_id"]


def test_a_trigger_publishes_the_group_then_each_order_it_cancels(mock):
    with signed(mock, ALICE) as alice, reading(mock, signer_for(mock, ALICE)) as a:
        a.ask(subscribe(["order_group_updates", "user_orders"]), 2)
        gid = alice.post("/portfolio/order_groups/create", json={"contracts_limit": 5}).json()["order_group_id"]
        ids = [alice.post("/portfolio/events/orders", json=order(ticker=t, order_group_id=gid)).json()["order_id"]
               for t in (M, N)]  # fmt: skip
        alice.put(f"/portfolio/order_groups/{gid}/trigger")
        a.wait(lambda f: len(f) >= 2 + 1 + 2 + 1 + 2)
        assert len(settle(a)) == 8
        tail = [(f["type"], f["msg"].get("event_type") or f["msg"]["status"]) for f in a.frames[-3:]]
        assert tail == [("order_group_updates", "triggered"), ("user_order", "canceled"), ("user_order", "canceled")]
        assert sorted(f["msg"]["order_id"] for f in a.frames[-2:]) == sorted(ids)
        for msg in messages(a.frames[-2:], "user_order"):
            agrees(msg, alice)
            assert msg["order_group_id"] == gid


def test_user_orders_follows_its_market_filter_and_its_updates(mock):
    with signed(mock, ALICE) as alice, reading(mock, signer_for(mock, ALICE)) as a:
        [subscribed] = a.ask(subscribe(["user_orders"], market_tickers=[M]))
        sid = subscribed["msg"]["sid"]
        alice.post("/portfolio/events/orders", json=order(ticker=N))
        alice.post("/portfolio/events/orders", json=order(ticker=M))
        [only] = a.next()
        assert only["msg"]["ticker"] == M
        assert a.ask(update(2, sid=sid, action="add_markets", market_tickers=[N]))[0]["type"] == "ok"
        alice.post("/portfolio/events/orders", json=order(ticker=N))
        assert a.next()[0]["msg"]["ticker"] == N
        a.quiet()


def test_order_group_updates_takes_no_update(mock):
    with reading(mock, signer_for(mock, ALICE)) as a:
        [subscribed] = a.ask(subscribe(["order_group_updates"]))
        [refused] = a.ask(update(2, sid=subscribed["msg"]["sid"], action="add_markets", market_tickers=[M]))
        assert refused["type"] == "error" and refused["msg"]["code"] == 13


def test_a_subaccount_locked_key_sees_its_subaccounts_orders_and_groups_only(mock):
    mock.create_subaccount(ALICE)
    mock.subaccount_transfer(ALICE, "to-1", 0, 1, 1_000)
    alice, locked_signer, whole_signer = (
        signed(mock, ALICE),
        signer_for(mock, ALICE, subaccount=1),
        signer_for(mock, ALICE),
    )
    with alice, reading(mock, locked_signer) as locked, reading(mock, whole_signer) as whole:
        locked.ask(subscribe(["user_orders", "order_group_updates"]), 2)
        whole.ask(subscribe(["user_orders", "order_group_updates"]), 2)
        alice.post("/portfolio/order_groups/create", json={"contracts_limit": 5})
        alice.post("/portfolio/order_groups/create", json={"contracts_limit": 5, "subaccount": 1})
        alice.post("/portfolio/events/orders", json=order())
        alice.post("/portfolio/events/orders", json=order(subaccount=1))
        whole.wait(lambda f: len(f) >= 2 + 4)
        locked.wait(lambda f: len(f) >= 2 + 2)
        mine = settle(locked)
        assert len(mine) == 4
        assert [f["msg"].get("subaccount_number") for f in mine if f["type"] == "user_order"] == [1]
        assert len(messages(mine, "order_group_updates")) == 1
        assert sorted(m["subaccount_number"] for m in messages(whole.frames, "user_order")) == [0, 1]
