"""The mock's HTTP answers: JSON responses (orjson; the control plane's one a line), a JSON number written from a
`Decimal`'s digits, and the mock's own diagnosis headers, which quote what a client sent in a header-safe form."""

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


def json_line_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """An answer of the mock's own control plane (every `/_admin/...` JSON answer): the JSON and a newline, so a
    shell's curls print one answer a line. The venues answer their wire bodies as the venue does (`json_response`)."""
    body_bytes = orjson.dumps(body, option=orjson.OPT_APPEND_NEWLINE)
    return JSONBytesResponse(body_bytes, status_code=status, headers=dict(headers or {}))


def json_number(value: Decimal) -> orjson.Fragment:
    """A JSON number written from the Decimal's digits, never through a float (and never as `-0`)."""
    text = f"{value.normalize():f}"
    return orjson.Fragment(("0" if text == "-0" else text).encode())


# Every C0 and C1 control character and DEL, as Python escapes them (`\x00`, `\r`): no header can carry a NUL, CR or
# LF, and the rest would make a diagnosis unreadable.
_CONTROLS = {code: repr(chr(code))[1:-1] for code in (*range(0x20), *range(0x7F, 0xA0))}
_BLANK = r"\x20"  # a blank a header's value begins or ends with (it cannot: h11 refuses to send it)

# A diagnosis header's length: clients refuse long header lines (http.client beyond 64 KiB, many far sooner), and a
# path or query may quote 64 KiB of a client's text.
MAX_HEADER_CHARS = 2048


def header_safe(text: str) -> str:
    r"""A header value that quotes `text` whatever it holds: printable Latin-1 as is, control characters and
    characters beyond Latin-1 escaped (`\x00`, `\u20ac`), and so are the blanks it begins or ends with (`\x20`: a
    header's value cannot, and a diagnosis often ends with what the client sent); cut to `MAX_HEADER_CHARS` (saying
    how long it was). Every header the mock adds that quotes what a client sent (the diagnosis headers) goes through
    here."""
    safe = text.translate(_CONTROLS).encode("latin-1", "backslashreplace").decode("latin-1")
    if safe[:1] == " " or safe[-1:] == " ":
        inner = safe.strip(" ")
        before = len(safe) - len(safe.lstrip(" ")) if inner else len(safe)
        after = len(safe) - len(safe.rstrip(" ")) if inner else 0
        safe = _BLANK * before + inner + _BLANK * after
    if len(safe) <= MAX_HEADER_CHARS:
        return safe
    return f"{safe[: MAX_HEADER_CHARS - 40]}... ({len(safe):,} characters in all)"
