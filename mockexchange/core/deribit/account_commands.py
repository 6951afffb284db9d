"""Deribit's account commands, declared once (core/commands.py): a main account opened and a subaccount added (each
with its opening balances), a subaccount renamed and its website login switched, and whether a wallet may send to
other users. The venue (private/create_subaccount, change_subaccount_name, toggle_subaccount_login), the admin API, the
Python API, scenario files and the state file build these; the exchange's accounts (accounts.py) take their values
(handlers.py). The field names and their order are the control plane's parameters (a state file written before holds
those names; a Python call gives them in that order).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from mockexchange.core.commands import UserCommand, value
from mockexchange.core.deribit.kinds import ACCOUNT_ID, BALANCES
from mockexchange.core.values import FLAG, TEXT, Choice

LOGIN_STATES = ("enable", "disable")


@dataclass(frozen=True, slots=True)
class CreateDeribitAccount(UserCommand):
    """A Deribit main account with balances per currency (`{"BTC": "10"}`); its id is an integer."""

    name: ClassVar[str] = "create_deribit_account"
    balances: tuple[tuple[str, Decimal], ...] | None = value(BALANCES, None)
    account_id: int | None = value(ACCOUNT_ID, None)
    username: str | None = value(TEXT, None)


@dataclass(frozen=True, slots=True)
class CreateDeribitSubaccount(UserCommand):
    """A subaccount of the user's Deribit account (its own integer id and balances)."""

    name: ClassVar[str] = "create_deribit_subaccount"
    balances: tuple[tuple[str, Decimal], ...] | None = value(BALANCES, None)
    subaccount_id: int | None = value(ACCOUNT_ID, None)
    username: str | None = value(TEXT, None)


@dataclass(frozen=True, slots=True)
class RenameDeribitSubaccount(UserCommand):
    """Give one of the user's subaccounts a new username (private/change_subaccount_name)."""

    name: ClassVar[str] = "rename_deribit_subaccount"
    subaccount_id: int = value(ACCOUNT_ID)
    username: str = value(TEXT)


@dataclass(frozen=True, slots=True)
class SetDeribitSubaccountLogin(UserCommand):
    """Enable or disable a subaccount's website login (private/toggle_subaccount_login): `enable` or `disable`."""

    name: ClassVar[str] = "set_deribit_subaccount_login"
    subaccount_id: int = value(ACCOUNT_ID)
    state: str = value(Choice(LOGIN_STATES))


@dataclass(frozen=True, slots=True)
class SetDeribitInteruserTransfers(UserCommand):
    """Allow or forbid a wallet (the main account unless `subaccount_id`) to send to other users: Deribit's
    `interuser_transfers_enabled` (its account summary shows it; `private/submit_transfer_to_user` from a wallet
    with it off is refused, 12100 `transfer_not_allowed`). A new wallet may."""

    name: ClassVar[str] = "set_deribit_interuser_transfers"
    enabled: bool = value(FLAG)
    subaccount_id: int | None = value(ACCOUNT_ID, None)


@dataclass(frozen=True, slots=True)
class SetDeribitCancelOnDisconnect(UserCommand):
    """Turn a wallet's cancel on disconnect on or off for its account (the main account unless `subaccount_id`):
    Deribit's `private/enable_cancel_on_disconnect` and `disable_...` with `scope` `account`. A websocket connection of
    the wallet's keys that set none of its own cancels the orders it placed when it closes while this is on."""

    name: ClassVar[str] = "set_deribit_cancel_on_disconnect"
    enabled: bool = value(FLAG)
    subaccount_id: int | None = value(ACCOUNT_ID, None)
