"""A scenario's Kalshi keys (its set-up's `key` entries), made as the set-up runs: a key whose public PEM the file
gives is registered as given; a generated one's private key is written to the key folder (if any) as
`<user_id>-<key_id>.pem`, and a fixed key id whose private key was written before takes it again, so a client keeps
its configuration across loads."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockexchange.control.registration import ScenarioKeys
from mockexchange.core.kalshi.key_commands import CreateApiKey
from mockexchange.scenario.key_files import file_name, write_private
from mockexchange.scenario.model import Op

if TYPE_CHECKING:
    from mockexchange.scenario.runner import ScenarioSession


def make_key(session: ScenarioSession, op: Op, n: int) -> dict[str, Any]:
    """The key of `op` (`n`: the user's how many-th, which the key id names instead), as `create_key` answers it."""
    create = op.command
    assert isinstance(create, CreateApiKey)  # (the set-up makes a key's)
    if create.public_key_pem is not None:
        return session.answered(op, create)
    pem_path = _pem_path(session.key_dir, create.user_id, create.key_id)
    if pem_path is not None and create.key_id and pem_path.exists():
        # A fixed key id whose private key was written before: reuse it, so clients keep their configuration.
        pem = pem_path.read_text()
        answer = session.answered(op, session.changed_command(op, create, public_key_pem=pem))
        return {**answer, "private_key_pem": pem, "private_key_path": str(pem_path.resolve())}
    answer = session.answered(op, create)
    pem_path = _pem_path(session.key_dir, create.user_id, answer["key_id"])
    if pem_path is not None:
        write_private(pem_path, answer["private_key_pem"])
        answer["private_key_path"] = str(pem_path.resolve())
    return answer


def writes_key(op: Op) -> bool:
    """Whether loading the key into a key folder writes a file: a generated key's private PEM."""
    return "public_key_pem" not in op.args


def _pem_path(key_dir: Path | None, user_id: str, key_id: str | None) -> Path | None:
    if key_dir is None or key_id is None:
        return None
    return key_dir / file_name(f"{user_id}-{key_id}.pem")


# The set-up's kind of key, made so; a load's answer lists them as "keys".
KEYS = {"key": ScenarioKeys("keys", make_key, writes_key)}
