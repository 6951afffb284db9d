"""The Deribit slice against a source shaped as Deribit's OpenAPI of v2.0.x is (every schema inlined, prose, examples
and `x-` keys beside the types, `nullable: true`): the same content compares clean, and a change is named."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from mockexchange.contract.deribit.slicing import account_methods, compare, inline
from mockexchange.schema.deribit import rpc as deribit_rpc

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset


def dress(schema: Any) -> Any:
    """A slice schema as the source writes it: described, with examples, nullable instead of a type list."""
    if isinstance(schema, list):
        return [dress(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    dressed = {k: dress(v) for k, v in schema.items()}
    if isinstance(dressed.get("type"), list) and "null" in dressed["type"]:
        dressed["type"] = next(t for t in dressed["type"] if t != "null")
        dressed["nullable"] = True
    if "properties" in schema:
        dressed["properties"] = {name: dress(value) for name, value in schema["properties"].items()}
    if "type" in dressed:
        dressed.update(description="some words", example=1, **{"x-hide-in-docs": True})
    return dressed


def source_of(raw: dict[str, Any]) -> dict[str, Any]:
    definitions = raw["definitions"]
    paths = {}
    for method, entry in raw["methods"].items():
        params = entry["params"]
        parameters = [
            {"name": name, "in": "query", "required": name in params["required"], "schema": dress(schema),
             "description": "a parameter", "style": "form"}
            for name, schema in params["properties"].items()
        ]  # fmt: skip
        result = dress(inline(entry["result"], definitions))
        envelope = {"required": ["jsonrpc"], "properties": {"jsonrpc": {"type": "string"}}}
        answer = {"allOf": [envelope, {"required": ["result"], "type": "object", "properties": {"result": result}}]}
        paths["/" + method] = {
            "get": {
                "tags": ["private"],
                "parameters": parameters,
                "responses": {"200": {"content": {"application/json": {"schema": answer}}}},
            }
        }
    channels = {
        name: {"notifications": {"schema": dress(inline(entry["data"], definitions))}, "parameters": []}
        for name, entry in raw["notifications"].items()
    }
    return {"openapi": "3.0.0", "paths": paths, "x-subscriptions": channels}


def test_the_same_content_compares_clean_and_a_change_is_named(tmp_path: Path) -> None:
    raw = deribit_rpc.read_raw()
    source = source_of(raw)
    assert compare(raw, source) == []
    changed = copy.deepcopy(source)
    get = changed["paths"]["/private/get_positions"]["get"]
    get["responses"]["200"]["content"]["application/json"]["schema"]["allOf"][1]["properties"]["result"]["items"][
        "required"
    ].remove("size")
    del changed["paths"]["/private/get_deposits"]
    assert compare(raw, changed) == [
        "private/get_deposits: not in the source (add it through a patch)",
        "private/get_positions: result differs from the source",
    ]
    path = tmp_path / "openapi-original.json"
    path.write_bytes(orjson.dumps(changed))
    command = [sys.executable, "-m", "mockexchange", "contract", "slice-deribit", "--source", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "private/get_positions: result differs" in result.stdout
    path.write_bytes(orjson.dumps(source))
    assert subprocess.run(command, capture_output=True, text=True, timeout=60).returncode == 0


def referenced_source_of(raw: dict[str, Any]) -> dict[str, Any]:
    """The account methods as Deribit's OpenAPI 2.1.1 writes them: each answer and parameter behind a `$ref`, the
    result a property of the answer's schema (no `allOf`)."""
    source = source_of({**raw, "methods": {m: raw["methods"][m] for m in account_methods(raw)}, "notifications": {}})
    components: dict[str, Any] = {"schemas": {}, "parameters": {}, "responses": {}}
    for path, item in source["paths"].items():
        name = path.replace("/", "_")
        answer = item["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        components["schemas"][name] = {"type": "object", "properties": {"result": answer["allOf"][1]["properties"]
                                       ["result"]}}  # fmt: skip
        components["responses"][name] = {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/"
                                         f"{name}"}}}}  # fmt: skip
        item["get"]["responses"]["200"] = {"$ref": f"#/components/responses/{name}"}
        for parameter in item["get"]["parameters"]:
            components["parameters"][f"{name}_{parameter['name']}"] = parameter
        item["get"]["parameters"] = [{"$ref": f"#/components/parameters/{name}_{p['name']}"}
                                     for p in item["get"]["parameters"]]  # fmt: skip
    return {**source, "components": components}


def test_the_account_methods_come_from_their_own_source_through_refs(tmp_path: Path) -> None:
    raw = deribit_rpc.read_raw()
    assert "private/withdraw" in account_methods(raw) and "private/get_positions" not in account_methods(raw)
    source = referenced_source_of(raw)
    assert compare(raw, source, account=True) == []
    changed = copy.deepcopy(source)
    changed["components"]["schemas"]["_private_withdraw"]["properties"]["result"]["required"].remove("address")
    assert compare(raw, changed, account=True) == ["private/withdraw: result differs from the source"]
    # a method listed for this source that the slice lacks is named too
    lost = {**raw, "methods": {m: e for m, e in raw["methods"].items() if m != "public/get_expirations"}}
    assert compare(lost, source, account=True) == [
        "public/get_expirations: listed under x-mockexchange-account-source but not in the slice (derive it with "
        "--write)"
    ]
    # --write derives the account methods afresh: a slice that lost one gets it back, the rest untouched.
    spoiled = copy.deepcopy(raw)
    spoiled["methods"]["private/get_transaction_log"]["params"] = {"type": "object"}
    slice_file, source_file = tmp_path / "rpc.json", tmp_path / "deribit-openapi.json"
    slice_file.write_bytes(orjson.dumps(spoiled))
    source_file.write_bytes(orjson.dumps(source))
    command = [sys.executable, "-m", "mockexchange", "contract", "slice-deribit", "--slice", str(slice_file),
               "--account-source", str(source_file)]  # fmt: skip
    assert subprocess.run(command, capture_output=True, text=True, timeout=60).returncode == 1
    result = subprocess.run([*command, "--write"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert orjson.loads(slice_file.read_bytes()) == raw
