"""The demo's Deribit key (`serve` without a scenario, its registration's `demo_keys`): its first user's, whose
credentials are kept in the key folder (`KEY_FILE`), so a restarted mock answers the same client id and secret."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from mockexchange.scenario.deribit.coinbase_demo_key import make_coinbase_key
from mockexchange.scenario.key_files import keep_deribit_key, kept_deribit_key

KEY_FILE = "deribit-key.json"  # the demo's Deribit client id and secret (scenario/key_files.py)


def demo_keys(key_dir: Path) -> Callable[[Any, Any, int], dict[str, Any]]:
    """The credentials kept in `key_dir`, read now (a broken file refused before the load); answers what makes the
    key (the control plane, the portfolio, the seed) and answers `create_deribit_key`'s answer with the
    `credentials_path` keeping it."""
    kept = kept_deribit_key({}, key_dir / KEY_FILE)

    def make(control: Any, portfolio: Any, seed: int) -> dict[str, Any]:
        made = control.create_deribit_key(**kept, user_id=portfolio.users[0])
        # and a Coinbase key of the same user, for the Coinbase dialect (docs/coinbase.md)
        coinbase = make_coinbase_key(control, portfolio.users[0], key_dir)
        return {**keep_deribit_key(made, key_dir / KEY_FILE), "coinbase": coinbase}

    return make
