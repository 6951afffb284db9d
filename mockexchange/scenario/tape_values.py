"""The amounts and times a scenario made from a tape reads in the venues' replies (scenario/<venue>/from_tape.py),
checked as they are read: one that is no finite number a scenario can carry (NaN, Infinity, `1e999999999`, text that
is no number, more places than the field has) or no time is refused with a `TapeError` naming its record and field,
which `tape-to-scenario` says in one line (exit status 2). A tape's own lines were checked when it was read
(recording/reader.py); what the venues answered inside them is checked here. And how the times compare."""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from mockexchange.recording.records import TapeError

LIMIT = Decimal(10) ** 15  # no amount of either venue comes near it
MAX_PLACES = 30  # a double's shortest spelling of an amount above 1e-13 has fewer
_LAST_MS = int(datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC).timestamp() * 1000)


def number(value: Any, name: str, seq: int, places: int = MAX_PLACES) -> Decimal:
    """A JSON number, or a decimal in a string, as a Decimal: finite, under LIMIT in size, with at most `places`
    decimal places (trailing zeros do not count). A TapeError naming record `seq` and the field `name` otherwise."""
    amount = None
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        with suppress(InvalidOperation):  # text that is no number
            amount = Decimal(str(value))
    if amount is None or not amount.is_finite() or amount.copy_abs() >= LIMIT:  # (copy_abs: no context to overflow)
        raise TapeError(f"record {seq}: {name} {_shown(value)} is no finite number under {LIMIT:,.0f} in size")
    if _places(amount) > places:
        raise TapeError(f"record {seq}: {name} {_shown(value)} has more than {places} decimal places")
    return amount


def plain(value: Decimal) -> str:
    """A decimal as a scenario writes it: `10`, `0.4567`, `0`."""
    return format(value.normalize(), "f") if value else "0"


def epoch_ms(value: Any, name: str, seq: int) -> str:
    """Milliseconds since 1970 (Deribit's timestamps) as an ISO 8601 UTC time; a TapeError naming record `seq` and
    the field `name` when it is no whole number of them up to the year 9999."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _LAST_MS:
        raise TapeError(f"record {seq}: {name} {_shown(value)} is no time in milliseconds since 1970")
    moment = datetime.fromtimestamp(value / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def moment(text: str) -> datetime:
    """An ISO 8601 time with its zone; ValueError for one without (it cannot be set beside the tape's)."""
    found = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if found.tzinfo is None:
        raise ValueError(f"{text!r} has no zone")
    return found


def dated_after(when: str, after: str) -> bool:
    """Whether the time `when` is after `after` (any time is, when `after` is ""); False for no time."""
    if not when:
        return False
    try:
        return not after or moment(when) > moment(after)
    except ValueError:
        return False


def _places(amount: Decimal) -> int:
    _, digits, exponent = amount.as_tuple()
    assert isinstance(exponent, int)  # a finite amount's
    zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + zeros)) if any(digits) else 0


def _shown(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else f"{shown[:37]}..."
