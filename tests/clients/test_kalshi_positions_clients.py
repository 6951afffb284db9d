"""GET /portfolio/positions and /fcm/positions through published clients, unmodified from PyPI, over real HTTP.

Each client runs in its own venv (see `mockexchange.contract.clients.libraries`) and reports what it parsed; every
listing is compared with the ledger behind the mock: the same tickers (none missing, none repeated) and, per row, the
same amounts as Decimals. A few rows are also checked against values worked out by hand, so a wrong ledger fails too.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from mockexchange.contract.clients.libraries import KALSHI_SDK, OFFICIAL_ASYNC, OFFICIAL_SYNC
from mockexchange.contract.clients.plans import run_plan
from mockexchange.contract.clients.portfolio import (
    HAND_EVENT,
    SETTLED_EVENT,
    SUB_1,
    SUB_2,
    TRADER,
    UNSETTLED_ROWS,
    Key,
    PortfolioSeed,
    ledger_rows,
)
from mockexchange.core.kalshi.rows import EventRollup, MarketPosition

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py

# -- what the ledger says ------------------------------------------------------------------------------------------


def ledger_rollups(
    portfolio: PortfolioSeed, user: str, rows: dict[str, MarketPosition], subaccount: int = 0, status: str = "unsettled"
) -> dict[str, EventRollup]:
    """The ledger's own roll-up of each event among `rows`, checked against a sum of those rows first."""
    store = portfolio.mock.app.ledger.state.positions
    rollups = {}
    for event in {row.event_ticker for row in rows.values()}:
        mine = EventRollup(event)
        for row in rows.values():
            if row.event_ticker == event:
                mine.add(row)
        with portfolio.mock.app.ledger.reading():
            theirs = store.event_rollup(user, subaccount, status, event)
        assert theirs == mine, f"the ledger's roll-up of {event} is not the sum of its rows"
        rollups[event] = theirs
    return rollups


# -- what a client says, and how it names it -------------------------------------------------------------------------


@dataclass(frozen=True)
class Dialect:
    """Ledger attribute -> the client's field name."""

    market: dict[str, str]
    event: dict[str, str]


MARKET_AMOUNTS = ("position", "market_exposure", "total_traded", "realized_pnl", "fees_paid")
_EVENT_AMOUNTS = ("total_cost", "total_cost_shares", "event_exposure", "realized_pnl", "fees_paid")
SDK = Dialect(  # kalshi-sdk parses into Decimals under the short names
    market={
        **{name: name for name in MARKET_AMOUNTS},
        "exchange_index": "exchange_index",
        "last_updated": "last_updated_ts",
    },
    event={name: name for name in _EVENT_AMOUNTS},
)
OFFICIAL = Dialect(  # the generated SDK keeps the wire names and strings
    market={
        "position": "position_fp",
        "market_exposure": "market_exposure_dollars",
        "total_traded": "total_traded_dollars",
        "realized_pnl": "realized_pnl_dollars",
        "fees_paid": "fees_paid_dollars",
        "exchange_index": "exchange_index",
        "last_updated": "last_updated_ts",
    },
    event={
        "total_cost": "total_cost_dollars",
        "total_cost_shares": "total_cost_shares_fp",
        "event_exposure": "event_exposure_dollars",
        "realized_pnl": "realized_pnl_dollars",
        "fees_paid": "fees_paid_dollars",
    },
)


def ok(outcome: dict[str, Any]) -> dict[str, Any]:
    assert outcome["ok"], f"the client raised: {outcome['error']}"
    return outcome


def markets_of(outcome: dict[str, Any]) -> list[dict]:
    """The market positions of every page the call read (or that the client's own iterator gave)."""
    return outcome["lists"]["market_positions"]


def events_of(outcome: dict[str, Any]) -> list[dict]:
    """The event positions of every page the call read (the *_all iterators keep none)."""
    return outcome["lists"]["event_positions"]


def _same(name: str, have: str | None, want: Any) -> bool:
    if have is None:
        return False
    if name == "exchange_index":
        return have == want
    if name == "last_updated":
        return datetime.fromisoformat(have) == want
    return Decimal(have) == want


def _assert_rows(got: list[dict], expected: dict[str, Any], key: str, fields: dict[str, str]) -> None:
    """The client's rows are the ledger's rows, by `key`: each listed once, none missing, none extra, and every field
    in `fields` (ledger attribute -> the client's name) equal to the ledger's."""
    keys = [row[key] for row in got]
    repeated = sorted(k for k, n in Counter(keys).items() if n > 1)
    missing = sorted(expected.keys() - set(keys))
    unexpected = sorted(set(keys) - expected.keys())
    assert not repeated, f"{len(repeated)} {key}s listed more than once: {repeated[:10]}"
    assert not missing and not unexpected, (
        f"{len(missing)} ledger rows missing {missing[:10]}, {len(unexpected)} rows not in the ledger {unexpected[:10]}"
    )
    problems = []
    for row in got:
        want = expected[row[key]]
        for name, field in fields.items():
            if not _same(name, row.get(field), getattr(want, name)):
                problems.append(f"{row[key]} {field}: client {row.get(field)!r}, ledger {getattr(want, name)!r}")
    assert not problems, f"{len(problems)} fields differ:\n" + "\n".join(problems[:25])


def assert_market_rows(got: list[dict], expected: dict[str, MarketPosition], dialect: Dialect) -> None:
    _assert_rows(got, expected, "ticker", dialect.market)


def assert_event_rows(got: list[dict], expected: dict[str, EventRollup], dialect: Dialect) -> None:
    """Each event once (whichever page first reaches it), with the ledger's totals."""
    _assert_rows(got, expected, "event_ticker", dialect.event)


# -- worked out by hand from the fills in client_portfolio.build_portfolio (7% taker fee, rounded up to the centi-cent)

HAND_MARKETS = {
    # buy YES 10 @0.56, sell YES 4 @0.60: 6 held at 0.56; realized 4 x (0.60 - 0.56); traded 5.60 + 4 x 0.40;
    # fees 0.1725 (0.17248 up) + 0.0672
    f"{HAND_EVENT}-A": {
        "position": "6",
        "market_exposure": "3.36",
        "total_traded": "7.20",
        "realized_pnl": "0.16",
        "fees_paid": "0.2397",
    },
    # maker buy NO 2.50 @0.35: no fee
    f"{HAND_EVENT}-B": {
        "position": "-2.5",
        "market_exposure": "0.875",
        "total_traded": "0.875",
        "realized_pnl": "0",
        "fees_paid": "0",
    },
    # buy YES 5 @0.30, sell YES 8 @0.45: closes 5 (+0.75), opens 3 NO at 0.55; traded 1.50 + 8 x 0.55;
    # fees 0.0735 + 0.1386
    f"{HAND_EVENT}-C": {
        "position": "-3",
        "market_exposure": "1.65",
        "total_traded": "5.90",
        "realized_pnl": "0.75",
        "fees_paid": "0.2121",
    },
}
HAND_EVENT_TOTALS = {
    "total_cost": "13.975",
    "total_cost_shares": "29.5",
    "event_exposure": "5.885",
    "realized_pnl": "0.91",
    "fees_paid": "0.4518",
}
HAND_SETTLED = {
    # YES 3 @0.40, result yes: paid 3, basis 1.20
    f"{SETTLED_EVENT}-Y": {
        "position": "3",
        "market_exposure": "0",
        "total_traded": "1.20",
        "realized_pnl": "1.80",
        "fees_paid": "0.0504",
    },
    # YES 4 @0.25, result no: basis lost
    f"{SETTLED_EVENT}-N": {
        "position": "4",
        "market_exposure": "0",
        "total_traded": "1.00",
        "realized_pnl": "-1.00",
        "fees_paid": "0.0525",
    },
    # NO 7 @0.13, result no: paid 7, basis 0.91; fee 0.055419 rounded up (not to nearest) to 0.0555
    f"{SETTLED_EVENT}-Z": {
        "position": "-7",
        "market_exposure": "0",
        "total_traded": "0.91",
        "realized_pnl": "6.09",
        "fees_paid": "0.0555",
    },
}
HAND_SETTLED_TOTALS = {
    "total_cost": "3.11",
    "total_cost_shares": "14",
    "event_exposure": "0",
    "realized_pnl": "6.89",
    "fees_paid": "0.1584",
}


def assert_hand_rows(got: list[dict], hand: dict[str, dict[str, str]], dialect: Dialect) -> None:
    by_ticker = {row["ticker"]: row for row in got}
    for ticker, values in hand.items():
        assert ticker in by_ticker, f"{ticker} not listed"
        for name, value in values.items():
            have = by_ticker[ticker][dialect.market[name]]
            assert Decimal(have) == Decimal(value), f"{ticker} {name}: client {have}, by hand {value}"


def assert_hand_event(got: list[dict], event: str, totals: dict[str, str], dialect: Dialect) -> None:
    rows = [row for row in got if row["event_ticker"] == event]
    assert len(rows) == 1, f"{event}: {len(rows)} event positions"
    for name, value in totals.items():
        have = rows[0][dialect.event[name]]
        assert Decimal(have) == Decimal(value), f"{event} {name}: client {have}, by hand {value}"


def test_ledger_agrees_with_hand_computed_rows(portfolio: PortfolioSeed) -> None:
    """The oracle itself: if the ledger is wrong, every comparison with it would pass for the wrong reason."""
    unsettled = ledger_rows(portfolio, TRADER)
    settled = ledger_rows(portfolio, TRADER, status="settled")
    assert len(unsettled) == UNSETTLED_ROWS
    for rows, hand in ((unsettled, HAND_MARKETS), (settled, HAND_SETTLED)):
        for ticker, values in hand.items():
            for name, value in values.items():
                assert getattr(rows[ticker], name) == Decimal(value), (ticker, name)
    for rows, status, event, totals in (
        (unsettled, "unsettled", HAND_EVENT, HAND_EVENT_TOTALS),
        (settled, "settled", SETTLED_EVENT, HAND_SETTLED_TOTALS),
    ):
        rollup = ledger_rollups(portfolio, TRADER, rows, status=status)[event]
        for name, value in totals.items():
            assert getattr(rollup, name) == Decimal(value), (event, name)
    assert all(unsettled[t].position == 0 for t in portfolio.closed) and portfolio.closed
    assert all(unsettled[t].exchange_index == 1 for t in portfolio.exchange_1) and portfolio.exchange_1
    assert any(row.position % 1 for row in unsettled.values())  # fractional counts are in play


# -- kalshi-sdk 22.4.0 -----------------------------------------------------------------------------------------------


POSITION_LISTS = ["market_positions", "event_positions"]


def sdk_calls(portfolio: PortfolioSeed) -> list[dict]:
    bound, unbound, trader = portfolio.keys["fcm_bound"], portfolio.keys["fcm"], portfolio.keys["trader"]

    def call(call_id: str, op: str, args: dict, key: Key | None = None, *, fcm: bool = False) -> dict:
        """op: "page" (one `positions` call), "pages" (page by page with `positions(cursor=...)`, keeping the event
        positions) or "iterate" (the client's own `positions_all`, market positions only); on `client.portfolio`, or
        on `client.fcm` for `fcm`."""
        section = "fcm" if fcm else "portfolio"
        method, items = ("positions_all", "market_positions") if op == "iterate" else ("positions", POSITION_LISTS)
        plan = {"id": call_id, "op": op, "method": f"{section}.{method}", "items": items, "args": args}
        return plan | (key.plan_fields if key else {})

    return [
        call("page", "page", {"limit": 100}),
        call("all", "iterate", {}),
        call("all_7", "iterate", {"limit": 7}),
        call("pages_7", "pages", {"limit": 7}),
        call("ticker", "iterate", {"ticker": f"{HAND_EVENT}-C"}),
        call("ticker_settled", "iterate", {"ticker": f"{SETTLED_EVENT}-Y"}),
        call("ticker_sub2_only", "iterate", {"ticker": "KXSUBTWO-26DEC31-M00"}),
        call("event", "pages", {"event_ticker": portfolio.big_event, "limit": 3}),
        call("count_position", "iterate", {"count_filter": "position", "limit": 50}),
        call("count_traded", "iterate", {"count_filter": "total_traded", "limit": 1000}),
        call("settled", "pages", {"settlement_status": "settled"}),
        call("settled_all", "iterate", {"settlement_status": "all", "limit": 40}),
        call("subaccount_2", "pages", {"subaccount": 2, "limit": 5}),
        call("exchange_1", "iterate", {"exchange_index": 1, "limit": 10}),
        call("fcm_bound_pages", "pages", {"subtrader_id": SUB_1, "limit": 10}, bound, fcm=True),
        call("fcm_bound_all", "iterate", {"subtrader_id": SUB_1, "limit": 10}, bound, fcm=True),
        call("fcm_unbound", "pages", {"subtrader_id": SUB_2}, unbound, fcm=True),
        call("fcm_unbound_all", "iterate", {"subtrader_id": SUB_1, "limit": 4}, unbound, fcm=True),
        call("fcm_bound_other", "page", {"subtrader_id": SUB_2}, bound, fcm=True),
        call("fcm_not_member", "page", {"subtrader_id": SUB_1}, trader, fcm=True),
    ]


@pytest.fixture(scope="module")
def sdk(client_venvs, portfolio: PortfolioSeed, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    return run_plan(KALSHI_SDK, portfolio, sdk_calls(portfolio), tmp_path_factory.mktemp("kalshi-sdk"))


def _distinct_cursors(outcome: dict) -> list[str]:
    cursors = [c for c in outcome["cursors"] if c]
    assert len(cursors) == len(set(cursors)), "a cursor was handed out twice"
    return cursors


def test_sdk_single_page(sdk, portfolio: PortfolioSeed) -> None:
    page = ok(sdk["page"])
    expected = ledger_rows(portfolio, TRADER)
    rows = markets_of(page)
    assert len(rows) == 100 and page["has_next"] and page["cursors"][0]
    assert_market_rows(rows, {r["ticker"]: expected[r["ticker"]] for r in rows if r["ticker"] in expected}, SDK)
    events = ledger_rollups(portfolio, TRADER, expected)
    assert_event_rows(events_of(page), {e: events[e] for e in {expected[r["ticker"]].event_ticker for r in rows}}, SDK)


def test_sdk_positions_all_lists_every_position_once(sdk, portfolio: PortfolioSeed) -> None:
    outcome = ok(sdk["all"])
    assert_market_rows(markets_of(outcome), ledger_rows(portfolio, TRADER), SDK)
    assert_hand_rows(markets_of(outcome), HAND_MARKETS, SDK)
    # No limit given: the server's default page of 100.
    assert outcome["pages"] == 3 and outcome["cursors"][0] is None
    assert len(_distinct_cursors(outcome)) == 2
    assert {r["query"].get("limit") for r in outcome["requests"]} == {None}


def test_sdk_positions_all_with_small_pages(sdk, portfolio: PortfolioSeed) -> None:
    outcome = ok(sdk["all_7"])
    assert_market_rows(markets_of(outcome), ledger_rows(portfolio, TRADER), SDK)
    assert outcome["pages"] == math.ceil(UNSETTLED_ROWS / 7)  # no empty page after the last row
    assert len(_distinct_cursors(outcome)) == outcome["pages"] - 1
    assert all(r["status"] == 200 and r["query"]["limit"] == "7" for r in outcome["requests"])


def test_sdk_page_by_page_event_positions(sdk, portfolio: PortfolioSeed) -> None:
    outcome = ok(sdk["pages_7"])
    expected = ledger_rows(portfolio, TRADER)
    assert_market_rows(markets_of(outcome), expected, SDK)
    assert_event_rows(events_of(outcome), ledger_rollups(portfolio, TRADER, expected), SDK)
    assert_hand_event(events_of(outcome), HAND_EVENT, HAND_EVENT_TOTALS, SDK)
    assert outcome["pages"] == math.ceil(UNSETTLED_ROWS / 7) and outcome["cursors"][-1] == ""
    _distinct_cursors(outcome)


def test_sdk_ticker_filter(sdk, portfolio: PortfolioSeed) -> None:
    ticker = f"{HAND_EVENT}-C"
    outcome = ok(sdk["ticker"])
    assert_market_rows(markets_of(outcome), {ticker: ledger_rows(portfolio, TRADER)[ticker]}, SDK)
    assert_hand_rows(markets_of(outcome), {ticker: HAND_MARKETS[ticker]}, SDK)
    # A settled market is not among the unsettled ones; a market held only in subaccount 2 is not in the primary.
    assert markets_of(ok(sdk["ticker_settled"])) == []
    assert markets_of(ok(sdk["ticker_sub2_only"])) == []


def test_sdk_event_ticker_filter(sdk, portfolio: PortfolioSeed) -> None:
    outcome = ok(sdk["event"])
    everything = ledger_rows(portfolio, TRADER)
    expected = {t: row for t, row in everything.items() if row.event_ticker == portfolio.big_event}
    assert len(expected) > 3  # more than one page
    assert_market_rows(markets_of(outcome), expected, SDK)
    assert_event_rows(events_of(outcome), ledger_rollups(portfolio, TRADER, expected), SDK)
    assert outcome["pages"] == math.ceil(len(expected) / 3)


def test_sdk_count_filter(sdk, portfolio: PortfolioSeed) -> None:
    everything = ledger_rows(portfolio, TRADER)
    held = {t: row for t, row in everything.items() if row.position != 0}
    assert portfolio.closed and not held.keys() & set(portfolio.closed)
    outcome = ok(sdk["count_position"])
    assert_market_rows(markets_of(outcome), held, SDK)
    assert outcome["pages"] == math.ceil(len(held) / 50)
    # Every row has traded, closed ones too.
    assert_market_rows(markets_of(ok(sdk["count_traded"])), everything, SDK)


def test_sdk_settled_positions(sdk, portfolio: PortfolioSeed) -> None:
    expected = ledger_rows(portfolio, TRADER, status="settled")
    assert sorted(expected) == sorted(portfolio.settled)
    outcome = ok(sdk["settled"])
    assert_market_rows(markets_of(outcome), expected, SDK)
    assert_hand_rows(markets_of(outcome), HAND_SETTLED, SDK)
    # The mixed event rolls up only its settled market here.
    assert_event_rows(events_of(outcome), ledger_rollups(portfolio, TRADER, expected, status="settled"), SDK)
    assert_hand_event(events_of(outcome), SETTLED_EVENT, HAND_SETTLED_TOTALS, SDK)
    all_rows = ok(sdk["settled_all"])
    assert_market_rows(markets_of(all_rows), ledger_rows(portfolio, TRADER, status="all"), SDK)
    assert all_rows["pages"] == math.ceil((UNSETTLED_ROWS + len(expected)) / 40)


def test_sdk_subaccount(sdk, portfolio: PortfolioSeed) -> None:
    expected = ledger_rows(portfolio, TRADER, subaccount=2)
    assert len(expected) == 12
    outcome = ok(sdk["subaccount_2"])
    assert_market_rows(markets_of(outcome), expected, SDK)
    assert_event_rows(events_of(outcome), ledger_rollups(portfolio, TRADER, expected, subaccount=2), SDK)
    assert outcome["pages"] == math.ceil(12 / 5)


def test_sdk_exchange_index_filter(sdk, portfolio: PortfolioSeed) -> None:
    expected = {t: row for t, row in ledger_rows(portfolio, TRADER).items() if row.exchange_index == 1}
    assert sorted(expected) == sorted(portfolio.exchange_1)
    assert_market_rows(markets_of(ok(sdk["exchange_1"])), expected, SDK)


def test_sdk_fcm_positions_with_a_bound_key(sdk, portfolio: PortfolioSeed) -> None:
    expected = ledger_rows(portfolio, SUB_1)
    assert len(expected) == 23
    pages = ok(sdk["fcm_bound_pages"])
    assert_market_rows(markets_of(pages), expected, SDK)
    assert_event_rows(events_of(pages), ledger_rollups(portfolio, SUB_1, expected), SDK)
    assert pages["pages"] == 3 and pages["cursors"][-1] == ""
    every = ok(sdk["fcm_bound_all"])
    assert_market_rows(markets_of(every), expected, SDK)
    assert every["pages"] == 3
    assert all(r["path"] == "/trade-api/v2/fcm/positions" for r in every["requests"])


def test_sdk_fcm_positions_with_an_unbound_key(sdk, portfolio: PortfolioSeed) -> None:
    expected = ledger_rows(portfolio, SUB_2)
    outcome = ok(sdk["fcm_unbound"])
    assert_market_rows(markets_of(outcome), expected, SDK)
    assert_event_rows(events_of(outcome), ledger_rollups(portfolio, SUB_2, expected), SDK)
    every = ok(sdk["fcm_unbound_all"])
    assert_market_rows(markets_of(every), ledger_rows(portfolio, SUB_1), SDK)
    assert every["pages"] == math.ceil(23 / 4)


def test_sdk_fcm_refusals_are_auth_errors(sdk) -> None:
    for call in ("fcm_not_member", "fcm_bound_other"):
        outcome = sdk[call]
        assert not outcome["ok"], f"{call}: the client returned data"
        error = outcome["error"]
        assert "KalshiAuthError" in error["mro"] and error["status"] == 403, f"{call}: {error}"


# -- official kalshi_python_sync / kalshi_python_async 3.34.0 ------------------------------------------------------

_FP = re.compile(r"^-?\d+\.\d{2}$")
_DOLLARS = re.compile(r"^-?\d+\.\d{6}$")


def official_calls(portfolio: PortfolioSeed) -> list[dict]:
    bound, unbound, trader = portfolio.keys["fcm_bound"], portfolio.keys["fcm"], portfolio.keys["trader"]

    def call(call_id: str, op: str, args: dict, key: Key | None = None, *, fcm: bool = False) -> dict:
        """op: "page" (one call) or "pages" (follow `cursor` until it is empty: the SDK has no iterator of its own),
        with `get_positions`, or `get_fcm_positions` for `fcm`."""
        method = "get_fcm_positions" if fcm else "get_positions"
        plan = {"id": call_id, "op": op, "method": method, "items": POSITION_LISTS, "args": args}
        return plan | (key.plan_fields if key else {})

    return [
        call("pages_100", "pages", {"limit": 100}),
        call("pages_1000", "pages", {"limit": 1000}),
        call("settled", "pages", {"settlement_status": "settled", "limit": 2}),
        call("fcm_bound_implicit", "pages", {"limit": 10}, bound, fcm=True),
        call("fcm_bound", "pages", {"subtrader_id": SUB_1}, bound, fcm=True),
        call("fcm_unbound", "page", {"subtrader_id": SUB_2}, unbound, fcm=True),
        call("fcm_not_member", "page", {"subtrader_id": SUB_1}, trader, fcm=True),
    ]


@pytest.fixture(scope="module", params=[OFFICIAL_SYNC, OFFICIAL_ASYNC], ids=lambda spec: spec.name)
def official(
    request, client_venvs, portfolio: PortfolioSeed, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict]:
    spec = request.param
    return run_plan(spec, portfolio, official_calls(portfolio), tmp_path_factory.mktemp(spec.name))


def assert_wire_strings(outcome: dict) -> None:
    """The generated models keep the wire strings: counts with 2 places, dollars with 6."""
    for row in markets_of(outcome):
        assert _FP.match(row["position_fp"]), row
        for name in ("market_exposure_dollars", "total_traded_dollars", "realized_pnl_dollars", "fees_paid_dollars"):
            assert _DOLLARS.match(row[name]), (name, row)
    for row in events_of(outcome):
        assert _FP.match(row["total_cost_shares_fp"]), row
        for name in ("total_cost_dollars", "event_exposure_dollars", "realized_pnl_dollars", "fees_paid_dollars"):
            assert _DOLLARS.match(row[name]), (name, row)


def test_official_cursor_walk_limit_100(official, portfolio: PortfolioSeed) -> None:
    outcome = ok(official["pages_100"])
    expected = ledger_rows(portfolio, TRADER)
    assert_market_rows(markets_of(outcome), expected, OFFICIAL)
    assert_event_rows(events_of(outcome), ledger_rollups(portfolio, TRADER, expected), OFFICIAL)
    assert_hand_rows(markets_of(outcome), HAND_MARKETS, OFFICIAL)
    assert_hand_event(events_of(outcome), HAND_EVENT, HAND_EVENT_TOTALS, OFFICIAL)
    # 250 rows, 100 a page: two cursors, then the empty one that ends the walk.
    assert outcome["pages"] == 3 and outcome["cursors"][-1] == "" and len(_distinct_cursors(outcome)) == 2
    assert_wire_strings(outcome)


def test_official_cursor_walk_limit_1000(official, portfolio: PortfolioSeed) -> None:
    outcome = ok(official["pages_1000"])
    expected = ledger_rows(portfolio, TRADER)
    assert_market_rows(markets_of(outcome), expected, OFFICIAL)
    assert_event_rows(events_of(outcome), ledger_rollups(portfolio, TRADER, expected), OFFICIAL)
    assert outcome["pages"] == 1 and outcome["cursors"] == [""]


def test_official_settled_positions(official, portfolio: PortfolioSeed) -> None:
    expected = ledger_rows(portfolio, TRADER, status="settled")
    outcome = ok(official["settled"])
    assert_market_rows(markets_of(outcome), expected, OFFICIAL)
    assert_event_rows(events_of(outcome), ledger_rollups(portfolio, TRADER, expected, status="settled"), OFFICIAL)
    assert_hand_rows(markets_of(outcome), HAND_SETTLED, OFFICIAL)
    assert outcome["pages"] == math.ceil(len(expected) / 2)
    assert_wire_strings(outcome)


def test_official_fcm_positions(official, portfolio: PortfolioSeed) -> None:
    sub_1 = ledger_rows(portfolio, SUB_1)
    for call, pages in (("fcm_bound_implicit", 3), ("fcm_bound", 1)):  # subtrader_id left to the key, then given
        outcome = ok(official[call])
        assert_market_rows(markets_of(outcome), sub_1, OFFICIAL)
        assert_event_rows(events_of(outcome), ledger_rollups(portfolio, SUB_1, sub_1), OFFICIAL)
        assert outcome["pages"] == pages, call
        assert_wire_strings(outcome)
    sub_2 = ledger_rows(portfolio, SUB_2)
    outcome = ok(official["fcm_unbound"])
    assert_market_rows(markets_of(outcome), sub_2, OFFICIAL)
    assert_event_rows(events_of(outcome), ledger_rollups(portfolio, SUB_2, sub_2), OFFICIAL)
    assert outcome["cursors"] == [""]


def test_official_fcm_from_a_non_member_key_is_forbidden(official) -> None:
    outcome = official["fcm_not_member"]
    assert not outcome["ok"], "the client returned data"
    assert outcome["error"]["type"] == "ForbiddenException" and outcome["error"]["status"] == 403, outcome["error"]
