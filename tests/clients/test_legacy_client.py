"""The official `kalshi_python_sync` 3.2.0 (what `pip install kalshi_python_sync` gives on Python <= 3.12), unmodified
from PyPI, on Python 3.11, against two mocks holding the same history portfolio: one speaking the `legacy` wire
profile, one the default `3.34`.

Against `legacy` it reads positions, balance, fills and settlements and gets the ledger's values in its integer fields
(cents truncated toward zero, whole contracts). Against `3.34` the same calls fail inside the client for positions,
fills and settlements, each for exactly the integer fields that profile leaves out, while balance passes: the profile
is what makes the difference.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pytest

from mockexchange.contract.clients.history import (
    HIST,
    SAVER,
    SAVER_BALANCE_CENTS,
    SAVER_PORTFOLIO_VALUE_CENTS,
    HistorySeed,
    make_history,
)
from mockexchange.contract.clients.libraries import OFFICIAL_SYNC_LEGACY
from mockexchange.contract.clients.plans import run_plan
from mockexchange.core.kalshi.fill_log import Fill
from mockexchange.core.kalshi.markets import Settlement
from mockexchange.core.kalshi.rows import EventRollup, MarketPosition

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HALF_CENTI_CENT = Decimal("0.00005")  # the legacy `_dollars` strings carry 4 places; the ledger holds 6

# The integer fields 3.2.0 requires that the 3.34 shapes no longer carry (and nothing else is missing).
MISSING_IN_3_34 = {
    "MarketPosition": {
        "total_traded",
        "position",
        "market_exposure",
        "realized_pnl",
        "resting_orders_count",
        "fees_paid",
    },
    "Fill": {"count", "price", "yes_price", "no_price", "yes_price_fixed", "no_price_fixed"},
    "Settlement": {"yes_count", "yes_total_cost", "no_count", "no_total_cost"},
}


def unix(when: datetime) -> int:
    return (when - _EPOCH) // timedelta(seconds=1)


def cents(dollars: Decimal) -> int:
    return int((dollars * 100).to_integral_value(rounding=ROUND_DOWN))


def whole(count: Decimal) -> int:
    return int(count.to_integral_value(rounding=ROUND_DOWN))


@pytest.fixture(scope="module")
def two_mocks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, HistorySeed]]:
    """The same history portfolio in each profile (same clock, same seed, same commands)."""
    built: dict[str, HistorySeed] = {}
    try:
        for profile in ("legacy", "3.34"):
            built[profile] = make_history(tmp_path_factory.mktemp(f"legacy-client-{profile}"), profile)
        yield built
    finally:
        for history in built.values():
            history.mock.stop()


# Each list is read page by page, following the cursor: the page size makes several pages of each.
LEGACY_LISTS = {
    "positions": {"method": "get_positions", "items": ["market_positions", "event_positions"], "args": {"limit": 2}},
    "fills": {"method": "get_fills", "items": "fills", "args": {"limit": 10}},
    "settlements": {"method": "get_settlements", "items": "settlements", "args": {"limit": 2}},
}


def legacy_calls(two_mocks: dict[str, HistorySeed]) -> list[dict]:
    """The same calls against each mock, named `<call>@<profile>`: hist's lists, then saver's balance."""
    calls = []
    for profile, history in two_mocks.items():
        on = {"base_url": history.mock.kalshi_url}
        hist, saver = history.keys["trader"].plan_fields, history.keys["saver"].plan_fields
        calls += [
            {"id": f"{name}@{profile}", "op": "pages", **call, **on, **hist} for name, call in LEGACY_LISTS.items()
        ]
        calls.append({"id": f"balance@{profile}", "op": "call", "method": "get_balance", **on, **saver})
    return calls


@pytest.fixture(scope="module")
def legacy(
    client_venvs, two_mocks: dict[str, HistorySeed], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict]:
    return run_plan(
        OFFICIAL_SYNC_LEGACY, two_mocks["legacy"], legacy_calls(two_mocks), tmp_path_factory.mktemp("legacy-client")
    )


def ok(outcome: dict) -> dict:
    assert outcome["ok"], f"the client raised: {outcome['error']}"
    return outcome


def test_it_is_the_old_client(legacy) -> None:
    """Guard: a pin or interpreter change that installs another version would make this suite prove nothing."""
    outcome = ok(legacy["balance@legacy"])
    assert set(outcome["result"]) == {"balance", "portfolio_value", "updated_ts"}  # 3.2.0's GetBalanceResponse


# -- what the ledger holds, in the legacy integer units ---------------------------------------------------------


def _near(have: str, want: Decimal) -> bool:
    return isinstance(have, str) and abs(Decimal(have) - want) <= HALF_CENTI_CENT


def _exactly(have: Any, want: Any) -> bool:
    return type(have) is type(want) and have == want


def _compare(what: str, got: dict, exact: dict[str, Any], dollars: dict[str, Decimal]) -> list[str]:
    """`exact`: fields that must equal the ledger's value in value and JSON type (the integer twins, ids, flags);
    `dollars`: 4-place strings within half a unit of their last place of the ledger's micro-dollar amount."""
    problems = [
        f"{what} {name}: client {got.get(name)!r}, ledger {want!r}"
        for name, want in exact.items()
        if not _exactly(got.get(name), want)
    ]
    problems += [
        f"{what} {name}: client {got.get(name)!r}, ledger {want}"
        for name, want in dollars.items()
        if not _near(got.get(name), want)
    ]
    return problems


MARKET_AMOUNTS = ("total_traded", "market_exposure", "realized_pnl", "fees_paid")
EVENT_AMOUNTS = ("total_cost", "event_exposure", "realized_pnl", "fees_paid")


def _compare_position(
    what: str, got: dict, want: MarketPosition | EventRollup, amounts: tuple[str, ...], count: str, **exact: Any
) -> list[str]:
    """A market or event position in the legacy shape: each amount twice, as integer cents (`name`, truncated) and as
    a 4-place string (`name_dollars`); the count in whole contracts; `exact`, further fields equal to the ledger's."""
    exact = {name: cents(getattr(want, name)) for name in amounts} | {count: whole(getattr(want, count))} | exact
    return _compare(what, got, exact, {f"{name}_dollars": getattr(want, name) for name in amounts})


def primary_positions(history: HistorySeed) -> dict[str, MarketPosition]:
    ledger = history.mock.app.ledger
    with ledger.reading():
        return {
            row.ticker: row.snapshot()
            for row in ledger.state.positions.all_rows()
            if row.user_id == HIST and row.subaccount == 0 and not row.settled
        }


def test_legacy_profile_positions(legacy, two_mocks) -> None:
    outcome = ok(legacy["positions@legacy"])
    rows = primary_positions(two_mocks["legacy"])
    got = outcome["lists"]["market_positions"]
    tickers = [row["ticker"] for row in got]
    assert sorted(tickers) == sorted(rows) and len(tickers) == len(set(tickers)), tickers
    assert outcome["pages"] == -(-len(rows) // 2) and outcome["cursors"][-1] == ""
    assert any(row.position % 1 for row in rows.values()), "no fractional position: whole() is not exercised"
    assert any(row.resting_orders_count for row in rows.values())
    problems: list[str] = []
    for row in got:
        want = rows[row["ticker"]]
        problems += _compare_position(
            row["ticker"], row, want, MARKET_AMOUNTS, "position", resting_orders_count=want.resting_orders_count
        )
        if datetime.fromisoformat(row["last_updated_ts"]) != want.last_updated:
            problems.append(f"{row['ticker']} last_updated_ts {row['last_updated_ts']} != {want.last_updated}")
    events: dict[str, EventRollup] = {}
    for want in rows.values():
        events.setdefault(want.event_ticker, EventRollup(want.event_ticker)).add(want)
    got_events = outcome["lists"]["event_positions"]
    assert sorted(e["event_ticker"] for e in got_events) == sorted(events)
    for row in got_events:
        problems += _compare_position(
            row["event_ticker"], row, events[row["event_ticker"]], EVENT_AMOUNTS, "total_cost_shares"
        )
    assert not problems, "\n".join(problems[:25])
    assert outcome["types"]["position"] == ["int"] and outcome["types"]["total_traded"] == ["int"]


def test_legacy_profile_fills(legacy, two_mocks) -> None:
    outcome = ok(legacy["fills@legacy"])
    ledger = two_mocks["legacy"].mock.app.ledger
    with ledger.reading():
        fills: dict[str, Fill] = {f.fill_id: f for f in ledger.state.fill_index.records(HIST)}
    ids = [row["fill_id"] for row in outcome["items"]]
    assert sorted(ids) == sorted(fills) and len(ids) == len(set(ids))  # every subaccount: 3.2.0 cannot filter
    assert outcome["pages"] == -(-len(fills) // 10)
    problems: list[str] = []
    for row in outcome["items"]:
        f = fills[row["fill_id"]]
        exact = {
            "count": whole(f.count),
            "yes_price": cents(f.yes_price),
            "no_price": cents(1 - f.yes_price),
            "ts": unix(f.created),
            "is_taker": f.is_taker,
            "side": f.side,
            "action": f.action,
            "ticker": f.ticker,
            "order_id": f.order_id,
            "trade_id": f.fill_id,
        }
        dollars = {"yes_price_fixed": f.yes_price, "no_price_fixed": 1 - f.yes_price}
        problems += _compare(f.fill_id, row, exact, dollars)
        # `price` is a JSON number (the price of the side traded): read back through its shortest repr, it is exact.
        if not isinstance(row["price"], float) or Decimal(repr(row["price"])) != f.price:
            problems.append(f"{f.fill_id} price: client {row['price']!r}, ledger {f.price}")
        if datetime.fromisoformat(row["created_time"]) != f.created:
            problems.append(f"{f.fill_id} created_time {row['created_time']} != {f.created}")
    assert not problems, "\n".join(problems[:25])
    assert any(f.count % 1 for f in fills.values()), "no fractional fill: whole() is not exercised"
    assert outcome["types"]["count"] == ["int"] and outcome["types"]["price"] == ["float"]


def test_legacy_profile_settlements(legacy, two_mocks) -> None:
    outcome = ok(legacy["settlements@legacy"])
    ledger = two_mocks["legacy"].mock.app.ledger
    with ledger.reading():
        records: list[Settlement] = list(ledger.state.settlements.records(HIST))
    assert len(outcome["items"]) == len(records) == 6 and outcome["pages"] == 3
    by_key = {(s.ticker, whole(s.yes_count), whole(s.no_count)): s for s in records}
    assert len(by_key) == len(records)
    problems: list[str] = []
    for row in outcome["items"]:
        s = by_key.pop((row["ticker"], row["yes_count"], row["no_count"]), None)
        if s is None:
            problems.append(f"not in the ledger, or listed twice: {row}")
            continue
        exact = {
            "yes_total_cost": cents(s.yes_total_cost),
            "no_total_cost": cents(s.no_total_cost),
            "revenue": cents(s.revenue),
            "event_ticker": s.event_ticker,
            "market_result": s.market_result,
            "value": 100 if s.market_result == "yes" else 0,
        }
        problems += _compare(s.ticker, row, exact, {"fee_cost": s.fee_cost})
        if datetime.fromisoformat(row["settled_time"]) != s.settled_time:
            problems.append(f"{s.ticker} settled_time {row['settled_time']} != {s.settled_time}")
    assert not problems and not by_key, ("\n".join(problems[:25]), by_key)
    assert outcome["types"]["yes_count"] == ["int"] and outcome["types"]["yes_total_cost"] == ["int"]


def test_legacy_profile_balance(legacy, two_mocks) -> None:
    result = ok(legacy["balance@legacy"])["result"]
    ledger = two_mocks["legacy"].mock.app.ledger
    with ledger.reading():
        account = ledger.state.accounts[SAVER]
        expected = {"balance": cents(account.balance(0)), "updated_ts": unix(account.updated[0])}
    assert result == {**expected, "portfolio_value": SAVER_PORTFOLIO_VALUE_CENTS[None]}
    assert result["balance"] == SAVER_BALANCE_CENTS  # by hand, see history_portfolio


# -- the same client against the 3.34 profile ------------------------------------------------------------------


def missing_fields(message: str) -> set[str]:
    """The fields a pydantic ValidationError of the generated models names as absent. Their `from_dict` reads every
    field with `obj.get(name)`, so an absent key arrives as None and fails as "valid integer/string, input_value=None"
    rather than "Field required"; both are counted."""
    absent = r"(?:Field required|Input should be a valid \w+ \[type=\w+, input_value=None)"
    # A union field (`price: float | int`) is reported once per member: `price.float`, `price.int`.
    return set(re.findall(rf"^(\w+)(?:\.\w+)?\n\s+{absent}", message, flags=re.MULTILINE))


@pytest.mark.parametrize(
    ("call", "model"),
    [("positions", "MarketPosition"), ("fills", "Fill"), ("settlements", "Settlement")],
)
def test_3_34_profile_breaks_the_old_client(legacy, call: str, model: str) -> None:
    # The same call the legacy profile answers (test above): here the client's own pydantic model refuses the first
    # row, because 3.2.0 declares the integer twins required and the 3.34 shapes dropped them (extra fields it would
    # ignore, missing ones it cannot). The error is pydantic's, unwrapped by the SDK: no ApiException, no status.
    ok(legacy[f"{call}@legacy"])
    outcome = legacy[f"{call}@3.34"]
    assert not outcome["ok"], f"3.2.0 parsed a 3.34 {call} answer: the test cannot tell the profiles apart"
    error = outcome["error"]
    assert error["type"] == "ValidationError" and error["module"] == "pydantic_core._pydantic_core", error
    assert error["status"] is None
    assert f"for {model}" in error["message"], error["message"]
    assert missing_fields(error["message"]) == MISSING_IN_3_34[model], error["message"]


def test_3_34_profile_balance_still_parses(legacy, two_mocks) -> None:
    # GetBalanceResponse in 3.2.0 requires only `balance`, `portfolio_value` and `updated_ts`: integers that the 3.34
    # shape still carries beside `balance_dollars` and `balance_breakdown`, which from_dict drops. So the old client
    # reads the 3.34 balance as it reads the legacy one: the same figures from the same ledger.
    assert ok(legacy["balance@3.34"])["result"] == ok(legacy["balance@legacy"])["result"]
    assert legacy["balance@3.34"]["result"]["balance"] == SAVER_BALANCE_CENTS
