"""A seeded fill, declared once (core/commands.py): `SeedFill`, a trade booked for a user without a book (no order
crosses: the control plane's `fill`, the admin API's, a scenario's `fill` step and set-up position, a state file's
`fill` command). The ledger's handler (`ledger.filling.book_fill`) takes it; a batch's fills
(`ledger.filling.apply_fills`) are `NewFill`s of the same fields (new_fill.py), which a batch of a million reads without
a command's checks per fill.

Amounts are Kalshi's dollars and contracts as Decimals (fill_terms puts them in units): `count` contracts of `side`
at `price`, that side's price; `fee` the fill's own (else its market's schedule's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from mockexchange.core.commands import Command, value
from mockexchange.core.kalshi.checks import MAX_SUBACCOUNT
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
from mockexchange.core.values import Choice, Flag, Integer, Kind, Refused, Text

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


TEXT = Text()
COUNT = Amount(parse_count, str | int)
PRICE = Amount(parse_price)
FEE = Amount(_fee)


@dataclass(frozen=True, slots=True)
class SeedFill(Command):
    """A fill for the user: `count` contracts of `side` (yes/no) bought or sold at `price`, that side's price in
    dollars. The fee follows the fee schedule unless given (dollars)."""

    name: ClassVar[str] = "fill"
    user_id: str = value(TEXT)
    ticker: str = value(TEXT)
    side: str = value(Choice(SIDES))
    action: str = value(Choice(ACTIONS))
    count: Decimal = value(COUNT)
    price: Decimal = value(PRICE)
    event_ticker: str | None = value(TEXT, None)
    subaccount: int = value(Integer(0, MAX_SUBACCOUNT), 0)
    is_taker: bool = value(Flag(), True)
    fee: Decimal | None = value(FEE, None)
    order_id: str | None = value(TEXT, None)
    client_order_id: str | None = value(TEXT, None)

    def check(self) -> None:
        if self.fee is not None:  # (at most a dollar a contract of the fill: its bound needs the count)
            try:
                parse_fee(self.fee, self.count)
            except MoneyError as exc:
                raise Refused(str(exc)) from None
