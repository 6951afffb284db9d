"""Kalshi's perps venue over real HTTP, signed with Kalshi's keys: orders that rest and match between two users, the
positions, P&L and margined cash they leave, the margin refusal that changes nothing, the marks that move P&L and
risk, every time in force, post-only, reduce-only, self-trade prevention, amend, decrease and cancel, refusals in
Kalshi's shape (never a 500), a restart from a state file, and a random sequence's invariants. Every answer is checked
against the spec's schema (perps_http.py)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from perps_fixtures import alice_client, bob_client, fresh, module_server  # noqa: F401  (fixtures)
from perps_http import BTC, ETH, T0, fund, order, placed, public, signed, whole

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer


def position(client: httpx.Client, ticker: str = BTC) -> dict | None:
    rows = client.get("/margin/positions", params={"ticker": ticker}).json()["positions"]
    return rows[0] if rows else None


def balance(client: httpx.Client) -> dict:
    answer = client.get("/margin/balance", params={"compute_available_balance": "true"})
    assert answer.status_code == 200
    return answer.json()["subaccount_balances"][0]


def test_orders_rest_and_match_between_two_users(mock: MockServer, alice: httpx.Client, bob: httpx.Client) -> None:
    rested = placed(alice, **order(BTC, "bid", "0.10", "99999.5"))
    assert (rested["fill_count"], rested["remaining_count"]) == ("0.00", "0.10")
    with public(mock) as anyone:
        book = anyone.get(f"/margin/markets/{BTC}/orderbook").json()["orderbook"]
        assert book == {"bids": [["99999.5000", "0.10"]], "asks": []}
        assert anyone.get(f"/margin/markets/{BTC}").json()["market"]["bid"] == "99999.5000"
    # bob sells 0.04 into it, at its price: alice's order is the maker (2 bps), bob the taker (5 bps)
    taken = placed(bob, **order(BTC, "ask", "0.04", "99000"))
    assert (taken["fill_count"], taken["remaining_count"]) == ("0.04", "0.00")
    value = Decimal("0.04") * Decimal("99999.5")  # 3,999.98
    assert taken["average_fill_price"] == "99999.500000"
    assert Decimal(taken["average_fee_paid"]) * Decimal("0.04") == (value * Decimal("0.0005")).quantize(Decimal("1e-6"))
    long, short = position(alice), position(bob)
    assert long is not None and short is not None
    assert (long["position"], short["position"]) == ("0.04", "-0.04")
    assert long["entry_price"] == short["entry_price"] == "99999.500000"
    # nothing is paid to open: each side's cash moved by its fee alone
    maker_fee, taker_fee = value * Decimal("0.0002"), value * Decimal("0.0005")
    assert Decimal(balance(alice)["account_equity"]) == 10_000 - maker_fee + Decimal(long["unrealized_pnl"])
    assert Decimal(mock.perps_account("bob")["cash"]) == 10_000 - taker_fee
    assert long["fees"] == "0.799996" and short["fees"] == "1.999990"
    fills = alice.get("/margin/fills").json()["fills"]
    assert [(f["side"], f["count"], f["is_taker"], f["price"]) for f in fills] == [("bid", "0.04", False, "99999.5000")]
    orders = {o["client_order_id"]: o for o in bob.get("/margin/orders").json()["orders"]}
    assert orders["ask-0_04-99000"]["last_update_reason"] == "Trade"
    assert orders["ask-0_04-99000"]["remaining_count"] == "0.00"  # (the taker filled whole: executed)
    market = public(mock).get(f"/margin/markets/{BTC}").json()["market"]
    assert (market["volume"], market["open_interest"], market["price"]) == ("0.04", "0.04", "99999.5000")
    trades = public(mock).get("/margin/trades", params={"ticker": BTC}).json()["trades"]
    assert [(t["count"], t["taker_side"]) for t in trades] == [("0.04", "ask")]
    # both close at 101,000, bob at a loss, alice at a gain: realized P&L moves cash
    placed(alice, **order(BTC, "ask", "0.04", "101000", client_order_id="a-ask"))
    closed = placed(bob, **order(BTC, "bid", "0.04", "101000", client_order_id="b-close"))
    assert closed["fill_count"] == "0.04"
    assert position(bob) is None and position(alice) is None
    realized = Decimal("0.04") * (Decimal("101000") - Decimal("99999.5"))  # 40.02
    bob_fill = bob.get("/margin/fills").json()["fills"][0]
    assert Decimal(bob_fill["realized_pnl"]) == -realized and bob_fill["entry_price"] == "99999.500000"
    second = Decimal("0.04") * 101_000 * Decimal("0.0005")
    assert Decimal(mock.perps_account("bob")["cash"]) == 10_000 - taker_fee - realized - second


def test_a_refused_order_changes_nothing(mock: MockServer, alice: httpx.Client, bob: httpx.Client) -> None:
    placed(bob, **order(BTC, "ask", "0.5", "100000"))
    before = whole(mock)
    # 1.01 BTC at 100,000 needs 101,000 x 5% x 2 = 10,100 of initial margin: more than alice's equity (10,000)
    refused = alice.post("/margin/orders", json=order(BTC, "bid", "1.01", "100000"))
    assert refused.status_code == 400
    assert refused.json() == {"error": {"code": "insufficient_balance", "message": "insufficient balance",
                                        "service": "exchange"}}  # fmt: skip
    assert whole(mock) == before
    # a market version that is not the market's: 409, nothing changed
    mock.update_perp_market(BTC, market_version=2)
    stale = alice.post("/margin/orders", json=order(BTC, "bid", "0.01", "100000", market_version=1))
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "market_version_mismatch"
    assert placed(alice, **order(BTC, "bid", "0.01", "99000", market_version=2))["remaining_count"] == "0.01"
    negative = alice.post("/margin/orders", json=order(BTC, "bid", "0.01", "100000", market_version=-1))
    assert negative.status_code == 409, negative.text  # (an int32 of no bound: not the market's)
    # alice buys bob's 0.5 (5,000 of initial margin): more is refused, but an order that only closes what she holds
    # raises no margin and is never refused
    placed(alice, **order(BTC, "bid", "0.5", "100000", client_order_id="half"))
    placed(alice, **order(BTC, "bid", "0.6", "100000", client_order_id="more"), status=400)
    placed(alice, **order(BTC, "ask", "0.5", "120000", client_order_id="close"))


def test_bad_input_is_refused_in_kalshis_shape(mock: MockServer, alice: httpx.Client) -> None:
    before = whole(mock)
    cases = [
        (order(BTC, "bid", "0.1", "100000.25"), 400, "invalid_price"),  # off the tick
        (order(BTC, "bid", "0.1", "1.00001"), 400, "invalid_price"),  # 5 places
        (order(ETH, "bid", "0.5", "3000"), 400, "invalid_order"),  # whole contracts only
        (order(BTC, "bid", "0.1", "90000", reduce_only=True), 400, "invalid_order"),  # reduce-only must be IOC/FOK
        (order("NOPE", "bid", "1", "1"), 404, "not_found"),
        (order(BTC, "bid", "0", "90000"), 400, "bad_request"),
        (order(BTC, "buy", "1", "90000"), 400, "bad_request"),
        (order(BTC, "bid", "1", "90000", order_group_id="g"), 404, "not_found"),
        (order(BTC, "bid", "1", "90000", expiration_time=int(T0.timestamp()) - 1), 400, "invalid_expiration_time"),
        (order(BTC, "bid", "1", "90000", market_id="not-a-uuid"), 400, "bad_request"),  # (`omitempty,uuid`)
        (order(BTC, "bid", "1", "90000", market_id="A" * 8 + "-AAAA-AAAA-AAAA-" + "A" * 12), 400, "bad_request"),
    ]
    for body, status, code in cases:
        answer = alice.post("/margin/orders", json=body)
        said = answer.json()
        assert (answer.status_code, said.get("error", said)["code"]) == (status, code), (body, answer.text)
    not_uuid = alice.post("/margin/orders", json=order(BTC, "bid", "1", "90000", market_id="zzz"))
    assert "failed on the 'uuid' tag" in not_uuid.json()["details"], not_uuid.text
    amend = {"ticker": BTC, "market_id": "zzz", "side": "bid", "price": "90000", "count": "1"}
    assert "'uuid' tag" in alice.post("/margin/orders/nope/amend", json=amend).json()["details"]
    missing = alice.post("/margin/orders", json={"ticker": BTC, "side": "bid"})
    assert missing.status_code == 400 and missing.json()["code"] == "bad_request"  # Go's validator words
    assert alice.post("/margin/orders", content=b"{").status_code == 400
    assert alice.get("/margin/orders", params={"limit": "0"}).status_code == 400
    assert alice.get("/margin/fills", params={"cursor": "nonsense"}).status_code == 400
    assert alice.get("/margin/orders/nope").status_code == 404
    assert alice.delete("/margin/orders/nope").status_code == 404
    assert public(mock).get("/margin/markets/orderbooks", params={"tickers": f"{BTC},NOPE"}).status_code == 404
    assert public(mock).get("/margin/markets/orderbooks", params={"tickers": f"{BTC},,{ETH}"}).status_code == 404
    long = public(mock).get("/margin/markets/orderbooks", params={"tickers": f"{BTC},{'K' * 201}"})
    assert long.status_code == 400 and "'max' tag" in long.json()["msg"], long.text  # (each at most 200: `dive,max`)
    assert public(mock).get("/margin/markets/orderbooks", params={"tickers": f"{BTC},{'K' * 200}"}).status_code == 404
    assert public(mock).get("/margin/markets", params={"status": "open"}).status_code == 400
    unsigned = httpx.get(f"{mock.kalshi_url}/margin/positions", timeout=10)
    assert unsigned.status_code == 401 and "error" in unsigned.json()
    assert whole(mock) == before


def test_time_in_force_post_only_reduce_only_and_self_trade(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    placed(bob, **order(BTC, "ask", "0.02", "100000"))
    # fill_or_kill: all or nothing
    killed = placed(alice, **order(BTC, "bid", "0.05", "100000", time_in_force="fill_or_kill"))
    assert (killed["fill_count"], killed["remaining_count"]) == ("0.00", "0.00")
    # immediate_or_cancel: what crosses, the rest cancelled
    ioc = placed(alice, **order(BTC, "bid", "0.05", "100000", time_in_force="immediate_or_cancel"))
    assert (ioc["fill_count"], ioc["remaining_count"]) == ("0.02", "0.00")
    # post-only that would cross is cancelled (PostOnlyCrossCancel), one that would not rests
    placed(bob, **order(BTC, "ask", "0.01", "100500", client_order_id="b2"))
    crossing = placed(alice, **order(BTC, "bid", "0.01", "100500", post_only=True, client_order_id="p1"))
    assert crossing["remaining_count"] == "0.00"
    got = alice.get(f"/margin/orders/{crossing['order_id']}").json()["order"]
    assert got["last_update_reason"] == "PostOnlyCrossCancel"
    # reduce-only is capped at the position: alice holds 0.02
    capped = placed(alice, **order(BTC, "ask", "0.05", "90000", reduce_only=True, time_in_force="immediate_or_cancel",
                                   client_order_id="r1"))  # fmt: skip
    assert capped["fill_count"] == "0.00"  # (nothing bids)
    assert alice.get(f"/margin/orders/{capped['order_id']}").json()["order"]["last_update_reason"] == "ReduceOnlyCancel"
    # self-trade: taker_at_cross stops bob's own buy at his resting ask; maker cancels the resting ask and goes on
    stopped = placed(bob, **order(BTC, "bid", "0.01", "100500", client_order_id="b3"))
    assert stopped["fill_count"] == "0.00"
    assert bob.get(f"/margin/orders/{stopped['order_id']}").json()["order"]["last_update_reason"] == "SelfTradeCancel"
    maker = placed(bob, **order(BTC, "bid", "0.01", "100500", client_order_id="b4", self_trade_prevention_type="maker"))
    assert maker["remaining_count"] == "0.01"  # rests: its own ask went
    reasons = {o["client_order_id"]: o["last_update_reason"] for o in bob.get("/margin/orders").json()["orders"]}
    assert reasons["b2"] == "SelfTradeCancel"


def test_amend_decrease_cancel_and_expiry(mock: MockServer, alice: httpx.Client, bob: httpx.Client) -> None:
    resting = placed(alice, **order(BTC, "bid", "0.10", "99000"))
    order_id = resting["order_id"]
    decreased = alice.post(f"/margin/orders/{order_id}/decrease", json={"reduce_by": "0.03"})
    assert decreased.status_code == 200 and decreased.json()["remaining_count"] == "0.07"
    amended = alice.post(f"/margin/orders/{order_id}/amend",
                         json={"ticker": BTC, "side": "bid", "price": "99500", "count": "0.05"})  # fmt: skip
    assert amended.status_code == 200, amended.text
    assert amended.json()["remaining_count"] == "0.05" and amended.json()["fill_count"] == "0.00"
    got = alice.get(f"/margin/orders/{order_id}").json()["order"]
    assert (got["price"], got["remaining_count"], got["last_update_reason"]) == ("99500.0000", "0.05", "Amend")
    # an amend that crosses trades
    placed(bob, **order(BTC, "ask", "0.02", "99800"))
    crossed = alice.post(f"/margin/orders/{order_id}/amend",
                         json={"ticker": BTC, "side": "bid", "price": "99800", "count": "0.05"}).json()  # fmt: skip
    assert crossed["fill_count"] == "0.02" and crossed["remaining_count"] == "0.03"
    cancelled = alice.delete(f"/margin/orders/{order_id}")
    assert cancelled.status_code == 200 and cancelled.json()["reduced_by"] == "0.03"
    assert alice.delete(f"/margin/orders/{order_id}").status_code == 404  # not resting any more: as one never made
    # expiry: the clock passing it cancels it
    later = int((T0 + timedelta(minutes=5)).timestamp())
    expiring = placed(alice, **order(BTC, "bid", "0.01", "90000", expiration_time=later, client_order_id="exp"))
    mock.advance_clock(seconds=301)
    got = alice.get(f"/margin/orders/{expiring['order_id']}").json()["order"]
    assert (got["remaining_count"], got["last_update_reason"]) == ("0.00", "ExpiryCancel")
    # cancel all
    for price in ("80000", "81000"):
        placed(alice, **order(BTC, "bid", "0.01", price))
    assert alice.delete("/margin/orders").status_code == 204
    assert public(mock).get(f"/margin/markets/{BTC}/orderbook").json()["orderbook"]["bids"] == []


def test_moving_the_mark_moves_pnl_margin_and_risk(mock: MockServer, alice: httpx.Client, bob: httpx.Client) -> None:
    placed(bob, **order(BTC, "ask", "0.5", "100000"))
    placed(alice, **order(BTC, "bid", "0.5", "100000"))
    risk = alice.get("/margin/risk").json()
    row = risk["positions"][0]
    assert (row["mark_price"], row["position_notional"], row["maintenance_margin_required"]) == (
        "100000.0000", "50000.000000", "2500.000000")  # fmt: skip
    assert risk["account_leverage"] == 20 and row["position_leverage"] == 20
    # long 0.5: equity E falls to the maintenance margin at x, E + 0.5 (x - 100,000) = 0.5 x 5%
    equity = Decimal(balance(alice)["account_equity"])
    expected = (Decimal("0.5") * 100_000 - equity) / (Decimal("0.5") - Decimal("0.5") * Decimal("0.05"))
    assert Decimal(row["estimated_liquidation_price"]) == expected.quantize(Decimal("1e-6"))
    mock.set_perp_marks(BTC, mark_price="110000")
    assert position(alice)["unrealized_pnl"] == "5000.000000" and position(bob)["unrealized_pnl"] == "-5000.000000"
    moved = alice.get("/margin/risk").json()["positions"][0]
    assert moved["position_notional"] == "55000.000000" and moved["maintenance_margin_required"] == "2750.000000"
    assert Decimal(balance(alice)["account_equity"]) == equity + 5000
    assert Decimal(balance(bob)["maintenance_margin"]) == Decimal("2750")
    # the estimated liquidation price is where it was: the mark moved, the account did not
    assert moved["estimated_liquidation_price"] == row["estimated_liquidation_price"]
    market = public(mock).get(f"/margin/markets/{BTC}").json()["market"]
    assert market["liquidation_mark_price"]["price"] == "110000.0000"


def test_a_restart_from_the_state_file_answers_the_same(tmp_path: Path) -> None:
    state = str(tmp_path / "state.db")
    reads = ("/margin/positions", "/margin/fills", "/margin/orders", "/margin/balance", "/margin/risk")
    with MockServer(clock=ManualClock(T0), state=state) as mock:
        for user in ("alice", "bob"):
            fund(mock, user, 5_000)
        mock.list_perp_market(BTC, "100000", tick_size="0.5")
        with signed(mock, "alice") as alice, signed(mock, "bob") as bob:
            placed(alice, **order(BTC, "bid", "0.03", "100000"))
            placed(bob, **order(BTC, "ask", "0.01", "99000"))
            mock.set_perp_marks(BTC, mark_price="101000")
            mock.set_perp_marks(BTC, mark_price="700000")  # (bob, short, is liquidated: a deficit covered)
            before = {path: alice.get(path).json() for path in reads}
            market = bob.get(f"/margin/markets/{BTC}").json()
            liquidated = mock.perps_liquidations("bob")
            assert liquidated["liquidations"][0]["deficit_covered"] != "0.000000"
    with MockServer(clock=ManualClock(T0), state=state) as again, signed(again, "alice") as alice:
        assert {path: alice.get(path).json() for path in reads} == before
        assert alice.get(f"/margin/markets/{BTC}").json() == market
        assert again.perps_liquidations("bob") == liquidated


def test_a_random_sequence_conserves_money_and_positions(mock: MockServer) -> None:
    """Orders at random between four users (the Python API's, the venue's commands): cash plus the positions' value
    at any common price is what was funded less the fees, positions sum to zero, open interest is the longs' sum."""
    users = ("alice", "bob", "carol", "dave")
    for user in users[2:]:
        fund(mock, user, 10_000)
    draw = random.Random(52)
    fees = Decimal(0)
    for n in range(300):
        user, side = draw.choice(users), draw.choice(("bid", "ask"))
        price = str(Decimal(3000) + Decimal(draw.randint(-20, 20)))
        tif = draw.choice(("good_till_canceled", "immediate_or_cancel", "fill_or_kill"))
        try:
            done = mock.place_perp_order(user, ETH, side, str(draw.randint(1, 5)), price, f"o{n}", tif)
        except Exception as exc:  # a refusal (margin, mostly) changes nothing
            assert "margin" in str(exc), exc
            continue
        fees += Decimal(done["fees_now"])
        if draw.random() < 0.2:
            mock.cancel_perp_orders(draw.choice(users))
    accounts = [mock.perps_account(user) for user in users]
    sizes = [Decimal(p["position"]) for a in accounts for p in a["positions"]]
    assert sum(sizes) == 0 and any(sizes)
    # at any price P: sum(cash) + sum(size x P - signed entry cost) = funded - maker and taker fees
    signed_cost = sum(Decimal(p["entry_cost"]) * (1 if Decimal(p["position"]) > 0 else -1)
                      for a in accounts for p in a["positions"])  # fmt: skip
    cash = sum(Decimal(a["cash"]) for a in accounts)
    paid = sum(Decimal(f["fees"]) for user in users for f in _fills(mock, user))
    assert cash - signed_cost == 4 * 10_000 - paid and paid >= fees
    market = public(mock).get(f"/margin/markets/{ETH}").json()["market"]
    assert Decimal(market["open_interest"]) == sum(size for size in sizes if size > 0)


def _fills(mock: MockServer, user: str) -> list[dict]:
    with signed(mock, user) as client:
        return client.get("/margin/fills", params={"limit": 1000}).json()["fills"]


def test_a_setting_leaves_the_venue_off() -> None:
    with MockServer(perps=False) as mock:
        answer = httpx.get(f"{mock.kalshi_url}/margin/markets", timeout=10)
        assert answer.status_code == 404 and answer.json() == {"error": {"code": "not_found", "message": "not found"}}
        assert mock.list_perp_market(BTC, "100000")["ticker"] == BTC  # (its state and operations stay)


def test_an_order_across_levels_and_a_position_closed_in_parts_add_up(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    """Alice's bid of 0.03 takes bob's two asks (0.01 at 100,000, 0.02 at 100,010): the answer's figures are the two
    fills' together, and so is the market's notional volume. She then sells 0.01 twice at 100,100: her position's
    realized P&L is the two closes' together."""
    placed(bob, **order(BTC, "ask", "0.01", "100000", client_order_id="b1"))
    placed(bob, **order(BTC, "ask", "0.02", "100010", client_order_id="b2"))
    taken = placed(alice, **order(BTC, "bid", "0.03", "100010"))
    # (1,000 + 2,000.20) / 0.03; the taker's 5 bps of 3,000.20 over 0.03
    assert (taken["fill_count"], taken["average_fill_price"], taken["average_fee_paid"]) == (
        "0.03", "100006.666667", "50.003333")  # fmt: skip
    market = public(mock).get(f"/margin/markets/{BTC}").json()["market"]
    assert (market["volume"], market["volume_notional_value_dollars"]) == ("0.03", "3000.200000")
    for n in (1, 2):
        placed(bob, **order(BTC, "bid", "0.01", "100100", client_order_id=f"c{n}"))
        placed(alice, **order(BTC, "ask", "0.01", "100100", client_order_id=f"a{n}"))
    closes = [Decimal(f["realized_pnl"]) for f in alice.get("/margin/fills").json()["fills"][:2]]
    assert sum(closes) == Decimal("1.866667") and min(closes) > 0  # (each releases its share of the entry cost)
    [held] = mock.perps_account("alice")["positions"]
    assert Decimal(held["realized_pnl"]) == sum(closes)
