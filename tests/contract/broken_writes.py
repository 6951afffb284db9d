"""Kalshi servers broken in their account writes, for proving the kit's write checks can fail: the mock, with one
defect wired in front of `POST /portfolio/subaccounts/transfer` (ApplySubaccountTransfer). The mock answers first
(a request it refuses the key of keeps its 401), then the defect replaces its answer:

- `undeclared`: a transfer the mock made to an even-numbered subaccount is answered 400 with a code no state refusal
  declares (`invalid_parameters`); the mock's other answers stand.
- `no_balance`: every transfer is answered 400 `insufficient_balance`, a declared refusal, whatever the source holds.
- `conflict`: every transfer is answered 409 `conflict` (a declared refusal the kit cannot judge a case by).
- `takes_anything`: a transfer of no or a negative amount, or from or to a negative subaccount, is answered 200, as if
  done (the mock refused it with a 400).
"""

from __future__ import annotations

from typing import Any

import orjson
from broken_server import capture, send_json

TRANSFER = "/portfolio/subaccounts/transfer"
DEFECTS = ("undeclared", "no_balance", "conflict", "takes_anything")


class BrokenWrites:
    """ASGI middleware that breaks the wrapped mock's subaccount transfers with one of `DEFECTS`."""

    def __init__(self, app: Any, defect: str) -> None:
        assert defect in DEFECTS
        self.app = app
        self.defect = defect

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].endswith(TRANSFER):
            await self.app(scope, receive, send)
            return
        raw = await _read(receive)
        status, headers, body = await capture(self.app, scope, _replay(raw, receive))
        answer = None if status == 401 else _answer(self.defect, _json(raw), status)
        if answer is not None:
            await send_json(send, *answer)
            return
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _answer(defect: str, body: Any, status: int) -> tuple[int, dict[str, Any]] | None:
    """The broken answer to a transfer with this body that the mock answered `status`, or None to keep the mock's."""
    fields = body if isinstance(body, dict) else {}
    if defect == "no_balance":
        return 400, {"error": {"code": "insufficient_balance", "message": "insufficient balance"}}
    if defect == "conflict":
        return 409, {"error": {"code": "conflict", "message": "conflict"}}
    if defect == "undeclared" and status == 200 and _number(fields, "to_subaccount") % 2 == 0:
        return 400, {"error": {"code": "invalid_parameters", "message": "invalid parameters"}}
    numbers = [_number(fields, name) for name in ("amount_cents", "from_subaccount", "to_subaccount")]
    if defect == "takes_anything" and (numbers[0] <= 0 or min(numbers[1:]) < 0):
        return 200, {}
    return None


def _number(fields: dict[str, Any], name: str) -> int:
    value = fields.get(name)
    return value if type(value) is int else 1


def _json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


async def _read(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(raw: bytes, then: Any) -> Any:
    """A `receive` that gives the body read already, then what the connection gives (its disconnect)."""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return await then()
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    return receive
