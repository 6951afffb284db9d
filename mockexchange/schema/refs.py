"""Walking an OpenAPI or AsyncAPI document: its operations, and local `$ref`s followed to what they point at."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mockexchange.schema.specs import SpecError

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def is_operation(key: str, value: Any) -> bool:
    return key in HTTP_METHODS and isinstance(value, dict)


def operations(document: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for item in document.get("paths", {}).values():
        yield from (value for key, value in item.items() if is_operation(key, value))


def operations_by_id(document: Mapping[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Each operation of an OpenAPI document by operationId: (method, path, operation)."""
    found: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if is_operation(method, operation) and "operationId" in operation:
                found[operation["operationId"]] = (method, path, operation)
    return found


def resolve(document: Mapping[str, Any], node: Any) -> Any:
    """A node with its `$ref` followed (repeatedly) inside the same document."""
    seen: set[str] = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if ref in seen:
            raise SpecError(f"$ref cycle at {ref}")
        seen.add(ref)
        node = lookup(document, ref)
    return node


def lookup(document: Mapping[str, Any], ref: str) -> Any:
    """The node a local `$ref` (`#/a/b`) points at; SpecError if there is none."""
    node: Any = document
    for part in pointer(ref):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise SpecError(f"$ref {ref} points at nothing")
    return node


def refs_in(node: Any) -> Iterator[str]:
    """Every `$ref` under a node, and the targets of discriminator mappings."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            elif key == "mapping" and isinstance(value, dict):
                yield from (v for v in value.values() if isinstance(v, str) and v.startswith("#/"))
            else:
                yield from refs_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs_in(item)


def pointer(ref: str) -> list[str]:
    if not ref.startswith("#/"):
        raise SpecError(f"only local $refs are supported, not {ref!r}")
    return [part.replace("~1", "/").replace("~0", "~") for part in ref[2:].split("/")]
