"""JSON a client sent, read within bounds: a document nested deeper than `MAX_JSON_DEPTH` is refused before it is
parsed, so nothing that reads it afterwards (a JSON schema validator, a recursive walk, `repr`) meets unbounded depth.
Used by both venues' request parsing, the request journal's schema check, the redaction and the tapes (as
`core/numbers.py` reads integers for every floor above). Imports nothing of the package."""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Any

import orjson

# Deeper than any request of either venue (3 to 4 levels), far below the recursion limits of the JSON schema
# validator (~255 levels) and of Python (1,000).
MAX_JSON_DEPTH = 64
# What is not a bracket: JSON strings whole (brackets in them do not count; an unterminated one runs to the end, which
# no JSON is) and runs of other characters; removing it leaves the brackets, whose running sum of steps is the depth.
# Possessive, so linear: a string that is never closed is read once, not once from each quote escaped in it.
_NOT_BRACKETS_TEXT = re.compile(r'"(?:[^"\\]++|\\.)*+"?|[^\[\]{}"]+')
_NOT_BRACKETS_BYTES = re.compile(rb'"(?:[^"\\]++|\\.)*+"?|[^\[\]{}"]+')
_STEPS: dict[str | int, int] = {"[": 1, "{": 1, "]": -1, "}": -1}
_STEPS.update({ord(k): v for k, v in list(_STEPS.items()) if isinstance(k, str)})  # a bytes object iterates as ints


class JsonTooDeep(orjson.JSONDecodeError):
    """A document nested deeper than the mock reads; a JSONDecodeError, so it is refused where text that is not JSON
    is."""


def parse_json(raw: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`orjson.loads`, refusing first a document nested deeper than `max_depth` arrays and objects (JsonTooDeep):
    what reads the document afterwards (a schema validator, a recursive walk) never meets unbounded depth. Raises
    orjson.JSONDecodeError (JsonTooDeep included) for text it does not take. The depth is measured in C-speed steps
    (a 64 KiB frame of brackets: a few ms), and only when there are more opening brackets than `max_depth`."""
    opening = raw.count(b"[") + raw.count(b"{") if isinstance(raw, bytes) else raw.count("[") + raw.count("{")
    if opening > max_depth:
        brackets = _NOT_BRACKETS_BYTES.sub(b"", raw) if isinstance(raw, bytes) else _NOT_BRACKETS_TEXT.sub("", raw)
        if max(accumulate(map(_STEPS.__getitem__, brackets)), default=0) > max_depth:
            shown = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
            raise JsonTooDeep(f"nested deeper than {max_depth} levels", shown, 0)
    return orjson.loads(raw)
