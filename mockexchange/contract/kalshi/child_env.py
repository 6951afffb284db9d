"""How `contract check`'s schemathesis process learns the key it signs with and the path prefix it signs (never on a
command line): the variables check.py sets and hooks.py reads."""

from __future__ import annotations

KEY_ID_ENV = "MOCKEXCHANGE_CONTRACT_KEY_ID"
PRIVATE_KEY_ENV = "MOCKEXCHANGE_CONTRACT_PRIVATE_KEY"  # a path to the PEM
BASE_PATH_ENV = "MOCKEXCHANGE_CONTRACT_BASE_PATH"
