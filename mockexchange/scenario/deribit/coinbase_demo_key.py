"""The demo's Coinbase key (the Coinbase dialect's, docs/coinbase.md): a CDP key of the demo's first Deribit user, kept
in the key folder as Coinbase's portal hands one out (`cdp_api_key.json`: `{"name", "privateKey"}`), so a restarted
mock registers the same key again (its public key derived from the kept private key)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from mockexchange.scenario.key_files import KeyFileError, write_private

KEY_FILE = "coinbase-key.json"


def _kept(path: Path) -> tuple[str, str] | None:
    """(name, private key PEM) kept in `path`; None if there is none."""
    try:
        kept = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except ValueError:
        kept = None
    if not isinstance(kept, dict) or not all(isinstance(kept.get(k), str) for k in ("name", "privateKey")):
        raise KeyFileError(f'{path} does not hold a Coinbase key ({{"name", "privateKey"}}); remove it for a new one')
    return kept["name"], kept["privateKey"]


def make_coinbase_key(control: Any, user_id: str, key_dir: Path) -> dict[str, Any]:
    """`create_coinbase_key`'s answer for the demo's user, with its private key and the file keeping both."""
    path = key_dir / KEY_FILE
    kept = _kept(path)
    if kept is None:
        made = control.create_coinbase_key(user_id=user_id)
        write_private(path, json.dumps({"name": made["name"], "privateKey": made["private_key"]}, indent=2) + "\n")
    else:
        private = serialization.load_pem_private_key(kept[1].encode(), None)
        public = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        made = control.create_coinbase_key(user_id=user_id, key_name=kept[0], public_key=public.decode())
        made["private_key"] = kept[1]
    return {**made, "credentials_path": str(path.resolve())}
