"""A state file's sealing key (`FILE-key`) and the client secrets sealed with it: the one place a secret the file must
keep is sealed and opened again (the recorder's commands, the snapshots).

The mock must know a Deribit key's client secret to check its signatures and `client_credentials` grants, so the file
cannot keep a digest of it, as it does of a token: it keeps the secret sealed (AES-GCM) with a key held beside it,
outside SQLite's pages. The key is 32 random bytes, made at the file's first open (readable by its owner only) and read
at each open; the file's meta table names it by its id (`key_id`, a digest of it), so a missing or other key is told
before anything runs. A sealed value reads `sealed:<key id>:<nonce and ciphertext, base64url>`; a value that is not
sealed (a file written before secrets were) is read as it is.

A `--state-recover` start without the key makes a new one and counts the old one's id lost: a value sealed with a lost
key opens to nothing (its Deribit key is dropped, `dropped` says which), at this start and every later one.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mockexchange.state.mark import read_beside

PREFIX = "sealed:"
META_KEY = "sealing_key"  # the meta table's name of the key's id
META_LOST = "sealing_keys_lost"  # the ids of keys a recovery gave up, comma-separated
SEALED_ARGUMENTS = ("client_secret",)  # a command's arguments kept sealed (create_deribit_key's)
KEY_BYTES = 32
_NONCE_BYTES = 12


class SealError(Exception):
    pass


def key_path(path: Path) -> Path:
    return path.with_name(path.name + "-key")


def key_id(key: bytes) -> str:
    """What the meta table names a key by (no part of it)."""
    return hashlib.sha256(b"mockexchange sealing key\x00" + key).hexdigest()[:16]


def read_key(path: Path) -> bytes | str:
    """The key beside a state file, or why there is none to read: "missing" or "damaged"."""
    key = read_beside(key_path(path))
    return key if isinstance(key, str) or len(key) == KEY_BYTES else "damaged"


def make_key(path: Path) -> bytes:
    """A new key beside the state file, readable by its owner only from the moment it exists, on disk before it is used
    (written whole, then put in place). OSError: it cannot be made."""
    key, final = os.urandom(KEY_BYTES), key_path(path)
    made = final.with_name(final.name + ".new")
    fd = os.open(made, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # a file left by an earlier try keeps its mode otherwise
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(made, final)
    with contextlib.suppress(OSError):  # the folder's entry on disk too, where the platform allows it
        folder = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    return key


class Sealer:
    """Seals with one key; opens what it or a lost key sealed (`lost`: the ids of keys a recovery gave up)."""

    def __init__(self, key: bytes, lost: frozenset[str] = frozenset()) -> None:
        self.key_id = key_id(key)
        self.lost = lost - {self.key_id}
        self._aead = AESGCM(key)
        self.dropped: list[tuple[str, str]] = []  # (the lost key's id, the client id) of each secret dropped

    def seal(self, secret: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, secret.encode("utf-8", "surrogatepass"), self.key_id.encode())
        return f"{PREFIX}{self.key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def unseal(self, value: str) -> str | None:
        """The secret a value holds; None if a lost key sealed it. SealError: another key sealed it, or it is
        damaged."""
        if not value.startswith(PREFIX):
            return value  # kept before secrets were sealed
        sealed_by, _, body = value[len(PREFIX) :].partition(":")
        if sealed_by in self.lost:
            return None
        if sealed_by != self.key_id:
            raise SealError(f"a client secret is sealed with a key it does not name ({sealed_by})")
        try:
            data = base64.urlsafe_b64decode(body.encode())
            plain = self._aead.decrypt(data[:_NONCE_BYTES], data[_NONCE_BYTES:], sealed_by.encode())
        except (InvalidTag, ValueError, binascii.Error):
            raise SealError("a sealed client secret does not open with its key (it is damaged)") from None
        return plain.decode("utf-8", "surrogatepass")

    def sealed_arguments(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """A command's arguments as the file keeps them: each secret sealed (the same dict when it holds none)."""
        if arguments.keys().isdisjoint(SEALED_ARGUMENTS):
            return arguments
        return {
            name: self.seal(value) if name in SEALED_ARGUMENTS and isinstance(value, str) else value
            for name, value in arguments.items()
        }

    def opened_arguments(self, arguments: dict[str, Any]) -> dict[str, Any] | None:
        """A kept command's arguments as it runs again; None if a secret of them was sealed with a lost key (the
        command does not run, and `dropped` names its client id). SealError: as `unseal`."""
        if arguments.keys().isdisjoint(SEALED_ARGUMENTS):
            return arguments
        opened = dict(arguments)
        for name in SEALED_ARGUMENTS:
            value = arguments.get(name)
            if isinstance(value, str):
                secret = self.unseal(value)
                if secret is None:
                    self.lost_secret(value, str(arguments.get("client_id")))
                    return None
                opened[name] = secret
        return opened

    def lost_secret(self, value: str, client_id: str) -> None:
        self.dropped.append((value[len(PREFIX) :].partition(":")[0], client_id))
