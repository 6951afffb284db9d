"""What the ledger refuses: `LedgerError`, the bounds on what amounts add up to (docs/admin-api.md, "Bounds") and their
checks (`check_contracts`, `check_cash`), and the checks every fill and order passes (its side, action, count, price,
fee and subaccount).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from mockexchange.core.kalshi import positions
from mockexchange.core.kalshi.fees import FeeRule
from mockexchange.core.kalshi.units import (
    CONTRACT,
    DOLLAR,
    KEPT_COUNTS,
    KEPT_PRICES,
    PRICE,
    UnitError,
    contracts,
    count_units,
    dollar_units,
    dollars,
    price_units,
)
from mockexchange.core.money import MAX_COUNT, MAX_FEE_PER_CONTRACT, ZERO
from mockexchange.core.numbers import INT32_MAX

if TYPE_CHECKING:
    from mockexchange.core.kalshi.accounts import Account

MAX_SUBACCOUNT = 63
MAX_EXCHANGE_INDEX = INT32_MAX  # Kalshi's ExchangeIndex is an int32 >= 0
# One market position's volume (contracts traded, both ways) and its resting contracts: the legacy `position`,
# `volume` and `resting_orders_count` are int32. (Not the house's: no wire shows its positions, and every account that
# trades with the scripted liquidity trades with them.)
MAX_POSITION_CONTRACTS = Decimal(2_000_000_000)
# Contracts one account filled since the last reset, and contracts it rests at once: whatever sums its positions (an
# event's roll-up, a portfolio's value) stays far within int64 cents, and an FCM member's sums over its subtraders
# (at most MAX_SUBTRADERS, below) too. Each account's own: what one account does never refuses another's.
MAX_ACCOUNT_CONTRACTS = Decimal(10**12)
# Subtraders of one FCM member (its error account's included): what the member's sums over them add up, and what one
# member's client can open (POST /fcm/subtraders, a position transfer's target), each an account with its own bounds.
MAX_SUBTRADERS = 1_000
# Orders one account rests at once. Each holds some of its owner's cash, but as little as a hundred micro-dollars: a
# funded account could otherwise rest millions (about 1 KB each).
MAX_RESTING_ORDERS = 100_000
# A subaccount's cash, as the sum of |cash| over its exchange indexes, after a fill or a transfer: $10 trillion. A
# settlement is never refused; its payouts add at most MAX_ACCOUNT_CONTRACTS dollars.
MAX_BALANCE = Decimal(10**13)


_MOST_COUNT = int(MAX_COUNT) * CONTRACT


class LedgerError(ValueError):
    """A command the ledger refuses; `status` is the HTTP status the control plane answers with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class Refusal(LedgerError):
    """A refusal with Kalshi's error code for it (`insufficient_balance`, `conflict`, ...)."""

    def __init__(self, message: str, status: int = 400, code: str = "bad_request") -> None:
        super().__init__(message, status)
        self.code = code


def check_trade(side: str, action: str, count: Decimal, price: Decimal, subaccount: int) -> tuple[int, int]:
    """What every fill and order must be: a side, an action, hundredths of contracts, a price inside (0, 1) of at
    most 4 places (Kalshi's); answers the count and the price in units (units.py)."""
    if side not in positions.SIDES:
        raise LedgerError("side must be 'yes' or 'no'")
    if action not in positions.ACTIONS:
        raise LedgerError("action must be 'buy' or 'sell'")
    # (a finite Decimal's units kept already are read without a call: the fill road checks every fill's two)
    count_held = KEPT_COUNTS.get(count) if type(count) is Decimal and count.is_finite() else None
    if count_held is None:
        count_held = _units(count, count_units)
    if count_held is None or not 0 < count_held <= _MOST_COUNT:
        if count_held is not None or not (
            isinstance(count, Decimal) and count.is_finite() and ZERO < count <= MAX_COUNT
        ):
            raise LedgerError(f"count must be positive and at most {MAX_COUNT} contracts")
        raise LedgerError("count must be positive, in hundredths of a contract")
    price_held = KEPT_PRICES.get(price) if type(price) is Decimal and price.is_finite() else None
    if price_held is None:
        price_held = _units(price, price_units)
    if price_held is None or not 0 < price_held < PRICE:
        if price_held is not None or not (isinstance(price, Decimal) and price.is_finite() and ZERO < price < 1):
            raise LedgerError("price must be between 0 and 1 dollars exclusive")
        raise LedgerError("price has more than 4 decimal places")
    check_subaccount(subaccount)
    return count_held, price_held


def _units(value: object, to_units: Callable[[Decimal], int]) -> int | None:
    """A finite Decimal in units (None: finer than the unit, or not a finite Decimal)."""
    if not isinstance(value, Decimal) or not value.is_finite():
        return None
    try:
        return to_units(value)
    except UnitError:
        return None


def check_fee(fee: Decimal, count: Decimal) -> int:
    """A fill's own fee: from 0 to `MAX_FEE_PER_CONTRACT` dollars per contract, held to the micro-dollar; answers it
    in micro-dollars."""
    if not isinstance(fee, Decimal) or not fee.is_finite() or not ZERO <= fee <= count * MAX_FEE_PER_CONTRACT:
        raise LedgerError(f"fee must be from 0 to {MAX_FEE_PER_CONTRACT} dollar per contract of the fill")
    try:
        return dollar_units(fee)
    except UnitError:
        raise LedgerError("fee has more than 6 decimal places") from None


@dataclass(slots=True)
class Terms:
    """A checked fill's terms in units: its side and action, whether it buys YES, its count (hundredths), its price,
    the price of the side it buys and the YES price (price units), and its fee (micro-dollars). (A slotted class, not
    a NamedTuple: the fill road reads its fields a dozen times a fill, and a tuple's field is read through a
    descriptor's call; not frozen, whose making costs a call a field. Nobody changes one.)"""

    side: str
    action: str
    buys: bool
    count: int
    price: int
    paid: int
    yes: int
    fee: int


def fill_terms(
    schedule: FeeRule | None,
    side: str,
    action: str,
    count: Decimal,
    price: Decimal,
    subaccount: int,
    is_taker: bool,
    fee: Decimal | None,
) -> Terms:
    """A fill's terms checked (`check_trade`, `check_fee`) and put in units, its fee the schedule's if not given (a
    schedule must be given then)."""
    count_held, price_held = check_trade(side, action, count, price, subaccount)
    if fee is None:
        assert schedule is not None
        fee_held = schedule.fee_units(count_held, price_held, bool(is_taker))
    else:
        fee_held = check_fee(fee, count)
    return Terms(
        side, action, positions.buys_yes(side, action), count_held, price_held,
        positions.price_paid(action, price_held), positions.yes_price(side, price_held), fee_held,
    )  # fmt: skip


def check_ticker(ticker: object) -> None:
    """A ticker to list a market by: a non-empty string."""
    if not isinstance(ticker, str) or not ticker.strip():
        raise LedgerError("ticker must be a non-empty string")


def check_subaccount(subaccount: int) -> None:
    if isinstance(subaccount, bool) or not isinstance(subaccount, int) or not 0 <= subaccount <= MAX_SUBACCOUNT:
        raise LedgerError(f"subaccount must be an integer from 0 to {MAX_SUBACCOUNT}")


# -- the bounds on what amounts add up to ---------------------------------------------------------------------------


def bounds() -> tuple[int, int, int]:
    """The bounds as `check_contracts` and `check_cash` read them now, in units: the contracts an account filled, a
    position's volume (hundredths), a subaccount's cash (micro-dollars); worked out again only when one was set."""
    global _BOUNDS
    found = _BOUNDS
    if found[0] is not MAX_ACCOUNT_CONTRACTS or found[1] is not MAX_POSITION_CONTRACTS or found[2] is not MAX_BALANCE:
        most = (
            _most(MAX_ACCOUNT_CONTRACTS, CONTRACT),
            _most(MAX_POSITION_CONTRACTS, CONTRACT),
            _most(MAX_BALANCE, DOLLAR),
        )
        found = _BOUNDS = (MAX_ACCOUNT_CONTRACTS, MAX_POSITION_CONTRACTS, MAX_BALANCE, most)
    return found[3]


def check_contracts(held: int, count: int, what: str, account_total: int, counted: str, per: int = CONTRACT) -> None:
    """`count` more contracts fit the position's bound (its `what`, now `held`; the house's positions have none:
    their callers give 0) and its account's (`account_total` of them `counted`: filled, resting); amounts in `per` of a
    contract (hundredths; 1: whole contracts, as resting ones are counted)."""
    if per == CONTRACT:  # (a fill's: the bounds as `bounds` keeps them, one call for both)
        account_most, position_most, _ = bounds()
    else:
        account_most, position_most = _most(MAX_ACCOUNT_CONTRACTS, per), _most(MAX_POSITION_CONTRACTS, per)
    if held + count > position_most:
        raise LedgerError(
            f"count {_shown(count, per)} would take this market position's {what} to {_shown(held + count, per)} "
            f"contracts; it may reach {MAX_POSITION_CONTRACTS} (the legacy profile's int32 contract fields)"
        )
    if account_total + count > account_most:
        raise LedgerError(
            f"count {_shown(count, per)} would take this account's contracts {counted} to "
            f"{_shown(account_total + count, per)}; an account may reach {MAX_ACCOUNT_CONTRACTS} (reset to start "
            "again)"
        )


def check_cash(account: Account, subaccount: int, exchange_index: int, amount: int) -> None:
    """`amount` micro-dollars more keep the subaccount's cash within its bound."""
    spread = account.cash_spread(subaccount, exchange_index, amount)
    if spread > bounds()[2]:
        raise LedgerError(
            f"this would take the cash of {account.user_id!r} (subaccount {subaccount}) to {dollars(spread):f} "
            f"dollars in all; a subaccount's cash stays within -{MAX_BALANCE} to {MAX_BALANCE} dollars"
        )


_MOSTS: dict[tuple[int, int], tuple[Decimal, int]] = {}
_BOUNDS: tuple[Decimal | None, Decimal | None, Decimal | None, tuple[int, int, int]] = (None, None, None, (0, 0, 0))


def _shown(amount: int, per: int) -> str:
    """An amount of contracts in `per` of a contract, as a refusal writes it."""
    return f"{contracts(amount) if per == CONTRACT else amount:f}"


def _most(bound: Decimal, per: int) -> int:
    """A bound (read when checked: a test may set another) in `per` of its unit, worked out once."""
    found = _MOSTS.get((id(bound), per))
    if found is None or found[0] is not bound:
        found = _MOSTS[(id(bound), per)] = (bound, int(bound * per))
    return found[1]
