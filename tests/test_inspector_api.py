"""The inspector's admin reads over real HTTP (docs/admin-api.md, docs/inspector.md): GET /_admin/accounts,
/_admin/accounts/{user_id} (its Kalshi positions byte for byte what GET /portfolio/positions serves, and a Kalshi
account's details what their endpoints serve), /_admin/connections (subscriptions and last frames), the live feed GET
/_admin/events (server-sent events: hello, state, requests with latency and user, a change inside an account,
heartbeats, a client that does not read dropped, the stream ended at shutdown), the scenario's pause, removing one fault
rule, and GET /_inspector (its assets, its Content-Security-Policy, the admin API's access rules)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import inspector_account_details as details
import orjson
import plain_http
import pytest
from module_mocks import key_pair
from websockets.sync.client import connect

from mockexchange.admin import feed as feed_module
from mockexchange.admin.inspector import ASSETS, CONTENT_SECURITY_POLICY
from mockexchange.core.clock import ManualClock
from mockexchange.registry import PANELS
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

POSITIONS = "/trade-api/v2/portfolio/positions"
STREAM = {"Accept": "text/event-stream"}


def seed(mock: MockServer) -> KalshiSigner:
    """alice's Kalshi account (its key made once for the module), an FCM desk, and dan's Deribit account."""
    mock.create_account("alice", balance_cents=100_000)
    signer = key_pair("alice-key").register(mock, "alice")
    mock.create_account("fcm", balance_cents=5_000, fcm_member=True)
    mock.create_account("fcm-sub-1", subtrader_of="fcm")
    mock.fill("alice", "KXFED-26DEC-T4.00", "yes", "buy", "10", "0.56")
    mock.fill("alice", "KXFED-26DEC-T4.00", "yes", "sell", "4", "0.60")
    mock.fill("alice", "KXFED-26DEC-T4.25", "no", "buy", "3", "0.30")
    mock.fill("alice", "KXCPI-26DEC-T3.0", "no", "buy", "7", "0.31", subaccount=2)
    mock.deposit("alice", amount_cents=2_500)
    mock.create_deribit_account("dan", balances={"BTC": "10"})
    mock.create_deribit_subaccount("dan", balances={"ETH": "5"}, subaccount_id=4242)
    mock.create_deribit_key("dan", client_id="DanKey", client_secret="dan-secret")
    mock.deribit_fill("dan", "BTC-PERPETUAL", "buy", "100", "60000")
    mock.deribit_fill("dan", "BTC-PERPETUAL", "sell", "40", "61000")
    return signer


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with MockServer(clock=ManualClock()) as server:
        yield server


@pytest.fixture(scope="module")
def seeded() -> Iterator[MockServer]:
    """One seeded mock for the tests that only read it."""
    with MockServer(clock=ManualClock()) as server:
        seed(server)
        yield server


def admin(mock: MockServer, path: str, **params: str) -> httpx.Response:
    return plain_http.get(f"{mock.base_url}/_admin/{path}", params=params, timeout=10)


# -- accounts ---------------------------------------------------------------------------------------------------------


def test_the_accounts_of_both_venues_with_their_balances(mock: MockServer) -> None:
    seed(mock)
    answer = admin(mock, "accounts")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    kalshi = {user["user_id"]: user for user in body["kalshi"]}
    assert list(kalshi) == ["alice", "fcm", "fcm-sub-1"]
    assert kalshi["fcm"]["fcm_member"] and kalshi["fcm"]["subtraders"] == ["fcm-sub-1"]
    assert kalshi["fcm-sub-1"]["subtrader_of"] == "fcm"
    assert [s["subaccount"] for s in kalshi["alice"]["subaccounts"]] == [0, 2]
    assert kalshi["fcm"]["subaccounts"][0]["balance"] == 5_000  # integer cents, as GET /portfolio/balance says
    (dan,) = body["deribit"]
    assert [(w["id"], w["main"], w["balances"]) for w in dan["wallets"]][1] == (4242, False, {"ETH": "5"})
    assert dan["client_ids"] == ["DanKey"]
    assert body["truncated"] is False


@pytest.mark.parametrize("profile", ["3.34", "legacy"])
def test_an_accounts_positions_are_the_bytes_rest_serves(profile: str) -> None:
    with MockServer(clock=ManualClock(), profile=profile) as mock:
        signer = seed(mock)
        with httpx.Client(base_url=mock.base_url, auth=KalshiAuth(signer), timeout=10) as client:
            rest = client.get(POSITIONS + "?limit=1000")
            plain = client.get(POSITIONS)
            balance = client.get("/trade-api/v2/portfolio/balance").json()
            fills = client.get("/trade-api/v2/portfolio/fills?limit=100&subaccount=0").json()
        detail = admin(mock, "accounts/alice")
    assert rest.status_code == detail.status_code == 200
    assert rest.content in detail.content, "the positions answer is embedded byte for byte"
    kalshi = detail.json()["kalshi"]
    assert kalshi["positions"] == rest.json() == plain.json()
    assert kalshi["positions"]["event_positions"], "event roll-ups come with it"
    assert kalshi["balance"] == balance and kalshi["fills"] == fills
    assert kalshi["queries"]["positions"] == "GET /trade-api/v2/portfolio/positions?limit=1000&subaccount=0"
    assert kalshi["deposits"]["deposits"][0]["amount_cents"] == 2_500
    assert [k["key_type"] for k in kalshi["keys"]] == ["rsa"]
    assert [(k["name"], k["scopes"]) for k in kalshi["keys"]] == [("", ["read", "write"])]
    assert kalshi["profile"] == profile


def test_the_picture_replays_the_fills_with_the_ledgers_arithmetic(mock: MockServer) -> None:
    signer = seed(mock)
    mock.settle("KXFED-26DEC-T4.25", "yes")
    detail = admin(mock, "accounts/alice").json()["kalshi"]
    with httpx.Client(base_url=mock.base_url, auth=KalshiAuth(signer), timeout=10) as client:
        rows = client.get(POSITIONS + "?settlement_status=all").json()["market_positions"]
    series = {market["market"]: market["points"] for market in detail["pnl"]["markets"]}
    assert set(series) == {"KXFED-26DEC-T4.00", "KXFED-26DEC-T4.25"}, "subaccount 0's markets only"
    for row in rows:
        last = series[row["ticker"]][-1]
        assert f"{float(last['realized_pnl']):.6f}" == row["realized_pnl_dollars"]
        assert f"{float(last['position']):.2f}" == row["position_fp"]
    assert [p["kind"] for p in series["KXFED-26DEC-T4.25"]] == ["fill", "settlement"]
    other = admin(mock, "accounts/alice", subaccount="2").json()["kalshi"]
    assert [m["market"] for m in other["pnl"]["markets"]] == ["KXCPI-26DEC-T3.0"]
    assert other["positions"]["market_positions"][0]["ticker"] == "KXCPI-26DEC-T3.0"


def test_a_deribit_wallet_renders_as_private_get_positions(mock: MockServer) -> None:
    seed(mock)
    body = admin(mock, "accounts/dan").json()
    assert body["kalshi"] is None
    deribit = body["deribit"]
    token = plain_http.get(
        mock.deribit_url + "/api/v2/public/auth",
        params={"grant_type": "client_credentials", "client_id": "DanKey", "client_secret": "dan-secret"},
        timeout=10,
    ).json()["result"]["access_token"]
    served = plain_http.get(
        mock.deribit_url + "/api/v2/private/get_positions", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ).json()["result"]
    assert deribit["positions"] == served
    assert [t["direction"] for t in deribit["trades"]] == ["sell", "buy"], "newest first"
    (market,) = deribit["pnl"]["markets"]
    assert [p["position"] for p in market["points"]] == ["100", "60"]
    assert deribit["keys"] == [{"client_id": "DanKey", "subaccount_id": None, "scope": deribit["keys"][0]["scope"]}]
    sub = admin(mock, "accounts/dan", wallet="4242").json()["deribit"]
    assert sub["wallet_id"] == 4242 and sub["positions"] == [] and sub["trades"] == []


# -- a Kalshi account's details ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["3.34", "legacy"])
def test_a_kalshi_accounts_details_are_what_rest_serves(profile: str) -> None:
    clock = ManualClock()
    with MockServer(clock=clock, profile=profile) as mock, details.seed(mock, clock) as found:
        user, desk = found.user, found.fcm
        detail = admin(mock, f"accounts/{details.USER}")
        kalshi = detail.json()["kalshi"]
        reads = {
            "subaccount_balances": "/portfolio/subaccounts/balances",
            "netting": "/portfolio/subaccounts/netting",
            "subaccount_transfers": "/portfolio/subaccounts/transfers?limit=100",
            "instance_transfers": "/portfolio/intra_exchange_instance_transfers?limit=100",
            "target_balance_allocation": "/portfolio/target_balance_allocation",
            "api_keys": "/api_keys",
        }
        for name, path in reads.items():
            rest = user.get(path)
            assert rest.status_code == 200, rest.text
            assert rest.content in detail.content, f"{name}: the venue's answer, byte for byte"
            assert kalshi[name] == rest.json(), name
            assert kalshi["queries"][name] == "GET /trade-api/v2" + path, name
        assert [t["amount_cents"] for t in kalshi["subaccount_transfers"]["transfers"]] == [305, 2_550], "newest first"
        assert [t["status"] for t in kalshi["instance_transfers"]["transfers"]] == ["pending", "complete"]
        assert kalshi["counts"] == {"subaccount_balances": 3, "netting_configs": 3, "subaccount_transfers": 2,
                                    "instance_transfers": 2, "api_keys": 2}  # fmt: skip
        assert "private_key" not in detail.text and "PRIVATE KEY" not in detail.text
        member = admin(mock, f"accounts/{details.FCM}").json()["kalshi"]
        subtraders = details.served(desk, "/fcm/subtraders")["subtraders"]
        assert [s["subtrader"] for s in member["fcm"]["subtraders"]] == subtraders
        first, second = member["fcm"]["subtraders"]
        assert first["daily_cap"] == details.served(
            desk, "/fcm/subtraders/event_contract_daily_cap", subtrader_id=f"{details.FCM}_A"
        )
        assert second["daily_cap"] is None, "no cap: the venue's 404"
        assert (first["blocked_categories"], first["blocked_count"]) == (["Politics", "Sports"], 2)
        assert kalshi["fcm"] is None, "not an FCM member"
        if profile == "legacy":
            assert kalshi["historical"] is None, "the legacy profile has no historical API"
            return
        historical = kalshi["historical"]
        pages = {"cutoff": "/historical/cutoff", "positions": "/historical/positions?limit=100&subaccount=0",
                 "fills": "/historical/fills?limit=100", "orders": "/historical/orders?limit=100"}  # fmt: skip
        for name, path in pages.items():
            rest = user.get(path)
            assert rest.content in detail.content and historical[name] == rest.json(), name
        assert historical["moved"] == {"fills": 2, "orders": 1, "positions": 1, "events": 1}


@pytest.mark.slow
def test_the_feed_tells_of_a_change_inside_an_account(mock: MockServer) -> None:
    named = lambda user: lambda d: d["users"] is not None and user in d["users"]["kalshi"]  # noqa: E731
    clock = mock.app.ledger.state.clock
    assert isinstance(clock, ManualClock)
    with details.seed(mock, clock) as found:
        events = Events(mock)
        try:
            events.wait_for("hello")
            body = {"client_transfer_id": "9a3e1f7c-2b4d-4c6e-8f10-a2b3c4d5e6f7", "from_subaccount": 0,
                    "to_subaccount": 2, "amount_cents": 100}  # fmt: skip
            assert found.user.post("/portfolio/subaccounts/transfer", json=body).status_code == 200
            events.wait_for("state", named(details.USER))
            events.got.clear()
            assert found.user.delete(f"/api_keys/{found.bound_key_id}").status_code == 204
            events.wait_for("state", named(details.USER))
            events.got.clear()
            mock.set_historical_cutoff(at="2026-11-02T15:30:00Z")  # the Python API: no admin route tells the feed
            events.wait_for("state", lambda d: d["users"] is None)
            events.got.clear()
            cap = {"subtrader_id": f"{details.FCM}_B", "limit": "75.5"}
            assert found.fcm.put("/fcm/subtraders/event_contract_daily_cap", json=cap).status_code == 200
            events.wait_for("state", named(f"{details.FCM}_B"))  # the page reloads the member that has it
        finally:
            events.close()


@pytest.mark.parametrize(
    "user",
    ["nobody", "a/b", "../../etc/passwd", "%00", "\u00e9\u4e2d", "x" * 5000, " ", "alice?subaccount=1"],
)
def test_an_unknown_or_hostile_user_is_a_404_in_the_admin_shape(seeded: MockServer, user: str) -> None:
    answer = plain_http.get(f"{seeded.base_url}/_admin/accounts/{quote(user, safe='')}", timeout=10)
    assert answer.status_code == 404, answer.text
    assert set(answer.json()) == {"error"} and "unknown user_id" in answer.json()["error"]


@pytest.mark.parametrize(
    ("query", "status"),
    [("subaccount=64", 400), ("subaccount=-1", 400), ("subaccount=\u0661", 400), ("wallet=0", 400), ("what=1", 400),
     ("subaccount=1&subaccount=2", 400), ("wallet=999", 404)],
)  # fmt: skip
def test_a_bad_account_query_is_a_400_not_a_500(seeded: MockServer, query: str, status: int) -> None:
    user = "dan" if query.startswith("wallet=999") else "alice"
    answer = plain_http.get(f"{seeded.base_url}/_admin/accounts/{user}?{query}", timeout=10)
    assert answer.status_code == status, answer.text
    assert "error" in answer.json()


def test_the_reads_are_guarded_like_the_admin_api() -> None:
    with MockServer(admin_token="sesame") as mock:
        for path in ("accounts", "accounts/alice", "connections"):
            assert admin(mock, path).status_code == 401
        ok = plain_http.get(f"{mock.base_url}/_admin/accounts", headers={"Authorization": "Bearer sesame"}, timeout=10)
        assert ok.status_code == 200
        events = plain_http.get(f"{mock.base_url}/_admin/events", headers=STREAM, timeout=10)
        assert events.status_code == 401
        foreign = plain_http.get(f"{mock.base_url}/_admin/accounts", headers={"Host": "evil.example"}, timeout=10)
        assert foreign.status_code == 403


# -- connections ------------------------------------------------------------------------------------------------------


def test_connections_show_their_subscriptions_and_last_frames(mock: MockServer) -> None:
    signer = seed(mock)
    assert admin(mock, "connections").json() == {"count": 0, "connections": []}  # from now on, frames are noted
    with connect(mock.kalshi_ws_url, additional_headers=signer.headers("GET", "/trade-api/ws/v2")) as ws:
        ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": ["market_positions"]}}))
        assert json.loads(ws.recv(5))["type"] == "subscribed"
        mock.fill("alice", "KXFED-26DEC-T4.00", "yes", "buy", "1", "0.50")
        assert json.loads(ws.recv(5))["type"] == "market_position"
        deadline = time.monotonic() + 5
        while True:
            body = admin(mock, "connections").json()
            if body["count"] and len(body["connections"][0]["last_frames"]) >= 3 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    (connection,) = body["connections"]
    assert (connection["venue"], connection["user_id"], connection["path"]) == ("kalshi", "alice", "/trade-api/ws/v2")
    assert connection["subscriptions"] == [{"sid": 1, "channel": "market_positions", "market_tickers": None}]
    frames = [(f["direction"], json.loads(f["text"]).get("type") or json.loads(f["text"]).get("cmd"))
              for f in connection["last_frames"]]  # fmt: skip
    assert frames[:3] == [("in", "subscribe"), ("out", "subscribed"), ("out", "market_position")]
    assert connection["frames_received"] == 1 and connection["frames_sent"] >= 2
    deadline = time.monotonic() + 5
    while admin(mock, "connections").json()["count"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert admin(mock, "connections").json() == {"count": 0, "connections": []}


def test_a_deribit_connection_shows_its_channels(mock: MockServer) -> None:
    seed(mock)
    with connect(mock.deribit_ws_url) as ws:
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 0, "method": "public/test"}))
        ws.recv(5)
        (early,) = admin(mock, "connections").json()["connections"]
        assert early["frames_received"] == 0 and early["last_frames"] == [], "nobody inspected: nothing was noted"
        auth = {"grant_type": "client_credentials", "client_id": "DanKey", "client_secret": "dan-secret"}
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "public/auth", "params": auth}))
        ws.recv(5)
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "private/subscribe",
                            "params": {"channels": ["user.trades.any.any.raw"]}}))  # fmt: skip
        ws.recv(5)
        (connection,) = admin(mock, "connections").json()["connections"]
    assert (connection["venue"], connection["user_id"], connection["key_id"]) == ("deribit", "dan", "DanKey")
    assert connection["subscriptions"] == [{"channel": "user.trades.any.any.raw"}]
    assert [f["direction"] for f in connection["last_frames"]] == ["in", "out", "in", "out"]
    deadline = time.monotonic() + 5  # closed: listed no more (the deadline only bounds a mock that keeps it)
    while admin(mock, "connections").json()["count"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert admin(mock, "connections").json() == {"count": 0, "connections": []}


# -- the live feed ----------------------------------------------------------------------------------------------------


class Events:
    """A reader of GET /_admin/events on its own thread: the events it got, as (name, data)."""

    def __init__(self, mock: MockServer, since: int | None = None) -> None:
        self.got: list[tuple[str, object]] = []
        self.comments = 0
        self.ended = threading.Event()
        url = f"{mock.base_url}/_admin/events" + ("" if since is None else f"?since={since}")
        self.client = httpx.Client(timeout=httpx.Timeout(10, read=60))
        self.response = self.client.send(self.client.build_request("GET", url, headers=STREAM), stream=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        name = None
        try:
            for line in self.response.iter_lines():
                if line.startswith(":"):
                    self.comments += 1
                elif line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    self.got.append((name or "message", orjson.loads(line[6:])))
        except httpx.HTTPError:
            pass
        finally:
            self.ended.set()

    def wait_for(self, name: str, test=lambda data: True, timeout: float = 10) -> object:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for got, data in list(self.got):
                if got == name and test(data):
                    return data
            time.sleep(0.02)
        raise AssertionError(f"no {name} event came; got {[g for g, _ in self.got]}")

    def close(self) -> None:
        self.response.close()
        self.client.close()


@pytest.mark.slow
def test_the_feed_tells_what_changes_as_it_changes(mock: MockServer) -> None:
    signer = seed(mock)
    events = Events(mock)
    try:
        assert events.response.status_code == 200
        assert events.response.headers["content-type"].startswith("text/event-stream")
        assert "content-length" not in events.response.headers
        hello = events.wait_for("hello")
        assert hello["last_seq"] == 0 and hello["queue_bytes"] == feed_module.QUEUE_BYTES
        mock.fill("alice", "KXFED-26DEC-T4.00", "yes", "buy", "1", "0.50")
        state = events.wait_for("state", lambda d: d["users"] and "alice" in d["users"]["kalshi"])
        assert state["clock"]["clock"] == "manual" and state["scenario"]["loaded"] is False
        plain_http.get(mock.kalshi_url + "/portfolio/positions", auth=KalshiAuth(signer), timeout=10)
        requests = events.wait_for("requests")
        (entry,) = requests["requests"]
        assert (entry["status"], entry["user_id"], entry["operation"]) == (200, "alice", "GetPositions")
        assert isinstance(entry["latency_us"], int) and entry["latency_us"] >= 0
        rule = {"path": "/trade-api/v2/portfolio/", "status": 503}
        plain_http.post(f"{mock.base_url}/_admin/faults", json=rule, timeout=10)
        control = events.wait_for("control", lambda d: d["faults"])
        assert control["faults"][0]["status"] == 503 and control["rate_limits"]["tier"] == "off"
        plain_http.post(f"{mock.base_url}/_admin/requests/clear", timeout=10)
        events.wait_for("cleared")
    finally:
        events.close()


def test_a_page_opened_after_fills_made_for_nobody_is_told_of_the_next(mock: MockServer) -> None:
    """Fills made while no page listens make no change for the feed; a page that opens after them is told of the
    next one."""
    mock.create_account("alice", balance_cents=100_000)
    mock.fill("alice", "KXFED-26DEC-T4.00", "yes", "buy", "10", "0.56")  # nobody listens
    events = Events(mock)
    try:
        events.wait_for("hello")
        mock.fill("alice", "KXFED-26DEC-T4.00", "yes", "buy", "1", "0.50")
        events.wait_for("state", lambda d: d["users"] and "alice" in d["users"]["kalshi"])
    finally:
        events.close()


def test_a_quote_moves_the_account_of_the_rfq_it_answers_too(mock: MockServer) -> None:
    """A quote is offered to the RFQ's creator: a page showing the creator's account is told, not only the maker's."""
    for user in ("alice", "bob"):
        mock.create_account(user, balance_cents=100_000)
    ticker = mock.create_market("KXRFQFEED-1")["ticker"]
    rfq = mock.create_rfq("alice", ticker, False, contracts="5")
    events = Events(mock)
    try:
        events.wait_for("hello")
        mock.create_quote("bob", rfq["rfq_id"], "0.40", "0.50", False)
        events.wait_for("state", lambda d: d["users"] and {"alice", "bob"} <= set(d["users"]["kalshi"]))
    finally:
        events.close()


def test_the_feed_shows_no_requests_when_the_journal_is_off() -> None:
    # journal_size=0: the feed shows what the journal holds, which is nothing; the rest of it goes on.
    with MockServer(clock=ManualClock(), journal_size=0) as mock:
        signer = seed(mock)
        plain_http.get(mock.kalshi_url + "/portfolio/positions", auth=KalshiAuth(signer), timeout=10)
        events = Events(mock)
        try:
            assert events.wait_for("hello")["last_seq"] == 0
            answer = plain_http.get(mock.kalshi_url + "/portfolio/positions", auth=KalshiAuth(signer), timeout=10)
            assert answer.status_code == 200
            mock.fill("alice", "KXFED-26DEC-T4.00", "yes", "buy", "1", "0.50")
            events.wait_for("state", lambda d: d["users"] and "alice" in d["users"]["kalshi"])
            plain_http.post(f"{mock.base_url}/_admin/faults", json={"path": "/nowhere/", "status": 503}, timeout=10)
            events.wait_for("control", lambda d: d["faults"])  # a window's last topic: any requests event came first
            assert "requests" not in [name for name, _ in events.got]
        finally:
            events.close()


def test_a_reconnecting_client_gets_what_it_missed(mock: MockServer) -> None:
    signer = seed(mock)
    with httpx.Client(base_url=mock.kalshi_url, auth=KalshiAuth(signer), timeout=10) as client:
        for _ in range(3):
            client.get("/portfolio/balance")
    events = Events(mock, since=1)
    try:
        missed = events.wait_for("requests")
        assert [e["seq"] for e in missed["requests"]] == [2, 3] and missed["last_seq"] == 3
    finally:
        events.close()


def test_a_flood_of_requests_is_one_event_per_window(mock: MockServer) -> None:
    seed(mock)
    events = Events(mock)
    try:
        events.wait_for("hello")
        with httpx.Client(base_url=mock.kalshi_url, timeout=10) as client:
            for _ in range(200):
                client.get("/portfolio/balance")  # unsigned: 401s, each journaled
        events.wait_for("requests", lambda d: d["last_seq"] == 200)
        batches = [data for name, data in events.got if name == "requests"]
        assert sum(len(b["requests"]) for b in batches) == 200 and len(batches) < 100
        refused = batches[-1]["requests"][-1]
        assert refused["status"] == 401 and refused["auth"] and refused["user_id"] is None
    finally:
        events.close()


def test_an_idle_stream_carries_heartbeats(mock: MockServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed_module, "HEARTBEAT_S", 0.1)
    events = Events(mock)
    try:
        deadline = time.monotonic() + 5
        while events.comments < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert events.comments >= 2
    finally:
        events.close()


def test_the_feed_wants_an_event_stream_and_a_known_query(mock: MockServer) -> None:
    refused = plain_http.get(f"{mock.base_url}/_admin/events", timeout=10)
    assert refused.status_code == 406 and "text/event-stream" in refused.json()["error"]
    for query in ("since=x", "since=-1", "since=1&since=2", "other=1"):
        answer = plain_http.get(f"{mock.base_url}/_admin/events?{query}", headers=STREAM, timeout=10)
        assert answer.status_code == 400, (query, answer.text)


@pytest.mark.slow
def test_a_client_that_does_not_read_is_dropped(mock: MockServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed_module, "QUEUE_BYTES", 16_384)
    feed = mock.app.views.feed
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", mock.port))
    sock.sendall(b"GET /_admin/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
    deadline = time.monotonic() + 5
    while not feed.listening and time.monotonic() < deadline:
        time.sleep(0.01)
    assert feed.listening == 1
    long_query = "q=" + "x" * 1900  # each entry keeps 2,000 characters of its query: the events are large
    deadline = time.monotonic() + 30
    with httpx.Client(base_url=mock.kalshi_url, timeout=10) as client:
        while feed.listening and time.monotonic() < deadline:
            for _ in range(20):
                client.get(f"/portfolio/balance?{long_query}")
            time.sleep(0.15)  # a window: each batch of requests is another event waiting for the client
    assert feed.listening == 0, "the client that does not read was dropped"
    sock.settimeout(5)
    try:  # what was sent before the drop, then the end (a timeout here: the connection stayed open)
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass
    sock.close()


def test_the_stream_ends_when_the_server_shuts_down() -> None:
    mock = MockServer().start()
    events = Events(mock)
    events.wait_for("hello")
    started = time.monotonic()
    mock.stop()
    assert time.monotonic() - started < 5, "an open stream does not hold the shutdown"
    assert events.ended.wait(5)
    events.close()


# -- the scenario's pause and one fault rule's removal ----------------------------------------------------------------

SCENARIO = """
scenario: slow
settings: {start: "2026-12-09T18:00:00Z"}
users: [{user_id: alice, balance_cents: 100000}]
steps:
  - fill: {user_id: alice, ticker: KXFED-26DEC-T4.00, side: yes, action: buy, count: "1", price: "0.40"}
  - wait: 3600
  - fill: {user_id: alice, ticker: KXFED-26DEC-T4.00, side: yes, action: buy, count: "1", price: "0.40"}
"""


def test_pause_stops_a_play_and_the_timeline_stays_where_it_stopped(mock: MockServer) -> None:
    post = lambda op, body: plain_http.post(f"{mock.base_url}/_admin/{op}", json=body, timeout=10)  # noqa: E731
    assert post("scenario", {"document": SCENARIO}).status_code == 200
    assert post("scenario/pause", {}).json()["paused"] is False, "not playing: nothing to pause"
    assert post("scenario/play", {"speed": 1}).status_code == 200  # the wait takes an hour at speed 1
    deadline = time.monotonic() + 5
    while admin(mock, "scenario").json()["next_step"] < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    paused = post("scenario/pause", {}).json()
    assert paused["paused"] is True
    deadline = time.monotonic() + 5
    while (status := admin(mock, "scenario").json())["playing"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert (status["playing"], status["next_step"], status["steps_left"]) == (False, 1, 2), "the wait stays next"
    stepped = post("scenario/step", {"count": 2}).json()
    assert stepped["steps_left"] == 0 and len(stepped["ran"]) == 2


def test_one_fault_rule_is_removed_by_its_id(mock: MockServer) -> None:
    post = lambda op, body: plain_http.post(f"{mock.base_url}/_admin/{op}", json=body, timeout=10)  # noqa: E731
    first = post("faults", {"path": "/trade-api/v2/portfolio/balance", "status": 503}).json()
    second = post("faults", {"path": "/trade-api/v2/portfolio/fills", "delay_ms": 5}).json()
    assert post("faults/remove", {"id": first["id"]}).json() == {"removed": first["id"]}
    assert [rule["id"] for rule in admin(mock, "faults").json()["faults"]] == [second["id"]]
    missing = post("faults/remove", {"id": first["id"]})
    assert missing.status_code == 404 and "no fault rule" in missing.json()["error"]
    assert post("faults/remove", {"id": "1"}).status_code == 400


# -- the page ---------------------------------------------------------------------------------------------------------


def test_the_page_and_its_assets_are_served_from_the_package_under_a_strict_policy(mock: MockServer) -> None:
    page = plain_http.get(f"{mock.base_url}/_inspector", timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe" not in CONTENT_SECURITY_POLICY
    html = page.text
    assert "http://" not in html and "https://" not in html, "nothing from another host"
    assert "<script>" not in html and " style=" not in html, "no inline script or style: the policy forbids them"
    for name, media_type in {**ASSETS, **{n: m for panel in PANELS for n, m in panel.assets.items()}}.items():
        asset = plain_http.get(f"{mock.base_url}/_inspector/{name}", timeout=10)
        assert asset.status_code == 200 and asset.headers["content-type"] == media_type, name
        assert f"/_inspector/{name}" in html
        assert b"http://" not in asset.content.replace(b"http://www.w3.org/2000/svg", b""), name
    missing = plain_http.get(f"{mock.base_url}/_inspector/../../etc/passwd", timeout=10)
    assert missing.status_code == 404
    assert plain_http.get(f"{mock.base_url}/_inspector/nothing.js", timeout=10).status_code == 404


def test_the_page_follows_the_admin_apis_access_rules_but_needs_no_token() -> None:
    with MockServer(admin_token="sesame") as mock:
        assert plain_http.get(f"{mock.base_url}/_inspector", timeout=10).status_code == 200, "static: no data"
        rebound = plain_http.get(f"{mock.base_url}/_inspector", headers={"Host": "evil.example"}, timeout=10)
        assert rebound.status_code == 403
        foreign = plain_http.get(f"{mock.base_url}/_inspector", headers={"Origin": "https://evil.example"}, timeout=10)
        assert foreign.status_code == 403
    with MockServer(admin=False) as mock:
        assert plain_http.get(f"{mock.base_url}/_inspector", timeout=10).status_code == 404
