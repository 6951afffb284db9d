"""A state file keeps Kalshi's markets as it keeps the rest: series, events and markets with their fields, the house's
books and their clocks, the tape, paused and closed and determined markets, the exchange's status, and the lifecycle
transitions still due. Over real HTTP: a restart from the snapshot a clean stop keeps, and one that runs every command
again (as after kill -9), answer the market data and the portfolio byte for byte as before, and the transitions due
later happen at their own times, as in a mock never restarted; `serve` killed in the middle of a scenario comes back
where its acknowledged steps left it; a transition that fell due while the mock was down is made at its due time."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import plain_http
import pytest
from serve_process import Served, serving
from state_sql import sql

from mockexchange.core.clock import ManualClock
from mockexchange.registry import GRAMMAR
from mockexchange.scenario.schema import load_file
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

START = datetime(2026, 3, 2, 12, tzinfo=UTC)
OPEN, LATER, DECI, PAUSED = "KXFED-26DEC-T4.00", "KXFED-26DEC-T4.25", "KXFED-26DEC-T4.50", "KXFED-26DEC-T4.75"
EARLY, PAID, WAITING = "KXCPI-26MAR-T3.0", "KXCPI-26MAR-T3.5", "KXCPI-26MAR-T4.0"


def _at(delta: timedelta) -> str:
    return (START + delta).isoformat()


def build(mock: MockServer) -> None:
    """Every kind of market state, and transitions both made and still due."""
    mock.create_account("u", balance_cents=1_000_000)
    mock.create_account("v", balance_cents=1_000_000)
    mock.set_series("KXFED", title="Fed", category="Economics", tags=["Rates"], fee_type="quadratic_with_maker_fees",
                    fee_multiplier="1.5", settlement_sources=[{"name": "Fed", "url": "https://fed.example"}],
                    product_metadata={"desk": "rates"})  # fmt: skip
    mock.set_event("KXFED-26DEC", title="December", collateral_return_type="MECNET", strike_date=_at(timedelta(9)))
    mock.set_event("KXCPI-26MAR", series_ticker="KXCPI", fee_type_override="flat", fee_multiplier_override="2")
    mock.create_market(OPEN, floor_strike="4.00", strike_type="greater", close_time=_at(timedelta(days=1)))
    mock.create_market(LATER, open_time=_at(timedelta(hours=1)), close_time=_at(timedelta(days=2)))
    mock.create_market(DECI, price_level_structure="deci_cent", custom_strike={"rate": "4.5", "n": 2})
    mock.create_market(PAUSED)
    mock.create_market(EARLY, close_time=_at(timedelta(seconds=30)))
    mock.create_market(PAID, settlement_timer_seconds=0)
    mock.create_market(WAITING, settlement_timer_seconds=3600)
    mock.set_book(OPEN, yes=[["0.40", "100"], ["0.39", "5.5"]], no=[["0.55", "20"]])
    mock.set_book(OPEN, yes=[["0.41", "7"]])  # moved: the book's clock counts two actions
    mock.set_book(DECI, yes=[["0.405", "3"]])
    mock.set_book(PAUSED, no=[["0.50", "1"]])
    mock.set_book(EARLY, yes=[["0.20", "9"]])
    mock.pause_market(PAUSED)
    mock.fill("u", OPEN, "yes", "buy", "10", "0.45")
    mock.fill("v", OPEN, "no", "buy", "4", "0.55", is_taker=False)
    mock.fill("u", PAID, "yes", "buy", "3", "0.30")
    mock.fill("v", WAITING, "no", "buy", "2", "0.70")
    mock.determine_market(PAID, "yes")  # paid at once
    mock.advance_clock(seconds=60)  # EARLY closes on the way (at its close time), its book cleared
    mock.determine_market(WAITING, "no")  # paid in an hour
    mock.update_market(OPEN, rules_primary="If the rate is above 4.00%...", can_close_early=False)
    mock.set_exchange_status(exchange_estimated_resume_time=_at(timedelta(days=3)))


def _signed(mock: MockServer, users: dict[str, KalshiSigner]) -> dict[str, bytes]:
    reads = {}
    for user, signer in users.items():
        for path in ("/portfolio/positions", "/portfolio/balance", "/portfolio/settlements", "/portfolio/fills"):
            full = "/trade-api/v2" + path
            answer = plain_http.get(mock.base_url + full, headers=signer.headers("GET", full), timeout=10)
            assert answer.status_code == 200, answer.text
            reads[f"{user} {path}"] = answer.content
    return reads


def wire(base_url: str, users: dict[str, KalshiSigner] | None = None, mock: MockServer | None = None) -> dict:
    """Every market data read (and, given signers, the users' portfolio), as bytes."""
    with httpx.Client(base_url=base_url + "/trade-api/v2", timeout=10) as client:
        markets = client.get("/markets", params={"limit": 1000}).json()["markets"]
        paths = [f"/markets/{m['ticker']}" for m in markets] + [f"/markets/{m['ticker']}/orderbook" for m in markets]
        candles = "start_ts=0&end_ts=2000000000&period_interval=1&market_tickers="
        paths += ["/markets?limit=1000", "/markets/trades", "/events?with_nested_markets=true", "/exchange/status",
                  "/series?include_volume=true&include_product_metadata=true", "/markets?status=closed",
                  "/markets/candlesticks?" + candles + ",".join(m["ticker"] for m in markets[:100])]  # fmt: skip
        answers: dict[str, Any] = {}
        for path in paths:
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.text)
            answers[path] = answer.content
    if users and mock is not None:
        answers |= _signed(mock, users)
    return answers


def _signers(mock: MockServer) -> dict[str, KalshiSigner]:
    found = {}
    for user in ("u", "v"):
        key = mock.create_key(user, key_type="ed25519")
        found[user] = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    return found


def _due(mock: MockServer) -> list:
    return [(when, sorted(mock.ledger.state.due_at[when])) for when in sorted(mock.ledger.state.due_times)]


@pytest.mark.slow  # four mocks, two hundred reads
@pytest.mark.parametrize("restart", ["snapshot", "commands"])
def test_a_restart_answers_the_market_data_as_before_and_makes_the_pending_transitions_when_due(tmp_path, restart):
    path = str(tmp_path / "state.db")
    with MockServer(state=path, clock=ManualClock(START), seed=11) as mock:
        build(mock)
        users = _signers(mock)
        before, due = wire(mock.base_url, users, mock), _due(mock)
        statuses = {t: m.status for t, m in mock.ledger.state.markets.items()}
    assert statuses == {OPEN: "active", LATER: "initialized", DECI: "active", PAUSED: "inactive", EARLY: "closed",
                        PAID: "finalized", WAITING: "determined"}  # fmt: skip
    assert len(due) >= 4, "an opening, two closes and a payout are still due"
    if restart == "commands":
        sql(Path(path), "DELETE FROM snapshots")  # as after kill -9: every command runs again
    with MockServer(state=path, clock=ManualClock(START), seed=11) as again:
        assert wire(again.base_url, users, again) == before
        assert _due(again) == due
        assert again.ledger.state.markets[OPEN].book_clock == 2 and again.ledger.state.markets[OPEN].house is not None
        again.advance_clock(seconds=3 * 86400)
        after = wire(again.base_url, users, again)
        moved = {t: m.status for t, m in again.ledger.state.markets.items()}
        paid_at = again.ledger.state.markets[WAITING].settled_time
    assert moved == {**statuses, OPEN: "closed", LATER: "closed", WAITING: "finalized"}
    assert paid_at == START + timedelta(seconds=60 + 3600), "paid when its timer ended, not when the clock got there"
    with MockServer(clock=ManualClock(START), seed=11) as twin:  # never restarted
        build(twin)
        twin_users = _signers(twin)
        twin.advance_clock(seconds=3 * 86400)
        assert wire(twin.base_url, twin_users, twin) == after


# -- serve, killed and restarted ---------------------------------------------------------------------------------------


def _admin(served: Served, op: str, body: dict | None = None, method: str = "POST") -> Any:
    answer = plain_http.request(method, f"{served.base_url}/_admin/{op}", json=body, timeout=30)
    assert answer.status_code == 200, (op, answer.text)
    return answer.json()


def _killed(served: Served) -> None:
    served.proc.kill()  # SIGKILL: no snapshot, nothing flushed by the mock
    served.proc.wait()


def test_serve_killed_in_the_middle_of_a_scenario_comes_back_where_its_steps_left_it(tmp_path: Path):
    keys, state = tmp_path / "keys", str(tmp_path / "state.db")
    command = ("--scenario", "moving-book", "--step", "--state", state, "--seed", "7")
    scenario = load_file("moving-book", grammar=GRAMMAR)
    with serving(keys, *command) as served:
        ran = _admin(served, "scenario/step", {"count": 5})["ran"]  # opened, the book set twice, alice's trade
        assert [step["kind"] for step in ran] == ["wait", "book", "wait", "fill", "book"]
        before, clock = wire(served.base_url), _admin(served, "clock", method="GET")
        _killed(served)
    with serving(keys, *command) as again:
        assert "state restored from" in again.banner
        # The banner counts the users' accounts: the house (its levels' own) is the mock's, no one's.
        users = _admin(again, "accounts", method="GET")
        assert users["house"] is not None and f"  {len(users['kalshi'])} account" in again.banner
        assert wire(again.base_url) == before and _admin(again, "clock", method="GET") == clock
        _admin(again, "clock", {"to": "2026-06-15T16:10:00Z"})  # the close kept as due: made at 16:00
        after = wire(again.base_url)
    with MockServer(clock=ManualClock(scenario.start), seed=7, profile=scenario.profile) as reference:
        reference.load_scenario(path="moving-book")
        reference.step(5)
        reference.advance_clock(to="2026-06-15T16:10:00Z")
        assert wire(reference.base_url) == after
    closed = after["/markets/KXHIGHNY-26JUN15-B85"]
    assert b'"status":"closed"' in closed and b'"close_time":"2026-06-15T16:00:00.000000Z"' in closed


def _exchange_now(served: Served) -> datetime:
    return datetime.fromisoformat(_admin(served, "clock", method="GET")["exchange_time"])


def _market(served: Served, ticker: str) -> dict[str, Any]:
    return plain_http.get(f"{served.base_url}/trade-api/v2/markets/{ticker}", timeout=10).json()["market"]


@pytest.mark.parametrize("stop", ["kill", "sigint"])
def test_a_transition_that_fell_due_while_serve_was_down_is_made_at_its_due_time(tmp_path: Path, stop: str):
    """On the system clock: a close, a payout and an opening fall due while no process runs; the restarted mock makes
    each at its own time (the close at its close time, the payout when the timer ended), not when it came back."""
    keys, state = tmp_path / "keys", str(tmp_path / "state.db")
    margin = timedelta(seconds=12)  # the commands below take far less; the process is down when they fall due
    with serving(keys, "--state", state) as served:
        _admin(served, "accounts", {"user_id": "w", "balance_cents": 100_000})
        key = _admin(served, "keys", {"user_id": "w", "key_type": "ed25519"})
        now = _exchange_now(served)
        due = now + margin
        _admin(served, "markets", {"ticker": "KXDOWN-26-A", "close_time": due.isoformat()})
        _admin(served, "books", {"ticker": "KXDOWN-26-A", "yes": [["0.40", "5"]]})
        _admin(served, "markets", {"ticker": "KXDOWN-26-B", "settlement_timer_seconds": int(margin.total_seconds())})
        _admin(served, "fills", {"user_id": "w", "ticker": "KXDOWN-26-B", "side": "yes", "action": "buy",
                                 "count": "5", "price": "0.40", "fee": "0"})  # fmt: skip
        determined = _admin(served, "markets/determine", {"ticker": "KXDOWN-26-B", "result": "yes"})
        _admin(served, "markets", {"ticker": "KXDOWN-26-C", "open_time": due.isoformat(),
                                   "close_time": (due + timedelta(days=1)).isoformat()})  # fmt: skip
        statuses = [_market(served, t)["status"] for t in ("KXDOWN-26-A", "KXDOWN-26-B", "KXDOWN-26-C")]
        assert statuses == ["active", "determined", "initialized"], "nothing fell due yet"
        if stop == "kill":
            _killed(served)
    settles_at = datetime.fromisoformat(determined["settles_at"])
    while datetime.now(UTC) < max(settles_at, due) + timedelta(seconds=1):
        time.sleep(0.2)
    with serving(keys, "--state", state) as again:
        closed, paid, opened = (_market(again, t) for t in ("KXDOWN-26-A", "KXDOWN-26-B", "KXDOWN-26-C"))
        assert (closed["status"], closed["close_time"]) == ("closed", due.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        book = plain_http.get(f"{again.base_url}/trade-api/v2/markets/KXDOWN-26-A/orderbook", timeout=10).json()
        assert book["orderbook_fp"] == {"yes_dollars": [], "no_dollars": []}, "closing cleared it"
        assert (paid["status"], paid["settlement_ts"]) == ("finalized", settles_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        assert opened["status"] == "active"
        signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
        full = "/trade-api/v2/portfolio/settlements"
        settlement = plain_http.get(again.base_url + full, headers=signer.headers("GET", full), timeout=10).json()
        record = settlement["settlements"][0]
        assert (record["ticker"], record["revenue"]) == ("KXDOWN-26-B", 500)
        assert datetime.fromisoformat(record["settled_time"].replace("Z", "+00:00")) == settles_at
