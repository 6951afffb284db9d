"""The key files kept in a key folder, so that a restarted mock serves the same credentials: a Kalshi private key
(PEM) and a Deribit client id and secret (JSON: `{"client_id": ..., "client_secret": ...}`, read with
`jq -r .client_secret FILE`). Each is written readable by its owner only, from the moment it exists."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any


class KeyFileError(ValueError):
    """A key file that is there but cannot be read back: the message names it and says what is wrong."""


def file_name(name: str) -> str:
    """`name` with what a file name should not hold (a path separator, spaces) as `_`."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def write_private(path: Path, text: str) -> None:
    """`text` in `path` (its folder made if need be), mode 0600 whether the file is new or not."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        os.fchmod(fd, 0o600)  # a file that was there keeps its mode through O_CREAT
        file.write(text)


def read_deribit_credentials(path: Path) -> tuple[str, str] | None:
    """The (client id, client secret) kept in `path`; None if there is no such file."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    try:
        kept = json.loads(text)
    except ValueError:
        kept = None
    if not isinstance(kept, dict) or not all(isinstance(kept.get(k), str) and kept[k] for k in _FIELDS):
        raise KeyFileError(f"{path} does not hold Deribit credentials ({_SHAPE}); remove it to have new ones made")
    return kept["client_id"], kept["client_secret"]


def write_deribit_credentials(path: Path, client_id: str, client_secret: str) -> None:
    write_private(path, json.dumps({"client_id": client_id, "client_secret": client_secret}, indent=2) + "\n")


def kept_deribit_key(args: dict[str, Any], path: Path | None) -> dict[str, Any]:
    """The arguments of `create_deribit_key` for a key whose credentials are kept in `path` (None: not kept, as a key
    whose secret is fixed is not): the client id and secret of the file when it has them for this key (the same
    client id, if `args` fix one), else `args` as they are, for new ones to be made (and kept by `keep_deribit_key`)."""
    if path is None:
        return args
    kept = read_deribit_credentials(path)
    if kept is None or args.get("client_id") not in (None, kept[0]):
        return args
    return {**args, "client_id": kept[0], "client_secret": kept[1]}


def keep_deribit_key(answer: dict[str, Any], path: Path | None) -> dict[str, Any]:
    """`create_deribit_key`'s answer, its credentials written to `path` (unless None) and the path added to it as
    `credentials_path`."""
    if path is None:
        return answer
    if read_deribit_credentials(path) != (answer["client_id"], answer["client_secret"]):
        write_deribit_credentials(path, answer["client_id"], answer["client_secret"])
    return {**answer, "credentials_path": str(path.resolve())}


_FIELDS = ("client_id", "client_secret")
_SHAPE = 'JSON: {"client_id": "...", "client_secret": "..."}'
