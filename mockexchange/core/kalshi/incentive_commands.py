"""An incentive program, declared once (core/commands.py): a reward Kalshi pays for liquidity or volume on one
market over a period, told to the exchange from outside. The admin API, the Python API, scenario steps and set-up
sections and the state file build it; the ledger's `incentive_programs` part (incentive_programs.py) keeps it.

Its market is one the mock lists; its period (`start_date` to `end_date`) is on the exchange clock, which alone says
whether it is upcoming, active or over (its status is not kept). Rewards are centi-cents ($1 = 10,000), as the wire
gives them; a target size is hundredths of a contract (units.py). Set again under its id, it is replaced whole;
without an id, one is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from mockexchange.core.commands import Command, value
from mockexchange.core.kalshi.market_values import TITLE
from mockexchange.core.kalshi.order_commands import COUNT
from mockexchange.core.numbers import INT64_MAX
from mockexchange.core.values import FLAG, TEXT, Choice, Integer, IsoTime, Refused

MAX_INCENTIVE_PROGRAMS = 1_000  # programs the mock keeps (a new one beyond is refused)
INCENTIVE_TYPES = ("liquidity", "volume", "margin_maker_volume", "margin_taker_volume")
CENTI_CENTS = Integer(0, INT64_MAX)  # a reward (int64 on the wire)
BASIS_POINTS = Integer(0, 10_000)
AT = IsoTime()


@dataclass(frozen=True, slots=True)
class SetIncentiveProgram(Command):
    """The incentive program `incentive_program_id` (drawn if not given; set again: replaced whole) on the market
    `market_ticker`, paying `period_reward` centi-cents between `start_date` and `end_date`; `paid_out` once it has
    paid (only after its end)."""

    name: ClassVar[str] = "set_incentive_program"
    market_ticker: str = value(TEXT)
    incentive_type: str = value(Choice(INCENTIVE_TYPES))
    start_date: datetime = value(AT)
    end_date: datetime = value(AT)
    period_reward: int = value(CENTI_CENTS)
    incentive_program_id: str | None = value(TEXT, None)
    incentive_description: str = value(TITLE, "")
    paid_out: bool = value(FLAG, False)
    discount_factor_bps: int | None = value(BASIS_POINTS, None)
    target_size_fp: int | None = value(COUNT, None)
    max_reward_per_account: int | None = value(CENTI_CENTS, None)

    def check(self) -> None:
        if self.end_date <= self.start_date:
            raise Refused("end_date must be after start_date")
