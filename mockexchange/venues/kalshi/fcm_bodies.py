"""JSON request bodies of Kalshi's write operations: read within a bound, decoded and checked field by field the way
Kalshi's Go server does (encoding/json, then the validator), refused with its flat 400 body.

Kalshi answers a body it cannot decode with `{"code": "bad_request", "message": "bad request", "details": "json: ..."}`
(captured: a number where a string is expected); a failed validator tag is worded as Go's validator words it, in the
same flat body (not captured; docs/known-differences.md). Unknown fields are ignored and a null counts as absent, as
Go's decoder does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import orjson
from starlette.requests import Request

from mockexchange.bounded_json import parse_json
from mockexchange.core.numbers import INT64_MAX, INT64_MIN
from mockexchange.venues.kalshi.errors import KalshiError
from mockexchange.web import BodyTooLarge, read_body

MAX_BODY = 64 * 1024  # bytes of one request body: far above any FCM request
FieldKind = Literal["string", "int64", "bool"]
_JSON_KINDS = {str: "string", bool: "bool", int: "number", float: "number", list: "array", dict: "object"}


def bad_request(details: str, diagnosis: str | None = None) -> KalshiError:
    return KalshiError(400, {"code": "bad_request", "message": "bad request", "details": details}, diagnosis)


@dataclass(frozen=True, slots=True)
class BodyField:
    name: str  # as in the JSON body
    go_name: str  # as the Go struct names it (the validator's messages)
    kind: FieldKind = "string"
    required: bool = True


async def read_json(request: Request) -> bytes:
    try:
        return await read_body(request, MAX_BODY)
    except BodyTooLarge as exc:
        raise KalshiError(413, {"code": "bad_request", "message": "request body too large"}, str(exc)) from None


def parse_body(struct: str, fields: tuple[BodyField, ...], raw: bytes) -> dict[str, Any]:
    """The body's declared fields, checked (absent optional ones as None); `struct` is the Go request type's name."""
    try:
        body = parse_json(raw)
    except orjson.JSONDecodeError as exc:
        raise bad_request("invalid character in JSON body", f"the body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        kind = _JSON_KINDS.get(type(body), "null")
        if body is None:  # Go decodes null into a struct as nothing: every required field is then missing
            body = {}
        else:
            raise bad_request(
                f"json: cannot unmarshal {kind} into Go value of type {struct}", "the body is not an object"
            )
    values: dict[str, Any] = {}
    for field in fields:
        value = body.get(field.name)
        if value is not None and not _fits(field.kind, value):
            number = f" {value}" if type(value) in (int, float) else ""
            raise bad_request(
                f"json: cannot unmarshal {_JSON_KINDS.get(type(value), 'value')}{number} into Go struct field "
                f"{struct}.{field.name} of type {field.kind}",
                f"{field.name} must be a JSON {field.kind}",
            )
        if field.required and (value is None or value == ""):  # Go's `required`: not the zero value
            raise validation_error(struct, field, "required", f"{field.name} is required")
        values[field.name] = value
    return values


def validation_error(struct: str, field: BodyField, tag: str, diagnosis: str) -> KalshiError:
    return bad_request(
        f"Key: '{struct}.{field.go_name}' Error:Field validation for '{field.go_name}' failed on the '{tag}' tag",
        diagnosis,
    )


def _fits(kind: FieldKind, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    return type(value) is int and INT64_MIN <= value <= INT64_MAX
