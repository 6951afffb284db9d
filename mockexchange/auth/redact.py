"""Credentials out of what the mock and the proxy keep or show: the request journal (so its admin read, the
inspector's feed and a state file's copy), the inspector's websocket frames, the proxy's tapes, and a diagnosis the
mock quotes back. One set of rules for all of them (docs/admin-api.md, "Secrets"; docs/proxy.md, "Secrets").

A credential is found by its name, whatever the spelling: a name is read with its percent escapes (`client%5Fsecret`)
and JSON's `\\u` escapes undone, then folded to its letters and digits in lower case, so `client_secret`,
`Client-Secret`, `clientSecret` and `CLIENT%5FSECRET` are one name. A name that holds `secret`, `token`, `password`,
`passphrase`, `signature`, `privatekey`, `authorization` or `cookie`, or is `sig` (deri-hmac-sha256's field), names a
credential; `token_type` and `is_password` (a token's kind, a flag) do not. That covers Kalshi's
`KALSHI-ACCESS-SIGNATURE` and `private_key`, Deribit's `client_secret`, `client_signature`, `signature`, `access_token`,
`refresh_token` and `sig=`, SignalPlus's `Signalplus-API-Signature`, and `Authorization` and cookies anywhere. A client
id (`client_id`) names a key and is kept, unless it is a credential sent in its place (`holds`).

Where one is found:
- a header, by its name (`header`): `Authorization` keeps a scheme it knows (`Bearer [redacted]`); a bare value, or one
  of a scheme it does not know, is redacted whole; a key id that is or holds a signature (`KALSHI-ACCESS-KEY` and
  `KALSHI-ACCESS-SIGNATURE` swapped; in base64, standard or URL-safe, padded or not, or in hex) too (`key_id`), and a
  timestamp that looks like a credential (`credential_like`);
- a query string or a form body, each parameter by its name, and what a value spells by the text rules (`query`);
- JSON, each field by its name at any depth, in objects and arrays (a batch) (`json_value`); a frame or a command that
  is JSON is written again, compactly, when something in it was redacted (`frame`);
- text that is no JSON, or JSON cut short (`text`): `name=value`, `"name": "value"` and `'name': 'value'` (a value
  quoted, bracketed or bare), a header's line `Name: value`, a multipart form's field, a `Bearer` token and `Basic`
  credentials wherever they stand; a diagnosis's placeholder (`sig=<hex>`) is no value; a value that is text of its
  own (JSON in a string, its quotes escaped; escapes that spell a pair) is read by the same rules, three deep at most;
- bytes that are no UTF-8 (`raw`), read as Latin-1 text;
- a diagnosis, which quotes a value where no credential belongs (a timestamp) only when it does not look like one
  (`quoted`).

A value found becomes `[redacted]` (a string, so a field that was one still is to a schema); null, a boolean and an
empty string are left as they are (they hold no secret). `suspect` answers cheaply whether text may hold a credential
at all (a few substring searches): what does not is kept as it came, untouched and at no further cost.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote_plus

import orjson

from mockexchange.core.bounded_json import parse_json

REDACTED = "[redacted]"
WITHHELD = "<withheld: it looks like a credential>"  # what a diagnosis says in place of such a value (`quoted`)
_WORDS = ("secret", "token", "password", "passphrase", "signature", "privatekey", "authorization", "cookie")
_NAMES = frozenset({"sig"})
_NOT_SECRET = frozenset({"tokentype", "ispassword"})
# Authorization schemes whose word is kept before `[redacted]`: anything else may be the credential itself.
SCHEMES = frozenset({"bearer", "basic", "deri-hmac-sha256", "digest", "token", "negotiate"})
_DIAGNOSES = frozenset({"xmockexchangeauth", "xmockexchangediagnosis"})  # the mock's own headers: text that may quote
# A request signature's length in bytes (Ed25519; RSA of 1,024 to 4,096 bits), for a key id that is one (`signature`),
# and the fewest characters that spell one (Ed25519's in base64 without padding).
_SIGNATURE_BYTES = frozenset({64, 128, 256, 384, 512})
_SIGNATURE_CHARS = 86
_BLANKS = re.compile(r"\s+")
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_=-]{86,}")  # a signature's run in a text (beside a key id, say)
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+")  # the standard and the URL-safe alphabets, padding stripped
_HEX = re.compile(r"[0-9a-fA-F]+")
# What a diagnosis does not quote where a credential is not expected (a timestamp): a run of base64 or hex characters
# long enough to be a signature, a secret or a token, with a letter in it (a number, a time or a date has none).
_CREDENTIAL_RUN = re.compile(r"[A-Za-z0-9+/_=-]{20,}")
_LETTER = re.compile(r"[A-Za-z]")
# The names of a key's id, which is no credential unless one was sent in its place (`holds`).
_ID_NAMES = frozenset({"clientid"})
_LONG_RUN = re.compile(r"[A-Za-z0-9+/_=-]{32,}")

# What any spelling of the names above, of a scheme's credential, or an escape that could hide either, holds (in lower
# case): substrings, which CPython finds far faster than a regex does.
_SUSPECT = ("secret", "token", "pass", "sig", "key", "auth", "cookie", "bearer", "basic", "%", "\\u")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_KEPT_CHARS = 1024  # the longest text `suspect` keeps its answer for: 512 of them, 1 MiB at most
_U_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_NAME_CHARS = r"[\w%\\.+\-]"
# `name=value`, `"name": "value"`, `name: "value"` (a bare colon takes only a quoted or bracketed value: prose has
# colons); a name starts where a run of name characters starts (the lookbehind) and takes the run whole (possessive):
# linear in the text, whatever it holds. A bracketed value is the second pass's.
_NAME = rf"""(?<!{_NAME_CHARS})(?P<name>{_NAME_CHARS}{{1,200}}+)"""
_BETWEEN = r"""(?P<between>["']\s*[:=]\s*|\s*=\s*|:\s*(?=["'\[{]))"""
_PAIR = re.compile(
    rf"""{_NAME}{_BETWEEN}(?P<value>"(?:[^"\\]|\\.)*+"?|'[^']*+'?|\\+"[^"]*+"?|[^\s"'&,;}}\])\[{{][^\s"'&,;}}\])]*+)"""
)
# A value's opening quote: `"`, `'`, or `\"` (JSON inside a JSON string, `{\"client_secret\": \"...\"}`).
_OPENING = re.compile(r"""\\*["']""")
# Values in one another read as text of their own (`_inner`): a query in a parameter, JSON in a string, and again.
_INNER_DEPTH = 3
# A value in brackets (an array, an object), in a second pass: the first reads the pairs inside one. Up to its first
# closing bracket: what a nested one holds past it was seen by the first pass.
_BRACKETED = re.compile(rf"""{_NAME}{_BETWEEN}(?P<value>\[[^\]]*+\]?|\{{[^}}]*+\}}?)""")
_HEADER_LINE = re.compile(r"(?m)^([\w-]{1,100}):[ \t]*+([^\r\n]++)")
_BEARER = re.compile(r"(?i)(?<![\w-])(bearer\s+)([\w.~+/=-]{8,})")
_BASIC = re.compile(r"(?i)(?<![\w-])(basic\s+)([A-Za-z0-9+/]{4,}=*)")
# A multipart form's field: its name in its part's headers (`name="..."`, `name=...`, `name='...'`, RFC 7578's
# `name*=utf-8''...`), the rest of them, a blank line, then the value: every line up to the next boundary (`--`).
# Each line's length bounded and the value's lines possessive: linear in the text, however many names it holds.
_MULTIPART = re.compile(
    r"""(?i)(\bname\*?[ \t]*+=[ \t]*+(?P<field>"[^"\r\n]{0,200}+"|'[^'\r\n]{0,200}+'|[^;\s"]{1,200}+)"""
    r"""[^\r\n]{0,1000}+\r?\n(?:[^\r\n]{1,1000}+\r?\n){0,20}?\r?\n)(?P<value>[^\r\n]++(?:\r?\n(?!--)[^\r\n]*+)*+)"""
)


def suspect(text: str) -> bool:
    """Whether `text` may hold a credential (False: it holds none, and is kept as it is): every text a request leaves
    in the journal asks it, most of them asked before (a route's path, a page's query), whose answers are kept. A
    longer text is read each time: a kept answer keeps its text, and the proxy reads a client's body or frame up to
    64 MiB decoded."""
    return _suspect_kept(text) if len(text) <= _KEPT_CHARS else _suspect(text)


@functools.lru_cache(maxsize=512)
def _suspect_kept(text: str) -> bool:
    return _suspect(text)


def _suspect(text: str) -> bool:
    lowered = text.lower()
    for word in _SUSPECT:  # noqa: SIM110 (a loop: twice as fast as any() over a generator, or a regex)
        if word in lowered:
            return True
    return False


@functools.lru_cache(maxsize=4096)
def _secret_folded(folded: str) -> bool:
    return folded not in _NOT_SECRET and (folded in _NAMES or any(word in folded for word in _WORDS))


def secret_name(name: str) -> bool:
    """Whether a header, parameter or field of this name holds a credential, in any spelling."""
    return _secret_folded(_folded(name))


def holds(name: str, value: str) -> bool:
    """Whether a parameter or field of this name holding this value holds a credential: one of a credential's name, or
    a client id (`client_id`, `clientId`) that is a credential sent in its place (a client secret or a token swapped
    with it: a run of 32 or more base64 characters with a letter, where Deribit's client ids have 8)."""
    if secret_name(name):
        return True
    return len(value) >= 32 and _folded(name) in _ID_NAMES and any(map(_LETTER.search, _LONG_RUN.findall(value)))


def _folded(name: str) -> str:
    if "%" in name:  # (a `+` alone needs no undoing: as a space, it is folded away as it is)
        for _ in range(3):  # a name escaped twice is read as the venue would after one undoing, and as it was meant
            undone = unquote_plus(name)
            if undone == name:
                break
            name = undone
    if "\\" in name:
        name = _U_ESCAPE.sub(lambda found: chr(int(found.group(1), 16)), name)
    return _NOT_ALNUM.sub("", name.lower())[:200]


def signature(value: str) -> bool:
    """Whether a text is or holds a request signature (a key id sent in its place, swapped with it, or beside it): in
    base64, standard or URL-safe, padded or not, cut over lines, or in hex. A key id never is one: a UUID is too
    short."""
    if len(value) < _SIGNATURE_CHARS:
        return False
    return _signature_bytes(_BLANKS.sub("", value)) or any(map(_signature_bytes, _BASE64_RUN.findall(value)))


def _signature_bytes(text: str) -> bool:
    text = text.rstrip("=")
    if _HEX.fullmatch(text) and len(text) // 2 in _SIGNATURE_BYTES and len(text) % 2 == 0:
        return True
    return len(text) % 4 != 1 and len(text) * 6 // 8 in _SIGNATURE_BYTES and bool(_BASE64.fullmatch(text))


def credential_like(value: str) -> bool:
    """Whether a value found where no credential belongs (a timestamp) may be one sent there (headers or parameters
    swapped)."""
    return any(_LETTER.search(run) for run in _CREDENTIAL_RUN.findall(value))


def quoted(value: str, quote: Callable[[str], str] = repr) -> str:
    """A value as a diagnosis quotes it (`quote(value)`), or `WITHHELD` when it looks like a credential."""
    return WITHHELD if credential_like(value) else quote(value)


def key_id(value: str | None) -> str | None:
    """A key id as kept: `[redacted]` when it is a signature (the key's and the signature's headers swapped)."""
    return REDACTED if value is not None and signature(value) else value


def header(name: str, value: str) -> str:
    """A header's value as kept."""
    folded = _NOT_ALNUM.sub("", name.lower())
    if folded in _DIAGNOSES:
        return text(value)
    if folded == "kalshiaccesskey":  # no secret, unless a signature was sent in its place
        return REDACTED if signature(value) else value
    if folded.endswith("timestamp"):  # the same, for a signature or a secret sent as the time
        return REDACTED if credential_like(value) else value
    if not secret_name(name):
        return value
    if folded.endswith("authorization"):
        scheme, space, _ = value.strip().partition(" ")
        if space and scheme.lower() in SCHEMES:
            return f"{scheme} {REDACTED}"
    return REDACTED


def query(text: str) -> str:
    """A raw query string (or a form body) with the values of credentials redacted (a parameter's by its name, and what
    a value's text spells by the text rules), the rest as sent."""
    if not text or not suspect(text):
        return text
    return "&".join(map(_parameter, text.split("&")))


def _parameter(pair: str) -> str:
    name, equals, value = pair.partition("=")
    if equals and value and holds(name, unquote_plus(value) if "%" in value else value):
        return f"{name}={quote(REDACTED)}"
    return text(pair)  # what a value spells (`client_id=a;client_secret=...`, `next=%2Fauth%3Fclient_secret%3D...`)


def _hides(value: Any) -> bool:
    return value is not None and not isinstance(value, bool) and value != "" and value != REDACTED


def json_value(value: Any) -> tuple[Any, bool]:
    """A JSON value with each credential's value redacted, and whether anything was (else `value` itself): a field by
    its name, a string by the text rules (`"data": "client_secret=..."`)."""
    if isinstance(value, dict):
        kept: dict[Any, Any] | None = None
        for key, item in value.items():
            if isinstance(key, str) and _hides(item) and holds(key, item if isinstance(item, str) else ""):
                new: Any = REDACTED
            else:
                new, changed = json_value(item)
                if not changed:
                    continue
            if kept is None:
                kept = dict(value)
            kept[key] = new
        return (kept, True) if kept is not None else (value, False)
    if isinstance(value, list):
        items = [json_value(item) for item in value]
        if any(changed for _, changed in items):
            return [item for item, _ in items], True
    elif isinstance(value, str) and suspect(value):
        shown = text(value)
        return shown, shown != value
    return value, False


def _pair(found: re.Match[str], depth: int = 0) -> str:
    name, value = found.group("name"), found.group("value")
    opening = _OPENING.match(value)
    quote_mark = opening.group(0) if opening else ""
    closed = quote_mark if quote_mark and len(value) > len(quote_mark) and value.endswith(quote_mark) else ""
    bare = value[len(quote_mark) : len(value) - len(closed)]
    if bare in ("", REDACTED, "null") or (bare[0] == "<" and bare[-1] == ">"):
        return found.group(0)  # nothing to hide, or a diagnosis's placeholder (`sig=<hex>`)
    if not holds(name, bare):
        inner = _inner(bare, bool(quote_mark), depth)
        return found.group(0) if inner is None else f"{name}{found.group('between')}{quote_mark}{inner}{closed}"
    if _NOT_ALNUM.sub("", name.lower()).endswith("authorization") and bare.lower() in SCHEMES:
        return found.group(0)  # `Authorization=Bearer <token>`: the scheme stays, its credential goes (_BEARER)
    return f"{name}{found.group('between')}{quote_mark}{REDACTED}{closed}"


def _inner(value: str, quoted: bool, depth: int) -> str | None:
    """A value that is text of its own, with what it holds redacted (None: it holds nothing): a string holding escaped
    quotes (JSON in it: `"{\\"client_secret\\": ...}"`), or a bare value whose escapes spell a pair
    (`next=%2Fauth%3Fclient_secret%3D...`, written again escaped). `_INNER_DEPTH` such values in one another at most."""
    if depth >= _INNER_DEPTH:
        return None
    if quoted:
        shown = text(value, depth + 1) if "\\" in value else value
        return shown if shown != value else None
    decoded = unquote_plus(value) if "%" in value else value
    if decoded == value:
        return None
    shown = text(decoded, depth + 1)
    return quote(shown, safe="") if shown != decoded else None


def _header_line(found: re.Match[str]) -> str:
    name, value = found.group(1), found.group(2)
    if "_" in name or not secret_name(name) or value.startswith(REDACTED):  # a header's name has no underscore
        return found.group(0)
    return f"{name}: {header(name, value)}"


def _basic(found: re.Match[str]) -> str:
    try:
        decoded = base64.b64decode(found.group(2), validate=True)
    except (binascii.Error, ValueError):
        return found.group(0)
    return found.group(1) + REDACTED if b":" in decoded else found.group(0)


def _multipart(found: re.Match[str]) -> str:
    # (a field's quotes, as any character not a letter or a digit, are folded away with its name)
    return found.group(1) + REDACTED if secret_name(found.group("field")) else found.group(0)


def text(value: str, depth: int = 0) -> str:
    """Text that is no JSON (a form body, a diagnosis, a frame cut short) with what looks like a credential redacted;
    `depth`: in how many values (`_inner`) it stands."""
    if not suspect(value):
        return value
    pair = functools.partial(_pair, depth=depth) if depth else _pair
    value = _BRACKETED.sub(pair, _PAIR.sub(pair, value))
    if ":" in value:
        value = _HEADER_LINE.sub(_header_line, value)
    value = _BEARER.sub(lambda found: found.group(1) + REDACTED, value)
    value = _BASIC.sub(_basic, value)
    if "form-data" in value.lower():
        value = _MULTIPART.sub(_multipart, value)
    return value


def frame(value: str) -> str:
    """A websocket frame's or command's text, redacted: as JSON when it is (written again compactly when a credential
    was in it: a key repeated, whose first value JSON forgets, goes too), then by the text rules, which also find what
    the JSON does not name (a document cut short, a key repeated with a null last)."""
    if not suspect(value):
        return value
    try:
        kept, changed = json_value(parse_json(value))
        if changed:
            value = orjson.dumps(kept).decode()
    except (orjson.JSONDecodeError, TypeError):  # no JSON (JsonTooDeep too), or an integer beyond 64 bits
        pass
    return text(value)


def raw(data: bytes) -> bytes:
    """Bytes that are no UTF-8 (or in a coding that was not read), redacted as Latin-1 text: one byte a character."""
    shown = data.decode("latin-1")
    return text(shown).encode("latin-1") if suspect(shown) else data
