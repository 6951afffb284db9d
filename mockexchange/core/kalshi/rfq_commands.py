"""Kalshi's RFQ and quote commands, declared once (core/commands.py): an RFQ asked and deleted, a quote made, deleted,
accepted by the RFQ's creator and confirmed by its maker. The venue's communications routes, the admin API, the
Python API, scenario steps and the state file build these; the ledger's communications part takes them.

Amounts are the core's units (units.py): a count in hundredths of a contract, a bid in ten-thousandths of a dollar
(0: the side is not quoted), a target cost in micro-dollars; their plain values are Kalshi's decimal strings.
An id given (`rfq_id`, `quote_id`) is for seeding; a client's is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from mockexchange.core.commands import UserCommand, value
from mockexchange.core.kalshi.checks import MAX_SUBACCOUNT
from mockexchange.core.kalshi.order_commands import COUNT
from mockexchange.core.kalshi.rfq_records import QUOTE_SIDES
from mockexchange.core.kalshi.units import DOLLAR, DOLLAR_PLACES, PRICE_PLACES
from mockexchange.core.money import MAX_CENTS, parse_scaled
from mockexchange.core.values import FLAG, TEXT, Choice, Integer, Refused, Scaled

SUBACCOUNT = Integer(0, MAX_SUBACCOUNT)
_MOST_COST = MAX_CENTS * (DOLLAR // 100)


def _bid(text: Any, name: str) -> int:
    """A bid of at most 4 places (its range, 0 to 0.9999 dollars, is the kind's)."""
    return parse_scaled(text, name, PRICE_PLACES, "0 to 0.9999 dollars, at most 4 places")


BID = Scaled(_bid, PRICE_PLACES, 0, 10**PRICE_PLACES - 1, "from 0 to 0.9999 dollars (0: the side is not quoted)",
             "invalid_price")  # fmt: skip
TARGET_COST = Scaled(
    lambda text, name: parse_scaled(text, name, DOLLAR_PLACES, "at most 6 places"), DOLLAR_PLACES, 1, _MOST_COST,
    f"from 0.000001 to {MAX_CENTS // 100} dollars",
)  # fmt: skip
SIDE = Choice(QUOTE_SIDES)


@dataclass(frozen=True, slots=True)
class CreateRfq(UserCommand):
    """A new RFQ of the user's subaccount on one market (Kalshi's CreateRFQRequest): sized by `contracts` or by
    `target_cost`, exactly one; `replace_existing` closes the user's open RFQs on the market first."""

    name: ClassVar[str] = "create_rfq"
    market_ticker: str = value(TEXT)
    rest_remainder: bool = value(FLAG)
    contracts: int | None = value(COUNT, None)
    target_cost: int | None = value(TARGET_COST, None)
    target_cost_excludes_fees: bool = value(FLAG, False)
    obscure_creator_id: bool = value(FLAG, False)
    replace_existing: bool = value(FLAG, False)
    subaccount: int = value(SUBACCOUNT, 0)
    rfq_id: str | None = value(TEXT, None)

    def check(self) -> None:
        if (self.contracts is None) == (self.target_cost is None):
            raise Refused("exactly one of contracts and target_cost_dollars sizes an RFQ")
        if self.target_cost_excludes_fees and self.target_cost is None:
            raise Refused("target_cost_excludes_fees needs target_cost_dollars")


@dataclass(frozen=True, slots=True)
class DeleteRfq(UserCommand):
    """Close one of the user's open RFQs; its open quotes are cancelled."""

    name: ClassVar[str] = "delete_rfq"
    rfq_id: str = value(TEXT)


@dataclass(frozen=True, slots=True)
class CreateQuote(UserCommand):
    """A quote of the user's subaccount on another user's open RFQ (Kalshi's CreateQuoteRequest); it replaces the
    user's open quote on that RFQ, if any."""

    name: ClassVar[str] = "create_quote"
    rfq_id: str = value(TEXT)
    yes_bid: int = value(BID)
    no_bid: int = value(BID)
    rest_remainder: bool = value(FLAG)
    post_only: bool = value(FLAG, False)
    subaccount: int = value(SUBACCOUNT, 0)
    quote_id: str | None = value(TEXT, None)

    def check(self) -> None:
        if not self.yes_bid and not self.no_bid:
            raise Refused("a quote bids on at least one side: yes_bid and no_bid cannot both be 0", "invalid_price")
        if self.yes_bid + self.no_bid > 10**PRICE_PLACES:
            raise Refused("yes_bid and no_bid add up to more than 1 dollar", "invalid_price")


@dataclass(frozen=True, slots=True)
class OnQuote(UserCommand):
    """A command on one quote; `rfq_id`, when the route names it, must be the quote's RFQ."""

    quote_id: str = value(TEXT)
    rfq_id: str | None = value(TEXT, None)


@dataclass(frozen=True, slots=True)
class DeleteQuote(OnQuote):
    """The maker withdraws its quote (open, or accepted and not yet confirmed)."""

    name: ClassVar[str] = "delete_quote"


@dataclass(frozen=True, slots=True)
class AcceptQuote(UserCommand):
    """The RFQ's creator accepts one side of an open quote: the maker has the confirmation window to confirm."""

    name: ClassVar[str] = "accept_quote"
    quote_id: str = value(TEXT)
    accepted_side: str = value(SIDE)
    rfq_id: str | None = value(TEXT, None)


@dataclass(frozen=True, slots=True)
class ConfirmQuote(OnQuote):
    """The maker confirms its accepted quote: the execution timer starts; neither side can withdraw."""

    name: ClassVar[str] = "confirm_quote"
