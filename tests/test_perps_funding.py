"""Funding on the perps exchange's clock, over real HTTP and the websocket, on a ManualClock: a long and a short, a
path moving the marks, the clock moved past two funding times: each payment exactly as the formula (computed here on
its own), the cash moved by it, the funding history, the historical rates, the estimate between funding times, the
premium index and the ticker's `funding_rate`, every answer checked against the spec's schema (perps_http.py's
`check`); the reads' refusals; a restart keeping what was paid and the points ahead; a running clock and a scenario
making them; and a random sequence of marks, clock moves and trades keeping money (apart from fees
and funding) and positions (summing to zero)."""

from __future__ import annotations

import random
import threading
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import httpx
from perps_fixtures import alice_client, bob_client, fresh, module_server  # noqa: F401
from perps_http import BTC, ETH, T0, order, placed, public, ready, signed
from perps_ws import session, signer_of

from mockexchange.control.errors import ControlError
from mockexchange.core.clock import ManualClock, SystemClock
from mockexchange.core.events import EventBus
from mockexchange.core.perps import funding, premium
from mockexchange.core.perps.exchange import PerpsExchange
from mockexchange.core.perps.mark_path import SetPerpMarkPath
from mockexchange.core.perps.market_commands import ListPerpMarket
from mockexchange.registry import perps as perps_registry
from mockexchange.server import MockServer

HOUR = timedelta(hours=1)


def _ts(when: datetime) -> int:
    return int(when.timestamp())


def _z(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _rate(exact: Fraction) -> Decimal:
    """A period's rate as the exchange rounds it: 12 places, a tie to the even one."""
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal("1e-12"), ROUND_HALF_EVEN)


def _paid(size: Decimal, mark: Decimal, rate: Decimal) -> Decimal:
    """What a position of `size` contracts is paid (below 0: pays) at `mark` and `rate`, to the micro-dollar."""
    return (-size * mark * rate).quantize(Decimal("0.000001"), ROUND_HALF_EVEN)


def _cash(mock: MockServer, user: str) -> Decimal:
    return Decimal(mock.perps_account(user)["cash"])


def test_funding_is_paid_at_each_time_at_the_marks_then(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    # Alice long 0.1 and Bob short 0.1 at 100,000; the book then 100,100 bid, 100,200 asked: a premium of 0.001
    placed(alice, **order(BTC, "bid", "0.1", "100000"))
    placed(bob, **order(BTC, "ask", "0.1", "100000"))
    placed(alice, **order(BTC, "bid", "0.1", "100100"))
    placed(bob, **order(BTC, "ask", "0.1", "100200"))
    before = {user: _cash(mock, user) for user in ("alice", "bob")}
    # the marks along a path: the settlement mark 101,000 at 15:30, the index 100,050 at 16:30 and the mark 99,000
    mock.set_perp_mark_path(BTC, [
        {"seconds": 1800, "mark_price": "101000"},
        {"at": (T0 + 90 * timedelta(minutes=1)).isoformat(), "reference_price": "100050", "mark_price": "99000"},
    ])  # fmt: skip
    with public(mock) as anyone, session(mock, signer_of(mock, "alice")) as ws:
        ws.subscribe(channels=["ticker"], market_tickers=[BTC], send_initial_snapshot=True)
        (first,) = ws.settled()
        assert first["msg"]["funding_rate"]["next_funding_time_ms"] == _ts(T0 + HOUR) * 1000

        # between funding times: the estimate of the period so far (1,200 whole bars at 0.001)
        mock.advance_clock(seconds=1200)
        estimate = anyone.get("/margin/funding_rates/estimate", params={"ticker": BTC}).json()
        assert estimate == {
            "market_ticker": BTC, "computed_time": _z(T0 + timedelta(seconds=1200)), "funding_rate": 0.001,
            "mark_price": "100000.0000", "next_funding_time": _z(T0 + HOUR), "premium_index": "0.001",
            "premium_index_ts": _z(T0 + timedelta(seconds=1199)),
        }  # fmt: skip

        # past two funding times (16:00 and 17:00), each paid at the marks then
        mock.advance_clock(seconds=2 * 3600 - 1200 + 30)
        first_rate = _rate(Fraction(1, 1000))
        second_rate = _rate((Fraction(1, 1000) + Fraction(50, 100050)) / 2)  # half the period each
        expected = [
            (T0 + HOUR, first_rate, Decimal("101000")),
            (T0 + 2 * HOUR, second_rate, Decimal("99000")),
        ]
        rates = anyone.get("/margin/funding_rates/historical", params={"ticker": BTC}).json()["funding_rates"]
        assert [(r["funding_time"], Decimal(str(r["funding_rate"])), r["mark_price"]) for r in rates] == [
            (_z(when), rate, f"{mark}.0000") for when, rate, mark in expected
        ]
        for user, size in (("alice", Decimal("0.1")), ("bob", Decimal("-0.1"))):
            client = alice if user == "alice" else bob
            asked = {"start_date": "2026-11-02", "end_date": "2026-11-02"}
            history = client.get("/margin/funding_history", params=asked).json()["funding_history"]
            paid = [_paid(size, mark, rate) for _, rate, mark in expected]
            assert [(h["market_ticker"], h["funding_time"], Decimal(h["funding_amount"]), h["quantity"],
                     h["subaccount_number"]) for h in history] == [
                (BTC, _z(when), amount, f"{size:.2f}", 0) for (when, _, _), amount in zip(expected, paid, strict=True)
            ]  # fmt: skip
            assert _cash(mock, user) == before[user] + sum(paid)
        assert sum(_paid(Decimal("0.1"), m, r) for _, r, m in expected) < 0  # (the long paid a positive rate)

        # every market is funded: ETH-PERP has no book, so no premium (dampen: 0)
        everyone = anyone.get("/margin/funding_rates/historical", params={"start_ts": _ts(T0 + 2 * HOUR)}).json()
        assert [(r["market_ticker"], r["funding_rate"]) for r in everyone["funding_rates"]] == [
            (BTC, float(second_rate)), (ETH, 0)
        ]  # fmt: skip

        # the premium index around the index's move at 16:30: per second, as the bars were measured
        moved = _ts(T0 + 90 * timedelta(minutes=1))
        points = anyone.get(
            "/margin/funding_rates/premium_index", params={"ticker": BTC, "start_ts": moved - 2, "end_ts": moved + 2}
        ).json()["points"]
        after = Decimal(50) / Decimal(100050)
        assert [p["premium_index"] for p in points] == ["0.001", "0.001", *[f"{after:.12f}".rstrip("0")] * 2]

        # the ticker's funding_rate moved at each funding time: the next time and the new period's rate
        shown = [frame["msg"]["funding_rate"] for frame in ws.settled() if frame["type"] == "ticker"]
        assert {rate["next_funding_time_ms"] for rate in shown} >= {
            _ts(T0 + 2 * HOUR) * 1000, _ts(T0 + 3 * HOUR) * 1000
        }  # fmt: skip
        # (the last as the new period began, at its funding time: no whole bar yet)
        assert shown[-1] == {"rate": 0, "next_funding_time_ms": _ts(T0 + 3 * HOUR) * 1000,
                               "ts_ms": _ts(T0 + 2 * HOUR) * 1000}  # fmt: skip
        estimate = anyone.get("/margin/funding_rates/estimate", params={"ticker": BTC}).json()
        assert Decimal(str(estimate["funding_rate"])) == _rate(Fraction(50, 100050))  # 30 whole bars since


def test_the_funding_reads_refuse_bad_input(mock: MockServer, alice: httpx.Client) -> None:
    with public(mock) as anyone:
        for params in (
            {"start_date": "2026-11-02"},
            {"start_date": "2026-11-02", "end_date": "02/11/2026"},
            {"start_date": "2026-11-03", "end_date": "2026-11-02"},
        ):
            assert alice.get("/margin/funding_history", params=params).status_code == 400, params
        missing = alice.get("/margin/funding_history", params={"start_date": "2026-11-02", "end_date": "2026-11-02",
                                                               "ticker": "NOPE"})  # fmt: skip
        assert missing.status_code == 404
        assert anyone.get("/margin/funding_history").status_code == 401
        assert anyone.get("/margin/funding_rates/historical", params={"ticker": "NOPE"}).status_code == 404
        assert (
            anyone.get("/margin/funding_rates/historical", params={"start_ts": "2", "end_ts": "1"}).status_code == 400
        )
        assert anyone.get("/margin/funding_rates/estimate").status_code == 400
        assert anyone.get("/margin/funding_rates/estimate", params={"ticker": "NOPE"}).status_code == 404
        window = {"ticker": BTC, "start_ts": _ts(T0)}
        for end in (_ts(T0), _ts(T0) + 3601, "x"):
            assert anyone.get("/margin/funding_rates/premium_index", params=window | {"end_ts": end}).status_code == 400
        before = {"ticker": BTC, "start_ts": -10, "end_ts": -5}  # (the spec's int64 of no bound: long before any point)
        assert anyone.get("/margin/funding_rates/premium_index", params=before).json() == {"points": []}
        full = anyone.get("/margin/funding_rates/premium_index", params=window | {"end_ts": _ts(T0) + 3600})
        assert full.json() == {"points": [{"second_ts": _z(T0), "premium_index": "0"}]}  # (up to now: no book yet)


def test_money_is_conserved_apart_from_fees_and_funding(mock: MockServer) -> None:
    """Random marks, paths, clock moves and trades between three users: at every step, the cash plus the positions'
    value at one price is what was funded less the fees, plus the funding paid in; the positions sum to zero."""
    users = ("alice", "bob", "carol")
    mock.create_account("carol", balance_cents=10_000 * 100)
    mock.intra_exchange_transfer("carol", "event_contract", "margined", 10_000 * 10_000)
    funded = sum(_cash(mock, user) for user in users)
    draw = random.Random(53)
    for step in range(60):
        action = draw.choice(("order", "order", "order", "marks", "path", "clock"))
        if action == "order":
            price = str(100_000 + draw.randint(-8, 8) * 50)
            side, size = draw.choice(("bid", "ask")), f"0.0{draw.randint(1, 5)}"
            with suppress(ControlError):  # (a refusal for want of margin changes nothing)
                mock.place_perp_order(user_id=draw.choice(users), ticker=BTC, side=side, count=size, price=price,
                                      client_order_id=f"o{step}")  # fmt: skip
        elif action == "marks":
            mock.set_perp_marks(BTC, mark_price=str(100_000 + draw.randint(-20, 20) * 50),
                                reference_price=str(100_000 + draw.randint(-4, 4) * 50))  # fmt: skip
        elif action == "path":
            later = draw.randint(1, 7200)
            mock.set_perp_mark_path(BTC, [{"seconds": later + 60 * k, "mark_price": str(99_000 + k * 500)}
                                          for k in range(3)])  # fmt: skip
        else:
            mock.advance_clock(seconds=draw.choice((1, 59, 1800, 3600, 5 * 3600)))
        exchange = mock.app.control.perps
        with exchange.lock:
            state = exchange.state
            held = [p for account in state.positions.values() for t, p in account.items() if t == BTC]
            assert sum(p.size for p in held) == 0
            fees = sum(fill.fee for fills in state.fills.values() for fill in fills)
            paid_in = sum(p.amount for payments in state.funding_payments.values() for p in payments)
            assert paid_in == sum(p.funding for p in held)
            mark = state.markets[BTC].mark
            value = sum(p.unrealized(mark) for p in held)  # (cash moves by what is realized: this is the rest)
        cash = sum(_cash(mock, user) for user in users)
        assert cash * 1_000_000 + value == (funded * 1_000_000) - fees + paid_in, step
    assert mock.app.control.perps.state.funding_payments  # (the sequence did pay funding)


def test_a_running_clock_makes_path_points_and_funding_when_they_fall_due() -> None:
    """On the system clock, with nobody reading or writing: a path's point is set, and a funding time (every second
    here) paid, by the due timer at its time."""
    bus = EventBus()
    exchange = PerpsExchange(SystemClock(), bus, lambda: "id", funding_interval=timedelta(seconds=1))
    perps_registry._configure(SimpleNamespace(perps=exchange), None)
    moved, funded = threading.Event(), threading.Event()
    bus.subscribe(lambda change: moved.set() if change.payload.mark == 1010000 else None, ["perps.market"])
    exchange.list_market(ListPerpMarket(BTC, 1_000_000))
    soon = exchange.state.clock.now() + timedelta(milliseconds=200)
    exchange.set_mark_path(SetPerpMarkPath(BTC, ((soon, (1_010_000, None, None, None)),)))
    assert moved.wait(10)
    bus.subscribe(lambda change: funded.set() if exchange.state.funding_rates else None, ["perps.market"])
    assert funded.wait(10)
    assert exchange.state.markets[BTC].liquidation_mark.at == soon  # (set at its own time)


SCENARIO = """
settings:
  start: "2026-11-02T15:00:00Z"
users:
  - {user_id: alice, balance_cents: 100000}
  - {user_id: bob, balance_cents: 100000}
steps:
  - intra_exchange_transfer: {user_id: alice, source: event_contract, destination: margined, amount: 10000000}
  - intra_exchange_transfer: {user_id: bob, source: event_contract, destination: margined, amount: 10000000}
  - perp_market: {ticker: SOL-PERP, mark_price: "150", fractional_trading_enabled: false}
  - perp_risk_parameters: {liquidation_margin_ratio_threshold: "1", queue_entry_margin_ratio_threshold: "1.5"}
  - perp_place_order: {user_id: alice, ticker: SOL-PERP, side: bid, count: "10", price: "150", client_order_id: a1}
  - perp_place_order: {user_id: bob, ticker: SOL-PERP, side: ask, count: "10", price: "150", client_order_id: b1}
  - perp_place_order: {user_id: alice, ticker: SOL-PERP, side: bid, count: "1", price: "150.15", client_order_id: a2}
  - perp_place_order: {user_id: bob, ticker: SOL-PERP, side: ask, count: "1", price: "151", client_order_id: b2}
  - perp_mark_path: {ticker: SOL-PERP, path: [{seconds: 1800, mark_price: "152"}]}
  - perp_corporate_action: {ticker: SOL-PERP, type: spin_off}
  - perp_update_market: {ticker: SOL-PERP, market_version: 2}
  - perp_marks: {ticker: SOL-PERP, reference_price: "150"}
  - wait: 3600
"""


def test_a_scenario_drives_the_marks_and_funding(mock: MockServer) -> None:
    mock.load_scenario(document=SCENARIO, run=True)
    state = mock.app.control.perps.state
    market = state.markets["SOL-PERP"]
    assert (market.mark, market.market_version, state.queue_threshold) == (1_520_000, 2, 1_500_000)
    (paid,) = state.funding_payments["alice"]
    # a premium of 0.15 / 150 over the hour (the book 150.15 bid, 151 asked), paid at the mark of 152
    assert (paid.funding.rate, paid.amount) == (10**9, -1_520_000)


def test_an_estimate_while_the_clock_is_caught_up_is_the_period_summed_anew() -> None:
    """What a change sets off while `run_due` makes a path's points (a ticker's estimate, summed on from the last)
    ends as the estimate of the whole period summed at once: each estimate stops at the point being made."""
    clock = ManualClock(T0)
    exchange = PerpsExchange(clock, EventBus(), lambda: "id")
    market = exchange.list_market(ListPerpMarket(BTC, 1_000_000))
    exchange.state.quotes[BTC] = [(_ts(T0) * 1_000_000, 1_001_000, 1_002_000)]  # (the top of its book, kept)
    points = ((600, (None, None, None, 1_000_500)), (1200, (None, None, None, 999_000)))
    exchange.set_mark_path(SetPerpMarkPath(BTC, points))
    seen = []
    exchange.state.bus.subscribe(lambda change: seen.append(exchange.funding_estimate(market, made=False).rate),
                                 ["perps.market"])  # fmt: skip
    clock.set(T0 + timedelta(minutes=30))
    now = exchange.funding_estimate(market)
    start, end = _ts(T0) * 1_000_000, _ts(clock.now()) * 1_000_000
    exact = premium.average(exchange.state, market, start, end)
    assert now.rate == funding.rate_of(market, exact, 1_000_000) and len(seen) == 2
    thirds = Fraction(1_000, 1_000_000) + Fraction(500, 1_000_500) + Fraction(2_000, 999_000)
    assert exact == thirds / 3  # (10 minutes at each reference price)


def test_a_restart_keeps_the_funding_paid_and_the_points_ahead(tmp_path: Path) -> None:
    state = str(tmp_path / "state.db")
    reads = (("/margin/funding_history", {"start_date": "2026-11-02", "end_date": "2026-11-02"}),
             ("/margin/funding_rates/historical", {}), ("/margin/funding_rates/estimate", {"ticker": BTC}))  # fmt: skip
    with MockServer(clock=ManualClock(T0), state=state) as mock:
        ready(mock)
        with signed(mock, "alice") as alice, signed(mock, "bob") as bob:
            placed(alice, **order(BTC, "bid", "0.1", "100000"))
            placed(bob, **order(BTC, "ask", "0.1", "100000"))
            placed(alice, **order(BTC, "bid", "0.1", "100100"))
            mock.set_perp_mark_path(BTC, [{"seconds": 1800, "mark_price": "101000"},
                                          {"seconds": 3 * 3600, "mark_price": "102000"}])  # fmt: skip
            mock.advance_clock(seconds=2 * 3600 + 10)
            before = [alice.get(path, params=params).json() for path, params in reads]
    assert before[0]["funding_history"] and before[1]["funding_rates"]
    with MockServer(clock=ManualClock(T0), state=state) as again, signed(again, "alice") as alice:
        assert [alice.get(path, params=params).json() for path, params in reads] == before
        again.advance_clock(seconds=3600)  # (the point held for 18:00, then the funding time)
        assert again.app.control.perps.state.markets[BTC].mark == 1_020_000_000
        assert len(alice.get(reads[0][0], params=reads[0][1]).json()["funding_history"]) == 3
