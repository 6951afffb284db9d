"""A Kalshi market's lifecycle, rule by rule, in the ledger (core/kalshi/lifecycle.py): a determined market settles
with its own result only, once; a pause and a resume say when and which market; a close time moved later tells the new
time, pushes the latest expiration time with it and opens a closed market again, moved to its open time is refused,
moved earlier where closing early is not allowed is refused unless the market is closed already; the exchange's
trading switched off ends the orders that asked, and any other change of its status does not."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

from kalshi_commands import refusal
from test_kalshi_orders_core import T0, M, bid, new_ledger

from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.market_changes import LIFECYCLE
from mockexchange.core.kalshi.market_commands import SetExchangeStatus, UpdateMarket
from mockexchange.core.kalshi.markets import Settlement
from mockexchange.core.kalshi.subaccount_commands import CreateSubaccount


def _told(ledger: Ledger) -> list:
    told: list = []
    ledger.state.bus.subscribe(lambda change: told.append(change.payload), [LIFECYCLE])
    return told


def test_a_determined_market_settles_with_its_own_result_once() -> None:
    ledger = new_ledger("a")
    ledger.filling.apply_fill("a", M, "yes", "buy", D(2), D("0.40"))
    lifecycle = ledger.lifecycle
    lifecycle.determine_market(M, "yes")
    assert refusal(lifecycle.settle_market, M, "no") == (409, None, f"market {M!r} is determined 'yes', not 'no'")
    lifecycle.settle_market(M, "yes")
    row = ledger.state.positions.get("a", 0, M)
    assert ledger.state.markets[M].finalized and (row.settled, row.realized_pnl) == (True, D("1.2"))  # 2 x (1 - 0.40)
    assert refusal(lifecycle.settle_market, M, "yes") == (409, None, f"market {M!r} is already settled")


def test_a_settlement_records_what_each_side_held_cost_and_was_paid() -> None:
    ledger = new_ledger("a", "b")
    ledger.subaccounts.create_subaccount(CreateSubaccount("b"))
    ledger.filling.apply_fill("a", M, "yes", "buy", D(3), D("0.40"), fee=D("0.03"))
    ledger.filling.apply_fill("a", M, "yes", "sell", D(1), D("0.50"), fee=D(0))  # holds 2 that cost 0.80
    ledger.filling.apply_fill("b", M, "no", "buy", D(3), D("0.55"), subaccount=1, fee=D("0.05"))
    ledger.state.clock.advance(seconds=60)
    ledger.lifecycle.determine_market(M, "no")
    ledger.state.clock.advance(seconds=60)  # paid a minute after it closed
    ledger.lifecycle.settle_market(M, "no")
    now = ledger.state.clock.now()
    (yes,), (no,) = (list(ledger.state.settlements.records(user)) for user in ("a", "b"))
    assert yes == Settlement(
        "a", 0, M, "KXORD-26NOV", 0, "no", yes_count=D(2), yes_total_cost=D("0.80"), no_count=D(0),
        no_total_cost=D(0), revenue=D(0), fee_cost=D("0.03"), settled_time=now,
    )  # fmt: skip
    assert no == Settlement(
        "b", 1, M, "KXORD-26NOV", 0, "no", yes_count=D(0), yes_total_cost=D(0), no_count=D(3),
        no_total_cost=D("1.65"), revenue=D(3), fee_cost=D("0.05"), settled_time=now,
    )  # fmt: skip


def test_a_pause_and_a_resume_tell_which_market_and_when() -> None:
    ledger = new_ledger("a")
    told = _told(ledger)
    clock = ledger.state.clock
    clock.advance(seconds=5)
    ledger.lifecycle.pause_market(M)
    assert refusal(ledger.lifecycle.pause_market, M) == (
        409,
        None,
        f"only an active market can be paused; {M!r} is inactive",
    )
    clock.advance(seconds=5)
    ledger.lifecycle.resume_market(M)
    assert [(e.ticker, e.event_type, e.at) for e in told] == [
        (M, "deactivated", T0 + timedelta(seconds=5)), (M, "activated", T0 + timedelta(seconds=10)),
    ]  # fmt: skip
    assert ledger.state.markets[M].updated_time == T0 + timedelta(seconds=10)


def test_a_close_time_moved_later_tells_it_and_reopens_earlier_only_where_allowed() -> None:
    ledger = new_ledger("a")
    market, lifecycle = ledger.state.markets[M], ledger.lifecycle
    told = _told(ledger)
    later = market.close_time + timedelta(days=30)
    assert market.latest_expiration_time < later
    lifecycle.set_close_time(M, later)
    assert (market.close_time, market.latest_expiration_time) == (later, later)
    assert [(e.ticker, e.event_type, e.at, e.close_time) for e in told] == [(M, "close_date_updated", T0, later)]
    opens = T0 + timedelta(days=1)
    ledger.catalogue.list_market("KXORD-26NOV-LATE", fields={"open_time": opens, "close_time": later})
    refused = refusal(lifecycle.set_close_time, "KXORD-26NOV-LATE", opens)
    assert refused == (400, None, "close_time must be after open_time")
    ledger.catalogue.update_market(UpdateMarket(M, can_close_early=False))
    said = f"market {M!r} cannot close early (can_close_early is false)"
    assert refusal(lifecycle.set_close_time, M, later - timedelta(seconds=1)) == (409, None, said)
    lifecycle.set_close_time(M, later)  # the same time: not earlier
    ledger.state.clock.advance(seconds=int((later - T0).total_seconds()))
    ledger.lifecycle.run_due()  # it closes at its time
    assert market.status == "closed"
    told.clear()
    again = ledger.state.clock.now() + timedelta(days=1)
    lifecycle.set_close_time(M, again)  # closed already, not early: it opens again
    assert (market.status, [(e.ticker, e.event_type) for e in told]) == (
        "active", [(M, "close_date_updated"), (M, "activated")],
    )  # fmt: skip
    lifecycle.settle_market(M, "no")
    assert refusal(lifecycle.set_close_time, M, again) == (
        409,
        None,
        f"market {M!r} is finalized: its close time is past moving",
    )


def test_trading_switched_off_ends_the_orders_that_asked_and_nothing_else_does() -> None:
    ledger = new_ledger("a")
    asked = bid(ledger, "a", 30, 1, cancel_order_on_pause=True).order.order_id
    kept = bid(ledger, "a", 31, 1).order.order_id
    status = ledger.lifecycle.set_exchange_status
    status(SetExchangeStatus(exchange_estimated_resume_time=T0 + timedelta(hours=1)))  # trading stays on
    assert ledger.state.all_orders[asked].status == "resting"
    status(SetExchangeStatus(trading_active=False))
    assert (ledger.state.all_orders[asked].status, ledger.state.all_orders[kept].status) == ("canceled", "resting")
