"""GET /portfolio/balance, /fills, /settlements, /deposits, /withdrawals and /summary/total_resting_order_value
through published clients, unmodified from PyPI, over real HTTP.

kalshi-sdk 22.4.0 and the official kalshi_python_sync / kalshi_python_async 3.34.0 each run the same reads against the
history portfolio (history_portfolio.py) in their own venv and report what they parsed. Every listing is compared with
the ledger behind the mock: the same rows (none missing, none repeated across pages), newest first, each field equal as
a Decimal, datetime or int, with as many pages as the limit makes. Balances and the resting order total are also
checked against figures worked out by hand, so a wrong ledger fails too.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pytest

from mockexchange.contract.clients.checks import resting_value_by_index
from mockexchange.contract.clients.history import (
    EV_A,
    EV_B,
    EV_C,
    EV_D,
    FCM_RESTING_BREAKDOWN,
    FCM_RESTING_CENTS,
    FCMH,
    HIST,
    PHASES,
    SAVER,
    SAVER_BALANCE,
    SAVER_BALANCE_CENTS,
    SAVER_DEPOSIT_STATUSES,
    SAVER_INDEX_0,
    SAVER_INDEX_1,
    SAVER_PORTFOLIO_VALUE_CENTS,
    SAVER_SUB5_BALANCE,
    SAVER_WITHDRAWAL_STATUSES,
    SHARED_ORDER,
    HistorySeed,
    newest_first,
    portfolio_value,
)
from mockexchange.contract.clients.libraries import KALSHI_SDK, OFFICIAL_ASYNC, OFFICIAL_SYNC, ClientSpec
from mockexchange.contract.clients.plans import run_plan
from mockexchange.core.kalshi.fill_log import Fill
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.markets import Settlement
from mockexchange.core.kalshi.transfers import Transfer

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py

FILL_TICKERS = (f"{EV_A}-M1", f"{EV_C}-M1", f"{EV_B}-M2")  # two of them also traded in subaccount 3
DEFAULT_LIMIT = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def unix(when: datetime) -> int:
    return (when - _EPOCH) // timedelta(seconds=1)


def cents(dollars: Decimal) -> int:
    """Integer cents, truncated toward zero, as Kalshi's integer `balance` is."""
    return int((dollars * 100).to_integral_value(rounding=ROUND_DOWN))


def exact_cents(dollars: Decimal) -> int:
    amount = dollars * 100
    assert amount == amount.to_integral_value(), f"{dollars} is not a whole number of cents"
    return int(amount)


# -- the reads every client makes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    id: str
    endpoint: str  # balance | resting | fills | settlements | deposits | withdrawals
    args: dict = field(default_factory=dict)
    who: str = "trader"  # a key of History.keys
    walk: str = "pages"  # lists: "pages" follows the cursor by hand, "iterate" uses kalshi-sdk's own *_all iterator

    @property
    def limit(self) -> int:
        return self.args.get("limit", DEFAULT_LIMIT)


def reads(history: HistorySeed) -> list[Read]:
    phase_2 = history.phase_windows[1]
    same_instant = history.settle_times[f"{EV_C}-M2"]  # EV_D-M1 settled in the same instant
    return [
        Read("bal_saver", "balance", who="saver"),
        Read("bal_saver_x0", "balance", {"exchange_index": 0}, who="saver"),
        Read("bal_saver_x1", "balance", {"exchange_index": 1}, who="saver"),
        Read("bal_saver_sub5", "balance", {"subaccount": 5}, who="saver"),
        Read("bal_saver_sub5_x0", "balance", {"subaccount": 5, "exchange_index": 0}, who="saver"),
        Read("bal_hist", "balance"),
        Read("bal_hist_sub3", "balance", {"subaccount": 3}),
        Read("bal_hist_x1", "balance", {"exchange_index": 1}),
        Read("fills_7", "fills", {"limit": 7}),
        Read("fills_all_5", "fills", {"limit": 5}, walk="iterate"),
        Read("fills_default", "fills", walk="iterate"),
        Read("fills_tickers", "fills", {"ticker": ",".join(FILL_TICKERS), "limit": 4}),
        Read("fills_order", "fills", {"order_id": SHARED_ORDER, "limit": 3}),
        # 15 s inside the 30 s of quiet on either side of phase 2: whether the bounds are inclusive does not matter.
        Read("fills_window", "fills", {"min_ts": phase_2[0] - 15, "max_ts": phase_2[1] + 15, "limit": 6}),
        Read("fills_sub3", "fills", {"subaccount": 3, "limit": 4}, walk="iterate"),
        Read("fills_sub0", "fills", {"subaccount": 0, "limit": 20}),
        Read("fills_x1", "fills", {"exchange_index": 1, "limit": 2}, walk="iterate"),
        Read("fills_saver", "fills", who="saver"),
        Read("settlements_2", "settlements", {"limit": 2}),
        Read("settlements_all", "settlements", walk="iterate"),
        Read("settlements_ticker", "settlements", {"ticker": f"{EV_C}-M1"}),
        Read("settlements_event", "settlements", {"event_ticker": EV_D, "limit": 1}),
        Read("settlements_sub3", "settlements", {"subaccount": 3}, walk="iterate"),
        Read("settlements_window", "settlements", {"min_ts": same_instant - 2, "max_ts": same_instant + 2}),
        Read("settlements_saver", "settlements", who="saver"),
        Read("deposits_3", "deposits", {"limit": 3}),
        Read("deposits_all", "deposits", {"limit": 500}, walk="iterate"),
        Read("withdrawals_2", "withdrawals", {"limit": 2}),
        Read("withdrawals_all", "withdrawals", walk="iterate"),
        Read("deposits_saver", "deposits", who="saver"),
        Read("withdrawals_saver", "withdrawals", who="saver", walk="iterate"),
        Read("resting_fcm", "resting", who="fcm"),
        Read("resting_not_member", "resting"),
        Read("resting_subtrader", "resting", who="fcm_sub"),
    ]


def _with_key(call: dict, read: Read, history: HistorySeed) -> dict:
    return {**call, **history.keys[read.who].plan_fields}


def sdk_call(read: Read, history: HistorySeed) -> dict:
    if read.endpoint in ("balance", "resting"):
        method = "portfolio.balance" if read.endpoint == "balance" else "portfolio.total_resting_order_value"
        call = {"id": read.id, "op": "call", "method": method, "args": read.args}
    else:
        suffix = "_all" if read.walk == "iterate" else ""
        call = {"id": read.id, "op": read.walk, "method": f"portfolio.{read.endpoint}{suffix}", "args": read.args}
    return _with_key(call, read, history)


def official_call(read: Read, history: HistorySeed) -> dict:
    if read.endpoint in ("balance", "resting"):
        method = "get_balance" if read.endpoint == "balance" else "get_portfolio_resting_order_total_value"
        call = {"id": read.id, "op": "call", "method": method, "args": read.args}
    else:  # the generated SDK has no iterator: its users follow the cursor
        call = {"id": read.id, "op": "pages", "method": f"get_{read.endpoint}", "items": read.endpoint}
        call["args"] = read.args
    return _with_key(call, read, history)


# -- how each client names and types what it parsed ------------------------------------------------------------------


@dataclass(frozen=True)
class Dialect:
    name: str
    spec: ClientSpec
    make_call: Callable[[Read, HistorySeed], dict]
    fill: dict[str, str]  # our name -> the client's field
    settlement: dict[str, str]
    amount_type: str  # the Python type the client holds money and counts in
    wire_places: dict[str, int]  # fields kept as wire strings -> their decimal places (official SDK only)
    forbidden: Callable[[dict], bool]  # the client's permission error

    @property
    def iterates(self) -> bool:
        return self.spec is KALSHI_SDK


_FILL_SAME = ("fill_id", "trade_id", "order_id", "ticker", "market_ticker", "side", "action", "outcome_side")
_FILL_COMMON = {
    **{name: name for name in (*_FILL_SAME, "book_side", "is_taker", "ts", "exchange_index")},
    "fee": "fee_cost",
    "created": "created_time",
    "subaccount": "subaccount_number",
}
_SETTLEMENT_COMMON = {
    **{name: name for name in ("ticker", "event_ticker", "exchange_index", "market_result", "revenue", "value")},
    "settled": "settled_time",
    "fee": "fee_cost",
}
SDK = Dialect(
    name="kalshi-sdk",
    spec=KALSHI_SDK,
    make_call=sdk_call,
    # kalshi-sdk parses into Decimals under the short names
    fill={**_FILL_COMMON, "count": "count", "yes_price": "yes_price", "no_price": "no_price"},
    settlement={
        **_SETTLEMENT_COMMON,
        **{name: name for name in ("yes_count", "yes_total_cost", "no_count", "no_total_cost")},
    },
    amount_type="Decimal",
    wire_places={},
    forbidden=lambda error: "KalshiAuthError" in error["mro"] and error["status"] == 403,
)


def _official(spec: ClientSpec) -> Dialect:
    return Dialect(
        name=spec.name,
        spec=spec,
        make_call=official_call,
        # the generated SDK keeps the wire names and strings
        fill={**_FILL_COMMON, "count": "count_fp", "yes_price": "yes_price_dollars", "no_price": "no_price_dollars"},
        settlement={
            **_SETTLEMENT_COMMON,
            "yes_count": "yes_count_fp",
            "yes_total_cost": "yes_total_cost_dollars",
            "no_count": "no_count_fp",
            "no_total_cost": "no_total_cost_dollars",
        },
        amount_type="str",
        wire_places={
            "count_fp": 2,
            "yes_price_dollars": 4,
            "no_price_dollars": 4,
            "fee_cost": 6,
            "yes_count_fp": 2,
            "no_count_fp": 2,
            "yes_total_cost_dollars": 6,
            "no_total_cost_dollars": 6,
            "balance_dollars": 4,
        },
        forbidden=lambda error: error["type"] == "ForbiddenException" and error["status"] == 403,
    )


DIALECTS = (SDK, _official(OFFICIAL_SYNC), _official(OFFICIAL_ASYNC))


@dataclass(frozen=True)
class Outcomes:
    dialect: Dialect
    calls: dict[str, dict]
    reads: dict[str, Read]

    def ok(self, read_id: str) -> dict:
        outcome = self.calls[read_id]
        assert outcome["ok"], f"{self.dialect.name} {read_id}: the client raised {outcome['error']}"
        return outcome


@pytest.fixture(scope="module", params=DIALECTS, ids=lambda dialect: dialect.name)
def client(request, client_venvs, history: HistorySeed, tmp_path_factory: pytest.TempPathFactory) -> Outcomes:
    dialect: Dialect = request.param
    plan = reads(history)
    calls = run_plan(
        dialect.spec,
        history,
        [dialect.make_call(read, history) for read in plan],
        tmp_path_factory.mktemp(f"portfolio-{dialect.name}"),
    )
    return Outcomes(dialect, calls, {read.id: read for read in plan})


# -- what the ledger holds ---------------------------------------------------------------------------------------


def ledger_of(history: HistorySeed) -> Ledger:
    return history.mock.app.ledger


def fill_values(f: Fill) -> dict[str, Any]:
    # Buying YES and selling NO position the user for YES: the bid side of the YES book.
    outcome = "yes" if (f.side == "yes") == (f.action == "buy") else "no"
    return {
        "fill_id": f.fill_id,
        "trade_id": f.fill_id,
        "order_id": f.order_id,
        "ticker": f.ticker,
        "market_ticker": f.ticker,
        "side": f.side,
        "action": f.action,
        "outcome_side": outcome,
        "book_side": "bid" if outcome == "yes" else "ask",
        "count": f.count,
        "yes_price": f.yes_price,
        "no_price": 1 - f.yes_price,
        "fee": f.fee,
        "is_taker": f.is_taker,
        "created": f.created,
        "ts": unix(f.created),
        "subaccount": f.subaccount,
        "exchange_index": f.exchange_index,
    }


def settlement_values(s: Settlement) -> dict[str, Any]:
    winners = s.yes_count if s.market_result == "yes" else s.no_count
    revenue = exact_cents(s.revenue)
    assert revenue == exact_cents(winners), f"{s.ticker}: revenue {s.revenue} is not 1 dollar per winning contract"
    return {
        "ticker": s.ticker,
        "event_ticker": s.event_ticker,
        "exchange_index": s.exchange_index,
        "market_result": s.market_result,
        "yes_count": s.yes_count,
        "yes_total_cost": s.yes_total_cost,
        "no_count": s.no_count,
        "no_total_cost": s.no_total_cost,
        "revenue": revenue,
        "settled": s.settled_time,
        "fee": s.fee_cost,
        "value": 100 if s.market_result == "yes" else 0,  # a YES contract's payout, cents
    }


def transfer_values(t: Transfer) -> dict[str, Any]:
    return {
        "id": t.id,
        "status": t.status,
        "type": t.type,
        "amount_cents": t.amount_cents,
        "fee_cents": t.fee_cents,
        "created_ts": unix(t.created),
        "finalized_ts": None if t.finalized is None else unix(t.finalized),
    }


TRANSFER_FIELDS = {name: name for name in ("id", "status", "type", "amount_cents", "fee_cents", "created_ts")} | {
    "finalized_ts": "finalized_ts"
}


def balance_values(history: HistorySeed, user: str, subaccount: int = 0, exchange_index: int | None = None) -> dict:
    ledger = ledger_of(history)
    with ledger.reading():
        account = ledger.state.accounts[user]
        cash = account.balance(subaccount, exchange_index)
        by_index = account.breakdown(subaccount)  # dollars per exchange index, index 0 always listed
        if exchange_index is not None:
            by_index = {exchange_index: by_index.get(exchange_index, Decimal(0))}
        updated = account.updated.get(subaccount) or account.updated[0]
        value = portfolio_value(ledger, user, subaccount, exchange_index)
    return {
        "balance": cents(cash),
        "balance_dollars": cash,
        "portfolio_value": cents(value),
        "updated_ts": unix(updated),
        "balance_breakdown": sorted(by_index.items()),
    }


# -- comparing -------------------------------------------------------------------------------------------------------


def _parse(have: Any, like: Any) -> Any:
    """A client's value in the type of the ledger's: amounts and times arrive as strings, ints and bools as JSON."""
    if have is None or not isinstance(have, str):
        return have
    if isinstance(like, Decimal):
        return Decimal(have)
    if isinstance(like, datetime):
        return datetime.fromisoformat(have)
    return have


def _equal(have: Any, want: Any) -> bool:
    if isinstance(want, bool) or isinstance(have, bool) or isinstance(want, int) or want is None:
        return type(have) is type(want) and have == want  # 1 is not True, "3" is not 3, 0 is not null
    return have == want


def as_ours(row: dict, fields: dict[str, str], like: dict[str, Any]) -> dict[str, Any]:
    return {name: _parse(row.get(client_field), like[name]) for name, client_field in fields.items()}


def assert_listing(
    outcomes: Outcomes,
    read_id: str,
    expected: list[dict[str, Any]],
    fields: dict[str, str],
    key: Callable[[dict], Any],
    time_name: str,
) -> None:
    """The client's rows are the ledger's, each once, newest first, in as many pages as the limit makes."""
    outcome = outcomes.ok(read_id)
    read = outcomes.reads[read_id]
    dialect = outcomes.dialect
    assert expected, f"{read_id}: the test expects no rows, so it could not fail"
    like = expected[0]
    got = [as_ours(row, fields, like) for row in outcome["items"]]
    keys = [key(row) for row in got]
    repeated = [k for k, n in Counter(keys).items() if n > 1]
    assert not repeated, f"{dialect.name} {read_id}: rows listed more than once: {repeated[:5]}"
    by_key = {key(row): row for row in expected}
    assert len(by_key) == len(expected), "the ledger rows' keys are not unique: fix the test's key"
    missing = [k for k in by_key if k not in set(keys)]
    unexpected = [k for k in keys if k not in by_key]
    assert not missing and not unexpected, (
        f"{dialect.name} {read_id}: {len(missing)} ledger rows missing {missing[:5]}, "
        f"{len(unexpected)} rows not in the ledger {unexpected[:5]}"
    )
    problems = [
        f"{k} {name}: client {row[name]!r}, ledger {by_key[k][name]!r}"
        for k, row in zip(keys, got, strict=True)
        for name in fields
        if not _equal(row[name], by_key[k][name])
    ]
    assert not problems, f"{dialect.name} {read_id}: {len(problems)} fields differ:\n" + "\n".join(problems[:20])
    times = [row[time_name] for row in got]
    assert times == sorted(times, reverse=True), f"{dialect.name} {read_id}: not newest first"
    # Pages: as many as the limit makes, no empty page after the last row.
    assert outcome["pages"] == max(1, math.ceil(len(expected) / read.limit)), (read_id, outcome["pages"])
    cursors = outcome["cursors"]
    if dialect.iterates and read.walk == "iterate":  # the cursors the client's own iterator sent
        assert cursors[0] is None and all(cursors[1:]), cursors
        sent = cursors[1:]
        assert all(r["status"] == 200 for r in outcome["requests"])
        assert {r["query"].get("limit") for r in outcome["requests"]} == {
            str(read.args["limit"]) if "limit" in read.args else None
        }
    else:  # the cursors the server answered: the last one empty
        assert all(cursors[:-1]) and not cursors[-1], cursors
        sent = cursors[:-1]
    assert len(sent) == len(set(sent)), f"{dialect.name} {read_id}: a cursor was handed out twice"
    assert_types(outcomes, outcome, fields, like)


def assert_types(outcomes: Outcomes, outcome: dict, fields: dict[str, str], like: dict[str, Any]) -> None:
    """Amounts are Decimals in kalshi-sdk and wire strings in the official SDK; times are parsed to datetimes."""
    dialect = outcomes.dialect
    for name, client_field in fields.items():
        seen = outcome["types"].get(client_field)
        if isinstance(like[name], Decimal):
            assert seen == [dialect.amount_type], (client_field, seen)
        elif isinstance(like[name], datetime):
            assert seen == ["datetime"], (client_field, seen)
    for row in outcome["items"]:
        for client_field, places in dialect.wire_places.items():
            if client_field in row:
                assert re.fullmatch(rf"-?\d+\.\d{{{places}}}", row[client_field]), (client_field, row[client_field])


def fill_key(row: dict) -> str:
    return row["fill_id"]


def settlement_key(row: dict) -> tuple:
    # The wire has no settlement id (and no subaccount): a market's settlement in two subaccounts differs by counts.
    return (row["ticker"], row["yes_count"], row["no_count"], row["settled"])


def transfer_key(row: dict) -> str:
    return row["id"]


# -- the oracle itself -------------------------------------------------------------------------------------------


def test_ledger_agrees_with_hand_figures(history: HistorySeed) -> None:
    """If the ledger were wrong, every comparison with it would pass for the wrong reason."""
    ledger = ledger_of(history)
    saver = ledger.state.accounts[SAVER]
    assert saver.balance(0) == SAVER_BALANCE
    assert saver.balance(0, 0) == SAVER_INDEX_0 and saver.balance(0, 1) == SAVER_INDEX_1
    assert saver.balance(5) == SAVER_SUB5_BALANCE
    for exchange_index, value in SAVER_PORTFOLIO_VALUE_CENTS.items():
        assert cents(portfolio_value(ledger, SAVER, 0, exchange_index)) == value
    fills = newest_first(history, "fill_index", HIST)
    assert len(fills) == sum(PHASES) + 3
    assert sum(f.order_id == SHARED_ORDER for f in fills) == 4
    assert sum(f.subaccount == 3 for f in fills) == 11 and sum(f.exchange_index == 1 for f in fills) == 7
    for index in ("deposits", "withdrawals"):
        statuses = Counter(t.status for t in newest_first(history, index, HIST))
        assert statuses == {"applied": 10 if index == "deposits" else 6, "pending": 1, "failed": 1, "returned": 1}
    assert Counter(t.status for t in newest_first(history, "deposits", SAVER)) == SAVER_DEPOSIT_STATUSES
    assert Counter(t.status for t in newest_first(history, "withdrawals", SAVER)) == SAVER_WITHDRAWAL_STATUSES
    member = ledger.state.accounts[FCMH]
    orders = [o for o in ledger.state.orders.values() if o.user_id in (FCMH, *member.subtraders)]
    assert len(orders) == 3 and sum(o.value for o in orders) == sum(FCM_RESTING_BREAKDOWN.values())
    settlements = newest_first(history, "settlements", HIST)
    assert len(settlements) == 6 and {s.subaccount for s in settlements} == {0, 3}


# -- balance -------------------------------------------------------------------------------------------------------


def _balance(outcomes: Outcomes, read_id: str) -> dict:
    result = outcomes.ok(read_id)["result"]
    breakdown = result.get("balance_breakdown")
    return {
        "balance": result["balance"],
        "balance_dollars": Decimal(result["balance_dollars"]),
        "portfolio_value": result["portfolio_value"],
        "updated_ts": result["updated_ts"],
        "balance_breakdown": None
        if breakdown is None
        else [(entry["exchange_index"], Decimal(entry["balance"])) for entry in breakdown],
    }


def test_balance_equals_the_hand_computed_figures(client: Outcomes, history: HistorySeed) -> None:
    by_hand = {
        "bal_saver": (SAVER_BALANCE_CENTS, SAVER_BALANCE, 660, [(0, SAVER_INDEX_0), (1, SAVER_INDEX_1)]),
        "bal_saver_x0": (12463, SAVER_INDEX_0, 560, [(0, SAVER_INDEX_0)]),
        "bal_saver_x1": (-100, SAVER_INDEX_1, 100, [(1, SAVER_INDEX_1)]),
        "bal_saver_sub5": (120, SAVER_SUB5_BALANCE, 0, [(0, SAVER_SUB5_BALANCE)]),
        "bal_saver_sub5_x0": (120, SAVER_SUB5_BALANCE, 0, [(0, SAVER_SUB5_BALANCE)]),
    }
    for read_id, (balance, dollars, value, breakdown) in by_hand.items():
        got = _balance(client, read_id)
        assert (got["balance"], got["balance_dollars"], got["portfolio_value"], got["balance_breakdown"]) == (
            balance,
            dollars,
            value,
            breakdown,
        ), read_id
        args = client.reads[read_id].args
        assert got == balance_values(history, SAVER, args.get("subaccount", 0), args.get("exchange_index")), read_id
    types = client.calls["bal_saver"]["types"]
    assert types["balance"] == ["int"] and types["balance_dollars"] == [client.dialect.amount_type]
    assert re.fullmatch(r"\d+\.\d{4}", client.calls["bal_saver"]["result"]["balance_dollars"])


def assert_balance(got: dict, expected: dict, read_id: str) -> None:
    """Cash is held to the micro-dollar (fractional counts at 4-place prices) but `balance_dollars` and the breakdown
    carry 4 places: they must lie within half a unit of the 4th place of the ledger's cash. The integer `balance` is
    the ledger's cash truncated to cents."""
    half = Decimal("0.00005")
    exact = ("balance", "portfolio_value", "updated_ts")
    assert {k: got[k] for k in exact} == {k: expected[k] for k in exact}, read_id
    assert abs(got["balance_dollars"] - expected["balance_dollars"]) <= half, read_id
    assert [index for index, _ in got["balance_breakdown"]] == [index for index, _ in expected["balance_breakdown"]]
    for (_, have), (_, want) in zip(got["balance_breakdown"], expected["balance_breakdown"], strict=True):
        assert abs(have - want) <= half, (read_id, got["balance_breakdown"], expected["balance_breakdown"])


def test_balance_equals_the_ledger(client: Outcomes, history: HistorySeed) -> None:
    for read_id in ("bal_hist", "bal_hist_sub3", "bal_hist_x1"):
        args = client.reads[read_id].args
        expected = balance_values(history, HIST, args.get("subaccount", 0), args.get("exchange_index"))
        assert_balance(_balance(client, read_id), expected, read_id)
    assert _balance(client, "bal_hist_sub3")["balance_dollars"] < 0  # subaccount 3 only ever bought


# -- fills -------------------------------------------------------------------------------------------------------


def _fills(client: Outcomes, read_id: str, expected: list[Fill]) -> None:
    values = [fill_values(f) for f in expected]
    assert_listing(client, read_id, values, client.dialect.fill, fill_key, "created")


def test_fills_every_page(client: Outcomes, history: HistorySeed) -> None:
    every = newest_first(history, "fill_index", HIST)
    for read_id in ("fills_7", "fills_all_5", "fills_default"):
        _fills(client, read_id, every)
    assert client.calls["fills_7"]["pages"] == math.ceil(69 / 7)


def test_fills_ticker_list(client: Outcomes, history: HistorySeed) -> None:
    expected = newest_first(history, "fill_index", HIST, lambda f: f.ticker in FILL_TICKERS)
    assert {f.subaccount for f in expected} == {0, 3}  # subaccount omitted: every subaccount
    _fills(client, "fills_tickers", expected)


def test_fills_order_id(client: Outcomes, history: HistorySeed) -> None:
    expected = newest_first(history, "fill_index", HIST, lambda f: f.order_id == SHARED_ORDER)
    assert len(expected) == 4
    _fills(client, "fills_order", expected)


def test_fills_time_window(client: Outcomes, history: HistorySeed) -> None:
    first, last = history.phase_windows[1]
    expected = newest_first(history, "fill_index", HIST, lambda f: first <= unix(f.created) <= last)
    assert len(expected) == PHASES[1]
    _fills(client, "fills_window", expected)


def test_fills_subaccount_and_exchange_index(client: Outcomes, history: HistorySeed) -> None:
    for read_id, keep in (
        ("fills_sub3", lambda f: f.subaccount == 3),
        ("fills_sub0", lambda f: f.subaccount == 0),
        ("fills_x1", lambda f: f.exchange_index == 1),
    ):
        _fills(client, read_id, newest_first(history, "fill_index", HIST, keep))


def test_fills_are_per_user(client: Outcomes, history: HistorySeed) -> None:
    expected = newest_first(history, "fill_index", SAVER)
    assert {f.ticker for f in expected} == {"KXCASH-26DEC31-A", "KXCASH-26DEC31-B", "KXCASH-26DEC31-S"}
    _fills(client, "fills_saver", expected)


# -- settlements -------------------------------------------------------------------------------------------------


def _settlements(client: Outcomes, read_id: str, expected: list[Settlement]) -> None:
    values = [settlement_values(s) for s in expected]
    assert_listing(client, read_id, values, client.dialect.settlement, settlement_key, "settled")


def test_settlements_every_page(client: Outcomes, history: HistorySeed) -> None:
    every = newest_first(history, "settlements", HIST)
    for read_id in ("settlements_2", "settlements_all"):
        _settlements(client, read_id, every)
    assert client.calls["settlements_2"]["pages"] == 3


def test_settlements_filters(client: Outcomes, history: HistorySeed) -> None:
    same_instant = history.settle_times[f"{EV_C}-M2"]
    for read_id, keep, count in (
        ("settlements_ticker", lambda s: s.ticker == f"{EV_C}-M1", 2),  # the primary's and subaccount 3's
        ("settlements_event", lambda s: s.event_ticker == EV_D, 3),
        ("settlements_sub3", lambda s: s.subaccount == 3, 2),
        ("settlements_window", lambda s: unix(s.settled_time) == same_instant, 2),
    ):
        expected = newest_first(history, "settlements", HIST, keep)
        assert len(expected) == count, read_id
        _settlements(client, read_id, expected)


def test_settlements_are_per_user(client: Outcomes, history: HistorySeed) -> None:
    expected = newest_first(history, "settlements", SAVER)
    _settlements(client, "settlements_saver", expected)
    (row,) = client.ok("settlements_saver")["items"]
    assert row["revenue"] == 200 and row["value"] == 100  # 2 YES contracts of a market settled yes, by hand


# -- deposits and withdrawals ------------------------------------------------------------------------------------


def _transfers(client: Outcomes, read_id: str, expected: list[Transfer]) -> None:
    values = [transfer_values(t) for t in expected]
    assert_listing(client, read_id, values, TRANSFER_FIELDS, transfer_key, "created_ts")


def test_deposits_and_withdrawals_every_page_every_status(client: Outcomes, history: HistorySeed) -> None:
    for read_ids, index in (
        (("deposits_3", "deposits_all"), "deposits"),
        (("withdrawals_2", "withdrawals_all"), "withdrawals"),
    ):
        expected = newest_first(history, index, HIST)
        for read_id in read_ids:
            _transfers(client, read_id, expected)
            statuses = {row["status"] for row in client.ok(read_id)["items"]}
            assert statuses == {"pending", "applied", "failed", "returned"}, read_id
        # A pending transfer has no finalized time yet; every other one has.
        for row in client.ok(read_ids[0])["items"]:
            assert (row["finalized_ts"] is None) == (row["status"] == "pending"), row
    assert client.calls["deposits_3"]["pages"] == math.ceil(13 / 3)
    assert client.calls["withdrawals_2"]["pages"] == math.ceil(9 / 2)


def test_deposits_and_withdrawals_are_per_user(client: Outcomes, history: HistorySeed) -> None:
    for read_id, index, statuses in (
        ("deposits_saver", "deposits", SAVER_DEPOSIT_STATUSES),
        ("withdrawals_saver", "withdrawals", SAVER_WITHDRAWAL_STATUSES),
    ):
        _transfers(client, read_id, newest_first(history, index, SAVER))
        assert Counter(row["status"] for row in client.ok(read_id)["items"]) == statuses


# -- total resting order value ------------------------------------------------------------------------------------


def test_resting_order_value_of_an_fcm_member(client: Outcomes, history: HistorySeed) -> None:
    result = client.ok("resting_fcm")["result"]
    breakdown = {
        entry["exchange_index"]: Decimal(entry["balance"]) for entry in result["resting_order_value_breakdown"]
    }
    assert result["total_resting_order_value"] == FCM_RESTING_CENTS and breakdown == FCM_RESTING_BREAKDOWN
    by_index = resting_value_by_index(ledger_of(history), FCMH)
    assert breakdown == by_index and result["total_resting_order_value"] == cents(sum(by_index.values()))
    types = client.calls["resting_fcm"]["types"]
    assert types["total_resting_order_value"] == ["int"]


def test_resting_order_value_is_forbidden_to_others(client: Outcomes) -> None:
    for read_id in ("resting_not_member", "resting_subtrader"):
        outcome = client.calls[read_id]
        assert not outcome["ok"], f"{read_id}: the client returned data"
        assert client.dialect.forbidden(outcome["error"]), f"{read_id}: {outcome['error']}"
