"""Deribit's key commands' handlers and draws (`CreateDeribitKey` and the changes of one: core/deribit/key_commands.py):
the commands are the core's, the credential registry they change is auth's, so the control plane joins them (the
venue's registration adds them to `Control.handlers`). A new credential, and a reset, draw a client secret (and a new
credential its client id), which the command keeps (sealed by the state file: the mock must know the secret to check
what it signs).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from mockexchange.auth.deribit.keys import (
    DEFAULT_SCOPE,
    DeribitCredential,
    DeribitCredentialRegistry,
    generate_client_id,
    generate_client_secret,
)
from mockexchange.auth.deribit.tokens import max_scope
from mockexchange.control.errors import refused_values
from mockexchange.core.clock import epoch_ms
from mockexchange.core.commands import Handlers
from mockexchange.core.deribit.bounds import MAX_API_KEYS, ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.key_commands import (
    CreateDeribitKey,
    EditDeribitKey,
    NamedKey,
    RemoveDeribitKey,
    ResetDeribitKey,
    SetDeribitDefaultKey,
)


def draw_credential(create: CreateDeribitKey) -> tuple[CreateDeribitKey, None]:
    """The command with a client id and secret (unless given), both kept with it."""
    client_id = create.client_id or generate_client_id()
    secret = create.client_secret or generate_client_secret()
    return dataclasses.replace(create, client_id=client_id, client_secret=secret), None


def draw_secret(reset: ResetDeribitKey) -> tuple[ResetDeribitKey, None]:
    """The reset with its new secret (unless given), kept with it."""
    return dataclasses.replace(reset, client_secret=reset.client_secret or generate_client_secret()), None


def create_credential(
    exchange: DeribitExchange, registry: DeribitCredentialRegistry, create: CreateDeribitKey
) -> DeribitCredential:
    wallet = exchange.accounts.wallet(create.user_id, create.subaccount_id)
    main = exchange.accounts.account(create.user_id).main
    subaccount_id = None if wallet.id == main.id else wallet.id
    if len(registry.of_account(create.user_id, subaccount_id)) >= MAX_API_KEYS:  # (one client's keys are bounded)
        raise ExchangeError(f"the account has {MAX_API_KEYS} API keys, the most the mock keeps", status=409)
    with refused_values():  # (its scope as given: one a state file kept before scopes were checked still loads)
        return registry.add(
            create.user_id, client_id=create.client_id, client_secret=create.client_secret,
            subaccount_id=subaccount_id, scope=create.scope or DEFAULT_SCOPE,
            name=create.key_name or "",
            timestamp=epoch_ms(exchange.state.clock), enabled_features=create.enabled_features,
        )  # fmt: skip


def add_key_handlers(handlers: Handlers, exchange: DeribitExchange, registry: DeribitCredentialRegistry) -> None:
    """The key commands' handlers, each answering the key as it is after (a removal: the key as it was)."""
    handlers.add(CreateDeribitKey, lambda made, _: create_credential(exchange, registry, made), draw_credential)
    handlers.add(EditDeribitKey, lambda edit: _edit(exchange, registry, edit))
    handlers.add(RemoveDeribitKey, lambda remove: _remove(exchange, registry, remove))
    handlers.add(
        ResetDeribitKey,
        lambda reset, _: registry.change(
            _named(exchange, registry, reset).client_id, client_secret=reset.client_secret
        ),
        draw_secret,
    )
    handlers.add(SetDeribitDefaultKey, lambda chosen: _set_default(exchange, registry, chosen))


def _named(exchange: DeribitExchange, registry: DeribitCredentialRegistry, named: NamedKey) -> DeribitCredential:
    """The key a command names: of the user's main account or the subaccount it names, by number (404 otherwise)."""
    wallet = exchange.accounts.wallet(named.user_id, named.subaccount_id)
    main = exchange.accounts.account(named.user_id).main
    found = registry.numbered(named.user_id, None if wallet.id == main.id else wallet.id, named.key_id)
    if found is None:
        raise ExchangeError(f"the account has no API key {named.key_id}", status=404, param="id")
    return found


def _scope(text: str, param: str) -> str:
    scope = max_scope(text)
    if scope is None:
        raise ExchangeError(
            f"{param} takes space-separated <permission>:<none|read|read_write> (account, block_rfq, block_trade, "
            "trade, wallet)",
            param=param,
        )
    return scope


def _edit(exchange: DeribitExchange, registry: DeribitCredentialRegistry, edit: EditDeribitKey) -> DeribitCredential:
    key = _named(exchange, registry, edit)
    changes: dict[str, Any] = {
        "scope": None if edit.max_scope is None else _scope(edit.max_scope, "max_scope"),
        "name": edit.key_name,
        "enabled": edit.enabled,
        "enabled_features": edit.enabled_features,
        "ip_whitelist": edit.ip_whitelist,
    }
    return registry.change(key.client_id, **{name: held for name, held in changes.items() if held is not None})


def _remove(exchange: DeribitExchange, registry: DeribitCredentialRegistry, remove: RemoveDeribitKey) -> Any:
    key = _named(exchange, registry, remove)
    registry.remove(key.client_id)
    return key


def _set_default(
    exchange: DeribitExchange, registry: DeribitCredentialRegistry, chosen: SetDeribitDefaultKey
) -> DeribitCredential:
    key = _named(exchange, registry, chosen)
    for other in registry.of_account(*key.account):
        if other.default and other.client_id != key.client_id:
            registry.change(other.client_id, default=False)
    return registry.change(key.client_id, default=True)
