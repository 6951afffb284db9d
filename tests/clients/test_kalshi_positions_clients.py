"""GET /portfolio/positions and /fcm/positions through published clients, unmodified from PyPI, over real HTTP.

Each client runs in its own venv (see `mockexchange.testing.clients`) and reports what it parsed; every listing is
compared with the ledger behind the mock: the same tickers (none missing, none repeated) and, per row, the same
amounts as Decimals. A few rows are also checked against values worked out by hand, so a wrong ledger fails too.
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
from client_portfolio import (
    HAND_EVENT,
    KALSHI_SCRIPTS,
    SETTLED_EVENT,
    SUB_1,
    SUB_2,
    TRADER,
    UNSETTLED_ROWS,
    Portfolio,
    run_plan,
)

from mockexchange.core.store import EventRollup, MarketPosition
from mockexchange.testing.clients import KALSHI_SDK, OFFICIAL_ASYNC, OFFICIAL_SYNC

pytestmark = pytest.mark.clients

# -- what the ledger says ------------------------------------------------------------------------------------------


def ledger_rows(
    portfolio: Portfolio, user: str, subaccount: int = 0, status: str = "unsettled"
) -> dict[str, MarketPosition]:
    ledger = portfolio.mock.app.ledger
    with ledger.reading():
        return {
            row.ticker: row.snapshot()
            for row in ledger.positions.all_rows()
            if row.user_id == user
            and row.subaccount == subaccount
            and (status == "all" or row.settled == (status == "settled"))
        }


def ledger_rollups(
    portfolio: Portfolio, user: str, rows: dict[str, MarketPosition], subaccount: int = 0, status: str = "unsettled"
) -> dict[str, EventRollup]:
    """The ledger's own roll-up of each event among `rows`, checked against a sum of those rows first."""
    store = portfolio.mock.app.ledger.positions
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


_MARKET_AMOUNTS = ("position", "market_exposure", "total_traded", "realized_pnl", "fees_paid")
_EVENT_AMOUNTS = ("total_cost", "total_cost_shares", "event_exposure", "realized_pnl", "fees_paid")
SDK = Dialect(  # kalshi-sdk parses into Decimals under the short names
    market={
        **{name: name for name in _MARKET_AMOUNTS},
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


def _same(name: str, have: str | None, want: Any) -> bool:
    if have is None:
        return False
    if name == "exchange_index":
        return have == str(want)
    if name == "last_updated":
        return datetime.fromisoformat(have) == want
    return Decimal(have) == want


def assert_market_rows(got: list[dict], expected: dict[str, MarketPosition], dialect: Dialect) -> None:
    tickers = [row["ticker"] for row in got]
    repeated = sorted(ticker for ticker, n in Counter(tickers).items() if n > 1)
    missing = sorted(expected.keys() - set(tickers))
    unexpected = sorted(set(tickers) - expected.keys())
    assert not repeated, f"{len(repeated)} tickers listed more than once: {repeated[:10]}"
    assert not missing and not unexpected, (
        f"{len(missing)} ledger rows missing {missing[:10]}, {len(unexpected)} rows not in the ledger {unexpected[:10]}"
    )
    problems = []
    for row in got:
        want = expected[row["ticker"]]
        for name, field in dialect.market.items():
            if not _same(name, row.get(field), getattr(want, name)):
                problems.append(f"{row['ticker']} {field}: client {row.get(field)!r}, ledger {getattr(want, name)!r}")
    assert not problems, f"{len(problems)} fields differ:\n" + "\n".join(problems[:25])


def assert_event_rows(got: list[dict], expected: dict[str, EventRollup], dialect: Dialect) -> None:
    """Each event once (whichever page first reaches it), with the ledger's totals."""
    events = [row["event_ticker"] for row in got]
    repeated = sorted(event for event, n in Counter(events).items() if n > 1)
    assert not repeated, f"event positions repeated: {repeated}"
    assert set(events) == expected.keys(), (
        f"missing {sorted(expected.keys() - set(events))}, unexpected {sorted(set(events) - expected.keys())}"
    )
    problems = []
    for row in got:
        want = expected[row["event_ticker"]]
        for name, field in dialect.event.items():
            if not _same(name, row.get(field), getattr(want, name)):
                problems.append(
                    f"{row['event_ticker']} {field}: client {row.get(field)!r}, ledger {getattr(want, name)!r}"
                )
    assert not problems, f"{len(problems)} fields differ:\n" + "\n".join(problems[:25])


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


def test_ledger_agrees_with_hand_computed_rows(portfolio: Portfolio) -> None:
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


def sdk_calls(portfolio: Portfolio) -> list[dict]:
    bound, fcm, trader = portfolio.keys["fcm_bound"], portfolio.keys["fcm"], portfolio.keys["trader"]
    as_bound = {"key_id": bound.key_id, "pem_path": bound.pem_path}
    as_fcm = {"key_id": fcm.key_id, "pem_path": fcm.pem_path}
    as_trader = {"key_id": trader.key_id, "pem_path": trader.pem_path}
    return [
        {"id": "page", "op": "positions", "args": {"limit": 100}},
        {"id": "all", "op": "positions_all", "args": {}},
        {"id": "all_7", "op": "positions_all", "args": {"limit": 7}},
        {"id": "pages_7", "op": "positions_pages", "args": {"limit": 7}},
        {"id": "ticker", "op": "positions_all", "args": {"ticker": f"{HAND_EVENT}-C"}},
        {"id": "ticker_settled", "op": "positions_all", "args": {"ticker": f"{SETTLED_EVENT}-Y"}},
        {"id": "ticker_sub2_only", "op": "positions_all", "args": {"ticker": "KXSUBTWO-26DEC31-M00"}},
        {"id": "event", "op": "positions_pages", "args": {"event_ticker": portfolio.big_event, "limit": 3}},
        {"id": "count_position", "op": "positions_all", "args": {"count_filter": "position", "limit": 50}},
        {"id": "count_traded", "op": "positions_all", "args": {"count_filter": "total_traded", "limit": 1000}},
        {"id": "settled", "op": "positions_pages", "args": {"settlement_status": "settled"}},
        {"id": "settled_all", "op": "positions_all", "args": {"settlement_status": "all", "limit": 40}},
        {"id": "subaccount_2", "op": "positions_pages", "args": {"subaccount": 2, "limit": 5}},
        {"id": "exchange_1", "op": "positions_all", "args": {"exchange_index": 1, "limit": 10}},
        {
            "id": "fcm_bound_pages",
            "op": "fcm_positions_pages",
            "args": {"subtrader_id": SUB_1, "limit": 10},
            **as_bound,
        },
        {"id": "fcm_bound_all", "op": "fcm_positions_all", "args": {"subtrader_id": SUB_1, "limit": 10}, **as_bound},
        {"id": "fcm_unbound", "op": "fcm_positions_pages", "args": {"subtrader_id": SUB_2}, **as_fcm},
        {"id": "fcm_unbound_all", "op": "fcm_positions_all", "args": {"subtrader_id": SUB_1, "limit": 4}, **as_fcm},
        {"id": "fcm_bound_other", "op": "fcm_positions", "args": {"subtrader_id": SUB_2}, **as_bound},
        {"id": "fcm_not_member", "op": "fcm_positions", "args": {"subtrader_id": SUB_1}, **as_trader},
    ]


@pytest.fixture(scope="module")
def sdk(client_venvs, portfolio: Portfolio, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    script = KALSHI_SCRIPTS / "kalshi_sdk_positions.py"
    return run_plan(KALSHI_SDK, script, portfolio, sdk_calls(portfolio), tmp_path_factory.mktemp("kalshi-sdk"))


def _distinct_cursors(outcome: dict) -> list[str]:
    cursors = [c for c in outcome["cursors"] if c]
    assert len(cursors) == len(set(cursors)), "a cursor was handed out twice"
    return cursors


def test_sdk_single_page(sdk, portfolio: Portfolio) -> None:
    page = ok(sdk["page"])
    expected = ledger_rows(portfolio, TRADER)
    rows = page["market_positions"]
    assert len(rows) == 100 and page["has_next"] and page["cursors"][0]
    assert_market_rows(rows, {r["ticker"]: expected[r["ticker"]] for r in rows if r["ticker"] in expected}, SDK)
    events = ledger_rollups(portfolio, TRADER, expected)
    assert_event_rows(
        page["event_positions"], {e: events[e] for e in {expected[r["ticker"]].event_ticker for r in rows}}, SDK
    )


def test_sdk_positions_all_lists_every_position_once(sdk, portfolio: Portfolio) -> None:
    outcome = ok(sdk["all"])
    assert_market_rows(outcome["market_positions"], ledger_rows(portfolio, TRADER), SDK)
    assert_hand_rows(outcome["market_positions"], HAND_MARKETS, SDK)
    # No limit given: the server's default page of 100.
    assert outcome["pages"] == 3 and outcome["cursors"][0] is None
    assert len(_distinct_cursors(outcome)) == 2
    assert {r["query"].get("limit") for r in outcome["requests"]} == {None}


def test_sdk_positions_all_with_small_pages(sdk, portfolio: Portfolio) -> None:
    outcome = ok(sdk["all_7"])
    assert_market_rows(outcome["market_positions"], ledger_rows(portfolio, TRADER), SDK)
    assert outcome["pages"] == math.ceil(UNSETTLED_ROWS / 7)  # no empty page after the last row
    assert len(_distinct_cursors(outcome)) == outcome["pages"] - 1
    assert all(r["status"] == 200 and r["query"]["limit"] == "7" for r in outcome["requests"])


def test_sdk_page_by_page_event_positions(sdk, portfolio: Portfolio) -> None:
    outcome = ok(sdk["pages_7"])
    expected = ledger_rows(portfolio, TRADER)
    assert_market_rows(outcome["market_positions"], expected, SDK)
    assert_event_rows(outcome["event_positions"], ledger_rollups(portfolio, TRADER, expected), SDK)
    assert_hand_event(outcome["event_positions"], HAND_EVENT, HAND_EVENT_TOTALS, SDK)
    assert outcome["pages"] == math.ceil(UNSETTLED_ROWS / 7) and outcome["cursors"][-1] == ""
    _distinct_cursors(outcome)


def test_sdk_ticker_filter(sdk, portfolio: Portfolio) -> None:
    ticker = f"{HAND_EVENT}-C"
    outcome = ok(sdk["ticker"])
    assert_market_rows(outcome["market_positions"], {ticker: ledger_rows(portfolio, TRADER)[ticker]}, SDK)
    assert_hand_rows(outcome["market_positions"], {ticker: HAND_MARKETS[ticker]}, SDK)
    # A settled market is not among the unsettled ones; a market held only in subaccount 2 is not in the primary.
    assert ok(sdk["ticker_settled"])["market_positions"] == []
    assert ok(sdk["ticker_sub2_only"])["market_positions"] == []


def test_sdk_event_ticker_filter(sdk, portfolio: Portfolio) -> None:
    outcome = ok(sdk["event"])
    everything = ledger_rows(portfolio, TRADER)
    expected = {t: row for t, row in everything.items() if row.event_ticker == portfolio.big_event}
    assert len(expected) > 3  # more than one page
    assert_market_rows(outcome["market_positions"], expected, SDK)
    assert_event_rows(outcome["event_positions"], ledger_rollups(portfolio, TRADER, expected), SDK)
    assert outcome["pages"] == math.ceil(len(expected) / 3)


def test_sdk_count_filter(sdk, portfolio: Portfolio) -> None:
    everything = ledger_rows(portfolio, TRADER)
    held = {t: row for t, row in everything.items() if row.position != 0}
    assert portfolio.closed and not held.keys() & set(portfolio.closed)
    outcome = ok(sdk["count_position"])
    assert_market_rows(outcome["market_positions"], held, SDK)
    assert outcome["pages"] == math.ceil(len(held) / 50)
    # Every row has traded, closed ones too.
    assert_market_rows(ok(sdk["count_traded"])["market_positions"], everything, SDK)


def test_sdk_settled_positions(sdk, portfolio: Portfolio) -> None:
    expected = ledger_rows(portfolio, TRADER, status="settled")
    assert sorted(expected) == sorted(portfolio.settled)
    outcome = ok(sdk["settled"])
    assert_market_rows(outcome["market_positions"], expected, SDK)
    assert_hand_rows(outcome["market_positions"], HAND_SETTLED, SDK)
    # The mixed event rolls up only its settled market here.
    assert_event_rows(outcome["event_positions"], ledger_rollups(portfolio, TRADER, expected, status="settled"), SDK)
    assert_hand_event(outcome["event_positions"], SETTLED_EVENT, HAND_SETTLED_TOTALS, SDK)
    all_rows = ok(sdk["settled_all"])
    assert_market_rows(all_rows["market_positions"], ledger_rows(portfolio, TRADER, status="all"), SDK)
    assert all_rows["pages"] == math.ceil((UNSETTLED_ROWS + len(expected)) / 40)


def test_sdk_subaccount(sdk, portfolio: Portfolio) -> None:
    expected = ledger_rows(portfolio, TRADER, subaccount=2)
    assert len(expected) == 12
    outcome = ok(sdk["subaccount_2"])
    assert_market_rows(outcome["market_positions"], expected, SDK)
    assert_event_rows(outcome["event_positions"], ledger_rollups(portfolio, TRADER, expected, subaccount=2), SDK)
    assert outcome["pages"] == math.ceil(12 / 5)


def test_sdk_exchange_index_filter(sdk, portfolio: Portfolio) -> None:
    expected = {t: row for t, row in ledger_rows(portfolio, TRADER).items() if row.exchange_index == 1}
    assert sorted(expected) == sorted(portfolio.exchange_1)
    assert_market_rows(ok(sdk["exchange_1"])["market_positions"], expected, SDK)


def test_sdk_fcm_positions_with_a_bound_key(sdk, portfolio: Portfolio) -> None:
    expected = ledger_rows(portfolio, SUB_1)
    assert len(expected) == 23
    pages = ok(sdk["fcm_bound_pages"])
    assert_market_rows(pages["market_positions"], expected, SDK)
    assert_event_rows(pages["event_positions"], ledger_rollups(portfolio, SUB_1, expected), SDK)
    assert pages["pages"] == 3 and pages["cursors"][-1] == ""
    every = ok(sdk["fcm_bound_all"])
    assert_market_rows(every["market_positions"], expected, SDK)
    assert every["pages"] == 3
    assert all(r["path"] == "/trade-api/v2/fcm/positions" for r in every["requests"])


def test_sdk_fcm_positions_with_an_unbound_key(sdk, portfolio: Portfolio) -> None:
    expected = ledger_rows(portfolio, SUB_2)
    outcome = ok(sdk["fcm_unbound"])
    assert_market_rows(outcome["market_positions"], expected, SDK)
    assert_event_rows(outcome["event_positions"], ledger_rollups(portfolio, SUB_2, expected), SDK)
    every = ok(sdk["fcm_unbound_all"])
    assert_market_rows(every["market_positions"], ledger_rows(portfolio, SUB_1), SDK)
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


def official_calls(portfolio: Portfolio) -> list[dict]:
    bound, fcm, trader = portfolio.keys["fcm_bound"], portfolio.keys["fcm"], portfolio.keys["trader"]
    as_bound = {"key_id": bound.key_id, "pem_path": bound.pem_path}
    return [
        {"id": "pages_100", "op": "positions_pages", "args": {"limit": 100}},
        {"id": "pages_1000", "op": "positions_pages", "args": {"limit": 1000}},
        {"id": "settled", "op": "positions_pages", "args": {"settlement_status": "settled", "limit": 2}},
        {"id": "fcm_bound_implicit", "op": "fcm_positions_pages", "args": {"limit": 10}, **as_bound},
        {"id": "fcm_bound", "op": "fcm_positions_pages", "args": {"subtrader_id": SUB_1}, **as_bound},
        {
            "id": "fcm_unbound",
            "op": "fcm_positions",
            "args": {"subtrader_id": SUB_2},
            "key_id": fcm.key_id,
            "pem_path": fcm.pem_path,
        },
        {
            "id": "fcm_not_member",
            "op": "fcm_positions",
            "args": {"subtrader_id": SUB_1},
            "key_id": trader.key_id,
            "pem_path": trader.pem_path,
        },
    ]


@pytest.fixture(scope="module", params=[OFFICIAL_SYNC, OFFICIAL_ASYNC], ids=lambda spec: spec.name)
def official(request, client_venvs, portfolio: Portfolio, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    spec = request.param
    package = spec.requirements[0].split("==")[0]
    return run_plan(
        spec,
        KALSHI_SCRIPTS / "official_positions.py",
        portfolio,
        official_calls(portfolio),
        tmp_path_factory.mktemp(spec.name),
        env={"MOCKEXCHANGE_CLIENT_PACKAGE": package},
    )


def assert_wire_strings(outcome: dict) -> None:
    """The generated models keep the wire strings: counts with 2 places, dollars with 6."""
    for row in outcome["market_positions"]:
        assert _FP.match(row["position_fp"]), row
        for name in ("market_exposure_dollars", "total_traded_dollars", "realized_pnl_dollars", "fees_paid_dollars"):
            assert _DOLLARS.match(row[name]), (name, row)
    for row in outcome["event_positions"]:
        assert _FP.match(row["total_cost_shares_fp"]), row
        for name in ("total_cost_dollars", "event_exposure_dollars", "realized_pnl_dollars", "fees_paid_dollars"):
            assert _DOLLARS.match(row[name]), (name, row)


def test_official_cursor_walk_limit_100(official, portfolio: Portfolio) -> None:
    outcome = ok(official["pages_100"])
    expected = ledger_rows(portfolio, TRADER)
    assert_market_rows(outcome["market_positions"], expected, OFFICIAL)
    assert_event_rows(outcome["event_positions"], ledger_rollups(portfolio, TRADER, expected), OFFICIAL)
    assert_hand_rows(outcome["market_positions"], HAND_MARKETS, OFFICIAL)
    assert_hand_event(outcome["event_positions"], HAND_EVENT, HAND_EVENT_TOTALS, OFFICIAL)
    # 250 rows, 100 a page: two cursors, then the empty one that ends the walk.
    assert outcome["pages"] == 3 and outcome["cursors"][-1] == "" and len(_distinct_cursors(outcome)) == 2
    assert_wire_strings(outcome)


def test_official_cursor_walk_limit_1000(official, portfolio: Portfolio) -> None:
    outcome = ok(official["pages_1000"])
    expected = ledger_rows(portfolio, TRADER)
    assert_market_rows(outcome["market_positions"], expected, OFFICIAL)
    assert_event_rows(outcome["event_positions"], ledger_rollups(portfolio, TRADER, expected), OFFICIAL)
    assert outcome["pages"] == 1 and outcome["cursors"] == [""]


def test_official_settled_positions(official, portfolio: Portfolio) -> None:
    expected = ledger_rows(portfolio, TRADER, status="settled")
    outcome = ok(official["settled"])
    assert_market_rows(outcome["market_positions"], expected, OFFICIAL)
    assert_event_rows(
        outcome["event_positions"], ledger_rollups(portfolio, TRADER, expected, status="settled"), OFFICIAL
    )
    assert_hand_rows(outcome["market_positions"], HAND_SETTLED, OFFICIAL)
    assert outcome["pages"] == math.ceil(len(expected) / 2)
    assert_wire_strings(outcome)


def test_official_fcm_positions(official, portfolio: Portfolio) -> None:
    sub_1 = ledger_rows(portfolio, SUB_1)
    for call, pages in (("fcm_bound_implicit", 3), ("fcm_bound", 1)):  # subtrader_id left to the key, then given
        outcome = ok(official[call])
        assert_market_rows(outcome["market_positions"], sub_1, OFFICIAL)
        assert_event_rows(outcome["event_positions"], ledger_rollups(portfolio, SUB_1, sub_1), OFFICIAL)
        assert outcome["pages"] == pages, call
        assert_wire_strings(outcome)
    sub_2 = ledger_rows(portfolio, SUB_2)
    outcome = ok(official["fcm_unbound"])
    assert_market_rows(outcome["market_positions"], sub_2, OFFICIAL)
    assert_event_rows(outcome["event_positions"], ledger_rollups(portfolio, SUB_2, sub_2), OFFICIAL)
    assert outcome["cursors"] == [""]


def test_official_fcm_from_a_non_member_key_is_forbidden(official) -> None:
    outcome = official["fcm_not_member"]
    assert not outcome["ok"], "the client returned data"
    assert outcome["error"]["type"] == "ForbiddenException" and outcome["error"]["status"] == 403, outcome["error"]
