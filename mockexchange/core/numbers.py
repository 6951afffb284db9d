"""Integers from untrusted text: query strings, headers, JSON-RPC params, cursors, scopes. One reader for every venue.

Python's `int()` is the wrong tool for text a client controls: it takes Unicode digits (`'１２３'`), underscores and
surrounding whitespace, raises past 4,300 digits, and returns numbers that no int64 (nor a float, when divided) holds;
and `str.isdigit()` passes `'²'`, which `int()` then refuses. `parse_int` takes ASCII digits only, a sign only where the
caller allows one, and refuses a value outside the caller's range from its length alone, before `int()` sees it, so
100,000 digits cost one scan. Every refusal is an `IntegerError` (a `ValueError`), which the venue words its own way.
"""

from __future__ import annotations

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_EXCERPT_CHARS = 40  # of the text quoted in an error message


class IntegerError(ValueError):
    """Why a text is not an integer the caller accepts; the message quotes an excerpt of the text, never all of it."""


class NotAnInteger(IntegerError):
    """Not an optional sign followed by ASCII digits (Go's strconv "invalid syntax")."""


class OutOfRange(IntegerError):
    """An integer outside the caller's range (Go's strconv "value out of range"); `above` says on which side."""

    def __init__(self, message: str, above: bool) -> None:
        super().__init__(message)
        self.above = above


def excerpt(text: str) -> str:
    """A text as a message may quote it: its repr, cut to a few dozen characters (with its length when cut)."""
    if len(text) <= _EXCERPT_CHARS:
        return repr(text)
    return f"{text[:_EXCERPT_CHARS]!r}... ({len(text)} characters)"


def is_integer(text: str, *, signs: str = "") -> bool:
    """Whether `text` spells an integer, of any size: ASCII digits after at most one leading character of `signs`."""
    if not isinstance(text, str):
        return False
    digits = text[1:] if text[:1] and text[:1] in signs else text
    return bool(digits) and digits.isascii() and digits.isdigit()


def parse_int(text: str, minimum: int = INT64_MIN, maximum: int = INT64_MAX, *, signs: str = "") -> int:
    """The integer `text` spells, if it lies in `minimum..maximum`: ASCII digits, after one leading character of
    `signs` (`"+-"` as Go's strconv takes, `"-"`, or `""`: none). Leading zeros are allowed, as Go allows them."""
    if text.__class__ is str and 0 < len(text) < 19 and text.isascii() and text.isdigit():  # (a query's `limit=100`)
        return bounded(int(text), minimum, maximum, text)
    if not is_integer(text, signs=signs):
        raise NotAnInteger(f"{excerpt(text) if isinstance(text, str) else repr(text)} is not an integer")
    negative = text[:1] == "-"
    digits = text[1:] if text[:1] in ("-", "+") else text
    significant = digits.lstrip("0")
    # The bounds' length decides before int() runs: int() is quadratic in the digits and refuses 4,300 of them.
    if len(significant) > len(str(maximum if not negative else minimum).lstrip("-")):
        raise _out_of_range(text, minimum, maximum, above=not negative)
    value = int(significant or "0")
    return bounded(-value if negative else value, minimum, maximum, text)


def bounded(value: int, minimum: int = INT64_MIN, maximum: int = INT64_MAX, text: str | None = None) -> int:
    """`value` if it lies in `minimum..maximum` (for integers a parser already read, as JSON's); `OutOfRange` if not."""
    if value < minimum or value > maximum:
        raise _out_of_range(str(value) if text is None else text, minimum, maximum, above=value > maximum)
    return value


def _out_of_range(text: str, minimum: int, maximum: int, *, above: bool) -> OutOfRange:
    return OutOfRange(f"{excerpt(text)} is out of the range {minimum}..{maximum}", above)
