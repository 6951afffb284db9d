"""`NewFill`: a fill's fields, declared once: `ledger.filling.apply_fill`'s arguments, one fill of a batch
(`ledger.filling.apply_fills`), and what the control plane's `fill` and `fills`, the admin routes over them and a
scenario's fill step take (they read the names from here; tests/test_fill_fields.py holds them to it)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Concatenate, NamedTuple, ParamSpec, TypeGuard, TypeVar

from mockexchange.core.kalshi.checks import LedgerError

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


class NewFill(NamedTuple):
    """One fill of a batch (`ledger.filling.apply_fills`): `apply_fill`'s arguments, in its order, with its defaults."""

    user_id: str
    ticker: str
    side: str
    action: str
    count: Decimal  # type: ignore[assignment]  # shadows tuple.count: apply_fill's name for it (mypy issue 3950)
    price: Decimal
    subaccount: int = 0
    is_taker: bool = True
    event_ticker: str | None = None
    fee: Decimal | None = None
    order_id: str | None = None
    client_order_id: str | None = None


def fields_of(record: Callable[P, R]) -> Callable[[Callable[[Any, R], T]], Callable[Concatenate[Any, P], T]]:
    """A method taking one `record` (a `NewFill`), called with the record's fields instead
    (`ledger.filling.apply_fill`)."""

    fields = list(inspect.signature(record).parameters.values())

    def taking(method: Callable[[Any, R], T]) -> Callable[Concatenate[Any, P], T]:
        def call(self: Any, *args: P.args, **kwargs: P.kwargs) -> T:
            return method(self, record(*args, **kwargs))

        call.__name__, call.__qualname__, call.__doc__ = method.__name__, method.__qualname__, method.__doc__
        self = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
        vars(call)["__signature__"] = inspect.Signature([self, *fields])  # (what inspect reads)
        return call

    return taking


# A fill of a batch as the batch reads it: by position, in NewFill's order (a NewFill is one, and so is a whole tuple).
FillSpec = tuple[str, str, str, str, Decimal, Decimal, int, bool, str | None, Decimal | None, str | None, str | None]
FILL_REQUIRED = frozenset(name for name in NewFill._fields if name not in NewFill._field_defaults)
_WHOLE_TUPLES, _FIELDS = {tuple, NewFill}, {len(NewFill._fields)}  # a batch of whole tuples reads as is


def new_fills(items: Iterable[NewFill | Sequence[Any] | Mapping[str, Any]]) -> list[FillSpec]:
    """A batch's fills as `FillSpec`s (a `NewFill`, a tuple in its order, or a mapping of its names, will do)."""
    batch = list(items)
    if _whole(batch):
        return batch  # (nothing to convert)
    return [_new_fill(item) for item in batch]


def _whole(batch: list[Any]) -> TypeGuard[list[FillSpec]]:
    """Whether every fill of a batch is a whole tuple (a NewFill, or a tuple in its order), which reads as is (its
    values are checked as each fill's are, `checks.fill_terms`)."""
    return set(map(type, batch)) <= _WHOLE_TUPLES and set(map(len, batch)) == _FIELDS


def _new_fill(item: NewFill | Sequence[Any] | Mapping[str, Any]) -> FillSpec:
    if type(item) is NewFill or (type(item) is tuple and len(item) == len(NewFill._fields)):
        return item  # (a whole tuple reads as is)
    try:
        if isinstance(item, Mapping):
            return NewFill(**item)
        if isinstance(item, tuple | list):
            return NewFill(*item)
    except TypeError as exc:
        raise LedgerError(f"a fill of a batch takes apply_fill's arguments: {exc}") from None
    raise LedgerError(f"a fill of a batch is a NewFill, a tuple or a mapping, not {type(item).__name__}")
