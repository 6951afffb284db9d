"""Liquidation on the perps exchange (core/perps/liquidation.py): a random sequence of orders, exit triggers, mark
moves and funding times keeps its invariants (money conserved apart from fees and funding, the house's accounts
included; positions sum to zero; no account below zero without a record), and one liquidation end to end over HTTP
and the websocket, its marks set through the admin API. Every answer and frame is checked against the spec's schemas
(perps_http.py, perps_ws.py)."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal

import httpx
from perps_core import OwnCash
from perps_fixtures import bob_client, fresh, module_server  # noqa: F401
from perps_http import BTC, ETH, T0, fund, order, placed, signed
from perps_ws import session, signer_of

from mockexchange.control.errors import ControlError
from mockexchange.core.clock import ManualClock
from mockexchange.core.events import EventBus
from mockexchange.core.perps.exchange import PerpsExchange
from mockexchange.core.perps.liquidation import BACKSTOP, HOUSE, INSURANCE_FUND
from mockexchange.core.perps.market_commands import ListPerpMarket, SetPerpMarks
from mockexchange.core.perps.order_commands import PlacePerpOrder
from mockexchange.core.perps.risk_limits import NoMembers
from mockexchange.core.perps.units import DOLLAR, PRICE
from mockexchange.server import MockServer

USERS = ("alice", "bob", "carol", "dave")
ERIN = "e1e00000-0000-4000-8000-000000000005"  # (the websocket's user_id is a uuid)


def test_a_random_sequence_of_marks_funding_triggers_and_orders_keeps_the_invariants(mock: MockServer) -> None:
    """Orders and exit triggers at random between four users, the mark on a random walk and the clock moving past
    funding times: after each step no account but the house's is below zero, the positions (the backstop's too) sum to
    zero, and the cash of every account (the backstop's and the insurance fund's too) less the positions' signed entry
    cost is what was funded less the fees paid plus the funding received; liquidations happen, through the book and
    the backstop, the insurance fund covers a deficit, triggers fire and funding is paid."""
    for user in USERS[2:]:
        fund(mock, user, 10_000)
    exchange = mock.app.control.perps
    state, cash = exchange.state, exchange.cash
    funded = 4 * 10_000 * DOLLAR
    draw = random.Random(53)
    mark = 3000
    for n in range(400):
        roll = draw.random()
        if roll < 0.2:
            gap = 500 if draw.random() < 0.15 else 150  # (a gap takes an account below zero)
            mark = max(1000, mark + draw.randint(-gap, gap) + (3000 - mark) // 10)
            mock.set_perp_marks(ETH, mark_price=str(mark))
        elif roll < 0.27:
            mock.advance_clock(seconds=draw.choice((600, 1800, 3600)))  # (funding times pass: every hour)
        elif roll < 0.37:
            legs = {"stop_loss_price": str(mark - draw.randint(-20, 120)),
                    "take_profit_price": str(mark + draw.randint(-20, 120))}  # fmt: skip
            try:
                mock.set_perp_exit_trigger(draw.choice(USERS), ETH, **legs)
            except ControlError as exc:  # no position to protect
                assert "position" in str(exc), exc
        else:
            user, side = draw.choice(USERS), draw.choice(("bid", "ask"))
            tif = draw.choice(("good_till_canceled", "immediate_or_cancel"))
            price = str(mark + draw.randint(-40, 40))
            try:
                mock.place_perp_order(user, ETH, side, str(draw.randint(1, 30)), price, f"o{n}", tif)
            except ControlError as exc:  # a refusal (margin, mostly) changes nothing
                assert "margin" in str(exc), exc
        for user in USERS:  # (a liquidated account is funded again, so the sequence goes on trading)
            if cash.balance(user, 0) < 2_000 * DOLLAR:
                mock.deposit(user, 500_000)
                mock.intra_exchange_transfer(user, "event_contract", "margined", 5_000 * 10_000)
                funded += 5_000 * DOLLAR
        accounts = [key for key in state.positions if key[0] not in HOUSE]
        assert all(cash.balance(*key) >= 0 for key in accounts)
        held = [position for positions in state.positions.values() for position in positions.values()]
        assert sum(position.size for position in held) == 0
        signed_cost = sum(p.entry_cost if p.size > 0 else -p.entry_cost for p in held if p.size)
        fees = sum(fill.fee for fills in state.fills.values() for fill in fills)
        received = sum(payment.amount for payments in state.funding_payments.values() for payment in payments)
        everyone = sum(cash.balance(user, 0) for user in (*USERS, *HOUSE))
        assert everyone - signed_cost == funded - fees + received, n
    records = [record for user in USERS for record in state.liquidations.get(user, ())]
    closes = [close for record in records for close in record.closes]
    assert any(close.book_count for close in closes) and any(close.backstop_count for close in closes)
    assert any(record.deficit for record in records)
    assert -cash.balance(INSURANCE_FUND, 0) == sum(record.deficit for record in records)
    assert all(record.equity * 1_000_000 <= record.maintenance * state.liquidation_threshold for record in records)
    fills = [fill for user in USERS for fill in state.fills.get(user, ())]
    assert any(fill.source == "system" for fill in fills)  # (triggers fired, liquidations closed through the book)
    assert any(payment.amount for payments in state.funding_payments.values() for payment in payments)


def test_a_liquidation_end_to_end(mock: MockServer, bob: httpx.Client) -> None:
    """Erin, long 30 ETH at 3,000 with a bid resting, is liquidated when the admin API moves the mark to 2,800: her
    bid is cancelled (MarginCancel), 10 are sold to carol's bid of 2,750 through the book and 20 taken over by the
    backstop at the mark, each fill hers and the exchange's (order_source system) on REST and the websocket, the
    market's trades and ticker move; at 2,830 first she is in the liquidation queue. A second position, opened again
    and taken below zero, is covered by the insurance fund."""
    fund(mock, "carol", 10_000)
    fund(mock, ERIN, 10_000)
    with signed(mock, ERIN) as erin:
        _liquidated_end_to_end(mock, erin, bob)


def _liquidated_end_to_end(mock: MockServer, alice: httpx.Client, bob: httpx.Client) -> None:
    placed(bob, **order(ETH, "ask", "30", "3000"))
    placed(alice, **order(ETH, "bid", "30", "3000", time_in_force="immediate_or_cancel"))
    resting = placed(alice, **order(ETH, "bid", "1", "2000"))["order_id"]
    mock.place_perp_order("carol", ETH, "bid", "10", "2750", "c1")
    admin = f"{mock.base_url}/_admin/perps"
    with session(mock, signer_of(mock, ERIN)) as ws:
        ws.subscribe(channels=["user_orders", "fill"])
        ws.subscribe(channels=["trade", "ticker"], market_tickers=[ETH])
        moved = httpx.post(f"{admin}/markets/marks", json={"ticker": ETH, "mark_price": "2830"}, timeout=10)
        assert moved.status_code == 200, moved.text
        queued = httpx.post(f"{admin}/liquidations", json={"user_id": ERIN}, timeout=10).json()
        assert queued["liquidations"] == [] and [q["subaccount"] for q in queued["queue"]] == [0]
        # equity 10,000 - 45 of fees - 30 x 170 over the maintenance margin, 30 x 2,830 x 5%: 1.14...
        assert queued["queue"][0]["margin_ratio"] == str((Decimal(4855) / Decimal(4245)).quantize(Decimal("1e-6")))
        httpx.post(f"{admin}/markets/marks", json={"ticker": ETH, "mark_price": "2800"}, timeout=10).raise_for_status()
        frames = ws.settled()
    record = httpx.post(f"{admin}/liquidations", json={"user_id": ERIN}, timeout=10).json()
    assert record["queue"] == []
    (liquidated,) = record["liquidations"]
    assert liquidated["cancelled_orders"] == [resting] and liquidated["deficit_covered"] == "0.000000"
    assert liquidated["closes"] == [{"ticker": ETH, "position": "30.00", "book_count": "10.00",
                                     "book_value": "27500.000000", "backstop_count": "20.00",
                                     "backstop_price": "2800.0000"}]  # fmt: skip
    # REST: the orders, fills, positions and balance
    orders = {o["order_id"]: o for o in alice.get("/margin/orders", params={"limit": 100}).json()["orders"]}
    assert orders[resting]["last_update_reason"] == "MarginCancel" and orders[resting]["order_source"] == "user"
    fills = alice.get("/margin/fills", params={"limit": 100}).json()["fills"]
    system = [(f["side"], f["count"], f["price"], f["is_taker"]) for f in fills if f["order_source"] == "system"]
    assert sorted(system) == [("ask", "10.00", "2750.0000", True), ("ask", "20.00", "2800.0000", True)]
    assert all(orders[f["order_id"]]["order_source"] == "system" for f in fills if f["order_source"] == "system")
    assert all(p["position"] == "0.00" for p in alice.get("/margin/positions").json()["positions"])
    fees = sum(Decimal(f["fees"]) for f in fills)
    left = Decimal(10_000) - 10 * 250 - 20 * 200 - fees
    (balance,) = alice.get("/margin/balance").json()["subaccount_balances"]
    assert Decimal(balance["account_equity"]) == left and balance["maintenance_margin"] == "0.000000"
    backstop = mock.perps_account(BACKSTOP)["positions"]
    assert [(p["ticker"], p["position"]) for p in backstop] == [(ETH, "20.00")]
    # the websocket: the cancel, the fills (system), the trades, the ticker at the new mark
    kinds = [(f["type"], f["msg"].get("order_source"), f["msg"].get("last_update_reason")) for f in frames]
    assert ("user_order", "user", "MarginCancel") in kinds
    ws_fills = [f["msg"] for f in frames if f["type"] == "fill"]
    assert sorted((f["count"], f["price"], f["order_source"], f["post_position"]) for f in ws_fills) == [
        ("10.00", "2750.0000", "system", "20.00"), ("20.00", "2800.0000", "system", "0.00")
    ]  # fmt: skip
    trades = [(f["msg"]["count"], f["msg"]["price"]) for f in frames if f["type"] == "trade"]
    assert trades == [("10.00", "2750.0000"), ("20.00", "2800.0000")]
    assert any(f["type"] == "ticker" and f["msg"]["liquidation_mark_price"]["price"] == "2800.0000" for f in frames)
    # again, taken below zero: the insurance fund pays the deficit back to zero
    placed(bob, **order(ETH, "ask", "10", "2800", client_order_id="again"))
    placed(alice, **order(ETH, "bid", "10", "2800", time_in_force="immediate_or_cancel", client_order_id="again"))
    before = mock.perps_account(ERIN)["cash"]
    mock.set_perp_marks(ETH, mark_price="2000")
    second = mock.perps_liquidations(ERIN, subaccount=0)["liquidations"][-1]
    deficit = 10 * 800 - Decimal(before) + 10  # the loss at the mark less the cash, and the taker fee (0.05%)
    assert Decimal(second["deficit_covered"]) == deficit and second["covered_by"] == INSURANCE_FUND
    assert mock.perps_account(ERIN)["cash"] == "0.000000"
    assert Decimal(mock.perps_account(INSURANCE_FUND)["cash"]) == -deficit


def test_a_move_of_one_market_liquidates_at_the_threshold_across_the_accounts_markets(mock: MockServer) -> None:
    """Setting the thresholds liquidates no one; a move of ETH's mark (to where it is) then liquidates alice, whose
    ratio is exactly the threshold, closing her BTC position too (cross margin); bob, above it and below the queue's
    threshold, enters the queue."""
    mock.place_perp_order("bob", ETH, "ask", "10", "3000", "b1")
    mock.place_perp_order("alice", ETH, "bid", "10", "3000", "a1", "immediate_or_cancel")
    mock.place_perp_order("bob", BTC, "ask", "0.50", "100000", "b2")
    mock.place_perp_order("alice", BTC, "bid", "0.50", "100000", "a2", "immediate_or_cancel")
    # alice: 10,000 - 40 of taker fees over 5% of 30,000 + 50,000 = 2.49; bob: 10,000 - 16 of maker fees = 2.496
    mock.set_perps_risk_parameters(liquidation_margin_ratio_threshold="2.49", queue_entry_margin_ratio_threshold="3")
    assert mock.perps_liquidations("alice") == {"liquidations": [], "queue": []}
    mock.set_perp_marks(ETH, mark_price="3000")
    (record,) = mock.perps_liquidations("alice")["liquidations"]
    assert (record["equity"], record["maintenance_margin"]) == ("9960.000000", "4000.000000")
    closed = [
        (c["ticker"], c["position"], c["book_count"], c["backstop_count"], c["backstop_price"])
        for c in record["closes"]
    ]
    assert closed == [(BTC, "0.50", "0.00", "0.50", "100000.0000"), (ETH, "10.00", "0.00", "10.00", "3000.0000")]
    assert mock.perps_account("alice")["positions"] == [] and record["deficit_covered"] == "0.000000"
    held = {p["ticker"]: p["position"] for p in mock.perps_account(BACKSTOP)["positions"]}
    assert held == {BTC: "0.50", ETH: "10.00"}
    bob = mock.perps_liquidations("bob")
    assert bob["liquidations"] == [] and [(q["subaccount"], q["margin_ratio"]) for q in bob["queue"]] == [
        (0, "2.496000")
    ]


def test_a_users_liquidation_records_are_bounded_by_the_history_size() -> None:
    """The exchange's core alone, its history size 2: three liquidations of a user keep the newest two."""
    ids = itertools.count()
    exchange = PerpsExchange(ManualClock(T0), EventBus(), lambda: f"id-{next(ids)}", history_size=2)
    cash = OwnCash()
    exchange.use_cash(cash, NoMembers())
    exchange.listing.list_market(ListPerpMarket(ETH, 3000 * PRICE))
    seen = []
    for n in range(3):
        cash.move("alice", 1_000 * DOLLAR, 0)
        cash.move("bob", 1_000 * DOLLAR, 0)
        exchange.set_marks(SetPerpMarks(ETH, mark_price=3000 * PRICE))
        exchange.trading.place(PlacePerpOrder("bob", ETH, "ask", 300, 3000 * PRICE, f"b{n}"))
        exchange.trading.place(PlacePerpOrder("alice", ETH, "bid", 300, 3000 * PRICE, f"a{n}", "immediate_or_cancel"))
        exchange.set_marks(SetPerpMarks(ETH, mark_price=2700 * PRICE))  # (alice: 1,000 - 900 of 405 maintenance)
        seen.append(exchange.state.liquidations["alice"][-1].liquidation_id)
    assert len(set(seen)) == 3
    assert [record.liquidation_id for record in exchange.state.liquidations["alice"]] == seen[1:]
