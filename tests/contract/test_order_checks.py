"""The kit's order checks can fail: each defect of `broken_orders.py` is reported, in the pytest suite's runner
(in-process) and by `contract check`, which places orders and makes order groups only when an order or group write is
asked for (`--orders`); the mock passes (its every order and group write also runs in
contracts/kalshi/test_mock_writes.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kit_commands
import plain_http
import pytest
from broken_orders import BrokenOrders
from broken_server import serving_through
from schemathesis.core.failures import FailureGroup

from mockexchange.app import build_app
from mockexchange.contract.kalshi import suite
from mockexchange.contract.kalshi.account import (
    GROUPS_TO_DELETE,
    KEY_ID,
    ORDER_GROUPS,
    ORDER_MARKETS,
    seed,
    seed_orders,
    seed_writes,
    signer,
    values,
)
from mockexchange.contract.kalshi.orders import KIT_GROUPS, RESTING_ORDERS
from mockexchange.schema.write_rules import GROUP_WRITES

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

EXAMPLES = 15
SEED = "20260103"
# `contract check`'s examples per operation: what it places, makes and fails is decided before any case is drawn, or
# shows in the coverage phase's cases (a price of each wrong kind), which do not depend on the number; each write's
# judgement on many drawn bodies is the in-process runs' above (and contracts/kalshi/test_mock_writes.py's).
CHECK_EXAMPLES = "3"


def _failures(operation_id: str, defect: str, examples: int = EXAMPLES) -> list[Any]:
    mock = build_app()
    seed(mock.control)
    seed_writes(mock.control)
    orders = seed_orders(mock.control)
    schema = suite.load_schema(
        signer(), app=BrokenOrders(mock.asgi, defect), operations=[operation_id], account=values(**orders)
    )
    with pytest.raises(FailureGroup) as raised:
        suite.run_operations(schema, max_examples=examples, drawn_from=int(SEED))
    return list(raised.value.exceptions)


def test_a_create_answered_in_the_wrong_shape_fails() -> None:
    found = {f.code: f for f in _failures("CreateOrderV2", "create_shape")}
    assert "ST108" in found and 'is not of type "string"' in found["ST108"].message, found  # the response schema
    assert "Schema at /components/schemas/FixedPointCount" in found["ST108"].message


def test_a_create_answered_500_fails() -> None:
    assert "ST101" in {f.code for f in _failures("CreateOrderV2", "create_500")}  # server error


def test_a_server_that_takes_an_invalid_price_fails() -> None:
    # about one case in ten of invalid data breaks the price (the others another field): 100 of them
    accepted = [f for f in _failures("CreateOrderV2", "takes_bad_price", examples=100) if f.code == "ST201"]
    assert accepted and "price" in accepted[0].message, accepted


def test_a_cancel_refused_as_not_found_while_the_order_rests_fails() -> None:
    refused = [f for f in _failures("CancelOrderV2", "cancel_not_found") if f.code == "ST202"]
    assert refused, refused
    assert re.search(r"404 `not_found` \(an order that no longer rests.*\), but order \S+ rests in subaccount 0",
                     refused[0].message), refused[0].message  # fmt: skip


def test_a_trigger_refused_as_not_found_while_the_group_is_there_fails() -> None:
    refused = [f for f in _failures("TriggerOrderGroup", "trigger_not_found") if f.code == "ST202"]
    assert refused, refused
    assert re.search(r"404 `not_found` \(a group the account does not have there.*\), but order group \S+ is the "
                     r"account's in subaccount 0 on exchange index 0 \(GetOrderGroup says so\)",
                     refused[0].message), refused[0].message  # fmt: skip


# -- `contract check`: orders and groups only when asked -----------------------------------------------------------


@pytest.fixture(scope="module")
def pem(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return kit_commands.contract_pem(tmp_path_factory.mktemp("keys"))


def _check_groups(pem: Path, *arguments: str) -> tuple[int, str, list[dict[str, Any]], list[dict[str, Any]]]:
    """`contract check` of the mock seeded for the writes: its exit status, its output, and the account's order
    groups (GET /portfolio/order_groups, as a client reads them) before and after it."""
    with serving_through(lambda app: app) as server:
        seed(server)
        seed_writes(server)

        def groups() -> list[dict[str, Any]]:
            path = "/trade-api/v2/portfolio/order_groups"
            answer = plain_http.get(
                server.kalshi_url + "/portfolio/order_groups", headers=signer().headers("GET", path)
            )
            assert answer.status_code == 200, answer.text
            return answer.json()["order_groups"]

        before = groups()
        result = kit_commands.check_here(server.kalshi_url, KEY_ID, pem, "--seed", SEED, "--max-examples",
                                         CHECK_EXAMPLES, *arguments)  # fmt: skip
        return result.returncode, result.stdout + result.stderr, before, groups()


def test_contract_check_places_orders_only_when_asked_and_passes_the_mock(pem: Path) -> None:
    # (nothing placed or made is decided before any case is drawn: the fuzzing phase alone)
    status, out, before, after = _check_groups(pem, "--operation", "GetOrders", "--operation", "GetOrder", "--phases",
                                               "fuzzing")  # fmt: skip
    assert status == 0, out[-4000:]
    assert re.search(r"orders \(for the order operations\): 1 of the account's; drawn on 11 open market", out), out
    # nothing placed, no group made: only the seeded resting order is read, the seeded groups are all there are
    assert "the kit placed" not in out and "the kit made" not in out
    assert after == before and {g["id"] for g in after} == set(ORDER_GROUPS + GROUPS_TO_DELETE), after
    status, out, before, after = _check_groups(pem, "--operation", "GetOrder", "--orders")
    assert status == 0, out[-4000:]
    assert f"the kit placed {RESTING_ORDERS} resting bids of 100 at $0.01 on {ORDER_MARKETS[0]}" in out, out[:3000]
    made = f"the kit made {2 * KIT_GROUPS} order groups of 1,000,000 contracts ({KIT_GROUPS} to delete)"
    assert made in out, out[:3000]
    assert all(op in out.split("\n", 1)[0] for op in ("CreateOrderV2", "CancelAllOrders", *GROUP_WRITES)), out[:500]
    # the kit's groups and those CreateOrderGroup made are there (those made to delete are not); the seeded untouched
    assert len(after) > len(before) + KIT_GROUPS and all(g in after for g in before), (before, after)


def test_contract_check_fails_a_server_that_takes_an_invalid_price_and_one_that_refuses_a_trigger(pem: Path) -> None:
    # One run of a server with both defects, on different routes, of the two writes they break; its summary is read
    # for each. (That `--orders` runs every order and group write, and places and makes what they need, the clean run
    # above shows; naming a write makes the kit place and make the same.)
    status, out = kit_commands.check_seeded(
        lambda app: BrokenOrders(app, "takes_bad_price", "trigger_not_found"), pem, "--seed", SEED, "--max-examples",
        CHECK_EXAMPLES, "--operation", "CreateOrderV2", "--operation", "TriggerOrderGroup",
    )  # fmt: skip
    assert status == 1, out[-4000:]
    summary = out[out.index("violation(s) in") :]
    create = _section(summary, "POST /portfolio/events/orders")
    assert "ST201" in create, summary
    trigger = _section(summary, "PUT /portfolio/order_groups/{order_group_id}/trigger")
    assert "ST202" in trigger and "(GetOrderGroup says so)" in trigger, summary


def _section(summary: str, operation: str) -> str:
    """The lines our summary gives one operation (up to the next operation's)."""
    rest = summary[summary.index(f"  {operation}") + len(operation) + 2 :]
    found = re.search(r"^  (GET|POST|PUT|DELETE) /", rest, re.MULTILINE)
    return rest[: found.start()] if found else rest
