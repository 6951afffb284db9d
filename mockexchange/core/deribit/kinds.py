"""The kinds of value Deribit's commands take, in the one vocabulary (core/values.py) and within the exchange's bounds
(bounds.py): the fields every Deribit command shares (a user, an instrument, a wallet's id, an amount, a price, cash),
a currency code and a price index's name held as Deribit writes them, and a wallet's opening balances.

Amounts and prices are exact `Decimal`s of at most `PLACES` places; their plain values are decimal strings ("10",
"0.5") or integers, as the control plane has always taken them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mockexchange.core.deribit.bounds import (
    MAX_ACCOUNT_ID,
    MAX_AMOUNT,
    MAX_CASH,
    MAX_NAME,
    MAX_PRICE,
    MIN_PRICE,
    PLACES,
    SMALLEST,
)
from mockexchange.core.money import shown
from mockexchange.core.values import Choice, Decimals, Integer, Kind, Refused, Text


@dataclass(frozen=True, slots=True)
class Code(Kind[str]):
    """A code written in any case and held in the case Deribit writes it: a currency's upper (`BTC`), a price index's
    lower (`btc_usd`). `words` say what it takes."""

    pattern: re.Pattern[str]
    upper: bool
    words: str
    plain = str

    def read(self, value: Any, name: str) -> str:
        if not isinstance(value, str) or not self.pattern.fullmatch(value):
            raise Refused(f"{name} must be {self.words}, not {shown(value)}")
        return value.upper() if self.upper else value.lower()

    def check(self, value: str, name: str) -> None:
        if self.read(value, name) != value:
            case = "upper" if self.upper else "lower"
            raise Refused(f"{name} must be {self.words}, in {case} case, not {shown(value)}")

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": f"^{self.pattern.pattern}$"}


INSTRUMENT = Text(MAX_NAME)
DIRECTION = Choice(("buy", "sell"))
ACCOUNT_ID = Integer(1, MAX_ACCOUNT_ID)
AMOUNT = Decimals(SMALLEST, MAX_AMOUNT, PLACES)  # one trade: USD for inverse futures, the coin otherwise
PRICE = Decimals(MIN_PRICE, MAX_PRICE, PLACES)
CASH = Decimals(SMALLEST, MAX_CASH, PLACES)  # one withdrawal or transfer
BALANCE = Decimals(Decimal(0), MAX_CASH, PLACES)  # a balance given at opening, a withdrawal's fee
CURRENCY = Code(re.compile(r"[A-Za-z0-9]{1,16}"), True, "a currency code of 1 to 16 letters or digits (BTC)")
INDEX = Code(re.compile(r"[A-Za-z0-9_]{1,64}"), False, "1 to 64 letters, digits or '_' such as 'btc_usd'")


@dataclass(frozen=True, slots=True)
class Balances(Kind[tuple[tuple[str, Decimal], ...]]):
    """A wallet's balances at opening: `{"BTC": "10"}`, held as (currency, amount) pairs in the order given, each
    currency once."""

    plain = dict[str, str]

    def read(self, value: Any, name: str) -> tuple[tuple[str, Decimal], ...]:
        if not isinstance(value, dict):
            raise Refused(f'{name} must be an object such as {{"BTC": "10"}}, not {shown(value)}')
        found: dict[str, Decimal] = {}
        for code, amount in value.items():
            upper = CURRENCY.read(code, f"a currency of {name}")
            if upper in found:
                raise Refused(f"{name} names {upper} twice")
            found[upper] = BALANCE.read(amount, f"{name}.{upper}")
        return tuple(found.items())

    def write(self, value: tuple[tuple[str, Decimal], ...]) -> dict[str, str]:
        return {code: BALANCE.write(amount) for code, amount in value}

    def check(self, value: tuple[tuple[str, Decimal], ...], name: str) -> None:
        if not isinstance(value, tuple) or self.read(self.write(value), name) != value:
            raise Refused(f"{name} must be (currency, amount) pairs, each currency once, not {shown(value)}")

    def schema(self) -> dict[str, Any]:
        return {"type": "object", "additionalProperties": {"type": "string"}}


BALANCES = Balances()
