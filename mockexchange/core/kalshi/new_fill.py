"""`NewFill`: a fill's fields, declared once: `Ledger.apply_fill`'s arguments, one fill of a batch
(`Ledger.apply_fills`), and what the control plane's `fill` and `fills`, the admin routes over them and a scenario's
fill step take (they read the names from here; tests/test_fill_fields.py holds them to it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from mockexchange.core.kalshi.checks import LedgerError


class NewFill(NamedTuple):
    """One fill of a batch (`Ledger.apply_fills`): `apply_fill`'s arguments, in its order, with its defaults."""

    user_id: str
    ticker: str
    side: str
    action: str
    count: Decimal
    price: Decimal
    subaccount: int = 0
    is_taker: bool = True
    event_ticker: str | None = None
    fee: Decimal | None = None
    order_id: str | None = None
    client_order_id: str | None = None


FILL_REQUIRED = frozenset(name for name in NewFill._fields if name not in NewFill._field_defaults)
_WHOLE_TUPLES, _FIELDS = {tuple, NewFill}, {len(NewFill._fields)}  # a batch of whole tuples reads as is


def new_fills(items: Iterable[NewFill | Sequence[Any] | Mapping[str, Any]]) -> list[NewFill]:
    """A batch's fills as `NewFill`s (a tuple in its order, or a mapping of its names, will do)."""
    batch = list(items)
    if set(map(type, batch)) <= _WHOLE_TUPLES and set(map(len, batch)) == _FIELDS:
        return batch  # type: ignore[return-value]  # (whole tuples read as NewFills: nothing to convert)
    return [_new_fill(item) for item in batch]


def _new_fill(item: NewFill | Sequence[Any] | Mapping[str, Any]) -> NewFill:
    if type(item) is NewFill or (type(item) is tuple and len(item) == len(NewFill._fields)):
        return item  # type: ignore[return-value]  # (a whole tuple reads as its NewFill)
    try:
        if isinstance(item, Mapping):
            return NewFill(**item)
        if isinstance(item, tuple | list):
            return NewFill(*item)
    except TypeError as exc:
        raise LedgerError(f"a fill of a batch takes apply_fill's arguments: {exc}") from None
    raise LedgerError(f"a fill of a batch is a NewFill, a tuple or a mapping, not {type(item).__name__}")
