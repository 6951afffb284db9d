"""Deribit's committed JSON-RPC slice (`schema/deribit/rpc.json`, package data) and the checks made with it: a reply
to a method (the envelope, then its `result` or its `error`) and a subscription notification (its `data`, by channel).

The file holds what Deribit's published OpenAPI of API v2.0.x says (its `x-mockexchange-source` names the file,
commit and date read) and, under `patches`, each change today's documentation made, with its source; `load()`
applies them in order (a patch whose target is missing is an error, so a stale patch cannot pass unseen).
`$MOCKEXCHANGE_CONTRACTS/deribit/rpc.json` overrides the committed file. Schemas are JSON Schema draft 7; a problem
names the method (or channel) and the field by path: `private/get_positions: result[0].size: "3" is not of type
"number"`.
"""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson

from mockexchange.schema.fields import field_path
from mockexchange.schema.specs import CONTRACTS_ENV, SpecError, package_path

SLICE_NAME = "rpc.json"
METHOD_NOT_FOUND = -32601


def slice_path() -> Path:
    """The Deribit slice: `$MOCKEXCHANGE_CONTRACTS/deribit/rpc.json` if that folder is set, else the package's."""
    configured = os.environ.get(CONTRACTS_ENV)
    path = Path(configured) / "deribit" / SLICE_NAME if configured else package_path("mockexchange.schema", "deribit")
    path = path / SLICE_NAME if path.is_dir() else path
    if not path.is_file():
        raise SpecError(f"no Deribit slice at {path}")
    return path


def read_raw(path: Path | None = None) -> dict[str, Any]:
    """The slice as committed: the derived schemas and the patches, not yet applied."""
    source = path or slice_path()
    try:
        document = orjson.loads(source.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise SpecError(f"cannot read the Deribit slice {source}: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("methods"), dict):
        raise SpecError(f"{source} is not a Deribit slice (no methods)")
    return document


def apply_patches(raw: dict[str, Any]) -> dict[str, Any]:
    """The slice with its patches applied, in order (`add`, `replace`, `remove` at a JSON pointer)."""
    document = copy.deepcopy({k: v for k, v in raw.items() if k != "patches"})
    for number, patch in enumerate(raw.get("patches", []), 1):
        parts = [p.replace("~1", "/").replace("~0", "~") for p in patch["path"].split("/")[1:]]
        parent: Any = document
        for part in parts[:-1]:
            if not isinstance(parent, dict) or part not in parent:
                raise SpecError(f"patch {number} ({patch['path']}): no {part!r} to patch in the slice")
            parent = parent[part]
        last, op = parts[-1], patch["op"]
        if op in ("replace", "remove") and last not in parent:
            raise SpecError(f"patch {number} ({patch['path']}): nothing to {op}")
        if op == "add" and last in parent:
            raise SpecError(f"patch {number} ({patch['path']}): already there, so it is no addition")
        if op == "remove":
            del parent[last]
        else:
            parent[last] = copy.deepcopy(patch["value"])
    return document


@cache
def load() -> dict[str, Any]:
    """The effective slice (patches applied), read once."""
    return apply_patches(read_raw())


def methods() -> list[str]:
    return sorted(load()["methods"])


@dataclass(frozen=True, slots=True)
class ChannelSchema:
    template: str  # "user.changes.{kind}.{currency}.{interval}"
    pattern: re.Pattern[str]
    validator: jsonschema_rs.Validator


def _compile(schema: dict[str, Any]) -> jsonschema_rs.Validator:
    return jsonschema_rs.Draft7Validator({**schema, "definitions": load()["definitions"]})


@cache
def _reply_validators(method: str) -> tuple[jsonschema_rs.Validator, jsonschema_rs.Validator]:
    """(success, error) validators of a whole reply to `method`."""
    document = load()
    envelope = document["envelope"]
    result = document["methods"][method]["result"]
    success = {"allOf": [envelope, {"required": ["result"], "properties": {"result": result}}]}
    error = {"allOf": [envelope, {"required": ["error"], "properties": {"error": document["error"]}}]}
    return _compile(success), _compile(error)


@cache
def _params_validator(method: str) -> jsonschema_rs.Validator:
    return _compile(load()["methods"][method]["params"])


@cache
def channels() -> tuple[ChannelSchema, ...]:
    found = []
    for template, entry in sorted(load()["notifications"].items()):
        regex = re.escape(template)
        for name in entry.get("parameters", {}):
            regex = regex.replace(re.escape("{" + name + "}"), r"[^.]+")
        found.append(ChannelSchema(template, re.compile(f"^{regex}$"), _compile(entry["data"])))
    return tuple(found)


def _say(errors: Any, prefix: str = "") -> list[str]:
    found = []
    for error in errors:
        where = field_path(error.instance_path, "(reply)")
        if prefix:
            where = prefix if where == "(reply)" else f"{prefix}{'' if where.startswith('[') else '.'}{where}"
        message = error.message if len(error.message) <= 300 else error.message[:140] + " ... " + error.message[-140:]
        found.append(f"{where}: {message}")
    return sorted(set(found))


def envelope_problems(document: dict[str, Any], result: dict[str, Any], reply: dict[str, Any]) -> list[str]:
    """What a reply breaks of a slice's envelope (`document`'s), with `result` the schema of its result (a dialect's
    slice judges its own methods' replies with it: schema/deribit/coinbase.py)."""
    envelope = document["envelope"]
    if "error" in reply:
        schema = {"allOf": [envelope, {"required": ["error"], "properties": {"error": document["error"]}}]}
    else:
        schema = {"allOf": [envelope, {"required": ["result"], "properties": {"result": result}}]}
    validator = jsonschema_rs.Draft7Validator({**schema, "definitions": document["definitions"]})
    return [] if validator.is_valid(reply) else _say(validator.iter_errors(reply))


def reply_problems(method: str, reply: Any) -> list[str]:
    """What a reply to `method` breaks in the slice: one line per problem, `path: message`. An unknown method (not in
    the slice) is judged on its envelope only; `Method not found` is an error like any other."""
    if not isinstance(reply, dict):
        return [f"(reply): a reply is a JSON object, not {type(reply).__name__}"]
    if method not in load()["methods"]:
        return []
    success, error = _reply_validators(method)
    if "error" in reply:
        problems = [] if error.is_valid(reply) else _say(error.iter_errors(reply))
        if "result" in reply:
            problems.append("(reply): carries both result and error")
        return problems
    return [] if success.is_valid(reply) else _say(success.iter_errors(reply))


def reply_text_problems(method: str, text: str | bytes) -> list[str]:
    try:
        reply = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return [f"(reply): not JSON: {exc}"]
    return reply_problems(method, reply)


def params_problems(method: str, params: Any) -> list[str]:
    """What `params` break in the method's published parameters (the kit uses it to tell valid calls from invalid)."""
    return _say(_params_validator(method).iter_errors(params), "params")


def notification_problems(frame: Any) -> tuple[str | None, list[str]]:
    """(the channel's template, what the notification's `data` breaks); (None, []) for a channel the slice does not
    describe, and for a frame that is no notification."""
    if not isinstance(frame, dict) or frame.get("method") != "subscription":
        return None, []
    params = frame.get("params")
    if not isinstance(params, dict) or not isinstance(params.get("channel"), str) or "data" not in params:
        return "(notification)", ["params: a notification's params are {channel, data}"]
    for channel in channels():
        if channel.pattern.match(params["channel"]):
            data = params["data"]
            return channel.template, [] if channel.validator.is_valid(data) else _say(
                channel.validator.iter_errors(data), "data"
            )
    return None, []
