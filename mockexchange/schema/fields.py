"""Request and response fields against the schema, named by where they are (`market_positions[3].position_fp`).

Schemathesis reports the first schema violation of a response and the schema it broke; a client developer wants
every field that is wrong, by path. OpenAPI 3.0 `nullable` becomes JSON Schema's `null` type here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jsonschema_rs

from mockexchange.schema.refs import resolve

MAX_LISTED = 20
REQUEST = "request"  # in place of a status: the operation's request body


def response_errors(document: dict[str, Any], path: str, method: str, status: int, body: Any) -> list[str]:
    """`field: problem` for every field of `body` that breaks the operation's documented response schema."""
    return _errors(_validator(document, path, method.lower(), str(status)), body)


def request_errors(document: dict[str, Any], path: str, method: str, body: Any) -> list[str]:
    """`field: problem` for every field of a request's JSON `body` that breaks the operation's request body schema."""
    return _errors(_validator(document, path, method.lower(), REQUEST), body)


def _errors(validator: jsonschema_rs.Validator | None, body: Any) -> list[str]:
    if validator is None:
        return []
    return [f"{field_path(e.instance_path)}: {e.message}" for e in validator.iter_errors(body)]


def documents(document: dict[str, Any], path: str, method: str, status: int | str) -> bool:
    """Whether the operation documents a JSON body for `status` (or, given `REQUEST`, for its request)."""
    return _validator(document, path, method.lower(), str(status)) is not None


def field_path(parts: Sequence[str | int], whole: str = "(body)") -> str:
    """`market_positions[3].position_fp` from a validator's instance path; `whole` for the whole instance."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or whole


_cache: dict[tuple[int, str, str, str], jsonschema_rs.Validator | None] = {}


def _validator(document: dict[str, Any], path: str, method: str, status: str) -> jsonschema_rs.Validator | None:
    key = (id(document), path, method, status)
    if key not in _cache:
        operation = document["paths"][path][method]
        if status == REQUEST:
            declared = resolve(document, operation.get("requestBody") or {})
        else:
            responses = operation.get("responses", {})
            declared = resolve(document, responses.get(status) or responses.get(f"{status[0]}XX") or {})
        schema = declared.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            _cache[key] = None
        else:
            components = _referenced(document.get("components", {}), schema)
            root = {"allOf": [_nullable(schema)], "components": _nullable(components)}
            _cache[key] = jsonschema_rs.Draft4Validator(root)
    return _cache[key]


def _referenced(components: dict[str, Any], schema: Any) -> dict[str, Any]:
    """The components `schema` reaches through its `$ref`s, each kept whole (what no `$ref` reaches cannot change a
    verdict): the validator compiles a few instead of all of them, some 5 ms of CPU an operation's status. All of
    them where a `$ref` points elsewhere than at a component."""
    kept: dict[str, dict[str, Any]] = {}
    waiting = [schema]
    while waiting:
        node = waiting.pop()
        if isinstance(node, list):
            waiting.extend(node)
        elif isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                parts = ref.split("/")
                if len(parts) < 4 or parts[:2] != ["#", "components"]:
                    return components
                section, name = parts[2], parts[3].replace("~1", "/").replace("~0", "~")
                if name not in components.get(section, {}):
                    return components
                if name not in kept.setdefault(section, {}):
                    kept[section][name] = components[section][name]
                    waiting.append(components[section][name])
            waiting.extend(value for key, value in node.items() if key != "$ref")
    return kept


def _nullable(node: Any) -> Any:
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {k: _nullable(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        if isinstance(converted.get("type"), str):
            converted["type"] = [converted["type"], "null"]
        else:
            converted = {"anyOf": [converted, {"type": "null"}]}
    return converted
