"""Deribit's seeded fill, declared once (core/commands.py): a trade booked for a user without a book (no order on its
other side, no level taken), to seed a portfolio. The admin API, the Python API, scenario files (`deribit.positions`,
the `deribit_fill` step) and the state file build it; the exchange's trading (trading.py) takes its values as a `Fill`
(handlers.py). The field names and their order are the control plane's parameters (a state file written before holds
those names; a Python call gives them in that order).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from mockexchange.core.commands import UserCommand, value
from mockexchange.core.deribit.bounds import MAX_FEE, PLACES
from mockexchange.core.deribit.kinds import ACCOUNT_ID, AMOUNT, DIRECTION, INSTRUMENT, PRICE
from mockexchange.core.values import TEXT, Decimals

FEE = Decimals(-MAX_FEE, MAX_FEE, PLACES)  # in the settlement currency; negative: a rebate


@dataclass(frozen=True, slots=True)
class SeedDeribitFill(UserCommand):
    """A trade for the user: `amount` (USD for inverse futures, the coin otherwise) bought or sold at `price`.
    The instrument is listed if new; the fee (settlement currency) comes off the balance. The instrument's index
    must have a price first, so that its position can be valued (read) at once."""

    name: ClassVar[str] = "deribit_fill"
    instrument_name: str = value(INSTRUMENT)
    direction: str = value(DIRECTION)
    amount: Decimal = value(AMOUNT)
    price: Decimal = value(PRICE)
    subaccount_id: int | None = value(ACCOUNT_ID, None)
    fee: Decimal = value(FEE, Decimal(0))
    order_id: str | None = value(TEXT, None)
