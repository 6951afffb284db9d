"""An FCM member's desk on the mock: its subtraders, their daily caps and blocked categories, its error account and
position transfers (core/kalshi/fcm.py does the work). Every change is a typed command declared once in the core
(core/kalshi/fcm_commands.py), so a state file keeps it, whether the admin API, `MockServer`, a scenario or the Kalshi
venue asked for it.
"""

from __future__ import annotations

from typing import Any

from mockexchange.control.answers import answer
from mockexchange.core.kalshi.accounts import Account
from mockexchange.core.kalshi.fcm_commands import UpdateFCMEventContractDailyCap
from mockexchange.core.kalshi.units import dollars
from mockexchange.core.money import plain


def cap_json(cap: UpdateFCMEventContractDailyCap) -> dict[str, Any]:
    return {"subtrader_id": cap.subtrader_id, "limit": None if cap.limit is None else plain(dollars(cap.limit))}


error_account_json = answer("fcm_user_id error_account_id")


def subtrader_json(account: Account) -> dict[str, Any]:
    return {"subtrader_id": account.user_id}


transfer_json = answer("position_transfer_id")
