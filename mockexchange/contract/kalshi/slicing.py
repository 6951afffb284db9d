"""Schema slices: the part of Kalshi's published OpenAPI and AsyncAPI specs that the mock serves, structure only.

A slice keeps the operations (REST) and channels (websocket) the mock serves, every component they reach and nothing
else, and drops the prose (descriptions, summaries, examples, docs-site and code-generator hints). The committed
slices under `contracts/kalshi/` are derived by `mockexchange contract slice` (or `scripts/slice-kalshi-spec`):

    mockexchange contract slice                                   # from https://docs.kalshi.com/{openapi,asyncapi}.yaml
    mockexchange contract slice --openapi ../shared/specs/kalshi/openapi.yaml \\
        --asyncapi ../shared/specs/kalshi/asyncapi.yaml --out contracts/kalshi

The output is a function of the source text alone (no timestamps, no source path), so re-running it on the same spec
gives the same bytes; `info.x-mockexchange-source` records the source's version and sha256.
"""

from __future__ import annotations

import argparse
import copy
import functools
import hashlib
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from mockexchange.registry import kalshi
from mockexchange.schema.refs import is_operation, lookup, operations, operations_by_id, pointer, refs_in
from mockexchange.schema.specs import (
    SpecError,
    kalshi_slice_path,
    load_spec,
    parse_spec_text,
    read_spec_text,
    slices_root,
)

KALSHI_OPENAPI_URL = "https://docs.kalshi.com/openapi.yaml"
KALSHI_ASYNCAPI_URL = "https://docs.kalshi.com/asyncapi.yaml"

# Every operation the mock serves, and those of them that change the account (`contract check` runs those only when
# named, --operation, and the generated-responses mode answers them from the ledger): the Kalshi registration's
# kit, from the venue's route table.
KALSHI_OPERATIONS: tuple[str, ...] = kalshi.KIT.operations
KALSHI_WRITES: frozenset[str] = kalshi.KIT.writes
KALSHI_CHANNELS: tuple[str, ...] = (
    "market_positions",
    "fill",
    "orderbook_delta",
    "ticker",
    "trade",
    "market_lifecycle_v2",
    "multivariate_market_lifecycle",
    "user_orders",
    "order_group_updates",
    "communications",
    "cfbenchmarks_value",
    "cfbenchmarks_value_5hz",
    "pyth_value",
)
# Channels cut down to the messages the mock speaks: the connection-level ones every subscription goes through (the
# CF Benchmarks and Pyth updates and their replies among them), market_lifecycle_v2 (markets' lifecycle, their
# metadata updates, events' listing and fee overrides: every message of the channel), multivariate_market_lifecycle
# (combo markets' lifecycle and their events' listing: every message of the channel), and communications (RFQs,
# quotes, RFQ batches and batch quotes: every message of the channel).
KALSHI_SPOKEN_MESSAGES: dict[str, tuple[str, ...]] = {
    "root": (
        "subscribeCommand",
        "unsubscribeCommand",
        "updateSubscriptionCommand",
        "updateSubscriptionDeleteCommand",
        "updateSubscriptionSingleSidCommand",
        "cfbenchmarksUpdateSubscriptionCommand",
        "pythUpdateSubscriptionCommand",
        "listSubscriptionsCommand",
        "subscribedResponse",
        "listSubscriptionsResponse",
        "unsubscribedResponse",
        "subscribedIndicesResponse",
        "subscribedUnderlyingsResponse",
        "okResponse",
        "errorResponse",
    ),
    "control_frames": ("incomingPing", "incomingPong", "outgoingPing", "outgoingPong"),
    "market_lifecycle_v2": ("marketLifecycleV2", "marketMetadataUpdated", "eventLifecycle", "eventFeeUpdate"),
    "multivariate_market_lifecycle": ("multivariateMarketLifecycle", "eventLifecycle"),
    "communications": (
        "rfqCreated",
        "rfqDeleted",
        "quoteCreated",
        "quoteAccepted",
        "quoteExecuted",
        "rfqBatchCreated",
        "rfqBatchDeleted",
        "batchQuoteCreated",
        "rfqBatchBestQuotes",
        "batchQuoteAccepted",
        "rfqBatchExecuted",
        "batchQuoteExecuted",
    ),  # fmt: skip
}

SOURCE_FIELD = "x-mockexchange-source"

# Prose: read by people, not by parsers or validators. (`info.title` is rebuilt separately and kept.)
PROSE_KEYS = frozenset({"description", "summary", "title", "example", "examples", "externalDocs"})
# Vendor extensions that say something about the wire: a field left out when empty (`x-omitempty`), what the
# server validates (`x-oapi-codegen-extra-tags`), how a money string is written (`x-rust-serialize-with`). The
# others name generated code (`x-go-type*`, `x-rust-type`, `x-enum-varnames`) or the docs site (`x-mint`,
# `x-excluded`) and are dropped.
KEPT_EXTENSIONS = frozenset({"x-omitempty", "x-oapi-codegen-extra-tags", "x-rust-serialize-with"})
# Keys whose value maps names the spec chose (fields, status codes, media types, components) to objects: a key
# there is a name, never a keyword, so a field called `description` survives.
NAME_MAPS = frozenset(
    {
        "paths", "properties", "patternProperties", "definitions", "$defs", "responses", "content", "headers",
        "encoding", "schemas", "parameters", "securitySchemes", "requestBodies", "links", "callbacks", "messages",
        "channels", "operations", "servers", "variables", "bindings",
    }
)  # fmt: skip
# Values that are data, not spec objects: copied as they are.
VERBATIM = frozenset({"enum", "default", "const", "required", "security", "mapping", "x-oapi-codegen-extra-tags"})

HEADER = """\
# {what}: a slice of Kalshi's published {name}, the part mockexchange serves.
# Generated by scripts/slice-kalshi-spec (`mockexchange contract slice`); do not edit, re-run it.
# Structure only: prose is dropped. info.{field} records the source spec's version and sha256.
"""


def slice_openapi(
    spec: Mapping[str, Any], operation_ids: Iterable[str] = KALSHI_OPERATIONS, source_text: str | None = None
) -> dict[str, Any]:
    """The OpenAPI document of just these operations and the components they reach, without prose."""
    wanted = set(operation_ids)
    paths: dict[str, Any] = {}
    for path, item in spec.get("paths", {}).items():
        if any(is_operation(key, value) and value.get("operationId") in wanted for key, value in item.items()):
            paths[path] = {
                key: value
                for key, value in item.items()
                if not is_operation(key, value) or value.get("operationId") in wanted
            }
    document = _strip(
        {
            "openapi": spec.get("openapi"),
            "servers": spec.get("servers"),
            "security": spec.get("security"),
            "paths": paths,
            "components": spec.get("components"),
        }
    )
    for operation in operations(document):
        _describe_responses(operation.get("responses", {}))
    _describe_responses(document.get("components", {}).get("responses", {}))
    schemes = {name for requirement in _security_requirements(document) for name in requirement}
    roots = [document["paths"]] + [{"$ref": f"#/components/securitySchemes/{name}"} for name in sorted(schemes)]
    _keep_reachable(document, roots)
    return {"openapi": document.pop("openapi"), "info": _info(spec, source_text), **document}


def slice_asyncapi(
    spec: Mapping[str, Any],
    channels: Iterable[str] = KALSHI_CHANNELS,
    source_text: str | None = None,
    spoken: Mapping[str, Iterable[str]] = KALSHI_SPOKEN_MESSAGES,
) -> dict[str, Any]:
    """The AsyncAPI document of just these channels (plus the connection-level messages the mock speaks; a channel
    of `spoken` cut down to its messages there), their operations and the components they reach, without prose."""
    wanted = set(channels)
    kept_channels: dict[str, Any] = {}
    for name, channel in spec.get("channels", {}).items():
        if name in spoken:
            said = set(spoken[name])
            kept_channels[name] = {**channel, "messages": {m: v for m, v in channel["messages"].items() if m in said}}
        elif name in wanted:
            kept_channels[name] = channel
    kept_messages = {
        f"#/channels/{c}/messages/{m}" for c, channel in kept_channels.items() for m in channel.get("messages", {})
    }
    operations: dict[str, Any] = {}
    for name, operation in spec.get("operations", {}).items():
        if operation.get("channel", {}).get("$ref", "").removeprefix("#/channels/") not in kept_channels:
            continue
        messages = [m for m in operation.get("messages", []) if m.get("$ref") in kept_messages]
        if operation.get("messages") and not messages:
            continue  # every message it carries was cut
        operations[name] = {**operation, "messages": messages} if "messages" in operation else operation
    document = _strip(
        {
            "asyncapi": spec.get("asyncapi"),
            "id": spec.get("id"),
            "servers": spec.get("servers"),
            "defaultContentType": spec.get("defaultContentType"),
            "channels": kept_channels,
            "operations": operations,
            "components": spec.get("components"),
        }
    )
    _keep_reachable(document, [document.get("servers", {}), document["channels"], document["operations"]])
    return {"asyncapi": document.pop("asyncapi"), "info": _info(spec, source_text), **document}


def dump(document: Mapping[str, Any], what: str, name: str, header: str = HEADER) -> str:
    """The YAML text of a slice with its generated-file header (`header`, formatted with `what`, `name` and `field`):
    the same document always gives the same bytes."""
    body = yaml.dump(dict(document), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    return header.format(what=what, name=name, field=SOURCE_FIELD) + body


def committed_openapi() -> dict[str, Any]:
    """The committed OpenAPI slice (`kalshi_slice_path`), parsed once per process (`parsed_once`): a run of the
    schema suites loads it per operation."""
    return parsed_once(kalshi_slice_path("openapi.yaml"))


def parsed_once(path: str | Path) -> dict[str, Any]:
    """A spec file (`load_spec`), parsed once per process while it is unchanged: a fresh copy each call, the caller's
    to change. A file that cannot be read is `load_spec`'s error, as without the copy."""
    try:
        stat = Path(path).stat()
    except OSError:
        return load_spec(str(path))
    return copy.deepcopy(_parsed(str(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=8)
def _parsed(path: str, mtime_ns: int, size: int) -> dict[str, Any]:
    return load_spec(path)


def parsed_text(text: str, source: str) -> dict[str, Any]:
    """A spec's text parsed (`parse_spec_text`) once per process: a fresh copy each call. Text that does not parse
    is `parse_spec_text`'s error, naming `source`."""
    return copy.deepcopy(_parsed_text(text, source))


@functools.lru_cache(maxsize=4)
def _parsed_text(text: str, source: str) -> dict[str, Any]:
    return parse_spec_text(text, source)


def source_of(document: Mapping[str, Any]) -> dict[str, Any]:
    """What a slice records of its source spec: `version` and `sha256`."""
    return dict(document.get("info", {}).get(SOURCE_FIELD, {}))


# -- the walk -------------------------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # no &anchors: a slice reads the same wherever a node is shared


def _strip(node: Any, names: bool = False) -> Any:
    """A copy without prose and without the extensions that say nothing about the wire; `None` values dropped."""
    if isinstance(node, list):
        return [_strip(item) for item in node]
    if not isinstance(node, dict):
        return node
    kept: dict[str, Any] = {}
    for key, value in node.items():
        if value is None and not names:
            continue
        if names:
            kept[key] = _strip(value)
        elif key in PROSE_KEYS or (key.startswith("x-") and key not in KEPT_EXTENSIONS):
            continue
        elif key in VERBATIM:
            kept[key] = value
        else:
            kept[key] = _strip(value, names=key in NAME_MAPS and isinstance(value, dict))
    return kept


def _describe_responses(responses: dict[str, Any]) -> None:
    # OpenAPI 3.0 requires a description on every response object: an empty one keeps the slice valid and prose-free.
    for code, response in list(responses.items()):
        if isinstance(response, dict) and "$ref" not in response:
            responses[code] = {"description": "", **response}


def _security_requirements(document: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    yield from document.get("security", [])
    for operation in operations(document):
        yield from operation.get("security", [])


def _keep_reachable(document: dict[str, Any], roots: list[Any]) -> None:
    """Cut `components` down to what the roots reach through `$ref`s, transitively, in the spec's order."""
    reached: set[tuple[str, str]] = set()
    todo = [ref for root in roots for ref in refs_in(root)]
    while todo:
        ref = todo.pop()
        target = lookup(document, ref)
        parts = pointer(ref)
        if parts[0] != "components":
            todo.extend(refs_in(target))
            continue
        key = (parts[1], parts[2])
        if key not in reached:
            reached.add(key)
            todo.extend(refs_in(document["components"][key[0]][key[1]]))
    components = {
        kind: {name: value for name, value in members.items() if (kind, name) in reached}
        for kind, members in document.get("components", {}).items()
    }
    document["components"] = {kind: members for kind, members in components.items() if members}


def _info(spec: Mapping[str, Any], source_text: str | None) -> dict[str, Any]:
    info = spec.get("info", {})
    source: dict[str, Any] = {"version": info.get("version")}
    if source_text is not None:
        source["sha256"] = hashlib.sha256(source_text.encode()).hexdigest()
    return {"title": info.get("title"), "version": info.get("version"), SOURCE_FIELD: source}


# -- `mockexchange contract slice` ------------------------------------------------------------------------------------


def add_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "slice",
        help="derive the committed Kalshi schema slices from the published specs",
        description="Write openapi.yaml and asyncapi.yaml: the operations and channels the mock serves, every "
        "component they reach, structure only. The same source always gives the same bytes.",
    )
    parser.add_argument("--openapi", default=KALSHI_OPENAPI_URL, metavar="PATH_OR_URL", help="default: %(default)s")
    parser.add_argument("--asyncapi", default=KALSHI_ASYNCAPI_URL, metavar="PATH_OR_URL", help="default: %(default)s")
    parser.add_argument("--out", metavar="DIR", help="where to write them (default: the checkout's contracts/kalshi)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        openapi_text = read_spec_text(args.openapi)
        openapi = slice_openapi(parse_spec_text(openapi_text, args.openapi), KALSHI_OPERATIONS, openapi_text)
        asyncapi_text = read_spec_text(args.asyncapi)
        asyncapi = slice_asyncapi(parse_spec_text(asyncapi_text, args.asyncapi), KALSHI_CHANNELS, asyncapi_text)
        out = Path(args.out) if args.out else slices_root()
    except SpecError as exc:
        print(f"mockexchange contract slice: {exc}", file=sys.stderr)
        return 2
    missing = [op for op in KALSHI_OPERATIONS if op not in operations_by_id(openapi)]
    missing += [f"channel {c}" for c in KALSHI_CHANNELS if c not in asyncapi.get("channels", {})]
    if missing:
        # A slice without them would hide the loss: `contract drift` reports what changed.
        print(f"mockexchange contract slice: the specs lack {', '.join(missing)}; nothing written", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    for name, document, what in (
        ("openapi.yaml", openapi, "Kalshi Trade API (REST)"),
        ("asyncapi.yaml", asyncapi, "Kalshi WebSocket API"),
    ):
        (out / name).write_text(dump(document, what, name), encoding="utf-8")
        print(f"wrote {out / name}")
    return 0
