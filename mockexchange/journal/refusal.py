"""A venue's refusal as its client was told it: the code and message an error answer or frame words, which the request
journal keeps beside the mock's own explanation (docs/admin-api.md, "The request journal").

The shapes read: Kalshi's `{"error": {"code", "message", ...}}` (its exchange and authentication errors: a code in
words), its flat 400 `{"msg"}` (a parameter's: no code), its websocket error `{"type": "error", "msg": {"code",
"msg"}}` (a numbered code); Deribit's JSON-RPC `error` `{"code", "message"}` (native, and the SignalPlus dialect's).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from mockexchange.core.bounded_json import parse_json

# Of an answer read to find its refusal: a venue's error body is far smaller; a larger one's refusal is not read.
READ_BYTES = 64 * 1024
# The mock's explanation beside a venue's error (Kalshi's websocket error, Deribit's error object), in a field real
# clients ignore: named once, here, for the venues that write it and the journal that reads it.
DIAGNOSIS_FIELD = "mockexchange_diagnosis"


def refused(code: Any, message: Any) -> dict[str, Any]:
    """A refusal as it is kept: the venue's code (a string or an integer as sent; null if none) and its message."""
    kept = code if isinstance(code, str) or (isinstance(code, int) and not isinstance(code, bool)) else None
    return {"code": kept, "message": message if isinstance(message, str) else ""}


def of_answer(body: bytes) -> dict[str, Any] | None:
    """The refusal an error answer's body words (an HTTP answer of a venue); None for a body in none of the shapes."""
    if len(body) >= READ_BYTES:
        return None
    try:
        document = parse_json(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(document, dict):
        return None
    error = document.get("error")
    if isinstance(error, dict):
        return refused(error.get("code"), error.get("message"))
    return refused(None, document["msg"]) if isinstance(document.get("msg"), str) else None


def of_frame(frame: Any) -> tuple[dict[str, Any] | None, str | None]:
    """The refusal a websocket frame (read as JSON) words, Kalshi's error or a JSON-RPC error, and the mock's
    diagnosis beside it (a real venue's frame has none); (None, None) for any other frame."""
    if not isinstance(frame, Mapping):
        return None, None
    if frame.get("type") == "error":  # Kalshi's: the diagnosis beside `msg`
        said, diagnosis = frame.get("msg"), frame.get(DIAGNOSIS_FIELD)
        said = said if isinstance(said, Mapping) else {}
        return refused(said.get("code"), said.get("msg")), diagnosis if isinstance(diagnosis, str) else None
    error = frame.get("error")
    if not isinstance(error, Mapping):
        return None, None
    diagnosis = error.get(DIAGNOSIS_FIELD)  # Deribit's: in the error
    return refused(error.get("code"), error.get("message")), diagnosis if isinstance(diagnosis, str) else None
