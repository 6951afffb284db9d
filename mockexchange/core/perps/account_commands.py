"""The perps exchange's settings of the exchange and of an account, declared once (core/commands.py): whether it
trades, whether margin trading is enabled for a user, a user's fee tier, the risk parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from mockexchange.core.commands import Command, UserCommand, value
from mockexchange.core.perps.fees import TIERS
from mockexchange.core.perps.units import RATE
from mockexchange.core.values import FLAG, Integer, Refused


@dataclass(frozen=True, slots=True)
class SetPerpsExchangeStatus(Command):
    """Whether the perps exchange takes state changes at all (`exchange_active`) and orders (`trading_active`)."""

    name: ClassVar[str] = "set_perps_exchange_status"
    exchange_active: bool = value(FLAG, True)
    trading_active: bool = value(FLAG, True)


@dataclass(frozen=True, slots=True)
class SetPerpsEnabled(UserCommand):
    """Whether margin trading is enabled for the user (it is unless set): one that is not places no order."""

    name: ClassVar[str] = "set_perps_enabled"
    enabled: bool = value(FLAG, True)


@dataclass(frozen=True, slots=True)
class SetPerpsFeeTier(UserCommand):
    """The user's tier in the fee schedule (fees.py's SCHEDULE; 0 unless set)."""

    name: ClassVar[str] = "set_perps_fee_tier"
    tier: int = value(Integer(0, max(TIERS)))


@dataclass(frozen=True, slots=True)
class SetPerpsRiskParameters(Command):
    """The margin ratios (equity over maintenance margin) at which a position enters the liquidation queue and is
    liquidated."""

    name: ClassVar[str] = "set_perps_risk_parameters"
    liquidation_margin_ratio_threshold: int = value(RATE, 1_000_000)
    queue_entry_margin_ratio_threshold: int = value(RATE, 1_200_000)

    def check(self) -> None:
        if self.queue_entry_margin_ratio_threshold < self.liquidation_margin_ratio_threshold:
            raise Refused("queue_entry_margin_ratio_threshold must be at least liquidation_margin_ratio_threshold")
