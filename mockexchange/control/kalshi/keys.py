"""Kalshi's key commands' handlers and draws (`CreateApiKey`, `DeleteApiKey`): the commands are the core's
(core/kalshi/key_commands.py), the registry they change is auth's, a floor above the core, so the control plane joins
them (the venue's registration adds them to `Control.handlers`).

A new key draws before it is kept (core/commands.py's `Handlers.drawn`): a key pair of its `key_type` (the command keeps
the public half, its handler is handed the private PEM for the answer alone) and a key id; a private key given as
`public_key_pem` is kept as its public half, so a state file holds no private key.
"""

from __future__ import annotations

import dataclasses
import uuid

from mockexchange.auth.kalshi.keys import (
    ApiKey,
    KeyMade,
    KeyRegistry,
    PemError,
    PublicKey,
    generate_private_key,
    load_public_key,
    policy_refusal,
    private_key_pem,
    public_key_pem,
)
from mockexchange.control.errors import ControlError, refused_values
from mockexchange.core.connections import LiveConnections
from mockexchange.core.kalshi.key_commands import DEFAULT_SCOPES, CreateApiKey, DeleteApiKey
from mockexchange.core.kalshi.ledger import Ledger

KEY_DELETED_CLOSE = (1008, "api key deleted")  # the close code and reason a deleted key's websockets get


def _loaded(pem: str) -> PublicKey:
    try:
        return load_public_key(pem)
    except PemError as exc:
        raise ControlError(f"public_key_pem is not an RSA or Ed25519 public key in PEM ({exc})") from None


def draw_key(create: CreateApiKey) -> tuple[CreateApiKey, str | None]:
    """The command with its public key and key id (a new pair of its `key_type` where none was given), and the new
    pair's private PEM, which only the answer holds."""
    public, private_pem = create.public_key_pem, None
    if public is None:
        private = generate_private_key("ed25519" if create.key_type == "ed25519" else "rsa")
        public, private_pem = public_key_pem(private.public_key()), private_key_pem(private)
    elif "PRIVATE KEY" in public:
        public = public_key_pem(_loaded(public))  # the public half is kept (a key that does not load: refused here)
    return dataclasses.replace(create, public_key_pem=public, key_id=create.key_id or str(uuid.uuid4())), private_pem


def create_key(ledger: Ledger, keys: KeyRegistry, create: CreateApiKey, private_pem: str | None) -> KeyMade:
    with ledger.reading():
        account = ledger.state.account(create.user_id)
        if create.subtrader_id is not None:
            if not account.fcm_member:
                raise ControlError("subtrader_id needs an FCM member account")
            if create.subtrader_id not in account.subtraders:
                raise ControlError(f"{create.subtrader_id!r} is not a subtrader of {create.user_id!r}")
    if create.public_key_pem is None:
        raise ControlError("a key's public_key_pem is drawn before it is made (Control.run)")
    public = _loaded(create.public_key_pem)
    if (refusal := policy_refusal(public, keys.policy)) is not None:
        raise ControlError(f"public_key_pem is refused: {refusal}")
    with refused_values():
        key = keys.add(
            create.user_id, public, key_id=create.key_id, subaccount=create.subaccount,
            subtrader_id=create.subtrader_id, name=create.key_name or "", scopes=create.scopes or DEFAULT_SCOPES,
        )  # fmt: skip
    return KeyMade(key, private_pem)


def delete_key(keys: KeyRegistry, connections: LiveConnections, delete: DeleteApiKey) -> tuple[ApiKey, int]:
    """The key deleted, and how many of its open websockets were asked to close."""
    key = keys.get(delete.key_id)
    if key is None or (delete.user_id is not None and key.user_id != delete.user_id):
        owner = f" of {delete.user_id!r}" if delete.user_id is not None else ""
        raise ControlError(f"no API key {delete.key_id!r}{owner}", 404)
    keys.remove(delete.key_id)
    code, reason = KEY_DELETED_CLOSE
    return key, connections.close(code, reason, venue="kalshi", key_id=delete.key_id)
