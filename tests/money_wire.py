"""The money model (tests/money_model.py) on the wire: what each Kalshi read should answer for it, per profile, what
the mock answers over signed HTTP, and the first field where they differ, told in dollars and contracts.

The wire units are the documented ones (docs/kalshi.md, "Wire profiles"): `3.34` has `*_dollars` strings with 6
places on positions, fees and settlements and 4 on prices and balances, `*_fp` counts with 2; `legacy` has the same
fields with 4-place dollars plus integer twins (cents and whole contracts, truncated toward zero). Balances are
truncated to their 4 places; every other amount is rounded half even to the places shown.

A snapshot is nested dicts, each key a label a reader understands ("alice sub 0", "GET /portfolio/positions",
"market KX-A1"), each leaf a wire value; two snapshots are compared leaf by leaf.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import httpx
from money_model import ONE, ZERO, FillRecord, Kalshi, Row, SettlementRecord, half_even, toward_zero

Snapshot = dict[str, Any]
DRAWN_ORDER_ID = "(an order id the mock drew)"
FILL_ID = "(the fill's id, also its trade_id)"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# -- how the wire shows an amount ---------------------------------------------------------------------------------


def fixed(value: Fraction, places: int) -> str:
    """Rounded half even to `places`, written with exactly that many (never "-0.00")."""
    scaled = int(half_even(value, Fraction(1, 10**places)) * 10**places)
    sign = "-" if scaled < 0 else ""
    digits = str(abs(scaled)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def truncated(value: Fraction, places: int) -> str:
    return fixed(toward_zero(value, Fraction(1, 10**places)), places)


def cents(value: Fraction) -> int:
    return int(toward_zero(value * 100, ONE))


def whole(count: Fraction) -> int:
    return int(toward_zero(count, ONE))


def rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def unix_seconds(when: datetime) -> int:
    return int((when - _EPOCH).total_seconds() // 1)


def as_decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


# -- what the model says each read answers ---------------------------------------------------------------------------


def amounts(legacy: bool, dollars: dict[str, Fraction], contracts: dict[str, Fraction]) -> dict[str, Any]:
    """Amounts as the wire writes them: `NAME_dollars` (6 places; 4 in `legacy`) and `NAME_fp` (2), and in `legacy`
    their integer twins `NAME` (cents and whole contracts, truncated)."""
    places = 4 if legacy else 6
    served = {f"{name}_dollars": fixed(value, places) for name, value in dollars.items()}
    served |= {f"{name}_fp": fixed(value, 2) for name, value in contracts.items()}
    if legacy:
        served |= {name: cents(value) for name, value in dollars.items()}
        served |= {name: whole(value) for name, value in contracts.items()}
    return served


def market_position(model: Kalshi, user: str, subaccount: int, row: Row, legacy: bool) -> dict[str, Any]:
    served = {"ticker": row.ticker, "exchange_index": row.exchange_index, "last_updated_ts": rfc3339(row.updated)}
    served |= amounts(
        legacy,
        {"total_traded": row.total_traded, "market_exposure": row.market_exposure, "realized_pnl": row.realized_pnl,
         "fees_paid": row.fees_paid},
        {"position": row.position},
    )  # fmt: skip
    if legacy:
        served["resting_orders_count"] = model.resting_orders_count(user, subaccount, row.ticker)
    return served


def event_position(event_ticker: str, rows: list[Row], legacy: bool) -> dict[str, Any]:
    """An event's roll-up: the sums of its listed rows."""

    def total(name: str) -> Fraction:
        return sum((getattr(row, name) for row in rows), ZERO)

    return {"event_ticker": event_ticker} | amounts(
        legacy,
        {"total_cost": total("total_traded"), "event_exposure": total("market_exposure"),
         "realized_pnl": total("realized_pnl"), "fees_paid": total("fees_paid")},
        {"total_cost_shares": total("volume")},
    )  # fmt: skip


def positions(model: Kalshi, user: str, subaccount: int, legacy: bool) -> Snapshot:
    """Every page walked: the rows (settled ones too, but for `legacy`, which lists unsettled rows only) and each
    event's roll-up once."""
    rows = [row for row in model.rows_of(user, subaccount) if not (legacy and row.settled)]
    found: Snapshot = {"markets, in order": [row.ticker for row in rows]}
    for row in rows:
        found[f"market {row.ticker}"] = market_position(model, user, subaccount, row, legacy)
    events = sorted({row.event_ticker for row in rows})
    found["events, in order"] = events
    for event in events:
        found[f"event {event}"] = event_position(event, [row for row in rows if row.event_ticker == event], legacy)
    return found


def balance(model: Kalshi, user: str, subaccount: int) -> Snapshot:
    cash = model.cash(user, subaccount)
    total = sum(cash.values(), ZERO)
    return {
        "balance": cents(total),
        "balance_dollars": truncated(total, 4),
        "portfolio_value": cents(model.portfolio_value(user, subaccount)),
        "updated_ts": unix_seconds(model.updated(user, subaccount)),
        "balance_breakdown": [{"exchange_index": i, "balance": truncated(v, 4)} for i, v in cash.items()],
    }


def fill_row(fill: FillRecord, legacy: bool) -> dict[str, Any]:
    outcome = "yes" if (fill.side == "yes") == (fill.action == "buy") else "no"
    served = {
        "fill_id": FILL_ID,
        "trade_id": FILL_ID,
        "order_id": fill.order_id or DRAWN_ORDER_ID,
        "ticker": fill.ticker,
        "market_ticker": fill.ticker,
        "exchange_index": fill.exchange_index,
        "side": fill.side,
        "action": fill.action,
        "outcome_side": outcome,
        "book_side": "bid" if outcome == "yes" else "ask",
        "count_fp": fixed(fill.count, 2),
        "yes_price_dollars": fixed(fill.yes_price, 4),
        "no_price_dollars": fixed(1 - fill.yes_price, 4),
        "is_taker": fill.is_taker,
        "fee_cost": fixed(fill.fee, 4 if legacy else 6),
        "created_time": rfc3339(fill.time),
        "ts": unix_seconds(fill.time),
        "subaccount_number": fill.subaccount,
    }
    if legacy:
        served |= {
            "count": whole(fill.count),
            "price": as_decimal(fill.price),
            "yes_price": cents(fill.yes_price),
            "no_price": cents(1 - fill.yes_price),
            "yes_price_fixed": fixed(fill.yes_price, 4),
            "no_price_fixed": fixed(1 - fill.yes_price, 4),
        }
    return served


def settlement_row(record: SettlementRecord, legacy: bool) -> dict[str, Any]:
    served = {
        "ticker": record.ticker,
        "exchange_index": record.exchange_index,
        "event_ticker": record.event_ticker,
        "market_result": record.market_result,
        "revenue": cents(record.revenue),
        "settled_time": rfc3339(record.time),
        "fee_cost": fixed(record.fee_cost, 4 if legacy else 6),
        "value": 100 if record.market_result == "yes" else 0,
    }
    return served | amounts(
        legacy,
        {"yes_total_cost": record.yes_total_cost, "no_total_cost": record.no_total_cost},
        {"yes_count": record.yes_count, "no_count": record.no_count},
    )


def pnl(model: Kalshi, user: str, subaccount: int) -> Snapshot:
    """The admin P&L view: per market, each fill's and settlement's count and realized P&L after it."""
    found: Snapshot = {}
    for row in model.rows_of(user, subaccount):
        if row.points:
            found[f"market {row.ticker}"] = [
                {"time": point.time.isoformat(), "position": as_decimal(point.position),
                 "realized_pnl": as_decimal(point.realized_pnl), "kind": point.kind}
                for point in row.points
            ]  # fmt: skip
    return found


def expected(model: Kalshi, users: list[str], subaccounts: range, legacy: bool) -> Snapshot:
    """Every read the differential tests make, as the model says the mock answers it."""
    snapshot: Snapshot = {}
    for user in users:
        fills = [fill for fill in reversed(model.fills) if fill.user == user]  # newest first
        snapshot[user] = {"GET /portfolio/fills": numbered(fill_row(fill, legacy) for fill in fills)}
        for sub in subaccounts:
            settled = [s for s in reversed(model.settlements) if (s.user, s.subaccount) == (user, sub)]
            snapshot[f"{user} sub {sub}"] = {
                "GET /portfolio/positions": positions(model, user, sub, legacy),
                "GET /portfolio/balance": balance(model, user, sub),
                "GET /portfolio/settlements": numbered(settlement_row(s, legacy) for s in settled),
                "GET /_admin/accounts (pnl)": pnl(model, user, sub),
            }
    return snapshot


def numbered(rows: Iterator[dict[str, Any]]) -> Snapshot:
    """A list as labelled rows (`1 (newest)`, `2`, ...) plus its length."""
    found: Snapshot = {}
    for i, row in enumerate(rows, 1):
        found[f"#{i}{' (newest)' if i == 1 else ''} {row['ticker']}"] = row
    return {"rows": len(found), **found}


# -- what the mock answers ------------------------------------------------------------------------------------------


def get(client: httpx.Client, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, f"GET {path} {params}: {response.status_code} {response.text}"
    return json.loads(response.text, parse_float=Decimal)


def walk(client: httpx.Client, path: str, key: str, page: int, **params: Any) -> Iterator[dict[str, Any]]:
    """Every page's `key` list (and `event_positions`, for positions), until the cursor is empty."""
    cursor = None
    for _ in range(10_000):
        body = get(client, path, limit=page, **params, **({"cursor": cursor} if cursor else {}))
        yield body
        cursor = body["cursor"]
        if not cursor:
            return
    raise AssertionError(f"GET {path} never ended its pages")


def served_positions(client: httpx.Client, subaccount: int, page: int) -> Snapshot:
    rows, events = [], []
    for body in walk(client, "/portfolio/positions", "market_positions", page, subaccount=subaccount,
                     settlement_status="all"):  # fmt: skip
        rows += body["market_positions"]
        events += body["event_positions"]
    found: Snapshot = {"markets, in order": [row["ticker"] for row in rows]}
    found |= {f"market {row['ticker']}": row for row in rows}
    found["events, in order"] = [event["event_ticker"] for event in events]
    found |= {f"event {event['event_ticker']}": event for event in events}
    return found


def served_list(client: httpx.Client, path: str, key: str, page: int, **params: Any) -> Snapshot:
    rows = [row for body in walk(client, path, key, page, **params) for row in body[key]]
    return numbered(iter(rows))


def served_pnl(admin: httpx.Client, user: str, subaccount: int) -> Snapshot:
    response = admin.get(f"/_admin/accounts/{user}", params={"subaccount": subaccount})
    assert response.status_code == 200, response.text
    view = json.loads(response.text)["kalshi"]["pnl"]
    assert view["complete"] is True, view
    return {
        f"market {market['market']}": [
            {**point, "position": Decimal(point["position"]), "realized_pnl": Decimal(point["realized_pnl"])}
            for point in market["points"]
        ]
        for market in view["markets"]
    }


def served(admin: httpx.Client, clients: dict[str, httpx.Client], subaccounts: range, page: int) -> Snapshot:
    """Every read, over signed HTTP (`admin`: a client of the admin API, for the P&L view)."""
    snapshot: Snapshot = {}
    for user, client in clients.items():
        snapshot[user] = {"GET /portfolio/fills": served_list(client, "/portfolio/fills", "fills", page)}
        for sub in subaccounts:
            snapshot[f"{user} sub {sub}"] = {
                "GET /portfolio/positions": served_positions(client, sub, page),
                "GET /portfolio/balance": get(client, "/portfolio/balance", subaccount=sub),
                "GET /portfolio/settlements": served_list(
                    client, "/portfolio/settlements", "settlements", page, subaccount=sub
                ),
                "GET /_admin/accounts (pnl)": served_pnl(admin, user, sub),
            }
    return snapshot


_GIVEN_ORDER_ID = re.compile(r"^order-\d+$")  # the ids the tests give; any other was drawn by the mock


def ids_as_the_model_knows_them(snapshot: Snapshot) -> Snapshot:
    """The mock's drawn ids as placeholders (a fill's `trade_id` must be its `fill_id`)."""
    for user_reads in snapshot.values():
        for row in user_reads.get("GET /portfolio/fills", {}).values():
            if isinstance(row, dict):
                if row.get("fill_id") == row.get("trade_id") and row.get("fill_id"):
                    row["fill_id"] = row["trade_id"] = FILL_ID
                if not _GIVEN_ORDER_ID.match(str(row.get("order_id"))):
                    row["order_id"] = DRAWN_ORDER_ID
    return snapshot


def ids_in_order_drawn(snapshot: Any, seen: dict[str, str] | None = None) -> Any:
    """Each drawn id as `id#N`, N in order of first appearance: two runs of one script then read the same."""
    seen = {} if seen is None else seen
    if isinstance(snapshot, dict):
        return {key: ids_in_order_drawn(value, seen) if key not in _ID_FIELDS else _renamed(value, seen)
                for key, value in snapshot.items()}  # fmt: skip
    if isinstance(snapshot, list):
        return [ids_in_order_drawn(value, seen) for value in snapshot]
    return snapshot


_ID_FIELDS = {"fill_id", "trade_id", "order_id"}


def _renamed(value: Any, seen: dict[str, str]) -> Any:
    if not isinstance(value, str) or _GIVEN_ORDER_ID.match(value):
        return value
    return seen.setdefault(value, f"id#{len(seen) + 1}")


# -- where two snapshots differ, in words -------------------------------------------------------------------------

_CENTS = {
    "total_traded", "market_exposure", "realized_pnl", "fees_paid", "total_cost", "event_exposure", "yes_total_cost",
    "no_total_cost", "yes_price", "no_price", "balance", "portfolio_value", "revenue", "value",
}  # fmt: skip
_CONTRACTS = {"position", "total_cost_shares", "count", "yes_count", "no_count", "resting_orders_count"}


def unit(path: tuple[str, ...]) -> str:
    """What a leaf counts, from its field's name (the admin P&L view's amounts are dollars and contracts)."""
    name = path[-1] if path else ""
    if name.endswith("_dollars") or name in {"fee_cost", "price", "balance_dollars"}:
        return " dollars"
    if any("pnl" in part for part in path) and name in {"realized_pnl", "position"}:
        return " dollars" if name == "realized_pnl" else " contracts"
    if name.endswith("_fp") or name in _CONTRACTS:
        return " contracts"
    if name in _CENTS:
        return " cents"
    if name == "balance" and "balance_breakdown" in path:
        return " dollars"
    return ""


def first_difference(want: Any, got: Any, path: tuple[str, ...] = ()) -> tuple[tuple[str, ...], Any, Any] | None:
    """The first leaf (in the order `want` lists them) where `got` differs: its path and both values."""
    if isinstance(want, dict) and isinstance(got, dict):
        for key in [*want, *(k for k in got if k not in want)]:
            if key not in got or key not in want:
                return (*path, str(key)), want.get(key, ABSENT), got.get(key, ABSENT)
            found = first_difference(want[key], got[key], (*path, str(key)))
            if found:
                return found
        return None
    if isinstance(want, list) and isinstance(got, list) and all(isinstance(v, dict) for v in want + got):
        if len(want) != len(got):
            return (*path, "number of items"), len(want), len(got)
        for i, (a, b) in enumerate(zip(want, got, strict=True)):
            found = first_difference(a, b, (*path, f"[{i}]"))
            if found:
                return found
        return None
    if want != got or type(want) is not type(got):
        return path, want, got
    return None


ABSENT = "(absent)"


def describe(difference: tuple[tuple[str, ...], Any, Any], want_is: str, got_is: str) -> str:
    path, want, got = difference
    shown = unit(path)
    return (
        f"first difference: {' > '.join(path)}\n"
        f"  {want_is}: {want}{shown if want != ABSENT and not isinstance(want, list) else ''}\n"
        f"  {got_is}: {got}{shown if got != ABSENT and not isinstance(got, list) else ''}"
    )
