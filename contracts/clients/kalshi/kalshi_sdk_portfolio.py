"""Portfolio reads beside positions through kalshi-sdk (PyPI `kalshi-sdk`, import name `kalshi`), run inside that
client's own venv: balance, fills, settlements, deposits, withdrawals and total resting order value.

Imports the client library (and httpx, which it is built on, for its public `transport=` hook) and the standard library
only. Reads:
  MOCKEXCHANGE_BASE_URL   http://127.0.0.1:PORT/trade-api/v2
  MOCKEXCHANGE_KEY_ID     default key id
  MOCKEXCHANGE_PEM_PATH   default private key file
  the plan: a JSON file named by argv[1], or the JSON text in MOCKEXCHANGE_PLAN:
    {"calls": [{"id": "...", "op": "...", "method": "portfolio.fills", "args": {...},
                "key_id"?: "...", "pem_path"?: "..."}]}
`method` is a dotted path on the client (`portfolio.balance`, `portfolio.fills_all`, ...). ops:
  call     one call; its answer (a model) is reported as `result`
  pages    a list method answering a Page: follow `cursor=` page by page until `has_next` is false
  iterate  one of the client's own *_all iterators, drained

Prints one JSON document: {"client", "python", "calls": {id: outcome}}. An outcome is either
{"ok": true, "result"?: {...}, "items"?: [...], "pages", "cursors", "requests", "types"} or
{"ok": false, "error": {"type", "mro", "status", "message"}}. Values keep their JSON type where JSON has one (int,
bool, string, null); Decimals and datetimes are given as strings, and `types` names the Python type of each field as
the client holds it. A failing call does not stop the others; anything else exits non-zero.
"""

from __future__ import annotations

import datetime
import decimal
import enum
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


def plain(value):
    """A value as JSON can carry it: Decimals and datetimes as strings, enums as their value, models as dicts."""
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
        return plain(value.model_dump())
    return str(value)


def field_types(models, types: dict) -> None:
    """Python type names of each field, over every model given (a field may be int in one row and None in another)."""
    for model in models:
        for name, value in model.model_dump().items():
            seen = types.setdefault(name, [])
            if type(value).__name__ not in seen:
                seen.append(type(value).__name__)


def error_outcome(exc: BaseException) -> dict:
    return {
        "ok": False,
        "error": {
            "type": type(exc).__name__,
            "mro": [cls.__name__ for cls in type(exc).__mro__],
            "status": getattr(exc, "status_code", None),
            "message": str(exc)[:2000],
        },
    }


def resolve(client: KalshiClient, dotted: str):
    target = client
    for part in dotted.split("."):
        target = getattr(target, part)
    return target


def items_outcome(items: list, pages, cursors) -> dict:
    types: dict = {}
    field_types(items, types)
    return {"ok": True, "items": [plain(item) for item in items], "pages": pages, "cursors": cursors, "types": types}


def walk_pages(fetch, args: dict) -> dict:
    items, cursors = [], []
    cursor = None
    pages = 0
    while True:
        page = fetch(**args, cursor=cursor) if cursor else fetch(**args)
        pages += 1
        items += page.items
        cursors.append(page.cursor)
        if not page.has_next:
            break
        if page.cursor in cursors[:-1] or pages >= MAX_PAGES:
            raise RuntimeError(f"cursor walk does not end: page {pages}, cursor {page.cursor!r} seen before")
        cursor = page.cursor
    return items_outcome(items, pages, cursors)


def run_call(client: KalshiClient, op: str, method: str, args: dict) -> dict:
    fetch = resolve(client, method)
    if op == "call":
        answer = fetch(**args)
        types: dict = {}
        field_types([answer], types)
        return {"ok": True, "result": plain(answer), "types": types, "pages": 1, "cursors": None}
    if op == "pages":
        return walk_pages(fetch, args)
    if op == "iterate":
        return items_outcome(list(fetch(**args)), None, None)
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
                outcome = run_call(client, call["op"], call["method"], call.get("args", {}))
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
