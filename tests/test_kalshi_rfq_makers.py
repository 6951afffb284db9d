"""A market maker that quotes RFQs by a rule (docs/scenarios.md, "RFQ makers"): set over the admin API (real HTTP),
it quotes a bot's RFQ when its delay ends on the exchange clock (moved through the admin API), confirms the accepted
quote after its own delay, and the trade executes: both sides' positions. What it quotes (the book's mid, the last
price, a fair price and the fallback; the spread; the price grid), what it ignores (another market, a larger RFQ, its
own maker's RFQ, a rule removed), a state file's restart keeping the rule, and bad rule input refused at the admin
API (400 naming the field) and at a scenario's line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import plain_http
import pytest
from kalshi_http import ok
from module_mocks import fresh, module_mock, signed
from state_sql import sql

from mockexchange.core.book import ASK, BID
from mockexchange.core.clock import ManualClock
from mockexchange.core.commands import read
from mockexchange.core.kalshi.markets import Market, MarketBook
from mockexchange.core.kalshi.rfq_maker_commands import SetRfqMaker
from mockexchange.core.kalshi.rfq_makers import bids
from mockexchange.core.kalshi.units import price
from mockexchange.registry import GRAMMAR
from mockexchange.scenario.schema import ScenarioError, load_document
from mockexchange.server import MockServer

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
M, OTHER = "KXFED-26NOV-T4.00", "KXCPI-26NOV-T3.0"


def admin(mock: MockServer, operation: str, body: object) -> httpx.Response:
    return plain_http.post(f"{mock.base_url}/_admin/{operation}", content=json.dumps(body).encode(),
                           headers={"Content-Type": "application/json"}, timeout=10)  # fmt: skip


def done(mock: MockServer, operation: str, body: dict) -> dict:
    r = admin(mock, operation, body)
    assert r.status_code == 200, r.text
    return r.json()


def wait(mock: MockServer, seconds: float) -> None:
    done(mock, "clock", {"seconds": seconds})


def seeded(mock: MockServer) -> MockServer:
    """bot ($1,000) and desk ($10,000); M with the house's YES bid 0.40 and NO bid 0.50 (mid 0.45), OTHER empty."""
    mock.create_account("bot", balance_cents=100_000)
    mock.create_account("desk", balance_cents=1_000_000)
    mock.create_market(M)
    mock.create_market(OTHER)
    mock.set_book(M, yes=[["0.40", "10"]], no=[["0.50", "10"]])
    return mock


server_fixture = module_mock("server", T0)


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    return seeded(fresh(server, T0))


def quotes_of(mock: MockServer, user_id: str = "bot") -> list[dict]:
    return mock.quotes(user_id)["quotes"]


def position(mock: MockServer, user_id: str) -> str:
    rows = mock.ledger.state.positions.of_market(M)
    return next((str(row.position) for row in rows if row.user_id == user_id), "0")


# -- the loop, unattended -------------------------------------------------------------------------------------------


def test_a_bots_rfq_loop_runs_unattended_against_the_rule(mock: MockServer) -> None:
    rule = done(mock, "rfq_makers", {"user_id": "desk", "rule": "fed", "markets": ["KXFED"], "spread": "0.04",
                                     "max_contracts": "50", "quote_delay_s": 2, "confirm_delay_s": 1})  # fmt: skip
    assert rule == {"user_id": "desk", "rule": "fed", "markets": ["KXFED"], "price_from": "mid", "fair_price": None,
                    "spread": "0.04", "max_contracts": "50", "quote_delay_s": 2, "confirm": True,
                    "confirm_delay_s": 1, "rest_remainder": False, "subaccount": 0}  # fmt: skip
    assert plain_http.get(f"{mock.base_url}/_admin/rfq_makers").json() == {"rfq_makers": [rule]}
    rfq = mock.create_rfq("bot", M, False, contracts="10")
    wait(mock, 1.5)
    assert quotes_of(mock) == []  # (not before its delay)
    wait(mock, 0.5)
    (quote,) = quotes_of(mock)
    # mid 0.45, half the spread 0.02 each side
    assert (quote["user_id"], quote["rfq_id"], quote["yes_bid"], quote["no_bid"]) == ("desk", rfq["rfq_id"], "0.4300",
                                                                                      "0.5300")  # fmt: skip
    assert quote["created_ts"] == "2026-11-02T15:00:02+00:00"
    mock.accept_quote("bot", quote["quote_id"], "no")  # the maker buys NO at 0.53; the bot buys YES at 0.47
    wait(mock, 0.9)
    assert quotes_of(mock)[0]["status"] == "accepted"
    wait(mock, 0.1)
    confirmed = quotes_of(mock)[0]
    assert (confirmed["status"], confirmed["confirmed_ts"]) == ("confirmed", "2026-11-02T15:00:03+00:00")
    wait(mock, 15)  # the execution timer
    executed = quotes_of(mock)[0]
    assert executed["status"] == "executed" and executed["executed_ts"] == "2026-11-02T15:00:18+00:00"
    assert (position(mock, "bot"), position(mock, "desk")) == ("10.00", "-10.00")


def test_a_bots_signed_rfq_loop_over_kalshis_rest_runs_unattended(mock: MockServer) -> None:
    """The bot speaks only Kalshi's REST (signed); the maker is the rule; the clock moves through the admin API."""
    done(mock, "rfq_makers", {"user_id": "desk", "rule": "fed", "spread": "0.04", "quote_delay_s": 1,
                              "confirm_delay_s": 2})  # fmt: skip
    with signed(mock, "bot") as bot, signed(mock, "desk") as desk:
        r = bot.post("/communications/rfqs", json={"market_ticker": M, "contracts_fp": "4.00", "rest_remainder": False})
        assert r.status_code == 201, r.text
        rfq_id = r.json()["id"]
        assert ok(bot, "/communications/quotes", rfq_id=rfq_id)["quotes"] == []
        wait(mock, 1)
        (quote,) = ok(bot, "/communications/quotes", rfq_id=rfq_id)["quotes"]
        assert (quote["yes_bid_dollars"], quote["no_bid_dollars"], quote["status"]) == ("0.4300", "0.5300", "open")
        r = bot.put(f"/communications/rfqs/{rfq_id}/quotes/{quote['id']}/accept", json={"accepted_side": "yes"})
        assert r.status_code == 204, r.text
        wait(mock, 2)
        assert ok(desk, f"/communications/quotes/{quote['id']}")["quote"]["status"] == "confirmed"
        wait(mock, 15)
        executed = ok(bot, f"/communications/quotes/{quote['id']}")["quote"]
        assert executed["status"] == "executed"
        # the maker bought YES at 0.43, the bot sold it (bought NO at 0.57)
        held = {name: ok(client, "/portfolio/positions", ticker=M)["market_positions"]
                for name, client in (("bot", bot), ("desk", desk))}  # fmt: skip
        assert [row["position_fp"] for row in held["desk"]] == ["4.00"]
        assert [row["position_fp"] for row in held["bot"]] == ["-4.00"]
        fills = ok(bot, "/portfolio/fills", ticker=M)["fills"]
        assert {fill["order_id"] for fill in fills} == {executed["rfq_creator_order_id"]}


def test_the_rule_quotes_at_its_due_time_even_when_the_clock_jumps_past_it(mock: MockServer) -> None:
    mock.set_rfq_maker("desk", "fed", quote_delay_s=3, confirm=False)
    mock.create_rfq("bot", M, False, contracts="1")
    wait(mock, 60)
    (quote,) = quotes_of(mock)
    assert quote["created_ts"] == "2026-11-02T15:00:03+00:00"
    mock.accept_quote("bot", quote["quote_id"], "yes")
    wait(mock, 31)  # no confirmation: the window voids it
    assert quotes_of(mock)[0]["cancellation_reason"] == "confirmation window expired"


def test_what_a_rule_ignores(mock: MockServer) -> None:
    mock.create_account("desk2", balance_cents=1_000_000)
    mock.set_rfq_maker("desk", "fed", markets=["KXFED"], max_contracts="5")
    mock.set_rfq_maker("desk", "second", fair_price="0.30")  # desk's first rule covering M quotes it, not this one
    mock.set_rfq_maker("bot", "own", fair_price="0.50")  # never its own RFQ
    mock.create_rfq("bot", OTHER, False, contracts="1")  # desk's second rule covers OTHER: fair 0.30
    mock.create_rfq("bot", M, False, contracts="6")  # over desk's max_contracts on M
    mock.create_rfq("desk2", M, False, contracts="2")  # bot's rule quotes it; desk's too
    wait(mock, 0)
    by_maker = {(q["user_id"], q["market_ticker"], q["rfq_user_id"]): (q["yes_bid"], q["no_bid"])
                for user in ("bot", "desk2") for q in quotes_of(mock, user)}  # fmt: skip
    assert by_maker == {
        ("desk", OTHER, "bot"): ("0.2900", "0.6900"),
        ("desk", M, "desk2"): ("0.4400", "0.5400"),  # mid 0.45, the default spread 0.02
        ("bot", M, "desk2"): ("0.4400", "0.5400"),  # (bot's rule: the mid too, its fair price only a fallback)
    }


def test_a_target_costs_rfq_is_measured_by_what_either_side_would_offer(mock: MockServer) -> None:
    # bids 0.44 and 0.54 on both markets (M's mid, OTHER's fair price): the bot pays 0.56 or 0.46 a contract
    mock.set_rfq_maker("desk", "fed", fair_price="0.45", max_contracts="5")
    small = mock.create_rfq("bot", M, False, target_cost="2.00")  # at most 4.34 on NO
    mock.create_rfq("bot", OTHER, False, target_cost="3.00")  # some 6.3 on NO: over 5
    wait(mock, 0)
    (quote,) = quotes_of(mock)
    assert quote["rfq_id"] == small["rfq_id"]
    assert "0" < quote["yes_contracts"] < quote["no_contracts"] <= "5.00"


def test_removing_the_rule_stops_it(mock: MockServer) -> None:
    mock.set_rfq_maker("desk", "fed", quote_delay_s=5)
    mock.create_rfq("bot", M, False, contracts="1")
    assert done(mock, "rfq_makers/remove", {"rule": "fed"})["rule"] == "fed"
    wait(mock, 10)
    assert quotes_of(mock) == [] and mock.rfq_makers() == {"rfq_makers": []}
    r = admin(mock, "rfq_makers/remove", {"rule": "fed"})
    assert r.status_code == 404 and "no RFQ maker rule 'fed'" in r.json()["error"]


# -- what it quotes ------------------------------------------------------------------------------------------------


def _market(structure: str, book: tuple[int | None, int | None] | None, last: int | None) -> Market:
    """A market of that price grid, with a YES bid and ask (price units; None: that side empty) and a last price."""
    market = Market(M, "KXFED-26NOV")
    market.price_level_structure = structure
    if book is not None:
        market.book = MarketBook()
        for order_id, side, at in (("b", BID, book[0]), ("a", ASK, book[1])):
            if at is not None:
                market.book.add(order_id, "house", side, at, 100)
    if last is not None:
        market.last_yes_price = price(last)
    return market


@pytest.mark.parametrize(
    ("rule", "structure", "book", "last", "quoted"),
    [
        ({"spread": "0.04"}, "linear_cent", (4000, 5000), None, (4300, 5300)),  # the mid 0.45
        ({"spread": "0.05"}, "linear_cent", (4000, 5000), None, (4200, 5200)),  # half a spread, then down to the grid
        ({"spread": "0.0005"}, "deci_cent", (4000, 4010), None, (4000, 5990)),  # a finer grid
        ({"price_from": "last"}, "linear_cent", (4000, 5000), 6100, (6000, 3800)),
        ({"price_from": "last", "fair_price": "0.20"}, "linear_cent", None, None, (1900, 7900)),  # no trade: fallback
        ({}, "linear_cent", None, None, None),  # no book, no fallback: nothing
        ({"fair_price": "0.70"}, "linear_cent", (4000, None), None, (6900, 2900)),  # one side only: fallback
        ({"price_from": "fair", "fair_price": "0.99", "spread": "0.04"}, "linear_cent", (4000, 5000), None,
         (9700, 0)),  # a side at or below 0 is not quoted
        ({"price_from": "fair", "fair_price": "0.5", "spread": "0.9999"}, "linear_cent", None, None, None),
        ({"price_from": "fair", "fair_price": "0.0950"}, "tapered_deci_cent", None, None, (850, 8900)),
    ],
)  # fmt: skip
def test_the_bids_a_rule_quotes(rule, structure, book, last, quoted) -> None:
    made = read(SetRfqMaker, {"user_id": "desk", "rule": "r", **rule})
    assert bids(made, _market(structure, book, last)) == quoted


# -- kept, and refused ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("snapshot", [True, False], ids=["snapshot", "commands"])
def test_a_state_files_restart_keeps_the_rule(tmp_path: Path, snapshot: bool) -> None:
    path = tmp_path / "state.db"
    with MockServer(state=str(path), clock=ManualClock(T0)) as mock:
        seeded(mock)
        mock.set_rfq_maker("desk", "fed", spread="0.04", quote_delay_s=2)
        mock.create_rfq("bot", M, False, contracts="3")
        mock.advance_clock(seconds=1)  # its quote not due yet
        rules = mock.rfq_makers()
    if not snapshot:
        sql(path, "DELETE FROM snapshots")
    with MockServer(state=str(path)) as again:
        assert again.rfq_makers() == rules
        again.advance_clock(seconds=1)
        (quote,) = again.quotes("bot")["quotes"]
        assert (quote["yes_bid"], quote["no_bid"], quote["created_ts"]) == ("0.4300", "0.5300",
                                                                            "2026-11-02T15:00:02+00:00")  # fmt: skip
        again.create_rfq("bot", OTHER, False, contracts="1")  # the rule goes on after the restart (OTHER: no book)
        again.set_book(OTHER, yes=[["0.10", "1"]], no=[["0.80", "1"]])
        again.advance_clock(seconds=2)
        assert {q["market_ticker"] for q in again.quotes("bot")["quotes"]} == {M, OTHER}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user_id": "desk"}, "rule"),
        ({"user_id": "desk", "rule": "r", "spread": 0.04}, "spread"),
        ({"user_id": "desk", "rule": "r", "spread": "1.5"}, "spread"),
        ({"user_id": "desk", "rule": "r", "price_from": "book"}, "price_from"),
        ({"user_id": "desk", "rule": "r", "price_from": "fair"}, "fair_price"),
        ({"user_id": "desk", "rule": "r", "fair_price": "1.00"}, "fair_price"),
        ({"user_id": "desk", "rule": "r", "max_contracts": "0"}, "max_contracts"),
        ({"user_id": "desk", "rule": "r", "quote_delay_s": -1}, "quote_delay_s"),
        ({"user_id": "desk", "rule": "r", "confirm_delay_s": "1"}, "confirm_delay_s"),
        ({"user_id": "desk", "rule": "r", "markets": "KXFED"}, "markets"),
        ({"user_id": "desk", "rule": "r", "markets": [""]}, "markets[0]"),
        ({"user_id": "desk", "rule": "r", "subaccount": 64}, "subaccount"),
        ({"user_id": "desk", "rule": "r", "colour": "red"}, "colour"),
    ],
)
def test_bad_rule_input_is_refused_at_the_admin_api_naming_the_field(mock: MockServer, body, field) -> None:
    r = admin(mock, "rfq_makers", body)
    assert r.status_code == 400 and field in r.json()["error"], r.text
    assert mock.rfq_makers() == {"rfq_makers": []}


def test_a_rule_for_an_unknown_maker_is_404(mock: MockServer) -> None:
    r = admin(mock, "rfq_makers", {"user_id": "nobody", "rule": "r"})
    assert r.status_code == 404 and "nobody" in r.json()["error"]


def test_bad_rule_input_is_refused_at_a_scenarios_line() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_document(
            "users:\n"
            "  - {user_id: desk}\n"
            "rfq_makers:\n"
            "  - {user_id: desk, rule: fed, spread: 0.04}\n"
            "  - {user_id: desk, rule: cpi, price_from: fair}\n"
            "steps:\n"
            '  - rfq_maker: {user_id: desk, rule: x, max_contracts: "0"}\n'
            "  - remove_rfq_maker: {}\n",
            grammar=GRAMMAR,
        )
    assert caught.value.errors == [
        '<document>:4: rfq_makers[0].spread: must be a quoted decimal string: write "0.04" (money is never a float; '
        "unquoted, YAML reads 0.04 as a binary float)",
        "<document>:5: rfq_makers[1]: fair_price is required when price_from is 'fair'",
        "<document>:7: steps[0].rfq_maker.max_contracts: must be from 0.01 to 1000000000 contracts, not '0'",
        "<document>:8: steps[1].remove_rfq_maker.rule: required",
    ]
