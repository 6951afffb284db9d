"""Deribit's key command's handler and draw (`CreateDeribitKey`): the command is the core's
(core/deribit/key_commands.py), the credential registry it changes is auth's, so the control plane joins them (the
venue's registration adds it to `Control.handlers`). A new credential draws a client id and secret, which it keeps
(sealed by the state file: the mock must know the secret to check what it signs).
"""

from __future__ import annotations

import dataclasses

from mockexchange.auth.deribit.keys import (
    DEFAULT_SCOPE,
    DeribitCredential,
    DeribitCredentialRegistry,
    generate_client_id,
    generate_client_secret,
)
from mockexchange.control.errors import refused_values
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.key_commands import CreateDeribitKey


def draw_credential(create: CreateDeribitKey) -> tuple[CreateDeribitKey, None]:
    """The command with a client id and secret (unless given), both kept with it."""
    client_id = create.client_id or generate_client_id()
    secret = create.client_secret or generate_client_secret()
    return dataclasses.replace(create, client_id=client_id, client_secret=secret), None


def create_credential(
    exchange: DeribitExchange, registry: DeribitCredentialRegistry, create: CreateDeribitKey
) -> DeribitCredential:
    wallet = exchange.accounts.wallet(create.user_id, create.subaccount_id)
    main = exchange.accounts.account(create.user_id).main
    with refused_values():
        return registry.add(
            create.user_id, client_id=create.client_id, client_secret=create.client_secret,
            subaccount_id=None if wallet.id == main.id else wallet.id, scope=create.scope or DEFAULT_SCOPE,
        )  # fmt: skip
