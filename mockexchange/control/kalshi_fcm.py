"""An FCM member's desk on the mock: its subtraders, their daily caps and blocked categories, its error account and
position transfers (core/kalshi/fcm.py does the work). Every change is a `@command`, so a state file keeps it, whether
the admin API, `MockServer`, a scenario or the Kalshi venue (`kalshi_venue.kalshi_commands`) asked for it.
"""

from __future__ import annotations

from typing import Any

from mockexchange.control.commands import command
from mockexchange.control.errors import ControlError
from mockexchange.control.values import boolean, decimal, integer, optional_text, text
from mockexchange.core.kalshi.checks import MAX_BALANCE, LedgerError
from mockexchange.core.kalshi.fcm import MAX_CATEGORY
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.units import dollar_units
from mockexchange.core.money import shown
from mockexchange.core.numbers import INT64_MAX, INT64_MIN


def _refused(exc: LedgerError) -> ControlError:
    return ControlError(str(exc), exc.status)


class FcmOperations:
    """Mixed into `Control`, which owns the ledger they act on."""

    ledger: Ledger

    @command()
    def create_fcm_subtrader(self, fcm_user_id: str, subtrader_suffix: str) -> dict[str, Any]:
        """The member's subtrader `{fcm_user_id}_{subtrader_suffix}` (1 to 16 letters and digits)."""
        fcm_user_id = text(fcm_user_id, "fcm_user_id")
        subtrader_suffix = text(subtrader_suffix, "subtrader_suffix")
        try:
            account = self.ledger.fcm.create_subtrader(fcm_user_id, subtrader_suffix)
        except LedgerError as exc:
            raise _refused(exc) from None
        return {"subtrader_id": account.user_id}

    @command()
    def set_fcm_daily_cap(self, fcm_user_id: str, subtrader_id: str, limit: str | int | None) -> dict[str, Any]:
        """Set the subtrader's event-contract daily cap (dollars, up to 4 places); null removes it."""
        fcm_user_id, subtrader_id = text(fcm_user_id, "fcm_user_id"), text(subtrader_id, "subtrader_id")
        units = None
        if limit is not None:
            value = decimal(limit, "limit", 4, f"from 0 to {MAX_BALANCE} dollars")
            if not 0 <= value <= MAX_BALANCE:
                raise ControlError(f"limit must be from 0 to {MAX_BALANCE} dollars, not {shown(value)}")
            units = dollar_units(value)
        try:
            self.ledger.fcm.set_cap(fcm_user_id, subtrader_id, units)
        except LedgerError as exc:
            raise _refused(exc) from None
        return {"subtrader_id": subtrader_id, "limit": None if limit is None else str(limit)}

    @command()
    def set_fcm_blocked_category(
        self, fcm_user_id: str, subtrader_id: str, category: str, blocked: bool = True
    ) -> dict[str, Any]:
        """Block (or unblock) one event category for the subtrader; answers its blocked set, sorted."""
        fcm_user_id, subtrader_id = text(fcm_user_id, "fcm_user_id"), text(subtrader_id, "subtrader_id")
        category = text(category, "category", most=MAX_CATEGORY)
        try:
            found = self.ledger.fcm.block_category(fcm_user_id, subtrader_id, category, boolean(blocked, "blocked"))
        except LedgerError as exc:
            raise _refused(exc) from None
        return {"categories": found}

    @command()
    def set_fcm_error_account(self, fcm_user_id: str, error_account_id: str | None) -> dict[str, Any]:
        """Enable the member's position transfers into subtraders of `error_account_id` (another FCM member
        account); null disables them."""
        fcm_user_id = text(fcm_user_id, "fcm_user_id")
        error_account_id = optional_text(error_account_id, "error_account_id")
        try:
            self.ledger.fcm.set_error_account(fcm_user_id, error_account_id)
        except LedgerError as exc:
            raise _refused(exc) from None
        return {"fcm_user_id": fcm_user_id, "error_account_id": error_account_id}

    @command()
    def fcm_position_transfer(
        self,
        fcm_user_id: str,
        source_subtrader_id: str,
        target_subtrader_id: str,
        market_ticker: str,
        position_centicount: int,
        price_centicents: int,
    ) -> dict[str, Any]:
        """Move a position of one market from the member's subtrader to a subtrader of its error account, booked at
        the YES price (CreateFCMPositionTransfer's terms)."""
        try:
            record = self.ledger.fcm.transfer_position(
                text(fcm_user_id, "fcm_user_id"),
                text(source_subtrader_id, "source_subtrader_id"),
                text(target_subtrader_id, "target_subtrader_id"),
                text(market_ticker, "market_ticker"),
                integer(position_centicount, "position_centicount", INT64_MIN, INT64_MAX),
                integer(price_centicents, "price_centicents", 0, 10_000),
            )
        except LedgerError as exc:
            raise _refused(exc) from None
        return {"position_transfer_id": record.position_transfer_id}
