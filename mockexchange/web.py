"""HTTP plumbing shared by every venue and the control plane: JSON responses (orjson) and the mock's own headers."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson
from starlette.responses import Response

# The mock's own explanation of an error, beside the venue's real body; real clients ignore unknown headers.
DIAGNOSIS_HEADER = "X-Mockexchange-Diagnosis"
AUTH_DIAGNOSIS_HEADER = "X-Mockexchange-Auth"


class JSONBytesResponse(Response):
    media_type = "application/json"


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return JSONBytesResponse(orjson.dumps(body), status_code=status, headers=dict(headers or {}))


def json_number(value: Decimal) -> orjson.Fragment:
    """A JSON number written from the Decimal's digits, never through a float (and never as `-0`)."""
    text = f"{value.normalize():f}"
    return orjson.Fragment(("0" if text == "-0" else text).encode())


def header_safe(text: str) -> str:
    """Header values are latin-1 on the wire; keep a diagnosis printable whatever it quotes."""
    return text.encode("latin-1", "backslashreplace").decode("latin-1").replace("\r", " ").replace("\n", " ")


async def next_message(websocket: Any) -> str | bytes | None:
    """The next text or binary message a websocket client sent; None once it has disconnected."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return None
        data = message.get("text")
        if data is None:
            data = message.get("bytes")
        if data is not None:
            return data
