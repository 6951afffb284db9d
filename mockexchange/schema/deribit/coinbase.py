"""The Coinbase dialect's slice (`schema/deribit/coinbase.json`, package data): Deribit's slice (rpc.py) restricted to
the methods of Coinbase's list, `public/auth`'s params and result replaced by those of Coinbase's reference page. Its
header names each source; it was built from the published reference pages and coinbase-advanced-py's generated method
list, not from Coinbase's OpenAPI file. It answers what `rpc.py` answers for the kit (`contract check-deribit
--coinbase-key`): the methods to check, a reply's problems, a notification's."""

from __future__ import annotations

from functools import cache
from typing import Any

import orjson

from mockexchange.schema.deribit import rpc
from mockexchange.schema.specs import SpecError, package_path

SLICE_NAME = "coinbase.json"
METHOD_NOT_FOUND = rpc.METHOD_NOT_FOUND
channels = rpc.channels
notification_problems = rpc.notification_problems


@cache
def load() -> dict[str, Any]:
    """The effective slice: Deribit's methods of Coinbase's list, `public/auth` Coinbase's."""
    path = package_path("mockexchange.schema", "deribit") / SLICE_NAME
    try:
        dialect = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise SpecError(f"cannot read the Coinbase slice {path}: {exc}") from None
    base = rpc.load()
    listed = set(dialect["methods"])
    kept = {name: entry for name, entry in base["methods"].items() if name in listed}
    source = dialect["x-mockexchange-source"]
    return {**base, "methods": {**kept, **dialect["replaced"]}, "x-mockexchange-source": source}


def methods() -> list[str]:
    return sorted(load()["methods"])


def reply_problems(method: str, reply: Any) -> list[str]:
    """What a reply to `method` breaks in the dialect's slice (Deribit's schemas, Coinbase's `public/auth`)."""
    entry = load()["methods"].get(method)
    if entry is None:
        return []
    if entry is rpc.load()["methods"].get(method) or not isinstance(reply, dict):
        return rpc.reply_problems(method, reply)
    problems = rpc.envelope_problems(load(), entry["result"], reply)
    if "error" in reply and "result" in reply:
        problems.append("(reply): carries both result and error")
    return problems
