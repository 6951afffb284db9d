"""What every real-client script shares: the plan, one client per key, the calls, the outcomes and the report.

A client script (kalshi_sdk.py, official.py) says only what differs from one client library to the next, as a
`Family`: how to build a client for a key, the distribution to name in the report, whether models are dumped under
their wire names, and (if it can) a log of the requests the client sent. `run(family)` does the rest. This module
imports the standard library only, so any client venv can run it.

How a script finds this module
------------------------------
`mockexchange.contract.clients.libraries.run_client` runs a script with its client venv's interpreter in isolated
mode (`python -I`): no PYTHONPATH, no user site-packages and not even the script's own folder on sys.path, so nothing
of the test run leaks into the client's world. A script that uses this harness adds its own folder back itself, at
the END of sys.path, then imports it:

    sys.path.append(str(Path(__file__).resolve().parent))
    import client_harness

At the end, so the client library and the standard library win any clash of names: the folder adds nothing but the
scripts and this module. The guarantee stays "the client library, the standard library and the kit's own
stdlib-only code", and a script runs by hand exactly as the tests run it (`<venv>/bin/python -I .../official.py
plan.json`), with no launcher, variable or sitecustomize to reproduce. (Not chosen: `run_client` putting the folder
on sys.path through a `-c`/runpy bootstrap ties every script to that launcher; runpy/exec of a path named in an
environment variable gives a namespace dict instead of a module, and one more variable to set.) The folder is
appended rather than the harness kept one level up, in scripts/, because that folder holds `kalshi/`,
which would turn `import kalshi` into an empty namespace package in a venv without kalshi-sdk.

Reads
-----
  MOCKEXCHANGE_BASE_URL   http://127.0.0.1:PORT/trade-api/v2 (a call may name its own `base_url`)
  MOCKEXCHANGE_KEY_ID     default key id
  MOCKEXCHANGE_PEM_PATH   default private key file
  the plan: a JSON file named by argv[1], or the JSON text in MOCKEXCHANGE_PLAN:
    {"calls": [{"id": "...", "op": "...", "method": "...", "args": {...}, "items"?: "fills", "cursor"?: "next_cursor",
                "key_id"?: "...", "pem_path"?: "...", "base_url"?: "..."}]}

An argument may be a value an earlier call answered: `{"$answer": "<call id>", "field": "id"}` is that call's `result`
field (the id the server drew for what it made, which a later call names); a call whose earlier call failed or lacks
the field fails itself, with the reason.

`method` is a dotted path on the client (`portfolio.fills`, `get_fills`). ops:
  call     one call; its answer (a model) is reported as `result`
  page     one call of a list method, reported as a walk of one page
  pages    follow `cursor=` page by page while the page says more follow (its own `has_next` where the client's page
           has one, else a non-empty cursor, as users of a client without one write it)
  iterate  drain one of the client's own iterators (kalshi-sdk's *_all), or the list a call that walks every page
           itself answers (pykalshi's `fetch_all=True`); its pages and cursors are read from the requests it sent,
           when the family logs them
  has      call nothing: `result` says whether the client has `method` at all (what a dialect claims it lacks)
A list op collects the list named by `items` from every page (default "items"; a JSON list names several); `cursor`
names the page's field holding the next cursor (default "cursor").

Prints
------
One JSON document: {"client": {"package", "version"}, "python", "calls": {id: outcome}}. An outcome is
  {"ok": true, "result"?: {...}, "items"?: [...], "lists"?: {name: [...]}, "pages", "cursors", "has_next"?, "types",
   "seconds", "requests"?}
with `items` the first named list and `lists` every one, or
  {"ok": false, "error": {"type", "module", "mro", "status", "message", "body"}, "seconds", "requests"?}.
Values keep their JSON type where JSON has one (int, float, bool, string, null); Decimals and datetimes are given as
strings, enums as their value, secrets (pydantic's SecretStr) as their text, and `types` names the Python type(s)
each field had in the client's models. `requests` (path, query, status of each request the call sent) comes from
families that log them. A failing call does not stop the others; anything else exits non-zero.
"""

from __future__ import annotations

import asyncio
import datetime
import decimal
import enum
import importlib.metadata
import inspect
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_PAGES = 10_000  # a cursor walk that never ends is reported, not waited for


@dataclass(frozen=True)
class Family:
    """What differs from one client library to the next."""

    distribution: str  # the installed distribution the report names, with its version
    # (base_url, key_id, pem_path) -> (a client signing with that key, the list it logs its requests in, or None)
    connect: Callable[[str, str, str], tuple[Any, list[dict] | None]]
    wire_names: bool = False  # dump models under their aliases (the generated SDK's wire names)
    # (the method, the plan's args) -> the arguments it is called with: how the client takes a request body
    arguments: Callable[[Any, dict], dict] | None = None
    # an answer (or an item of a list answered) -> what is dumped of it: the model inside a client's own object
    unwrap: Callable[[Any], Any] | None = None


def load_plan() -> dict:
    if len(sys.argv) > 1:
        with open(sys.argv[1]) as handle:
            return json.load(handle)
    return json.loads(os.environ["MOCKEXCHANGE_PLAN"])


async def resolve(value):
    """Sync clients answer values, async ones awaitables: one harness drives both."""
    return await value if inspect.isawaitable(value) else value


def plain(value, wire_names: bool = False):
    """A value as JSON can carry it: Decimals and datetimes as strings, enums as their value, models as dicts."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return plain(value.value, wire_names)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v, wire_names) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v, wire_names) for v in value]
    fields = model_fields(value, wire_names)
    if fields is not None:
        return plain(fields, wire_names)
    if hasattr(value, "get_secret_value"):  # pydantic's SecretStr (kalshi-sdk's generated private key): its text
        return value.get_secret_value()
    return str(value)


def model_fields(value, wire_names: bool) -> dict | None:
    """A model's fields: pydantic's `model_dump` (under the wire's names with `wire_names`), or the `to_dict()` of an
    openapi-python-client model (kalshi-py's attrs classes, always the wire's names); None for what is no model."""
    if hasattr(value, "model_dump"):
        return value.model_dump(by_alias=wire_names)
    if hasattr(value, "to_dict") and hasattr(value, "additional_properties"):
        return value.to_dict()
    return None


def field_types(models, wire_names: bool, types: dict | None = None) -> dict:
    """Python type names of each field, over every model given (a field may be int in one row and None in another)."""
    types = {} if types is None else types
    for model in models:
        fields = model_fields(model, wire_names)
        if fields is None:  # an empty answer (the SDK's `object`): no fields
            continue
        for name, value in fields.items():
            seen = types.setdefault(name, [])
            if type(value).__name__ not in seen:
                seen.append(type(value).__name__)
    return types


def error_outcome(exc: BaseException) -> dict:
    # The HTTP status as the client keeps it: `status_code` (kalshi-sdk), `status` (the generated SDK's ApiException).
    status = getattr(exc, "status_code", None)
    if status is None:
        status = getattr(exc, "status", None)
    body = getattr(exc, "body", None)
    return {
        "ok": False,
        "error": {
            "type": type(exc).__name__,
            "module": type(exc).__module__,
            "mro": [cls.__name__ for cls in type(exc).__mro__],
            "status": status,
            "message": str(exc)[:3000],
            "body": body if isinstance(body, str) or body is None else str(body),
        },
    }


def listing(lists: dict[str, list], wire_names: bool) -> dict:
    types: dict = {}
    for items in lists.values():
        field_types(items, wire_names, types)
    dumped = {name: [plain(item, wire_names) for item in items] for name, items in lists.items()}
    return {"ok": True, "items": next(iter(dumped.values())), "lists": dumped, "types": types}


async def walk_pages(
    fetch, args: dict, names: list[str], wire_names: bool, first_only: bool, field: str = "cursor"
) -> dict:
    """Page by page with `cursor=`, keeping every named list of every page (the *_all iterators keep only one); the
    page's next cursor is its `field` (`next_cursor` on a page that names it so)."""
    lists: dict[str, list] = {name: [] for name in names}
    cursors: list = []
    cursor = None
    while True:
        page = await resolve(fetch(**args, cursor=cursor) if cursor else fetch(**args))
        for name in names:
            lists[name] += getattr(page, name)
        cursors.append(getattr(page, field))
        more = page.has_next if hasattr(page, "has_next") else bool(cursors[-1])
        if not more or first_only:
            break
        if cursors[-1] in cursors[:-1] or len(cursors) >= MAX_PAGES:
            raise RuntimeError(f"cursor walk does not end: page {len(cursors)}, cursor {cursors[-1]!r} seen before")
        cursor = cursors[-1]
    return {**listing(lists, wire_names), "pages": len(cursors), "cursors": cursors, "has_next": more}


class Unanswered(Exception):
    """An argument names an earlier call's answer that is not there."""


def answered(value, outcomes: dict[str, dict]):
    """The value with each `{"$answer": call id, "field": name}` in it replaced by that call's answered field (a
    dotted name reaches into what the answer nests: `order.order_id`, `orders.0.order.order_id`)."""
    if isinstance(value, dict) and "$answer" in value:
        earlier = outcomes.get(value["$answer"], {})
        found = earlier.get("result") if earlier.get("ok") else None
        for part in value["field"].split("."):
            if isinstance(found, dict) and part in found:
                found = found[part]
            elif isinstance(found, list) and part.isdigit() and int(part) < len(found):
                found = found[int(part)]
            else:
                said = earlier.get("error") or earlier.get("result")
                raise Unanswered(f"{value['$answer']} answered no {value['field']!r}: {said!r}")
        return found
    if isinstance(value, dict):
        return {name: answered(item, outcomes) for name, item in value.items()}
    if isinstance(value, list):
        return [answered(item, outcomes) for item in value]
    return value


def unwrapped(family: Family, answer):
    """The answer as the family dumps it: each item of a list, or the answer itself, unwrapped."""
    if family.unwrap is None:
        return answer
    return [family.unwrap(item) for item in answer] if isinstance(answer, list) else family.unwrap(answer)


async def run_call(client, call: dict, family: Family) -> dict:
    op = call["op"]
    if op == "has":
        found = client
        for part in call["method"].split("."):
            found = getattr(found, part, None)
        return {"ok": True, "result": callable(found), "types": {}, "pages": 0, "cursors": None}
    fetch = client
    for part in call["method"].split("."):
        fetch = getattr(fetch, part)
    args = call.get("args", {})
    if family.arguments is not None:
        args = family.arguments(fetch, args)
    wire_names = family.wire_names
    if op == "call":
        answer = unwrapped(family, await resolve(fetch(**args)))
        types = field_types([answer] if answer is not None else [], wire_names)  # None: a 201 or 204 with no body
        return {"ok": True, "result": plain(answer, wire_names), "types": types, "pages": 1, "cursors": None}
    names = call.get("items", "items")
    names = [names] if isinstance(names, str) else names
    if op in ("page", "pages"):
        field = call.get("cursor", "cursor")
        return await walk_pages(fetch, args, names, wire_names, first_only=op == "page", field=field)
    if op == "iterate":
        items = unwrapped(family, list(await resolve(fetch(**args))))
        return {**listing({names[0]: items}, wire_names), "pages": None, "cursors": None}
    raise ValueError(f"unknown op {op!r}")


async def run_plan(family: Family, plan: dict) -> dict[str, dict]:
    sessions: dict[tuple[str, str, str], tuple[Any, list[dict] | None]] = {}
    outcomes: dict[str, dict] = {}
    try:
        for call in plan["calls"]:
            key = (
                call.get("base_url") or os.environ["MOCKEXCHANGE_BASE_URL"],
                call.get("key_id") or os.environ["MOCKEXCHANGE_KEY_ID"],
                call.get("pem_path") or os.environ["MOCKEXCHANGE_PEM_PATH"],
            )
            if key not in sessions:
                sessions[key] = family.connect(*key)
            client, log = sessions[key]
            first = len(log) if log is not None else 0
            started = time.monotonic()
            try:
                call = {**call, "args": answered(call.get("args", {}), outcomes)}
                outcome = await run_call(client, call, family)
            except Exception as exc:  # the client's own error is the observation
                outcome = error_outcome(exc)
            outcome["seconds"] = round(time.monotonic() - started, 3)
            if log is not None:
                outcome["requests"] = log[first:]
                if outcome["ok"] and outcome["pages"] is None:
                    # A client's own iterator hides its pages; the requests it sent show them.
                    outcome["pages"] = len(outcome["requests"])
                    outcome["cursors"] = [entry["query"].get("cursor") for entry in outcome["requests"]]
            outcomes[call["id"]] = outcome
    finally:
        for client, _ in sessions.values():
            close = getattr(client, "close", None)
            if close is not None:
                await resolve(close())
    return outcomes


def run(family: Family) -> None:
    """A client script's main: every call of the plan, then the report on stdout."""
    outcomes = asyncio.run(run_plan(family, load_plan()))
    report = {
        "client": {"package": family.distribution, "version": importlib.metadata.version(family.distribution)},
        "python": sys.version.split()[0],
        "calls": outcomes,
    }
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
