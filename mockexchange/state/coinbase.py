"""The Coinbase dialect's part of a Deribit snapshot (state/deribit.py keeps it beside Deribit's): its CDP keys, each
its public half, and its OAuth2 tokens, each its digest: nothing to seal. The gateway's own tokens are not kept (a
client authenticates again after a restart: docs/known-differences.md)."""

from __future__ import annotations

from dataclasses import astuple
from typing import Any

from mockexchange.auth.deribit.coinbase import OAuthGrant
from mockexchange.auth.deribit.coinbase_keys import CoinbaseKey


def coinbase_kept(control: Any) -> dict[str, Any]:
    """What a snapshot keeps of the dialect: its keys (public) and OAuth2 tokens (their digests)."""
    return {
        "keys": [astuple(key) for key in control.coinbase_keys.all()],
        "oauth": [astuple(grant) for grant in control.coinbase_tokens.oauth.values()],
    }


def coinbase_restore(control: Any, kept: dict[str, Any] | None) -> None:
    control.coinbase_keys.clear()
    control.coinbase_tokens.clear()
    for name, algorithm, public_key, user_id, subaccount_id, permissions in (kept or {}).get("keys", []):
        control.coinbase_keys.add(CoinbaseKey(name, algorithm, public_key, user_id, subaccount_id, tuple(permissions)))
    for found, user_id, subaccount_id, scopes in (kept or {}).get("oauth", []):
        control.coinbase_tokens.add_oauth(OAuthGrant(found, user_id, subaccount_id, tuple(scopes)))
