"""`mockexchange contract drift`: the source specs agree with the committed slices; a changed spec is reported change
by change, grouped by operation; a spec that cannot be read is exit 2 with a message, never a traceback."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from kalshi_sources import load_source, source_spec

from mockexchange.cli import main
from mockexchange.contract.kalshi.drift import diff_asyncapi, diff_openapi
from mockexchange.contract.kalshi.slicing import parsed_once, source_of
from mockexchange.schema.specs import kalshi_slice_path


def drift(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["contract", "drift", *args])
    out, err = capsys.readouterr()
    return status, out, err


def committed(name: str) -> str:
    """How a report names the source of a committed slice: `3.34.0, sha256 fb86c72f185d`."""
    source = source_of(parsed_once(kalshi_slice_path(name)))
    return f"{source['version']}, sha256 {source['sha256'][:12]}"


def write(path: Path, document: dict[str, Any]) -> str:
    """The document in a file, as JSON: a spec may be YAML or JSON, and JSON is written in a fraction of the time."""
    path.write_text(json.dumps(document))
    return str(path)


@pytest.mark.slow
def test_the_source_specs_agree_with_the_committed_slices(capsys):
    status, out, _ = drift(
        capsys, "--spec", str(source_spec("openapi.yaml")), "--asyncapi", str(source_spec("asyncapi.yaml"))
    )
    assert status == 0
    openapi, asyncapi = committed("openapi.yaml"), committed("asyncapi.yaml")
    assert out.splitlines() == [
        f"OpenAPI: committed slice ({openapi}) against the spec ({openapi})",
        "  no changes",
        "",
        f"AsyncAPI: committed slice ({asyncapi}) against the spec ({asyncapi})",
        "  no changes",
    ]


@pytest.mark.slow
def test_a_changed_spec_is_reported_change_by_change(capsys, tmp_path):
    spec = load_source("openapi.yaml")
    spec["info"]["version"] = "3.35.0"
    schemas, parameters = spec["components"]["schemas"], spec["components"]["parameters"]
    del schemas["MarketPosition"]["properties"]["total_traded_dollars"]
    schemas["MarketPosition"]["required"].remove("total_traded_dollars")
    schemas["MarketPosition"]["properties"]["resting_orders_count_fp"] = {
        "$ref": "#/components/schemas/FixedPointCount"
    }
    spec["paths"]["/portfolio/fills"]["get"]["parameters"].append(
        {"name": "side", "in": "query", "required": True, "schema": {"type": "string", "enum": ["yes", "no"]}}
    )
    parameters["PositionSettlementStatusQuery"]["schema"]["enum"] = ["unsettled", "settled", "archived"]
    parameters["PositionsLimitQuery"]["schema"]["maximum"] = 500
    schemas["Settlement"]["properties"]["revenue"] = {"type": "string"}
    schemas["Fill"]["required"].append("created_time")
    schemas["Deposit"]["properties"]["finalized_ts"]["nullable"] = False
    del spec["paths"]["/portfolio/withdrawals"]

    changed = write(tmp_path / "openapi.yaml", spec)
    sha256 = hashlib.sha256(Path(changed).read_bytes()).hexdigest()[:12]

    status, out, _ = drift(capsys, "--spec", changed)
    assert status == 1
    assert out.splitlines() == [
        f"OpenAPI: committed slice ({committed('openapi.yaml')}) against the spec (3.35.0, sha256 {sha256})",
        "GetPositions (GET /portfolio/positions)",
        "  ~ parameter limit: maximum 1000 -> 500",
        '  ~ parameter settlement_status: enum adds "archived"; removes "all"',
        "  + response field market_positions[].resting_orders_count_fp: string",
        "  - response field market_positions[].total_traded_dollars",
        "GetFills (GET /portfolio/fills)",
        "  + parameter side: string, required",
        "  ! response field fills[].created_time is now required",
        "GetSettlements (GET /portfolio/settlements)",
        "  ~ response field settlements[].revenue: integer -> string",
        "GetDeposits (GET /portfolio/deposits)",
        "  ~ response field deposits[].finalized_ts is no longer nullable",
        "GetWithdrawals (GET /portfolio/withdrawals)",
        "  - operation removed",
        "GetHistoricalPositions (GET /historical/positions)",
        "  + response field market_positions[].resting_orders_count_fp: string",
        "  - response field market_positions[].total_traded_dollars",
        "GetFillsHistorical (GET /historical/fills)",
        "  ! response field fills[].created_time is now required",
        "GetFCMPositions (GET /fcm/positions)",
        "  + response field market_positions[].resting_orders_count_fp: string",
        "  - response field market_positions[].total_traded_dollars",
    ]


@pytest.mark.slow
def test_json_output_carries_the_same_changes(capsys, tmp_path):
    spec = load_source("openapi.yaml")
    spec["components"]["schemas"]["GetBalanceResponse"]["properties"]["portfolio_value"]["format"] = "int32"
    status, out, _ = drift(capsys, "--spec", write(tmp_path / "openapi.yaml", spec), "--format", "json")
    assert status == 1
    report = json.loads(out)
    assert report["changed"] is True
    [openapi] = report["reports"]
    assert openapi["sections"] == [
        {
            "key": "GetBalance",
            "title": "GetBalance (GET /portfolio/balance)",
            "changes": [{"mark": "~", "text": "response field portfolio_value: integer/int64 -> integer/int32"}],
        }
    ]


@pytest.mark.slow
def test_an_operation_that_moved_and_a_parameter_that_went_are_reported():
    old = parsed_once(kalshi_slice_path("openapi.yaml"))
    new = load_source("openapi.yaml")
    new["paths"]["/portfolio/v3/balance"] = new["paths"].pop("/portfolio/balance")
    new["paths"]["/portfolio/positions"]["get"]["parameters"].remove(
        {"$ref": "#/components/parameters/CountFilterQuery"}
    )
    sections = {s.key: [str(c) for c in s.changes] for s in diff_openapi(old, new).sections if s.changes}
    assert sections == {
        "GetBalance": ["~ moved: GET /portfolio/balance -> GET /portfolio/v3/balance"],
        "GetPositions": ["- parameter count_filter"],
    }


@pytest.mark.slow
def test_websocket_payload_changes_are_reported_by_message(capsys, tmp_path):
    spec = load_source("asyncapi.yaml")
    schemas = spec["components"]["schemas"]
    schemas["fillPayload"]["properties"]["msg"]["properties"]["count_fp"] = {"type": "number"}
    del schemas["marketPositionPayload"]["properties"]["msg"]["properties"]["volume_fp"]
    schemas["marketPositionPayload"]["properties"]["msg"]["required"].remove("volume_fp")
    schemas["marketPositionPayload"]["properties"]["msg"]["required"].append("subaccount")
    schemas["errorResponsePayload"]["properties"]["msg"]["properties"]["code"]["enum"].append(29)
    del spec["channels"]["fill"]["messages"]["fill"]
    spec["channels"]["fill"]["messages"]["fillV2"] = {"$ref": "#/components/messages/fill"}
    status, out, _ = drift(
        capsys,
        "--spec",
        str(source_spec("openapi.yaml")),
        "--asyncapi",
        write(tmp_path / "asyncapi.yaml", spec),
    )
    assert status == 1
    assert out.split("\n\n")[0].endswith("no changes")
    assert out.split("\n\n")[1].splitlines()[1:] == [
        "errorResponse (root channel)",
        "  ~ field msg.code: enum adds 29",
        "fill (fill channel)",
        "  - message removed",
        "fillV2 (fill channel)",
        "  + message added",
        "marketPosition (market_positions channel)",
        "  - field msg.volume_fp",
        "  ! field msg.subaccount is now required",
    ]
    old = parsed_once(kalshi_slice_path("asyncapi.yaml"))
    spec["channels"]["fill"]["messages"] = {"fill": {"$ref": "#/components/messages/fill"}}
    [section] = [s for s in diff_asyncapi(old, spec).sections if s.key == "fill/fill"]
    assert [str(c) for c in section.changes] == [
        "~ field msg.count_fp: string -> number",
        '~ field msg.count_fp: x-rust-serialize-with "ws::dto::serde_money::serialize_amount_fixed_point_count" '
        "-> (none)",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("openapi: [", "is not YAML or JSON"),
        ("- a list", "is not a spec document"),
        ("asyncapi: 3.0.0\nchannels: {}\n", "is not an OpenAPI document"),
        ("openapi: 3.0.0\npaths:\n  /x: [1, 2]\n", "is not a well-formed openapi document"),
    ],
)
def test_a_spec_that_cannot_be_read_is_exit_2_with_a_message(capsys, tmp_path, content, message):
    path = tmp_path / "openapi.yaml"
    if content is not None:
        path.write_text(content)
    status, out, err = drift(capsys, "--spec", str(path))
    assert status == 2
    assert out == ""
    assert err.startswith("mockexchange contract drift: ") and message in err and "Traceback" not in err


@pytest.mark.slow
def test_an_unreadable_asyncapi_spec_is_exit_2_too(capsys, tmp_path):
    status, _, err = drift(
        capsys, "--spec", str(source_spec("openapi.yaml")), "--asyncapi", str(tmp_path / "missing.yaml")
    )
    assert status == 2 and "cannot read" in err
