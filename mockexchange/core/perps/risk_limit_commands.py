"""The perps exchange's risk limits, declared once (core/commands.py): the notional value limits Kalshi's
administration sets on a user (the control plane's: a default per market, a market's own, the whole account's), the
account limit an FCM member sets on itself, and the initial margin caps an FCM member sets on its subtraders. Amounts
are dollars of up to 4 places ("5000.0000"), held in micro-dollars; a limit of None removes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from mockexchange.core.commands import UserCommand, value
from mockexchange.core.perps.units import LIMIT_DOLLARS
from mockexchange.core.values import TEXT, Choice, Refused

LEVELS = ("default", "market", "account")  # a notional limit's: every market's, one market's, the whole account's
ASSET_CLASSES = ("Crypto", "Equities", "Metals")


@dataclass(frozen=True, slots=True)
class SetPerpsNotionalLimit(UserCommand):
    """A notional value risk limit Kalshi's administration sets on the user: `default` each market's (unless the
    market has its own), `market` one market's (`ticker`), `account` the whole account's. Lowered below what the
    account uses, its resting orders are cancelled, newest first, until it is within it (or none is left)."""

    name: ClassVar[str] = "set_perps_notional_limit"
    limit: int | None = value(LIMIT_DOLLARS, nullable=True)
    level: str = value(Choice(LEVELS), "default")
    ticker: str | None = value(TEXT, None)

    def check(self) -> None:
        if (self.level == "market") != (self.ticker is not None):
            raise Refused("a market's limit names its ticker; the others name none")


@dataclass(frozen=True, slots=True)
class SetPerpsMemberNotionalLimit(UserCommand):
    """The account notional limit an FCM member sets on itself (UpdateFCMNotionalRiskLimit; None removes it): the
    exchange enforces the smaller of it and Kalshi's; above Kalshi's it is refused. Lowering it cancels resting orders
    as a lowering of Kalshi's does."""

    name: ClassVar[str] = "set_perps_member_notional_limit"
    limit: int | None = value(LIMIT_DOLLARS, nullable=True)


@dataclass(frozen=True, slots=True)
class SetPerpsImCap(UserCommand):
    """An FCM member's (`user_id`) initial margin cap on one of its subtraders, over every market, one market
    (`market_ticker`) or one asset class; None removes it (404 if there is none)."""

    name: ClassVar[str] = "set_perps_im_cap"
    subtrader_id: str = value(TEXT)
    im_cap: int | None = value(LIMIT_DOLLARS, nullable=True)
    market_ticker: str | None = value(TEXT, None)
    asset_class: str | None = value(Choice(ASSET_CLASSES), None)

    def check(self) -> None:
        if self.market_ticker is not None and self.asset_class is not None:
            raise Refused("a cap is scoped to a market or to an asset class, not both")
