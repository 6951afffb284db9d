"""The committed Kalshi slices: exactly what the project script derives from the published specs, valid, closed
under `$ref`, holding every component the served operations reach and nothing else, and free of the specs' prose."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from kalshi_sources import REPO, load_source, recorded_sha256, source_spec

from mockexchange.contract.kalshi.slicing import KALSHI_CHANNELS, KALSHI_OPERATIONS, parsed_once, slice_openapi
from mockexchange.schema.specs import kalshi_slice_path

SLICES = ("openapi.yaml", "asyncapi.yaml")
SCRIPT = REPO / "scripts" / "slice-kalshi-spec"
PROSE = {"description", "summary", "title", "example", "examples", "externalDocs"}
# Where a key names a field, status code or component instead of being a keyword.
NAMES = {"properties", "paths", "responses", "content", "schemas", "parameters", "securitySchemes", "messages",
         "channels", "operations", "servers", "headers", "bindings"}  # fmt: skip


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=120)


def derive(out: Path) -> Path:
    """The slices the project script writes into `out` from the source specs the committed ones record."""
    done = run_script("--openapi", str(source_spec("openapi.yaml")), "--asyncapi", str(source_spec("asyncapi.yaml")),
                      "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.slow
def test_the_committed_slices_are_what_the_script_derives_every_time(tmp_path: Path) -> None:
    # One test, so that the first derivation is made once (a module fixture is made once per worker).
    derived = derive(tmp_path / "first")
    for name in SLICES:
        assert (derived / name).read_bytes() == kalshi_slice_path(name).read_bytes(), name
    again = derive(tmp_path / "again")  # in another process: no state of the first run's carries over
    for name in SLICES:
        assert (again / name).read_bytes() == (derived / name).read_bytes(), name


@pytest.mark.parametrize("name", SLICES)
def test_each_slice_records_its_source_and_starts_with_the_generated_header(name):
    text = kalshi_slice_path(name).read_text()
    assert text.startswith("# ") and "scripts/slice-kalshi-spec" in text.split("\n", 3)[1]
    sha256 = recorded_sha256(name)
    assert len(sha256) == 64 and set(sha256) <= set("0123456789abcdef")
    info = parsed_once(kalshi_slice_path(name))["info"]  # the text parsed once (recorded_sha256 parsed it)
    assert info["x-mockexchange-source"]["version"] == info["version"]


def test_schemathesis_loads_the_openapi_slice_with_exactly_the_served_operations():
    schema = schemathesis.openapi.from_path(str(kalshi_slice_path("openapi.yaml")))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert sorted(op.definition.raw["operationId"] for op in operations) == sorted(KALSHI_OPERATIONS)
    assert {(op.method.upper(), op.path) for op in operations} == {
        ("GET", "/portfolio/positions"),
        ("GET", "/fcm/positions"),
        ("GET", "/portfolio/balance"),
        ("GET", "/portfolio/settlements"),
        ("GET", "/portfolio/fills"),
        ("GET", "/portfolio/deposits"),
        ("GET", "/portfolio/withdrawals"),
        ("GET", "/portfolio/summary/total_resting_order_value"),
        ("GET", "/account/limits"),
        ("POST", "/account/api_usage_level/upgrade"),
        ("GET", "/account/api_usage_level/volume_progress"),
        ("GET", "/account/endpoint_costs"),
        ("GET", "/api_keys"),
        ("POST", "/api_keys"),
        ("POST", "/api_keys/generate"),
        ("DELETE", "/api_keys/{api_key}"),
        # An account's details (issue 26).
        ("POST", "/portfolio/subaccounts"),
        ("POST", "/portfolio/subaccounts/transfer"),
        ("GET", "/portfolio/subaccounts/balances"),
        ("GET", "/portfolio/subaccounts/transfers"),
        ("GET", "/portfolio/subaccounts/netting"),
        ("PUT", "/portfolio/subaccounts/netting"),
        ("POST", "/portfolio/intra_exchange_instance_transfer"),
        ("GET", "/portfolio/intra_exchange_instance_transfers"),
        ("GET", "/portfolio/intra_exchange_instance_transfers/{transfer_id}"),
        ("GET", "/portfolio/target_balance_allocation"),
        ("POST", "/portfolio/target_balance_allocation"),
        ("GET", "/historical/cutoff"),
        ("GET", "/historical/positions"),
        ("GET", "/historical/fills"),
        ("GET", "/historical/orders"),
        ("GET", "/historical/markets"),
        ("GET", "/historical/markets/{ticker}"),
        ("GET", "/historical/markets/{ticker}/candlesticks"),
        ("GET", "/historical/trades"),
        # An FCM member's desk
        ("GET", "/fcm/fills"),
        ("GET", "/fcm/orders"),
        ("GET", "/fcm/subtraders"),
        ("POST", "/fcm/subtraders"),
        ("GET", "/fcm/subtraders/event_contract_daily_cap"),
        ("PUT", "/fcm/subtraders/event_contract_daily_cap"),
        ("DELETE", "/fcm/subtraders/event_contract_daily_cap"),
        ("GET", "/fcm/subtraders/blocked_categories"),
        ("PUT", "/fcm/subtraders/blocked_categories"),
        ("POST", "/fcm/positions/transfers"),
        # Market data (issue 27)
        ("GET", "/markets"),
        ("GET", "/markets/{ticker}"),
        ("GET", "/markets/{ticker}/orderbook"),
        ("GET", "/markets/orderbooks"),
        ("GET", "/markets/trades"),
        ("GET", "/events"),
        ("GET", "/events/{event_ticker}"),
        ("GET", "/series"),
        ("GET", "/series/{series_ticker}"),
        ("GET", "/exchange/status"),
        ("GET", "/search/tags_by_categories"),
        ("GET", "/search/filters_by_sport"),
        ("GET", "/milestones"),
        ("GET", "/milestones/{milestone_id}"),
        ("GET", "/live_data/batch"),
        ("GET", "/live_data/milestone/{milestone_id}"),
        ("GET", "/live_data/{type}/milestone/{milestone_id}"),
        ("GET", "/live_data/milestone/{milestone_id}/game_stats"),
        ("GET", "/live_data/events/{event_ticker}"),
        ("GET", "/live_data/weather/{city}"),
        ("GET", "/live_data/weather/{city}/calibrations"),
        ("GET", "/structured_targets"),
        ("GET", "/structured_targets/{structured_target_id}"),
        ("GET", "/incentive_programs"),
        ("GET", "/series/{series_ticker}/markets/{ticker}/candlesticks"),
        ("GET", "/markets/candlesticks"),
        # The exchange's schedule, its users' data freshness and fee changes; an event's data (issue 55).
        ("GET", "/exchange/schedule"),
        ("GET", "/exchange/user_data_timestamp"),
        ("GET", "/series/fee_changes"),
        ("GET", "/events/fee_changes"),
        ("GET", "/events/{event_ticker}/metadata"),
        ("GET", "/series/{series_ticker}/events/{ticker}/candlesticks"),
        ("GET", "/series/{series_ticker}/events/{ticker}/forecast_percentile_history"),
        # Orders (issue 28)
        ("POST", "/portfolio/events/orders"),
        ("POST", "/portfolio/events/orders/batched"),
        ("DELETE", "/portfolio/events/orders/{order_id}"),
        ("DELETE", "/portfolio/events/orders/batched"),
        ("DELETE", "/portfolio/events/orders"),
        ("POST", "/portfolio/events/orders/{order_id}/amend"),
        ("POST", "/portfolio/events/orders/{order_id}/decrease"),
        ("GET", "/portfolio/orders"),
        ("GET", "/portfolio/orders/{order_id}"),
        ("GET", "/portfolio/orders/queue_positions"),
        ("GET", "/portfolio/orders/{order_id}/queue_position"),
        # Order groups (issue 28)
        ("GET", "/portfolio/order_groups"),
        ("POST", "/portfolio/order_groups/create"),
        ("GET", "/portfolio/order_groups/{order_group_id}"),
        ("DELETE", "/portfolio/order_groups/{order_group_id}"),
        ("PUT", "/portfolio/order_groups/{order_group_id}/reset"),
        ("PUT", "/portfolio/order_groups/{order_group_id}/trigger"),
        ("PUT", "/portfolio/order_groups/{order_group_id}/limit"),
        # Block trade proposals (issue 54)
        ("GET", "/communications/block-trade-proposals"),
        ("POST", "/communications/block-trade-proposals"),
        ("POST", "/communications/block-trade-proposals/{block_trade_proposal_id}/accept"),
        # RFQs and quotes (issue 54)
        ("GET", "/communications/id"),
        ("GET", "/communications/rfqs"),
        ("POST", "/communications/rfqs"),
        ("GET", "/communications/rfqs/{rfq_id}"),
        ("DELETE", "/communications/rfqs/{rfq_id}"),
        ("GET", "/communications/rfqs/{rfq_id}/quotes/{quote_id}"),
        ("DELETE", "/communications/rfqs/{rfq_id}/quotes/{quote_id}"),
        ("PUT", "/communications/rfqs/{rfq_id}/quotes/{quote_id}/accept"),
        ("PUT", "/communications/rfqs/{rfq_id}/quotes/{quote_id}/confirm"),
        ("GET", "/communications/quotes"),
        ("POST", "/communications/quotes"),
        ("GET", "/communications/quotes/{quote_id}"),
        ("DELETE", "/communications/quotes/{quote_id}"),
        ("PUT", "/communications/quotes/{quote_id}/accept"),
        ("PUT", "/communications/quotes/{quote_id}/confirm"),
        # RFQ batches (issue 54)
        ("GET", "/communications/rfq_batches"),
        ("POST", "/communications/rfq_batches"),
        ("GET", "/communications/rfq_batches/{rfq_batch_id}"),
        ("DELETE", "/communications/rfq_batches/{rfq_batch_id}"),
        ("GET", "/communications/rfq_batches/{rfq_batch_id}/best_quotes"),
        ("PUT", "/communications/rfq_batches/{rfq_batch_id}/accept"),
        ("GET", "/communications/rfq_batches/{rfq_batch_id}/quotes"),
        ("POST", "/communications/rfq_batches/{rfq_batch_id}/quotes"),
        ("DELETE", "/communications/rfq_batches/{rfq_batch_id}/quotes/{batch_quote_id}"),
        ("PUT", "/communications/rfq_batches/{rfq_batch_id}/quotes/{batch_quote_id}/confirm"),
        ("GET", "/multivariate_event_collections"),
        ("GET", "/multivariate_event_collections/{collection_ticker}"),
        ("POST", "/multivariate_event_collections/{collection_ticker}"),
        ("GET", "/events/multivariate"),
    }


def test_the_asyncapi_slice_holds_the_served_channels_and_the_connection_level_ones():
    document = parsed_once(kalshi_slice_path("asyncapi.yaml"))
    assert list(document["channels"]) == [
        "root",
        "control_frames",
        "orderbook_delta",
        "ticker",
        "trade",
        "fill",
        "market_positions",
        "market_lifecycle_v2",
        "multivariate_market_lifecycle",
        "communications",
        "order_group_updates",
        "user_orders",
        "cfbenchmarks_value",
        "cfbenchmarks_value_5hz",
        "pyth_value",
    ]
    assert set(KALSHI_CHANNELS) < set(document["channels"])
    # market_lifecycle_v2: every message of the channel (markets' lifecycle and metadata, events' listing and fees)
    assert list(document["channels"]["market_lifecycle_v2"]["messages"]) == [
        "marketLifecycleV2", "marketMetadataUpdated", "eventLifecycle", "eventFeeUpdate",
    ]  # fmt: skip
    # communications: RFQs', quotes', RFQ batches' and batch quotes' messages
    assert list(document["channels"]["communications"]["messages"]) == [
        "rfqCreated", "rfqDeleted", "quoteCreated", "quoteAccepted", "quoteExecuted", "rfqBatchCreated",
        "rfqBatchDeleted", "batchQuoteCreated", "rfqBatchBestQuotes", "batchQuoteAccepted", "rfqBatchExecuted",
        "batchQuoteExecuted",
    ]  # fmt: skip
    payloads = document["components"]["schemas"]
    assert {"fillPayload", "marketPositionPayload", "errorResponsePayload", "subscribedResponsePayload"} <= set(
        payloads
    )
    # the CF Benchmarks and Pyth updates and their replies are the connection's
    assert {"cfbenchmarksUpdateSubscriptionCommand", "pythUpdateSubscriptionCommand", "subscribedIndicesResponse",
            "subscribedUnderlyingsResponse"} <= set(document["channels"]["root"]["messages"])  # fmt: skip


@pytest.mark.parametrize("name", SLICES)
def test_no_prose_is_left(name):
    document = parsed_once(kalshi_slice_path(name))
    found = [(path, key, value) for path, key, value in keywords(document) if key in PROSE and path != ("info",)]
    # OpenAPI 3.0 requires a description on a response object: the slice gives an empty one, and nothing else.
    assert all(key == "description" and value == "" and "responses" in path for path, key, value in found), found
    assert [key for key in document["info"] if key not in ("title", "version", "x-mockexchange-source")] == []
    extensions = {key for _, key, _ in keywords(document) if key.startswith("x-")}
    assert extensions <= {"x-omitempty", "x-oapi-codegen-extra-tags", "x-rust-serialize-with", "x-mockexchange-source"}


@pytest.mark.parametrize("name", SLICES)
def test_every_ref_resolves_and_the_components_are_exactly_those_reached(name):
    document = parsed_once(kalshi_slice_path(name))
    roots = {key: value for key, value in document.items() if key != "components"}
    reached: set[tuple[str, str]] = set()
    todo = list(refs(roots))
    if name == "openapi.yaml":  # security requirements name their schemes instead of pointing at them
        for _, operation in operations(document):
            todo += [f"#/components/securitySchemes/{s}" for req in operation.get("security", []) for s in req]
    while todo:
        ref = todo.pop()
        parts = ref.removeprefix("#/").split("/")
        target: Any = document
        for part in parts:
            assert isinstance(target, dict) and part in target, f"{ref} does not resolve in the {name} slice"
            target = target[part]
        if parts[0] == "components" and (parts[1], parts[2]) not in reached:
            reached.add((parts[1], parts[2]))
            todo += refs(target)
    kept = {(kind, member) for kind, members in document["components"].items() for member in members}
    assert kept == reached


@pytest.mark.slow
def test_every_schema_the_operations_reach_in_the_source_is_in_the_slice():
    source = load_source("openapi.yaml")
    committed = parsed_once(kalshi_slice_path("openapi.yaml"))
    reached = set()
    todo = [ref for _, operation in operations(source) if operation["operationId"] in KALSHI_OPERATIONS
            for ref in refs(operation)]  # fmt: skip
    while todo:
        kind, member = todo.pop().removeprefix("#/components/").split("/")[:2]
        if (kind, member) not in reached:
            reached.add((kind, member))
            todo += refs(source["components"][kind][member])
    assert {"GetPositionsResponse", "MarketPosition", "EventPosition", "Fill", "Deposit"} <= {m for _, m in reached}
    for kind, member in reached:
        assert member in committed["components"][kind], (kind, member)


def test_structure_is_kept_where_prose_is_dropped():
    committed = parsed_once(kalshi_slice_path("openapi.yaml"))
    limit = committed["components"]["parameters"]["PositionsLimitQuery"]
    assert limit == {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 1000, "default": 100},
    }
    fill = committed["components"]["schemas"]["Fill"]["properties"]
    assert fill["side"] == {"type": "string", "enum": ["yes", "no"], "deprecated": True}
    assert fill["subaccount_number"] == {"type": "integer", "nullable": True, "x-omitempty": True}


def test_a_field_named_like_a_keyword_is_a_field_not_prose():
    spec = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1", "description": "prose"},
        "paths": {"/x": {"get": {"operationId": "GetX", "summary": "prose", "responses": {"200": {
            "description": "prose", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/X"}}},
        }}}}},
        "components": {"schemas": {
            "X": {"type": "object", "description": "prose", "example": {"description": "d"}, "properties": {
                "description": {"type": "string", "x-go-type": "string"}, "title": {"type": "string"},
            }},
            "Unused": {"type": "string"},
        }},
    }  # fmt: skip
    sliced = slice_openapi(spec, ["GetX"])
    assert sliced["components"] == {
        "schemas": {
            "X": {"type": "object", "properties": {"description": {"type": "string"}, "title": {"type": "string"}}}
        }
    }
    ok = {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/X"}}}}
    assert sliced["paths"]["/x"]["get"] == {"operationId": "GetX", "responses": {"200": ok}}


@pytest.mark.slow
def test_slice_refuses_specs_that_lack_a_served_operation_and_unreadable_specs(tmp_path):
    spec = load_source("openapi.yaml")
    del spec["paths"]["/portfolio/deposits"]
    partial = tmp_path / "openapi.yaml"
    partial.write_text(json.dumps(spec))  # a spec may be YAML or JSON, and JSON is written in a fraction of the time
    asyncapi = str(source_spec("asyncapi.yaml"))
    done = run_script("--openapi", str(partial), "--asyncapi", asyncapi, "--out", str(tmp_path / "out"))
    assert done.returncode == 1
    assert "GetDeposits" in done.stderr and not (tmp_path / "out").exists()
    done = run_script("--openapi", str(tmp_path / "missing.yaml"), "--asyncapi", asyncapi, "--out", str(tmp_path))
    assert done.returncode == 2
    assert "cannot read" in done.stderr and "Traceback" not in done.stderr


# -- helpers --------------------------------------------------------------------------------------------------------


def keywords(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str, Any]]:
    """(path, key, value) for every keyword of a document: keys under `properties` and the like are names."""
    if isinstance(node, list):
        for item in node:
            yield from keywords(item, (*path, "[]"))
    elif isinstance(node, dict):
        for key, value in node.items():
            if path and path[-1] in NAMES:
                yield from keywords(value, (*path, f"<{key}>"))
            else:
                yield path, key, value
                if key not in ("enum", "default", "const", "x-oapi-codegen-extra-tags"):
                    yield from keywords(value, (*path, key))


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [r for key, value in node.items() for r in ([value] if key == "$ref" else refs(value))]
    if isinstance(node, list):
        return [r for item in node for r in refs(item)]
    return []


def operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "put", "post", "delete", "patch") and isinstance(operation, dict):
                yield path, operation
