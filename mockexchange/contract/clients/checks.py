"""What each capability of the client matrix asks a real client, and how its answer is judged against the ledger.

A `Dialect` (dialects.py) says how one client family is called and under which names and units it hands values back.
A capability is a list of `ReadCheck`s (`READS`), each one call of the
client-script plan format (scripts/kalshi/client_harness.py) with what its outcome must be: every row the
client parsed must be a row of the ledger (behind the mock) and no ledger row may be missing, field by field, in the
client's units: Decimals for dollars and counts, truncated cents and whole contracts for the legacy integer fields,
datetimes, Unix seconds. Pages must come as the limit makes them, cursors never twice. The `verdict` is pass or fail
with one line saying why. The websocket check runs kalshi-sdk's websocket client live instead (`websocket_verdict`).

The ledger values are turned into the client's units with `core.money`'s rounding rules (the wire's decimal places
per profile), never through the renderers: the mock is compared with its own state, not with itself.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from mockexchange.contract.clients.dialects import DOLLAR_PLACES, Dialect, Field
from mockexchange.contract.clients.history import (
    EV_C,
    EV_D,
    FCMH,
    HIST,
    SAVER,
    SHARED_ORDER,
    HistorySeed,
    newest_first,
    portfolio_value,
)
from mockexchange.contract.clients.plans import ClientRunError
from mockexchange.contract.clients.portfolio import (
    HAND_EVENT,
    SUB_1,
    SUB_2,
    TRADER,
    Key,
    PortfolioSeed,
    ledger_rows,
)
from mockexchange.contract.clients.sdk_websocket import SdkWebsocketRun
from mockexchange.core.clock import unix_seconds
from mockexchange.core.money import fixed, to_cents, to_whole_contracts, truncate
from mockexchange.server import MockServer

_TRANSFER: tuple[Field, ...] = (
    ("id", "id", "text"),
    ("status", "status", "text"),
    ("type", "type", "text"),
    ("amount_cents", "amount_cents", "text"),
    ("fee_cents", "fee_cents", "text"),
    ("created", "created_ts", "unix"),
    ("finalized", "finalized_ts", "unix"),
)


# -- comparing a client's values with the ledger's -------------------------------------------------------------------


def _expected(value: Any, unit: str, profile: str) -> Any:
    """A ledger value in the form the client's value is compared in."""
    if value is None:
        return None
    if unit == "dollars":
        return Decimal(fixed(value, DOLLAR_PLACES[profile]))
    if unit == "price":
        return Decimal(fixed(value, 4))
    if unit == "count":
        return Decimal(fixed(value, 2))
    if unit == "balance":
        return truncate(value, 4)
    if unit == "cents":
        return to_cents(value)
    if unit == "whole":
        return to_whole_contracts(value)
    if unit == "unix":
        return unix_seconds(value)
    if unit == "number":
        return Decimal(value)
    if unit == "json":
        return as_json(value)
    return value  # text, time


def _parsed(value: Any, unit: str) -> Any:
    """A client's value (as the script printed it) in the form it is compared in; unparseable values stay as they are,
    so they differ."""
    if value is None or unit in ("text", "cents", "whole", "unix"):
        return value
    if unit == "json":
        return as_json(value)
    try:
        return datetime.fromisoformat(value) if unit == "time" else Decimal(str(value))
    except (ValueError, TypeError, InvalidOperation):
        return value


def as_json(value: Any) -> str:
    """A JSON structure (a mapping, a list or tuple, or a scalar) as one comparable text, keys sorted."""

    def plain(item: Any) -> Any:
        if isinstance(item, Mapping):
            return {str(name): plain(each) for name, each in item.items()}
        if isinstance(item, list | tuple):
            return [plain(each) for each in item]
        return item

    return json.dumps(plain(value), sort_keys=True, default=str)


def _row(record: Any, fields: tuple[Field, ...], profile: str) -> tuple:
    return tuple(_expected(getattr(record, attr), unit, profile) for attr, _, unit in fields)


def _client_row(row: dict, fields: tuple[Field, ...]) -> tuple:
    return tuple(_parsed(row.get(name), unit) for _, name, unit in fields)


def compare_rows(got: list[dict], expected: list[Any], fields: tuple[Field, ...], profile: str) -> list[str]:
    """What differs between the client's rows and the ledger's, as multisets of field tuples (a row listed twice is
    one too many); each difference names the row by its first field and the fields that differ."""
    want = Counter(_row(record, fields, profile) for record in expected)
    have = Counter(_client_row(row, fields) for row in got)
    missing, extra = list((want - have).elements()), list((have - want).elements())
    problems = []
    for row in missing:
        twin = next((other for other in extra if other[0] == row[0]), None)
        if twin is None:
            problems.append(f"{row[0]} missing")
            continue
        extra.remove(twin)
        diffs = [
            f"{name} {have_value!r} (ledger {want_value})"
            for (_, name, _), have_value, want_value in zip(fields, twin, row, strict=True)
            if have_value != want_value
        ]
        problems.append(f"{row[0]}: {', '.join(diffs[:3])}" + (f" and {len(diffs) - 3} more" if len(diffs) > 3 else ""))
    problems += [f"{row[0]} not in the ledger" for row in extra]
    return problems


_STARTING = threading.Lock()


def start_mock(mock: MockServer) -> MockServer:
    """Start mocks one at a time: uvicorn configures logging anew for each server, and two doing it at once let
    startup lines through at INFO level."""
    with _STARTING:
        return mock.start()


def starting() -> threading.Lock:
    """Held while anything here starts a mock (for callers that start one inside a helper, like make_history)."""
    return _STARTING


# -- reads and their verdicts ------------------------------------------------------------------------------------------

Seeded = PortfolioSeed | HistorySeed  # a seeded mock and its keys


@dataclass
class Mocks:
    """The fresh mocks one client's checks read: the positions portfolio in the client's own wire profile and the
    history portfolio in each profile."""

    positions: PortfolioSeed
    history: dict[str, HistorySeed]
    profile: str  # the client's own wire profile

    def served(self, on: str) -> Seeded:
        """`positions`, `history` (in the client's profile), or the history portfolio in the profile named."""
        if on == "positions":
            return self.positions
        return self.history[self.profile if on == "history" else on]

    def profile_of(self, on: str) -> str:
        return on if on in DOLLAR_PLACES else self.profile


@dataclass(frozen=True)
class ReadCheck:
    """One call of a plan and what its outcome must be.

    kind: `pages` (follow the cursor), `iterate` (the client's own iterator), `call` (one answer, judged by its
    endpoint's judge) or `refused` (the client must raise its 403 error)."""

    id: str
    endpoint: str
    args: dict = field(default_factory=dict)
    on: str = "positions"
    key: str = "trader"
    kind: str = "pages"
    rows: Callable[[Seeded], list] | None = None  # lists: the ledger's rows
    events: Callable[[Seeded], list] | None = None  # positions: the ledger's event roll-ups


@dataclass(frozen=True)
class ClientVerdict:
    passed: bool
    reason: str


def one_run_verdicts(
    names: list[str],
    columns: Sequence[str],
    run: Callable[[], Mapping[str, list[str]]],
    said: Mapping[str, str],
    agrees: str = "equal to the ledger",
) -> dict[str, ClientVerdict]:
    """The verdicts of the columns asked for (`names`) that one run of a client's play judges (`columns`): `run` plays
    it and answers each column's problems; a column passes without one, else its reason names the first three after
    what it played (`said`). A run that could not be made (`ClientRunError`) fails each, saying why."""
    played = [name for name in names if name in columns]
    if not played:
        return {}
    try:
        problems = run()
    except ClientRunError as exc:
        return {name: ClientVerdict(False, str(exc).splitlines()[0]) for name in played}
    found = {name: "; ".join(problems[name][:3]) or agrees for name in played}
    return {name: ClientVerdict(not problems[name], f"{said[name]}: {found[name]}") for name in played}


def read_call(dialect: Dialect, read: ReadCheck, mocks: Mocks) -> dict:
    """The read as a call of the client script's plan (scripts/kalshi/client_harness.py)."""
    served = mocks.served(read.on)
    call = {
        "id": read.id,
        "op": "call" if read.kind == "refused" else read.kind,
        "method": dialect.methods[read.endpoint],
        "args": read.args,
        "base_url": served.mock.kalshi_url,
        **served.keys[read.key].plan_fields,
    }
    if read.kind == "iterate":
        assert dialect.iterator is not None, "only a client with its own iterator iterates"
        return call | {"method": dialect.iterator, "items": "market_positions"}
    if read.kind == "pages":
        call |= walk(dialect, read.endpoint, read.args)
    return call


def walk(dialect: Dialect, endpoint: str, args: dict, items: str | list[str] = "items") -> dict:
    """A walk of a list's pages as the client's users read them: the plan's `pages` op, naming the lists a page
    holds (the dialect's, else `items`); or, for a client that walks the cursor itself (`Dialect.own_walk`), one call
    that does, drained."""
    names = dialect.lists.get(endpoint, items)
    if dialect.own_walk is None:
        return {"op": "pages", "args": args, "items": names}
    return {"op": "iterate", "args": args | dict(dialect.own_walk), "items": names}


def compact_error(message: str) -> str:
    """One line: pydantic's "N validation errors for Model" with each field and error type (they come on the
    lines after it), any other message's first line."""
    lines = message.strip().splitlines() or [""]
    found = _PYDANTIC_FIELD.findall(message)
    if "validation error" in lines[0] and found:
        return f"{lines[0]}: " + ", ".join(f"{name} ({kind})" for name, kind in found[:6])
    return lines[0][:300]


_PYDANTIC_FIELD = re.compile(r"^(\S+)\n\s+.*?\[type=(\w+)", re.MULTILINE)


def _raised(outcome: dict) -> list[str]:
    return [f"the client raised {outcome['error']['type']}: {compact_error(outcome['error']['message'])}"]


def _judge_list(dialect: Dialect, read: ReadCheck, mocks: Mocks, outcome: dict) -> tuple[list[str], str]:
    assert read.rows is not None
    served, profile = mocks.served(read.on), mocks.profile_of(read.on)
    expected = read.rows(served)
    fields = {
        "positions": dialect.market,
        "fcm_positions": dialect.market,
        "fills": dialect.fill,
        "settlements": dialect.settlement,
    }.get(read.endpoint, _TRANSFER)
    lists = outcome["lists"]
    rows = lists["market_positions"] if "market_positions" in lists else outcome["items"]
    problems = compare_rows(rows, expected, fields, profile)
    summary = _n(len(rows), "row")
    # kalshi-sdk's iterator keeps no event positions, nor does a client that walks the pages itself (pykalshi)
    if read.events is not None and read.kind == "pages" and dialect.own_walk is None:
        events = read.events(served)
        problems += compare_rows(lists["event_positions"], events, dialect.event, profile)
        summary += f" and {_n(len(events), 'event')}"
    limit = read.args.get("limit", 100)
    pages = max(1, math.ceil(len(expected) / limit))
    if outcome["pages"] != pages:
        problems.append(f"{outcome['pages']} pages where {len(expected)} rows at {limit} a page make {pages}")
    sent = [cursor for cursor in outcome["cursors"] if cursor]
    if len(sent) != len(set(sent)):
        problems.append("a cursor came twice")
    if read.endpoint in _TIME_NAMES:
        name, unit = _TIME_NAMES[read.endpoint]
        times = [_parsed(row.get(name), unit) for row in rows]
        if times != sorted(times, reverse=True):
            problems.append("not newest first")
    return problems, f"{read.id}: {summary} in {_n(outcome['pages'], 'page')}"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


_TIME_NAMES = {
    "fills": ("created_time", "time"),
    "settlements": ("settled_time", "time"),
    "deposits": ("created_ts", "unix"),
    "withdrawals": ("created_ts", "unix"),
}


def _judge_balance(dialect: Dialect, read: ReadCheck, mocks: Mocks, outcome: dict) -> tuple[list[str], str]:
    user = SAVER if read.key == "saver" else HIST
    subaccount, index = read.args.get("subaccount", 0), read.args.get("exchange_index")
    ledger = mocks.served(read.on).mock.app.ledger
    with ledger.reading():
        account = ledger.state.accounts[user]
        want = SimpleNamespace(
            balance=account.balance(subaccount, index),
            portfolio_value=portfolio_value(ledger, user, subaccount, index),
        )
        breakdown = {i: truncate(v, 4) for i, v in account.breakdown(subaccount).items()}
    fields = (*dialect.balance, ("portfolio_value", "portfolio_value", "cents"))
    problems = compare_rows([outcome["result"]], [want], fields, mocks.profile_of(read.on))
    if dialect.breakdowns:
        got = {e["exchange_index"]: Decimal(e["balance"]) for e in outcome["result"].get("balance_breakdown") or []}
        wanted = breakdown if index is None else {index: breakdown.get(index, Decimal(0))}
        if got != wanted:
            problems.append(f"balance_breakdown {got} (ledger {wanted})")
    return problems, f"{read.id}: {outcome['result']['balance']} cents"


def resting_value_by_index(ledger: Any, member: str) -> dict[int, Decimal]:
    """An FCM member's resting order value (its own and its subtraders' orders) per exchange index, from the ledger."""
    with ledger.reading():
        owners = {member, *ledger.state.accounts[member].subtraders}
        by_index: dict[int, Decimal] = {}
        for order in ledger.state.orders.values():
            if order.user_id in owners:
                by_index[order.exchange_index] = by_index.get(order.exchange_index, Decimal(0)) + order.value
    return by_index


def _judge_resting(dialect: Dialect, read: ReadCheck, mocks: Mocks, outcome: dict) -> tuple[list[str], str]:
    by_index = resting_value_by_index(mocks.served(read.on).mock.app.ledger, FCMH)
    result, problems = outcome["result"], []
    if result["total_resting_order_value"] != to_cents(sum(by_index.values(), Decimal(0))):
        problems.append(f"total {result['total_resting_order_value']} cents (ledger {sum(by_index.values())} dollars)")
    if dialect.breakdowns:
        got = {e["exchange_index"]: Decimal(e["balance"]) for e in result.get("resting_order_value_breakdown") or []}
        if got != by_index:
            problems.append(f"breakdown {got} (ledger {by_index})")
    return problems, f"{read.id}: {result['total_resting_order_value']} cents over the member and its subtraders"


def judge_read(dialect: Dialect, read: ReadCheck, mocks: Mocks, outcome: dict) -> tuple[list[str], str]:
    """(what is wrong, a short summary of what was read)."""
    if read.kind == "refused":
        if outcome["ok"] or not dialect.refused(outcome["error"], 403):
            found = "data" if outcome["ok"] else f"{outcome['error']['type']} ({outcome['error']['status']})"
            return [f"{found} instead of the client's 403 error"], ""
        return [], f"{read.id}: {outcome['error']['type']} (403)"
    misread = dialect.misreads.get(read.endpoint)
    if misread is not None:  # the client cannot read the answer: what shows its misread (misreads.py)
        problem = misread.problem(outcome)
        return ([problem], "") if problem is not None else ([], f"{read.id}: {misread.finding}")
    if not outcome["ok"]:
        return _raised(outcome), ""
    if read.kind == "call":
        return (_judge_balance if read.endpoint == "balance" else _judge_resting)(dialect, read, mocks, outcome)
    return _judge_list(dialect, read, mocks, outcome)


def verdict(dialect: Dialect, reads: list[ReadCheck], mocks: Mocks, outcomes: Mapping[str, dict]) -> ClientVerdict:
    """Pass when every read is as the ledger says; the reason lists what was read, or the first differences."""
    problems, summaries = [], []
    for read in reads:
        try:
            found, summary = judge_read(dialect, read, mocks, outcomes[read.id])
        except (KeyError, IndexError, TypeError, AttributeError, ValueError, ArithmeticError) as exc:
            # an answer of another shape than the read's judge takes fails the read, not the whole matrix
            found, summary = [f"the answer is not of the shape the judge reads: {type(exc).__name__}: {exc}"], ""
        problems += [f"{read.id}: {problem}" for problem in found]
        summaries.append(summary)
    if problems:
        return ClientVerdict(False, f"{_n(len(problems), 'problem')}: " + "; ".join(problems[:3]))
    return ClientVerdict(True, "; ".join(summaries) + "; equal to the ledger")


# -- the capabilities' reads ---------------------------------------------------------------------------------------


def usable(dialect: Dialect, reads: list[ReadCheck]) -> tuple[list[ReadCheck], list[str]]:
    """The reads the client can make, and the parameters it cannot send (their reads left out)."""
    kept, lacked = [], set()
    for read in reads:
        missing = set(read.args) & dialect.lacks_params.get(read.endpoint, frozenset())
        if missing:
            lacked |= missing
        else:
            kept.append(read)
    return kept, sorted(lacked)


def _positions(user: str, subaccount: int = 0, status: str = "unsettled", keep: Callable[[Any], bool] = lambda _: True):
    def rows(served: Seeded) -> list:
        return [row for row in ledger_rows(served, user, subaccount, status).values() if keep(row)]

    return rows


def _rollups(user: str, subaccount: int = 0, status: str = "unsettled"):
    """The ledger's own roll-up of each event the user's rows fall in."""

    def rollups(served: Seeded) -> list:
        ledger = served.mock.app.ledger
        events = sorted({row.event_ticker for row in ledger_rows(served, user, subaccount, status).values()})
        with ledger.reading():
            return [ledger.state.positions.event_rollup(user, subaccount, status, event) for event in events]

    return rollups


def _records(index: str, user: str = HIST, keep: Callable[[Any], bool] = lambda _: True):
    def records(served: Seeded) -> list:
        assert isinstance(served, HistorySeed)
        return newest_first(served, index, user, keep)

    return records


def positions_pages(dialect: Dialect, mocks: Mocks) -> list[ReadCheck]:
    reads = [ReadCheck("walk_7", "positions", {"limit": 7}, rows=_positions(TRADER), events=_rollups(TRADER))]
    if dialect.iterator:
        reads.append(ReadCheck("own_iterator", "positions", kind="iterate", rows=_positions(TRADER)))
    return reads


def filters(dialect: Dialect, mocks: Mocks) -> list[ReadCheck]:
    big, hand = mocks.positions.big_event, f"{HAND_EVENT}-C"
    first, last = mocks.history[mocks.profile].phase_windows[1]
    pair = (f"{EV_C}-M1", f"{EV_D}-M2")

    def trader(**kw: Any) -> Callable[[Seeded], list]:
        return _positions(TRADER, **kw)

    def fills_where(keep: Callable[[Any], bool]) -> Callable[[Seeded], list]:
        return _records("fill_index", keep=keep)

    return [
        ReadCheck("ticker", "positions", {"ticker": hand}, rows=trader(keep=lambda r: r.ticker == hand)),
        ReadCheck(
            "event_ticker",
            "positions",
            {"event_ticker": big, "limit": 3},
            rows=trader(keep=lambda r: r.event_ticker == big),
        ),
        ReadCheck(
            "count_filter",
            "positions",
            {"count_filter": "position", "limit": 50},
            rows=trader(keep=lambda r: r.position != 0),
        ),
        ReadCheck("settled", "positions", {"settlement_status": "settled"}, rows=trader(status="settled")),
        ReadCheck("subaccount", "positions", {"subaccount": 2, "limit": 5}, rows=trader(subaccount=2)),
        ReadCheck(
            "exchange_index",
            "positions",
            {"exchange_index": 1, "limit": 10},
            rows=trader(keep=lambda r: r.exchange_index == 1),
        ),
        ReadCheck(
            "fills_tickers",
            "fills",
            {"ticker": ",".join(pair), "limit": 4},
            "history",
            rows=fills_where(lambda f: f.ticker in pair),
        ),
        ReadCheck(
            "fills_order",
            "fills",
            {"order_id": SHARED_ORDER, "limit": 3},
            "history",
            rows=fills_where(lambda f: f.order_id == SHARED_ORDER),
        ),
        ReadCheck(
            "fills_window",
            "fills",
            {"min_ts": first - 15, "max_ts": last + 15, "limit": 6},
            "history",
            rows=fills_where(lambda f: first <= unix_seconds(f.created) <= last),
        ),
        ReadCheck(
            "fills_subaccount",
            "fills",
            {"subaccount": 3, "limit": 4},
            "history",
            rows=fills_where(lambda f: f.subaccount == 3),
        ),
        ReadCheck(
            "settlements_event",
            "settlements",
            {"event_ticker": EV_D, "limit": 1},
            "history",
            rows=_records("settlements", keep=lambda s: s.event_ticker == EV_D),
        ),
    ]


def fcm(dialect: Dialect, mocks: Mocks) -> list[ReadCheck]:
    return [
        ReadCheck(
            "bound_key",
            "fcm_positions",
            {"subtrader_id": SUB_1, "limit": 10},  # kalshi-sdk and 3.2.0 require it even of a key bound to SUB_1
            key="fcm_bound",
            rows=_positions(SUB_1),
            events=_rollups(SUB_1),
        ),
        ReadCheck(
            "member_key",
            "fcm_positions",
            {"subtrader_id": SUB_2},
            key="fcm",
            rows=_positions(SUB_2),
            events=_rollups(SUB_2),
        ),
        ReadCheck("non_member", "fcm_positions", {"subtrader_id": SUB_1}, kind="refused"),
    ]


def balance(dialect: Dialect, mocks: Mocks) -> list[ReadCheck]:
    return [
        ReadCheck("saver", "balance", on="history", key="saver", kind="call"),
        ReadCheck("saver_exchange_1", "balance", {"exchange_index": 1}, "history", key="saver", kind="call"),
        ReadCheck("saver_subaccount_5", "balance", {"subaccount": 5}, "history", key="saver", kind="call"),
        ReadCheck("trader_subaccount_3", "balance", {"subaccount": 3}, "history", kind="call"),
    ]


def fills(dialect: Dialect, mocks: Mocks) -> list[ReadCheck]:
    return [ReadCheck("fills", "fills", {"limit": 7}, "history", rows=_records("fill_index"))]


def settlements(dialect: Dialect, mocks: Mocks) -> list[ReadCheck]:
    return [ReadCheck("settlements", "settlements", {"limit": 2}, "history", rows=_records("settlements"))]


def transfers(dialect: Dialect, mocks: Mocks) -> list[ReadCheck]:
    return [
        ReadCheck("deposits", "deposits", {"limit": 3}, "history", rows=_records("deposits")),
        ReadCheck("withdrawals", "withdrawals", {"limit": 2}, "history", rows=_records("withdrawals")),
    ]


def resting_value(dialect: Dialect, mocks: Mocks) -> list[ReadCheck]:
    return [
        ReadCheck("member", "resting", on="history", key="fcm", kind="call"),
        ReadCheck("non_member", "resting", on="history", kind="refused"),
        ReadCheck("subtrader", "resting", on="history", key="fcm_sub", kind="refused"),
    ]


def profile_reads(profile: str) -> Callable[[Dialect, Mocks], list[ReadCheck]]:
    """Positions, balance, fills and settlements of the history portfolio on one wire profile (the reads the old
    official client makes), ids prefixed with the profile."""

    def reads(dialect: Dialect, mocks: Mocks) -> list[ReadCheck]:
        name = profile.replace(".", "_")
        return [
            ReadCheck(
                f"{name}_positions", "positions", {"limit": 2}, profile, rows=_positions(HIST), events=_rollups(HIST)
            ),
            ReadCheck(f"{name}_balance", "balance", on=profile, key="saver", kind="call"),
            ReadCheck(f"{name}_fills", "fills", {"limit": 10}, profile, rows=_records("fill_index")),
            ReadCheck(f"{name}_settlements", "settlements", {"limit": 2}, profile, rows=_records("settlements")),
        ]

    return reads


# capability -> its reads; the websocket check (below) and the generated responses (generated.py) run apart.
READS: dict[str, Callable[[Dialect, Mocks], list[ReadCheck]]] = {
    "positions-pages": positions_pages,
    "filters": filters,
    "fcm": fcm,
    "balance": balance,
    "fills": fills,
    "settlements": settlements,
    "transfers": transfers,
    "resting-value": resting_value,
    "legacy-profile": profile_reads("legacy"),
}


# -- websocket: a client's own websocket client, live -----------------------------------------------------------------

_WS_FILL: tuple[Field, ...] = (
    ("fill_id", "trade_id", "text"),
    ("ticker", "market_ticker", "text"),
    ("action", "action", "text"),
    ("count", "count", "count"),
    ("yes_price", "yes_price", "price"),
    ("fee", "fee_cost", "dollars"),
    ("post_position", "post_position", "count"),
)
_WS_POSITION: tuple[Field, ...] = (
    ("ticker", "market_ticker", "text"),
    ("position", "position", "count"),
    ("market_exposure", "position_cost", "dollars"),
    ("realized_pnl", "realized_pnl", "dollars"),
    ("fees_paid", "fees_paid", "dollars"),
)
WS_EVENT = "KXWSM-26DEC31"
# The fills the websocket play makes, in order: (market, side, count, price, taker). Then market A settles.
WS_FILLS = (("A", "yes", "10", "0.56", True), ("B", "no", "2.50", "0.4375", False))
WS_MESSAGES = 5  # two fills, and three positions: after each fill and after the settlement


def play_ws_changes(mock: MockServer) -> tuple[list[Any], list[Any]]:
    """Two fills (one a fractional maker NO) and a settlement for TRADER: the ledger's fills and its rows after each
    change, as the websocket's fill and market_positions messages must tell them."""
    ledger, fills, positions = mock.app.ledger, [], []
    for ticker, side, count, price, taker in WS_FILLS:
        mock.fill(TRADER, f"{WS_EVENT}-{ticker}", side, "buy", count, price, event_ticker=WS_EVENT, is_taker=taker)
        with ledger.reading():
            fills.append(ledger.state.fills[-1])
            positions.append(ledger.state.positions.get(TRADER, 0, f"{WS_EVENT}-{ticker}").snapshot())
    mock.settle(f"{WS_EVENT}-A", "yes")
    with ledger.reading():
        positions.append(ledger.state.positions.get(TRADER, 0, f"{WS_EVENT}-A").snapshot())
    return fills, positions


def ws_problems(
    got: Mapping[str, list[dict[str, Any]]],
    want: tuple[list[Any], list[Any]],
    stopped_on: str,
    names: Callable[[str], str] = lambda name: name,
) -> list[str]:
    """What differs between the fill and position messages a client parsed (`got`: each message's fields, by
    subscription) and the ledger's (`want`, as `play_ws_changes` answers), the client naming each field `names(...)`;
    and whether its script stopped for having them all (`stopped_on`: its `done` event's reason)."""
    fill_fields = tuple((attr, names(name), unit) for attr, name, unit in _WS_FILL)
    position_fields = tuple((attr, names(name), unit) for attr, name, unit in _WS_POSITION)
    problems = compare_rows(got["fills"], want[0], fill_fields, "3.34")
    problems += compare_rows(got["positions"], want[1], position_fields, "3.34")
    if len(got["fills"]) + len(got["positions"]) != WS_MESSAGES:
        problems.append(f"{len(got['fills'])} fill and {len(got['positions'])} position messages arrived of 2 and 3")
    if stopped_on != "count":
        problems.append(f"the script stopped on {stopped_on}")
    return problems


def verdict_of(problems: list[str], passed: str) -> ClientVerdict:
    """Failed with the first problems, or passed saying `passed`."""
    return ClientVerdict(False, "; ".join(problems[:3])) if problems else ClientVerdict(True, passed)


def websocket_verdict(venv: Path, work_dir: Path) -> ClientVerdict:
    """kalshi-sdk subscribes to `fill` and `market_positions` on a fresh mock; two fills (one a fractional maker NO)
    and a settlement must arrive as its typed messages, each equal to the ledger after that change."""
    with start_mock(MockServer()) as mock:
        mock.create_account(TRADER, balance_cents=10_000_000)
        key = Key.create(mock, work_dir, "ws-trader", TRADER)
        plan = {
            "subscriptions": [
                {"name": "positions", "channel": "market_positions"},
                {"name": "fills", "channel": "fill"},
            ],
            "expect": WS_MESSAGES,
        }
        with SdkWebsocketRun(venv, mock, key, plan, work_dir) as client:
            client.subscribed()
            want = play_ws_changes(mock)
            report = client.finish()
    got = {name: report.messages(name) for name in ("fills", "positions")}
    fields = {name: [message["fields"] for message in messages] for name, messages in got.items()}
    problems = ws_problems(fields, want, report.done["reason"])
    untyped = [
        m["fields"].get("market_ticker")
        for m in got["fills"] + got["positions"]
        if "Decimal" not in m["types"].values()
    ]
    if untyped:
        problems.append(f"messages without Decimal amounts: {untyped}")
    said = f"{len(got['fills'])} FillMessage and {len(got['positions'])} MarketPositionsMessage"
    return verdict_of(problems, f"{said} (two fills, a settlement) typed and equal to the ledger")
