"""An FCM member's desk on the mock: its subtraders, their daily caps and blocked categories, its error account and
position transfers (core/kalshi/fcm.py does the work). Every change is a typed command declared once in the core
(core/kalshi/fcm_commands.py), so a state file keeps it, whether the admin API, `MockServer`, a scenario or the Kalshi
venue asked for it.
"""

from __future__ import annotations

from typing import Any

from mockexchange.control.commands import operation
from mockexchange.core.kalshi.accounts import Account
from mockexchange.core.kalshi.fcm import PositionTransfer
from mockexchange.core.kalshi.fcm_commands import (
    CreateFCMPositionTransfer,
    CreateFCMSubtrader,
    SetFCMErrorAccount,
    UpdateFCMEventContractDailyCap,
    UpdateFCMSubtraderBlockedCategories,
)
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.units import dollars
from mockexchange.core.money import plain


def _cap_json(cap: UpdateFCMEventContractDailyCap) -> dict[str, Any]:
    return {"subtrader_id": cap.subtrader_id, "limit": None if cap.limit is None else plain(dollars(cap.limit))}


def _error_account_json(named: SetFCMErrorAccount) -> dict[str, Any]:
    return {"fcm_user_id": named.fcm_user_id, "error_account_id": named.error_account_id}


def _subtrader_json(account: Account) -> dict[str, Any]:
    return {"subtrader_id": account.user_id}


def _transfer_json(record: PositionTransfer) -> dict[str, Any]:
    return {"position_transfer_id": record.position_transfer_id}


class FcmOperations:
    """Mixed into `Control`, which owns the ledger they act on and runs their commands (`Control.run`)."""

    ledger: Ledger

    create_fcm_subtrader = operation(CreateFCMSubtrader, _subtrader_json)
    set_fcm_daily_cap = operation(UpdateFCMEventContractDailyCap, _cap_json)
    set_fcm_blocked_category = operation(UpdateFCMSubtraderBlockedCategories, lambda found: {"categories": found})
    set_fcm_error_account = operation(SetFCMErrorAccount, _error_account_json)
    fcm_position_transfer = operation(CreateFCMPositionTransfer, _transfer_json)
