"""Request validation: what a request a client sent breaks, against the committed schema slices. No HTTP here.

A REST request (method, path, query pairs) is checked against the OpenAPI slice's operations and parameters; a
websocket command (the text of one client message) against the AsyncAPI slice's commands (the messages of its
`receive` operations). Each problem is `{"rule": ..., "detail": ...}`:

- `operation.unknown`, `operation.method`: no operation of the slice has this path, or not this method;
- `parameter.unknown`, `parameter.repeated`, `parameter.required`, `parameter.type`, `parameter.format`,
  `parameter.minimum`, `parameter.maximum`, `parameter.enum`, `parameter.pattern`, `parameter.minLength`,
  `parameter.maxLength`: the published schema does not allow the query;
- `kalshi.parameter.<keyword>`: the published schema allows it but Kalshi's server refuses it (the rules of
  `refinements.py` that a request alone decides, and Go's int64 for every integer);
- `command.json`, `command.unknown`, `command.<keyword>` (`command.required`, `command.type`, `command.enum`, ...):
  a websocket message that is not JSON, names no command of the slice, or breaks that command's payload schema.

A parameter is checked against Kalshi's rules only when the published schema allows it, so one mistake is one problem.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs
import orjson

from mockexchange.core.bounded_json import MAX_JSON_DEPTH, JsonTooDeep, parse_json
from mockexchange.core.numbers import INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, NotAnInteger, OutOfRange, parse_int
from mockexchange.schema.frames import message_payloads, payload_validator
from mockexchange.schema.refinements import PARAMETER_RULES, narrowed_schema
from mockexchange.schema.refs import operations_by_id, resolve
from mockexchange.schema.specs import kalshi_slice_path, load_published_kalshi, load_spec

Problem = dict[str, str]

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")  # one way to match: no backtracking
_RANGES = {"int32": (INT32_MIN, INT32_MAX), "int64": (INT64_MIN, INT64_MAX)}
_UNFORMATTED = (-(2**128), 2**128)  # an integer without a format, as far as it is read (beyond: past every bound)
_SHOWN_CHARS = 80  # a value quoted in a detail is cut to this
_PATH_NAME = re.compile(r"\{[^}/]+\}")  # a `{name}` segment of a path


def problem(rule: str, detail: str) -> Problem:
    return {"rule": rule, "detail": detail}


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    required: bool
    schema: Mapping[str, Any]  # as published, `$ref` followed
    kalshi: Mapping[str, Any] | None  # the published schema narrowed by Kalshi's rule; None: no rule
    reason: str  # why Kalshi's rule exists


@dataclass(frozen=True, slots=True)
class SpecOperation:
    operation_id: str
    parameters: Mapping[str, Parameter]
    path: str = ""  # as the document spells it, without the server's base: `/portfolio/orders/{order_id}`


class RestRules:
    """The operations of an OpenAPI slice by path and method, each with its query parameters."""

    def __init__(self, openapi: Mapping[str, Any]) -> None:
        servers = openapi.get("servers") or [{}]
        self.base_path = urlsplit(servers[0].get("url", "")).path.rstrip("/")
        narrowed = {
            (operation_id, rule.name): rule for rule in PARAMETER_RULES if rule.from_request
            for operation_id in rule.operations
        }  # fmt: skip
        self._paths: dict[str, dict[str, SpecOperation]] = {}
        for operation_id, (method, path, operation) in operations_by_id(openapi).items():
            parameters: dict[str, Parameter] = {}
            for node in operation.get("parameters", []):
                declared = resolve(openapi, node)
                if declared.get("in") != "query":
                    continue
                name = declared["name"]
                schema = resolve(openapi, declared.get("schema", {}))
                rule = narrowed.get((operation_id, name))
                parameters[name] = Parameter(
                    name,
                    bool(declared.get("required")),
                    schema,
                    narrowed_schema(schema, rule) if rule else None,
                    rule.reason if rule else "",
                )
            found = SpecOperation(operation_id, parameters, path)
            self._paths.setdefault(self.base_path + path, {})[method.upper()] = found
        # A path with `{name}` segments matches any one segment there; a path the slice spells out wins over them
        # (`/portfolio/orders/queue_positions` is not the order `queue_positions`), then the fewest names.
        templated = [path for path in self._paths if "{" in path]
        templated.sort(key=lambda path: path.count("{"))
        self._templates = [
            (re.compile("[^/]+".join(re.escape(part) for part in _PATH_NAME.split(path)) + "$"), path)
            for path in templated
        ]

    def _methods(self, path: str) -> dict[str, SpecOperation] | None:
        methods = self._paths.get(path)
        if methods is not None:
            return methods
        found = next((template for pattern, template in self._templates if pattern.match(path)), None)
        return None if found is None else self._paths[found]

    def operation(self, method: str, path: str) -> SpecOperation | None:
        return (self._methods(path) or {}).get(method.upper())

    def check(self, method: str, path: str, query: Sequence[tuple[str, str]]) -> tuple[str | None, list[Problem]]:
        """The operation id (None when the slice has no such operation) and what the request breaks."""
        methods = self._methods(path)
        if methods is None:
            return None, [problem("operation.unknown", f"{method} {path}: no operation of the schema has this path")]
        operation = methods.get(method.upper())
        if operation is None:
            here = ", ".join(f"{m} ({op.operation_id})" for m, op in methods.items())
            return None, [problem("operation.method", f"{method} {path}: the schema has only {here} here")]
        return operation.operation_id, _check_query(operation, query)


def _check_query(operation: SpecOperation, query: Sequence[tuple[str, str]]) -> list[Problem]:
    op = operation.operation_id
    found: list[Problem] = []
    counts = Counter(name for name, _ in query)
    for name, count in counts.items():
        if name not in operation.parameters:
            found.append(problem("parameter.unknown", f"{name}: {op} has no query parameter {name!r}"))
        elif count > 1:
            found.append(
                problem("parameter.repeated", f"{name} is given {count} times ({op}); the schema allows one value")
            )
    first: dict[str, str] = {}
    for name, value in query:
        first.setdefault(name, value)  # Kalshi's server reads the first value (Go's url.Values.Get)
    for parameter in operation.parameters.values():
        given = first.get(parameter.name)
        if given is None:
            if parameter.required:
                found.append(problem("parameter.required", f"{parameter.name} is required ({op})"))
            continue
        published = _check_value(parameter.schema, parameter.name, given, go_int64=False)
        if published:
            found += [problem(f"parameter.{keyword}", f"{text} ({op})") for keyword, text in published]
            continue
        narrowed = _check_value(parameter.kalshi or parameter.schema, parameter.name, given, go_int64=True)
        for keyword, text in narrowed:
            why = f"; Kalshi: {parameter.reason}" if parameter.reason and parameter.kalshi else ""
            found.append(problem(f"kalshi.parameter.{keyword}", f"{text} ({op}){why}"))
    return found


def _check_value(schema: Mapping[str, Any], name: str, value: str, *, go_int64: bool) -> list[tuple[str, str]]:
    """(keyword, detail) for each keyword of a query parameter's schema the value breaks."""
    shown = f"{name}={_show(value)}"
    kind = schema.get("type")
    number: int | float | None = None
    if kind == "integer":
        bounds = _RANGES.get(schema.get("format", "int64" if go_int64 else ""))
        try:
            number = parse_int(value, *(bounds or _UNFORMATTED), signs="+-")
        except NotAnInteger:
            return [("type", f"{shown} is not an integer")]
        except OutOfRange as exc:
            if bounds:
                return [("format", f"{shown} is outside the {schema.get('format', 'int64')} range")]
            # No format bounds it: it is still an integer, beyond any minimum or maximum a schema states.
            number = _UNFORMATTED[1] + 1 if exc.above else _UNFORMATTED[0] - 1
    elif kind == "number":
        if not _NUMBER.fullmatch(value):  # float() would take 'nan', 'inf', '1_0', ' 1' and Unicode digits
            return [("type", f"{shown} is not a number")]
        number = float(value)
    elif kind == "boolean" and value not in ("true", "false"):
        return [("type", f"{shown} is not true or false")]
    found: list[tuple[str, str]] = []
    if number is not None:
        if "minimum" in schema and number < schema["minimum"]:
            found.append(("minimum", f"{shown} is below minimum {schema['minimum']}"))
        if "maximum" in schema and number > schema["maximum"]:
            found.append(("maximum", f"{shown} exceeds maximum {schema['maximum']}"))
    if "enum" in schema and _typed(value, number) not in schema["enum"]:
        found.append(("enum", f"{shown} is not one of {', '.join(repr(v) for v in schema['enum'])}"))
    if kind == "string" or kind is None:
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(("pattern", f"{shown} does not match {schema['pattern']}"))
        if "minLength" in schema and len(value) < schema["minLength"]:
            found.append(("minLength", f"{shown} is shorter than {schema['minLength']} characters"))
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            found.append(("maxLength", f"{shown} is longer than {schema['maxLength']} characters"))
    return found


def _typed(value: str, number: int | float | None) -> Any:
    return value if number is None else number


def _show(value: str) -> str:
    if not value:
        return "''"  # an empty value, visibly
    return value if len(value) <= _SHOWN_CHARS else value[:_SHOWN_CHARS] + "..."


# -- websocket commands ---------------------------------------------------------------------------------------------


class CommandRules:
    """The commands a client may send (the messages of the AsyncAPI slice's `receive` operations), by `cmd`."""

    def __init__(self, asyncapi: Mapping[str, Any]) -> None:
        servers = list(asyncapi.get("servers", {}).values())
        self.path = servers[0].get("pathname", "") if servers else ""  # where the websocket is
        self._validators: dict[str, list[tuple[str, jsonschema_rs.Validator]]] = {}
        seen: set[tuple[str, str]] = set()
        for name, payload_ref in message_payloads(asyncapi, "receive"):
            payload = resolve(asyncapi, payload_ref)
            command = payload.get("properties", {}).get("cmd", {}).get("const")
            key = (command, orjson.dumps(payload_ref, option=orjson.OPT_SORT_KEYS).decode())
            if command is None or key in seen:
                continue  # a control frame, or a payload another message already carries
            seen.add(key)
            self._validators.setdefault(command, []).append((name, payload_validator(asyncapi, payload_ref)))

    @property
    def commands(self) -> list[str]:
        return list(self._validators)

    def check(self, text: str | bytes) -> tuple[str | None, list[Problem]]:
        """The command name (None when the slice has no such command) and what the message breaks."""
        try:
            message = parse_json(text)  # bounded depth: the validator recurses, and past ~255 levels it raises
        except JsonTooDeep:
            return None, [problem("command.json", f"nested deeper than {MAX_JSON_DEPTH} levels: not checked")]
        except orjson.JSONDecodeError as exc:
            return None, [problem("command.json", f"not JSON: {exc}")]
        if not isinstance(message, dict):
            return None, [problem("command.json", f"a command is a JSON object, not {_json_type(message)}")]
        name = message.get("cmd")
        if not isinstance(name, str) or (candidates := self._validators.get(name)) is None:
            known = ", ".join(self._validators)
            return None, [problem("command.unknown", f"cmd {name!r} is not a command of the schema ({known})")]
        found: list[Problem] = []
        for _, validator in candidates:
            errors = [_command_problem(name, error) for error in validator.iter_errors(message)]
            if not errors:
                return name, []
            found += [e for e in errors if e not in found]
        return name, found


def _command_problem(command: str, error: jsonschema_rs.ValidationError) -> Problem:
    keyword = next((str(part) for part in reversed(error.schema_path) if isinstance(part, str)), "schema")
    where = "/" + "/".join(str(part) for part in error.instance_path)
    return problem(f"command.{keyword}", f"{command}: {where}: {error.message}")


def _json_type(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(type(value), "a number")


# -- the committed slices -------------------------------------------------------------------------------------------


@cache
def kalshi_rest_rules() -> RestRules:
    """Built once per process from `contracts/kalshi/openapi.yaml` (SpecError when the slices are not found)."""
    return RestRules(load_spec(str(kalshi_slice_path("openapi.yaml"))))


@cache
def kalshi_command_rules() -> CommandRules:
    """Built once per process from `contracts/kalshi/asyncapi.yaml` (SpecError when the slices are not found)."""
    return CommandRules(load_spec(str(kalshi_slice_path("asyncapi.yaml"))))


@cache
def published_rest_rules() -> RestRules:
    """Built once per process from Kalshi's whole published OpenAPI document (`specs.published_kalshi_path`)."""
    return RestRules(load_published_kalshi("openapi.yaml"))


@cache
def published_command_rules() -> CommandRules:
    """Built once per process from Kalshi's whole published AsyncAPI document."""
    return CommandRules(load_published_kalshi("asyncapi.yaml"))
