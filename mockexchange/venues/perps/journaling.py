"""What the request journal learns from a perps request when the entry is first read (`perps_rules`, the
registration's journal judge), as Kalshi's from Kalshi's: its REST request judged against the perps OpenAPI slice, a
websocket upgrade at the AsyncAPI slice's one endpoint."""

from __future__ import annotations

from functools import cache
from urllib.parse import unquote

from mockexchange.journal.entries import JournalEntry
from mockexchange.schema.requests import Problem, RestRules, problem
from mockexchange.schema.specs import load_spec, perps_slice_path


@cache
def perps_rest_rules() -> RestRules:
    """Built once per process from the perps OpenAPI slice (SpecError when the slices are not found)."""
    return RestRules(load_spec(str(perps_slice_path("openapi.yaml"))))


@cache
def perps_websocket_path() -> str:
    """The path of the perps websocket, as the AsyncAPI slice's servers give it (`/trade-api/ws/v2/margin`)."""
    servers = load_spec(str(perps_slice_path("asyncapi.yaml")))["servers"]
    return str(next(iter(servers.values()))["pathname"])


def perps_rules(entry: JournalEntry) -> tuple[str | None, list[Problem]]:
    """A perps REST request against the perps OpenAPI slice; a websocket upgrade at the AsyncAPI's one endpoint."""
    if entry.transport == "rest":
        return perps_rest_rules().check(entry.method or "", unquote(entry.path), entry.query)
    if unquote(entry.path) != perps_websocket_path():
        return None, [problem("operation.unknown", f"{entry.path}: no websocket endpoint of the schema is here")]
    return None, []
