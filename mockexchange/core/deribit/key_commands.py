"""Deribit's API keys made and changed, declared once (core/commands.py): `CreateDeribitKey`, a client id and secret for
a user's main account or one subaccount, and what `private/*_api_key` change of one (`EditDeribitKey`,
`RemoveDeribitKey`, `ResetDeribitKey`, `SetDeribitDefaultKey`), a key named by its account and number (Deribit's
api_key `id`). The admin API, the Python API, scenario files, the venue's methods and the state file build them; their
handlers are the credential registry's (auth/deribit/keys.py, a floor above the core), which the control plane registers
with the draw of what new credentials and a reset draw (control/deribit/keys.py). The mock must know a secret to check
what it signs, so a state file keeps the one drawn, sealed (state/seal.py: a command's `client_secret`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from mockexchange.core.commands import UserCommand, value
from mockexchange.core.deribit.bounds import MAX_ACCOUNT_ID
from mockexchange.core.values import FLAG, TEXT, Choice, Integer, Listed, Text

# Deribit: "only letters, numbers and underscores allowed; maximum length - 16 characters".
KEY_NAME = Text(16, 0, blank=True, pattern=re.compile(r"\w*", re.ASCII))
KEY_NUMBER = Integer(1, 1 << 31)  # a key's number among its account's keys (api_key `id`)
FEATURES = Listed(Choice(("restricted_block_trades", "block_trade_approval")), 2, noun="features")
IP_WHITELIST = Listed(Text(64), 64, noun="addresses")  # held as given (the mock serves no IP check)
SUBACCOUNT = Integer(1, MAX_ACCOUNT_ID)


@dataclass(frozen=True, slots=True)
class CreateDeribitKey(UserCommand):
    """API credentials (client id and secret) for the user's main account, or one subaccount."""

    name: ClassVar[str] = "create_deribit_key"
    client_id: str | None = value(TEXT, None)
    client_secret: str | None = value(TEXT, None)
    subaccount_id: int | None = value(SUBACCOUNT, None)
    scope: str | None = value(TEXT, None)
    key_name: str | None = value(KEY_NAME, None, called="name")
    enabled_features: tuple[str, ...] = value(FEATURES, ())


@dataclass(frozen=True, slots=True)
class NamedKey(UserCommand):
    """One key of the user's main account (no `subaccount_id`) or of one subaccount, by its number."""

    key_id: int = value(KEY_NUMBER)
    subaccount_id: int | None = value(SUBACCOUNT, None)


@dataclass(frozen=True, slots=True)
class EditDeribitKey(NamedKey):
    """A key's max scope, name, enabled flag, features or IP whitelist changed (what is not given stays)."""

    name: ClassVar[str] = "edit_deribit_key"
    max_scope: str | None = value(TEXT, None)
    key_name: str | None = value(KEY_NAME, None, called="name")
    enabled: bool | None = value(FLAG, None)
    enabled_features: tuple[str, ...] | None = value(FEATURES, None)
    ip_whitelist: tuple[str, ...] | None = value(IP_WHITELIST, None)


@dataclass(frozen=True, slots=True)
class RemoveDeribitKey(NamedKey):
    """A key removed: it authenticates no more, and its tokens stop working."""

    name: ClassVar[str] = "remove_deribit_key"


@dataclass(frozen=True, slots=True)
class ResetDeribitKey(NamedKey):
    """A key's client secret replaced by a new one (drawn unless given): the old one authenticates no more."""

    name: ClassVar[str] = "reset_deribit_key"
    client_secret: str | None = value(TEXT, None)


@dataclass(frozen=True, slots=True)
class SetDeribitDefaultKey(NamedKey):
    """A key made its account's default (the api_key `default` flag, which Deribit deprecates); the others not."""

    name: ClassVar[str] = "set_deribit_default_key"
