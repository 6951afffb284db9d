"""Kalshi's markets on the control plane: the admin API, the Python API and scenario files list series, events and
markets, move their lifecycle, set the house's book and the exchange's status; bad input is a 400 naming the field and
changes nothing; on a running clock the transitions happen when due, without a read; a state file keeps it all."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import plain_http
import pytest

from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi.market_changes import BOOK, LIFECYCLE
from mockexchange.server import MockServer

START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def admin(mock: MockServer, op: str, body: dict | None = None) -> httpx.Response:
    return plain_http.post(f"{mock.base_url}/_admin/{op}", json=body or {}, timeout=10)


@pytest.fixture
def mock():
    with MockServer(clock=ManualClock(START)) as server:
        yield server


def test_series_events_and_markets_are_listed_and_changed_over_the_admin_api(mock):
    series = admin(mock, "series", {"ticker": "KXFED", "title": "Fed", "fee_type": "quadratic_with_maker_fees",
                                    "fee_multiplier": "1.5", "tags": ["Rates"]})  # fmt: skip
    assert series.status_code == 200 and series.json()["fee_multiplier"] == "1.5"
    event = admin(mock, "events", {"event_ticker": "KXFED-26DEC", "series_ticker": "KXFED", "title": "December"})
    assert event.json()["series_ticker"] == "KXFED"
    market = admin(mock, "markets", {"ticker": "KXFED-26DEC-T4.00", "title": "Above 4%", "floor_strike": "4.00",
                                     "strike_type": "greater", "open_time": "2026-01-05T11:00:00Z",
                                     "close_time": "2026-02-01T00:00:00Z"})  # fmt: skip
    assert market.status_code == 200 and market.json()["status"] == "initialized"
    ledger_market = mock.ledger.state.markets["KXFED-26DEC-T4.00"]
    assert ledger_market.floor_strike == Decimal("4.00") and ledger_market.title == "Above 4%"
    assert admin(mock, "markets/update", {"ticker": "KXFED-26DEC-T4.00", "rules_primary": "If..."}).status_code == 200
    assert ledger_market.rules_primary == "If..."
    assert admin(mock, "clock", {"seconds": 3600}).json()["exchange_time"] == "2026-01-05T11:00:00+00:00"
    assert ledger_market.status == "active"  # moving the clock opened it
    book = admin(mock, "books", {"ticker": "KXFED-26DEC-T4.00", "yes": [["0.40", "100"]], "no": [["0.55", "20.5"]]})
    assert book.json()["yes"] == [["0.4000", "100.00"]] and book.json()["no"] == [["0.5500", "20.50"]]
    for op in ("markets/pause", "markets/resume"):
        assert admin(mock, op, {"ticker": "KXFED-26DEC-T4.00"}).status_code == 200
    assert mock.ledger.feed.book_levels("KXFED-26DEC-T4.00") == ([], [])  # resuming cleared it
    determined = admin(mock, "markets/determine", {"ticker": "KXFED-26DEC-T4.00", "result": "yes"}).json()
    assert determined["status"] == "determined" and determined["settles_at"] == "2026-01-05T11:05:00+00:00"
    assert admin(mock, "exchange_status", {"trading_active": False}).json()["trading_active"] is False
    assert plain_http.get(f"{mock.base_url}/_admin/exchange_status").json() == {
        "exchange_active": True, "trading_active": False, "exchange_estimated_resume_time": None
    }  # fmt: skip


@pytest.mark.parametrize(
    ("op", "body", "field"),
    [
        ("series", {"ticker": "S", "fee_multiplier": 1.5}, "fee_multiplier"),
        ("series", {"ticker": "S", "fee_multiplier": "11"}, "fee_multiplier"),
        ("series", {"ticker": "S", "fee_type": "cubic"}, "fee_type"),
        ("series", {"ticker": "S", "tags": "Fed"}, "tags"),
        ("series", {"ticker": "S", "settlement_sources": [{"name": "n"}]}, "settlement_sources[0]"),
        ("series", {"ticker": "S", "product_metadata": {"x": 1.5}}, "product_metadata.x"),
        ("events", {"event_ticker": "E", "collateral_return_type": "NET"}, "collateral_return_type"),
        ("events", {"event_ticker": "E", "strike_date": "tomorrow"}, "strike_date"),
        ("markets", {"ticker": "M-1", "floor_strike": "1e3"}, "floor_strike"),
        ("markets", {"ticker": "M-1", "price_level_structure": "banded_centi_cent"}, "price_level_structure"),
        ("markets", {"ticker": "M-1", "close_time": "2026-01-05T09:00:00Z"}, "close_time"),
        ("markets", {"ticker": "M-1", "settlement_timer_seconds": -1}, "settlement_timer_seconds"),
        ("markets/update", {"ticker": "M-0", "can_close_early": "yes"}, "can_close_early"),
        ("markets/update", {"ticker": "M-0"}, "at least one field"),
        ("markets/close_time", {"ticker": "M-0", "close_time": "9999-06-01T00:00:00Z"}, "close_time"),
        ("markets/determine", {"ticker": "M-0", "result": "maybe"}, "result"),
        ("books", {"ticker": "M-0", "yes": [["0.405", "1"]]}, "not a level"),
        ("books", {"ticker": "M-0", "yes": [["0.40", "0"]]}, "yes[0] count"),
        ("books", {"ticker": "M-0", "no": [["0.40"]]}, "no[0]"),
        ("books", {"ticker": "M-0", "yes": [["0.60", "1"]], "no": [["0.45", "1"]]}, "cross"),
        ("books", {"ticker": "M-0"}, "yes, no or both"),
        ("exchange_status", {"trading_active": 0}, "trading_active"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(mock, op, body, field):
    mock.create_market("M-0")
    before = (dict(mock.ledger.state.series), dict(mock.ledger.state.markets), mock.ledger.state.markets["M-0"].version)
    answer = admin(mock, op, body)
    assert answer.status_code == 400 and field in answer.json()["error"], answer.text
    assert (
        dict(mock.ledger.state.series),
        dict(mock.ledger.state.markets),
        mock.ledger.state.markets["M-0"].version,
    ) == before


def test_a_refused_transition_is_a_409(mock):
    mock.create_market("M-0", can_close_early=False)
    assert admin(mock, "markets/resume", {"ticker": "M-0"}).status_code == 409
    assert admin(mock, "markets/close", {"ticker": "M-0"}).status_code == 409  # it cannot close early
    assert admin(mock, "markets/pause", {"ticker": "NOPE"}).status_code == 404
    mock.settle("M-0", "no")
    assert admin(mock, "books", {"ticker": "M-0", "yes": [["0.4", "1"]]}).status_code == 409


def test_on_a_running_clock_transitions_are_published_when_due_without_a_read():
    with MockServer() as mock:
        seen: list = []
        arrived = threading.Event()

        def take(change):
            seen.append(change.payload)
            if getattr(change.payload, "event_type", None) == "settled":
                arrived.set()

        mock.ledger.state.bus.subscribe(take, (BOOK, LIFECYCLE))
        now = mock.ledger.state.clock.now()
        mock.create_market("RUN-1", close_time=(now + timedelta(seconds=0.6)).isoformat(), settlement_timer_seconds=0)
        mock.create_market("RUN-2", settlement_timer_seconds=1)
        mock.set_book("RUN-1", yes=[["0.30", "5"]])
        mock.determine_market("RUN-2", "yes")
        assert arrived.wait(10), seen  # the settlement timer's end, with no read or write after the determination
        cleared = [c for c in seen if getattr(c, "ticker", None) == "RUN-1" and hasattr(c, "clock")]
        assert cleared[-1].levels[0].after == 0  # the close at close_time cleared the book, by itself
        assert mock.ledger.state.markets["RUN-1"].status == "closed"


def test_a_scenario_lists_markets_moves_them_and_names_a_bad_value_with_its_line(tmp_path: Path):
    text = """
settings: {start: "2026-01-05T10:00:00Z"}
series:
  - {ticker: KXCPI, title: CPI, fee_type: flat, fee_multiplier: "2"}
events:
  - {event_ticker: KXCPI-26JAN, title: January, markets: [KXCPI-26JAN-T3.0]}
markets:
  - {ticker: KXCPI-26JAN-T3.5, event_ticker: KXCPI-26JAN, floor_strike: "3.5", close_time: "2026-01-06T00:00:00Z"}
steps:
  - book: {ticker: KXCPI-26JAN-T3.0, yes: [["0.40", "10"]], no: [["0.50", "3"]]}
  - pause_market: {ticker: KXCPI-26JAN-T3.5}
  - resume_market: {ticker: KXCPI-26JAN-T3.5}
  - wait: 86400
  - determine: {ticker: KXCPI-26JAN-T3.5, result: "yes"}
"""
    path = tmp_path / "markets.yaml"
    path.write_text(text)
    with MockServer(clock=ManualClock(START)) as mock:
        mock.load_scenario(str(path))
        mock.step(10)
        ledger = mock.ledger
        assert (
            ledger.state.series["KXCPI"].fee_multiplier == Decimal(2)
            and ledger.state.events["KXCPI-26JAN"].title == "January"
        )
        assert ledger.feed.book_levels("KXCPI-26JAN-T3.0") == ([(4_000, 1_000)], [(5_000, 300)])
        assert ledger.state.markets["KXCPI-26JAN-T3.5"].status == "determined"
    path.write_text(text.replace('floor_strike: "3.5"', "floor_strike: 3.5").replace('["0.40", "10"]', '["0.40"]'))
    with MockServer(clock=ManualClock(START)) as mock:
        with pytest.raises(Exception) as refused:
            mock.load_scenario(str(path))
        assert "8: markets[0].floor_strike: must be quoted" in str(refused.value)
        assert "10: steps[0].book" in str(refused.value) and "yes[0]" in str(refused.value)


def test_a_state_file_keeps_markets_books_and_their_lifecycle(tmp_path: Path):
    path = str(tmp_path / "state.db")
    with MockServer(state=path, clock=ManualClock(START), seed=3) as mock:
        mock.create_account("u", balance_cents=100_000)
        mock.set_series("KXFED", fee_type="flat")
        mock.create_market("KXFED-26DEC-T4.00", floor_strike="4.00", settlement_timer_seconds=600)
        mock.set_book("KXFED-26DEC-T4.00", yes=[["0.45", "7"]])
        mock.fill("u", "KXFED-26DEC-T4.25", "yes", "buy", "2", "0.5")
        mock.determine_market("KXFED-26DEC-T4.25", "yes")
        before = {t: (m.market_id, m.status, m.book_clock, m.volume) for t, m in mock.ledger.state.markets.items()}
        levels = mock.ledger.feed.book_levels("KXFED-26DEC-T4.00")
    with MockServer(state=path, clock=ManualClock(START), seed=3) as again:
        ledger = again.ledger
        assert {t: (m.market_id, m.status, m.book_clock, m.volume) for t, m in ledger.state.markets.items()} == before
        assert (
            ledger.feed.book_levels("KXFED-26DEC-T4.00") == levels and ledger.state.series["KXFED"].fee_type == "flat"
        )
        again.advance_clock(seconds=600)  # its settlement timer (300 s) ended after the restart: paid, dated then
        assert ledger.state.markets["KXFED-26DEC-T4.25"].settled_time == START + timedelta(seconds=300)
        assert ledger.state.account("u").balance() == Decimal("1000") - Decimal("1.00") - Decimal("0.02") + 2


@pytest.mark.parametrize("switch", ["trading_active", "exchange_active"])
def test_while_the_exchange_does_not_trade_the_house_book_fills_and_orders_are_refused(mock, switch):
    mock.create_account("u", balance_cents=100_000)
    mock.create_market("M-0")
    mock.set_book("M-0", yes=[["0.40", "1"]])
    assert admin(mock, "exchange_status", {switch: False}).json()[switch] is False
    refused = [
        admin(mock, "books", {"ticker": "M-0", "yes": [["0.41", "1"]]}),
        admin(mock, "fills", {"user_id": "u", "ticker": "M-0", "side": "yes", "action": "buy", "count": "1",
                              "price": "0.5"}),
        admin(mock, "orders", {"user_id": "u", "ticker": "M-0", "side": "yes", "action": "buy", "count": "1",
                               "price": "0.3"}),
    ]  # fmt: skip
    assert [(r.status_code, "exchange" in r.json()["error"]) for r in refused] == [(409, True)] * 3
    assert (
        mock.ledger.feed.book_levels("M-0") == ([(4_000, 100)], []) and mock.ledger.state.markets["M-0"].book_clock == 1
    )
    status = plain_http.get(f"{mock.kalshi_url}/exchange/status", timeout=10).json()
    assert (status["trading_active"], status["exchange_active"]) == (False, switch == "trading_active")
    admin(mock, "exchange_status", {switch: True})
    assert admin(mock, "books", {"ticker": "M-0", "yes": [["0.41", "1"]]}).status_code == 200
