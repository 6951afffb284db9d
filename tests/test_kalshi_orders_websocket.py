"""A match's changes on the websocket channels, over real websockets: an order placed over REST that crosses another
account's resting order and the house's liquidity publishes each fill, position, book level, trade and ticker once,
on the channels of the accounts it moved and of the market, and every frame agrees with what REST then reads."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal

import plain_http
from kalshi_http import ok, signed
from market_client import ClientBook, reading, signer_for, subscribe

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
M = "KXORD-26NOV-A"


def of(frames: list[dict], kind: str) -> list[dict]:
    return [f["msg"] for f in frames if f["type"] == kind]


def test_a_match_publishes_each_change_once_and_the_frames_agree_with_rest():
    with MockServer(clock=ManualClock(T0)) as mock:
        for user in ("alice", "bob"):
            mock.create_account(user, balance_cents=10_000)
        mock.create_market(M)
        mock.set_book(M, yes=[["0.40", "10"]], no=[["0.55", "5"]])
        with signed(mock, "alice") as alice_rest, signed(mock, "bob") as bob_rest:
            resting = alice_rest.post("/portfolio/events/orders", json={
                "ticker": M, "side": "bid", "count": "3", "price": "0.42", "time_in_force": "good_till_canceled",
                "self_trade_prevention_type": "taker_at_cross", "client_order_id": "alice-1"}).json()  # fmt: skip
            with reading(mock, signer_for(mock, "alice")) as alice, reading(mock, signer_for(mock, "bob")) as bob:
                alice.ask(subscribe(["fill", "market_positions"]), 2)
                alice.ask(subscribe(["orderbook_delta"], command_id=2, market_tickers=[M]), 2)  # and its snapshot
                alice.ask(subscribe(["trade", "ticker"], command_id=3, market_tickers=[M]), 2)
                bob.ask(subscribe(["fill", "market_positions"]), 2)
                taken = bob_rest.post("/portfolio/events/orders", json={
                    "ticker": M, "side": "ask", "count": "5", "price": "0.40", "time_in_force": "immediate_or_cancel",
                    "self_trade_prevention_type": "taker_at_cross", "client_order_id": "bob-1"}).json()  # fmt: skip
                assert (taken["fill_count"], taken["average_fill_price"]) == ("5.00", "0.4120")  # 3 at 0.42, 2 at 0.40
                alice.wait(lambda f: len(of(f, "trade")) >= 2 and len(of(f, "orderbook_delta")) >= 2
                           and of(f, "fill") and of(f, "market_position"))  # fmt: skip
                bob.wait(lambda f: len(of(f, "fill")) >= 2 and len(of(f, "market_position")) >= 2)
                time.sleep(0.5)  # anything published twice would have come by now
                seen, theirs = list(alice.frames), list(bob.frames)

            # Once each: alice's one maker fill and row, bob's two taker fills and rows, two trades, the two levels
            # the action moved (one delta each, at one book clock).
            (maker,) = of(seen, "fill")
            assert (maker["order_id"], maker["client_order_id"], maker["is_taker"], maker["count_fp"],
                    maker["yes_price_dollars"], maker["post_position_fp"]) == (
                resting["order_id"], "alice-1", False, "3.00", "0.4200", "3.00")  # fmt: skip
            (row,) = of(seen, "market_position")
            assert (row["market_ticker"], row["position_fp"]) == (M, "3.00")
            takers = of(theirs, "fill")
            assert [(f["is_taker"], f["count_fp"], f["yes_price_dollars"], f["client_order_id"]) for f in takers] == [
                (True, "3.00", "0.4200", "bob-1"), (True, "2.00", "0.4000", "bob-1")]  # fmt: skip
            assert [r["position_fp"] for r in of(theirs, "market_position")] == ["-3.00", "-5.00"]
            deltas = of(seen, "orderbook_delta")
            assert sorted((d["side"], d["price_dollars"], d["delta_fp"]) for d in deltas) == [
                ("yes", "0.4000", "-2.00"), ("yes", "0.4200", "-3.00")]  # fmt: skip
            assert len({d["clock"] for d in deltas}) == 1 and all("client_order_id" not in d for d in deltas)
            trades = of(seen, "trade")
            assert [(t["count_fp"], t["yes_price_dollars"], t["taker_outcome_side"]) for t in trades] == [
                ("3.00", "0.4200", "no"), ("2.00", "0.4000", "no")]  # fmt: skip

            # And REST reads the same.
            alice_fills = ok(alice_rest, "/portfolio/fills")["fills"]
            bob_fills = ok(bob_rest, "/portfolio/fills")["fills"]
            assert [f["trade_id"] for f in alice_fills] == [maker["trade_id"]]
            assert [f["trade_id"] for f in reversed(bob_fills)] == [f["trade_id"] for f in takers]
            assert [t["trade_id"] for t in trades] == [f["trade_id"] for f in takers]
            assert maker["trade_id"] == takers[0]["trade_id"]  # a match's two fills carry its trade's id
            tape = plain_http.get(f"{mock.kalshi_url}/markets/trades", params={"ticker": M}).json()["trades"]
            assert [t["trade_id"] for t in reversed(tape)] == [t["trade_id"] for t in trades]
            assert ok(bob_rest, "/portfolio/positions")["market_positions"][0]["position_fp"] == "-5.00"
            assert ok(alice_rest, "/portfolio/positions")["market_positions"][0]["position_fp"] == "3.00"
            book = ClientBook().apply_all([f for f in seen if f["type"] in ("orderbook_snapshot", "orderbook_delta")])
            rest = plain_http.get(f"{mock.kalshi_url}/markets/{M}/orderbook").json()["orderbook_fp"]
            assert book.gaps == [] and book.books[M] == {
                side: {Decimal(p): Decimal(c) for p, c in rest[f"{side}_dollars"]} for side in ("yes", "no")
            }
            ticker = of(seen, "ticker")[-1]
            market = plain_http.get(f"{mock.kalshi_url}/markets/{M}").json()["market"]
            assert (ticker["price_dollars"], ticker["volume_fp"]) == (market["last_price_dollars"], market["volume_fp"])
            assert ok(alice_rest, f"/portfolio/orders/{resting['order_id']}")["order"]["status"] == "executed"
