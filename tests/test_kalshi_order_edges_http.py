"""Edges of Kalshi's order rules over real HTTP, each at the point where the rule turns: an amend of a resting post-only
order to a crossing price, an FCM subtrader's daily cap with its resting orders counted, a flat fee on hundredths of a
contract under a fractional multiplier, and an ended order whose last update is the historical cutoff itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from kalshi_http import ok, signed
from kalshi_orders import T0, M, N, client_of, fresh, module_server, order, place, refused, state

from mockexchange.server import MockServer

server_fixture = module_server()
alice_client = client_of("alice")


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    """alice ($100) and bob ($100), markets M and N; the house's YES bid 0.40 x10 and NO bid 0.55 x5 (a YES ask at
    0.45) on M."""
    fresh(server).set_book(M, yes=[["0.40", "10"]], no=[["0.55", "5"]])
    return server


def amend(client, order_id: str, price: str, count: str = "2"):
    return client.post(f"/portfolio/events/orders/{order_id}/amend",
                       json={"ticker": M, "side": "bid", "price": price, "count": count})  # fmt: skip


def seen(client, order_id: str) -> tuple:
    """What the wire shows of the order, the book and the balance."""
    return (ok(client, f"/portfolio/orders/{order_id}")["order"], ok(client, f"/markets/{M}/orderbook"),
            ok(client, "/portfolio/balance"))  # fmt: skip


def test_amending_a_post_only_order_to_a_crossing_price_is_refused_and_changes_nothing(mock, alice):
    resting = place(alice, count="2", price="0.30", post_only=True)["order_id"]
    before, wire = state(mock), seen(alice, resting)
    refused(amend(alice, resting, "0.45"), 400, "post_only_cross")  # the YES ask is 0.45
    refused(amend(alice, resting, "0.50", count="3"), 400, "post_only_cross")
    assert state(mock) == before and seen(alice, resting) == wire
    assert amend(alice, resting, "0.44").status_code == 200  # a price short of the ask still moves it
    row = ok(alice, f"/portfolio/orders/{resting}")["order"]
    assert (row["status"], row["yes_price_dollars"], row["fill_count_fp"]) == ("resting", "0.4400", "0.00")


def test_an_fcm_subtraders_daily_cap_counts_what_its_resting_orders_may_still_cost(mock):
    mock.create_account("fcm", balance_cents=0, fcm_member=True)
    mock.create_account("fcm_A", balance_cents=10_000, subtrader_of="fcm")
    # On N (no book: both rest), each bid's worst cost is its price and its taker fee: 0.40 + 0.0168 and 0.60 + 0.0168.
    mock.set_fcm_daily_cap("fcm", "fcm_A", "1.0335")
    with signed(mock, "fcm", subtrader_id="fcm_A") as bound, signed(mock, "fcm") as member:
        first = place(bound, ticker=N, price="0.40")["order_id"]
        before = state(mock)
        refused(bound.post("/portfolio/events/orders", json=order(ticker=N, price="0.60")), 403, "forbidden")
        assert state(mock) == before
        assert bound.delete(f"/portfolio/events/orders/{first}").status_code == 200
        place(bound, ticker=N, price="0.60")  # alone it fits
        mock.set_fcm_daily_cap("fcm", "fcm_A", "1.0336")  # to the micro-dollar: the cap itself may be reached
        place(bound, ticker=N, price="0.40")
        cap = ok(member, "/fcm/subtraders/event_contract_daily_cap", subtrader_id="fcm_A")
        assert (cap["executed_utilization"], cap["resting_order_utilization"]) == ("0.000000", "1.033600")


def test_a_flat_fee_on_hundredths_of_a_contract_rounds_up_to_the_centi_cent_never_to_zero(mock, alice):
    mock.set_series("KXORD", fee_type="flat", fee_multiplier="0.3")  # 0.3 of a cent a contract, for takers
    tiny = place(alice, count="0.01", price="0.45")  # 0.00003 dollars: up to 0.0001
    odd = place(alice, count="1.01", price="0.45")  # 0.00303 dollars: up to 0.0031
    fees = {f["order_id"]: f["fee_cost"] for f in ok(alice, "/portfolio/fills")["fills"]}
    assert fees == {tiny["order_id"]: "0.000100", odd["order_id"]: "0.003100"}
    taken = {o["order_id"]: o["taker_fees_dollars"] for o in ok(alice, "/portfolio/orders")["orders"]}
    assert taken == fees
    # 100 less 1.02 x 0.45 and the two fees
    assert ok(alice, "/portfolio/balance")["balance_dollars"] == "99.5378"


def test_an_order_ended_at_the_cutoff_itself_is_the_live_reads_and_a_microsecond_later_the_historical(mock, alice):
    cancelled = place(alice, price="0.30")["order_id"]
    mock.ledger.state.clock.set(T0 + timedelta(seconds=5))
    assert alice.delete(f"/portfolio/events/orders/{cancelled}").status_code == 200
    executed = place(alice, count="1", price="0.45")["order_id"]  # fills whole from the house's ask, ending now
    ended = {cancelled, executed}
    cutoff = T0 + timedelta(seconds=5)
    # Kalshi: orders cancelled or fully executed *before* orders_updated_ts are the historical reads'.
    mock.set_historical_cutoff(orders_updated_ts=cutoff.isoformat())
    assert {o["order_id"] for o in ok(alice, "/portfolio/orders")["orders"]} == ended
    assert ok(alice, "/historical/orders")["orders"] == []
    for order_id in ended:
        assert ok(alice, f"/portfolio/orders/{order_id}")["order"]["status"] in ("canceled", "executed")
    mock.set_historical_cutoff(orders_updated_ts=(cutoff + timedelta(microseconds=1)).isoformat())
    assert ok(alice, "/portfolio/orders")["orders"] == []
    assert {o["order_id"] for o in ok(alice, "/historical/orders")["orders"]} == ended
    for order_id in ended:
        assert alice.get(f"/portfolio/orders/{order_id}").status_code == 404
