"""The REST lag over real HTTP (Settings.rest_lag_ms, POST /_admin/rest_lag): Kalshi's REST portfolio reads answer
with the state of N ms ago on the exchange clock, exactly as a read then would have, while the websocket is immediate.

Time is a ManualClock, so "the clock passes t + 1000 ms" is a step the test takes. The last test replays random
command sequences on a mock without lag and on one with it, and compares every answer byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import plain_http
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st
from serve_process import run_serve, serving
from websockets.sync.client import connect

from mockexchange.auth.kalshi.keys import generate_private_key
from mockexchange.control import ControlError
from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
LAG_MS = 1000
PRIVATE_KEY = generate_private_key("ed25519")  # fast to sign: the replay test sends thousands of requests
PUBLIC_PEM = PRIVATE_KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
WS_PATH = "/trade-api/ws/v2"


def ms(n: float) -> timedelta:
    return timedelta(milliseconds=n)


@contextmanager
def lagging(lag_ms: int = LAG_MS, *, profile: str = "3.34", seed: int = 1) -> Iterator[tuple[MockServer, ManualClock]]:
    """A mock on a ManualClock at T0 with alice and bob, then the clock moved on by the lag, so the accounts show (no
    admin API: its tests ask the venue, and its routes were most of building a mock)."""
    clock = ManualClock(T0)
    with MockServer(clock=clock, rest_lag_ms=lag_ms, profile=profile, seed=seed, admin=False) as mock:
        for user in ("alice", "bob"):
            mock.create_account(user, balance_cents=100_000)
        clock.advance(delta=ms(lag_ms))
        yield mock, clock


def client(mock: MockServer, user: str, **binding: Any) -> httpx.Client:
    key = mock.create_key(user, public_key_pem=PUBLIC_PEM, **binding)
    return httpx.Client(base_url=mock.kalshi_url, auth=KalshiAuth(KalshiSigner(key["key_id"], PRIVATE_KEY)), timeout=10)


def ok(http: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
    r = http.get(path, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def rows(http: httpx.Client, **params: Any) -> dict[str, str]:
    """ticker -> position_fp of the first page of market positions."""
    return {p["ticker"]: p["position_fp"] for p in ok(http, "/portfolio/positions", **params)["market_positions"]}


def cash(http: httpx.Client) -> int:
    return ok(http, "/portfolio/balance")["balance"]


# -- a fill lags on REST, not on the websocket ----------------------------------------------------------------------


def test_a_fill_shows_on_rest_once_the_clock_passes_its_time_plus_the_lag_and_at_once_on_the_websocket():
    with lagging() as (mock, clock):
        alice = client(mock, "alice")
        key = mock.create_key("alice", public_key_pem=PUBLIC_PEM)
        signer = KalshiSigner(key["key_id"], PRIVATE_KEY)
        with connect(mock.kalshi_ws_url, additional_headers=signer.headers("GET", WS_PATH), open_timeout=5) as ws:
            ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": ["market_positions", "fill"]}}))
            for _ in range(2):
                assert json.loads(ws.recv(timeout=5))["type"] == "subscribed"
            before = ok(alice, "/portfolio/balance")
            filled_at = clock.now()
            mock.fill("alice", "EV-A", "yes", "buy", "10", "0.40")
            # The websocket tells at once, with the exchange clock where it was.
            kinds = {}
            for _ in range(2):
                frame = json.loads(ws.recv(timeout=5))
                kinds[frame["type"]] = frame["msg"]
            assert kinds["market_position"]["position_fp"] == "10.00" and kinds["fill"]["count_fp"] == "10.00"
            assert clock.now() == filled_at
        # REST: nothing until the lag has passed, to the millisecond.
        assert rows(alice) == {} and ok(alice, "/portfolio/balance") == before
        assert ok(alice, "/portfolio/fills")["fills"] == []
        clock.set(filled_at + ms(LAG_MS - 1))
        assert rows(alice) == {} and ok(alice, "/portfolio/balance") == before
        clock.set(filled_at + ms(LAG_MS))
        assert rows(alice) == {"EV-A": "10.00"}
        after = ok(alice, "/portfolio/balance")
        # 10 x 0.40 = 4.00 and a fee of 0.07 x 10 x 0.4 x 0.6 = 0.168, rounded up to 0.17: 1000 - 4.17.
        assert (after["balance"], after["portfolio_value"]) == (99_583, 400)
        assert after["updated_ts"] == before["updated_ts"] + LAG_MS // 1000
        assert len(ok(alice, "/portfolio/fills")["fills"]) == 1


def test_several_fills_inside_the_lag_show_one_by_one_with_every_intermediate_state():
    with lagging() as (mock, clock):
        alice = client(mock, "alice")
        start = clock.now()
        mock.fill("alice", "EV-A", "yes", "buy", "1", "0.50", fee="0")
        clock.advance(delta=ms(300))
        mock.fill("alice", "EV-A", "yes", "buy", "2", "0.50", fee="0")
        mock.fill("alice", "EV-B", "no", "buy", "4", "0.25", fee="0")  # same instant: they show together
        clock.advance(delta=ms(300))
        mock.fill("alice", "EV-A", "yes", "sell", "3", "0.60", fee="0")
        seen = []
        for offset in (999, 1000, 1299, 1300, 1599, 1600):
            clock.set(start + ms(offset))
            body = ok(alice, "/portfolio/positions", settlement_status="all")
            balance = ok(alice, "/portfolio/balance")
            seen.append((
                offset,
                {p["ticker"]: (p["position_fp"], p["total_traded_dollars"]) for p in body["market_positions"]},
                [(e["event_ticker"], e["total_cost_shares_fp"]) for e in body["event_positions"]],
                balance["balance"],
                balance["portfolio_value"],  # marked at each market's last price of then
            ))  # fmt: skip
        assert seen == [
            (999, {}, [], 100_000, 0),
            (1000, {"EV-A": ("1.00", "0.500000")}, [("EV", "1.00")], 99_950, 50),
            (1299, {"EV-A": ("1.00", "0.500000")}, [("EV", "1.00")], 99_950, 50),
            # 3 YES at 0.50 and 4 NO at 0.25 (YES last at 0.75).
            (1300, {"EV-A": ("3.00", "1.500000"), "EV-B": ("-4.00", "1.000000")}, [("EV", "7.00")], 99_750, 250),
            (1599, {"EV-A": ("3.00", "1.500000"), "EV-B": ("-4.00", "1.000000")}, [("EV", "7.00")], 99_750, 250),
            # Selling 3 YES at 0.60 buys NO at 0.40: 1.20 traded, 1.80 received.
            (1600, {"EV-A": ("0.00", "2.700000"), "EV-B": ("-4.00", "1.000000")}, [("EV", "10.00")], 99_930, 100),
        ]


def test_a_new_account_and_a_new_market_row_are_absent_before_they_were_made():
    with lagging() as (mock, clock):
        alice = client(mock, "alice")
        mock.fill("alice", "EV-A", "yes", "buy", "1", "0.50")
        clock.advance(delta=ms(LAG_MS))
        made = clock.now()
        mock.create_account("carol", balance_cents=5_000)
        mock.fill("alice", "EV-B", "yes", "buy", "1", "0.50")  # a second row of the same event
        carol = client(mock, "carol")
        assert rows(alice) == {"EV-A": "1.00"}
        [event] = ok(alice, "/portfolio/positions")["event_positions"]
        assert event["total_cost_shares_fp"] == "1.00"
        # An account not open yet: no cash, and its opening time as its last change.
        early = ok(carol, "/portfolio/balance")
        assert (early["balance"], early["portfolio_value"], early["balance_breakdown"]) == (
            0, 0, [{"exchange_index": 0, "balance": "0.0000"}]
        )  # fmt: skip
        assert early["updated_ts"] == int(made.timestamp())
        clock.set(made + ms(LAG_MS))
        assert rows(alice) == {"EV-A": "1.00", "EV-B": "1.00"} and cash(carol) == 5_000


def test_a_settlement_inside_the_lag_shows_once_the_lag_has_passed():
    with lagging() as (mock, clock):
        alice = client(mock, "alice")
        mock.fill("alice", "EV-A", "yes", "buy", "10", "0.40", fee="0")
        clock.advance(delta=ms(LAG_MS))
        settled_at = clock.now()
        mock.settle("EV-A", "yes")
        clock.set(settled_at + ms(LAG_MS - 1))
        assert rows(alice) == {"EV-A": "10.00"}
        assert rows(alice, settlement_status="settled") == {}
        assert ok(alice, "/portfolio/settlements")["settlements"] == []
        assert (cash(alice), ok(alice, "/portfolio/balance")["portfolio_value"]) == (99_600, 400)
        clock.set(settled_at + ms(LAG_MS))
        assert rows(alice) == {} and rows(alice, settlement_status="settled") == {"EV-A": "10.00"}
        [settlement] = ok(alice, "/portfolio/settlements")["settlements"]
        assert settlement["market_result"] == "yes"
        assert (cash(alice), ok(alice, "/portfolio/balance")["portfolio_value"]) == (100_600, 0)


def test_fcm_positions_lag_as_the_portfolio_does():
    with lagging() as (mock, clock):
        mock.create_account("fcm", fcm_member=True)
        mock.create_account("trader", subtrader_of="fcm")
        member = client(mock, "fcm")
        clock.advance(delta=ms(LAG_MS))
        mock.fill("trader", "EV-A", "yes", "buy", "2", "0.50")
        assert ok(member, "/fcm/positions", subtrader_id="trader")["market_positions"] == []
        clock.advance(delta=ms(LAG_MS))
        [row] = ok(member, "/fcm/positions", subtrader_id="trader")["market_positions"]
        assert row["position_fp"] == "2.00"


def test_a_page_walk_stays_on_its_keys_while_the_lag_reveals_more():
    with lagging() as (mock, clock):
        alice = client(mock, "alice")
        for ticker in ("E1-A", "E2-A", "E3-A"):
            mock.fill("alice", ticker, "yes", "buy", "1", "0.50")
        clock.advance(delta=ms(LAG_MS))
        mock.fill("alice", "E1-B", "yes", "buy", "1", "0.50")  # before the cursor: never on a later page
        mock.fill("alice", "E4-A", "yes", "buy", "1", "0.50")  # after it: on a later page once it shows
        first = ok(alice, "/portfolio/positions", limit=2)
        assert [p["ticker"] for p in first["market_positions"]] == ["E1-A", "E2-A"] and first["cursor"]
        clock.advance(delta=ms(LAG_MS))
        rest = ok(alice, "/portfolio/positions", limit=2, cursor=first["cursor"])
        assert [p["ticker"] for p in rest["market_positions"]] == ["E3-A", "E4-A"]


# -- no lag, and changing it at run time ------------------------------------------------------------------------------


def test_no_lag_answers_at_once():
    clock = ManualClock(T0)
    with MockServer(clock=clock) as mock:
        mock.create_account("alice", balance_cents=100_000)
        alice = client(mock, "alice")
        mock.fill("alice", "EV-A", "yes", "buy", "1", "0.50", fee="0")
        assert rows(alice) == {"EV-A": "1.00"} and cash(alice) == 99_950
        assert mock.rest_lag() == {"ms": 0, "as_of": None, "exchange_time": T0.isoformat()}
        assert len(mock.app.ledger.state.history) == 0, "nothing is kept without a lag"


def test_the_lag_changes_at_run_time_through_the_admin_api():
    clock = ManualClock(T0)
    with MockServer(clock=clock) as mock:
        mock.create_account("alice", balance_cents=100_000)
        alice = client(mock, "alice")
        admin = httpx.Client(base_url=f"{mock.base_url}/_admin", timeout=10)
        answer = admin.post("/rest_lag", json={"ms": 1500})
        assert answer.status_code == 200
        assert answer.json() == {
            "ms": 1500, "as_of": (T0 - ms(1500)).isoformat(), "exchange_time": T0.isoformat()
        }  # fmt: skip
        assert admin.get("/rest_lag").json() == answer.json()
        # What was made before the lag was set shows at once; what is made after it lags.
        assert cash(alice) == 100_000
        mock.fill("alice", "EV-A", "yes", "buy", "1", "0.50", fee="0")
        assert rows(alice) == {} and cash(alice) == 100_000
        clock.advance(1.5)
        assert rows(alice) == {"EV-A": "1.00"} and cash(alice) == 99_950
        mock.fill("alice", "EV-A", "yes", "buy", "1", "0.50", fee="0")
        assert rows(alice) == {"EV-A": "1.00"}
        assert admin.post("/rest_lag", json={"ms": 0}).json()["as_of"] is None
        assert rows(alice) == {"EV-A": "2.00"}, "dropping the lag shows the state now"
        assert len(mock.app.ledger.state.history) == 0


@pytest.fixture(scope="module")
def refusing() -> Iterator[MockServer]:
    """One mock for the refused settings: a refusal changes nothing."""
    with MockServer(clock=ManualClock(T0)) as mock:
        yield mock


@pytest.mark.parametrize(
    "body",
    [{"ms": -1}, {"ms": 3_600_001}, {"ms": "1000"}, {"ms": 1.5}, {"ms": True}, {"ms": None}, {}, {"ms": 1, "s": 2}],
)
def test_a_bad_lag_is_refused_with_400(refusing, body):
    answer = plain_http.post(f"{refusing.base_url}/_admin/rest_lag", json=body, timeout=10)
    assert answer.status_code == 400 and set(answer.json()) == {"error"}
    assert refusing.rest_lag()["ms"] == 0


def test_the_python_api_and_a_bad_setting():
    with lagging(250) as (mock, clock):
        assert mock.rest_lag()["ms"] == 250
        # Raised: reads go back no further than the changes the 250 ms lag had kept (those after T0).
        assert mock.set_rest_lag(2000)["as_of"] == T0.isoformat()
        clock.advance(2)
        assert mock.rest_lag()["as_of"] == (clock.now() - ms(2000)).isoformat()
    with pytest.raises(ControlError, match="ms must be an integer from 0 to 3600000"):
        MockServer(rest_lag_ms=-5)


@pytest.mark.mockexchange(rest_lag_ms=700)
def test_the_pytest_marker_takes_the_lag(mockexchange):
    assert mockexchange.app.settings.rest_lag_ms == 700 and mockexchange.rest_lag()["ms"] == 700


@pytest.mark.slow
def test_serve_takes_rest_lag_ms(tmp_path):
    with serving(tmp_path / "keys", "--rest-lag-ms", "1500") as served:
        assert "REST lag: Kalshi's portfolio reads answer as of 1500 ms ago" in served.banner
        assert plain_http.get(f"{served.base_url}/_admin/rest_lag", timeout=10).json()["ms"] == 1500
    done = run_serve(tmp_path / "keys", "--rest-lag-ms", "3600001")
    assert done.returncode == 2 and "argument --rest-lag-ms" in done.stderr and done.stdout == ""


# -- a lagged read is the read of then, byte for byte ------------------------------------------------------------------

USERS = ("alice", "bob", "trader")
TICKERS = ("E1-A", "E1-B", "E2-A")  # E1-B is on exchange index 1
SIDES, ACTIONS = st.sampled_from(["yes", "no"]), st.sampled_from(["buy", "sell"])
COMMAND = st.one_of(
    st.tuples(st.just("fill"), st.sampled_from(USERS), st.sampled_from(TICKERS), SIDES, ACTIONS, st.integers(1, 900),
              st.integers(1, 99), st.integers(0, 1)),
    st.tuples(st.just("order"), st.sampled_from(USERS), st.sampled_from(TICKERS), st.integers(1, 900),
              st.integers(0, 1)),
    st.tuples(st.just("cancel"), st.integers(0, 9)),
    st.tuples(st.just("settle"), st.sampled_from(TICKERS), st.sampled_from(["yes", "no"])),
    st.tuples(st.just("deposit"), st.sampled_from(USERS), st.integers(1, 10_000)),
    st.tuples(st.just("account"), st.integers(0, 3)),
)  # fmt: skip
STEP = st.one_of(
    COMMAND, st.tuples(st.just("advance"), st.sampled_from([0, 1, 200, 500, 999, 1000, 1500])), st.just(("read",))
)


def reads(profile: str) -> list[tuple[str, str, dict[str, Any]]]:
    """What is read at each read step: every filter of the profile's positions, balances, the lists, FCM positions."""
    every = {"settlement_status": "all"} if profile == "3.34" else {}  # the legacy profile has no settlement_status
    by_profile = (
        [("alice", "/portfolio/positions", {"settlement_status": "settled"}),
         ("alice", "/portfolio/positions", {"count_filter": "position,total_traded", **every})]
        if profile == "3.34" else
        [("alice", "/portfolio/positions", {"count_filter": "position,resting_order_count"}),
         ("alice", "/portfolio/positions", {"event_ticker": "E2,E1"})]
    )  # fmt: skip
    return [
        ("alice", "/portfolio/positions", {}),
        ("alice", "/portfolio/positions", {"limit": 2, **every}),  # every page
        *by_profile,
        ("alice", "/portfolio/positions", {"event_ticker": "E1", "exchange_index": 1, **every}),
        ("alice", "/portfolio/positions", {"ticker": "E1-A", **every}),
        ("alice", "/portfolio/positions", {"subaccount": 1, **every}),
        ("bob", "/portfolio/positions", every),
        ("alice", "/portfolio/balance", {}),
        ("alice", "/portfolio/balance", {"subaccount": 1}),
        ("alice", "/portfolio/balance", {"exchange_index": 1}),
        ("bob", "/portfolio/balance", {}),
        ("alice", "/portfolio/fills", {"limit": 3}),  # every page
        ("bob", "/portfolio/settlements", {}),
        ("fcm", "/fcm/positions", {"subtrader_id": "trader", "settlement_status": "all"}),
    ]


class Replay:
    """One mock for a run of steps: its commands, and its answers to every read."""

    def __init__(self, lag_ms: int, profile: str) -> None:
        self.clock = ManualClock(T0)
        self.mock = MockServer(clock=self.clock, rest_lag_ms=lag_ms, profile=profile, seed=3, admin=False).start()
        for user in ("alice", "bob", "fcm"):
            self.mock.create_account(user, balance_cents=100_000, fcm_member=user == "fcm")
        self.mock.create_account("trader", balance_cents=100_000, subtrader_of="fcm")
        self.mock.create_market("E1-B", exchange_index=1)
        self.clients = {user: client(self.mock, user) for user in ("alice", "bob", "fcm")}
        self.accounts = 0
        self.reads = reads(profile)

    def close(self) -> None:
        for http in self.clients.values():
            http.close()
        self.mock.stop()

    def run(self, command: tuple[Any, ...]) -> None:
        mock = self.mock
        try:
            if command[0] == "fill":
                _, user, ticker, side, action, count, cents, sub = command
                mock.fill(user, ticker, side, action, str(count), f"0.{cents:02d}", subaccount=sub)
            elif command[0] == "order":
                _, user, ticker, count, sub = command
                mock.create_order(user, ticker, "yes", "buy", str(count), "0.30", subaccount=sub)
            elif command[0] == "cancel" and mock.app.ledger.state.orders:
                orders = sorted(mock.app.ledger.state.orders)
                mock.cancel_order(orders[command[1] % len(orders)])
            elif command[0] == "settle":
                mock.settle(command[1], command[2])
            elif command[0] == "deposit":
                mock.deposit(command[1], command[2])
            elif command[0] == "account" and self.accounts < 3:
                self.accounts += 1
                mock.create_account(f"late-{self.accounts}", balance_cents=1_000 * command[1])
        except ControlError:
            pass  # refused whole in both runs: a settled or unknown market, an account that exists

    def read(self) -> list[tuple[str, int, bytes]]:
        """Every read's answers (each page of a paged one): what was asked, the status, the body's bytes."""
        answers = []
        for user, path, params in self.reads:
            cursor = None
            while True:
                r = self.clients[user].get(path, params={**params, **({"cursor": cursor} if cursor else {})})
                answers.append((f"{user} {path} {params}", r.status_code, r.content))
                cursor = r.json().get("cursor") if r.status_code == 200 else None
                if not cursor:
                    break
        return answers


@pytest.mark.slow
@settings(max_examples=20, deadline=None)
@given(st.lists(STEP, max_size=30), st.sampled_from(["3.34", "legacy"]))
def test_a_lagged_answer_is_the_answer_of_then_byte_for_byte(steps, profile):
    # Without lag: run the steps, answering every read at once (then move the clock 1 ms on, so no later command
    # shares the read's instant).
    plain = Replay(0, profile)
    schedule: list[tuple[datetime, int, tuple[Any, ...]]] = []
    expected = []
    try:
        for n, s in enumerate([*steps, ("read",)]):
            if s[0] == "advance":
                plain.clock.advance(delta=ms(s[1]))
            elif s[0] == "read":
                expected.append(plain.read())
                schedule.append((plain.clock.now() + ms(LAG_MS), n, s))
                plain.clock.advance(delta=ms(1))
            else:
                plain.run(s)
                schedule.append((plain.clock.now(), n, s))
    finally:
        plain.close()
    # With the lag: the same commands at the same times, each read LAG_MS later.
    lagged = Replay(LAG_MS, profile)
    answers = []
    try:
        for when, _, s in sorted(schedule):
            lagged.clock.set(max(when, lagged.clock.now()))
            if s[0] == "read":
                answers.append(lagged.read())
            else:
                lagged.run(s)
    finally:
        lagged.close()
    assert len(answers) == len(expected)
    for got, wanted in zip(answers, expected, strict=True):
        assert [status for _, status, _ in wanted] == [200] * len(wanted)
        assert got == wanted
