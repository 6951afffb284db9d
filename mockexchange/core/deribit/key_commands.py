"""Deribit's API credentials made, declared once (core/commands.py): `CreateDeribitKey`, a client id and secret for a
user's main account or one subaccount. The admin API, the Python API, scenario files and the state file build it; its
handler is the credential registry's (auth/deribit/keys.py, a floor above the core), which the control plane registers
with the draw of what new credentials draw (control/deribit/keys.py). The mock must know a secret to check what it
signs, so a state file keeps the one drawn, sealed (state/seal.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from mockexchange.core.commands import UserCommand, value
from mockexchange.core.deribit.bounds import MAX_ACCOUNT_ID
from mockexchange.core.values import TEXT, Integer


@dataclass(frozen=True, slots=True)
class CreateDeribitKey(UserCommand):
    """API credentials (client id and secret) for the user's main account, or one subaccount."""

    name: ClassVar[str] = "create_deribit_key"
    client_id: str | None = value(TEXT, None)
    client_secret: str | None = value(TEXT, None)
    subaccount_id: int | None = value(Integer(1, MAX_ACCOUNT_ID), None)
    scope: str | None = value(TEXT, None)
