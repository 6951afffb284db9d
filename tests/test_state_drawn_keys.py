"""What a key command draws at random is drawn before the state file keeps it (core/commands.py's `Handlers.drawn`,
control/kalshi/keys.py, control/deribit/keys.py): a Kalshi key is kept as its public half and its key id, whether
drawn (its private key in the answer alone) or given as a private key; Deribit credentials as their client id and
their secret sealed. Run again, the kept commands register the same keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from state_sql import sql

from mockexchange.auth.kalshi.keys import generate_private_key, load_private_key, private_key_pem, public_key_pem
from mockexchange.control import ControlError
from mockexchange.server import MockServer


def kept(path: Path, name: str) -> list[dict]:
    return [json.loads(arguments) for (arguments,) in sql(path, "SELECT arguments FROM commands WHERE name = ?", name)]


def test_a_drawn_key_pair_is_kept_as_its_public_half_and_its_private_key_only_answered(tmp_path: Path):
    path = tmp_path / "state.db"
    given = private_key_pem(generate_private_key("rsa"))
    with MockServer(state=str(path)) as mock:
        mock.create_account("alice")
        made = mock.create_key("alice", key_type="ed25519", name="bot")
        uploaded = mock.create_key("alice", public_key_pem=given, key_id="mine")
        mock.create_deribit_account("bob", balances={"BTC": "1"})
        credential = mock.create_deribit_key("bob")
    drawn = load_private_key(made["private_key_pem"])
    assert made["key_type"] == "ed25519" and "private_key_pem" not in uploaded
    assert kept(path, "create_key") == [
        {"user_id": "alice", "public_key_pem": public_key_pem(drawn.public_key()), "key_type": "ed25519",
         "key_id": made["key_id"], "name": "bot"},
        {"user_id": "alice", "public_key_pem": public_key_pem(load_private_key(given).public_key()), "key_id": "mine"},
    ]  # fmt: skip
    assert not sql(path, "SELECT seq FROM commands WHERE arguments LIKE '%PRIVATE KEY%'")
    [deribit] = kept(path, "create_deribit_key")
    assert deribit["client_id"] == credential["client_id"] and deribit["client_secret"].startswith("sealed:")
    sql(path, "DELETE FROM snapshots")  # the commands alone, as after kill -9
    with MockServer(state=str(path)) as again:
        assert again.keys.get(made["key_id"]).public_key.public_bytes_raw() == drawn.public_key().public_bytes_raw()
        assert again.keys.get(made["key_id"]).name == "bot" and again.keys.get("mine").key_type == "rsa"
        assert again.app.control.deribit_keys.get(credential["client_id"]).client_secret == credential["client_secret"]


def test_a_private_key_that_does_not_load_is_refused_before_it_is_kept(tmp_path: Path):
    path = tmp_path / "state.db"
    with MockServer(state=str(path)) as mock:
        mock.create_account("alice")
        with pytest.raises(ControlError, match=r"public_key_pem is not an RSA or Ed25519 public key in PEM \(its"):
            mock.create_key("alice", public_key_pem="-----BEGIN PRIVATE KEY-----\nAA\n-----END PRIVATE KEY-----\n")
    assert kept(path, "create_key") == []
