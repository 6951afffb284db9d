"""Liquidation at its edges, over real HTTP and the control plane (core/perps/liquidation.py, docs/perps.md): a short
in a numbered subaccount, queued and then liquidated, its resting order cancelled and its purchase taken through the
book up to its own bankruptcy price (not its main account's), the rest by the backstop, each order of it tagged with
the liquidation's id; the smallest long closed by a sale; a market that does not trade leaving the whole position to
the backstop; and a cascade, where the accounts a liquidation's trades take below the threshold are liquidated in
turn."""

from __future__ import annotations

import httpx
from perps_fixtures import alice_client, bob_client, fresh, module_server  # noqa: F401  (fixtures)
from perps_http import BTC, ETH, fund, open_subaccount, order, placed

from mockexchange.core.perps.liquidation import BACKSTOP
from mockexchange.server import MockServer


def test_a_short_in_a_subaccount_is_bought_back_through_the_book_to_its_own_bankruptcy_price(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    """Alice's subaccount 1 ($2,000) sells 5 ETH at 3,000 to bob (a maker fee of $3) with an ask resting at 4,000.
    At a mark of 3,200 its ratio is 997 / 800: queued; back at 3,000, out of the queue. At 3,300 it is 497 / 825:
    liquidated. Its ask is cancelled (subaccount 0's bid rests on);
    it buys back at most at its bankruptcy price, 3,300 + 497 / 5 = 3,399.40 (its main account's $8,000 would allow
    4,900): dave's 2 at 3,350 through the book, not his 2 at 3,500; the backstop takes the other 3 over at the mark."""
    mock.set_perps_risk_parameters(liquidation_margin_ratio_threshold="1", queue_entry_margin_ratio_threshold="1.5")
    fund(mock, "dave", 10_000)
    open_subaccount(alice, 1, 200_000)
    placed(alice, **order(ETH, "ask", "5", "3000", subaccount=1))
    placed(bob, **order(ETH, "bid", "5", "3000"))
    resting = placed(alice, **order(ETH, "ask", "1", "4000", subaccount=1))["order_id"]
    for price in ("3350", "3500"):
        mock.place_perp_order("dave", ETH, "ask", "2", price, f"d{price}")
    kept = placed(alice, **order(ETH, "bid", "1", "2000"))["order_id"]  # (subaccount 0's: not liquidated)
    mock.set_perp_marks(ETH, mark_price="3200")
    queued = mock.perps_liquidations("alice")
    assert queued["liquidations"] == [] and [(q["subaccount"], q["margin_ratio"]) for q in queued["queue"]] == [
        (1, "1.246250")
    ]
    mock.set_perp_marks(ETH, mark_price="3000")  # back above the queue's threshold: out of it
    assert mock.perps_liquidations("alice")["queue"] == []
    mock.set_perp_marks(ETH, mark_price="3300")
    found = mock.perps_liquidations("alice")
    assert found["queue"] == []
    (record,) = found["liquidations"]
    assert (record["user_id"], record["subaccount"], record["cancelled_orders"]) == ("alice", 1, [resting])
    assert record["closes"] == [{"ticker": ETH, "position": "-5.00", "book_count": "2.00", "book_value": "6700.000000",
                                 "backstop_count": "3.00", "backstop_price": "3300.0000"}]  # fmt: skip
    orders = alice.get("/margin/orders", params={"subaccount": 1, "limit": 100}).json()["orders"]
    tags = {o["client_order_id"] for o in orders if o["order_source"] == "system"}
    assert tags == {f"liquidation-{record['liquidation_id']}"}
    assert alice.get(f"/margin/orders/{kept}").json()["order"]["remaining_count"] == "1.00"
    assert {p["ticker"]: p["position"] for p in mock.perps_account(BACKSTOP)["positions"]} == {ETH: "-3.00"}


def test_the_smallest_long_is_closed_by_a_sale(mock: MockServer, alice: httpx.Client, bob: httpx.Client) -> None:
    """0.01 BTC (the smallest count) bought with $150 in subaccount 1, bob bidding 88,000 for it: at a mark of 89,000
    its equity, 150 - 0.20 - 110, is under its maintenance margin, 44.50, and its sale, bound at 85,020, takes bob's
    bid; the subaccount holds none."""
    open_subaccount(alice, 1, 15_000)
    placed(bob, **order(BTC, "ask", "0.01", "100000"))
    placed(alice, **order(BTC, "bid", "0.01", "100000", subaccount=1))
    placed(bob, **order(BTC, "bid", "0.01", "88000"))
    mock.set_perp_marks(BTC, mark_price="89000")
    (record,) = mock.perps_liquidations("alice", subaccount=1)["liquidations"]
    assert record["closes"] == [{"ticker": BTC, "position": "0.01", "book_count": "0.01", "book_value": "880.000000",
                                 "backstop_count": "0.00", "backstop_price": "89000.0000"}]  # fmt: skip
    assert alice.get("/margin/positions", params={"subaccount": 1}).json()["positions"] == []


def test_a_market_that_does_not_trade_leaves_the_whole_position_to_the_backstop(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    """Alice long 30 ETH at 3,000, carol bidding 2,750 for 10; the market is closed, so the book takes nothing of
    her position when the mark falls to 2,700: the backstop takes all 30."""
    fund(mock, "carol", 10_000)
    placed(bob, **order(ETH, "ask", "30", "3000"))
    placed(alice, **order(ETH, "bid", "30", "3000"))
    mock.place_perp_order("carol", ETH, "bid", "10", "2750", "c1")
    mock.update_perp_market(ETH, status="closed")
    mock.set_perp_marks(ETH, mark_price="2700")
    (record,) = mock.perps_liquidations("alice")["liquidations"]
    (close,) = record["closes"]
    assert (close["book_count"], close["book_value"], close["backstop_count"]) == ("0.00", "0.000000", "30.00")


def test_an_account_a_liquidations_trades_take_below_the_threshold_is_liquidated_in_turn(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    """The thresholds at 1.5 (liquidation) and 2 (the queue). Frank ($2,000) buys 5 ETH at 3,000 (a taker fee of
    $7.50); carol ($1,500, holding nothing) bids 2,900 for 5. At a mark of 2,800 Frank's ratio is 992.50 / 700: he is
    liquidated, and his sale, bound at 2,601.50, takes carol's bid. Now long 5 at 2,900 against the mark of 2,800, her
    ratio is 997.10 / 700, under the threshold: the same move liquidates her too, and the backstop takes her 5."""
    mock.set_perps_risk_parameters(liquidation_margin_ratio_threshold="1.5", queue_entry_margin_ratio_threshold="2")
    fund(mock, "frank", 2_000)
    fund(mock, "carol", 1_500)
    placed(bob, **order(ETH, "ask", "5", "3000"))
    mock.place_perp_order("frank", ETH, "bid", "5", "3000", "f1", "immediate_or_cancel")
    mock.place_perp_order("carol", ETH, "bid", "5", "2900", "c1")
    mock.set_perp_marks(ETH, mark_price="2800")
    (frank,) = mock.perps_liquidations("frank")["liquidations"]
    assert (frank["closes"][0]["book_count"], frank["closes"][0]["book_value"]) == ("5.00", "14500.000000")
    (carol,) = mock.perps_liquidations("carol")["liquidations"]
    assert (carol["equity"], carol["maintenance_margin"]) == ("997.100000", "700.000000")
    assert (carol["closes"][0]["position"], carol["closes"][0]["backstop_count"]) == ("5.00", "5.00")
