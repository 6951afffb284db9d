"""The `communications` channel's frames and subscriptions without a socket (venues/kalshi/communications_frames.py,
communications_messages.py, subscriptions.py): which message each status of an RFQ or a quote makes, what each reader
sees of it (its own ids, subaccount and order), who takes it (user_filter, shards, a subaccount-locked key), every
frame matching the AsyncAPI slice; and the subscribe's refusals in the AsyncAPI's codes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.events import Change
from mockexchange.core.kalshi.rfq_records import OBSCURED_ID, QUOTE_CHANGE, RFQ_CHANGE, Quote, Rfq
from mockexchange.schema.frames import validate_ws_frame
from mockexchange.venues.kalshi.communications_frames import (
    CommunicationsFrames,
    route_key,
    shard_of,
    wide_key,
)
from mockexchange.venues.kalshi.subscriptions import Subscriptions

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 2, 15, 0, 5, 250_000, tzinfo=UTC)
M = "KXRFQ-26NOV-A"
PUBLIC = Ed25519PrivateKey.generate().public_key()
IDS = {"asker": "a" * 32, "maker": "b" * 32, "other": "c" * 32}


def key(user: str, subaccount: int | None = None) -> ApiKey:
    return ApiKey(f"key-{user}-{subaccount}", user, PUBLIC, subaccount)


class Directory:
    """The ledger's part as the frames read it: the ids, the RFQs, its rule of who sees an obscured creator."""

    def __init__(self, *rfqs: Rfq) -> None:
        self.rfqs = {rfq.rfq_id: rfq for rfq in rfqs}

    def communications_id(self, user_id: str) -> str:
        return IDS[user_id]

    def rfq(self, rfq_id: str) -> Rfq | None:
        return self.rfqs.get(rfq_id)

    def rfq_creator_id(self, rfq: Rfq, viewer: str | None) -> str:
        return OBSCURED_ID if rfq.obscure_creator_id and viewer != rfq.user_id else IDS[rfq.user_id]

    def quote_rfq_creator_id(self, quote: Quote, viewer: str) -> str:
        rfq = self.rfqs[quote.rfq_id]
        hidden = rfq.obscure_creator_id and viewer != rfq.user_id and quote.status != "executed"
        return OBSCURED_ID if hidden else IDS[rfq.user_id]


def an_rfq(**fields: object) -> Rfq:
    made = Rfq("rfq-1", "asker", 0, M, "KXRFQ-26NOV", 10_000, None, False, False, False, T0, T0)
    return replace(made, **fields)


def a_quote(**fields: object) -> Quote:
    made = Quote("quote-1", "rfq-1", "maker", 0, "asker", 0, M, 3_500, 6_000, 10_000, 10_000, False, False, T0, T0)
    return replace(made, **fields)


def subscribed(user: str = "", **params: object) -> Subscriptions:
    subs = Subscriptions()
    replies = subs.handle(orjson.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": ["communications"],
                                                                               **params}}))  # fmt: skip
    assert [r["type"] for r in replies] == ["subscribed"], replies
    return subs


def frames(change: Change, directory: Directory, reader: ApiKey, subs: Subscriptions | None = None) -> list[dict]:
    """The frames a connection of `reader` with `subs` (one plain subscription) gets of the change, each checked."""
    subs = subs or subscribed()
    item = CommunicationsFrames(change, directory)
    if not item.visible_to(reader):
        return []
    made = [orjson.loads(item.frame(part, 1_700_000_000_000)) for part in item.parts(list(subs), reader)]
    for frame in made:
        assert validate_ws_frame(frame) == [], frame
    return made


def test_an_rfq_created_and_deleted_reaches_everyone_its_creator_id_obscured_to_all_but_its_creator():
    rfq = an_rfq(obscure_creator_id=True)
    directory = Directory(rfq)
    created = Change(RFQ_CHANGE, "asker", rfq)
    assert route_key(created) == ("communications", None) and wide_key(created) is None
    [mine] = frames(created, directory, key("asker"))
    [theirs] = frames(created, directory, key("other"))
    assert mine == {"type": "rfq_created", "sid": 1, "seq": 1, "msg": {
        "id": "rfq-1", "creator_id": IDS["asker"], "market_ticker": M, "event_ticker": "KXRFQ-26NOV",
        "contracts_fp": "100.00", "created_ts": "2026-11-02T15:00:00Z",
    }, "sending_ts_ms": 1_700_000_000_000}  # fmt: skip
    assert theirs["msg"] == {**mine["msg"], "creator_id": OBSCURED_ID}
    closed = replace(rfq, status="closed", cancelled_ts=T1, updated_ts=T1, contracts=None, target_cost=12_345_600)
    [deleted] = frames(Change(RFQ_CHANGE, "asker", closed), directory, key("other", subaccount=3))
    assert deleted["type"] == "rfq_deleted"
    assert deleted["msg"] == {"id": "rfq-1", "creator_id": OBSCURED_ID, "market_ticker": M,
                              "event_ticker": "KXRFQ-26NOV", "target_cost_dollars": "12.3456",
                              "deleted_ts": "2026-11-02T15:00:05.25Z"}  # fmt: skip
    odd = replace(closed, target_cost=1_000_001)
    assert frames(Change(RFQ_CHANGE, "asker", odd), directory, key("other"))[0]["msg"]["target_cost_dollars"] == (
        "1.000001")  # fmt: skip


def test_user_filter_self_takes_only_the_users_own_rfqs_and_every_quote_message_of_its_own():
    rfq = an_rfq()
    directory = Directory(rfq)
    own = subscribed(user_filter="self")
    assert frames(Change(RFQ_CHANGE, "asker", rfq), directory, key("other"), own) == []
    assert len(frames(Change(RFQ_CHANGE, "asker", rfq), directory, key("asker"), own)) == 1
    assert len(frames(Change(RFQ_CHANGE, "asker", rfq), directory, key("other"), subscribed(user_filter=""))) == 1
    assert len(frames(Change(QUOTE_CHANGE, "maker", a_quote()), directory, key("maker"), own)) == 1


@pytest.mark.parametrize("obscured", [False, True])
def test_each_quote_message_as_each_side_reads_it(obscured):
    rfq = an_rfq(obscure_creator_id=obscured, contracts=None, target_cost=50_000_000)
    directory = Directory(rfq)
    quote = a_quote(subaccount=2, yes_contracts=1_234, no_contracts=0, no_bid=0)
    created = Change(QUOTE_CHANGE, "maker", quote)
    assert route_key(created) == "maker" and wide_key(created) == "asker"
    [maker] = frames(created, directory, key("maker"))
    [asker] = frames(created, directory, key("asker"))
    assert frames(created, directory, key("other")) == []
    shown = OBSCURED_ID if obscured else IDS["asker"]
    assert maker["type"] == "quote_created"
    assert maker["msg"] == {
        "quote_id": "quote-1", "rfq_id": "rfq-1", "quote_creator_id": IDS["maker"], "rfq_creator_id": shown,
        "market_ticker": M, "event_ticker": "KXRFQ-26NOV", "yes_bid_dollars": "0.3500", "no_bid_dollars": "0.0000",
        "yes_contracts_offered_fp": "12.34", "no_contracts_offered_fp": "0.00", "rfq_target_cost_dollars": "50.0000",
        "created_ts": "2026-11-02T15:00:00Z", "subaccount": 2,
    }  # fmt: skip
    mine = {name: value for name, value in maker["msg"].items() if name != "subaccount"}
    assert asker["msg"] == {**mine, "rfq_creator_id": IDS["asker"]}  # its own side used no subaccount
    accepted = replace(quote, status="accepted", accepted_side="yes", accepted_ts=T1)
    [frame] = frames(Change(QUOTE_CHANGE, "maker", accepted), directory, key("asker"))
    assert frame["type"] == "quote_accepted"
    assert (frame["msg"]["accepted_side"], frame["msg"]["contracts_accepted_fp"]) == ("yes", "12.34")
    assert "created_ts" not in frame["msg"]
    executed = replace(accepted, status="executed", executed_ts=T1, creator_order_id="o-maker",
                       creator_client_order_id="c-maker", rfq_creator_order_id="o-asker",
                       rfq_creator_client_order_id="c-asker")  # fmt: skip
    done = Change(QUOTE_CHANGE, "maker", executed)
    [to_maker], [to_asker] = frames(done, directory, key("maker")), frames(done, directory, key("asker"))
    assert to_maker["msg"] == {"quote_id": "quote-1", "rfq_id": "rfq-1", "quote_creator_id": IDS["maker"],
                               "rfq_creator_id": IDS["asker"], "order_id": "o-maker", "client_order_id": "c-maker",
                               "market_ticker": M, "executed_ts": "2026-11-02T15:00:05.25Z",
                               "subaccount": 2}  # fmt: skip
    theirs = {name: value for name, value in to_maker["msg"].items() if name != "subaccount"}
    assert to_asker["msg"] == {**theirs, "order_id": "o-asker", "client_order_id": "c-asker"}


@pytest.mark.parametrize("status", ["confirmed", "cancelled"])
def test_a_quote_confirmed_or_cancelled_sends_nothing(status):
    quote = a_quote(status=status)
    assert frames(Change(QUOTE_CHANGE, "maker", quote), Directory(an_rfq()), key("maker")) == []


def test_a_subaccount_locked_key_sees_its_own_subaccounts_quotes_only_and_every_rfq():
    directory, quote = Directory(an_rfq()), a_quote(subaccount=2)
    change = Change(QUOTE_CHANGE, "maker", quote)
    assert frames(change, directory, key("maker", subaccount=1)) == []
    assert len(frames(change, directory, key("maker", subaccount=2))) == 1
    assert len(frames(change, directory, key("asker", subaccount=0))) == 1
    assert len(frames(Change(RFQ_CHANGE, "asker", an_rfq()), directory, key("other", subaccount=5))) == 1


def test_each_message_is_on_exactly_one_shard_its_markets():
    tickers = [f"KXRFQ-26NOV-{n}" for n in range(40)]
    for factor in (1, 3, 7):
        subs = [subscribed(shard_factor=factor, shard_key=k) for k in range(factor)]
        for ticker in tickers:
            rfq = an_rfq(market_ticker=ticker)
            quote = a_quote(market_ticker=ticker)
            for change in (Change(RFQ_CHANGE, "asker", rfq), Change(QUOTE_CHANGE, "maker", quote)):
                got = [len(frames(change, Directory(rfq), key("asker"), s)) for s in subs]
                assert got == [int(k == shard_of(ticker, factor)) for k in range(factor)], (ticker, factor)
    assert len({shard_of(t, 7) for t in tickers}) == 7  # the hash spreads them
    assert shard_of("KXRFQ-26NOV-A", 100) == 91  # stable: crc32, not Python's salted hash


@pytest.mark.parametrize(
    ("params", "code", "text"),
    [
        ({"shard_factor": 0}, 19, "shard_factor must be > 0"),
        ({"shard_factor": -3, "shard_key": 0}, 19, "shard_factor must be > 0"),
        ({"shard_key": 1}, 20, "shard_factor is required when shard_key is set"),
        ({"shard_factor": 4, "shard_key": 4}, 21, "shard_key must be >= 0 and < shard_factor"),
        ({"shard_factor": 4, "shard_key": -1}, 21, "shard_key must be >= 0 and < shard_factor"),
        ({"shard_factor": 101}, 22, "shard_factor must be <= 100"),
        ({"shard_factor": "2"}, 1, "Unable to process message"),
        ({"shard_factor": 2, "shard_key": True}, 1, "Unable to process message"),
        ({"user_filter": "others"}, 11, "Invalid parameter"),
        ({"user_filter": 1}, 1, "Unable to process message"),
    ],
)
def test_bad_audience_params_are_refused_in_the_asyncapis_codes_and_nothing_is_subscribed(params, code, text):
    subs = Subscriptions()
    command = {"id": 7, "cmd": "subscribe", "params": {"channels": ["fill", "communications"], **params}}
    [reply] = subs.handle(orjson.dumps(command))
    assert reply["type"] == "error" and reply["id"] == 7
    assert reply["msg"] == {"code": code, "msg": text}
    assert validate_ws_frame({**reply, "sending_ts_ms": 1}) == []
    assert len(subs) == 0


def test_the_audience_params_are_the_communications_channels_alone_and_it_cannot_be_updated():
    subs = Subscriptions()
    command = {"id": 1, "cmd": "subscribe", "params": {"channels": ["fill", "communications"], "shard_factor": 2,
                                                       "shard_key": 1, "user_filter": "self",
                                                       "market_ticker": M}}  # fmt: skip
    assert [r["msg"]["channel"] for r in subs.handle(orjson.dumps(command))] == ["fill", "communications"]
    fill, comms = list(subs)
    assert (fill.own_only, fill.shard, fill.tickers) == (False, None, {M: None})
    assert (comms.own_only, comms.shard, comms.tickers, comms.sequenced) == (True, (2, 1), None, True)
    # the params of a subscribe of another channel are ignored, as Kalshi's other params are
    assert subs.handle(orjson.dumps({"id": 2, "cmd": "subscribe", "params": {"channels": ["fill"],
                                                                             "shard_factor": 0}}))[0]["type"] == (
        "subscribed")  # fmt: skip
    update = {"id": 3, "cmd": "update_subscription", "params": {"sid": 2, "action": "add_markets",
                                                                "market_ticker": M}}  # fmt: skip
    assert subs.handle(orjson.dumps(update))[0]["msg"]["code"] == 13
