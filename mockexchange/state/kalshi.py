"""Kalshi's part of a snapshot (state/snapshot.py; its registration's `snapshot`): the ledger's state fields and the
API keys, each as its public half."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockexchange.auth.kalshi.keys import load_public_key, public_key_pem
from mockexchange.control.registration import Snapshotting
from mockexchange.state.snapshot import fields


def keep(control: Any, seal: Callable[[str], str]) -> dict[str, Any]:
    ledger = control.ledger
    with ledger.state.lock:
        return {
            "ledger": fields(ledger.state),
            "keys": [
                (
                    key.key_id,
                    key.user_id,
                    public_key_pem(key.public_key),
                    key.subaccount,
                    key.subtrader_id,
                    key.name,
                    key.scopes,
                )
                for key in control.keys.all()
            ],  # fmt: skip
        }


def restore(control: Any, kept: dict[str, Any], unseal: Callable[[str, str], str | None]) -> Callable[[], None]:
    keys = [(load_public_key(pem), key_id, user_id, rest) for key_id, user_id, pem, *rest in kept["keys"]]

    def put() -> None:
        vars(control.ledger.state).update(kept["ledger"])
        control.keys.clear()
        for public, key_id, user_id, (subaccount, subtrader_id, name, scopes) in keys:
            control.keys.add(
                user_id, public, key_id=key_id, subaccount=subaccount, subtrader_id=subtrader_id, name=name,
                scopes=scopes,
            )  # fmt: skip

    return put


SNAPSHOT = Snapshotting(keep, restore)
