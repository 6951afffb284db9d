"""Hostile bodies to the control plane's market commands over the admin API (series, events, markets, their lifecycle,
the house's book, the exchange's status, settlement): wrong JSON types, nesting to the parser's bound and past it,
books of 100,000 levels, prices off the market's levels, counts of 40 digits, non-ASCII digits, times past the calendar,
tickers of hundreds of characters. Each is a 4xx `{"error"}` naming the field (404 an unknown market, 409 a transition
the market's status refuses, 413 a body over 1 MiB), never a 500; and nothing changed, as the ledger holds it, as REST
reads it and as a websocket subscriber sees it (no frame)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import plain_http
import pytest

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer
from mockexchange.web.answers import MAX_HEADER_CHARS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from market_client import reading, signer_for, subscribe  # noqa: E402

START = datetime(2026, 3, 2, 12, tzinfo=UTC)
FED, PAUSED, FIRM, SETTLED = "KXFED-26DEC-T4.00", "KXFED-26DEC-T4.25", "KXFED-26DEC-T4.50", "KXFED-26DEC-T4.75"
HUGE = 10**40  # JSON's integer, beyond any bound (Python's json writes it whole)


def nested(depth: int, inner: Any = FED) -> Any:
    for _ in range(depth):
        inner = [inner]
    return inner


@contextmanager
def markets() -> Iterator[MockServer]:
    """A mock with an account and a market in each state, a book and a fill."""
    with MockServer(clock=ManualClock(START)) as server:
        server.create_account("u", balance_cents=1_000_000)
        server.set_series("KXFED", title="Fed", fee_type="quadratic_with_maker_fees")
        server.set_event("KXFED-26DEC", title="December")
        server.create_market(FED, settlement_timer_seconds=600)
        server.create_market(PAUSED)
        server.create_market(FIRM, can_close_early=False)
        server.create_market(SETTLED)
        server.create_market("KXFED-27JAN-T4.00", open_time="2026-04-01T00:00:00Z", close_time="2026-05-01T00:00:00Z")
        server.set_book(FED, yes=[["0.40", "10"], ["0.39", "3"]], no=[["0.55", "4"]])
        server.fill("u", FED, "yes", "buy", "2", "0.45")
        server.pause_market(PAUSED)
        server.settle(SETTLED, "no")
        yield server


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    """Shared by the refusals, which change nothing."""
    with markets() as server:
        yield server


def admin(mock: MockServer, op: str, body: Any = None, raw: bytes | None = None) -> httpx.Response:
    content = raw if raw is not None else json.dumps(body, separators=(",", ":")).encode()
    return plain_http.post(f"{mock.base_url}/_admin/{op}", content=content,
                      headers={"Content-Type": "application/json"}, timeout=30)  # fmt: skip


@pytest.fixture(scope="module")
def rest(mock: MockServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.kalshi_url, timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def untouched(mock: MockServer, rest: httpx.Client) -> tuple:
    """What the mock held before any command: the same before each, for every one is refused and changes nothing
    (each case holds the mock to it after its command)."""
    return held(mock, rest)


def held(mock: MockServer, client: httpx.Client) -> tuple:
    """What the ledger holds of the markets, and what REST reads of them."""
    ledger = mock.ledger
    with ledger.reading():
        exchange = ledger.state.exchange
        core = (
            {t: (s.title, s.fee_type, s.fee_multiplier, tuple(s.tags), s.last_updated, tuple(s.events))
             for t, s in ledger.state.series.items()},
            {t: (e.title, e.series_ticker, tuple(e.markets), e.last_updated) for t, e in ledger.state.events.items()},
            {t: (m.version, m.status, m.book_clock, m.close_time, m.updated_time, m.result, m.settles_at,
                 ledger.feed.book_levels(t)) for t, m in ledger.state.markets.items()},
            sorted(ledger.state.due_times), {when: list(tickers) for when, tickers in ledger.state.due_at.items()},
            (exchange.exchange_active, exchange.trading_active, exchange.estimated_resume_time),
            len(ledger.state.fills), len(ledger.state.accounts),
        )  # fmt: skip
    paths = ("/markets", f"/markets/{FED}/orderbook", "/events", "/series", "/exchange/status")
    return core, [client.get(path).content for path in paths]


# (operation, body, status, what the error names)
REFUSED: list[tuple[str, Any, int, str]] = [
    # the house's book
    ("books", {"ticker": FED, "yes": [[f"0.{n:02d}", "1"] for n in range(1, 38)] * 1900}, 400, "at most 1000"),
    ("books", {"ticker": FED, "yes": [["0.20", "1"]] * 1001}, 400, "at most 1000"),
    ("books", {"ticker": FED, "yes": [["0.405", "1"]]}, 400, "not a level"),
    ("books", {"ticker": FED, "no": [["0.5001", "1"]]}, 400, "not a level"),
    ("books", {"ticker": FED, "yes": [["0.40001", "1"]]}, 400, "yes[0] price"),
    ("books", {"ticker": FED, "yes": [["0.40", "1" * 40]]}, 400, "yes[0] count"),
    ("books", {"ticker": FED, "yes": [["0.40", HUGE]]}, 400, "yes[0] count"),
    ("books", {"ticker": FED, "yes": [["0.40", "1e3"]]}, 400, "yes[0] count"),
    ("books", {"ticker": FED, "yes": [["0.40", "٣"]]}, 400, "yes[0] count"),
    ("books", {"ticker": FED, "yes": [["0.40", "0.001"]]}, 400, "yes[0] count"),
    ("books", {"ticker": FED, "yes": [["0.40", "-1"]]}, 400, "yes[0] count"),
    ("books", {"ticker": FED, "yes": [["0.40", "0"]]}, 400, "yes[0] count"),
    ("books", {"ticker": FED, "yes": [["0.40", "NaN"]]}, 400, "yes[0] count"),
    ("books", {"ticker": FED, "yes": [[0.4, "1"]]}, 400, "yes[0] price"),
    ("books", {"ticker": FED, "yes": [[True, "1"]]}, 400, "yes[0] price"),
    ("books", {"ticker": FED, "yes": [["1", "1"]]}, 400, "yes[0] price"),
    ("books", {"ticker": FED, "yes": [["٠.40", "1"]]}, 400, "yes[0] price"),
    ("books", {"ticker": FED, "yes": [[None, None]]}, 400, "yes[0] price"),
    ("books", {"ticker": FED, "yes": [["0.40", "1", "2"]]}, 400, "yes[0]"),
    ("books", {"ticker": FED, "yes": [["0.40", "1"], ["0.40", "2"]]}, 400, "given twice"),
    ("books", {"ticker": FED, "yes": {"0.40": "1"}}, 400, "yes"),
    ("books", {"ticker": FED, "yes": "0.40"}, 400, "yes"),
    ("books", {"ticker": FED, "yes": [nested(60)]}, 400, "yes[0]"),
    ("books", {"ticker": FED, "yes": [["0.60", "1"]]}, 400, "cross"),
    ("books", {"ticker": FED}, 400, "yes, no or both"),
    ("books", {"ticker": FED, "yes": [], "levels": []}, 400, "levels"),
    ("books", {"ticker": "K" * 300, "yes": []}, 400, "ticker"),
    ("books", {"ticker": [FED], "yes": []}, 400, "ticker"),
    ("books", {"ticker": "NOPE-1", "yes": []}, 404, "NOPE-1"),
    ("books", {"ticker": PAUSED, "yes": [["0.40", "1"]]}, 409, "paused"),
    ("books", {"ticker": SETTLED, "yes": [["0.40", "1"]]}, 409, "settled"),
    # listing and changing markets
    ("markets", {"ticker": "M-1", "exchange_index": HUGE}, 400, "exchange_index"),
    ("markets", {"ticker": "M-1", "exchange_index": "٣"}, 400, "exchange_index"),
    ("markets", {"ticker": "M-1", "exchange_index": -1}, 400, "exchange_index"),
    ("markets", {"ticker": "M-1", "settlement_timer_seconds": HUGE}, 400, "settlement_timer_seconds"),
    ("markets", {"ticker": "M-1", "floor_strike": "9" * 40}, 400, "floor_strike"),
    ("markets", {"ticker": "M-1", "floor_strike": "٣"}, 400, "floor_strike"),
    ("markets", {"ticker": "M-1", "cap_strike": 1.5}, 400, "cap_strike"),
    ("markets", {"ticker": "M-1", "open_time": "9999-12-31T00:00:00Z"}, 400, "open_time"),
    ("markets", {"ticker": "M-1", "open_time": "٢٠٢٦-03-02T12:00:00Z"}, 400, "open_time"),
    ("markets", {"ticker": "M-1", "open_time": "2026-03-02T12:00:00"}, 400, "open_time"),
    ("markets", {"ticker": "M-1", "close_time": HUGE}, 400, "close_time"),
    ("markets", {"ticker": "M-1", "close_time": "2026-03-02T11:00:00Z"}, 400, "close_time"),
    ("markets", {"ticker": "M-1", "custom_strike": {"a": nested(60)}}, 400, "custom_strike"),
    ("markets", {"ticker": "M-1", "custom_strike": {"a": HUGE}}, 400, "custom_strike.a"),
    ("markets", {"ticker": "M-1", "custom_strike": {str(n): n for n in range(300)}}, 400, "custom_strike"),
    ("markets", {"ticker": "M-1", "title": "x" * 100_000}, 400, "title"),
    ("markets", {"ticker": "M-1", "price_level_structure": "banded"}, 400, "price_level_structure"),
    ("markets", {"ticker": "M-1", "is_provisional": "true"}, 400, "is_provisional"),
    ("markets", {"ticker": "K" * 300}, 400, "ticker"),
    ("markets", {"ticker": FED, "title": "again"}, 409, "listed already"),
    ("markets/update", {"ticker": FED, "open_time": "2026-03-02T13:00:00Z"}, 400, "open_time"),
    ("markets/update", {"ticker": FED, "settlement_timer_seconds": -5}, 400, "settlement_timer_seconds"),
    ("markets/update", {"ticker": FED}, 400, "at least one field"),
    ("markets/update", {"ticker": "NOPE-1", "title": "x"}, 404, "NOPE-1"),
    # the lifecycle
    ("markets/close_time", {"ticker": FED, "close_time": HUGE}, 400, "close_time"),
    ("markets/close_time", {"ticker": FED, "close_time": "soon"}, 400, "close_time"),
    ("markets/close_time", {"ticker": FED}, 400, "close_time"),
    ("markets/close_time", {"ticker": "KXFED-27JAN-T4.00", "close_time": "2026-03-31T00:00:00Z"}, 400, "after open"),
    ("markets/close_time", {"ticker": SETTLED, "close_time": "2027-01-01T00:00:00Z"}, 409, "finalized"),
    ("markets/close", {"ticker": FIRM}, 409, "can_close_early"),
    ("markets/determine", {"ticker": FED, "result": ["yes"]}, 400, "result"),
    ("markets/determine", {"ticker": FED, "result": "maybe"}, 400, "result"),
    ("markets/determine", {"ticker": SETTLED, "result": "yes"}, 409, "already"),
    ("markets/pause", {"ticker": [FED]}, 400, "ticker"),
    ("markets/pause", {"ticker": PAUSED}, 409, "only an active market"),
    ("markets/pause", {"ticker": "NOPE-1"}, 404, "NOPE-1"),
    ("markets/resume", {"ticker": FED}, 409, "only a paused market"),
    ("markets/resume", {}, 400, "ticker"),
    ("settlements", {"ticker": FED, "result": "maybe"}, 400, "result"),
    ("settlements", {"ticker": SETTLED, "result": "no"}, 409, "already settled"),
    # series, events, the exchange
    ("series", {"ticker": "S", "fee_multiplier": "1" + "0" * 40}, 400, "fee_multiplier"),
    ("series", {"ticker": "S", "fee_multiplier": "٣"}, 400, "fee_multiplier"),
    ("series", {"ticker": "S", "fee_multiplier": 1.5}, 400, "fee_multiplier"),
    ("series", {"ticker": "S", "fee_type": "cubic"}, 400, "fee_type"),
    ("series", {"ticker": "S", "tags": ["x"] * 100_000}, 400, "tags"),
    ("series", {"ticker": "S", "product_metadata": {"a": nested(60)}}, 400, "product_metadata"),
    ("series", {"ticker": "S", "settlement_sources": [{"name": "n", "url": "u", "x": 1}]}, 400, "settlement_sources"),
    ("events", {"event_ticker": "E", "series_ticker": "K" * 300}, 400, "series_ticker"),
    ("events", {"event_ticker": "E", "fee_multiplier_override": HUGE}, 400, "fee_multiplier_override"),
    ("events", {"event_ticker": "E", "collateral_return_type": "NET"}, 400, "collateral_return_type"),
    ("events", {"event_ticker": "KXFED-26DEC", "series_ticker": "OTHER"}, 409, "belongs to series"),
    ("exchange_status", {"exchange_active": "false"}, 400, "exchange_active"),
    ("exchange_status", {"exchange_estimated_resume_time": HUGE}, 400, "exchange_estimated_resume_time"),
    ("exchange_status", {"exchange_estimated_resume_time": "x" * 10_000}, 400, "exchange_estimated_resume_time"),
]
RAW: list[tuple[str, bytes, int, str]] = [
    ("books", json.dumps({"ticker": FED, "yes": [["0.01", "1"]] * 100_000}).encode(), 413, "body too large"),
    ("books", b"[" * 100_000, 400, "nested deeper than 64 levels"),
    ("markets", b'{"ticker": "M-1", "custom_strike": ' + b"[" * 70 + b"]" * 70 + b"}", 400, "nested deeper"),
    ("series", b'{"ticker": "S", "fee_multiplier": 1' + b"0" * 5000 + b"}", 400, "not JSON"),
    ("markets/determine", b'{"ticker": "KXFED-26DEC-T4.00", "result": "yes"', 400, "not JSON"),
]


def _refused(mock: MockServer, op: str, answer: httpx.Response, status: int, named: str) -> None:
    assert answer.status_code == status, (op, answer.text[:300])
    error = answer.json()["error"]
    assert isinstance(error, str) and named in error, (op, error[:300])
    assert len(error) < 2_000, "the error quotes an excerpt of what was sent"
    assert len(answer.headers.get("x-mockexchange-diagnosis", "")) <= MAX_HEADER_CHARS


@pytest.mark.parametrize(
    ("op", "body", "status", "named"), REFUSED, ids=[f"{op} {json.dumps(b)[:50]}" for op, b, _, _ in REFUSED]
)
def test_a_hostile_market_command_is_a_4xx_naming_the_field_and_changes_nothing(
    mock, rest, untouched, op, body, status, named
):
    _refused(mock, op, admin(mock, op, body), status, named)
    assert held(mock, rest) == untouched


@pytest.mark.parametrize(("op", "raw", "status", "named"), RAW, ids=[f"{op} {raw[:30]!r}" for op, raw, _, _ in RAW])
def test_a_hostile_body_is_refused_whole_and_changes_nothing(mock, rest, untouched, op, raw, status, named):
    _refused(mock, op, admin(mock, op, raw=raw), status, named)
    assert held(mock, rest) == untouched


@pytest.mark.slow  # every refusal above again, with a websocket watching
def test_a_subscriber_sees_no_frame_of_a_refused_command_and_the_next_change_at_the_next_seq():
    """Over a websocket fed by the ledger: every refused command above sends no `orderbook_delta` (its `seq` would
    show a gap otherwise) and no lifecycle event; the one accepted after them comes next, as REST then reads it. (A
    mock of its own: the one the refusals share holds what they found.)"""
    with markets() as mock, reading(mock, signer_for(mock, "u")) as client:
        subscribed = client.ask(subscribe(["orderbook_delta"], market_tickers=[FED, PAUSED]), 3)
        assert [f["type"] for f in subscribed] == ["subscribed", "orderbook_snapshot", "orderbook_snapshot"]
        lifecycle = client.ask(subscribe(["market_lifecycle_v2"], command_id=2), 1)[0]
        for op, body, status, _ in REFUSED:
            assert admin(mock, op, body).status_code == status
        for op, raw, status, _ in RAW:
            assert admin(mock, op, raw=raw).status_code == status
        client.quiet(0.5)
        assert admin(mock, "books", {"ticker": FED, "no": [["0.56", "1"]]}).status_code == 200
        moved = client.next(2)  # the NO bid at 0.55 goes, one at 0.56 comes: one action (the book's second), two levels
        assert [(f["type"], f["seq"], f["msg"]["clock"]) for f in moved] == [("orderbook_delta", 3, 2),
                                                                            ("orderbook_delta", 4, 2)]  # fmt: skip
        book = plain_http.get(f"{mock.kalshi_url}/markets/{FED}/orderbook", timeout=10).json()["orderbook_fp"]
        assert book["no_dollars"] == [["0.5600", "1.00"]]
        client.quiet(0.3)
        assert lifecycle["type"] == "subscribed"
