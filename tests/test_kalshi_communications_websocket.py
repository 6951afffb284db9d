"""The `communications` channel over real websockets: a requester, two makers and a bystander connected at once, an RFQ
quoted by both makers, one quote accepted, confirmed and executed on the exchange clock. The bystander sees the RFQ
created and deleted only; each maker its own quote's messages and not the other's; each side's `quote_executed` its
own order, the one REST serves; `user_filter: "self"`; every message on exactly one shard; bad subscribe params
refused. Every frame is checked against the AsyncAPI slice as it arrives (market_client.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime

import pytest
from kalshi_http import ok, signed
from market_client import Reader, reading, signer_for, subscribe

from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi.rfq_records import OBSCURED_ID
from mockexchange.server import MockServer
from mockexchange.venues.kalshi.communications_frames import shard_of

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
M = "KXRFQ-26NOV-A"
USERS = ("asker", "maker1", "maker2", "bystander")


@pytest.fixture(name="mock")
def _mock() -> Iterator[MockServer]:
    with MockServer(clock=ManualClock(T0)) as server:
        for user in USERS:
            server.create_account(user, balance_cents=100_000)
        for n in range(12):
            server.create_market(f"KXRFQ-26NOV-{'A' if n == 0 else n}")
        yield server


def data_of(frames: list[dict]) -> list[dict]:
    """The channel's messages among `frames` (not the replies)."""
    return [f for f in frames if f["type"] not in ("subscribed", "error", "ok")]


def data(reader: Reader) -> list[dict]:
    return data_of(reader.frames)


def kinds(reader: Reader) -> list[str]:
    return [f["type"] for f in data(reader)]


def settle(readers: dict[str, Reader], seconds: float = 0.25) -> None:
    time.sleep(seconds)  # anything sent twice, or to the wrong user, would have come by now
    for reader in readers.values():
        frames = data(reader)
        assert [f["seq"] for f in frames] == list(range(1, len(frames) + 1))  # one subscription each: no gap


def test_each_party_sees_its_own_and_the_bystander_only_the_rfq(mock):
    ids = {user: mock.communications_id(user)["communications_id"] for user in USERS}
    with ExitStack() as stack:
        readers = {user: stack.enter_context(reading(mock, signer_for(mock, user))) for user in USERS}
        for reader in readers.values():
            reader.ask(subscribe(["communications"], market_ticker="IGNORED"))
        rfq = mock.create_rfq("asker", M, False, contracts="10", obscure_creator_id=True)
        for reader in readers.values():
            reader.wait(lambda f: len(data_of(f)) >= 1)
        created = {user: data(reader)[0] for user, reader in readers.items()}
        assert created["asker"]["msg"]["creator_id"] == ids["asker"]
        assert {created[u]["msg"]["creator_id"] for u in USERS[1:]} == {OBSCURED_ID}
        assert created["bystander"]["msg"] == {**created["asker"]["msg"], "creator_id": OBSCURED_ID}
        assert created["bystander"]["msg"]["contracts_fp"] == "10.00"

        q1 = mock.create_quote("maker1", rfq["rfq_id"], "0.40", "0.55", False)
        q2 = mock.create_quote("maker2", rfq["rfq_id"], "0.38", "0.58", False, subaccount=0)
        readers["asker"].wait(lambda f: len(data_of(f)) >= 3)
        readers["maker2"].wait(lambda f: len(data_of(f)) >= 2)
        readers["maker1"].wait(lambda f: len(data_of(f)) >= 2)
        [(own1, msg1)] = [(f["type"], f["msg"]) for f in data(readers["maker1"])[1:]]
        assert (own1, msg1["quote_id"], msg1["rfq_creator_id"]) == ("quote_created", q1["quote_id"], OBSCURED_ID)
        assert msg1["quote_creator_id"] == ids["maker1"]
        assert [f["msg"]["quote_id"] for f in data(readers["maker2"])[1:]] == [q2["quote_id"]]
        offered = [f["msg"] for f in data(readers["asker"])[1:]]
        assert [m["quote_id"] for m in offered] == [q1["quote_id"], q2["quote_id"]]
        assert offered[0] == {**msg1, "rfq_creator_id": ids["asker"]}

        mock.accept_quote("asker", q1["quote_id"], "yes")
        readers["maker1"].wait(lambda f: len(data_of(f)) >= 3)
        accepted = data(readers["maker1"])[2]
        assert accepted["type"] == "quote_accepted"
        assert (accepted["msg"]["accepted_side"], accepted["msg"]["contracts_accepted_fp"]) == ("yes", "10.00")
        mock.confirm_quote("maker1", q1["quote_id"])  # (no message: the AsyncAPI has none)
        mock.advance_clock(seconds=15)
        with signed(mock, "asker") as asker_rest, signed(mock, "maker1") as maker_rest:
            ok(asker_rest, "/portfolio/orders")  # (a read makes what is due: the execution)
            for reader in readers.values():
                reader.wait(lambda f: "rfq_deleted" in [x["type"] for x in f])
            settle(readers)
            assert kinds(readers["bystander"]) == ["rfq_created", "rfq_deleted"]
            assert kinds(readers["maker2"]) == ["rfq_created", "quote_created", "rfq_deleted"]
            assert kinds(readers["maker1"]) == ["rfq_created", "quote_created", "quote_accepted", "quote_executed",
                                                "rfq_deleted"]  # fmt: skip
            assert kinds(readers["asker"]) == ["rfq_created", "quote_created", "quote_created", "quote_accepted",
                                               "quote_executed", "rfq_deleted"]  # fmt: skip
            for user, rest, side in (("maker1", maker_rest, "bid"), ("asker", asker_rest, "ask")):
                executed = data(readers[user])[-2]["msg"]
                assert executed["rfq_creator_id"] == ids["asker"]  # shown once the quote executed
                assert executed["executed_ts"] == "2026-11-02T15:00:15Z"
                order = ok(rest, f"/portfolio/orders/{executed['order_id']}")["order"]  # its own order, REST's
                assert (order["user_id"], order["client_order_id"], order["ticker"], order["book_side"]) == (
                    user, executed["client_order_id"], M, side)  # fmt: skip
                assert (order["status"], order["fill_count_fp"], order["yes_price_dollars"]) == (
                    "executed", "10.00", "0.4000")  # fmt: skip
            makers, askers = data(readers["maker1"])[-2]["msg"], data(readers["asker"])[-2]["msg"]
            assert makers["order_id"] != askers["order_id"]


def test_user_filter_self_and_shards(mock):
    with reading(mock, signer_for(mock, "asker")) as asker, reading(mock, signer_for(mock, "bystander")) as other:
        asker.ask(subscribe(["communications"], user_filter="self"))
        other.ask(subscribe(["communications"], user_filter="self"))
        for key in range(3):
            other.ask(subscribe(["communications"], 2 + key, shard_factor=3, shard_key=key))
        tickers = [M, *(f"KXRFQ-26NOV-{n}" for n in range(1, 12))]
        for ticker in tickers:
            mock.create_rfq("asker", ticker, False, contracts="1")
        asker.wait(lambda f: len(data_of(f)) >= len(tickers))
        other.wait(lambda f: len(data_of(f)) >= len(tickers))
        time.sleep(0.3)
        assert [f["msg"]["market_ticker"] for f in data(asker)] == tickers  # its own, on its one subscription
        by_sid: dict[int, list[str]] = {}
        for frame in data(other):  # none on the bystander's `self` subscription (sid 1)
            by_sid.setdefault(frame["sid"], []).append(frame["msg"]["market_ticker"])
        assert sorted(ticker for shard in by_sid.values() for ticker in shard) == sorted(tickers)  # each once
        assert by_sid == {2 + k: [t for t in tickers if shard_of(t, 3) == k] for k in range(3) if k in
                          {shard_of(t, 3) for t in tickers}}  # fmt: skip
        assert len(by_sid) == 3  # the twelve markets fall on every shard


def test_bad_subscribe_params_are_refused_on_the_wire(mock):
    with reading(mock, signer_for(mock, "asker")) as asker:
        [refused] = asker.ask(subscribe(["communications"], shard_factor=2, shard_key=2))
        assert (refused["type"], refused["id"], refused["msg"]) == (
            "error", 1, {"code": 21, "msg": "shard_key must be >= 0 and < shard_factor"})  # fmt: skip
        [refused] = asker.ask(subscribe(["communications"], 2, shard_factor=500))
        assert refused["msg"]["code"] == 22
        [listed] = asker.ask({"id": 3, "cmd": "list_subscriptions"})
        assert listed["msg"] == []


def test_a_rule_with_no_delay_quotes_and_confirms_before_the_command_answers(mock):
    """An RFQ maker's rule with no delays, on a manual clock: its quote reaches the asker's connection with no read or
    write after the RFQ, and it has confirmed the quote by the time the acceptance answers (what a command schedules
    for its own instant is made before it answers, not at the next request)."""
    mock.set_rfq_maker("maker1", "desk", price_from="fair", fair_price="0.45")
    comms = mock.ledger.state.communications
    with reading(mock, signer_for(mock, "asker")) as reader, signed(mock, "asker") as asker:
        reader.ask(subscribe(["communications"]))
        body = {"market_ticker": M, "contracts_fp": "10", "rest_remainder": False}
        assert asker.post("/communications/rfqs", json=body).status_code == 201
        frames = reader.wait(lambda f: len(data_of(f)) >= 2)
        assert [f["type"] for f in data_of(frames)] == ["rfq_created", "quote_created"]
        quote_id = data_of(frames)[1]["msg"]["quote_id"]
        assert comms.quotes[quote_id].status == "open"
        r = asker.put(f"/communications/quotes/{quote_id}/accept", json={"accepted_side": "yes"})
        assert r.status_code == 204, r.text
        assert comms.quotes[quote_id].status == "confirmed"  # (read from the core: a read would make it first)
