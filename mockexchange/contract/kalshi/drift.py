"""Drift reports: what a newer Kalshi spec changes against the committed slices, said for a client developer.

The newer spec is sliced the same way first, so only the operations and channels the mock serves are compared.
Each change is one line, grouped by operation (or websocket message):

    GetPositions (GET /portfolio/positions)
      + response field market_positions[].foo_fp: string
      - parameter count_filter
      ~ parameter limit: maximum 1000 -> 500
      ! response field market_positions[].ticker is now required

`+` added, `-` removed, `~` changed, `!` now required (a request that omits it, or a client that does not expect
it, breaks). `mockexchange contract drift --spec URL` exits 0 when nothing changed, 1 when something did, 2 when a
spec cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mockexchange.contract.kalshi.slicing import (
    KALSHI_CHANNELS,
    KALSHI_OPERATIONS,
    parsed_once,
    parsed_text,
    slice_asyncapi,
    slice_openapi,
    source_of,
)
from mockexchange.schema.refs import lookup, operations_by_id, resolve
from mockexchange.schema.specs import SpecError, read_spec_text, slices_root

# Schema keywords a client can observe; descriptions and examples are not compared (slices hold none).
FACETS = (
    "type", "format", "nullable", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems", "default", "deprecated", "readOnly",
    "writeOnly", "x-omitempty", "x-rust-serialize-with", "oneOf", "anyOf", "style", "explode",
)  # fmt: skip
# Yes/no keywords, said as a state: "is now deprecated".
STATES = {
    "nullable": "nullable",
    "deprecated": "deprecated",
    "readOnly": "read-only",
    "writeOnly": "write-only",
    "uniqueItems": "made of unique items",
    "x-omitempty": "left out when empty",
}

Fields = dict[str, dict[str, Any]]  # a dotted path (`fills[].ticker`) -> its facets, plus `required`


@dataclass(frozen=True, slots=True)
class SpecChange:
    mark: str  # + added, - removed, ~ changed, ! now required
    text: str

    def __str__(self) -> str:
        return f"{self.mark} {self.text}"


@dataclass(slots=True)
class Section:
    """The changes to one operation or websocket message."""

    key: str  # an operationId, or channel/message
    title: str
    changes: list[SpecChange] = field(default_factory=list)


@dataclass(slots=True)
class Report:
    """One spec against its committed slice."""

    kind: str  # OpenAPI or AsyncAPI
    old_source: dict[str, Any]
    new_source: dict[str, Any]
    sections: list[Section] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(section.changes for section in self.sections)

    def headline(self) -> str:
        old, new = _source(self.old_source), _source(self.new_source)
        return f"{self.kind}: committed slice ({old}) against the spec ({new})"

    def text(self) -> str:
        lines = [self.headline()]
        for section in self.sections:
            if section.changes:
                lines.append(section.title)
                lines += [f"  {change}" for change in section.changes]
        if not self.changed:
            lines.append("  no changes")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "changed": self.changed,
            "old_source": self.old_source,
            "new_source": self.new_source,
            "sections": [asdict(section) for section in self.sections if section.changes],
        }


def diff_openapi(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    operation_ids: Iterable[str] = KALSHI_OPERATIONS,
    new_text: str | None = None,
) -> Report:
    """The committed OpenAPI slice (`old`) against a newer full spec (`new`), operation by operation."""
    wanted = tuple(operation_ids)
    new_slice = slice_openapi(new, wanted, new_text)
    report = Report("OpenAPI", source_of(old), source_of(new_slice))
    old_ops, new_ops = operations_by_id(old), operations_by_id(new_slice)
    for operation_id in wanted:
        before, after = old_ops.get(operation_id), new_ops.get(operation_id)
        either = after or before
        if either is None:
            continue
        method, path, _ = either
        section = Section(operation_id, f"{operation_id} ({method.upper()} {path})")
        if before is None:
            section.changes.append(SpecChange("+", "operation added"))
        elif after is None:
            section.changes.append(SpecChange("-", "operation removed"))
        else:
            section.changes = _operation_changes(old, before, new_slice, after)
        report.sections.append(section)
    return report


def diff_asyncapi(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    channels: Iterable[str] = KALSHI_CHANNELS,
    new_text: str | None = None,
) -> Report:
    """The committed AsyncAPI slice (`old`) against a newer full spec (`new`), message by message."""
    new_slice = slice_asyncapi(new, tuple(channels), new_text)
    report = Report("AsyncAPI", source_of(old), source_of(new_slice))
    old_channels, new_channels = old.get("channels", {}), new_slice.get("channels", {})
    for channel in [*old_channels, *(c for c in new_channels if c not in old_channels)]:
        if channel not in new_channels or channel not in old_channels:
            gone = channel not in new_channels
            report.sections.append(
                Section(channel, f"{channel} channel", [SpecChange("-" if gone else "+", f"channel {channel}")])
            )
            continue
        before, after = old_channels[channel].get("messages", {}), new_channels[channel].get("messages", {})
        for message in [*before, *(m for m in after if m not in before)]:
            section = Section(f"{channel}/{message}", f"{message} ({channel} channel)")
            if message not in after:
                section.changes.append(SpecChange("-", "message removed"))
            elif message not in before:
                section.changes.append(SpecChange("+", "message added"))
            else:
                section.changes = _compare(
                    _fields(old, resolve(old, before[message]).get("payload", {})),
                    _fields(new_slice, resolve(new_slice, after[message]).get("payload", {})),
                    lambda path: f"field {path}" if path else "payload",
                )
            report.sections.append(section)
    return report


# -- operations -----------------------------------------------------------------------------------------------------


def _operation_changes(
    old_doc: Mapping[str, Any],
    old: tuple[str, str, dict[str, Any]],
    new_doc: Mapping[str, Any],
    new: tuple[str, str, dict[str, Any]],
) -> list[SpecChange]:
    (old_method, old_path, before), (new_method, new_path, after) = old, new
    changes: list[SpecChange] = []
    if (old_method, old_path) != (new_method, new_path):
        changes.append(SpecChange("~", f"moved: {old_method.upper()} {old_path} -> {new_method.upper()} {new_path}"))
    if bool(before.get("deprecated")) != bool(after.get("deprecated")):
        changes.append(SpecChange("~", f"operation is {'now' if after.get('deprecated') else 'no longer'} deprecated"))
    if _security(before) != _security(after):
        changes.append(SpecChange("~", f"security: {_security(before)} -> {_security(after)}"))
    changes += _compare(
        _parameters(old_doc, old_path, before), _parameters(new_doc, new_path, after), lambda name: f"parameter {name}"
    )
    changes += _compare(
        _fields(old_doc, _json_schema(old_doc, before.get("requestBody"))),
        _fields(new_doc, _json_schema(new_doc, after.get("requestBody"))),
        _field_label("request"),
    )
    old_responses, new_responses = before.get("responses", {}), after.get("responses", {})
    for code in [*old_responses, *(c for c in new_responses if c not in old_responses)]:
        prefix = "response" if code == "200" else f"response {code}"
        if code not in new_responses or code not in old_responses:
            changes.append(SpecChange("-" if code not in new_responses else "+", f"response {code}"))
            continue
        changes += _compare(
            _fields(old_doc, _json_schema(old_doc, old_responses[code])),
            _fields(new_doc, _json_schema(new_doc, new_responses[code])),
            _field_label(prefix),
        )
    return changes


def _field_label(prefix: str) -> Callable[[str], str]:
    """A field's label in a change: `{prefix} field {path}`, or `{prefix} body` for the body itself."""
    return lambda path: f"{prefix} field {path}" if path else f"{prefix} body"


def _security(operation: Mapping[str, Any]) -> str:
    options = ["+".join(requirement) for requirement in operation.get("security", [])]
    return " or ".join(options) or "none"


def _parameters(document: Mapping[str, Any], path: str, operation: Mapping[str, Any]) -> Fields:
    """Each parameter (path-level ones too) by name, as a field: its schema's facets and its own."""
    item = document["paths"][path]
    found: Fields = {}
    for parameter in [*item.get("parameters", []), *operation.get("parameters", [])]:
        parameter = resolve(document, parameter)
        name = parameter["name"] if parameter.get("in") == "query" else f"{parameter['name']} ({parameter.get('in')})"
        facets = _fields(document, parameter.get("schema", {})).get("", {})
        facets.update({key: parameter[key] for key in ("deprecated", "style", "explode") if key in parameter})
        found[name] = {**facets, "required": bool(parameter.get("required"))}
    return found


def _json_schema(document: Mapping[str, Any], body: Any) -> Any:
    """The JSON schema of a request body or response, if it has one."""
    body = resolve(document, body) if body is not None else {}
    content = body.get("content", {})
    media: Mapping[str, Any] = content.get("application/json") or next(iter(content.values()), {})
    return media.get("schema")


# -- schemas as fields ----------------------------------------------------------------------------------------------


def _fields(document: Mapping[str, Any], schema: Any) -> Fields:
    """Every field a schema describes, by dotted path (`""` is the body itself), with `$ref`s and `allOf` merged."""
    found: Fields = {}
    if schema is not None:
        _walk(document, schema, "", None, frozenset(), found)
    return found


def _walk(
    document: Mapping[str, Any], schema: Any, path: str, required: bool | None, refs: frozenset[str], found: Fields
) -> None:
    shape = _Shape()
    refs = _absorb(document, schema, shape, refs)
    found[path] = {**shape.facets, "required": required}
    for name, subschema in shape.properties.items():
        _walk(document, subschema, f"{path}.{name}" if path else name, name in shape.required, refs, found)
    if isinstance(shape.items, dict):
        _walk(document, shape.items, f"{path}[]", None, refs, found)
    if isinstance(shape.additional, dict):
        _walk(document, shape.additional, f"{path}{{}}", None, refs, found)


@dataclass(slots=True)
class _Shape:
    facets: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    items: Any = None
    additional: Any = None


def _absorb(document: Mapping[str, Any], schema: Any, shape: _Shape, refs: frozenset[str]) -> frozenset[str]:
    """Merge a schema into a shape (following `$ref`, `allOf` and the variants of `oneOf`/`anyOf`); the refs on the
    way, so that a schema that contains itself stops instead of recursing forever."""
    if not isinstance(schema, dict):
        return refs
    reached = refs
    if "$ref" in schema:
        ref = schema["$ref"]
        if ref in refs:
            shape.facets["type"] = f"recursive {ref}"
            return refs
        reached |= _absorb(document, lookup(document, ref), shape, refs | {ref})
    for part in schema.get("allOf", []):
        reached |= _absorb(document, part, shape, refs)
    for key in ("oneOf", "anyOf"):
        for part in schema.get(key, []):
            reached |= _absorb(document, part, shape, refs)
    for key in FACETS:
        if key in schema:
            value = schema[key]
            shape.facets[key] = len(value) if key in ("oneOf", "anyOf") else value
    shape.properties.update(schema.get("properties", {}))
    if isinstance(schema.get("required"), list):
        shape.required.update(schema["required"])
    if "items" in schema:
        shape.items = schema["items"]
    if "additionalProperties" in schema:
        shape.additional = schema["additionalProperties"]
    return reached


def _compare(old: Fields, new: Fields, label: Callable[[str], str]) -> list[SpecChange]:
    changes: list[SpecChange] = []
    added = [path for path in new if path not in old]
    removed = [path for path in old if path not in new]
    # A new object's own fields are news of the object: say it once, at the top.
    changes += [SpecChange("+", f"{label(p)}: {_kind(new[p])}") for p in added if _parent(p) not in added]
    changes += [SpecChange("-", label(p)) for p in removed if _parent(p) not in removed]
    for path in (p for p in old if p in new):
        changes += _facet_changes(label(path), old[path], new[path])
    return changes


def _facet_changes(subject: str, old: dict[str, Any], new: dict[str, Any]) -> list[SpecChange]:
    changes: list[SpecChange] = []
    if old["required"] is not None and new["required"] is not None and old["required"] != new["required"]:
        now = "required" if new["required"] else "optional"
        changes.append(SpecChange("!" if new["required"] else "~", f"{subject} is now {now}"))
    if (old.get("type"), old.get("format")) != (new.get("type"), new.get("format")):
        changes.append(SpecChange("~", f"{subject}: {_type(old)} -> {_type(new)}"))
    for key in FACETS:
        before, after = old.get(key), new.get(key)
        if key in ("type", "format") or before == after:
            continue
        if key in STATES:
            if bool(before) != bool(after):
                changes.append(SpecChange("~", f"{subject} is {'now' if after else 'no longer'} {STATES[key]}"))
        elif key == "enum" and isinstance(before, list) and isinstance(after, list):
            adds = [_show(v) for v in after if v not in before]
            drops = [_show(v) for v in before if v not in after]
            said = [f"adds {', '.join(adds)}"] * bool(adds) + [f"removes {', '.join(drops)}"] * bool(drops)
            changes.append(SpecChange("~", f"{subject}: enum {'; '.join(said) or 'reordered'}"))
        else:
            changes.append(SpecChange("~", f"{subject}: {key} {_show(before)} -> {_show(after)}"))
    return changes


def _parent(path: str) -> str | None:
    if path.endswith(("[]", "{}")):
        return path[:-2]
    return path.rsplit(".", 1)[0] if "." in path else ("" if path else None)


def _type(facets: Mapping[str, Any]) -> str:
    kind = facets.get("type")
    kind = "|".join(kind) if isinstance(kind, list) else (kind or "any")
    return f"{kind}/{facets['format']}" if facets.get("format") else kind


def _kind(facets: Mapping[str, Any]) -> str:
    words = [_type(facets)]
    if facets.get("nullable"):
        words.append("nullable")
    if facets.get("required"):
        words.append("required")
    return ", ".join(words)


def _show(value: Any) -> str:
    return "(none)" if value is None else json.dumps(value)


def _source(source: Mapping[str, Any]) -> str:
    version = source.get("version", "unknown version")
    return f"{version}, sha256 {source['sha256'][:12]}" if source.get("sha256") else str(version)


# -- `mockexchange contract drift` ------------------------------------------------------------------------------------


def add_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "drift",
        help="report what a newer Kalshi spec changes against the committed slices",
        description="Slice a newer spec the same way and compare it with the committed slice, operation by "
        "operation. Exit status: 0 nothing changed, 1 something changed, 2 a spec cannot be read.",
    )
    parser.add_argument("--spec", required=True, metavar="PATH_OR_URL", help="the OpenAPI spec (file or URL)")
    parser.add_argument("--asyncapi", metavar="PATH_OR_URL", help="also compare this AsyncAPI spec")
    parser.add_argument(
        "--slice", metavar="DIR", help="the committed slices (default: the checkout's contracts/kalshi)"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        reports = _reports(args)
    except SpecError as exc:
        print(f"mockexchange contract drift: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        changed = any(report.changed for report in reports)
        print(json.dumps({"changed": changed, "reports": [r.as_json() for r in reports]}, indent=2))
    else:
        print("\n\n".join(report.text() for report in reports))
    return 1 if any(report.changed for report in reports) else 0


class _Diff(Protocol):
    """`diff_openapi` or `diff_asyncapi`, as `_reports` calls them."""

    def __call__(self, old: Mapping[str, Any], new: Mapping[str, Any], *, new_text: str | None = None) -> Report: ...


def _reports(args: argparse.Namespace) -> list[Report]:
    slices = Path(args.slice) if args.slice else slices_root()
    wanted: list[tuple[str, str, str, _Diff]] = [("openapi", args.spec, "openapi.yaml", diff_openapi)]
    if args.asyncapi:
        wanted.append(("asyncapi", args.asyncapi, "asyncapi.yaml", diff_asyncapi))
    reports = []
    for kind, source, name, diff in wanted:
        old = _document(parsed_once(slices / name), kind, str(slices / name))
        text = read_spec_text(source)
        new = _document(parsed_text(text, source), kind, source)
        try:
            reports.append(diff(old, new, new_text=text))
        except (AttributeError, KeyError, TypeError) as exc:  # a mapping where a list belongs, a field missing
            raise SpecError(f"{source} is not a well-formed {kind} document ({type(exc).__name__}: {exc})") from None
    return reports


def _document(document: dict[str, Any], kind: str, source: str) -> dict[str, Any]:
    body, name = ("paths", "OpenAPI") if kind == "openapi" else ("channels", "AsyncAPI")
    if not isinstance(document.get(kind), str) or not isinstance(document.get(body), dict):
        raise SpecError(f"{source} is not an {name} document (no `{kind}` version or no `{body}`)")
    return document
