"""Positions through Kalshi's official generated SDK, `kalshi_python_sync` or `kalshi_python_async`, run inside that
client's own venv. Imports the client library and the standard library only.

Reads:
  MOCKEXCHANGE_CLIENT_PACKAGE  kalshi_python_sync | kalshi_python_async (default: whichever is installed)
  MOCKEXCHANGE_BASE_URL        http://127.0.0.1:PORT/trade-api/v2
  MOCKEXCHANGE_KEY_ID          default key id
  MOCKEXCHANGE_PEM_PATH        default private key file
  the plan: a JSON file named by argv[1], or the JSON text in MOCKEXCHANGE_PLAN:
    {"calls": [{"id": "...", "op": "...", "args": {...}, "key_id"?: "...", "pem_path"?: "..."}]}
ops: positions, fcm_positions (one page each) and positions_pages, fcm_positions_pages (follow `cursor` until it is
empty, as the SDK's users write it: the SDK has no iterator of its own).

Prints one JSON document: {"client", "python", "calls": {id: outcome}}. An outcome is either
{"ok": true, "market_positions": [...], "event_positions": [...], "pages", "cursors", "types"} with every field as the
client's models hold it, in string form, or {"ok": false, "error": {"type", "mro", "status", "message", "body"}}.
A failing call does not stop the others; anything else exits non-zero.
"""

from __future__ import annotations

import asyncio
import datetime
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


def text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def dump(model) -> tuple[dict, dict]:
    data = model.model_dump(by_alias=True)
    return {name: text(value) for name, value in data.items()}, {
        name: type(value).__name__ for name, value in data.items()
    }


def error_outcome(exc: BaseException) -> dict:
    body = getattr(exc, "body", None)
    return {
        "ok": False,
        "error": {
            "type": type(exc).__name__,
            "mro": [cls.__name__ for cls in type(exc).__mro__],
            "status": getattr(exc, "status", None),
            "message": str(exc)[:2000],
            "body": body if isinstance(body, str) or body is None else str(body),
        },
    }


def positions_outcome(markets, events, pages: int, cursors: list) -> dict:
    types: dict = {}
    market_rows, event_rows = [], []
    for row in markets:
        values, kinds = dump(row)
        market_rows.append(values)
        types.setdefault("market_position", kinds)
    for row in events:
        values, kinds = dump(row)
        event_rows.append(values)
        types.setdefault("event_position", kinds)
    return {
        "ok": True,
        "market_positions": market_rows,
        "event_positions": event_rows,
        "pages": pages,
        "cursors": cursors,
        "types": types,
    }


async def walk_pages(fetch, args: dict) -> dict:
    markets, events, cursors = [], [], []
    cursor = None
    pages = 0
    while True:
        page = await resolve(fetch(**args, cursor=cursor) if cursor else fetch(**args))
        pages += 1
        markets += page.market_positions
        events += page.event_positions
        cursors.append(page.cursor)
        if not page.cursor:
            break
        if page.cursor in cursors[:-1] or pages >= MAX_PAGES:
            raise RuntimeError(f"cursor walk does not end: page {pages}, cursor {page.cursor!r} seen before")
        cursor = page.cursor
    return positions_outcome(markets, events, pages, cursors)


async def run_call(client, op: str, args: dict) -> dict:
    if op in ("positions", "fcm_positions"):
        fetch = client.get_positions if op == "positions" else client.get_fcm_positions
        page = await resolve(fetch(**args))
        return positions_outcome(page.market_positions, page.event_positions, 1, [page.cursor])
    if op == "positions_pages":
        return await walk_pages(client.get_positions, args)
    if op == "fcm_positions_pages":
        return await walk_pages(client.get_fcm_positions, args)
    raise ValueError(f"unknown op {op!r}")


def load_plan() -> dict:
    if len(sys.argv) > 1:
        with open(sys.argv[1]) as handle:
            return json.load(handle)
    return json.loads(os.environ["MOCKEXCHANGE_PLAN"])


async def main() -> None:
    package = load_package()
    base_url = os.environ["MOCKEXCHANGE_BASE_URL"]
    plan = load_plan()
    clients: dict[tuple[str, str], object] = {}
    outcomes: dict[str, dict] = {}
    try:
        for call in plan["calls"]:
            key_id = call.get("key_id") or os.environ["MOCKEXCHANGE_KEY_ID"]
            pem_path = call.get("pem_path") or os.environ["MOCKEXCHANGE_PEM_PATH"]
            if (key_id, pem_path) not in clients:
                config = package.Configuration(host=base_url)
                config.api_key_id = key_id
                with open(pem_path) as handle:
                    config.private_key_pem = handle.read()
                clients[(key_id, pem_path)] = package.KalshiClient(config)
            started = time.monotonic()
            try:
                outcome = await run_call(clients[(key_id, pem_path)], call["op"], call.get("args", {}))
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
