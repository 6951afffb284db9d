"""What a scenario file's set-up says of a Kalshi account: a user's account (`users[]`), its keys
(`users[].keys[]`) and usage level (`users[].api_usage_level`).

Each is the core's command of its kind (core/kalshi/account_commands.py, key_commands.py),
made when the file is read: every field is read as its kind of value, refused at its line in the kind's words; what
only the state can say (an unknown user, a duplicate account) is refused when the set-up runs, naming its line.
"""

from __future__ import annotations

from typing import Any

from mockexchange.core.commands import kind_of, read
from mockexchange.core.kalshi.account_commands import CreateAccount, GrantApiUsageLevel
from mockexchange.core.kalshi.key_commands import CreateApiKey
from mockexchange.scenario.scalars import Field, Specs, command_specs, of_kind, text

# A user's account, beside its keys and usage level (schema.py's USER); its usage level, a permanent manual grant on
# the Predictions instance (`GrantApiUsageLevel`'s defaults)
ACCOUNT = command_specs(CreateAccount)
USAGE_LEVEL = of_kind(kind_of(GrantApiUsageLevel, "level"), "level")
# A user's key: its public key read from a file (`public_key_file`), or a new pair of the type `generate` names
# (schema.py's `key`); made with `make_key`.
_KEY = command_specs(CreateApiKey, "user_id", "public_key_pem")
KEY: Specs = {
    "key_id": _KEY["key_id"], "name": _KEY["name"], "scopes": _KEY["scopes"],
    "public_key_file": Field(text), "generate": _KEY["key_type"],
    "subaccount": _KEY["subaccount"], "subtrader_id": _KEY["subtrader_id"],
}  # fmt: skip


def make_key(**fields: Any) -> CreateApiKey:
    """A key's command of the values its fields were read into (each its plain value: `read` makes the command)."""
    return read(CreateApiKey, fields)
