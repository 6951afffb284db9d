"""What the proxy keeps of a message it passed on: its body decoded (gzip, deflate, each coding of a list in turn, and a
gzip layer the list does not name, up to `MAX_CODINGS` in all) within a bound, read as JSON when it is, with its secrets
redacted for the judge, the journal and the tape (`recording/`'s body shapes; `mockexchange.auth.redact`'s rules); its
headers as a tape holds them. Bytes that are no UTF-8, and a body in a coding the proxy does not read (or that does not
decode), are kept as base64 of the bytes redacted as Latin-1 text: a secret sent plain under a false coding is hidden
too."""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from mockexchange.auth import redact
from mockexchange.core.bounded_json import JsonTooDeep, parse_json
from mockexchange.venues.proxied import NOT_JSON

MAX_DECODED_BYTES = 64 * 1024 * 1024  # what a compressed body is read up to, decoded
MAX_CODINGS = 4  # content codings of one body read in turn (each bounded as above)
_DECODERS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
_GZIP_MAGIC = b"\x1f\x8b"
_READ = frozenset({*_DECODERS, "identity"})


@dataclass(frozen=True, slots=True)
class BodySeen:
    """A body as the proxy keeps it: `value` for the judge (JSON, redacted; `NOT_JSON`; None when empty or not
    read), `tape` as a tape holds it (redacted), `unread` why it could not be read (None: it was)."""

    value: Any
    tape: dict[str, Any] | None
    unread: str | None = None

    @property
    def text(self) -> str:
        """The body as the journal shows a frame: its JSON (redacted) or its text."""
        if not self.tape:
            return ""
        if "json" in self.tape:
            return json.dumps(self.tape["json"], ensure_ascii=False, separators=(",", ":"))
        return str(self.tape.get("text", self.tape.get("base64", "")))


def seen(raw: bytes | str, encoding: str | None = None) -> BodySeen:
    """A body (or a websocket frame's data) as sent, with its Content-Encoding."""
    data = (
        raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    )  # (websockets hands a refusal's body over as a bytearray)
    if not data:
        return BodySeen(None, None)
    codings = [
        coding for part in (encoding or "").split(",") if (coding := part.strip().lower()) not in ("", "identity")
    ]
    if len(codings) > MAX_CODINGS:
        return BodySeen(
            None, _base64(data), f"the body is in {len(codings)} codings; the proxy reads up to {MAX_CODINGS}"
        )
    sent = data
    for coding in reversed(codings):  # listed in the order they were applied
        decoded = _decoded(data, coding)
        if isinstance(decoded, str):
            return BodySeen(None, _base64(sent), decoded)
        data = decoded
    while data[:2] == _GZIP_MAGIC and len(codings) < MAX_CODINGS:  # gzip in gzip, one of them not said: read on
        codings.append("gzip")
        decoded = _decoded(data, "gzip")
        if isinstance(decoded, str):
            break
        data = decoded
    try:
        value = parse_json(data)
    except (orjson.JSONDecodeError, JsonTooDeep):
        pass
    else:
        kept = redact.json_value(value)[0]
        return BodySeen(kept, {"json": kept})
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return BodySeen(NOT_JSON, _base64(data))
    return BodySeen(NOT_JSON, {"text": redact.text(text)})


def _base64(data: bytes) -> dict[str, Any]:
    return {"base64": base64.b64encode(redact.raw(data)).decode("ascii")}


def _decoded(data: bytes, coding: str) -> bytes | str:
    """The bytes under a content coding, or why they are not read."""
    wbits = _DECODERS.get(coding)
    if wbits is None:
        return f"the body is in {coding} encoding, which the proxy does not read"
    try:
        decoder = zlib.decompressobj(wbits)
        out = decoder.decompress(data, MAX_DECODED_BYTES)
    except zlib.error:
        try:  # deflate as many servers send it: raw, without zlib's header
            decoder = zlib.decompressobj(-zlib.MAX_WBITS)
            out = decoder.decompress(data, MAX_DECODED_BYTES)
        except zlib.error as exc:
            return f"the {coding} body does not decode: {exc}"
    if decoder.unconsumed_tail:
        return f"the body is over {MAX_DECODED_BYTES:,} bytes decoded, which the proxy does not read"
    return out


def headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str | list[str]]:
    """Headers as a tape holds them: by lower-case name, a repeated one as a list, secrets redacted."""
    kept: dict[str, str | list[str]] = {}
    for name_bytes, value_bytes in raw:
        name = name_bytes.decode("latin-1").lower()
        value = redact.header(name, value_bytes.decode("latin-1"))
        held = kept.get(name)
        if held is None:
            kept[name] = value
        else:
            kept[name] = [*held, value] if isinstance(held, list) else [held, value]
    return kept


def coding(raw: Iterable[tuple[bytes, bytes]]) -> str | None:
    """A message's Content-Encoding: its lines, when repeated, as one list (RFC 9110 section 5.3), in their order."""
    said = [value.decode("latin-1") for key, value in raw if key.lower() == b"content-encoding"]
    return ", ".join(said) if said else None


def readable(accepted: str) -> str:
    """A client's Accept-Encoding as the proxy sends it on: only the codings it reads (no `br`, `zstd` or `*`), so an
    answer never comes back in one whose secrets it could not redact; `identity` when none is left."""
    kept = [part.strip() for part in accepted.split(",") if part.split(";")[0].strip().lower() in _READ]
    return ", ".join(kept) or "identity"
