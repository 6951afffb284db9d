"""An account's API keys as its holder manages them: `private/list_api_keys`, `private/create_api_key`,
`private/edit_api_key`, `private/remove_api_key`, `private/enable_api_key`, `private/disable_api_key`,
`private/reset_api_key`, `private/change_scope_in_api_key`, `private/change_api_key_name` and
`private/set_api_key_as_default`. The keys are the mock's one credential registry (the admin API's too): a key acts for
the account of the key that made it (a subaccount's key manages the subaccount's). The writes build the key commands
(core/deribit/key_commands.py) and run them (`commands.py`), so a state file keeps them; the list needs
`account:read`, every write `account:read_write`, as Deribit documents.
"""

from __future__ import annotations

from typing import Any

from mockexchange.auth.deribit.keys import DeribitCredential
from mockexchange.auth.deribit.tokens import max_scope
from mockexchange.core.commands import Command
from mockexchange.core.deribit.key_commands import (
    FEATURES,
    IP_WHITELIST,
    KEY_NAME,
    KEY_NUMBER,
    CreateDeribitKey,
    EditDeribitKey,
    RemoveDeribitKey,
    ResetDeribitKey,
    SetDeribitDefaultKey,
)
from mockexchange.venues.deribit import commands
from mockexchange.venues.deribit.errors import invalid_param
from mockexchange.venues.deribit.methods import Method, RpcCall, wallet_of
from mockexchange.venues.deribit.params import BOOLEAN, STRING

_READ, _WRITE = "account:read", "account:read_write"


def api_key(key: DeribitCredential) -> dict[str, Any]:
    """Deribit's api_key object (its schema requires the client secret; the mock has no asymmetric keys, so no
    `public_key`; `ip_whitelist` when one is held)."""
    row: dict[str, Any] = {
        "id": key.key_id,
        "timestamp": key.timestamp,
        "client_id": key.client_id,
        "client_secret": key.client_secret,
        "max_scope": key.scope,
        "enabled": key.enabled,
        "default": key.default,
        "name": key.name,
        "enabled_features": list(key.enabled_features),
    }
    if key.ip_whitelist:
        row["ip_whitelist"] = list(key.ip_whitelist)
    return row


def _account(call: RpcCall) -> tuple[str, int | None]:
    """The account whose keys the call manages: its key's (a subaccount's, or the one public/exchange_token gave)."""
    assert call.caller is not None
    credential = call.caller.credential
    with call.ctx.exchange.reading():
        wallet_of(call, credential.subaccount_id)  # refuses a key whose user has no Deribit account
    return credential.user_id, credential.subaccount_id


def _max_scope(call: RpcCall) -> str:
    """`max_scope` (required), as Deribit writes it back: its example sends its text, its schema an array of its
    parts; either is taken."""
    given = call.params.structured("max_scope")
    if isinstance(given, list) and given and all(isinstance(part, str) for part in given):
        text = " ".join(given)
    else:
        text = call.params.read("max_scope", STRING, required=True, reason="invalid max_scope")
    scope = max_scope(text)
    if scope is None:
        said = (
            "max_scope takes <permission>:<none|read|read_write> parts (account, block_rfq, block_trade, trade, wallet)"
        )
        raise invalid_param("max_scope", "invalid max_scope", said)
    return scope


def _run(call: RpcCall, cls: type[Command], **values: Any) -> dict[str, Any]:
    """Run the key command `cls` on the caller's account; its key answered as Deribit's api_key."""
    user_id, subaccount_id = _account(call)
    command = commands.make(cls, param="id", user_id=user_id, subaccount_id=subaccount_id, **values)
    return api_key(commands.execute(call.ctx, command, param="id"))


def _number(call: RpcCall) -> int:
    return call.params.read("id", KEY_NUMBER, required=True, reason="invalid id")


def private_list_api_keys(call: RpcCall) -> Any:
    user_id, subaccount_id = _account(call)
    return [api_key(key) for key in call.ctx.auth.registry.of_account(user_id, subaccount_id)]


def private_create_api_key(call: RpcCall) -> Any:
    scope = _max_scope(call)
    if "public_key" in call.params:
        raise invalid_param("public_key", "not supported", "the mock serves no asymmetric API keys (public_key)")
    values = {
        "scope": scope,
        "key_name": call.params.read("name", KEY_NAME, reason="invalid name"),
        "enabled_features": call.params.read("enabled_features", FEATURES, (), reason="invalid enabled_features"),
    }
    user_id, subaccount_id = _account(call)
    command = commands.make(CreateDeribitKey, param="max_scope", user_id=user_id, subaccount_id=subaccount_id, **values)
    return api_key(commands.execute(call.ctx, command, param="max_scope"))


def private_edit_api_key(call: RpcCall) -> Any:
    number = _number(call)
    changes = {
        "max_scope": _max_scope(call),
        "key_name": call.params.read("name", KEY_NAME, reason="invalid name"),
        "enabled": call.params.read("enabled", BOOLEAN),
        "enabled_features": call.params.read("enabled_features", FEATURES, reason="invalid enabled_features"),
        "ip_whitelist": _ip_whitelist(call),
    }
    return _run(call, EditDeribitKey, key_id=number, **changes)


def _ip_whitelist(call: RpcCall) -> tuple[str, ...] | None:
    return call.params.read("ip_whitelist", IP_WHITELIST, reason="invalid ip_whitelist")


def private_change_scope_in_api_key(call: RpcCall) -> Any:
    number = _number(call)
    return _run(call, EditDeribitKey, key_id=number, max_scope=_max_scope(call))


def private_change_api_key_name(call: RpcCall) -> Any:
    number = _number(call)
    name = call.params.read("name", KEY_NAME, required=True, reason="invalid name")
    return _run(call, EditDeribitKey, key_id=number, key_name=name)


def private_enable_api_key(call: RpcCall) -> Any:
    return _run(call, EditDeribitKey, key_id=_number(call), enabled=True)


def private_disable_api_key(call: RpcCall) -> Any:
    return _run(call, EditDeribitKey, key_id=_number(call), enabled=False)


def private_reset_api_key(call: RpcCall) -> Any:
    return _run(call, ResetDeribitKey, key_id=_number(call))


def private_set_api_key_as_default(call: RpcCall) -> Any:
    return _run(call, SetDeribitDefaultKey, key_id=_number(call))


def private_remove_api_key(call: RpcCall) -> Any:
    _run(call, RemoveDeribitKey, key_id=_number(call))
    return "ok"


METHODS: dict[str, Method] = {
    "private/list_api_keys": Method(private_list_api_keys, _READ),
    "private/create_api_key": Method(private_create_api_key, _WRITE, write=True),
    "private/edit_api_key": Method(private_edit_api_key, _WRITE, write=True),
    "private/remove_api_key": Method(private_remove_api_key, _WRITE, write=True),
    "private/enable_api_key": Method(private_enable_api_key, _WRITE, write=True),
    "private/disable_api_key": Method(private_disable_api_key, _WRITE, write=True),
    "private/reset_api_key": Method(private_reset_api_key, _WRITE, write=True),
    "private/change_scope_in_api_key": Method(private_change_scope_in_api_key, _WRITE, write=True),
    "private/change_api_key_name": Method(private_change_api_key_name, _WRITE, write=True),
    "private/set_api_key_as_default": Method(private_set_api_key_as_default, _WRITE, write=True),
}
