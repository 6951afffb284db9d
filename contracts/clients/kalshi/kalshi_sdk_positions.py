"""Positions through kalshi-sdk (PyPI `kalshi-sdk`, import name `kalshi`), run inside that client's own venv.

Imports the client library (and httpx, which it is built on, for its public `transport=` hook) and the standard library
only. Reads:
  MOCKEXCHANGE_BASE_URL   http://127.0.0.1:PORT/trade-api/v2
  MOCKEXCHANGE_KEY_ID     default key id
  MOCKEXCHANGE_PEM_PATH   default private key file
  the plan: a JSON file named by argv[1], or the JSON text in MOCKEXCHANGE_PLAN:
    {"calls": [{"id": "...", "op": "...", "args": {...}, "key_id"?: "...", "pem_path"?: "..."}]}
ops: positions (one page), positions_all (the client's own cursor walk), positions_pages (page by page with
`positions(cursor=...)`, keeping event positions), and fcm_positions, fcm_positions_all, fcm_positions_pages.

Prints one JSON document: {"client", "python", "calls": {id: outcome}}. An outcome is either
{"ok": true, "market_positions": [...], "event_positions": [...], "pages", "cursors", "requests", "types"} with every
field as the client exposes it, in string form, or {"ok": false, "error": {"type", "mro", "status", "message"}}.
A failing call does not stop the others; anything else exits non-zero.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import sys
import time
from urllib.parse import parse_qsl

import httpx
from kalshi import KalshiClient

MAX_PAGES = 10_000  # a cursor walk that never ends is reported, not waited for


class RecordingTransport(httpx.BaseTransport):
    """Notes every request the client sends (path and query), then sends it unchanged."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.log: list[dict] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        entry = {"path": request.url.path, "query": dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))}
        self.log.append(entry)
        response = self.inner.handle_request(request)
        entry["status"] = response.status_code
        return response

    def close(self) -> None:
        self.inner.close()


def text(value):
    """A field's value as the client holds it, in string form (None stays null)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def dump(model) -> tuple[dict, dict]:
    """(field -> string form, field -> Python type name) of a pydantic model, extra fields included."""
    data = model.model_dump()
    return {name: text(value) for name, value in data.items()}, {
        name: type(value).__name__ for name, value in data.items()
    }


def error_outcome(exc: BaseException) -> dict:
    status = getattr(exc, "status_code", None)
    return {
        "ok": False,
        "error": {
            "type": type(exc).__name__,
            "mro": [cls.__name__ for cls in type(exc).__mro__],
            "status": status,
            "message": str(exc)[:2000],
        },
    }


def positions_outcome(markets, events, pages: int, cursors: list) -> dict:
    types: dict = {}
    market_rows = []
    for row in markets:
        values, kinds = dump(row)
        market_rows.append(values)
        types.setdefault("market_position", kinds)
    event_rows = []
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


def walk_pages(fetch, args: dict) -> dict:
    """Page by page: keeps each page's event positions, which the client's *_all iterators drop."""
    markets, events, cursors = [], [], []
    cursor = None
    pages = 0
    while True:
        page = fetch(**args, cursor=cursor) if cursor else fetch(**args)
        pages += 1
        markets += page.market_positions
        events += page.event_positions
        cursors.append(page.cursor)
        if not page.has_next:
            break
        if page.cursor in cursors[:-1] or pages >= MAX_PAGES:
            raise RuntimeError(f"cursor walk does not end: page {pages}, cursor {page.cursor!r} seen before")
        cursor = page.cursor
    return positions_outcome(markets, events, pages, cursors)


def run_call(client: KalshiClient, op: str, args: dict) -> dict:
    if op == "positions":
        page = client.portfolio.positions(**args)
        outcome = positions_outcome(page.market_positions, page.event_positions, 1, [page.cursor])
        outcome["has_next"] = page.has_next
        return outcome
    if op == "fcm_positions":
        page = client.fcm.positions(**args)
        outcome = positions_outcome(page.market_positions, page.event_positions, 1, [page.cursor])
        outcome["has_next"] = page.has_next
        return outcome
    if op == "positions_all":
        return positions_outcome(list(client.portfolio.positions_all(**args)), [], None, None)
    if op == "fcm_positions_all":
        return positions_outcome(list(client.fcm.positions_all(**args)), [], None, None)
    if op == "positions_pages":
        return walk_pages(client.portfolio.positions, args)
    if op == "fcm_positions_pages":
        return walk_pages(client.fcm.positions, args)
    raise ValueError(f"unknown op {op!r}")


def load_plan() -> dict:
    if len(sys.argv) > 1:
        with open(sys.argv[1]) as handle:
            return json.load(handle)
    return json.loads(os.environ["MOCKEXCHANGE_PLAN"])


def main() -> None:
    base_url = os.environ["MOCKEXCHANGE_BASE_URL"]
    plan = load_plan()
    clients: dict[tuple[str, str], tuple[KalshiClient, RecordingTransport]] = {}
    outcomes: dict[str, dict] = {}
    try:
        for call in plan["calls"]:
            key_id = call.get("key_id") or os.environ["MOCKEXCHANGE_KEY_ID"]
            pem_path = call.get("pem_path") or os.environ["MOCKEXCHANGE_PEM_PATH"]
            if (key_id, pem_path) not in clients:
                transport = RecordingTransport()
                client = KalshiClient(
                    key_id=key_id, private_key_path=pem_path, base_url=base_url, max_retries=0, transport=transport
                )
                clients[(key_id, pem_path)] = (client, transport)
            client, transport = clients[(key_id, pem_path)]
            first = len(transport.log)
            started = time.monotonic()
            try:
                outcome = run_call(client, call["op"], call.get("args", {}))
            except Exception as exc:  # the client's own error is the observation
                outcome = error_outcome(exc)
            outcome["seconds"] = round(time.monotonic() - started, 3)
            outcome["requests"] = transport.log[first:]
            if outcome.get("ok") and outcome["pages"] is None:
                # The *_all iterators hide their pages; the requests they sent show them.
                outcome["pages"] = len(outcome["requests"])
                outcome["cursors"] = [entry["query"].get("cursor") for entry in outcome["requests"]]
            outcomes[call["id"]] = outcome
    finally:
        for client, _ in clients.values():
            client.close()
    report = {
        "client": {"package": "kalshi-sdk", "version": importlib.metadata.version("kalshi-sdk")},
        "python": sys.version.split()[0],
        "calls": outcomes,
    }
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
