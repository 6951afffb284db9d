"""Portfolio reads through Kalshi's official generated SDK, `kalshi_python_sync` or `kalshi_python_async` (any version:
3.34.0 and the old 3.2.0 alike), run inside that client's own venv. Imports the client library and the standard library
only.

Reads:
  MOCKEXCHANGE_CLIENT_PACKAGE  kalshi_python_sync | kalshi_python_async (default: whichever is installed)
  MOCKEXCHANGE_BASE_URL        http://127.0.0.1:PORT/trade-api/v2
  MOCKEXCHANGE_KEY_ID          default key id
  MOCKEXCHANGE_PEM_PATH        default private key file
  the plan: a JSON file named by argv[1], or the JSON text in MOCKEXCHANGE_PLAN:
    {"calls": [{"id": "...", "op": "...", "method": "get_fills", "args": {...}, "items"?: "fills",
                "key_id"?: "...", "pem_path"?: "...", "base_url"?: "..."}]}
`method` is a method of the SDK's `KalshiClient`. ops:
  call   one call; its answer (a model) is reported as `result`
  pages  follow `cursor` until it is empty, as the SDK's users write it (the SDK has no iterator of its own),
         collecting from every page the list named by `items` (or each of several names: a JSON list)

Prints one JSON document: {"client", "python", "calls": {id: outcome}}. An outcome is either
{"ok": true, "result"?: {...}, "items"?: [...], "lists"?: {name: [...]}, "pages", "cursors", "types"} with every
field under its wire name (`by_alias`), or {"ok": false, "error": {"type", "module", "mro", "status", "message",
"body"}}. Values keep their JSON type (the generated models hold ints, strings, bools and floats as the wire has them);
datetimes are given as ISO strings and `types` names the Python type of each field as the client holds it. A failing
call does not stop the others; anything else exits non-zero.
"""

from __future__ import annotations

import asyncio
import datetime
import decimal
import enum
import importlib
import importlib.metadata
import inspect
import json
import os
import sys
import time

MAX_PAGES = 10_000
PACKAGES = ("kalshi_python_sync", "kalshi_python_async")


def load_package():
    name = os.environ.get("MOCKEXCHANGE_CLIENT_PACKAGE")
    for candidate in (name,) if name else PACKAGES:
        try:
            return importlib.import_module(candidate)
        except ImportError:
            if name:
                raise
    raise ImportError(f"none of {', '.join(PACKAGES)} is installed")


async def resolve(value):
    """The sync package answers values, the async one awaitables: one script drives both."""
    return await value if inspect.isawaitable(value) else value


def plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "model_dump"):
        return plain(value.model_dump(by_alias=True))
    return str(value)


def field_types(models, types: dict) -> None:
    for model in models:
        for name, value in model.model_dump(by_alias=True).items():
            seen = types.setdefault(name, [])
            if type(value).__name__ not in seen:
                seen.append(type(value).__name__)


def error_outcome(exc: BaseException) -> dict:
    body = getattr(exc, "body", None)
    return {
        "ok": False,
        "error": {
            "type": type(exc).__name__,
            "module": type(exc).__module__,
            "mro": [cls.__name__ for cls in type(exc).__mro__],
            "status": getattr(exc, "status", None),
            "message": str(exc)[:3000],
            "body": body if isinstance(body, str) or body is None else str(body),
        },
    }


async def walk_pages(fetch, items_names: list[str], args: dict) -> dict:
    lists: dict[str, list] = {name: [] for name in items_names}
    cursors = []
    cursor = None
    pages = 0
    while True:
        page = await resolve(fetch(**args, cursor=cursor) if cursor else fetch(**args))
        pages += 1
        for name in items_names:
            lists[name] += getattr(page, name)
        cursors.append(page.cursor)
        if not page.cursor:
            break
        if page.cursor in cursors[:-1] or pages >= MAX_PAGES:
            raise RuntimeError(f"cursor walk does not end: page {pages}, cursor {page.cursor!r} seen before")
        cursor = page.cursor
    types: dict = {}
    for items in lists.values():
        field_types(items, types)
    return {
        "ok": True,
        "items": [plain(item) for item in lists[items_names[0]]],
        "lists": {name: [plain(item) for item in items] for name, items in lists.items()},
        "pages": pages,
        "cursors": cursors,
        "types": types,
    }


async def run_call(client, call: dict) -> dict:
    fetch = getattr(client, call["method"])
    args = call.get("args", {})
    if call["op"] == "call":
        answer = await resolve(fetch(**args))
        types: dict = {}
        field_types([answer], types)
        return {"ok": True, "result": plain(answer), "types": types, "pages": 1, "cursors": None}
    if call["op"] == "pages":
        names = call["items"]
        return await walk_pages(fetch, [names] if isinstance(names, str) else names, args)
    raise ValueError(f"unknown op {call['op']!r}")


def load_plan() -> dict:
    if len(sys.argv) > 1:
        with open(sys.argv[1]) as handle:
            return json.load(handle)
    return json.loads(os.environ["MOCKEXCHANGE_PLAN"])


async def main() -> None:
    package = load_package()
    plan = load_plan()
    clients: dict[tuple[str, str, str], object] = {}
    outcomes: dict[str, dict] = {}
    try:
        for call in plan["calls"]:
            base_url = call.get("base_url") or os.environ["MOCKEXCHANGE_BASE_URL"]
            key_id = call.get("key_id") or os.environ["MOCKEXCHANGE_KEY_ID"]
            pem_path = call.get("pem_path") or os.environ["MOCKEXCHANGE_PEM_PATH"]
            if (base_url, key_id, pem_path) not in clients:
                config = package.Configuration(host=base_url)
                config.api_key_id = key_id
                with open(pem_path) as handle:
                    config.private_key_pem = handle.read()
                clients[(base_url, key_id, pem_path)] = package.KalshiClient(config)
            started = time.monotonic()
            try:
                outcome = await run_call(clients[(base_url, key_id, pem_path)], call)
            except Exception as exc:  # the client's own error is the observation
                outcome = error_outcome(exc)
            outcome["seconds"] = round(time.monotonic() - started, 3)
            outcomes[call["id"]] = outcome
    finally:
        for client in clients.values():
            close = getattr(client, "close", None)
            if close is not None:
                await resolve(close())
    distribution = package.__name__
    report = {
        "client": {"package": distribution, "version": importlib.metadata.version(distribution)},
        "python": sys.version.split()[0],
        "calls": outcomes,
    }
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    asyncio.run(main())
