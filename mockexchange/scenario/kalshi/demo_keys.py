"""The demo's Kalshi keys (`serve` without a scenario, its registration's `demo_keys`): its first user's and its FCM
member's, their ids from the seed, their private keys kept in the key folder (`DEMO_PEM`, `FCM_PEM`), so a restarted
mock keeps working with the same client configuration."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mockexchange.auth.kalshi.keys import (
    EXPECTED_PRIVATE_KEY,
    PemError,
    PrivateKey,
    generate_private_key,
    load_private_key,
    private_key_pem,
    public_key_pem,
)
from mockexchange.control import ControlError
from mockexchange.scenario.key_files import write_private

DEMO_PEM = "demo-key.pem"
FCM_PEM = "fcm-key.pem"


def demo_keys(key_dir: Path) -> Callable[[Any, Any, int], tuple[str, str]]:
    """The private keys kept in `key_dir`, read now (one that is no private key refused before the load); answers what
    makes the keys (the control plane, the portfolio, the seed) and answers their ids."""
    kept = {name: _kept_key(key_dir / name) for name in (DEMO_PEM, FCM_PEM)}

    def make(control: Any, portfolio: Any, seed: int) -> tuple[str, str]:
        demo_key, fcm_key = (str(uuid.UUID(int=seed + n, version=4)) for n in (0, 1))
        _demo_key(control, portfolio.users[0], key_dir / DEMO_PEM, kept[DEMO_PEM], demo_key)
        assert portfolio.fcm_member is not None
        _demo_key(control, portfolio.fcm_member, key_dir / FCM_PEM, kept[FCM_PEM], fcm_key)
        return demo_key, fcm_key

    return make


def _kept_key(pem_path: Path) -> PrivateKey | None:
    """The private key kept at `pem_path` (None: none is; a new one is made)."""
    if not pem_path.exists():
        return None
    try:
        return load_private_key(pem_path.read_text())  # the file is the client's private key: say so when it is not
    except PemError as exc:
        raise ControlError(
            f"{pem_path} is not {EXPECTED_PRIVATE_KEY} ({exc}); remove it to have a new one made"
        ) from None


def _demo_key(control: Any, user_id: str, pem_path: Path, key: PrivateKey | None, key_id: str) -> None:
    """The demo user's key, the kept one or a new one written to `pem_path`. The mock is given its public half: the
    private PEM would be loaded again, and an RSA key's check costs some 30 ms of a start's CPU."""
    if key is None:
        key = generate_private_key("rsa")
        write_private(pem_path, private_key_pem(key))
    try:
        control.create_key(user_id, public_key_pem=public_key_pem(key.public_key()), key_id=key_id)
    except ControlError as exc:
        raise ControlError(f"{pem_path}: {exc}; remove it to have a new one made") from None
