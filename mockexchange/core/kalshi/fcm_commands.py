"""An FCM member's desk commands, declared once (core/commands.py): a subtrader made, its daily cap set or removed, a
category blocked or unblocked for it, the member's error account named, a position moved to a subtrader of that error
account. The venue's FCM routes, the admin API, the Python API and the state file build these; the desk's handlers
(fcm.py) take them. Amounts in the core's units: a cap in micro-dollars, a transfer's count in hundredths of a contract
(the wire's centi-count) at a YES price in ten-thousandths of a dollar (its centi-cents).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from mockexchange.core.commands import Command, value
from mockexchange.core.kalshi.checks import MAX_BALANCE
from mockexchange.core.kalshi.units import DOLLAR, DOLLAR_PLACES, dollar_units
from mockexchange.core.money import MoneyError, parse_decimal, shown
from mockexchange.core.numbers import INT64_MAX, INT64_MIN
from mockexchange.core.values import FLAG, TEXT, Integer, Scaled, Text

MAX_CATEGORY = 100  # characters of a blocked category
_CAP_WORDS = f"from 0 to {MAX_BALANCE} dollars"

SUFFIX = re.compile(r"[A-Za-z0-9]{1,16}")  # a subtrader's id after its member's and an underscore


def _cap(text: Any, name: str) -> int:
    """A daily cap: dollars of up to 4 places, in micro-dollars (its range checked before its units are made)."""
    cap = parse_decimal(text, name, 4, _CAP_WORDS)
    if not 0 <= cap <= MAX_BALANCE:
        raise MoneyError(f"{name} must be {_CAP_WORDS}, not {shown(text)}")
    return dollar_units(cap)


@dataclass(frozen=True, slots=True)
class Dollars(Scaled):
    """An amount of dollars written as a decimal string or a whole number of dollars."""

    plain = str | int


CAP = Dollars(_cap, DOLLAR_PLACES, 0, int(MAX_BALANCE) * DOLLAR, _CAP_WORDS)


@dataclass(frozen=True, slots=True)
class CreateFCMSubtrader(Command):
    """The member's subtrader `{fcm_user_id}_{subtrader_suffix}` (1 to 16 letters and digits)."""

    name: ClassVar[str] = "create_fcm_subtrader"
    fcm_user_id: str = value(TEXT)
    subtrader_suffix: str = value(Text(16, pattern=SUFFIX))


@dataclass(frozen=True, slots=True)
class UpdateFCMEventContractDailyCap(Command):
    """Set the subtrader's event-contract daily cap (dollars, up to 4 places); null removes it."""

    name: ClassVar[str] = "set_fcm_daily_cap"
    fcm_user_id: str = value(TEXT)
    subtrader_id: str = value(TEXT)
    limit: int | None = value(CAP, nullable=True)


@dataclass(frozen=True, slots=True)
class UpdateFCMSubtraderBlockedCategories(Command):
    """Block (or unblock) one event category for the subtrader; answers its blocked set, sorted."""

    name: ClassVar[str] = "set_fcm_blocked_category"
    fcm_user_id: str = value(TEXT)
    subtrader_id: str = value(TEXT)
    category: str = value(Text(MAX_CATEGORY))
    blocked: bool = value(FLAG, True)


@dataclass(frozen=True, slots=True)
class SetFCMErrorAccount(Command):
    """Enable the member's position transfers into subtraders of `error_account_id` (another FCM member account);
    null disables them."""

    name: ClassVar[str] = "set_fcm_error_account"
    fcm_user_id: str = value(TEXT)
    error_account_id: str | None = value(TEXT, nullable=True)


@dataclass(frozen=True, slots=True)
class CreateFCMPositionTransfer(Command):
    """Move a position of one market from the member's subtrader to a subtrader of its error account, booked at the
    YES price (CreateFCMPositionTransfer's terms)."""

    name: ClassVar[str] = "fcm_position_transfer"
    fcm_user_id: str = value(TEXT)
    source_subtrader_id: str = value(TEXT)
    target_subtrader_id: str = value(TEXT)
    market_ticker: str = value(TEXT)
    position_centicount: int = value(Integer(INT64_MIN, INT64_MAX))
    price_centicents: int = value(Integer(0, 10_000))
