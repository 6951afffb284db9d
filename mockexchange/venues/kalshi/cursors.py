"""Opaque keyset cursors.

A cursor carries the key of the last row served and the filter set it was served under. It is base64url JSON, so it
looks opaque to clients but lets the mock say exactly what is wrong with a cursor it is handed back:
- not one the mock issued (garbage, truncated, edited): 400
- issued for another filter set (another settlement status, ticker, subaccount, ...): 400, naming what differs.
Kalshi's own cursors are specific to the settlement status; what it does with a garbage cursor on portfolio
endpoints is unknown; on /markets it silently restarts from the first page, as the mock's market data reads do
(`lenient`). See docs/known-differences.md.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Mapping
from itertools import islice
from typing import Any, TypeVar

import orjson

from mockexchange.core.numbers import IntegerError, parse_int
from mockexchange.venues.kalshi.errors import param_error

_VERSION = 1
T = TypeVar("T")


class CursorError(ValueError):
    pass


def one_page(found: Iterable[T], limit: int) -> tuple[list[T], bool]:
    """The first `limit` of `found` (read one past them, no further), and whether more were."""
    page = list(islice(found, limit + 1))
    more = len(page) > limit
    if more:
        del page[limit]
    return page, more


def encode(key: tuple[str, ...], filters: Mapping[str, Any]) -> str:
    payload = orjson.dumps({"v": _VERSION, "k": list(key), "f": dict(filters)}, option=orjson.OPT_SORT_KEYS)
    return base64.urlsafe_b64encode(payload).rstrip(b"=").decode()


def decode(cursor: str, filters: Mapping[str, Any], key_length: int) -> tuple[str, ...]:
    """The key after which the next page starts; `CursorError` says why a cursor cannot be used."""
    read = _READ.get(cursor)
    if read is None:
        read = _read(cursor)
        if len(_READ) >= _READ_MAX:
            _READ.clear()
        _READ[cursor] = read
    key, issued, issued_json = read
    if len(key) != key_length:
        raise CursorError("cursor is not one this server issued (unknown structure)")
    current_json = orjson.dumps(dict(filters), option=orjson.OPT_SORT_KEYS)
    if current_json != issued_json:  # the same filters write the same bytes; else compare them as values
        current = orjson.loads(current_json)
        if issued != current:
            names = sorted(n for n in set(issued) | set(current) if issued.get(n) != current.get(n))
            raise CursorError(
                f"cursor was issued for a different filter set ({', '.join(names)} differ); start without a cursor"
            )
    return key


# Cursors read lately: cursor -> (key, the filters it was issued for, their JSON with sorted keys). A client paging
# through hands each cursor back once or a few times; the bound keeps a flood of distinct cursors from growing it.
_READ: dict[str, tuple[tuple[str, ...], dict[str, Any], bytes]] = {}
_READ_MAX = 1024


def _read(cursor: str) -> tuple[tuple[str, ...], dict[str, Any], bytes]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = orjson.loads(raw)
    except (binascii.Error, ValueError):
        raise CursorError("cursor is not one this server issued (not decodable)") from None
    if (
        not isinstance(payload, dict)
        or payload.get("v") != _VERSION
        or not isinstance(payload.get("f"), dict)
        or not isinstance(payload.get("k"), list)
        or not all(isinstance(part, str) for part in payload["k"])
    ):
        raise CursorError("cursor is not one this server issued (unknown structure)")
    issued = payload["f"]
    return tuple(payload["k"]), issued, orjson.dumps(issued, option=orjson.OPT_SORT_KEYS)


def decode_param(
    operation: str, cursor: str | None, filters: Mapping[str, Any], key_length: int, *, lenient: bool = False
) -> tuple[str, ...] | None:
    """The `cursor` query parameter of `operation`: None for the first page, else the key to resume after; an
    unusable cursor is Kalshi's 400 for the parameter, with the reason in the diagnosis header. `lenient` (the market
    data reads): a cursor the mock did not issue for these filters starts from the first page, as Kalshi's /markets
    does with one it cannot use."""
    if not cursor:
        return None
    try:
        return decode(cursor, filters, key_length)
    except CursorError as exc:
        if lenient:
            return None
        raise param_error(operation, "Cursor", "cursor", str(exc)) from None


def decode_times(
    operation: str,
    cursor: str | None,
    filters: Mapping[str, Any],
    second: Callable[[str], Any] = parse_int,
    *,
    lenient: bool = False,
) -> tuple[int, Any] | None:
    """`decode_param` of a key of two parts, as the mock issues them: a time in microseconds, then what `second` reads
    (a sequence, an id); a key that does not read is not one the mock issued."""
    key = decode_param(operation, cursor, filters, 2, lenient=lenient)
    try:
        return None if key is None else (parse_int(key[0]), second(key[1]))
    except IntegerError:
        if lenient:
            return None
        raise param_error(operation, "Cursor", "cursor", "cursor is not one this server issued (bad key)") from None
