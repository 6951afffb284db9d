"""The schemathesis suite for Kalshi's portfolio operations: the schema it checks, the signing auth, the cursor walk.

The same pieces serve the pytest suites (in-process ASGI and real HTTP) and `mockexchange contract check` (any
server, through schemathesis' own runner).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from schemathesis import Case, CheckContext, GenerationMode, Response
from schemathesis.auths import AuthContext, set_on_case
from schemathesis.checks import collect_after_run_failures, run_checks_for
from schemathesis.config import OperationConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.hooks import HookContext

from mockexchange.contract.kalshi import acceptance  # noqa: F401 (registers the kit's ReadAcceptance check)
from mockexchange.contract.kalshi.refusals import checks_config, note_drawn, served_from
from mockexchange.schema.account_values import AccountValues
from mockexchange.schema.combinations import valid_combination
from mockexchange.schema.fields import MAX_LISTED, response_errors
from mockexchange.schema.refinements import (
    PAGINATED,
    cursor_field,
    refine,
    without_alternatives,
)
from mockexchange.testing.signing import KalshiSigner

BASE_PATH = "/trade-api/v2"
# The furthest a cursor walk follows before it calls the cursor chain endless.
MAX_WALK_PAGES = 10_000

# What identifies a row of each paginated list, to catch a row served twice in one walk (None: the whole row, for
# settlements, which carry no id and, across subaccounts, can share ticker and time).
ROW_KEYS: dict[str, dict[str, tuple[str, ...] | None]] = {
    "GetPositions": {"market_positions": ("ticker",), "event_positions": ("event_ticker",)},
    "GetFCMPositions": {"market_positions": ("ticker",), "event_positions": ("event_ticker",)},
    "GetSettlements": {"settlements": None},
    "GetFills": {"fills": ("fill_id",)},
    "GetDeposits": {"deposits": ("id",)},
    "GetWithdrawals": {"withdrawals": ("id",)},
    "GetSubaccountTransfers": {"transfers": ("transfer_id",)},
    "GetIntraExchangeInstanceTransfers": {"transfers": ("transfer_id",)},
    # the historical API's account reads
    "GetHistoricalPositions": {"market_positions": ("ticker",), "event_positions": ("event_ticker",)},
    "GetFillsHistorical": {"fills": ("fill_id",)},
    "GetHistoricalOrders": {"orders": ("order_id",)},
    # market data
    "GetMarkets": {"markets": ("ticker",)},
    "GetEvents": {"events": ("event_ticker",)},
    "GetTrades": {"trades": ("trade_id",)},
    "GetHistoricalMarkets": {"markets": ("ticker",)},
    "GetTradesHistorical": {"trades": ("trade_id",)},
    "GetEventFeeChanges": {"event_fee_changes": ("id",)},
    "GetOrders": {"orders": ("order_id",)},
    "GetMultivariateEventCollections": {"multivariate_contracts": ("collection_ticker",)},
    "GetMultivariateEvents": {"events": ("event_ticker",)},
    # the communications API
    "GetRFQs": {"rfqs": ("id",)},
    "GetQuotes": {"quotes": ("id",)},
    "GetBlockTradeProposals": {"block_trade_proposals": ("id",)},
    "GetRFQBatches": {"rfq_batches": ("id",)},
    # what the exchange is told from outside
    "GetMilestones": {"milestones": ("id",)},
    "GetStructuredTargets": {"structured_targets": ("id",)},
    "GetIncentivePrograms": {"incentive_programs": ("id",)},
}
# Cursors remembered with the filters of the page that issued them (the oldest forgotten first).
MAX_ISSUED_CURSORS = 4096
# Query parameters a next-page request may change: the cursor itself and the page size.
PAGE_PARAMETERS = frozenset({"cursor", "limit", "page_size"})
_issued: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()


def load_schema(
    signer: KalshiSigner,
    *,
    base_url: str | None = None,
    app: Any = None,
    published_only: bool = False,
    spec: dict[str, Any] | None = None,
    operations: Iterable[str] = (),
    account: AccountValues | None = None,
) -> schemathesis.BaseSchema:
    """A schemathesis schema bound to a server (a base URL ending in /trade-api/v2, or an ASGI app) and a key;
    `account`: what exists on the key's account, for the fields only it satisfies (schema/write_rules.py)."""
    # (imported here: the slicing reads every venue's registration, which the check's schemathesis process, importing
    # this module for its signing, does without)
    from mockexchange.contract.kalshi.slicing import committed_openapi

    document = spec if spec is not None else committed_openapi()
    if not published_only:
        document = refine(document, account=account)
    schema = schemathesis.openapi.from_dict(document)
    schema.config.generation.update(allow_extra_parameters=False)  # refinements.UNKNOWN_PARAMETERS
    # The writes' answers to valid data are judged by the kit's own check (refusals.py), not schemathesis'.
    schema.config.operations.operations.append(OperationConfig.from_dict(checks_config()))
    if app is not None:
        schema.app = app
        base_url = base_url or f"http://127.0.0.1{BASE_PATH}"
    if base_url is not None:
        schema.config.update(base_url=base_url)
    schema.auth(refresh_interval=None)(signing_auth(signer, urlsplit(base_url or BASE_PATH).path or BASE_PATH))
    wanted = tuple(operations)
    return schema.include(operation_id=list(wanted)) if wanted else schema


def run_operations(schema: schemathesis.BaseSchema, *, max_examples: int, drawn_from: int | None = None) -> None:
    """Each operation of the schema: valid data, then invalid, every check (the kit's write acceptance among them),
    then the checks that judge the whole run. Raises what the first failing case or the run's verdict raises.
    `drawn_from`: a seed the cases are drawn from whatever the Hypothesis profile (a test that shows a check failing
    on a broken server draws the cases that show it); None: the profile's.

    The security headers are not drawn: the signing auth writes them, so an invalid one drawn would be valid again
    when sent, and an invalid case's example spent on nothing."""
    schema.config.generation.update(with_security_parameters=False)
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # an operation the schema cannot describe
        operation = result.ok()
        drawn = len(operation.body) + len(operation.query) + len(operation.path_parameters)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)[: 2 if drawn else 1]:  # nothing to break

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck))
            def run(case: Case) -> None:
                case.call_and_validate()

            (run if drawn_from is None else seed(drawn_from)(run))()
    failures = collect_after_run_failures(schema.config, run_checks_for(schema).for_run())
    if failures:
        raise FailureGroup(failures, "the run's verdict")


def signing_auth(signer: KalshiSigner, base_path: str) -> type:
    """A schemathesis auth provider that signs each request: timestamp + METHOD + base path + path."""

    class KalshiSigningAuth:
        def get(self, case: Case, ctx: AuthContext) -> KalshiSigner:
            return signer

        def set(self, case: Case, data: KalshiSigner, ctx: AuthContext) -> None:
            note_drawn(case)
            carry_filters_to_next_page(case)  # here, as the case is made: the filters it sends are its own
            keep_negative_cases_invalid(case)
            keep_positive_cases_valid(case)
            signed = case.headers.copy()  # a copy: a case derived from this one may share its headers
            signed.update(data.headers(case.method, base_path + case.formatted_path))
            case.headers = signed

    return KalshiSigningAuth


@schemathesis.check
def response_fields(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every field of a 2xx answer that breaks the response schema, by path (not only the first, as ST108 says)."""
    if not 200 <= response.status_code < 300:
        return None
    try:
        body = response.json()
    except ValueError:
        return None  # content_type_conformance and the schema check report a body that is not JSON
    document = case.operation.schema.raw_schema
    errors = response_errors(document, case.operation.path, case.method, response.status_code, body)
    if errors:
        listed = "\n".join(f"  {error}" for error in errors[:MAX_LISTED])
        more = f"\n  ... and {len(errors) - MAX_LISTED} more" if len(errors) > MAX_LISTED else ""
        raise AssertionError(f"{len(errors)} field(s) break the response schema:\n{listed}{more}")
    return None


@schemathesis.check
def cursor_walk(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A page with a cursor: follow it to the end; the walk must end, and no cursor or row may come twice."""
    operation_id = case.operation.definition.raw.get("operationId")
    if operation_id not in PAGINATED or response.status_code != 200:
        return None
    try:
        body = response.json()
    except ValueError:
        return None  # content_type_conformance reports it
    cursors_seen: set[str] = set()
    rows_seen: set[tuple[Any, ...]] = set()
    _note_rows(operation_id, body, rows_seen, page=1)
    field = cursor_field(operation_id)
    cursor, page = body.get(field) or "", 1
    # The walk goes where the first page came from (a test may point the schema at a server started later).
    base_url = served_from(case, response)
    while cursor:
        cursors_seen.add(cursor)
        page += 1
        if page > MAX_WALK_PAGES:
            raise AssertionError(f"{operation_id}: the cursor walk did not end within {MAX_WALK_PAGES} pages")
        next_case = case.operation.Case(query={**(case.query or {}), "cursor": cursor})
        set_on_case(next_case, AuthContext(operation=case.operation, app=case.operation.app), None)
        next_response = next_case.call(base_url=base_url)
        if next_response.status_code != 200:
            raise AssertionError(
                f"{operation_id}: page {page} of a cursor walk answered {next_response.status_code}: "
                f"{next_response.text[:300]}"
            )
        body = next_response.json()
        cursor = body.get(field) or ""
        if cursor in cursors_seen:
            raise AssertionError(f"{operation_id}: cursor repeated on page {page}: {cursor!r}; the walk would loop")
        _note_rows(operation_id, body, rows_seen, page)
    return None


@schemathesis.hook("after_call")
def remember_issued_cursor(context: HookContext, case: Case, response: Response) -> None:
    """Keep each cursor a page issued with the filters of the request that got that page."""
    operation_id = case.operation.definition.raw.get("operationId")
    if operation_id not in PAGINATED or response.status_code != 200:
        return
    try:
        cursor = response.json().get(cursor_field(operation_id))
    except (ValueError, AttributeError):
        return
    if isinstance(cursor, str) and cursor:
        _issued[(operation_id, cursor)] = {k: v for k, v in (case.query or {}).items() if k not in PAGE_PARAMETERS}
        _issued.move_to_end((operation_id, cursor))
        while len(_issued) > MAX_ISSUED_CURSORS:
            _issued.popitem(last=False)


def carry_filters_to_next_page(case: Case) -> None:
    """A next-page request asks for the filters its cursor was issued for, as a client does.

    The stateful phase follows next-page links: the cursor comes from the page, the other parameters are drawn
    afresh, and a server may refuse a cursor with other filters (the mock does; Kalshi says its cursors are specific
    to them). That refusal says nothing about the schema. So a positive next-page request is sent with its page's
    filters (one the server still refuses is a real ST202), and a negative one without the cursor: it is a request
    meant to be refused, and the issued cursor, which no drawn one can match, would be judged its violation."""
    query = case.query or {}
    cursor = query.get("cursor")
    if not isinstance(cursor, str) or not cursor:  # none, or drawn (a negative case's may be any JSON value)
        return
    filters = _issued.get((case.operation.definition.raw.get("operationId"), cursor))
    if filters is None:
        return
    # The mode as drawn: reading `case.meta` would judge the headers before the signature is on them.
    meta = getattr(case, "_meta", None)
    if meta is None or meta.generation.mode.is_positive:
        case.query = {**filters, **{k: v for k, v in query.items() if k in PAGE_PARAMETERS}}
    else:
        case.query = {k: v for k, v in query.items() if k != "cursor"}
    # What is sent is the case as drawn, not an edit to judge again (the issued cursor breaks the refined schema).
    getattr(case, "_record_starting_state", lambda: None)()


def keep_negative_cases_invalid(case: Case) -> None:
    """A negative case that leaves out a parameter of a one-of rule, or sends it empty, is sent without its alternatives
    (refinements' ONE_OF_RULES): `subtrader_id` dropped from GetFCMOrders while `client_order_ids` stays is a valid
    request."""
    meta = getattr(case, "_meta", None)  # the mode as drawn (see carry_filters_to_next_page)
    if meta is None or meta.generation.mode.is_positive or not isinstance(case.query, dict):
        return
    query = without_alternatives(case.operation.definition.raw.get("operationId"), case.query)
    if query != case.query:
        case.query = query
        getattr(case, "_record_starting_state", lambda: None)()


def keep_positive_cases_valid(case: Case) -> None:
    """A positive case drawn with parameters the server takes alone but not together is sent without the ones
    schema/combinations.py's COMBINATION_RULES take out (GetMarkets' timestamp families)."""
    meta = getattr(case, "_meta", None)  # the mode as drawn (see carry_filters_to_next_page)
    if meta is None or not meta.generation.mode.is_positive or not isinstance(case.query, dict):
        return
    query = valid_combination(case.operation.definition.raw.get("operationId"), case.query)
    if query != case.query:
        case.query = query
        getattr(case, "_record_starting_state", lambda: None)()


def _note_rows(operation_id: str, body: dict[str, Any], rows_seen: set[tuple[Any, ...]], page: int) -> None:
    for list_name, key_fields in ROW_KEYS[operation_id].items():
        for row in body.get(list_name) or ():
            identity = (json.dumps(row, sort_keys=True),) if key_fields is None else (row.get(n) for n in key_fields)
            key = (list_name, *identity)
            if key in rows_seen:
                raise AssertionError(f"{operation_id}: {list_name} row {key[1:]} served twice (again on page {page})")
            rows_seen.add(key)
