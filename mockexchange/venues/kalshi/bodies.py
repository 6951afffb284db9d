"""JSON request bodies of Kalshi's writes: read within one bound, decoded and checked field by field the way Kalshi's
Go server does (encoding/json, then the validator), refused in its flat 400 body.

Kalshi answers a body it cannot decode with `{"code": "bad_request", "message": "bad request", "details": "json: ..."}`
in Go's decoder words (captured: "json: cannot unmarshal number into Go struct field CreateOrderV2Request.count of type
string", a number where a string is expected). The mock answers every body refusal in that shape. Decoding first, as Go
does: a key names its field whatever its case, as Go folds it (Unicode's simple folding: `Price`, `PRICE` and `ſide`
with a long s name `price` and `side`), the last key naming a field counting (a key spelt twice too); a value of the
wrong JSON type in the decoder's words (a number shown only where it was meant for an integer it does not fit: `number
1.5`), an unknown field ignored, `null` left unset (a `null` body decodes as an empty object; a later `null` leaves a
required field, a Go value rather than a pointer, as it was); a UUID read as Go's google/uuid reads one and written back
as it writes one (lower case, with its dashes). Then the checks, each by the field's kind from the one vocabulary
(core/values.py), worded as Go's validator words a failed tag ("Key: 'ApplySubaccountTransferRequest.ClientTransferId'
Error:Field validation for 'ClientTransferId' failed on the 'required' tag"; not captured, docs/known-differences.md),
the mock refusing too a field the spec requires that is missing.

A body is read within `MAX_BODY`, as Go's `http.MaxBytesReader` reads it: one past the bound (a Content-Length that says
so, or the bytes as they stream in) is `http: request body too large`, the rest left unread. A body the client stops
sending mid-way is the client's disconnect (`web.request_body.BodyCut`): nobody is left to answer, and the app's handler
records it (499, or the 408 the server's body timeout answered).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from dataclasses import field as declared
from typing import Any

import orjson
from starlette.requests import Request

from mockexchange.core.bounded_json import parse_json
from mockexchange.core.numbers import INT64_MAX, INT64_MIN
from mockexchange.core.values import BELOW, FORM, LONG, Choice, Integer, Kind, Listed, Refused, Text
from mockexchange.venues.kalshi.errors import KalshiError
from mockexchange.web.request_body import BodyTooLarge, read_body

MAX_BODY = 64 * 1024  # far above any write's body: 101 allocations are about 5 kB, an RSA-16384 PEM about 3,000 chars
# A batch of orders or cancels: 1,000 items (the mock's bound on a batch) of up to ~300 bytes each fit in it.
MAX_BATCH_BODY = 512 * 1024
UUID = "openapi_types.UUID"  # a field's Go type, read as Go's google/uuid reads one
_HEX = re.compile(rb"[0-9a-fA-F]{32}")
_KEY_ENDS = re.compile(rb'"[ \t\n\r]*:')  # where a key may end (a JSON string's closing quote, then its colon)
_UUID_DASHES = (8, 13, 18, 23)  # where the 36-character form has its dashes
_JSON_KINDS = {str: "string", bool: "bool", int: "number", float: "number", list: "array", dict: "object"}
_GO_TYPES: dict[Any, str] = {str: "string", int: "int", bool: "bool"}  # by the kind's plain type
_WANTED = {int: "an integer", bool: "a boolean", list[str]: "a list of strings", list: "a list of objects"}


def text(most: int | None = None) -> Text:
    """A string as Go's validator takes one: any, of at most `most` characters (`max`) if given (`required` refuses
    an empty one)."""
    return Text(most, 0, blank=True)


def at_least(least: int) -> Integer:
    """An integer of Go's (int64) from `least` (`gte`, or `min`)."""
    return Integer(least, INT64_MAX)


STRING = text()
# A string the validator's `omitempty,uuid` takes: empty, or go-playground's `uuid` (8-4-4-4-12 lower-case hex digits)
GO_UUID = Text(None, 0, blank=True, pattern=re.compile(r"(?:[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})?"))


@dataclass(frozen=True, slots=True)
class BodyField:
    """A body field: its name in the JSON body (the Go struct field the validator names is its CamelCase, `go_name`),
    its kind from the one vocabulary (what the validator's tags check: an integer's bounds, a text's length, the
    options of a string or of each string of a list), and the Go type the decoder reads into where it is not the
    kind's own (`int64`, a UUID; a list of objects, `items`: its element)."""

    name: str
    kind: Kind[Any] = STRING
    required: bool = False  # Go's `required`: absent, null or an empty string is refused
    go: str = ""
    range_tags: tuple[str, str] = ("gte", "lte")  # the validator tags of an integer's bounds
    items: Body | None = None
    form_tag: str = ""  # the validator tag a text's pattern is (`uuid`: GO_UUID's)
    # The JSON type the decoder takes as it is (a string or a bool; None: an integer's range, a list, a UUID are read)
    taken: type | None = declared(init=False, repr=False, compare=False)
    checked: bool = declared(init=False, repr=False, compare=False)  # whether the validator checks more than `required`

    def __post_init__(self) -> None:
        plain = self.kind.plain
        whole = self.items is None and not isinstance(self.kind, Listed) and self.go != UUID
        object.__setattr__(self, "taken", plain if whole and plain in (str, bool) else None)
        object.__setattr__(self, "checked", self.kind is not STRING)

    @property
    def go_name(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("_"))

    @property
    def go_type(self) -> str:
        return self.go or _GO_TYPES[self.kind.plain]


@dataclass(frozen=True, slots=True)
class Body:
    go: str  # the Go request type, as the decoder's and the validator's messages name it
    fields: tuple[BodyField, ...]
    optional: bool = False  # an empty body is every field absent (CreateSubaccount's body is optional)
    max_bytes: int = MAX_BODY  # read within this (a batch's body is bigger)
    names: dict[str, BodyField] = declared(init=False, repr=False, compare=False)  # the fields by name

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", {field.name: field for field in self.fields})

    def given(self, document: dict[str, Any]) -> dict[str, Any]:
        """The value each field is given (absent: not given), as Go's decoder matches an object's keys to the fields:
        whatever their case (`_folded`), in the order the object holds them, the last counting; a `null` after a
        value leaves a required field as it was (Go decodes it into a value, a `null` into which does nothing)."""
        names = self.names
        pairs = document.pairs if isinstance(document, Repeated) else None
        if pairs is None and names.keys() >= document.keys():  # (the usual body: each key a field's own, once)
            return document
        given: dict[str, Any] = {}
        for key, value in pairs or document.items():
            field = names.get(key) or names.get(_folded(key))
            if field is not None and not (value is None and field.required and given.get(field.name) is not None):
                given[field.name] = value
        return given


class Repeated(dict):
    """An object in which the body's text spells a key more than once: `pairs` holds its keys and values in the text's
    order, each one (the dict, a key's last value at its first place, is what a JSON reader that keeps one makes)."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs


def _objects_of(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return Repeated(pairs) if len(pairs) > len({key for key, _ in pairs}) else dict(pairs)


def _keys(document: Any) -> int:
    """The keys of every object in a document (within bounded_json's depth)."""
    if isinstance(document, dict):
        return len(document) + sum(_keys(value) for value in document.values())
    return sum(_keys(item) for item in document) if isinstance(document, list) else 0


def _parsed(raw: bytes) -> Any:
    """The body's JSON (orjson.JSONDecodeError: none, or too deep), an object that spells a key twice read as a
    `Repeated`. orjson keeps one value a key: read again, in order, only when the text holds more places that may end
    a key (a quote, then a colon: each key's, and an escaped quote before a colon) than the objects hold keys."""
    document = parse_json(raw)
    # (Each place that may end a key holds a colon, and an object holds as many keys as it has: text of no more colons
    # than the document's outer object has keys spells none twice.)
    if isinstance(document, dict) and raw.count(b":") <= len(document):
        return document
    if len(_KEY_ENDS.findall(raw)) > _keys(document):
        return json.loads(raw, object_pairs_hook=_objects_of)
    return document


def _folded(key: str) -> str:
    """A key as Go folds it to match a field's lower-case ASCII name: each letter's simple case folding, under which
    a long s (U+017F) is an "s" and the Kelvin sign (U+212A) a "k" (Python's `lower` takes the sign to "k" already)."""
    return key.lower().replace("\u017f", "s")


def bad_request(details: str, diagnosis: str | None = None) -> KalshiError:
    return KalshiError(400, {"code": "bad_request", "message": "bad request", "details": details}, diagnosis)


def invalid(where: str, name: str, tag: str, diagnosis: str) -> KalshiError:
    """A failed validator tag on the body field `name` of the struct `where` (`CreateApiKeyRequest`), worded as Go's
    validator words it."""
    go_name = BodyField(name).go_name
    return bad_request(
        f"Key: '{where}.{go_name}' Error:Field validation for '{go_name}' failed on the '{tag}' tag", diagnosis
    )


async def read(request: Request, body: Body) -> bytes:
    """The request's body, within the body's `max_bytes` (a `KalshiError` beyond it); `web.request_body.BodyCut` if
    the client stops sending."""
    try:
        return await read_body(request, body.max_bytes)
    except BodyTooLarge as exc:
        raise bad_request("http: request body too large", str(exc)) from None


def decode(body: Body, raw: bytes) -> dict[str, Any]:
    """The body's declared fields (absent and null ones as None), decoded then checked; a `KalshiError` with Kalshi's
    400 for the first problem."""
    if not raw or raw.isspace():
        if body.optional:
            return dict.fromkeys(f.name for f in body.fields)
        raise bad_request("EOF", "the request needs a JSON body")
    try:
        document = _parsed(raw)
    except orjson.JSONDecodeError as exc:
        raise bad_request("invalid character in JSON body", f"the body is not JSON: {exc}") from None
    values, refused = _read(body, document, body.go, body.go)
    if refused is not None:
        raise refused
    return values


def _read(body: Body, document: Any, go_path: str, key_path: str) -> tuple[dict[str, Any], KalshiError | None]:
    """An object decoded as into a Go struct (`null` as an empty one), each field by its kind, and the validator's
    first refusal of what it decoded (None: none). Go's decoder runs before its validator, so a decoding error is
    raised at once, wherever it is, and a refusal waits until the whole body is decoded: the first field refused, in
    the order declared (a list of objects' own tags before its items', each item's fields in turn)."""
    if document is None:
        document = {}
    elif not isinstance(document, dict):
        kind = _JSON_KINDS.get(type(document), "null")
        raise bad_request(f"json: cannot unmarshal {kind} into Go value of type {body.go}", "the body is not an object")
    get = body.given(document).get
    values: dict[str, Any] = dict.fromkeys(body.names)  # (a field not given stays None)
    refused: KalshiError | None = None
    for field in body.fields:
        value, inner = get(field.name), None
        if value is None:
            if field.required and refused is None:
                refused = _refusal(field, None, key_path)
            continue
        if value.__class__ is not field.taken:
            if field.items is not None:
                value, inner = _objects(field, value, go_path, key_path)
            else:
                value = _value(field, value, go_path)
        values[field.name] = value
        if refused is None and (field.checked or not value):
            refused = _refusal(field, value, key_path) or inner
    return values, refused


def _objects(field: BodyField, value: Any, go_path: str, key_path: str) -> tuple[list[Any], KalshiError | None]:
    """A list of objects decoded (Go's decoder error if it is not a list), and its items' first refusal."""
    assert field.items is not None
    where, each = f"{go_path}.{field.name}", f"{key_path}.{field.go_name}"
    if not isinstance(value, list):
        raise _type_error(field, value, where, f"[]{field.items.go}")
    items: list[Any] = []
    refused = None
    for i, item in enumerate(value):
        decoded, inner = _read(field.items, item, where, f"{each}[{i}]")
        items.append(decoded)
        refused = refused or inner
    return items, refused


def _value(field: BodyField, value: Any, go_path: str) -> Any:
    """A field's value decoded as Go decodes it (not null, not a list of objects); Go's decoder error if it does not
    fit. (Where it sits, `go_path.name`, is worded only for an error.)"""
    plain = field.kind.plain
    if isinstance(field.kind, Listed):
        if not isinstance(value, list):
            raise _type_error(field, value, f"{go_path}.{field.name}", "[]string")
        wrong = next((item for item in value if type(item) is not str), None)
        if wrong is not None:
            raise _type_error(field, wrong, f"{go_path}.{field.name}", "string")
        return value
    if plain is int:
        if type(value) is int and INT64_MIN <= value <= INT64_MAX:
            return value
        # A number that does not fit the integer is shown, as Go shows it (`number 1.5`); another type is not.
        number = str(value) if type(value) is int else orjson.dumps(value).decode() if type(value) is float else ""
        raise _type_error(field, value, f"{go_path}.{field.name}", field.go_type, number)
    if type(value) is not (bool if plain is bool else str):
        raise _type_error(field, value, f"{go_path}.{field.name}", field.go_type)
    return _uuid(value, field.name) if isinstance(value, str) and field.go == UUID else value


def _uuid(text: str, name: str) -> str:
    """A UUID field's text as Go's google/uuid reads it (`uuid_of`); Kalshi's 400 in its words otherwise."""
    try:
        return uuid_of(text)
    except ValueError as exc:
        raise bad_request(str(exc), f"{name} must be a UUID") from None


def uuid_of(text: str) -> str:
    """A UUID as Go's google/uuid parses one (`ParseBytes`: 36 characters with dashes; 32 hex digits; the 36 after
    `urn:uuid:`, or between two characters it does not read, `{...}`), written as it writes one back (lower case,
    with its dashes); a ValueError in its words otherwise (by the text's length in bytes, as Go counts it)."""
    raw = text.encode("utf-8", "surrogatepass")
    size = len(raw)
    if size == 45:
        if raw[:9].lower() != b"urn:uuid:":
            raise ValueError(f'invalid urn prefix: "{raw[:9].decode("utf-8", "replace")}"')
        raw = raw[9:]
    elif size == 38:
        raw = raw[1:37]
    elif size not in (32, 36):
        raise ValueError(f"invalid UUID length: {size}")
    digits = (
        raw
        if size == 32
        else b"".join(raw[start:end] for start, end in ((0, 8), (9, 13), (14, 18), (19, 23), (24, 36)))
    )
    if (size != 32 and any(raw[at] != 0x2D for at in _UUID_DASHES)) or not _HEX.fullmatch(digits):
        raise ValueError("invalid UUID format")
    hex_ = digits.decode("ascii").lower()
    return f"{hex_[:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:20]}-{hex_[20:]}"


def _type_error(field: BodyField, value: Any, where: str, go_type: str, number: str = "") -> KalshiError:
    kind = _JSON_KINDS.get(type(value), "null")
    shown = f"{kind} {number}" if number else kind
    return bad_request(
        f"json: cannot unmarshal {shown} into Go struct field {where} of type {go_type}",
        f"{field.name} must be {_WANTED.get(field.kind.plain, 'a string')}",
    )


def _refusal(field: BodyField, value: Any, key_path: str) -> KalshiError | None:
    """The validator's refusal of a field's decoded value (None: absent), as its tags check it: `required`, then its
    kind's; None if it passes."""
    if value is None or (value == "" and field.required):
        return _failed(field, key_path, "required", "is required") if field.required else None
    if field.kind is STRING:  # (any string the decoder made: nothing to check)
        return None
    try:
        field.kind.read(value, field.name)
    except Refused as exc:
        if exc.why == FORM and isinstance(field.kind, Text) and not field.form_tag:
            return None  # (no validator tag checks this text's form: the command refuses it, in the exchange's words)
        return _failed(field, key_path, *_tag(field, exc.why))
    return None


def _tag(field: BodyField, why: str) -> tuple[str, str]:
    """The validator tag a kind's refusal is, and its words: a text's pattern (`form_tag`), an integer's bounds
    (`range_tags`), a list's `min`, a text's or a list's `max`, an option's `oneof`."""
    kind = field.kind
    if why == FORM and field.form_tag:
        return field.form_tag, f"must pass the {field.form_tag} check"
    if isinstance(kind, Integer):
        low = why == BELOW
        return field.range_tags[not low], f"must be {'>=' if low else '<='} {kind.least if low else kind.most}"
    if why == BELOW and isinstance(kind, Listed):
        return "min", f"holds at least {kind.least} items"
    if why == LONG:
        assert isinstance(kind, Text | Listed)
        return "max", f"holds at most {kind.most} {'items' if isinstance(kind, Listed) else 'characters'}"
    item = kind.item if isinstance(kind, Listed) else kind
    assert isinstance(item, Choice)  # (none of its options, or a list's item none of them)
    return "oneof", f"must be one of {', '.join(item.options)}"


def _failed(field: BodyField, key_path: str, tag: str, why: str) -> KalshiError:
    return invalid(key_path, field.name, tag, f"{field.name} {why}")
