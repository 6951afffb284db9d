"""A state file keeps no Deribit client secret and no token in clear (docs/persistence.md): secrets given and generated,
tokens granted over HTTP and a websocket, refreshed and used, are looked for, byte for byte, in the file, its -wal, -shm
and -mark while the mock runs and once it closed, and in what SQLite reads of it (a value split across pages whole: the
commands, the tokens, the journal, the snapshot). Each still works after a restart, from the snapshot and from the
commands alone. Without its sealing key (`FILE-key`) a file holding sealed secrets is refused, and `--state-recover`
starts without the keys whose secrets it cannot open."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import shutil
import stat
import time
from pathlib import Path
from typing import Any

import plain_http
import pytest
from hostile_wire import rpc
from state_sql import sql
from test_hostile_secrets import found_in, planted, rpc_call
from websockets.sync.client import connect

from mockexchange.server import MockServer
from mockexchange.state import StateError

MAIN = Path(__file__).parent.parent / "data" / "state-main-e056015.db"  # format 2: secrets and tokens in clear
BESIDE = ("", "-wal", "-shm", "-mark")


def raw(state: Path) -> bytes:
    """The bytes of the file and of those SQLite and the mark keep beside it."""
    return b"".join(path.read_bytes() for path in (Path(f"{state}{end}") for end in BESIDE) if path.exists())


def read_whole(state: Path) -> bytes:
    """What SQLite reads of a closed file: each value whole, wherever its pages lie."""
    rows = [
        *sql(state, "SELECT name, arguments FROM commands"),
        *sql(state, "SELECT * FROM tokens"),
        *sql(state, "SELECT entry FROM journal"),
    ]
    snapshots = b"".join(state for (state,) in sql(state, "SELECT state FROM snapshots"))
    assert snapshots, "a clean stop keeps a snapshot"
    return json.dumps(rows).encode() + snapshots


def make_key(mock: MockServer, **given: str) -> dict[str, Any]:
    made = plain_http.post(f"{mock.base_url}/_admin/deribit/keys", json={"user_id": "bob", **given}, timeout=10)
    assert made.status_code == 200, made.text
    return made.json()


def granted(answer: dict[str, Any]) -> dict[str, Any]:
    assert "result" in answer, answer
    return answer["result"]


def credentials(key: dict[str, Any], scope: str) -> dict[str, Any]:
    secret = {"client_id": key["client_id"], "client_secret": key["client_secret"]}
    return {"grant_type": "client_credentials", **secret, "scope": scope}


def refresh(mock: MockServer, token: str) -> dict[str, Any]:
    return rpc(mock, "public/auth", {"grant_type": "refresh_token", "refresh_token": token}).json()


def positions(mock: MockServer, headers: dict[str, str], query: str = "currency=BTC") -> dict[str, Any]:
    path = "/api/v2/private/get_positions"
    return plain_http.get(f"{mock.base_url}{path}?{query}", headers=headers, timeout=10).json()


def signed(key: dict[str, Any], query: str = "currency=BTC") -> dict[str, str]:
    """deri-hmac-sha256 over a GET of private/get_positions, with the key's secret."""
    ts, nonce = str(int(time.time() * 1000)), secrets.token_hex(4)
    text = f"{ts}\n{nonce}\nGET\n/api/v2/private/get_positions?{query}\n\n"
    sig = hmac.new(key["client_secret"].encode(), text.encode(), hashlib.sha256).hexdigest()
    return {"Authorization": f"deri-hmac-sha256 id={key['client_id']},ts={ts},sig={sig},nonce={nonce}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def plant_all(mock: MockServer) -> tuple[dict[str, dict[str, Any]], dict[str, str], dict[str, str]]:
    """Two keys (a secret given, one generated) and their tokens: granted over HTTP, refreshed, and over a websocket.
    Answers the keys, the live tokens, and every secret and token planted (the spent refresh token too)."""
    mock.create_deribit_account("bob", balances={"BTC": "2"})
    keys = {"given": make_key(mock, client_secret=planted("given")), "generated": make_key(mock)}
    first = granted(rpc(mock, "public/auth", credentials(keys["given"], "session:http")).json())
    again = granted(refresh(mock, first["refresh_token"]))
    with connect(mock.deribit_ws_url, open_timeout=10) as ws:
        ws.send(rpc_call("public/auth", credentials(keys["generated"], "session:ws")))
        over_ws = granted(json.loads(ws.recv(10)))
    live = {
        "access": again["access_token"], "refresh": again["refresh_token"], "spent": first["refresh_token"],
        "ws_access": over_ws["access_token"], "ws_refresh": over_ws["refresh_token"],
    }  # fmt: skip
    plant = {f"{name}_secret": key["client_secret"] for name, key in keys.items()}
    plant |= live | {"first_access": first["access_token"]}
    return keys, live, plant


def still_work(mock: MockServer, keys: dict[str, dict[str, Any]], live: dict[str, str]) -> str:
    """Each secret and token as it worked before the restart; answers the refresh token a refresh grants now."""
    assert "result" in positions(mock, signed(keys["given"]))
    assert "result" in rpc(mock, "public/auth", credentials(keys["generated"], "session:again")).json()
    assert "result" in positions(mock, bearer(live["access"]))
    assert "result" in positions(mock, bearer(live["ws_access"]))
    assert "already used" in json.dumps(refresh(mock, live["spent"]))
    assert "result" in refresh(mock, live["ws_refresh"])
    return granted(refresh(mock, live["refresh"]))["refresh_token"]


def test_no_client_secret_nor_token_is_kept_in_clear_and_each_works_after_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.db"
    with MockServer(state=str(state), state_journal=True) as mock:
        keys, live, plant = plant_all(mock)
        assert found_in(raw(state), plant) == []  # while it runs: the -wal holds what was written
    assert found_in(raw(state) + read_whole(state), plant) == []
    key = Path(f"{state}-key")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    with MockServer(state=str(state)) as again:  # from the snapshot
        assert again.app.persistence.warnings() == []  # type: ignore[union-attr]
        live["refresh"] = still_work(again, keys, live)
    sql(state, "DELETE FROM snapshots")
    with MockServer(state=str(state)) as again:  # from the commands alone
        assert again.app.persistence.status()["restored_commands"] > 3  # type: ignore[union-attr]
        assert "result" in positions(again, signed(keys["given"]))
        assert "result" in rpc(again, "public/auth", credentials(keys["generated"], "session:third")).json()
        assert "result" in refresh(again, live["refresh"])
    assert found_in(raw(state) + read_whole(state), plant | {"new_refresh": live["refresh"]}) == []


def test_without_its_sealing_key_the_file_is_refused_and_recover_starts_without_those_keys(tmp_path: Path) -> None:
    state, other = tmp_path / "sandbox.db", tmp_path / "other.db"
    with MockServer(state=str(state)) as mock:
        mock.create_deribit_account("bob", balances={"BTC": "2"})
        sealed = make_key(mock, client_id="SealedKey")
        token = granted(rpc(mock, "public/auth", credentials(sealed, "session:s")).json())["access_token"]
    with MockServer(state=str(other)):
        pass
    key = Path(f"{state}-key")
    kept = key.read_bytes()
    for damage, said in ((key.unlink, "is missing"), (lambda: shutil.copy(f"{other}-key", key), "does not open")):
        damage()
        with pytest.raises(StateError) as refused:
            MockServer(state=str(state))
        assert f"its sealing key {key.name} {said}" in str(refused.value)
        assert "the client secrets of 1 Deribit API key" in str(refused.value)
        assert "--state-recover starts without" in str(refused.value)
        assert key.exists() == (said != "is missing")  # nothing written on a refusal
    key.write_bytes(kept)
    with MockServer(state=str(state)):  # the key back: the file opens as before
        pass
    key.unlink()
    with MockServer(state=str(state), state_recover=True) as mock:
        (said,) = mock.app.persistence.warnings()  # type: ignore[union-attr]
        assert said.startswith(f"--state-recover: its sealing key {key.name} is missing:") and "SealedKey" in said
        health = plain_http.get(f"{mock.base_url}/_admin/health", timeout=10).json()
        assert said in health["warnings"]
        assert "result" not in positions(mock, bearer(token))
        assert "result" not in rpc(mock, "public/auth", credentials(sealed, "session:s")).json()
        made = make_key(mock)  # a new one is sealed with the new key
    with MockServer(state=str(state)) as again:  # the loss was said once; the new key works
        assert again.app.persistence.warnings() == []  # type: ignore[union-attr]
        assert "result" in positions(again, signed(made))
        assert "no API key with client_id 'SealedKey'" in json.dumps(
            rpc(again, "public/auth", credentials(sealed, "")).json()
        )


def test_a_file_kept_in_clear_opens_its_tokens_are_digested_and_new_secrets_are_sealed(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.db"
    state.write_bytes(MAIN.read_bytes())
    (old_access,) = [token for kind, token in sql(state, "SELECT kind, token FROM tokens") if kind == "access"]
    with MockServer(state=str(state), seed=25) as mock:
        assert mock.app.persistence.warnings() == []  # type: ignore[union-attr]
        # The token it kept is known (expired, or working), not unknown.
        assert "no such access token" not in json.dumps(positions(mock, bearer(old_access)))
        plant = {"secret": make_key(mock, client_secret=planted("new"))["client_secret"]}
    assert found_in(raw(state) + read_whole(state), plant | {"old_access": old_access}) == []
    assert {len(digest) for (digest,) in sql(state, "SELECT digest FROM tokens")} == {64}
