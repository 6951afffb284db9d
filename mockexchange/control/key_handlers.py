"""The key commands' handlers and draws (Kalshi's `CreateApiKey` and `DeleteApiKey`, Deribit's `CreateDeribitKey`),
registered on `Control.handlers` from here: the commands are the cores' (core/kalshi/key_commands.py,
core/deribit/key_commands.py), the registries they change are auth's, a floor above the cores, so the control plane,
above both, joins them.

A new key draws before it is kept (core/commands.py's `Handlers.drawn`): Kalshi's a key pair of its `key_type` (the
command keeps the public half, its handler is handed the private PEM for the answer alone) and a key id; a private key
given as `public_key_pem` is kept as its public half, so a state file holds no private key. Deribit's draws a client id
and secret, which it keeps (sealed by the state file: the mock must know the secret to check what it signs).
"""

from __future__ import annotations

import dataclasses
import uuid

from mockexchange.auth.deribit.keys import (
    DEFAULT_SCOPE,
    DeribitCredential,
    DeribitCredentialRegistry,
    generate_client_id,
    generate_client_secret,
)
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
from mockexchange.core.commands import Handlers
from mockexchange.core.connections import LiveConnections
from mockexchange.core.deribit.book import DerivativesBook
from mockexchange.core.deribit.key_commands import CreateDeribitKey
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


def draw_credential(create: CreateDeribitKey) -> tuple[CreateDeribitKey, None]:
    """The command with a client id and secret (unless given), both kept with it."""
    client_id = create.client_id or generate_client_id()
    secret = create.client_secret or generate_client_secret()
    return dataclasses.replace(create, client_id=client_id, client_secret=secret), None


def create_credential(
    book: DerivativesBook, registry: DeribitCredentialRegistry, create: CreateDeribitKey
) -> DeribitCredential:
    wallet = book.accounts.wallet(create.user_id, create.subaccount_id)
    main = book.accounts.account(create.user_id).main
    with refused_values():
        return registry.add(
            create.user_id, client_id=create.client_id, client_secret=create.client_secret,
            subaccount_id=None if wallet.id == main.id else wallet.id, scope=create.scope or DEFAULT_SCOPE,
        )  # fmt: skip


def add_key_handlers(
    handlers: Handlers,
    ledger: Ledger,
    keys: KeyRegistry,
    connections: LiveConnections,
    book: DerivativesBook,
    deribit_keys: DeribitCredentialRegistry,
) -> None:
    handlers.add(CreateApiKey, lambda create, private: create_key(ledger, keys, create, private), draw_key)
    handlers.add(DeleteApiKey, lambda delete: delete_key(keys, connections, delete))
    handlers.add(CreateDeribitKey, lambda create, _: create_credential(book, deribit_keys, create), draw_credential)
