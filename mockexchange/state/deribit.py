"""Deribit's part of a state file: its part of a snapshot (state/snapshot.py; its registration's `snapshot`), the
Deribit exchange's state fields and the API keys, each client secret sealed (seal.py); and its tokens, kept beside the
commands as they are granted and forgotten, each by its digest (its registration's `kept_records`; one a file of
format 2 kept in clear becomes its digest as the file is upgraded)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockexchange.auth.deribit.keys import DeribitCredential
from mockexchange.auth.deribit.tokens import digest
from mockexchange.control.registration import KeptRecords, Snapshotting
from mockexchange.state.coinbase import coinbase_kept, coinbase_restore
from mockexchange.state.snapshot import fields


def keep(control: Any, seal: Callable[[str], str]) -> dict[str, Any]:
    exchange = control.exchange
    with exchange.lock:
        return {
            "exchange": fields(exchange.state),
            "deribit_keys": [
                (key.client_id, seal(key.client_secret), key.user_id, key.subaccount_id, key.scope, _shown(key))
                for key in control.deribit_keys.all()
            ],
            "coinbase": coinbase_kept(control),  # public keys and tokens' digests: nothing to seal
        }


def restore(control: Any, kept: dict[str, Any], unseal: Callable[[str, str], str | None]) -> Callable[[], None]:
    """A secret that does not open raises (SnapshotError) before anything changes; one a lost sealing key sealed is
    dropped (the seal says which)."""
    credentials = []
    for client_id, sealed, user_id, subaccount_id, scope, shown in kept["deribit_keys"]:
        secret = unseal(sealed, client_id)
        if secret is not None:
            credentials.append(DeribitCredential(client_id, secret, user_id, subaccount_id, scope, **shown))

    def put() -> None:
        vars(control.exchange.state).update(kept["exchange"])
        control.deribit_keys.clear()
        for credential in credentials:
            control.deribit_keys.restore(credential)
        coinbase_restore(control, kept.get("coinbase"))  # (a file from before the dialect holds none)

    return put


# A key's fields beside its secret and account: what its api_key object shows (private/list_api_keys).
_SHOWN = ("key_id", "name", "enabled", "default", "timestamp", "enabled_features", "ip_whitelist")


def _shown(key: DeribitCredential) -> dict[str, Any]:
    return {name: getattr(key, name) for name in _SHOWN}


SNAPSHOT = Snapshotting(keep, restore, sealed="Deribit API key")


def _watch(control: Any, keep: Callable[[str, str, dict[str, Any] | None], None]) -> None:
    control.deribit_tokens.listener = keep


def _restore_token(control: Any, kind: str, found: str, record: dict[str, Any]) -> None:
    control.deribit_tokens.restore(kind, found, record, control.deribit_keys)  # (a token of a key gone is dropped)


# (A file of format 2 kept each token in clear: upgraded, each is kept by its digest.)
TOKENS = KeptRecords(
    ("access", "refresh", "rotated"), _watch, _restore_token, "Deribit token changes", "Deribit tokens", digest
)
