"""The `communications` channel's RFQ batch messages over real websockets: a requester, two makers and a bystander
connected at once, a batch quoted by both makers, each winning a child, both confirming, the children executing. The
bystander sees the batch created only; each maker its own batch quote's messages and not the other's; the requester
the best quotes (never naming a maker) and the batch executed, after each child's `quote_executed` (with its
`rfq_batch_id`); a deleted batch reaches everyone; batch messages are sharded by batch id. Every frame is checked
against the AsyncAPI slice as it arrives (market_client.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime

import pytest
from market_client import reading, signer_for, subscribe
from test_kalshi_communications_websocket import data, data_of, kinds, settle

from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi.rfq_records import OBSCURED_ID
from mockexchange.server import MockServer
from mockexchange.venues.kalshi.communications_frames import shard_of

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
M, N = "KXRFQ-26NOV-A", "KXRFQ-26NOV-B"
USERS = ("asker", "maker1", "maker2", "bystander")


@pytest.fixture(name="mock")
def _mock() -> Iterator[MockServer]:
    with MockServer(clock=ManualClock(T0)) as server:
        for user in USERS:
            server.create_account(user, balance_cents=100_000)
        for ticker in (M, N):
            server.create_market(ticker)
        yield server


def quote(mock: MockServer, maker: str, batch: dict, *yes_bids: str) -> str:
    entries = [{"rfq_id": child["rfq_id"], "yes_bid": bid, "no_bid": "0"}
               for child, bid in zip(batch["rfqs"], yes_bids, strict=True)]  # fmt: skip
    return mock.create_batch_quote(maker, batch["rfq_batch_id"], entries, False)["batch_quote_id"]


def test_each_party_sees_its_own_batch_messages_and_the_bystander_only_the_batch(mock):
    ids = {user: mock.communications_id(user)["communications_id"] for user in USERS}
    with ExitStack() as stack:
        readers = {user: stack.enter_context(reading(mock, signer_for(mock, user))) for user in USERS}
        for reader in readers.values():
            reader.ask(subscribe(["communications"]))
        batch = mock.create_rfq_batch("asker", [{"market_ticker": M}, {"market_ticker": N}], contracts="10",
                                      obscure_creator_id=True, client_batch_id="rr")  # fmt: skip
        batch_id, (a, b) = batch["rfq_batch_id"], (child["rfq_id"] for child in batch["rfqs"])
        for reader in readers.values():
            reader.wait(lambda f: len(data_of(f)) >= 1)
        created = {user: data(reader)[0]["msg"] for user, reader in readers.items()}
        assert created["asker"]["creator_id"] == ids["asker"] and created["bystander"]["creator_id"] == OBSCURED_ID
        assert [child["id"] for child in created["bystander"]["rfqs"]] == [a, b]
        assert created["bystander"]["rfqs"][1]["leg_indices"] == [1]
        event = "KXRFQ-26NOV"  # (a market of no combo is its own leg, on its YES side)
        assert created["bystander"]["legs"] == [{"event_ticker": event, "market_ticker": ticker, "side": "yes"}
                                                for ticker in (M, N)]  # fmt: skip

        one = quote(mock, "maker1", batch, "0.46", "0.30")
        readers["asker"].wait(lambda f: len(data_of(f)) >= 2)
        two = quote(mock, "maker2", batch, "0.45", "0.31")
        readers["asker"].wait(lambda f: len(data_of(f)) >= 3)
        best = data(readers["asker"])[2]["msg"]
        assert (best["version"], best["client_batch_id"], best["yes_complete"]) == (2, "rr", True)
        assert [row["yes_bid_dollars"] for row in best["rfqs"]] == ["0.4600", "0.3100"]
        assert "maker" not in str(best) and ids["maker1"] not in str(best)
        readers["maker1"].wait(lambda f: len(data_of(f)) >= 2)  # (its own reader: the asker's says nothing of it)
        made = data(readers["maker1"])[1]
        assert (made["type"], made["msg"]["batch_quote_id"], len(made["msg"]["quotes"])) == (
            "batch_quote_created", one, 2)  # fmt: skip

        mock.accept_rfq_batch("asker", batch_id, "yes", [{"rfq_id": a, "bid": "0.46"}, {"rfq_id": b, "bid": "0.31"}])
        for maker in ("maker1", "maker2"):
            readers[maker].wait(lambda f: len(data_of(f)) >= 3)
        won = {maker: data(readers[maker])[2]["msg"] for maker in ("maker1", "maker2")}
        assert [q["rfq_id"] for q in won["maker1"]["quotes"]] == [a] and won["maker1"]["rfq_creator_id"] == OBSCURED_ID
        assert [q["rfq_id"] for q in won["maker2"]["quotes"]] == [b] and won["maker2"]["batch_quote_id"] == two
        mock.confirm_batch_quote("maker1", batch_id, one)
        mock.confirm_batch_quote("maker2", batch_id, two)
        mock.advance_clock(seconds=15)
        mock.rfq_batches()  # (a read makes what is due: the execution)
        readers["asker"].wait(lambda f: "rfq_batch_executed" in [x["type"] for x in f])
        for maker in ("maker1", "maker2"):
            readers[maker].wait(lambda f: "batch_quote_executed" in [x["type"] for x in f])
        settle(readers)
        assert kinds(readers["bystander"]) == ["rfq_batch_created"]
        assert kinds(readers["asker"]) == ["rfq_batch_created", "rfq_batch_best_quotes", "rfq_batch_best_quotes",
                                           "quote_executed", "quote_executed", "rfq_batch_executed"]  # fmt: skip
        for maker in ("maker1", "maker2"):
            assert kinds(readers[maker]) == ["rfq_batch_created", "batch_quote_created", "batch_quote_accepted",
                                             "quote_executed", "batch_quote_executed"]  # fmt: skip
        executed = data(readers["asker"])[-1]["msg"]
        assert (executed["executed_rfq_ids"], executed["failed_rfq_ids"], executed["close_reason"]) == (
            [a, b], [], "executed")  # fmt: skip
        child = data(readers["maker1"])[3]["msg"]
        assert (child["rfq_batch_id"], child["rfq_id"]) == (batch_id, a)
        mine = data(readers["maker1"])[-1]["msg"]
        assert (mine["executed_rfq_ids"], mine["rfq_creator_id"]) == ([a], ids["asker"])  # revealed: its child traded


def test_a_deleted_batch_reaches_everyone_and_batches_are_sharded_by_their_id(mock):
    with reading(mock, signer_for(mock, "asker")) as asker, reading(mock, signer_for(mock, "bystander")) as other:
        asker.ask(subscribe(["communications"], user_filter="self"))
        for key in range(2):
            other.ask(subscribe(["communications"], 1 + key, shard_factor=2, shard_key=key))
        children = [{"market_ticker": M}, {"market_ticker": N}]
        made = [mock.create_rfq_batch(user, children, contracts="1")["rfq_batch_id"]
                for user in USERS[:3] * 2]  # (two open batches a user at most)  # fmt: skip
        mock.delete_rfq_batch("asker", made[0])
        asker.wait(lambda f: len(data_of(f)) >= 3)
        other.wait(lambda f: len(data_of(f)) >= 7)
        assert len(data(asker)) == 3  # its own two, and its delete
        assert kinds(asker)[-1] == "rfq_batch_deleted" and data(asker)[-1]["msg"]["rfq_ids"]
        by_sid: dict[int, list[str]] = {}
        for frame in data(other):
            by_sid.setdefault(frame["sid"], []).append(frame["msg"]["id"])
        assert by_sid == {1 + k: [i for i in [*made, made[0]] if shard_of(i, 2) == k] for k in range(2)
                          if any(shard_of(i, 2) == k for i in made)}  # fmt: skip
