"""Websocket frame validation against the AsyncAPI slice: every frame type the mock sends passes in both profiles, and
a frame that breaks the schema (a wrong type, a missing field, a value outside an enum) is caught, never waved on."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import pytest
from market_standin import StandInMarkets
from websockets.sync.client import connect

from mockexchange.core.kalshi.market_changes import Cause, MarketTerms, PriceRange
from mockexchange.schema.frames import LEGACY_TWINS, PROFILES, frame_types, validate_ws_frame
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner

WS_PATH = "/trade-api/ws/v2"
Frames = dict[str, dict[str, Any]]


def received(profile: str) -> Frames:
    """One frame the mock really sent of each type, by type (`ok` twice: an update and a listing)."""
    with MockServer(profile=profile) as mock:
        mock.create_account("alice", balance_cents=1_000_000)
        key = mock.create_key("alice", key_type="ed25519")
        signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
        with connect(mock.kalshi_ws_url, additional_headers=signer.headers("GET", WS_PATH), open_timeout=5) as ws:

            def ask(command: dict[str, Any], replies: int = 1) -> list[dict[str, Any]]:
                ws.send(json.dumps(command))
                return [json.loads(ws.recv(timeout=5)) for _ in range(replies)]

            [subscribed, _] = ask(
                {"id": 1, "cmd": "subscribe", "params": {"channels": ["fill", "market_positions"]}}, 2
            )
            mock.fill("alice", "KXFED-26DEC-T4.00", "yes", "buy", "3", "0.42")
            changes = {frame["type"]: frame for frame in (json.loads(ws.recv(timeout=5)) for _ in range(2))}
            ask({"id": 2, "cmd": "subscribe", "params": {"channels": ["fill"], "market_ticker": "M-1"}})
            update = {"sid": 3, "action": "add_markets", "market_ticker": "M-2"}
            [ok] = ask({"id": 3, "cmd": "update_subscription", "params": update})
            [listed] = ask({"id": 4, "cmd": "list_subscriptions"})
            [error] = ask({"id": 5, "cmd": "subscribes"})
            [unsubscribed] = ask({"id": 6, "cmd": "unsubscribe", "params": {"sids": [2]}})
            market = market_frames(mock, ask, lambda: json.loads(ws.recv(timeout=5)))
        orders = order_frames(mock)
        communications = communication_frames(mock)
        batches = batch_frames(mock)
        prices = price_frames(mock)
        multivariate = multivariate_frames(mock)
    return {
        "subscribed": subscribed,
        "fill": changes["fill"],
        "market_position": changes["market_position"],
        "ok": ok,
        "list_subscriptions": listed,
        "error": error,
        "unsubscribed": unsubscribed,
        **market,
        **orders,
        **communications,
        **batches,
        **prices,
        **multivariate,
    }


TRADER = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"  # a user id as Kalshi's are (the `user_order` schema says a UUID)


def order_frames(mock: MockServer) -> Frames:
    """A `user_order` and an `order_group_updates` frame: a group made, an order placed into it."""
    mock.create_account(TRADER, balance_cents=10_000)
    mock.create_market("M-ORD")
    key = mock.create_key(TRADER, key_type="ed25519")
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    with connect(mock.kalshi_ws_url, additional_headers=signer.headers("GET", WS_PATH), open_timeout=5) as ws:
        ws.send(
            json.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": ["user_orders", "order_group_updates"]}})
        )
        [json.loads(ws.recv(timeout=5)) for _ in range(2)]
        group = mock.create_order_group(TRADER, contracts_limit=10)["order_group_id"]
        mock.place_order(TRADER, "M-ORD", "bid", "2", "0.30", "good_till_canceled", "taker_at_cross",
                         order_group_id=group, expiration_time=4_000_000_000)  # fmt: skip
        return {frame["type"]: frame for frame in (json.loads(ws.recv(timeout=5)) for _ in range(2))}


def price_frames(mock: MockServer) -> Frames:
    """One frame of each price channel's messages: a value on each, and each one's list."""
    key = mock.create_key("alice", key_type="ed25519")
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    with connect(mock.kalshi_ws_url, additional_headers=signer.headers("GET", WS_PATH), open_timeout=5) as ws:
        channels = ["cfbenchmarks_value", "cfbenchmarks_value_5hz", "pyth_value"]
        params = {"channels": channels, "index_ids": ["BRTI"], "underlying_tickers": ["all"]}
        ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": params}))
        [json.loads(ws.recv(timeout=5)) for _ in range(3)]
        mock.set_price_value("68000.12", index_id="BRTI")
        mock.set_price_value("4.25", underlying_ticker="InterestRate.US2Y")
        for sid, action in ((1, "indexlist"), (2, "indexlist"), (3, "underlying_list")):
            ws.send(json.dumps({"id": 1 + sid, "cmd": "update_subscription", "params": {"sid": sid, "action": action}}))
        return {frame["type"]: frame for frame in (json.loads(ws.recv(timeout=5)) for _ in range(6))}


def communication_frames(mock: MockServer) -> Frames:
    """One frame of each `communications` message, as the RFQ's creator sees them: its RFQ created, a quote made,
    accepted, confirmed and executed (the execution timer run out), the RFQ closed."""
    mock.create_account("maker", balance_cents=1_000_000)
    mock.create_market("M-RFQ")
    key = mock.create_key("alice", key_type="ed25519")
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    with connect(mock.kalshi_ws_url, additional_headers=signer.headers("GET", WS_PATH), open_timeout=5) as ws:
        ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": ["communications"]}}))
        json.loads(ws.recv(timeout=5))
        rfq = mock.create_rfq("alice", "M-RFQ", False, target_cost="3.5")
        quote = mock.create_quote("maker", rfq["rfq_id"], "0.40", "0.55", False)
        mock.accept_quote("alice", quote["quote_id"], "no")
        mock.confirm_quote("maker", quote["quote_id"])
        mock.advance_clock(seconds=mock.app.settings.kalshi_rfq_execution_delay_s)
        mock.rfqs()  # (a read makes what is due: the execution)
        return {frame["type"]: frame for frame in (json.loads(ws.recv(timeout=5)) for _ in range(5))}


def batch_frames(mock: MockServer) -> Frames:
    """One frame of each RFQ batch message: the creator's (its batch created, its best quotes, executed; another batch
    deleted) and the maker's (its batch quote created, accepted and executed)."""
    mock.create_account("batcher", balance_cents=1_000_000)
    for ticker in ("M-BAT", "M-BAU"):
        mock.create_market(ticker)
    readers = {}
    with ExitStack() as stack:
        for user in ("batcher", "maker"):
            key = mock.create_key(user, key_type="ed25519")
            signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
            ws = stack.enter_context(connect(mock.kalshi_ws_url, additional_headers=signer.headers("GET", WS_PATH),
                                             open_timeout=5))  # fmt: skip
            ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": ["communications"]}}))
            json.loads(ws.recv(timeout=5))
            readers[user] = ws
        children = [{"market_ticker": ticker} for ticker in ("M-BAT", "M-BAU")]
        batch = mock.create_rfq_batch("batcher", children, contracts="2")
        ids = [child["rfq_id"] for child in batch["rfqs"]]
        bids = [{"rfq_id": child, "yes_bid": "0.4", "no_bid": "0.5"} for child in ids]
        made = mock.create_batch_quote("maker", batch["rfq_batch_id"], bids, False)
        mock.accept_rfq_batch(
            "batcher", batch["rfq_batch_id"], "no", [{"rfq_id": child, "bid": "0.5"} for child in ids]
        )
        mock.confirm_batch_quote("maker", batch["rfq_batch_id"], made["batch_quote_id"])
        mock.advance_clock(seconds=mock.app.settings.kalshi_rfq_execution_delay_s)
        mock.rfq_batches()  # (a read makes what is due: the execution)
        other = mock.create_rfq_batch("batcher", children, contracts="1")
        mock.delete_rfq_batch("batcher", other["rfq_batch_id"])
        got = [json.loads(readers["batcher"].recv(timeout=5)) for _ in range(7)]  # (a quote_executed a child)
        got += [json.loads(readers["maker"].recv(timeout=5)) for _ in range(8)]
    return {frame["type"]: frame for frame in got if frame["type"] != "quote_executed"}


def multivariate_frames(mock: MockServer) -> Frames:
    """A combo market made in a collection: its event's `event_lifecycle` and its `multivariate_market_lifecycle`."""
    for ticker in ("KXMV-1-A", "KXMV-2-B"):
        mock.create_market(ticker)
    mock.set_multivariate_collection("KXMVEFRAMES-R", [{"ticker": "KXMV-1"}, {"ticker": "KXMV-2"}])
    key = mock.create_key("alice", key_type="ed25519")
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    with connect(mock.kalshi_ws_url, additional_headers=signer.headers("GET", WS_PATH), open_timeout=5) as ws:
        ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": ["multivariate_market_lifecycle"]}}))
        json.loads(ws.recv(timeout=5))
        legs = [{"market_ticker": f"KXMV-{n}-{m}", "event_ticker": f"KXMV-{n}", "side": "yes"} for n, m in ("1A", "2B")]
        mock.create_market_in_collection("alice", "KXMVEFRAMES-R", legs)
        return {frame["type"]: frame for frame in (json.loads(ws.recv(timeout=5)) for _ in range(2))}


def market_frames(mock: MockServer, ask: Callable[..., Any], recv: Callable[[], Any]) -> Frames:
    """One frame of each market data message, from a market with a book, a trade and a lifecycle."""
    feed = StandInMarkets(mock.app.ledger).attach(mock)
    terms = MarketTerms(
        "M", "M 1", "Title", "yes", "no", "rules", "", True, mock.app.ledger.state.clock.now(), 0, "greater"
    )
    feed.list_market("M-1")
    feed.set_levels("M-1", "bid", [(4000, 1000)])
    feed.set_levels("M-1", "ask", [(6000, 500)])
    channels = ["orderbook_delta", "ticker", "trade", "market_lifecycle_v2"]
    params = {"channels": channels, "market_ticker": "M-1", "send_initial_snapshot": True}
    replies = ask({"id": 7, "cmd": "subscribe", "params": params}, 6)
    feed.rest("M-1", "bid", 4100, 300, Cause("alice", 0, "mine"))
    feed.take("M-1", "bid", 100, None)
    ranges = (PriceRange(0, 10_000, 100),)
    feed.lifecycle("M-1", "created", open_time=terms.expected_expiration, terms=terms, price_ranges=ranges)
    pushed = [recv() for _ in range(7)]  # 2 deltas, 3 tickers (bid, ask, the trade), the trade, the lifecycle event
    # a market of the ledger's in an event of its own (its event's listing, its `created`), the event's fee override
    # and the market's metadata changed: market_lifecycle_v2 takes every market's
    mock.create_market("KXMETA-26-A")
    mock.set_event("KXMETA-26", fee_type_override="flat", fee_multiplier_override="0.5")
    mock.update_market("KXMETA-26-A", yes_sub_title="Above 5", strike_type="greater", floor_strike="5")
    listed, _, fee, metadata = (recv() for _ in range(4))
    assert metadata["msg"]["event_type"] == "metadata_updated", metadata
    seen = {frame["type"]: frame for frame in replies + pushed if frame["type"] not in ("subscribed", "ok")}
    return seen | {"event_lifecycle on market_lifecycle_v2": listed, "event_fee_update": fee,
                   "market_lifecycle_v2 metadata_updated": metadata}  # fmt: skip


@pytest.fixture(scope="module")
def frames() -> dict[str, Frames]:
    return {profile: received(profile) for profile in PROFILES}


@pytest.mark.parametrize("profile", PROFILES)
def test_every_frame_type_the_mock_sends_matches_the_slice(frames, profile):
    sent = frames[profile]
    assert {frame["type"] for frame in sent.values()} == set(frame_types())
    for name, frame in sent.items():
        assert validate_ws_frame(frame, profile) == [], name


DELETE = object()


def setter(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    *parents, last = path.split("/")

    def mutate(frame: dict[str, Any]) -> None:
        node: Any = frame
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value

    return mutate


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize(
    ("name", "path", "value", "said"),
    [
        ("fill", "msg/count_fp", 10, 'fill: msg/count_fp: 10 is not of type "string"'),
        ("fill", "msg/market_ticker", DELETE, 'fill: msg: "market_ticker" is a required property'),
        ("fill", "msg/trade_id", "fill-1", 'fill: msg/trade_id: "fill-1" is not a "uuid"'),
        ("fill", "msg/book_side", "buy", 'fill: msg/book_side: "buy" is not one of "bid" or "ask"'),
        ("fill", "sid", 0, "fill: sid: 0 is less than the minimum of 1"),
        ("market_position", "msg/position_fp", DELETE, '"position_fp" is a required property'),
        ("market_position", "msg/volume_fp", 3, 'marketPosition: msg/volume_fp: 3 is not of type "string"'),
        ("market_position", "msg/subaccount", "0", 'msg/subaccount: "0" is not of type "integer"'),
        ("subscribed", "msg/sid", DELETE, 'subscribedResponse: msg: "sid" is a required property'),
        ("error", "msg/code", 6, "errorResponse: msg/code: 6 is not one of 1, 2 or 23 other candidates"),
        ("error", "msg/msg", None, 'errorResponse: msg/msg: null is not of type "string"'),
        ("list_subscriptions", "msg/0/channel", DELETE, 'listSubscriptionsResponse: msg/0: "channel" is a required'),
        ("ok", "msg/market_tickers", "M-1", 'okResponse: msg/market_tickers: "M-1" is not of type "array"'),
        ("unsubscribed", "seq", DELETE, 'unsubscribedResponse: (frame): "seq" is a required property'),
        ("orderbook_snapshot", "seq", DELETE, 'orderbookSnapshot: (frame): "seq" is a required property'),
        ("orderbook_snapshot", "msg/market_id", "M-1", 'orderbookSnapshot: msg/market_id: "M-1" is not a "uuid"'),
        ("orderbook_delta", "seq", DELETE, 'orderbookDelta: (frame): "seq" is a required property'),
        ("orderbook_delta", "seq", "2", 'orderbookDelta: seq: "2" is not of type "integer"'),
        ("orderbook_delta", "msg/delta_fp", -1, 'orderbookDelta: msg/delta_fp: -1 is not of type "string"'),
        ("orderbook_delta", "msg/side", "bid", 'orderbookDelta: msg/side: "bid" is not one of "yes" or "no"'),
        ("ticker", "msg/ts_ms", DELETE, 'ticker: msg: "ts_ms" is a required property'),
        ("trade", "msg/taker_book_side", "buy", 'trade: msg/taker_book_side: "buy" is not one of "bid" or "ask"'),
        ("market_lifecycle_v2", "msg/event_type", "opened", "marketLifecycleV2: msg/event_type: "),
        ("user_order", "msg/remaining_count_fp", 2, 'userOrder: msg/remaining_count_fp: 2 is not of type "string"'),
        ("user_order", "msg/is_yes", DELETE, 'userOrder: msg: "is_yes" is a required property'),
        ("user_order", "msg/status", "open", 'userOrder: msg/status: "open" is not one of "resting"'),
        ("user_order", "msg/order_id", "ord-1", 'userOrder: msg/order_id: "ord-1" is not a "uuid"'),
        ("user_order", "msg/expiration_ts_ms", "1", 'userOrder: msg/expiration_ts_ms: "1" is not of type "integer"'),
        ("order_group_updates", "seq", DELETE, 'orderGroupUpdates: (frame): "seq" is a required property'),
        ("order_group_updates", "msg/event_type", "made", 'orderGroupUpdates: msg/event_type: "made" is not one of'),
        ("order_group_updates", "msg/contracts_limit_fp", 10, 'msg/contracts_limit_fp: 10 is not of type "string"'),
    ],
)
def test_a_frame_that_breaks_the_schema_is_caught(frames, profile, name, path, value, said):
    frame = copy.deepcopy(frames[profile][name])
    setter(path, value)(frame)
    problems = validate_ws_frame(frame, profile)
    assert any(said in problem for problem in problems), problems


def test_a_frame_of_no_known_type_or_not_an_object_is_caught():
    assert validate_ws_frame({"type": "fills", "sid": 1, "msg": {}}) == [
        "no message of the AsyncAPI slice has type 'fills'"
    ]
    assert validate_ws_frame([1]) == ["a frame is a JSON object, not list"]
    with pytest.raises(ValueError, match="unknown profile"):
        validate_ws_frame({"type": "fill"}, "3.2")


def test_legacy_frames_must_carry_the_integer_twins_and_3_34_frames_may_carry_extra_fields(frames):
    for kind, fields in LEGACY_TWINS.items():
        twins = list(fields)
        legacy, current = frames["legacy"][kind], frames["3.34"][kind]
        assert set(twins) <= set(legacy["msg"]) and not set(twins) & set(current["msg"])
        assert validate_ws_frame(legacy, "3.34") == []  # the published schema allows fields it does not name
        missing = validate_ws_frame(current, "legacy")
        assert [problem.split(": ", 2)[2] for problem in missing] == [
            f'"{twin}" is a required property' for twin in twins
        ]
        wrong = copy.deepcopy(legacy)
        wrong["msg"][twins[0]] = str(wrong["msg"][twins[0]])
        found = validate_ws_frame(wrong, "legacy")
        assert any(f"msg/{twins[0]}:" in p and ('"integer"' in p or '"array"' in p) for p in found), found
    # a snapshot's legacy levels are [cents, contracts] pairs of integers
    wrong = copy.deepcopy(frames["legacy"]["orderbook_snapshot"])
    wrong["msg"]["yes"] = [["40", 10]]
    assert any("msg/yes/0/0:" in p and '"integer"' in p for p in validate_ws_frame(wrong, "legacy"))
