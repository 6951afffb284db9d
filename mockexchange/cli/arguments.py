"""Option types the commands share: each turns the text given into a value or refuses it in one argparse line."""

from __future__ import annotations

import argparse
from urllib.parse import urlsplit


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
    return value


def positive_int(text: str) -> int:
    value = non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {text!r}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def port(text: str) -> int:
    value = non_negative_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535 (0: any free port), not {text!r}")
    return value


def base_url(text: str) -> str:
    """`http(s)://HOST[:PORT]`, the root of a server: the paths that follow are signed whole, so no path of its own."""
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018 - raises on a port that is no number or out of range
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad port in {text!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"not an http(s)://HOST[:PORT] URL: {text!r}")
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(f"give the server's root, http(s)://HOST[:PORT], without a path: {text!r}")
    return f"{parts.scheme}://{parts.netloc}"
