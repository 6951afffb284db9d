"""`mockexchange contract check-perps`: call a Kalshi perps server's operations, signed with a Kalshi key, and judge
every answer against the committed OpenAPI slice (mockexchange/schema/perps/openapi.yaml), naming each field that
breaks it.

Each operation the mock serves (`registry.perps.KIT`) gets one call, its path and required query parameters filled
from what the server lists (the first market, the account's first order). The answer's status must be one the
operation documents and its body the schema of that status; an operation answered 404 on every call is `not served`,
a verdict, not a failure. Only reads are sent unless asked: `--orders` also places a resting bid of the kit's own at
the market's lowest price, reads, amends and decreases it, sets an exit trigger anchored to it (a stop-loss at the
lowest price), updates and cancels it by id, cancels the position's cross triggers, sets and cancels an isolated
stop-loss at that price (a position's: refused without one), cancels the order, then makes an order group of its own,
reads it, changes its limit, triggers, resets and deletes it; the other writes (CancelAllMarginOrders, subaccounts,
FCM) run only when named.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from mockexchange.contract.kalshi.slicing import parsed_once
from mockexchange.contract.verdicts import CallVerdict
from mockexchange.registry.perps import KIT
from mockexchange.schema.fields import response_errors
from mockexchange.schema.refs import operations_by_id, resolve
from mockexchange.schema.specs import SpecError, perps_slice_path
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

EXIT_OK = 0
EXIT_VIOLATIONS = 1  # a check failed
EXIT_USAGE = 2  # an unreadable key or slice, a bad option
EXIT_UNREACHABLE = 3  # nothing answered
EXIT_REFUSED = 4  # the key was refused
TIMEOUT = httpx.Timeout(10.0, connect=3.0)
# The writes `--orders` runs on the kit's own order and order group, in this order; the others run only when named.
ORDER_WRITES = ("CreateMarginOrder", "AmendMarginOrder", "DecreaseMarginOrder", "SetCrossMarginExitTrigger",
                "UpdateCrossMarginExitTrigger", "DeleteCrossMarginExitTriggerById", "DeleteCrossMarginExitTrigger",
                "SetIsolatedMarginExitTrigger", "DeleteIsolatedMarginExitTrigger", "CancelMarginOrder",
                "CreateMarginOrderGroup", "UpdateMarginOrderGroupLimit", "TriggerMarginOrderGroup",
                "ResetMarginOrderGroup", "DeleteMarginOrderGroup")  # fmt: skip
# What a write makes that the writes after it address: its answer's field, and the parameter it fills
MADE = {"CreateMarginOrder": ("order_id", "order_id"), "CreateMarginOrderGroup": ("order_group_id", "order_group_id"),
        "SetCrossMarginExitTrigger": ("id", "trigger_id")}  # fmt: skip
# The calls after the reads, in this order: the kit's group is read once made
SEQUENCE = ORDER_WRITES[:11] + ("GetMarginOrderGroup",) + ORDER_WRITES[11:] + ("CancelAllMarginOrders",)


def add_command(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "check-perps",
        help="check a Kalshi perps server against the perps OpenAPI slice (reads, and order writes if asked)",
        description="Call each perps operation the mock serves and judge every answer against the slice.",
    )
    p.add_argument("--base-url", required=True, help="the API root, e.g. https://demo-api.kalshi.co/trade-api/v2")
    p.add_argument("--key-id", required=True, help="the API key id")
    p.add_argument("--private-key", required=True, type=Path, metavar="PEM", help="the key's private key PEM file")
    p.add_argument(
        "--operation", action="append", choices=KIT.operations, metavar="OPERATION_ID",
        help="check only these operations (repeatable; default every read, and with --orders the order writes)",
    )  # fmt: skip
    p.add_argument(
        "--orders", action="store_true",
        help="also place, amend, decrease and cancel an order of the kit's, and make, change and delete a group of its",
    )  # fmt: skip
    p.add_argument("--ticker", help="the market to ask about (default: the first listed)")
    p.set_defaults(func=run)


class KeyRefused(Exception):
    """The server refused the key (401)."""


def run(args: argparse.Namespace) -> int:
    try:
        signer = KalshiSigner.from_pem_file(args.key_id, args.private_key)
        perps_slice_path("openapi.yaml")
    except (ValueError, SpecError) as exc:
        print(f"contract check-perps: {exc}", file=sys.stderr)
        return EXIT_USAGE
    root = args.base_url.rstrip("/")
    try:
        with httpx.Client(base_url=root, auth=KalshiAuth(signer), timeout=TIMEOUT) as http:
            verdicts = check(http, args.operation, orders=args.orders, ticker=args.ticker)
    except httpx.TransportError as exc:
        print(f"contract check-perps: nothing answered at {root}: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except KeyRefused as exc:
        print(f"contract check-perps: the key was refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    print(report(verdicts))
    return EXIT_VIOLATIONS if any(v.state == "FAIL" for v in verdicts.values()) else EXIT_OK


def report(verdicts: dict[str, CallVerdict]) -> str:
    """One line per operation, then its violations, each naming the field."""
    lines = []
    for operation_id, verdict in verdicts.items():
        lines.append(f"{verdict.state:10} {operation_id} ({verdict.calls} call{'s' * (verdict.calls != 1)})")
        lines += [f"           {violation}" for violation in verdict.violations]
    return "\n".join(lines)


def check(
    http: httpx.Client, asked: list[str] | None = None, *, orders: bool = False, ticker: str | None = None
) -> dict[str, CallVerdict]:
    """Each asked operation (default: every read, and with `orders` the order writes) called once through `http` (its
    base URL the API root, signing each request), its verdict by operationId."""
    slice_ = parsed_once(perps_slice_path("openapi.yaml"))
    by_id = operations_by_id(slice_)
    reads = [op for op in KIT.operations if op not in KIT.writes]
    wanted = asked or reads + [op for op in ORDER_WRITES if orders and op in KIT.operations]
    call = _caller(http, slice_, by_id)
    verdicts = {op: CallVerdict() for op in wanted}
    values = _discover(http, ticker)
    for operation_id in sorted(wanted, key=_order(wanted)):
        body = _body(operation_id, values)
        answer = call(operation_id, verdicts[operation_id], values, body)
        field, name = MADE.get(operation_id, ("", ""))
        if field and isinstance(answer, dict) and field in answer:
            values[name] = answer[field]  # the kit's own order, trigger or group, for the writes after it
    return verdicts


def _order(wanted: list[str]) -> Callable[[str], int]:
    """The reads first, then the kit's order made, changed and cancelled, its group's life, the cancel of all last; a
    group is read among the reads (the account's first) when the kit makes none."""
    sequence = [op for op in SEQUENCE if op != "GetMarginOrderGroup" or "CreateMarginOrderGroup" in wanted]
    return lambda operation_id: 1 + sequence.index(operation_id) if operation_id in sequence else 0


Call = Callable[[str, CallVerdict, dict[str, str], dict[str, Any] | None], Any]


def _caller(http: httpx.Client, slice_: dict[str, Any], by_id: dict[str, Any]) -> Call:
    def call(operation_id: str, verdict: CallVerdict, values: dict[str, str], body: dict[str, Any] | None) -> Any:
        method, path, operation = by_id[operation_id]
        filled = _fill(slice_, path, operation, values)
        if filled is None:
            return None  # a parameter the server gave nothing for (no order to read): skipped
        url, query = filled
        response = http.request(method.upper(), url, params=query, json=body)  # (under the base URL's path)
        verdict.calls += 1
        if response.status_code == 401:
            raise KeyRefused(f"{method.upper()} {url}: {response.text[:200]}")
        if response.status_code == 404 and operation_id not in {"GetMarginOrder", "GetMarginMarket"}:
            verdict.not_found += 1
            return None
        verdict.violations += _judged(slice_, path, method, operation, response)
        return response.json() if response.content and response.is_success else None

    return call


def _judged(slice_: dict[str, Any], path: str, method: str, operation: dict[str, Any], response: Any) -> list[str]:
    status = str(response.status_code)
    responses = operation.get("responses", {})
    if status not in responses and f"{status[0]}XX" not in responses:
        return [f"status {status}: not one the operation documents ({', '.join(responses)}): {response.text[:200]}"]
    if not response.content:
        documented = resolve(slice_, responses.get(status) or {}).get("content")
        return [f"status {status}: no body, where the operation documents one"] if documented else []
    try:
        body = response.json()
    except ValueError:
        return [f"status {status}: the body is not JSON: {response.text[:200]}"]
    return [f"status {status}: {problem}" for problem in response_errors(slice_, path, method, int(status), body)]


def _fill(
    slice_: dict[str, Any], path: str, operation: dict[str, Any], values: dict[str, str]
) -> tuple[str, dict[str, str]] | None:
    """The operation's path with its parameters filled, and its required query parameters; None where a value lacks."""
    query: dict[str, str] = {}
    for parameter in (resolve(slice_, p) for p in operation.get("parameters", [])):
        name = parameter["name"]
        if parameter["in"] == "path" or parameter.get("required") and parameter["in"] == "query":
            value = values.get(name)
            if value is None:
                return None
            if parameter["in"] == "path":
                path = path.replace("{" + name + "}", value)
            else:
                query[name] = value
    return path, query


def _discover(http: httpx.Client, ticker: str | None) -> dict[str, str]:
    """The values the calls fill parameters with: a market (the one asked, else the first listed), its lowest price,
    the account's first order if any, the last hour, the last week's dates."""
    now = int(time.time())
    values = {"start_ts": str(now - 3600), "end_ts": str(now), "period_interval": "60"}
    today = datetime.fromtimestamp(now, UTC).date()
    values |= {"start_date": str(today - timedelta(days=7)), "end_date": str(today)}  # (funding history: a week)
    markets = http.get("/margin/markets").json().get("markets") or []
    market = next((m for m in markets if ticker in (None, m.get("ticker"))), None)
    if market is not None:
        values |= {"ticker": market["ticker"], "tickers": market["ticker"], "tick_size": str(market.get("tick_size"))}
    found = http.get("/margin/orders")
    listed = found.json().get("orders") or [] if found.is_success else []
    if listed:
        values["order_id"] = listed[0]["order_id"]
    found = http.get("/margin/order_groups")
    groups = found.json().get("order_groups") or [] if found.is_success else []
    if groups:
        values["order_group_id"] = groups[0]["id"]
    return values


def _body(operation_id: str, values: dict[str, str]) -> dict[str, Any] | None:
    """The JSON body of a write on the kit's own order (a bid of 2 contracts at the lowest price, resting), its exit
    trigger (a stop-loss at that price) or group (a limit of 5 contracts, then 7)."""
    ticker, price = values.get("ticker"), values.get("tick_size")
    if operation_id == "CreateMarginOrder":
        return {"ticker": ticker, "client_order_id": str(uuid.uuid4()), "side": "bid", "count": "2", "price": price,
                "time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross",
                "post_only": True}  # fmt: skip
    if operation_id == "AmendMarginOrder":
        return {"ticker": ticker, "side": "bid", "price": price, "count": "3"}
    if operation_id == "DecreaseMarginOrder":
        return {"reduce_by": "1"}
    if operation_id in {"CreateMarginOrderGroup", "UpdateMarginOrderGroupLimit"}:
        return {"contracts_limit_fp": "5.00" if operation_id == "CreateMarginOrderGroup" else "7.00"}
    if operation_id in {"TriggerMarginOrderGroup", "ResetMarginOrderGroup"}:
        return {}
    if operation_id == "SetCrossMarginExitTrigger":
        return {"anchor_order_id": values.get("order_id"), "client_trigger_id": str(uuid.uuid4()),
                "stop_loss_price": price}  # fmt: skip
    if operation_id in {"UpdateCrossMarginExitTrigger", "SetIsolatedMarginExitTrigger"}:
        return {"stop_loss_price": price}
    return None
