"""JSON request bodies: read within a size, decoded and checked field by field the way Kalshi's Go server does it.

Kalshi answers a body that does not decode with the flat `{"code": "bad_request", "message": "bad request",
"details": "json: ..."}` and Go's decoder words (captured for CreateOrderV2). The mock answers every body refusal in
that shape: a value of the wrong JSON type in the decoder's words, a missing or out-of-range field in the validator's
(as query parameters are worded, errors.py), each naming the field. As Go decodes, a field it does not know is
ignored, a repeated key counts its last value, and `null` leaves a field unset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import orjson
from starlette.requests import Request

from mockexchange.bounded_json import parse_json
from mockexchange.venues.kalshi.errors import KalshiError
from mockexchange.web import BodyCut, BodyTooLarge, read_body

MAX_BODY = 64 * 1024  # a key's PEM is some 800 characters; an RSA-16384 one (--key-policy any) about 3,000
Kind = Literal["string", "int", "strings"]
_GO_TYPES = {"string": "string", "int": "int", "strings": "[]string"}


def body_error(details: str, diagnosis: str | None = None) -> KalshiError:
    return KalshiError(400, {"code": "bad_request", "message": "bad request", "details": details}, diagnosis)


@dataclass(frozen=True, slots=True)
class BodyField:
    name: str  # as in the JSON body
    kind: Kind = "string"
    required: bool = False
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()  # for a string, or each string of a list
    most: int = 256  # characters of a string, items of a list

    @property
    def go_name(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("_"))


def _json_kind(value: Any, *, number_text: bool = False) -> str:
    """Go's word for a JSON value's type; a number decoded into an integer field is shown (`number 1.5`)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return f"number {orjson.dumps(value).decode()}" if number_text else "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


_WANTED = {"string": "a string", "int": "an integer", "strings": "a list of strings"}


def _decoded(struct: str, field: BodyField, value: Any) -> Any:
    """`value` if it decodes into the field's Go type; Go's decoder error otherwise."""
    wrong, go_type = value, _GO_TYPES[field.kind]
    if field.kind == "string" and isinstance(value, str):
        return value
    if field.kind == "int" and isinstance(value, int) and not isinstance(value, bool) and -(1 << 63) <= value < 1 << 63:
        return value
    if field.kind == "strings" and isinstance(value, list):
        wrong = next((item for item in value if not isinstance(item, str)), None)
        if wrong is None:
            return value
        go_type = "string"
    raise body_error(
        f"json: cannot unmarshal {_json_kind(wrong, number_text=field.kind == 'int')} into Go struct field "
        f"{struct}.{field.name} of type {go_type}",
        f"{field.name} must be {_WANTED[field.kind]}",
    )


def invalid(struct: str, field: BodyField, tag: str, diagnosis: str) -> KalshiError:
    """A failed validator tag on a body field, worded as Go's validator words it."""
    return body_error(
        f"Key: '{struct}.{field.go_name}' Error:Field validation for '{field.go_name}' failed on the '{tag}' tag",
        diagnosis,
    )


def _checked(struct: str, field: BodyField, value: Any) -> Any:
    if field.kind == "int":
        if field.minimum is not None and value < field.minimum:
            raise invalid(struct, field, "gte", f"{field.name} must be >= {field.minimum}")
        if field.maximum is not None and value > field.maximum:
            raise invalid(struct, field, "lte", f"{field.name} must be <= {field.maximum}")
        return value
    items = [value] if field.kind == "string" else value
    if field.kind == "strings" and len(items) > field.most:
        raise invalid(struct, field, "max", f"{field.name} holds at most {field.most} items")
    for item in items:
        if field.kind == "string" and len(item) > field.most:
            raise invalid(struct, field, "max", f"{field.name} is at most {field.most} characters")
        if field.choices and item not in field.choices:
            raise invalid(struct, field, "oneof", f"{field.name} takes {', '.join(field.choices)}")
    return value


async def parse_body(request: Request, struct: str, fields: tuple[BodyField, ...]) -> dict[str, Any]:
    """The body's declared fields (absent and null ones as None); a `KalshiError` in Kalshi's shape otherwise.
    `struct` is the request's schema name, as Go's messages name it."""
    try:
        raw = await read_body(request, MAX_BODY)
    except BodyTooLarge:
        raise body_error("http: request body too large", f"the body is over {MAX_BODY:,} bytes") from None
    except BodyCut:
        raise body_error("unexpected EOF", "the connection ended before the body did") from None
    try:
        body = parse_json(raw)
    except (orjson.JSONDecodeError, RecursionError, ValueError) as exc:
        details = "EOF" if not raw.strip() else "invalid character in JSON body"
        raise body_error(details, f"the body is not JSON: {exc}") from None
    if body is None:  # Go decodes `null` into a struct as nothing at all
        body = {}
    if not isinstance(body, dict):
        raise body_error(f"json: cannot unmarshal {_json_kind(body)} into Go value of type {struct}")
    found: dict[str, Any] = {}
    for field in fields:
        value = body.get(field.name)
        if value is None:
            if field.required:
                raise invalid(struct, field, "required", f"{field.name} is required")
            found[field.name] = None
            continue
        value = _decoded(struct, field, value)
        if field.required and value == "":  # Go's `required` refuses a zero value
            raise invalid(struct, field, "required", f"{field.name} is required")
        found[field.name] = _checked(struct, field, value)
    return found
