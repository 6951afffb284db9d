"""JSON request bodies: one declaration per field, decoded and checked the way Kalshi's Go server would.

Decoding first, as Go's `encoding/json` does: a value of the wrong JSON type is refused with its text ("json: cannot
unmarshal string into Go struct field ApplySubaccountTransferRequest.amount_cents of type int64"), unknown fields are
ignored, a `null` leaves the field unset. Then the checks, worded as Go's validator words a failed tag ("Key:
'ApplySubaccountTransferRequest.ClientTransferID' Error:Field validation for 'ClientTransferID' failed on the 'required'
tag"); the mock also refuses a field the spec requires that is missing. Both are 400 in the flat shape Kalshi answers
a body it cannot decode with: `{"code": "bad_request", "message": "bad request", "details": ...}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from mockexchange.bounded_json import parse_json
from mockexchange.core.numbers import INT64_MAX, INT64_MIN
from mockexchange.venues.kalshi.errors import KalshiError

Kind = Literal["int", "int64", "string", "uuid", "bool", "list"]
MAX_BODY = 64 * 1024  # far above any of these bodies (101 allocations are about 5 kB)
_UUID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")
_JSON_TYPES = {str: "string", bool: "bool", int: "number", float: "number", list: "array", dict: "object"}
_GO_TYPES = {"int": "int", "int64": "int64", "string": "string", "uuid": "openapi_types.UUID", "bool": "bool"}
_BOUNDS = (INT64_MIN, INT64_MAX)  # Go's int is 64 bits on the server's platform, as int64 is


@dataclass(frozen=True, slots=True)
class Field:
    name: str  # in the JSON body
    go: str  # the Go struct field, which validator messages name
    kind: Kind = "string"
    required: bool = False
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    items: Body | None = None  # a list's element
    max_items: int | None = None
    range_tags: tuple[str, str] = ("gte", "lte")


@dataclass(frozen=True, slots=True)
class Body:
    go: str  # the Go struct, as messages name it
    fields: tuple[Field, ...]


def bad_request(details: str, diagnosis: str | None = None) -> KalshiError:
    return KalshiError(400, {"code": "bad_request", "message": "bad request", "details": details}, diagnosis)


def decode(body: Body, raw: bytes, *, optional: bool = False) -> dict[str, Any]:
    """The body's declared fields (absent: None); a `KalshiError` with Kalshi's 400 for the first problem."""
    if not raw.strip():
        if optional:
            return dict.fromkeys((f.name for f in body.fields), None)
        raise bad_request("EOF", "the request needs a JSON body")
    try:
        document = parse_json(raw)
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"invalid character in JSON: {exc}", "the body is not JSON") from None
    return _object(body, document, body.go, body.go)


def _object(body: Body, document: Any, go_path: str, key_path: str) -> dict[str, Any]:
    """An object decoded, then checked (`null` decodes as an empty object, as into a Go struct)."""
    if document is None:
        document = {}
    elif not isinstance(document, dict):
        kind = _JSON_TYPES.get(type(document), "null")
        details = f"json: cannot unmarshal {kind} into Go value of type {body.go}"
        raise bad_request(details, "the body must be a JSON object")
    values = {f.name: _value(f, document.get(f.name), go_path) for f in body.fields}
    return {f.name: _check(f, values[f.name], key_path) for f in body.fields}


def _value(field: Field, value: Any, go_path: str) -> Any:
    """The field decoded as Go decodes it (None: absent or null)."""
    if value is None:
        return None
    where = f"{go_path}.{field.name}"
    if field.kind == "list":
        if not isinstance(value, list):
            raise _type_error(value, where, f"[]{field.items.go if field.items else 'any'}")
        return value
    if field.kind in ("int", "int64"):
        if type(value) is not int:
            shown = orjson.dumps(value).decode() if isinstance(value, float) else ""
            raise _type_error(value, where, _GO_TYPES[field.kind], shown)
        least, most = _BOUNDS
        if not least <= value <= most:
            raise _type_error(value, where, _GO_TYPES[field.kind], str(value))
        return value
    expected = bool if field.kind == "bool" else str
    if type(value) is not expected:
        raise _type_error(value, where, _GO_TYPES[field.kind])
    if field.kind == "uuid" and not _UUID.fullmatch(value):
        raise bad_request(f"invalid UUID length: {len(value)}" if len(value) not in (32, 36) else "invalid UUID format",
                          f"{field.name} must be a UUID")  # fmt: skip
    return value


def _type_error(value: Any, where: str, go_type: str, number: str = "") -> KalshiError:
    kind = _JSON_TYPES.get(type(value), "null")
    shown = f"{kind} {number}" if number else kind
    return bad_request(
        f"json: cannot unmarshal {shown} into Go struct field {where} of type {go_type}",
        f"{where.rsplit('.', 1)[-1]} must be a JSON {_expected(go_type)}",
    )


def _expected(go_type: str) -> str:
    named = {"int": "integer", "int64": "integer", "bool": "boolean"}
    return named.get(go_type, "array" if "[]" in go_type else "string")


def _check(field: Field, value: Any, key_path: str) -> Any:
    """The value, checked (a list: its elements decoded and checked)."""

    def failed(tag: str, why: str) -> KalshiError:
        return bad_request(
            f"Key: '{key_path}.{field.go}' Error:Field validation for '{field.go}' failed on the '{tag}' tag",
            f"{field.name} {why}",
        )

    if value is None:
        if field.required:
            raise failed("required", "is required")
        return None
    if field.kind == "string" and field.required and value == "":
        raise failed("required", "is required")
    if field.choices and value not in field.choices:
        raise failed("oneof", f"must be one of {', '.join(field.choices)}")
    if field.kind in ("int", "int64"):
        if field.minimum is not None and value < field.minimum:
            raise failed(field.range_tags[0], f"must be >= {field.minimum}")
        if field.maximum is not None and value > field.maximum:
            raise failed(field.range_tags[1], f"must be <= {field.maximum}")
    if field.kind == "list":
        if field.max_items is not None and len(value) > field.max_items:
            raise failed("max", f"takes at most {field.max_items} items")
        assert field.items is not None
        return [
            _object(field.items, item, f"{key_path}.{field.name}", f"{key_path}.{field.go}[{i}]")
            for i, item in enumerate(value)
        ]
    return value
