"""What the ledger refuses: `LedgerError`, the bounds on what amounts add up to (docs/admin-api.md, "Bounds"), and
the checks every fill and order passes (its side, action, count, price, fee and subaccount).
"""

from __future__ import annotations

from decimal import Decimal

from mockexchange.core.money import COUNT_QUANTUM, MAX_COUNT, MAX_FEE_PER_CONTRACT, ZERO, quantize_dollars
from mockexchange.core.numbers import INT32_MAX

MAX_SUBACCOUNT = 63
MAX_EXCHANGE_INDEX = INT32_MAX  # Kalshi's ExchangeIndex is an int32 >= 0
# One market position's volume (contracts traded, both ways) and its resting contracts: the legacy `position`,
# `volume` and `resting_orders_count` are int32.
MAX_POSITION_CONTRACTS = Decimal(2_000_000_000)
# Contracts filled since the last reset, and contracts resting at once, over every account: whatever sums positions
# (an event's roll-up, a portfolio's value, an FCM member's resting order value) stays far within int64 cents.
MAX_LEDGER_CONTRACTS = Decimal(10**12)
# A subaccount's cash, as the sum of |cash| over its exchange indexes, after a fill or a transfer: $10 trillion. A
# settlement is never refused; its payouts add at most MAX_LEDGER_CONTRACTS dollars.
MAX_BALANCE = Decimal(10**13)


class LedgerError(ValueError):
    """A command the ledger refuses; `status` is the HTTP status the control plane answers with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def check_trade(side: str, action: str, count: Decimal, price: Decimal, subaccount: int) -> None:
    """What every fill and order must be: a side, an action, hundredths of contracts, a price inside (0, 1)."""
    if side not in ("yes", "no"):
        raise LedgerError("side must be 'yes' or 'no'")
    if action not in ("buy", "sell"):
        raise LedgerError("action must be 'buy' or 'sell'")
    if not isinstance(count, Decimal) or not count.is_finite() or not ZERO < count <= MAX_COUNT:
        raise LedgerError(f"count must be positive and at most {MAX_COUNT} contracts")
    if count != count.quantize(COUNT_QUANTUM):
        raise LedgerError("count must be positive, in hundredths of a contract")
    if not isinstance(price, Decimal) or not price.is_finite() or not ZERO < price < 1:
        raise LedgerError("price must be between 0 and 1 dollars exclusive")
    check_subaccount(subaccount)


def check_fee(fee: Decimal, count: Decimal) -> None:
    """A fill's own fee: from 0 to `MAX_FEE_PER_CONTRACT` dollars per contract, held to the micro-dollar."""
    if not isinstance(fee, Decimal) or not fee.is_finite() or not ZERO <= fee <= count * MAX_FEE_PER_CONTRACT:
        raise LedgerError(f"fee must be from 0 to {MAX_FEE_PER_CONTRACT} dollar per contract of the fill")
    if fee != quantize_dollars(fee):
        raise LedgerError("fee has more than 6 decimal places")


def check_subaccount(subaccount: int) -> None:
    if isinstance(subaccount, bool) or not isinstance(subaccount, int) or not 0 <= subaccount <= MAX_SUBACCOUNT:
        raise LedgerError(f"subaccount must be an integer from 0 to {MAX_SUBACCOUNT}")
