"""Schemathesis hooks for `mockexchange contract check`: schemathesis' runner imports this module (SCHEMATHESIS_HOOKS)
in its own process; the key comes through the environment, never on a command line."""

from __future__ import annotations

import os
from pathlib import Path

import schemathesis

from mockexchange.contract.kalshi.child_env import BASE_PATH_ENV, KEY_ID_ENV, PRIVATE_KEY_ENV
from mockexchange.contract.kalshi.suite import BASE_PATH, signing_auth
from mockexchange.testing.signing import KalshiSigner

_signer = KalshiSigner.from_pem_file(os.environ[KEY_ID_ENV], Path(os.environ[PRIVATE_KEY_ENV]))
schemathesis.auth(refresh_interval=None)(signing_auth(_signer, os.environ.get(BASE_PATH_ENV, BASE_PATH)))
