"""Kalshi's multivariate event collections over real HTTP and a real websocket, one mock for the module: a collection
set through the admin API, read and listed by its status on the exchange clock; a combo market made by a signed POST
(the same legs: the same market, not made again), listed like any market (GET /markets' `mve_filter`, GET
/events/multivariate, never GET /events), traded on its book by the one order road, carried by an RFQ on it and by an
RFQ batch naming it by its legs, and settled from its legs: yes when every leg resolved to its side, no otherwise, its
buyer paid or not; its `multivariate_market_lifecycle` messages (the event listed, the market created, closed with a
leg, determined, settled) and none on `market_lifecycle_v2`; legs that break the collection's rules refused 400, an
unknown collection 404, both changing nothing; the bounds; a scenario's set-up and step. In-process, apps of their own:
the legacy profile's lookups, and a state file that brings collections and combos back. Each answer is checked against
the spec's slice, each frame against the AsyncAPI's (market_client.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import plain_http
import pytest
from kalshi_http import ok
from market_client import Reader, reading, subscribe
from module_mocks import client_of, fresh, kept_user, module_mock
from state_sql import sql

from mockexchange.app import build_app
from mockexchange.contract.kalshi.slicing import committed_openapi
from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi import multivariate
from mockexchange.schema.fields import response_errors
from mockexchange.server import MockServer
from mockexchange.settings import Settings
from mockexchange.testing.in_process import InProcess
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

T0 = datetime(2026, 9, 6, 15, 0, tzinfo=UTC)
COLLECTION = "KXMVESPORTS-R"
A, B, C = "KXNFL-26SEP06-A", "KXNFL-26SEP06-B", "KXNBA-26SEP06-C"  # A and B: one event; C another (YES only)
NFL, NBA = "KXNFL-26SEP06", "KXNBA-26SEP06"
PATH = f"/multivariate_event_collections/{COLLECTION}"
TICKER = re.compile(r"KXMVESPORTS-S2026[0-9A-F]{11}-[0-9A-F]{11}")
API = "/trade-api/v2"
# (the committed slice as parsed once in the process: a worker that collects the schema suites parses it already)
SLICE = committed_openapi()

server_fixture = module_mock("server", T0)
alice_client, bob_client = client_of("alice"), client_of("bob")


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    """alice and bob ($1,000 each), markets A and B (one event) and C, the collection open from T0 for a day: 2 or 3
    legs, C's event on its YES side only."""
    fresh(server, T0)
    for user in ("alice", "bob"):
        server.create_account(user, balance_cents=100_000)
    for ticker in (A, B, C):
        server.create_market(ticker)
    admin("multivariate_collections", server, collection_ticker=COLLECTION, size_max=3, title="Sports combos",
          close_date=(T0 + timedelta(days=1)).isoformat(),
          associated_events=[{"ticker": NFL}, {"ticker": NBA, "is_yes_only": True}])  # fmt: skip
    return server


def admin(path: str, mock: MockServer, **body: Any) -> dict[str, Any]:
    r = plain_http.post(f"{mock.base_url}/_admin/{path}", json=body, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def leg(ticker: str, side: str = "yes") -> dict[str, str]:
    return {"market_ticker": ticker, "event_ticker": ticker.rsplit("-", 1)[0], "side": side}


def in_schema(r: httpx.Response, template: str) -> Any:
    assert response_errors(SLICE, template, r.request.method, r.status_code, r.json()) == [], r.text
    return r.json()


def combo(client: httpx.Client, *legs: dict[str, str], **body: Any) -> dict[str, Any]:
    r = client.post(PATH, json={"selected_markets": list(legs), **body})
    assert r.status_code == 200, r.text
    return in_schema(r, "/multivariate_event_collections/{collection_ticker}")


def tickers(client: httpx.Client, path: str, listed: str, key: str, **params: Any) -> list[str]:
    return [row[key] for row in in_schema(client.get(path, params=params), path)[listed]]


def refused(r: httpx.Response, status: int, code: str) -> str:
    assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text
    return r.headers["x-mockexchange-diagnosis"]


@contextmanager
def lifecycle_reader(mock: MockServer) -> Iterator[Reader]:
    """bob's connection, subscribed to both lifecycle channels and to the communications channel."""
    with reading(mock, kept_user(mock, "bob").signer) as reader:
        reader.ask(subscribe(["multivariate_market_lifecycle", "market_lifecycle_v2", "communications"]), count=3)
        yield reader


def messages(reader: Reader, kind: str) -> list[tuple[str, str]]:
    """The messages of that type so far: each one's event type (its event's ticker for an event's)."""
    return [f["msg"].get("event_type", f["msg"].get("event_ticker")) for f in reader.frames if f["type"] == kind]


# -- the collection, a combo made and listed ---------------------------------------------------------------------------


def test_a_collection_is_read_by_its_status_and_a_combo_made_once_is_listed_as_combos_are(mock, alice, bob):
    row = in_schema(alice.get(PATH), "/multivariate_event_collections/{collection_ticker}")["multivariate_contract"]
    assert (row["title"], row["open_date"], row["close_date"]) == (
        "Sports combos", "2026-09-06T15:00:00.000000Z", "2026-09-07T15:00:00.000000Z")  # fmt: skip
    assert row["associated_events"][1] == {"ticker": NBA, "is_yes_only": True, "size_max": None, "size_min": None,
                                           "active_quoters": []}  # fmt: skip
    listed = "/multivariate_event_collections"
    assert tickers(alice, listed, "multivariate_contracts", "collection_ticker", status="open") == [COLLECTION]
    assert tickers(alice, listed, "multivariate_contracts", "collection_ticker", status="unopened") == []
    assert tickers(alice, listed, "multivariate_contracts", "collection_ticker", associated_event_ticker=NBA) == [
        COLLECTION]  # fmt: skip
    refused(alice.get("/multivariate_event_collections/KXNOPE-R"), 404, "not_found")

    made = combo(alice, leg(C), leg(A, "no"), with_market_payload=True)
    assert TICKER.fullmatch(made["market_ticker"]) and made["market_ticker"].startswith(made["event_ticker"] + "-")
    market = made["market"]
    assert (market["title"], market["status"], market["mve_collection_ticker"]) == ("yes C,no A", "active", COLLECTION)
    assert market["mve_selected_legs"] == [leg(C), leg(A, "no")]  # (an unordered collection: by market ticker)
    again = combo(bob, leg(A, "no"), leg(C))  # the same legs, another user, another order: the same market
    assert again == {"event_ticker": made["event_ticker"], "market_ticker": made["market_ticker"]}
    other = combo(bob, leg(A), leg(C))  # another side: another market of the same event
    assert other["event_ticker"] == made["event_ticker"] and other["market_ticker"] != made["market_ticker"]

    only = tickers(alice, "/markets", "markets", "ticker", mve_filter="only")
    assert only == sorted([made["market_ticker"], other["market_ticker"]])
    assert tickers(alice, "/markets", "markets", "ticker", mve_filter="exclude") == [C, A, B]
    assert tickers(alice, "/events", "events", "event_ticker") == [NBA, NFL]
    events = in_schema(alice.get("/events/multivariate", params={"with_nested_markets": "true"}),
                       "/events/multivariate")["events"]  # fmt: skip
    assert [(e["event_ticker"], e["series_ticker"], e["title"]) for e in events] == [
        (made["event_ticker"], "KXMVESPORTS", "Sports combos")]  # fmt: skip
    assert [m["ticker"] for m in events[0]["markets"]] == only
    assert tickers(alice, "/events/multivariate", "events", "event_ticker", collection_ticker="KXNOPE-R") == []
    r = alice.get("/events/multivariate", params={"series_ticker": "KXMVESPORTS", "collection_ticker": COLLECTION})
    assert r.status_code == 400 and "CollectionTicker" in r.json()["msg"]
    shown = ok(alice, f"/markets/{made['market_ticker']}")["market"]
    assert shown["mve_selected_legs"] == market["mve_selected_legs"] and "mve_collection_ticker" not in ok(
        alice, f"/markets/{A}")["market"]  # fmt: skip


# -- traded and settled from its legs ----------------------------------------------------------------------------------


def _bought(alice: httpx.Client, bob: httpx.Client, *legs: dict[str, str]) -> str:
    """alice holds 10 YES of the combo of `legs`, bought at 0.30 from bob's resting ask by the one order road."""
    ticker = combo(alice, *legs)["market_ticker"]
    order = {"ticker": ticker, "count": "10", "price": "0.30", "time_in_force": "good_till_canceled",
             "self_trade_prevention_type": "taker_at_cross"}  # fmt: skip
    assert bob.post("/portfolio/events/orders", json={**order, "side": "ask"}).status_code == 201
    assert alice.post("/portfolio/events/orders", json={**order, "side": "bid"}).status_code == 201
    assert ok(alice, "/portfolio/positions", ticker=ticker)["market_positions"][0]["position_fp"] == "10.00"
    assert [t["ticker"] for t in ok(alice, "/markets/trades", ticker=ticker)["trades"]] == [ticker]
    return ticker


def test_combos_trade_on_their_books_carry_their_legs_in_rfqs_and_settle_from_their_legs(mock, alice, bob):
    with lifecycle_reader(mock) as reader:
        wins = _bought(alice, bob, leg(A), leg(C))
        asked = alice.post("/communications/rfqs", json={"market_ticker": wins, "contracts_fp": "10",
                                                          "rest_remainder": False})  # fmt: skip
        row = in_schema(alice.get(f"/communications/rfqs/{asked.json()['id']}"), "/communications/rfqs/{rfq_id}")["rfq"]
        assert (row["mve_collection_ticker"], row["mve_selected_legs"]) == (COLLECTION, [leg(C), leg(A)])
        # a batch names its children's combos by their legs: the first looked up, the second made by it
        children = [{"selected_markets": [leg(A), leg(C)]}, {"selected_markets": [leg(B), leg(C)]}]
        r = alice.post("/communications/rfq_batches", json={"children": children, "contracts_fp": "1",
                                                            "mve_collection_ticker": COLLECTION})  # fmt: skip
        assert r.status_code == 201, r.text
        first, second = (rfq["market_ticker"] for rfq in r.json()["rfq_batch"]["rfqs"])
        loses = _bought(alice, bob, leg(B), leg(C))
        assert (first, second) == (wins, loses)
        mock.settle(A, "yes")  # closes the first combo with it
        market = ok(alice, f"/markets/{wins}")["market"]
        assert (market["status"], market["close_time"]) == ("closed", "2026-09-06T15:00:00.000000Z")
        legs = market["mve_selected_legs"]  # C's, then A's (settled: its value shows)
        assert [leg.get("yes_settlement_value_dollars") for leg in legs] == [None, "1.0000"]
        mock.settle(B, "no")
        mock.advance_clock(seconds=30)
        mock.settle(C, "yes")
        for ticker, result, revenue in ((wins, "yes", 1000), (loses, "no", 0)):
            market = ok(alice, f"/markets/{ticker}")["market"]
            assert (market["status"], market["result"], market["settlement_ts"]) == (
                "finalized", result, "2026-09-06T15:00:30.000000Z")  # fmt: skip
            (paid,) = ok(alice, "/portfolio/settlements", ticker=ticker)["settlements"]
            assert (paid["market_result"], paid["revenue"]) == (result, revenue)
        reader.wait(lambda f: messages(reader, "multivariate_market_lifecycle").count("settled") == 2)
        assert messages(reader, "event_lifecycle") == [wins.rsplit("-", 1)[0]]  # (both combos' events are one)
        assert messages(reader, "multivariate_market_lifecycle") == [
            "created", "created", "close_date_updated", "close_date_updated", "determined", "settled", "determined",
            "settled"]  # fmt: skip
        legs_only = {f["msg"]["market_ticker"] for f in reader.frames if f["type"] == "market_lifecycle_v2"}
        assert legs_only == {A, B, C}  # the combos' messages are the multivariate channel's alone
        (created,) = [f["msg"] for f in reader.frames if f["type"] == "rfq_created"][:1]
        assert (created["mve_collection_ticker"], created["mve_selected_legs"]) == (COLLECTION, [leg(C), leg(A)])
        (batch,) = [f["msg"] for f in reader.frames if f["type"] == "rfq_batch_created"]
        assert batch["legs"] == [leg(C), leg(A), leg(B)]
        indices = [(child["mve_collection_ticker"], child["leg_indices"]) for child in batch["rfqs"]]
        assert indices == [(COLLECTION, [0, 1]), (COLLECTION, [0, 2])]
    no_collection = {"children": children, "contracts_fp": "1"}
    assert "mve_collection_ticker" in refused(alice.post("/communications/rfq_batches", json=no_collection), 400,
                                              "bad_request")  # fmt: skip


# -- refusals and bounds -----------------------------------------------------------------------------------------------

BROKEN = [
    ([leg(A)], "takes 2 to 3 selected markets, not 1"),
    ([leg(A), leg(B), leg(C), leg(A, "no")], "not 4"),
    ([leg(A), leg(C, "no")], "only the yes side"),
    ([leg(A), {**leg(C), "event_ticker": NFL}], f"lists no market {C!r}"),
    ([leg(A), leg("KXNHL-26SEP06-D")], "is not associated"),
    ([leg(A), leg(A, "no")], "selected twice"),
    ([leg(B), leg(C)], f"market {C!r} is closed"),  # (once C closed)
]


def test_legs_that_break_the_rules_are_refused_and_change_nothing(mock, alice):
    for legs, why in BROKEN:
        if legs == BROKEN[-1][0]:
            mock.close_market(C)
        assert why in refused(alice.post(PATH, json={"selected_markets": legs}), 400, "invalid_parameters")
        refused(alice.post("/multivariate_event_collections/KXNOPE-R", json={"selected_markets": legs}), 404,
                "not_found")  # fmt: skip
    assert ok(alice, "/markets", mve_filter="only")["markets"] == []


def test_a_collection_takes_combos_while_it_is_open_and_within_its_bounds(mock, alice, monkeypatch):
    mock.advance_clock(seconds=86_400)  # its close
    assert "is closed" in refused(alice.post(PATH, json={"selected_markets": [leg(A), leg(C)]}), 400,
                                  "invalid_parameters")  # fmt: skip
    admin("multivariate_collections", mock, collection_ticker=COLLECTION, associated_events=[{"ticker": NFL}],
          is_single_market_per_event=True, close_date=(T0 + timedelta(days=30)).isoformat())  # fmt: skip
    assert "one market per event" in refused(alice.post(PATH, json={"selected_markets": [leg(A), leg(B)]}), 400,
                                             "invalid_parameters")  # fmt: skip
    admin("multivariate_collections", mock, collection_ticker=COLLECTION, associated_events=[{"ticker": NFL}])
    monkeypatch.setattr(multivariate, "WEEKLY_CREATIONS", 2)
    combo(alice, leg(A), leg(B))
    combo(alice, leg(A, "no"), leg(B))
    assert "a week" in refused(alice.post(PATH, json={"selected_markets": [leg(A), leg(B, "no")]}), 429,
                               "too_many_requests")  # fmt: skip
    combo(alice, leg(A), leg(B))  # one made already is no creation
    monkeypatch.setattr(multivariate, "MAX_COMBOS_PER_COLLECTION", 2)
    mock.advance_clock(seconds=7 * 86_400)  # a week later: the user may make more, the collection holds no more
    refused(alice.post(PATH, json={"selected_markets": [leg(A), leg(B, "no")]}), 409, "too_many_combos")


# -- the control plane: the admin API, a scenario, a state file --------------------------------------------------------


SCENARIO = """
scenario: combos
markets:
  - ticker: KXNFL-26SEP07-A
  - ticker: KXNFL-26SEP07-B
multivariate_collections:
  - collection_ticker: KXMVENFL-R
    associated_events: [{ticker: KXNFL-26SEP07}]
steps:
  - combo_market:
      user_id: alice
      collection_ticker: KXMVENFL-R
      selected_markets:
        - {market_ticker: KXNFL-26SEP07-A, event_ticker: KXNFL-26SEP07, side: "no"}
        - {market_ticker: KXNFL-26SEP07-B, event_ticker: KXNFL-26SEP07, side: "yes"}
"""


def test_the_admin_api_makes_a_combo_as_its_user_and_a_scenario_sets_a_collection(mock, alice):
    made = admin("multivariate_collections/markets", mock, user_id="alice", collection_ticker=COLLECTION,
                 selected_markets=[leg(B), leg(C)])  # fmt: skip
    assert (made["created"], made["market"]["status"], made["selected_markets"]) == (True, "active", [leg(C), leg(B)])
    mock.load_scenario(document=SCENARIO, reset=False, run=True)
    (row,) = ok(alice, "/events/multivariate", collection_ticker="KXMVENFL-R")["events"]
    assert row["series_ticker"] == "KXMVENFL"


def test_the_legacy_profile_looks_a_combo_up_and_lists_the_lookups_of_late():
    """In-process (its own app of the legacy profile): the 3.2.0 client's lookup of a combo by its legs (a 404 until
    it is made) and its collection's lookup history within `lookback_seconds`."""
    clock = ManualClock(T0)
    app = build_app(Settings(profile="legacy"), clock=clock)
    control = app.control
    control.create_account("alice", balance_cents=100_000)
    for ticker in (A, C):
        control.create_market(ticker)
    control.set_multivariate_collection(COLLECTION, [{"ticker": NFL}, {"ticker": NBA}])
    key = control.create_key("alice", key_type="ed25519")
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    with httpx.Client(transport=InProcess(app.asgi), base_url=f"http://mock{API}", auth=KalshiAuth(signer)) as alice:
        lookup, history = f"{PATH}/lookup", f"{PATH}/lookup?lookback_seconds=60"
        refused(alice.put(lookup, json={"selected_markets": [leg(A), leg(C)]}), 404, "not_found")
        made = combo(alice, leg(C), leg(A))
        clock.advance(30)
        assert alice.put(lookup, json={"selected_markets": [leg(A), leg(C)]}).json() == made
        (point,) = alice.get(history).json()["lookup_points"]  # made at T0, looked up 30 s later
        assert (point["market_ticker"], point["selected_markets"]) == (made["market_ticker"], [leg(C), leg(A)])
        assert point["last_queried_ts"] == "2026-09-06T15:00:30.000000Z"
        clock.advance(60)
        assert alice.get(history).json() == {"lookup_points": []}
        assert "oneof" in alice.get(f"{PATH}/lookup?lookback_seconds=30").json()["msg"]


def test_a_state_file_brings_collections_and_combos_back(tmp_path: Path):
    """In-process (apps of its own, each on the state file in turn): its snapshot, and its commands alone, bring the
    same collections and combos back, and a combo restored still settles from its legs."""
    path = tmp_path / "state.db"
    first = build_app(Settings(state=str(path)), clock=ManualClock(T0))
    control = first.control
    for ticker in (A, C):
        control.create_market(ticker)
    control.create_account("alice", balance_cents=100_000)
    control.set_multivariate_collection(COLLECTION, [{"ticker": NFL}, {"ticker": NBA}])
    ticker = control.create_market_in_collection("alice", COLLECTION, [leg(C), leg(A)])["market_ticker"]
    control.settle(A, "yes")
    before = (first.ledger.state.multivariate, first.ledger.state.markets[ticker].status)
    first.close()
    for snapshot in (True, False):
        if not snapshot:
            sql(path, "DELETE FROM snapshots")
        again = build_app(Settings(state=str(path)))
        try:
            assert (again.ledger.state.multivariate, again.ledger.state.markets[ticker].status) == before
            if not snapshot:
                again.control.settle(C, "yes")
                assert again.ledger.state.markets[ticker].result == "yes"
        finally:
            again.close()
