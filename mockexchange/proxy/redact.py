"""Secrets out of what the proxy keeps: the journal and the tape never hold a signature, a token, a client secret
or a private key (docs/proxy.md, "Secrets").

A header, a query parameter or a JSON field (at any depth) by its name; a body that is text but no JSON by the same
names in `name=value` and `"name": "value"` form. A redacted value becomes `REDACTED` (a string, so what was a
string still is one to the schema); `Authorization` keeps its scheme (`Bearer [redacted]`).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote_plus

REDACTED = "[redacted]"
# Kalshi's request signature, HTTP credentials (Bearer and Basic, Deribit's deri-hmac-sha256) and cookies.
SECRET_HEADERS = frozenset({"kalshi-access-signature", "authorization", "proxy-authorization", "cookie", "set-cookie"})
SCHEMED_HEADERS = frozenset({"authorization", "proxy-authorization"})
# Deribit's public/auth params (client_credentials: client_secret; client_signature: signature), the tokens of its
# replies (public/auth, exchange_token, fork_token) and refresh_token grant, a key's secret (create_api_key), and
# Kalshi's generated private key (POST /api_keys/generate).
SECRET_FIELDS = frozenset(
    {"client_secret", "client_signature", "signature", "access_token", "refresh_token", "private_key", "password"}
)
_IN_TEXT = re.compile(
    r"""(?i)(["']?(?:%s)["']?\s*[:=]\s*["']?)([^"'&\s,;}]+)""" % "|".join(sorted(SECRET_FIELDS))  # noqa: UP031
)


def header(name: str, value: str) -> str:
    """A header's value as kept (`name` lower case)."""
    if name not in SECRET_HEADERS:
        return value
    if name in SCHEMED_HEADERS and " " in value.strip():
        return f"{value.strip().split(' ', 1)[0]} {REDACTED}"
    return REDACTED


def query(text: str) -> str:
    """A raw query string with the values of secret parameters redacted, the rest as sent."""
    if not text:
        return text
    pairs = []
    for pair in text.split("&"):
        name, equals, _ = pair.partition("=")
        pairs.append(f"{name}={quote(REDACTED)}" if equals and unquote_plus(name) in SECRET_FIELDS else pair)
    return "&".join(pairs)


def json_value(value: Any) -> tuple[Any, bool]:
    """A JSON value with each secret field's value redacted, and whether anything was."""
    if isinstance(value, dict):
        changed = False
        kept: dict[str, Any] = {}
        for key, item in value.items():
            if key in SECRET_FIELDS and item is not None and item != "":
                kept[key], changed = REDACTED, True
            else:
                kept[key], inner = json_value(item)
                changed = changed or inner
        return (kept, True) if changed else (value, False)
    if isinstance(value, list):
        items = [json_value(item) for item in value]
        if any(changed for _, changed in items):
            return [item for item, _ in items], True
        return value, False
    return value, False


def text(value: str) -> str:
    """Text that is no JSON (a form body, a broken frame) with what looks like a secret's value redacted."""
    return _IN_TEXT.sub(lambda found: found.group(1) + REDACTED, value)


def body(encoded: dict[str, Any] | None) -> dict[str, Any] | None:
    """A tape's body (`tape.encode_body`) redacted: JSON by field, text by the names; bytes are kept as they are."""
    if not encoded:
        return encoded
    if "json" in encoded:
        return {"json": json_value(encoded["json"])[0]}
    if "text" in encoded:
        return {"text": text(encoded["text"])}
    return encoded
