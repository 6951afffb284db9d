"""`mockexchange contract slice-deribit`: the committed Deribit slice against Deribit's published OpenAPI (API v2.0.x),
and the slice rewritten in its canonical form.

The source inlines every schema and writes each method as a GET of `/{method}`: its query parameters are the params,
the `result` property of the 200 answer's second `allOf` is the result; each channel of `x-subscriptions` (or
`channels`) has its notification schema. `derive` reads those with descriptions, summaries, examples and `x-` keys
dropped and `nullable: true` written as a type list; `compare` inlines the slice's `definitions` (before its
patches) and names every method or channel that differs from the source: a difference is a transcription to fix, or
a change to move into `patches` with its source.

The account methods (subaccounts, transfers, withdrawals, deposit addresses, the transaction log) came after that
source: the slice lists them under `x-mockexchange-account-source` with the file they are derived from, Deribit's
OpenAPI 2.1.1 (a copy of docs.deribit.com's specification, which names its shared schemas by `$ref`: `derive`
inlines them first). `--account-source FILE --write` derives them into the slice; `--account-source FILE` compares.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson

from mockexchange.schema.deribit import rpc as deribit_rpc
from mockexchange.schema.specs import SpecError, load_spec

_DROPPED = {"description", "summary", "example", "examples", "externalValue"}
ACCOUNT_SOURCE = "x-mockexchange-account-source"


def add_command(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "slice-deribit",
        help="compare the committed Deribit slice with Deribit's OpenAPI, or rewrite it in canonical form",
        description="Compare the Deribit JSON-RPC slice with the published OpenAPI it was derived from.",
    )
    p.add_argument("--source", metavar="PATH_OR_URL", help="Deribit's OpenAPI JSON (openapi-original.json)")
    p.add_argument(
        "--account-source", metavar="PATH_OR_URL",
        help="Deribit's OpenAPI 2.1.1 (deribit-openapi.json), the source of the account methods",
    )  # fmt: skip
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


def resolve(node: Any, source: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """`node` with the source's local `$ref`s inlined (a reference's sibling keys are ignored, as OpenAPI 3.0 does)."""
    if isinstance(node, list):
        return [resolve(item, source, seen) for item in node]
    if not isinstance(node, dict):
        return node
    reference = node.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/") and reference not in seen:
        target: Any = source
        for part in reference[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return resolve(target, source, (*seen, reference))
    return {key: resolve(value, source, seen) for key, value in node.items()}


def _result(schema: dict[str, Any]) -> Any:
    """The `result` of a 200 answer: in its second `allOf` (API v2.0.x) or its own properties (2.1.1)."""
    return (schema["allOf"][1] if "allOf" in schema else schema)["properties"]["result"]


def derive(source: dict[str, Any], methods: list[str], channels: list[str]) -> dict[str, Any]:
    """What the source says of each method and channel, in the slice's terms (missing ones are left out)."""
    found: dict[str, Any] = {"methods": {}, "notifications": {}}
    for method in methods:
        operation = source.get("paths", {}).get("/" + method, {}).get("get")
        if operation is None:
            continue
        operation = resolve(operation, source)
        parameters = [p for p in operation.get("parameters", []) if p.get("in", "query") == "query"]
        params = {
            "type": "object",
            "properties": {p["name"]: strip(p.get("schema", {})) for p in parameters},
            "required": sorted(p["name"] for p in parameters if p.get("required")),
        }
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        result = strip(_result(schema))
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


def account_methods(raw: dict[str, Any]) -> list[str]:
    """The methods the slice derives from the account source (Deribit's OpenAPI 2.1.1)."""
    return sorted(raw.get(ACCOUNT_SOURCE, {}).get("methods", []))


def compare(raw: dict[str, Any], source: dict[str, Any], account: bool = False) -> list[str]:
    """Each method or channel whose unpatched slice entry differs from the source's, and each the source lacks: the
    account methods against the account source (`account`), the others and the channels against the first."""
    definitions = raw["definitions"]
    chosen = set(account_methods(raw))
    entries = {m: e for m, e in raw["methods"].items() if (m in chosen) == account}
    channels = {} if account else raw["notifications"]
    derived = derive(source, sorted(entries), sorted(channels))
    differences = [
        f"{method}: listed under {ACCOUNT_SOURCE} but not in the slice (derive it with --write)"
        for method in sorted(chosen - set(raw["methods"]))
        if account
    ]
    for method, entry in sorted(entries.items()):
        theirs = derived["methods"].get(method)
        if theirs is None:
            differences.append(f"{method}: not in the source (add it through a patch)")
            continue
        for part in ("params", "result"):
            if inline(entry[part], definitions) != theirs[part]:
                differences.append(f"{method}: {part} differs from the source")
    for channel, entry in sorted(channels.items()):
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
        sources = [(load_spec(name), account) for name, account in ((args.source, False), (args.account_source, True))
                   if name]  # fmt: skip
        if args.write:
            for source, account in sources:
                if account:
                    _derive_account_methods(raw, source)
        deribit_rpc.apply_patches(raw)
    except SpecError as exc:
        print(f"contract slice-deribit: {exc}", file=sys.stderr)
        return 2
    if args.write:
        path.write_text(canonical(raw), encoding="utf-8")
    if not sources:
        counts = (len(raw["methods"]), len(raw["notifications"]), len(raw["patches"]))
        print(f"{path}: {counts[0]} methods, {counts[1]} channels, {counts[2]} patches")
        return 0
    differences = [line for source, account in sources for line in compare(raw, source, account)]
    for line in differences:
        print(line)
    named = " and ".join(name for name in (args.source, args.account_source) if name)
    print(f"{len(differences)} difference(s) from {named}")
    return 1 if differences else 0


def _derive_account_methods(raw: dict[str, Any], source: dict[str, Any]) -> None:
    """The slice's account methods derived afresh from the account source (each must be in it)."""
    wanted = account_methods(raw)
    derived = derive(source, wanted, [])["methods"]
    missing = sorted(set(wanted) - set(derived))
    if missing:
        raise SpecError(f"the account source lacks {', '.join(missing)}")
    raw["methods"].update(derived)
