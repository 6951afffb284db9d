"""A seeded fill, declared once (core/commands.py): `SeedFill`, a trade booked for a user without a book (no order
crosses: the control plane's `fill`, the admin API's, a scenario's `fill` step and set-up position, a state file's
`fill` command). The ledger's handler (`ledger.filling.book_fill`) takes it. A batch of them, `SeedFills` (the control
plane's `fills`, to seed a large sandbox), holds each as the `NewFill` a batch's fills are
(`ledger.filling.apply_fills`, new_fill.py), read by `SeedFill`'s kinds.

Amounts are Kalshi's dollars and contracts as Decimals (fill_terms puts them in units): `count` contracts of `side`
at `price`, that side's price; `fee` the fill's own (else its market's schedule's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from mockexchange.core.commands import Command, UserCommand, declared, read, value
from mockexchange.core.kalshi.checks import MAX_SUBACCOUNT
from mockexchange.core.kalshi.new_fill import NewFill
from mockexchange.core.kalshi.positions import ACTIONS, SIDES
from mockexchange.core.money import (
    MAX_FEE_PER_CONTRACT,
    MoneyError,
    parse_count,
    parse_decimal,
    parse_fee,
    parse_price,
    plain,
    shown,
)
from mockexchange.core.values import FLAG, TEXT, Choice, Integer, Kind, Refused

_FEE_WORDS = f"0 to {MAX_FEE_PER_CONTRACT} dollar a contract, at most 6 places"


@dataclass(frozen=True, slots=True)
class Amount(Kind[Decimal]):
    """Dollars or contracts written as a decimal string (or an integer), held as a Decimal: `parse` reads it (core/
    money.py's, its `MoneyError` a refusal in its words). `plain`: the Python type a call gives it as."""

    parse: Callable[[Any, str], Decimal]
    plain: Any = str

    def read(self, value: Any, name: str) -> Decimal:
        try:
            return self.parse(value, name)
        except MoneyError as exc:
            raise Refused(str(exc)) from None

    def write(self, value: Decimal) -> str:
        return plain(value)

    def check(self, value: Decimal, name: str) -> None:
        if type(value) is not Decimal:
            raise Refused(f"{name} must be a Decimal, not {shown(value)}")
        self.read(value, name)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^\s*[+-]?[0-9]*\.?[0-9]*\s*$"}


def _fee(text: Any, name: str) -> Decimal:
    """A fill's own fee, at most 6 places and not negative (its bound per contract is the command's: `SeedFill`)."""
    fee = parse_decimal(text, name, 6, _FEE_WORDS)
    if fee < 0:
        raise MoneyError(f"{name} must not be negative ({_FEE_WORDS})")
    return fee


COUNT = Amount(parse_count, str | int)
PRICE = Amount(parse_price)
FEE = Amount(_fee)


@dataclass(frozen=True, slots=True)
class SeededTrade(UserCommand):
    """What a seeded fill and a seeded resting order share: the user's `count` contracts of `side` (yes/no) bought or
    sold at `price`, that side's price in dollars, in a market of an event (its ticker's, unless given), on a
    subaccount."""

    ticker: str = value(TEXT)
    side: str = value(Choice(SIDES))
    action: str = value(Choice(ACTIONS))
    count: Decimal = value(COUNT)
    price: Decimal = value(PRICE)
    event_ticker: str | None = value(TEXT, None)
    subaccount: int = value(Integer(0, MAX_SUBACCOUNT), 0)


@dataclass(frozen=True, slots=True)
class SeedFill(SeededTrade):
    """A fill for the user: `count` contracts of `side` (yes/no) bought or sold at `price`, that side's price in
    dollars. The fee follows the fee schedule unless given (dollars)."""

    name: ClassVar[str] = "fill"
    is_taker: bool = value(FLAG, True)
    fee: Decimal | None = value(FEE, None)
    order_id: str | None = value(TEXT, None)
    client_order_id: str | None = value(TEXT, None)

    def check(self) -> None:
        if self.fee is not None:  # (at most a dollar a contract of the fill: its bound needs the count)
            try:
                parse_fee(self.fee, self.count)
            except MoneyError as exc:
                raise Refused(str(exc)) from None


MAX_FILLS = 1_000_000  # fills in one batch (`SeedFills`)
_FIELDS = {field.name: field for field in declared(SeedFill)}
_REQUIRED = frozenset(name for name, field in _FIELDS.items() if field.required)
# Each field of a NewFill, in its order: (name, how its plain value is written or None, default, required)
_WRITTEN = [
    (name, None if type(field.kind).write is Kind.write else field.kind.write, field.default, field.required)
    for name, field in ((name, _FIELDS[name]) for name in NewFill._fields)
]


def _new_fill(item: Any, where: str) -> NewFill:
    """One fill of a batch, read as `SeedFill` reads it: the batch's refusal names it."""
    if not isinstance(item, dict) or not all(type(key) is str for key in item):
        raise Refused(f"{where} must be an object of fill's arguments, not a {type(item).__name__}")
    unknown, missing = item.keys() - _FIELDS.keys(), _REQUIRED - item.keys()
    if unknown or missing:
        problem = f"takes no {sorted(unknown)[0]!r}" if unknown else f"needs {sorted(missing)[0]!r}"
        raise Refused(f"{where} {problem} (its fields are fill's arguments)")
    try:
        fill = read(SeedFill, item)
    except Refused as exc:
        raise Refused(f"{where}: {exc}") from None
    return NewFill(
        fill.user_id, fill.ticker, fill.side, fill.action, fill.count, fill.price, fill.subaccount, fill.is_taker,
        fill.event_ticker, fill.fee, fill.order_id, fill.client_order_id,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Fills(Kind[tuple[NewFill, ...]]):
    """A batch's fills: a list of objects of `SeedFill`'s fields, held as `NewFill`s; the first one refused refuses
    the batch, naming it (`fills[3]: ...`)."""

    most: int
    plain = list[dict[str, Any]]

    def read(self, value: Any, name: str) -> tuple[NewFill, ...]:
        if not isinstance(value, list | tuple) or len(value) > self.most:
            raise Refused(f"{name} must be a list of at most {self.most} fills, not a {type(value).__name__}")
        return tuple(_new_fill(item, f"{name}[{i}]") for i, item in enumerate(value))

    def write(self, value: tuple[NewFill, ...]) -> list[dict[str, Any]]:
        # As `write(SeedFill(...))` writes each: its required fields and those not their default (a state file keeps
        # a million of them, so each field's writing is looked up once: None where the value is its own plain value).
        plains = []
        for fill in value:
            plain = {}
            for (name, written, default, required), held in zip(_WRITTEN, fill, strict=True):
                if required or held != default:
                    plain[name] = held if written is None or held is None else written(held)
            plains.append(plain)
        return plains

    def check(self, value: tuple[NewFill, ...], name: str) -> None:
        # (each fill's values are the ledger's to check, as every batch's are: checks.fill_terms)
        if not isinstance(value, tuple) or len(value) > self.most or not all(type(f) is NewFill for f in value):
            raise Refused(f"{name} must be a tuple of at most {self.most} NewFills")

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "maxItems": self.most, "items": {"type": "object"}}


@dataclass(frozen=True, slots=True)
class SeedFills(Command):
    """Many fills at once, to seed a large sandbox: each an object of `fill`'s arguments (user_id, ticker, side,
    action, count, price, and optionally event_ticker, subaccount, is_taker, fee, order_id, client_order_id). They are
    made in order, as `fill` would make each, at one instant and with the ledger's lock taken once; all or nothing (a
    fill that would be refused refuses the batch, naming it). Answers how many were made and their fill ids."""

    name: ClassVar[str] = "fills"
    fills: tuple[NewFill, ...] = value(Fills(MAX_FILLS))
