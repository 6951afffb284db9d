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

from mockexchange.contract.deribit.slicing import compare, inline
from mockexchange.schema import deribit_rpc


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


@pytest.mark.slow
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
