"""`mockexchange contract slice-deribit`: the committed Deribit slice against Deribit's published OpenAPI (API v2.0.x),
and the slice rewritten in its canonical form.

The source inlines every schema and writes each method as a GET of `/{method}`: its query parameters are the params,
the `result` property of the 200 answer's second `allOf` is the result; each channel of `x-subscriptions` (or
`channels`) has its notification schema. `derive` reads those with descriptions, summaries, examples and `x-` keys
dropped and `nullable: true` written as a type list; `compare` inlines the slice's `definitions` (before its
patches) and names every method or channel that differs from the source: a difference is a transcription to fix, or
a change to move into `patches` with its source.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson

from mockexchange.schema import deribit_rpc
from mockexchange.schema.specs import SpecError, load_spec

_DROPPED = {"description", "summary", "example", "examples", "externalValue"}


def add_command(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "slice-deribit",
        help="compare the committed Deribit slice with Deribit's OpenAPI, or rewrite it in canonical form",
        description="Compare the Deribit JSON-RPC slice with the published OpenAPI it was derived from.",
    )
    p.add_argument("--source", metavar="PATH_OR_URL", help="Deribit's OpenAPI JSON (openapi-original.json)")
    p.add_argument("--slice", type=Path, metavar="FILE", help="the slice (default: the committed one)")
    p.add_argument("--write", action="store_true", help="rewrite the slice in its canonical form")
    p.set_defaults(func=run)


def strip(schema: Any) -> Any:
    """A source schema without prose and vendor keys, `nullable` as a type list."""
    if isinstance(schema, list):
        return [strip(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    kept = {k: strip(v) for k, v in schema.items() if k not in _DROPPED and not k.startswith("x-")}
    if kept.pop("nullable", False) and isinstance(kept.get("type"), str):
        kept["type"] = [kept["type"], "null"]
    if "properties" in kept:
        kept["properties"] = {name: strip(value) for name, value in schema["properties"].items()}
    if "required" in kept:
        kept["required"] = sorted(kept["required"])
    return kept


def derive(source: dict[str, Any], methods: list[str], channels: list[str]) -> dict[str, Any]:
    """What the source says of each method and channel, in the slice's terms (missing ones are left out)."""
    found: dict[str, Any] = {"methods": {}, "notifications": {}}
    for method in methods:
        operation = source.get("paths", {}).get("/" + method, {}).get("get")
        if operation is None:
            continue
        parameters = [p for p in operation.get("parameters", []) if p.get("in", "query") == "query"]
        params = {
            "type": "object",
            "properties": {p["name"]: strip(p.get("schema", {})) for p in parameters},
            "required": sorted(p["name"] for p in parameters if p.get("required")),
        }
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        result = strip(schema["allOf"][1]["properties"]["result"])
        found["methods"][method] = {"params": params, "result": result}
    subscriptions = source.get("x-subscriptions") or source.get("channels") or {}
    for channel in channels:
        entry = subscriptions.get(channel)
        if entry is not None:
            found["notifications"][channel] = {"data": strip(entry["notifications"]["schema"])}
    return found


def inline(schema: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(schema, list):
        return [inline(item, definitions) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if set(schema) == {"$ref"}:
        return inline(definitions[schema["$ref"].rsplit("/", 1)[-1]], definitions)
    return {k: inline(v, definitions) for k, v in schema.items()}


def compare(raw: dict[str, Any], source: dict[str, Any]) -> list[str]:
    """Each method or channel whose unpatched slice entry differs from the source's, and each the source lacks."""
    definitions = raw["definitions"]
    derived = derive(source, sorted(raw["methods"]), sorted(raw["notifications"]))
    differences = []
    for method, entry in sorted(raw["methods"].items()):
        theirs = derived["methods"].get(method)
        if theirs is None:
            differences.append(f"{method}: not in the source (add it through a patch)")
            continue
        for part in ("params", "result"):
            if inline(entry[part], definitions) != theirs[part]:
                differences.append(f"{method}: {part} differs from the source")
    for channel, entry in sorted(raw["notifications"].items()):
        theirs = derived["notifications"].get(channel)
        if theirs is None:
            differences.append(f"{channel}: not in the source")
        elif inline(entry["data"], definitions) != theirs["data"]:
            differences.append(f"{channel}: data differs from the source")
    return differences


def canonical(raw: dict[str, Any]) -> str:
    return orjson.dumps(raw, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"


def run(args: argparse.Namespace) -> int:
    path = args.slice or deribit_rpc.slice_path()
    try:
        raw = deribit_rpc.read_raw(path)
        deribit_rpc.apply_patches(raw)
        source = load_spec(args.source) if args.source else None
    except SpecError as exc:
        print(f"contract slice-deribit: {exc}", file=sys.stderr)
        return 2
    if args.write:
        path.write_text(canonical(raw), encoding="utf-8")
    if source is None:
        counts = (len(raw["methods"]), len(raw["notifications"]), len(raw["patches"]))
        print(f"{path}: {counts[0]} methods, {counts[1]} channels, {counts[2]} patches")
        return 0
    differences = compare(raw, source)
    for line in differences:
        print(line)
    print(f"{len(differences)} difference(s) from {args.source}")
    return 1 if differences else 0
