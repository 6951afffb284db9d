"""The admin API's OpenAPI document (`GET /_admin/openapi.json`, mockexchange/admin/openapi.py) against its routes,
and schemathesis fuzzing the admin API from that document over real HTTP: no server error, every status and body as
documented.

The document is built from the routes' own table, so the first tests hold it to what a client sees: every route is
documented and every documented route served, every body field is a parameter of the method the route calls (the
Python API's), each with a type. Schemas are bound when tests are collected (schemathesis' pytest integration is used
without fixtures under pytest 9), so the document is read from an in-process app; the cases go to a MockServer.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections import Counter
from collections.abc import Iterator

import httpx
import plain_http
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.routing import Route

from mockexchange.admin import openapi, routes
from mockexchange.admin.paths import AdminPaths
from mockexchange.app import build_app
from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

APP = build_app(clock=ManualClock())


def ask(
    method: str, path: str, client: tuple[str, int] = ("127.0.0.1", 4000), host: str = "127.0.0.1"
) -> httpx.Response:
    """One request to the in-process app, from `client`, naming `host`."""

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=APP.asgi, client=client)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as http:
            return await http.request(method, path)

    return asyncio.run(send())


DOCUMENT = ask("GET", "/_admin/openapi.json").json()
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
SCHEMA.config.update(base_url="http://127.0.0.1:9")  # each case is sent to the module's MockServer instead
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
FUZZED: Counter[str] = Counter()  # cases sent, per operation, reported at the end of the module


def served() -> set[tuple[str, str]]:
    found = set()
    for route in APP.asgi.routes:
        if isinstance(route, Route) and route.path.startswith(routes.ADMIN_PREFIX):
            # `{user_id:path}` is the route's converter (a user id may hold a slash); the document says `{user_id}`.
            path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
            found |= {(method, path) for method in route.methods or () if method != "HEAD"}
    return found


def documented() -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in DOCUMENT["paths"].items() for method in item}


def test_every_admin_route_is_documented_and_every_documented_one_served():
    assert documented() == served()
    ids = [op["operationId"] for item in DOCUMENT["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids)), "operationIds are unique"


def test_the_document_is_valid_openapi_and_served_to_any_client():
    SCHEMA.validate()  # against the OpenAPI 3.1 meta-schema
    assert DOCUMENT["openapi"] == "3.1.0" and len(list(SCHEMA.get_all_operations())) == len(documented())
    remote, name = ("203.0.113.9", 4000), "anywhere.example"
    assert ask("GET", "/_admin/openapi.json", remote, name).json() == DOCUMENT
    assert ask("POST", "/_admin/reset", remote, name).status_code == 403, "the operations are still guarded"


def test_every_body_field_is_a_parameter_of_the_method_the_route_calls():
    table = routes.operations(APP.control, APP.scenarios, AdminPaths((), ()))
    for name, method in table.items():
        operation = DOCUMENT["paths"][f"{routes.ADMIN_PREFIX}/{name}"]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        signature = inspect.signature(method).parameters
        fields = {n for n, p in signature.items() if p.kind is not p.KEYWORD_ONLY}
        assert set(body["properties"]) == fields, name
        assert set(body.get("required", ())) == {n for n in fields if signature[n].default is inspect.Parameter.empty}
        assert body["additionalProperties"] is False, "unknown fields are refused"
        untyped = [field for field, schema in body["properties"].items() if not schema.keys() - {"default"}]
        assert not untyped, f"{name}: no type for {untyped} (an annotation that does not resolve?)"
    # The confined scenario load takes what MockServer.load_scenario takes (the Python API, unconfined).
    scenario = DOCUMENT["paths"]["/_admin/scenario"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    python = inspect.signature(MockServer(clock=ManualClock()).load_scenario).parameters
    assert set(scenario["properties"]) == {n for n, p in python.items() if p.kind is not p.KEYWORD_ONLY}


def test_the_types_of_the_document():
    assert openapi.json_schema(int | None) == {"type": ["integer", "null"]}
    assert openapi.json_schema(dict[str, str]) == {"type": "object", "additionalProperties": {"type": "string"}}
    fills = DOCUMENT["paths"]["/_admin/fills"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert fills["properties"]["count"] == {"type": ["string", "integer"]} and "user_id" in fills["required"]
    journal = {p["name"]: p["schema"] for p in DOCUMENT["paths"]["/_admin/requests"]["get"]["parameters"]}
    assert journal["invalid"] == {"type": "boolean"} and journal["since"] == {"type": "integer"}


@pytest.fixture(scope="module")
def http_mock(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[MockServer]:
    root = tmp_path_factory.mktemp("admin-fuzz")
    (root / "scenarios").mkdir()
    with MockServer(clock=ManualClock(), scenario_dirs=(str(root / "scenarios"),), key_dirs=(str(root / "keys"),)) as m:
        yield m
        m.reset()  # stops a timeline the fuzzing set playing
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and FUZZED:
        # Schemathesis also probes each path once with methods it does not document (405 is their answer).
        ours = {f"{method} {path}": FUZZED[f"{method} {path}"] for method, path in sorted(documented())}
        probes = sum(FUZZED.values()) - sum(ours.values())
        counts = ", ".join(f"{name} {n}" for name, n in ours.items())
        total = sum(ours.values())
        reporter.write_line(
            f"admin API fuzzing: {total} cases over {len(ours)} operations, {probes} method probes: {counts}"
        )


def test_the_fuzzed_document_is_the_one_served_over_http(http_mock):
    assert plain_http.get(f"{http_mock.base_url}/_admin/openapi.json", timeout=10).json() == DOCUMENT


@pytest.mark.slow
@SCHEMA.parametrize()
@FUZZ
def test_fuzz_the_admin_api_over_http(case, http_mock):
    FUZZED[f"{case.method} {case.path}"] += 1
    response = case.call(base_url=http_mock.base_url, timeout=30)
    case.validate_response(response, checks=CHECKS)
