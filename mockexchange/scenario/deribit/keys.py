"""A scenario's Deribit keys (an account's `keys` in its set-up), made as the set-up runs: with a key folder, generated
credentials are kept there as `<user_id>-deribit-<n>.json` and taken from there on the next load (a key whose secret
the scenario fixes has nothing to keep)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mockexchange.control import ControlError
from mockexchange.control.registration import ScenarioKeys
from mockexchange.core.deribit.key_commands import CreateDeribitKey
from mockexchange.scenario.key_files import KeyFileError, file_name, keep_deribit_key, kept_deribit_key
from mockexchange.scenario.model import Op

if TYPE_CHECKING:
    from mockexchange.scenario.runner import ScenarioSession


def make_key(session: ScenarioSession, op: Op, n: int) -> dict[str, Any]:
    """The account's `keys[n]`, as `create_deribit_key` answers it (its credentials' file's path beside, if kept)."""
    create = op.command
    assert isinstance(create, CreateDeribitKey)  # (the set-up makes a Deribit key's)
    path = None
    if session.key_dir is not None and not create.client_secret:
        path = session.key_dir / file_name(f"{create.user_id}-deribit-{n}.json")
    try:
        kept = kept_deribit_key(dict(op.args), path)
        credentials = {name: kept.get(name) for name in ("client_id", "client_secret")}
        answer = session.answered(op, session.changed_command(op, create, **credentials))
        return keep_deribit_key(answer, path)
    except KeyFileError as exc:
        raise ControlError(f"{op.origin}: {exc}", 409) from None


def writes_key(op: Op) -> bool:
    """Whether loading the key into a key folder writes a file: a key without a fixed secret (its credentials)."""
    return not op.args.get("client_secret")


# The set-up's kind of key, made so; a load's answer lists them as "deribit_keys".
KEYS = {"deribit_key": ScenarioKeys("deribit_keys", make_key, writes_key)}
