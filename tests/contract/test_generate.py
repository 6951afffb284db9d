"""The response generator: every body it makes is valid against the committed slice, the stress profiles actually
stress (empty and long lists, absent fields, extreme amounts, unusual strings, nulls, odd pages), a (seed, n) pair
always gives the same body, and cursor chains end."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import orjson
import pytest

from mockexchange.contract.kalshi.slicing import KALSHI_OPERATIONS, KALSHI_WRITES
from mockexchange.schema.fields import response_errors
from mockexchange.schema.refs import operations_by_id
from mockexchange.venues.kalshi.generate import (
    LONG_ROWS,
    PROFILES,
    GeneratedCursorError,
    encode_cursor,
    generate,
    generate_response,
    kalshi_document,
    profiles_for,
)
from mockexchange.venues.kalshi.table import OPERATIONS

# The operations the generated mode answers (the account and key routes answer from the ledger in every mode).
LEDGER_ANSWERED = {op.operation_id for op in OPERATIONS if not op.generated}
GENERATED = [op for op in KALSHI_OPERATIONS if op not in LEDGER_ANSWERED and op not in KALSHI_WRITES]
SEEDS = range(60)
# The stress test's seeds: every stress it looks for is met within the first 20 (the bodies are a function of the
# seed), and 30 leave room for a generator that draws them a little less often.
STRESS_SEEDS = 30
QUERIES: tuple[dict[str, str], ...] = ({}, {"limit": "1000"})
LISTS = {
    "GetPositions": "market_positions",
    "GetFCMPositions": "market_positions",
    "GetSettlements": "settlements",
    "GetFills": "fills",
    "GetDeposits": "deposits",
    "GetWithdrawals": "withdrawals",
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return kalshi_document()


def bodies(
    document: dict[str, Any], operation_id: str, wire_profile: str = "3.34", seeds: int = len(SEEDS)
) -> list[tuple[str, Any]]:
    """(profile, body as the wire carries it) for the first `seeds` seeds, two request numbers and two queries."""
    return _bodies(operation_id, wire_profile, seeds)


# Made once per module run, seed by seed as far as a test asks: the validity and the stress tests read the same bodies.
_MADE: dict[tuple[str, str], list[tuple[str, Any]]] = {}
PER_SEED = 2 * len(QUERIES)


def _bodies(operation_id: str, wire_profile: str, seeds: int) -> list[tuple[str, Any]]:
    document = kalshi_document()
    made = _MADE.setdefault((operation_id, wire_profile), [])
    for seed in SEEDS[len(made) // PER_SEED : seeds]:
        for n in range(2):
            for query in QUERIES:
                generated = generate(document, operation_id, seed, n, query, wire_profile)
                made.append((generated.profile, orjson.loads(orjson.dumps(generated.body))))
    return made[: seeds * PER_SEED]


def errors(document: dict[str, Any], operation_id: str, body: Any) -> list[str]:
    method, path, _ = operations_by_id(document)[operation_id]
    return response_errors(document, path, method, 200, body)


@pytest.mark.slow
@pytest.mark.parametrize("operation_id", GENERATED)
def test_every_generated_body_is_valid_against_the_slice(document: dict[str, Any], operation_id: str) -> None:
    seen: set[str] = set()
    for profile, body in bodies(document, operation_id):
        seen.add(profile)
        assert errors(document, operation_id, body) == [], (operation_id, profile, body)
    assert seen == set(profiles_for(document, operation_id))  # every profile that applies was met


@pytest.mark.slow
@pytest.mark.parametrize("operation_id", ["GetPositions", "GetFills", "GetSettlements"])
def test_legacy_bodies_are_valid_and_carry_the_integer_twins(document: dict[str, Any], operation_id: str) -> None:
    twins = {"GetPositions": "position", "GetFills": "count", "GetSettlements": "yes_count"}[operation_id]
    rows = 0
    for profile, body in bodies(document, operation_id, "legacy"):
        assert errors(document, operation_id, body) == [], (profile, body)
        for row in body[LISTS[operation_id]]:
            assert isinstance(row[twins], int)
            rows += 1
    assert rows > 100


def test_the_profiles_stress_what_they_say(document: dict[str, Any]) -> None:
    found: dict[str, bool] = dict.fromkeys(
        (
            "empty list", "list over 100 rows", "absent optional field", "absent cursor", "null",
            "dollars with 0 places", "price with 6 places", "count of 0.01", "cents past int32", "non-ASCII ticker",
            "ticker over 100 chars", "9 fractional digits", "no fractional digits", "short page with a cursor",
            "empty page with a cursor",
        ),
        False,
    )  # fmt: skip
    for operation_id, list_name in LISTS.items():
        for _, body in bodies(document, operation_id, seeds=STRESS_SEEDS):
            rows = body[list_name]
            found["empty list"] |= rows == []
            found["list over 100 rows"] |= len(rows) > 100
            found["absent cursor"] |= "cursor" not in body
            found["short page with a cursor"] |= bool(body.get("cursor")) and 0 < len(rows) < 100
            found["empty page with a cursor"] |= bool(body.get("cursor")) and rows == []
            for row in rows:
                found["absent optional field"] |= operation_id == "GetFills" and "created_time" not in row
                found["null"] |= None in row.values()
                for name, value in row.items():
                    if name.endswith("_dollars") or name == "fee_cost":
                        found["dollars with 0 places"] |= "." not in value
                        found["price with 6 places"] |= "price" in name and len(value.split(".")[-1]) == 6
                    if name.endswith("_fp"):
                        assert re.fullmatch(r"-?\d+\.\d\d", value), value  # counts always have 2 places
                        found["count of 0.01"] |= value == "0.01"
                    if name in ("ticker", "market_ticker"):
                        found["non-ASCII ticker"] |= not value.isascii()
                        found["ticker over 100 chars"] |= len(value) > 100
                    if name in ("created_time", "settled_time", "last_updated_ts"):
                        found["9 fractional digits"] |= bool(re.search(r"\.\d{9}Z$", value))
                        found["no fractional digits"] |= bool(re.search(r":\d\dZ$", value))
    for _, body in bodies(document, "GetBalance", seeds=STRESS_SEEDS):
        found["cents past int32"] |= body["balance"] > 2**31 or body["portfolio_value"] > 2**31
    assert [what for what, seen in found.items() if not seen] == []


@pytest.mark.parametrize("operation_id", GENERATED)
def test_no_body_holds_a_float(document: dict[str, Any], operation_id: str) -> None:
    def floats(node: Any) -> bool:
        if isinstance(node, dict):
            return any(floats(v) for v in node.values())
        if isinstance(node, list):
            return any(floats(v) for v in node)
        return isinstance(node, float)

    for seed in range(20):
        assert not floats(generate_response(document, operation_id, seed, 0, {"limit": "50"}))


@pytest.mark.parametrize("operation_id", GENERATED)
def test_a_seed_and_request_number_give_the_same_body(document: dict[str, Any], operation_id: str) -> None:
    for seed in range(10):
        first = generate_response(document, operation_id, seed, 3, {"limit": "20"})
        assert orjson.dumps(first) == orjson.dumps(generate_response(document, operation_id, seed, 3, {"limit": "20"}))
    different = {orjson.dumps(generate_response(document, operation_id, seed, 0)) for seed in range(10)}
    assert len(different) > 5


def test_pages_never_hold_more_rows_than_the_limit(document: dict[str, Any]) -> None:
    for operation_id, list_name in LISTS.items():
        for seed in range(40):
            for limit in (1, 7):
                body = generate_response(document, operation_id, seed, 0, {"limit": str(limit)})
                assert len(body[list_name]) <= limit
    long = [generate(document, "GetFills", seed, 0, {"limit": "1000"}) for seed in range(16)]
    assert {len(g.body["fills"]) for g in long if g.profile == "long"} == {LONG_ROWS}


@pytest.mark.parametrize("operation_id", list(LISTS))
def test_cursor_chains_end_and_go_on_in_order(document: dict[str, Any], operation_id: str) -> None:
    list_name = LISTS[operation_id]
    for seed in range(30):
        query = {"limit": "40"}
        body = generate_response(document, operation_id, seed, 0, query)
        pages, cursors, rows = [body], set(), list(body[list_name])
        while body.get("cursor"):
            assert body["cursor"] not in cursors
            cursors.add(body["cursor"])
            # the request number of a continuation does not matter: the cursor names the chain
            body = generate_response(document, operation_id, seed, 99 + len(pages), {**query, "cursor": body["cursor"]})
            assert errors(document, operation_id, body) == []
            pages.append(body)
            rows += body[list_name]
        assert len(pages) <= 6
        if operation_id in ("GetPositions", "GetFCMPositions", "GetSettlements"):
            tickers = [row["ticker"] for row in rows]
            assert len(tickers) == len(set(tickers))  # a market once along a chain
        if operation_id == "GetFills":
            times = [row["ts"] for row in rows if "ts" in row]
            assert times == sorted(times, reverse=True)  # newest first, page after page


def test_cursors_that_are_not_the_generators_are_refused(document: dict[str, Any]) -> None:
    with pytest.raises(GeneratedCursorError, match="not one"):
        generate(document, "GetFills", 1, 0, {"cursor": "garbage!"})
    with pytest.raises(GeneratedCursorError, match="issued by GetDeposits"):
        generate(document, "GetFills", 1, 0, {"cursor": encode_cursor(1, "GetDeposits", 0, 1)})
    with pytest.raises(GeneratedCursorError, match="past the end"):
        generate(document, "GetFills", 1, 0, {"cursor": encode_cursor(1, "GetFills", 0, 40)})


def test_query_filters_are_honoured(document: dict[str, Any]) -> None:
    for seed in range(24):
        fills = generate_response(
            document, "GetFills", seed, 0,
            {"ticker": "KXA-1,KXB-2", "order_id": "o-1", "subaccount": "2", "exchange_index": "1",
             "min_ts": "1720000000", "max_ts": "1730000000"},
        )["fills"]  # fmt: skip
        for fill in fills:
            assert fill["ticker"] in ("KXA-1", "KXB-2") and fill["exchange_index"] == 1 and fill["order_id"] == "o-1"
            assert fill.get("subaccount_number", 2) == 2 and 1720000000 <= fill.get("ts", 1720000000) <= 1730000000
        positions = generate_response(document, "GetPositions", seed, 0, {"event_ticker": "KXEV-26", "limit": "9"})
        assert all(r["ticker"].startswith("KXEV-26-") for r in positions["market_positions"])
        assert {e["event_ticker"] for e in positions["event_positions"]} <= {"KXEV-26"}
        one = generate_response(document, "GetSettlements", seed, 0, {"ticker": "KXEV-26-T1"})["settlements"]
        assert [s["ticker"] for s in one] in ([], ["KXEV-26-T1"])
        balance = generate_response(document, "GetBalance", seed, 0, {"exchange_index": "1"})
        assert [b["exchange_index"] for b in balance.get("balance_breakdown", [{"exchange_index": 1}])] in ([], [1])


def test_fields_that_say_the_same_thing_agree(document: dict[str, Any]) -> None:
    for seed in range(30):
        body = generate_response(document, "GetFills", seed, 0, {"limit": "30"})
        for fill in body["fills"]:
            assert fill["trade_id"] == fill["fill_id"] and fill["market_ticker"] == fill["ticker"]
            assert Decimal(fill["yes_price_dollars"]) + Decimal(fill["no_price_dollars"]) == 1
            assert fill["book_side"] == ("bid" if fill["outcome_side"] == "yes" else "ask")
        positions = generate_response(document, "GetPositions", seed, 0, {"limit": "30"})
        events = [e["event_ticker"] for e in positions["event_positions"]]
        assert len(events) == len(set(events))
        assert all(any(r["ticker"].startswith(e + "-") for r in positions["market_positions"]) for e in events)
        balance = generate_response(document, "GetBalance", seed, 0)
        assert balance["balance"] == int(Decimal(balance["balance_dollars"]) * 100)


def test_consecutive_seeds_meet_every_profile_on_the_first_request(document: dict[str, Any]) -> None:
    for operation_id in GENERATED:
        applicable = profiles_for(document, operation_id)
        assert set(applicable) <= set(PROFILES) and "typical" in applicable
        met = {generate(document, operation_id, seed, 0).profile for seed in range(100, 100 + len(applicable))}
        assert met == set(applicable)
