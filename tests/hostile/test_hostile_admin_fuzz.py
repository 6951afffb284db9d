"""The admin API's OpenAPI document (`GET /_admin/openapi.json`, mockexchange/admin/openapi.py) against its routes;
test_hostile_admin_fuzzing.py fuzzes the admin API from it over real HTTP.

The document is built from the routes' own table, so these tests hold it to what a client sees: every route is
documented and every documented route served, every body field is a parameter of the method the route calls (the
Python API's), each with a type. It is read from an in-process app, as the fuzzing binds it when its tests are
collected.
"""

from __future__ import annotations

import asyncio
import inspect
import re

import httpx
import plain_http
import schemathesis
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


def test_the_fuzzed_document_is_the_one_served_over_http():
    with MockServer(clock=ManualClock()) as mock:
        assert plain_http.get(f"{mock.base_url}/_admin/openapi.json", timeout=10).json() == DOCUMENT
