"""The bounds of what the Deribit exchange takes (docs/admin-api.md, "Bounds"): every number it takes, and what they add
up to, so that every figure a venue computes from the exchange is finite and a few dozen digits long at most; and
`ExchangeError`, a command the exchange refuses.
"""

from __future__ import annotations

from decimal import Decimal

from mockexchange.core.money import shown

ZERO = Decimal(0)


# The bounds of what the exchange takes.
PLACES = 8  # decimal places of any amount, price or rate: the satoshi, the finest unit a coin amount has
MAX_ACCOUNT_ID = 2**31 - 1  # account and subaccount ids: positive int32, what any client's integer holds
MAX_NAME = 64  # characters of an instrument name (Deribit's are under 30)
MAX_AMOUNT = Decimal(10**9)  # one trade, in the instrument's units (USD for inverse futures, the coin otherwise)
SMALLEST = Decimal(1).scaleb(-PLACES)  # the least positive amount, price or volatility
MIN_PRICE, MAX_PRICE = SMALLEST, Decimal(10**7)  # trade, index, mark and settlement prices, strikes
MAX_FEE = Decimal(10**9)  # one trade's fee (negative: a rebate), in the settlement currency
MAX_CASH = Decimal(10**12)  # a balance given at opening, one deposit or one withdrawal
MAX_BALANCE = Decimal(10**15)  # a wallet's balance in one currency, after any change: 15 + 8 digits < 28
MAX_VOLATILITY = Decimal(10)  # 1000%
# What one wallet traded since the last reset, with what its open orders may still trade (trading.py's check_traded):
# bounds every sum of its sizes. Each wallet's own: one that trades without end is refused alone.
MAX_TRADED = Decimal(10**12)
MAX_API_KEYS = 64  # per account, main or subaccount (Deribit states no limit; each key is kept and listed)
MAX_SUBACCOUNTS = 100  # per account (Deribit refuses past its own limit with too_many_subaccounts)
MAX_DEPOSIT_ADDRESSES = 100  # per wallet and currency (Deribit: max_addr_count_exceeded)


class ExchangeError(ValueError):
    """A command the exchange refuses; `status` is the HTTP status the control plane answers with, `reason` Deribit's
    error name for it where Deribit has one (`not_enough_funds`), which the venue sends with its code; `param` the
    Deribit param at fault, where one is (the venue names it in its -32602)."""

    def __init__(self, message: str, status: int = 400, reason: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.param = param


def bounded(value: object, what: str, least: Decimal, most: Decimal) -> Decimal:
    """A finite Decimal from `least` to `most` with at most `PLACES` places. Floats lose precision; refuse them so no
    binary fraction enters the exchange."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ExchangeError(f"{what} must be a finite Decimal", param=what)
    exponent = value.as_tuple().exponent
    if not least <= value <= most or (isinstance(exponent, int) and -exponent > PLACES):
        raise ExchangeError(
            f"{what} must be from {least:f} to {most:f} with at most {PLACES} decimal places, not {shown(value)}",
            param=what,
        )
    return value


def _price(value: object, what: str) -> Decimal:
    return bounded(value, what, MIN_PRICE, MAX_PRICE)
