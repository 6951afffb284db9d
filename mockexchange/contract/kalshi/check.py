"""`mockexchange contract check`: run the schema suite against any server (the mock, Kalshi's demo, your own fake).

First one signed request per operation (`preflight.py`): a server that cannot be reached or refuses the key is one
clear line in seconds. Then schemathesis' own runner does the work in a child process, with `hooks.py` signing each
request and every failure of every case kept; its report names each failing operation, the input (as a curl command)
and the field, and our summary after it (`verdict.py`) names every violation class per operation. Only GET requests
are sent unless asked, so it is safe to point at a real account.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mockexchange.auth.kalshi.keys import generate_private_key, public_key_pem
from mockexchange.contract import extra
from mockexchange.contract.kalshi.child_env import BASE_PATH_ENV, KEY_ID_ENV, PRIVATE_KEY_ENV
from mockexchange.contract.kalshi.discovery import (
    Discovered,
    discover,
    find_communications,
    find_live_data,
    needed,
    needs_communications,
    needs_live_data,
)
from mockexchange.contract.kalshi.orders import GROUP_LIMIT, RESTING, OrderValues, find_orders, order_markets
from mockexchange.contract.kalshi.preflight import Unreachable, preflight
from mockexchange.contract.kalshi.report import Run, Warnings, translate
from mockexchange.contract.kalshi.rfq_setup import RfqValues, prepare
from mockexchange.contract.kalshi.slicing import KALSHI_OPERATIONS, KALSHI_WRITES, committed_openapi
from mockexchange.contract.kalshi.verdict import read_events
from mockexchange.schema.account_values import AccountValues
from mockexchange.schema.refinements import ORDER_READS, PAGINATED
from mockexchange.schema.refs import operations_by_id
from mockexchange.schema.specs import SpecError, load_spec
from mockexchange.schema.write_rules import (
    ACCEPTANCE,
    COMMUNICATION_WRITES,
    GROUP_WRITES,
    NAMED_GROUP_WRITES,
    ORDER_WRITES,
    TWO_PARTY_WRITES,
)
from mockexchange.testing.signing import KalshiSigner

OPERATIONS = KALSHI_OPERATIONS
# What `--orders` adds: every write that changes orders or order groups.
ACCOUNT_TRADING = ORDER_WRITES + GROUP_WRITES
ORDER_OPERATIONS = ACCOUNT_TRADING + ORDER_READS
# The operations that change the account (make or delete keys, grant a usage level): checked only when named with
# --operation, so that a run against a real account changes nothing unless asked.
# Exit statuses (docs/contract-kit.md): the first that applies.
EXIT_OK = 0
EXIT_VIOLATIONS = 1  # a check failed, or some operation only ever answered 401/403
EXIT_USAGE = 2  # bad arguments: an unreadable key or slice, a bad option; the kit's extra not installed
EXIT_UNREACHABLE = 3  # nothing answered: connection refused, a timeout, TLS, DNS
EXIT_REFUSED = 4  # the key was refused: on the first signed request, or on every answer of the run
PHASES = "examples,coverage,fuzzing,stateful"


def add_command(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "check",
        help="check a server against the Kalshi portfolio slice (GET requests only)",
        description="Run the schemathesis suite of the sliced portfolio operations against a server.",
    )
    p.add_argument("--base-url", required=True, help="the API root, e.g. https://demo-api.kalshi.co/trade-api/v2")
    p.add_argument("--key-id", required=True, help="the API key id")
    p.add_argument("--private-key", required=True, type=Path, metavar="PEM", help="the key's private key PEM file")
    p.add_argument(
        "--operation", action="append", choices=OPERATIONS, metavar="OPERATION_ID",
        help=f"check only these operations (repeatable; default every one that only reads; those that change the "
        f"account run only when named: {', '.join(sorted(KALSHI_WRITES))})",
    )  # fmt: skip
    p.add_argument(
        "--orders", action="store_true",
        help="also check the order and order group writes (placing, amending, decreasing and cancelling orders; "
        "making, limiting, triggering, resetting and deleting groups: it changes the account, and CancelAllOrders "
        "cancels every resting order of it); the kit places its own resting orders and makes its own groups first",
    )  # fmt: skip
    p.add_argument(
        "--communications", action="store_true",
        help="also check the RFQ, quote and block trade writes (asking for, quoting, accepting and confirming RFQs: "
        "a confirmed quote trades one contract, a block trade proposal too); the kit makes its own RFQs, quotes and "
        "proposals first; the writes that need another user run only with its key (--counterparty-key-id)",
    )  # fmt: skip
    p.add_argument(
        "--counterparty-key-id",
        metavar="KEY_ID",
        help="another user's API key id: the other side of the quote and block trade writes",
    )
    p.add_argument("--counterparty-private-key", type=Path, metavar="PEM", help="that key's private key PEM file")
    p.add_argument("--max-examples", type=int, default=50, metavar="N", help="generated cases per operation")
    p.add_argument("--junit-xml", type=Path, metavar="FILE", help="also write a JUnit XML report")
    p.add_argument(
        "--report", type=Path, metavar="FILE",
        help="keep schemathesis' event report (NDJSON: every case with its request and response) in FILE "
        "(default: not kept)",
    )  # fmt: skip
    p.add_argument("--seed", type=int, help="the random seed, to reproduce a run")
    p.add_argument(
        "--subtrader-id", action="append", default=[], metavar="ID",
        help="an FCM subtrader the key may read; GetFCMPositions then asks for these (repeatable)",
    )  # fmt: skip
    p.add_argument(
        "--published-only", action="store_true",
        help="check against the bare published slice, without Kalshi's unstated rules (docs/contract-kit.md)",
    )  # fmt: skip
    p.add_argument(
        "--probe-methods", action="store_true",
        help="also send other HTTP methods to the sliced paths (schemathesis' unsupported_method check)",
    )  # fmt: skip
    p.add_argument(
        "--rate-limit", metavar="N/UNIT",
        help="at most N requests per unit (s, m, h), e.g. 10/s for Kalshi's demo; default unlimited",
    )  # fmt: skip
    p.add_argument("--phases", default=PHASES, help=f"schemathesis phases (default {PHASES})")
    p.add_argument("--slice", type=Path, metavar="FILE", help="the OpenAPI slice (default: the committed one)")
    p.set_defaults(func=run)


def _usage_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the options themselves (None: nothing)."""
    if args.max_examples < 1:
        return "--max-examples must be at least 1"
    for option, path in (("--report", args.report), ("--junit-xml", args.junit_xml)):
        if path is not None and not path.resolve().parent.is_dir():
            return f"{option} {path}: its folder {path.resolve().parent} does not exist"
    return None


def _say_plan(
    args: argparse.Namespace,
    spec: Any,
    operations: list[str],
    skipped: dict[str, str],
    found: tuple[tuple[Any, Callable[[Any], str]], ...],
) -> None:
    """What the check runs, what it skips and why, and what it found on the server to run with."""
    from mockexchange.schema.refinements import describe

    print(f"contract check: {args.base_url}  operations: {', '.join(operations)}")
    for operation, why in skipped.items():
        print(f"  skipped {operation}: {why}")
    if args.published_only:
        print("  against the published slice only")
        return
    print(f"  with {len(describe())} of Kalshi's unstated rules (docs/contract-kit.md); --published-only drops them")
    for values, spelled in found:
        if values is not None:
            print(f"  {spelled(values)}")
    for operation, why in _not_expected_to_accept(spec, operations).items():
        print(f"  {operation}: no valid request can be drawn ({why}); refusals judged, no acceptance required")


def run(args: argparse.Namespace) -> int:
    if (why := extra.missing()) is not None:
        print(f"contract check: {why}", file=sys.stderr)
        return EXIT_USAGE
    from mockexchange.schema.refinements import refine  # after argument errors, which need no yaml work

    try:
        signer = KalshiSigner.from_pem_file(args.key_id, args.private_key)
        counterparty = _counterparty(args)
        spec = load_spec(str(args.slice)) if args.slice else committed_openapi()
    except (OSError, ValueError, TypeError, AssertionError, SpecError) as exc:
        print(f"contract check: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if (why := _usage_problem(args)) is not None:
        print(f"contract check: {why}", file=sys.stderr)
        return EXIT_USAGE
    asked = args.operation or [op for op in OPERATIONS if op not in KALSHI_WRITES]
    asked += [op for op in ACCOUNT_TRADING if args.orders and op not in asked]
    asked += [op for op in COMMUNICATION_WRITES if args.communications and op not in asked]
    alone = {op: "it needs another user: pass its key (--counterparty-key-id, --counterparty-private-key)"
             for op in TWO_PARTY_WRITES if op in asked and counterparty is None}  # fmt: skip
    asked = [op for op in asked if op not in alone]
    try:
        first = preflight(
            args.base_url, signer, spec, asked, explicit=bool(args.operation), subtrader_ids=args.subtrader_id
        )
    except Unreachable as exc:
        print(f"contract check: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    if first.refusal is not None:
        print(f"contract check: {first.refusal.describe()}", file=sys.stderr)
        return EXIT_REFUSED
    first.skipped.update(alone)
    operations = [op for op in asked if op not in first.skipped]
    ordering = not args.published_only and bool(set(operations) & set(ORDER_OPERATIONS))
    asking = not args.published_only and bool(set(operations) & set(COMMUNICATION_WRITES))
    wanted = needed(operations) or ordering or asking
    listed = discover(args.base_url, signer) if wanted and not args.published_only else None
    # The kit's own resting orders and groups, placed and made only when a write that changes one runs: those writes
    # change no order or group it had.
    placing = bool(set(operations) & set(ORDER_WRITES))
    grouping = bool(set(operations) & set(NAMED_GROUP_WRITES))
    markets = listed.markets if listed else []
    orders = find_orders(args.base_url, signer, markets, place=placing, groups=grouping) if ordering else None
    talking = needs_communications(operations) and not args.published_only
    comms = find_communications(args.base_url, signer) if talking else None
    told = find_live_data(args.base_url, signer) if needs_live_data(operations) and not args.published_only else None
    rfqs = prepare(args.base_url, signer, counterparty, order_markets(markets)[0]) if asking else None
    if not args.published_only:
        spec = refine(spec, account=_account_values(args, listed, orders, (comms, told), rfqs))
    found: tuple[tuple[Any, Callable[[Any], str]], ...] = (
        (listed, _listed_line), (orders, _orders_line), (comms, _communications_line), (told, _live_data_line),
        (rfqs, _rfqs_line),
    )  # fmt: skip
    _say_plan(args, spec, operations, first.skipped, found)
    with tempfile.TemporaryDirectory(prefix="mockexchange-check-") as tmp:
        events = args.report.resolve() if args.report else Path(tmp) / "events.ndjson"
        status, warnings = _run_schemathesis(args, spec, operations, Path(tmp), events)
        verdict = read_events(events)
    for line in [*verdict.report(), *warnings.summary()]:
        print(line)
    refused = verdict.refused_operations
    if refused and set(refused) == set(verdict.statuses):  # no operation answered anything but 401/403
        print(f"contract check: every answer refused the key ({', '.join(refused)})", file=sys.stderr)
        return EXIT_REFUSED
    if status != 0 or verdict.violations or refused:
        print(f"contract check: violations found against {args.base_url} (exit {EXIT_VIOLATIONS})", file=sys.stderr)
        return EXIT_VIOLATIONS
    return EXIT_OK


# `python -m schemathesis.cli`, once the dataclass code store is installed (mockexchange/core/dataclass_code.py): the
# dataclasses of schemathesis' and Hypothesis' own imports are compiled once, not in every run (some 0.15 s of CPU).
# Its collector's first generation collects every 10,000 net allocations, not 700: each case's request, answer and
# checks die young, and the clean run's collections cost 0.45 s of CPU instead of 1.0 (of 13).
_SCHEMATHESIS_CLI = (
    "import gc; gc.set_threshold(10_000, 10, 10);"
    " from mockexchange.core import dataclass_code; dataclass_code.install(); import runpy;"
    " runpy.run_module('schemathesis.cli', run_name='__main__', alter_sys=True)"
)


def _run_schemathesis(
    args: argparse.Namespace, spec: dict, operations: list[str], tmp: Path, events: Path
) -> tuple[int, Warnings]:
    """schemathesis' runner in a child process, its report shown as it comes with our hints; its exit status and the
    warnings its report gave."""
    from mockexchange.contract.kalshi.refusals import checks_config_toml  # imports schemathesis: the extra is there

    # As JSON, the same document: written and read back by schemathesis in a fraction of YAML's time.
    schema_path = tmp / "openapi.json"
    schema_path.write_text(json.dumps(spec), encoding="utf-8")
    config_path = tmp / "schemathesis.toml"
    # Unknown parameters are no fault of a request (refinements.UNKNOWN_PARAMETERS). Without --probe-methods, no
    # request but GET: the coverage phase would also try other methods on each path.
    # No example database: a run draws from its seed alone, wherever it runs (the run's folder is a temporary one).
    config = '[generation]\nallow-extra-parameters = false\ndatabase = "none"\n'
    config += "" if args.probe_methods else "[phases.coverage]\nunexpected-methods = []\n"
    # The writes' answers to valid data are judged by the kit's own check (refusals.py), not schemathesis'.
    unexpected = _not_expected_to_accept(spec, operations)
    config_path.write_text(config + ("" if args.published_only else checks_config_toml(unexpected)))
    command = [sys.executable, "-c", _SCHEMATHESIS_CLI, "--config-file", str(config_path), "run"]
    command += [str(schema_path), "--url", args.base_url]
    # Every check runs, as by default; the response time too (10 s, what `--checks all` gave it). Naming the checks
    # (`--checks all`) would override the per-operation config that hands the writes to the kit's own check.
    command += ["--max-response-time", "10"]
    command += ["--max-examples", str(args.max_examples), "--phases", _phases(args, operations)]
    # Every failure of every case, not the first of each operation: a 500 must not hide behind a schema violation.
    command += ["--continue-on-failure"]
    command += ["--report", "ndjson", "--report-ndjson-path", str(events)]
    if not args.probe_methods:
        command += ["--exclude-checks", "unsupported_method"]
    for operation in operations:
        command += ["--include-operation-id", operation]
    if args.rate_limit:
        command += ["--rate-limit", args.rate_limit]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    if args.junit_xml:
        command += ["--report", "junit", "--report-junit-path", str(args.junit_xml.resolve())]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "mockexchange.contract.kalshi.hooks",
        KEY_ID_ENV: args.key_id,
        PRIVATE_KEY_ENV: str(args.private_key.resolve()),
        BASE_PATH_ENV: urlsplit(args.base_url).path.rstrip("/"),
    }
    with subprocess.Popen(
        command, env=env, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    ) as child:
        assert child.stdout is not None
        run = Run(args.key_id, args.private_key, tmp, args.report.resolve() if args.report else None)
        warnings = Warnings()
        for line in translate(child.stdout, run):
            warnings.see(line)
            sys.stdout.write(line)
        sys.stdout.flush()
    return child.returncode, warnings


def _counterparty(args: argparse.Namespace) -> KalshiSigner | None:
    """The other user's signer, when its key is given (both options, or neither)."""
    given = (args.counterparty_key_id, args.counterparty_private_key)
    if given == (None, None):
        return None
    if None in given:
        raise ValueError("--counterparty-key-id and --counterparty-private-key go together")
    return KalshiSigner.from_pem_file(args.counterparty_key_id, args.counterparty_private_key)


def _account_values(
    args: argparse.Namespace,
    listed: Discovered | None,
    orders: OrderValues | None,
    found_apart: tuple[Discovered | None, Discovered | None],
    rfqs: RfqValues | None,
) -> AccountValues:
    """What the kit knows of the key's account (the subtraders named, a public key it made to upload, its orders, the
    quotes it may read) and of its exchange (what it found listed, its RFQs; `found_apart`: the communications'
    and the live data's, each found by a read of its own)."""
    upload = public_key_pem(generate_private_key("ed25519").public_key())
    found = {
        **(listed.values if listed is not None else {}),
        **(orders.values if orders is not None else {}),
        **{name: value for apart in found_apart if apart is not None for name, value in apart.values.items()},
        **(rfqs.values if rfqs is not None else {}),
    }
    return AccountValues(subtrader_ids=tuple(args.subtrader_id), public_keys=(upload,), **found)


def _orders_line(orders: OrderValues) -> str:
    values = orders.values
    markets = values["order_markets"]
    line = f"orders (for the order operations): {len(values['order_ids'])} of the account's"
    if markets:
        index = values["order_exchange_indexes"][0]
        line += f"; drawn on {len(markets)} open market(s) on whole cents of exchange index {index}"
    if orders.placed:
        line += (
            f"; the kit placed {orders.placed} resting bids of {RESTING['count']} at ${RESTING['price']} on "
            f"{markets[0]} to cancel, amend and decrease"
        )
    if orders.groups:
        line += (
            f"; the kit made {orders.groups} order groups of {GROUP_LIMIT:,} contracts ("
            f"{len(values['deletable_order_group_ids'])} to delete) to limit, trigger, reset and delete"
        )
    return line + "".join(f"; {problem}" for problem in orders.problems)


def _communications_line(comms: Discovered) -> str:
    values = comms.values
    line = (
        f"the communications API (for the RFQ and quote reads): {len(values['rfq_ids'])} RFQs listed, "
        f"{len(values['quote_ids'])} quotes the account may read"
    )
    return line + "".join(f"; {problem}" for problem in comms.problems)


def _live_data_line(told: Discovered) -> str:
    values = told.values
    line = (
        f"what the exchange is told (for the live data, milestone, target and weather reads): "
        f"{len(values['milestone_ids'])} milestones, {len(values['live_milestone_ids'])} with live data, "
        f"{len(values['structured_target_ids'])} structured targets, weather cities {list(values['weather_cities'])}"
    )
    return line + "".join(f"; {problem}" for problem in told.problems)


def _rfqs_line(rfqs: RfqValues) -> str:
    line = f"the communications writes: the kit made {', '.join(rfqs.made)}"
    return line + "".join(f"; {problem}" for problem in rfqs.problems)


def _listed_line(listed: Discovered) -> str:
    counts = {name: len(values) for name, values in listed.values.items()}
    line = (
        f"the exchange lists (for the market data reads): {counts['listed_markets']} markets, "
        f"{counts['listed_events']} events, {counts['listed_series']} series, "
        f"{counts['historical_markets']} historical markets, "
        f"{counts['listed_collections']} multivariate collections"
    )
    return line + "".join(f"; {problem}" for problem in listed.problems)


def _not_expected_to_accept(spec: dict, operations: list[str]) -> dict[str, str]:
    found = {op_id: op.get(ACCEPTANCE) for op_id, (_, _, op) in operations_by_id(spec).items() if op_id in operations}
    return {op_id: why for op_id, why in found.items() if why}


def _phases(args: argparse.Namespace, operations: list[str]) -> str:
    # The stateful phase follows the cursor links of the paginated operations; with none selected it has nothing to
    # follow, and schemathesis would call that an error.
    phases = [phase for phase in args.phases.split(",") if phase]
    if not set(operations) & set(PAGINATED):
        phases = [phase for phase in phases if phase != "stateful"]
    return ",".join(phases)
