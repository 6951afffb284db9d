"""No credential is kept, in any spelling: secrets planted over real HTTP and websockets (both venues, the proxy, a
state file) are looked for, byte for byte, in everything the mock and the proxy keep or show: the journal
(`GET /_admin/requests`), the inspector's reads (`GET /_admin/connections`: each websocket's last frames), the raw
bytes of a state file (the SQLite file, its -wal and -shm), and a tape (its lines, and every base64 body decoded).
A 401's diagnosis names what was wrong without quoting the credential."""

from __future__ import annotations

import base64
import gzip
import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import plain_http
import pytest
from hostile_wire import KALSHI_WS, rpc, send
from websockets.sync.client import connect

from mockexchange.auth.kalshi.keys import generate_private_key, load_private_key, private_key_pem, public_key_pem
from mockexchange.proxy.runner import ProxyServer
from mockexchange.recording.reader import read_tape
from mockexchange.registry import TAPE_VENUES
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner

POSITIONS = "/trade-api/v2/portfolio/positions"


def planted(what: str) -> str:
    """A secret no other text can hold by chance (letters and digits: every spelling of it is itself)."""
    return f"planted{what}{secrets.token_hex(12)}"


def admin_reads(mock: MockServer) -> bytes:
    """What the admin API shows of requests and connections: the journal and the inspector's reads."""
    listed = [plain_http.get(f"{mock.base_url}/_admin/{path}", timeout=10) for path in ("requests", "connections")]
    assert [answer.status_code for answer in listed] == [200, 200]
    return b"".join(answer.content for answer in listed)


def found_in(kept: bytes, planted_secrets: dict[str, str]) -> list[str]:
    return [name for name, secret in planted_secrets.items() if secret.encode() in kept]


def frames_shown(mock: MockServer, venue: str, wanted: int) -> list[dict[str, Any]]:
    """The inspector's last frames of the venue's open connection, once `wanted` are noted (a reply is noted just
    after it is written, so maybe after its client read it)."""
    for _ in range(200):
        listed = plain_http.get(f"{mock.base_url}/_admin/connections", timeout=10).json()["connections"]
        (connection,) = [row for row in listed if row["venue"] == venue]
        if len(connection["last_frames"]) >= wanted:
            return connection["last_frames"]
    raise AssertionError(f"the inspector shows {connection['last_frames']}")


def private_pem() -> str:
    return private_key_pem(generate_private_key("ed25519"))  # cheap to make, as RSA is not


def rpc_call(method: str, params: dict[str, Any], call_id: int = 1) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": call_id, "method": method, "params": params})


# -- the mock: its journal, the inspector's reads, a state file --------------------------------------------------------


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with MockServer() as server:
        server.create_account("alice", balance_cents=100_000)
        server.create_deribit_account("bob", balances={"BTC": "2"})
        yield server


def test_no_planted_secret_is_kept_by_the_journal_or_the_inspector(mock) -> None:
    key = mock.create_key("alice", key_type="ed25519")
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    deribit = mock.create_deribit_key("bob")
    client_id, real_secret = deribit["client_id"], deribit["client_secret"]
    plant = {name: planted(name) for name in (
        "percentname", "escapedletter", "refreshquery", "accessquery", "bare", "basic", "hmacsig", "wsescaped",
        "wsbatch", "wsbroken", "wsbinary", "wsrepeated", "kalshiquery", "kalshiws",
    )}  # fmt: skip

    # Deribit over HTTP: the query's names percent-encoded, a refresh and an access token in a query, a bare
    # Authorization value, Basic credentials, a deri-hmac-sha256 signature.
    auth_query = f"grant_type=client_credentials&client_id={client_id}"
    assert send(mock, "GET", f"/api/v2/public/auth?{auth_query}&client%5Fsecret={plant['percentname']}").status == 401
    assert send(mock, "GET", f"/api/v2/public/auth?{auth_query}&client_%73ecret={plant['escapedletter']}").status
    refresh = f"/api/v2/public/auth?grant_type=refresh_token&refresh_token={plant['refreshquery']}"
    assert send(mock, "GET", refresh).status
    positions = f"/api/v2/private/get_positions?currency=BTC&access_token={plant['accessquery']}"
    assert send(mock, "GET", positions).status
    assert rpc(mock, "private/get_positions", {"currency": "BTC"}, {"Authorization": plant["bare"]}).status
    basic = base64.b64encode(f"{client_id}:{plant['basic']}".encode()).decode()
    assert rpc(mock, "private/get_positions", {"currency": "BTC"}, {"Authorization": f"Basic {basic}"}).status
    hmac_value = f"deri-hmac-sha256 id={client_id},ts=1,sig={plant['hmacsig']},nonce=n"
    assert rpc(mock, "private/get_positions", {"currency": "BTC"}, {"Authorization": hmac_value}).status
    # Kalshi over HTTP: a secret-named query parameter, a letter of its name percent-encoded; the key's and the
    # signature's headers swapped.
    assert send(mock, "GET", f"{POSITIONS}?%61pi_secret={plant['kalshiquery']}").status == 401
    signed = signer.headers("GET", POSITIONS)
    plant["swapped"] = signed["KALSHI-ACCESS-SIGNATURE"]
    swapped = signed | {"KALSHI-ACCESS-KEY": plant["swapped"], "KALSHI-ACCESS-SIGNATURE": key["key_id"]}
    assert send(mock, "GET", POSITIONS, swapped).status == 401

    assert plain_http.get(f"{mock.base_url}/_admin/connections", timeout=10).status_code == 200  # frames noted now
    # Deribit over the websocket: public/auth (its secret in, its tokens out), an escaped name, a batch, a frame
    # cut short, a binary frame.
    with connect(mock.deribit_ws_url, open_timeout=10) as ws:
        auth = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": real_secret}
        ws.send(rpc_call("public/auth", auth))
        tokens = json.loads(ws.recv(10))["result"]
        ws.send(rpc_call("public/auth", {"grant_type": "client_credentials", "client_id": client_id}, 2).replace(
            '"client_id"', f'"client\\u005fsecret": "{plant["wsescaped"]}", "client_id"'))  # fmt: skip
        ws.recv(10)
        ws.send(json.dumps([json.loads(rpc_call("private/get_positions", {"access_token": plant["wsbatch"]}, 3))]))
        ws.recv(10)
        ws.send('{"jsonrpc": "2.0", "id": 4, "params": {"refresh_token": "%s"' % plant["wsbroken"])  # noqa: UP031
        ws.recv(10)
        ws.send(
            rpc_call("public/auth", {"grant_type": "refresh_token", "refresh_token": plant["wsbinary"]}, 5).encode()
        )
        ws.recv(10)
        params = f'{{"refresh_token": "{plant["wsrepeated"]}", "refresh_token": null}}'  # JSON keeps the last
        repeated = '{"jsonrpc": "2.0", "id": 6, "method": "public/auth", "params": ' + params + "}"
        ws.send(repeated)
        ws.recv(10)
        # A key made and reset, and a session forked: their replies hold a new client secret and new tokens.
        ws.send(rpc_call("private/create_api_key", {"max_scope": "trade:read"}, 7))
        made = json.loads(ws.recv(10))["result"]
        ws.send(rpc_call("private/reset_api_key", {"id": made["id"]}, 8))
        reset = json.loads(ws.recv(10))["result"]
        ws.send(rpc_call("public/auth", auth | {"scope": "session:kept"}, 9))
        session = json.loads(ws.recv(10))["result"]
        ws.send(
            rpc_call("public/fork_token", {"refresh_token": session["refresh_token"], "session_name": "forked"}, 10)
        )
        forked = json.loads(ws.recv(10))["result"]
        deribit_frames = frames_shown(mock, "deribit", 20)
    # Kalshi over the websocket: a secret-named field in a command.
    with connect(mock.base_url.replace("http", "ws") + KALSHI_WS, open_timeout=10,
                 additional_headers=signer.headers("GET", KALSHI_WS)) as ws:  # fmt: skip
        ws.send(
            json.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"]}, "password": plant["kalshiws"]})
        )
        ws.recv(10)
        kalshi_frames = frames_shown(mock, "kalshi", 2)
        kept = admin_reads(mock) + json.dumps([deribit_frames, kalshi_frames]).encode()

    granted = {"access": tokens["access_token"], "refresh": tokens["refresh_token"], "secret": real_secret}
    granted |= {"made": made["client_secret"], "reset": reset["client_secret"], "session": session["refresh_token"]}
    granted |= {"forked": forked["access_token"], "forked_refresh": forked["refresh_token"]}
    assert found_in(kept, plant | granted) == []
    assert kept.count(b"[redacted]") >= len(plant)


def test_a_state_file_keeps_no_private_key_nor_a_planted_secret(tmp_path) -> None:
    state = tmp_path / "sandbox.db"
    pem = private_pem()
    plant = {"givenpem": pem.splitlines()[1]} | {name: planted(name) for name in ("query", "frame")}
    with MockServer(state=str(state), state_journal=True) as mock:
        mock.create_account("alice", balance_cents=100_000)
        mock.create_deribit_account("bob", balances={"BTC": "2"})
        key = mock.create_key("alice", key_type="ed25519")
        signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
        # A private key where a public key is asked for (its public half is taken), over the admin API; a key pair
        # generated over Kalshi's REST (its private half is the answer's).
        admin = {"user_id": "alice", "public_key_pem": pem}
        assert plain_http.post(f"{mock.base_url}/_admin/keys", json=admin, timeout=10).status_code == 200
        generate = signer.headers("POST", "/trade-api/v2/api_keys/generate")
        made = send(
            mock, "POST", "/trade-api/v2/api_keys/generate", generate, b'{"name": "bot", "key_type": "ed25519"}'
        )
        assert made.status == 201
        plant["generatedpem"] = made.json()["private_key"].splitlines()[1]
        # The journal, which the file keeps (asked for), with a secret in a query and one in a websocket frame.
        assert send(mock, "GET", f"/api/v2/public/auth?client%5Fsecret={plant['query']}").status
        with connect(mock.deribit_ws_url, open_timeout=10) as ws:
            ws.send(rpc_call("public/auth", {"grant_type": "refresh_token", "refresh_token": plant["frame"]}))
            ws.recv(10)
    # What the file keeps to answer the same after a restart (Deribit's client secrets, the tokens it granted:
    # docs/persistence.md) is no planted secret.
    files = [path for path in (state, Path(f"{state}-wal"), Path(f"{state}-shm")) if path.exists()]
    assert found_in(b"".join(path.read_bytes() for path in files), plant) == []
    with MockServer(state=str(state)) as again:  # the public half, kept, is what a restart registers
        registered = {public_key_pem(key.public_key) for key in again.app.keys.for_user("alice")}
        assert public_key_pem(load_private_key(pem).public_key()) in registered and len(registered) == 3


def test_a_diagnosis_names_what_was_wrong_without_quoting_the_credential(mock) -> None:
    deribit = mock.create_deribit_key("bob")
    client_id, secret = deribit["client_id"], deribit["client_secret"]
    auth = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    token = rpc(mock, "public/auth", auth).json()["result"]["access_token"]

    bare = rpc(mock, "private/get_positions", {"currency": "BTC"}, {"Authorization": token})
    swapped = rpc(mock, "public/auth", auth | {"client_id": secret, "client_secret": client_id})
    gateway = plain_http.post(f"{mock.base_url}/api", timeout=10, headers={
        "Authorization": f"Bearer {token}", "Signalplus-API-Signature": "c2ln", "Signalplus-API-Nonce": "n",
        "Signalplus-API-Timestamp": str(int(time.time() * 1000)),
    }, json={"rid": 1, "method": "private/get_positions", "params": {}})  # fmt: skip
    said = [json.dumps(answer.json()) for answer in (bare, swapped, gateway)]
    assert [token in text or secret in text for text in said] == [False, False, False]
    assert "Authorization holds no scheme" in said[0]
    assert "client_id holds a client_secret" in said[1]
    assert "ApiKey holds a token" in said[2]
    assert found_in(admin_reads(mock), {"token": token, "secret": secret}) == []


# -- the proxy: its journal and its tape -------------------------------------------------------------------------------


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[tuple[MockServer, ProxyServer, Path]]:
    tape = tmp_path / "session.tape"
    with MockServer() as mock, ProxyServer(mock.base_url + "/trade-api/v2", mock.base_url, record=str(tape)) as proxy:
        mock.create_deribit_account("bob", balances={"BTC": "2"})
        yield mock, proxy, tape


def tape_bytes(tape: Path) -> bytes:
    """A tape's lines, and each base64 body or frame decoded (a secret in base64 is still kept)."""
    decoded = []
    for record in read_tape(tape, TAPE_VENUES).records:
        for body in ((record.request or {}).get("body"), (record.response or {}).get("body"), record.data):
            if isinstance(body, dict) and "base64" in body:
                decoded.append(base64.b64decode(body["base64"]))
                decoded.append(gzip.decompress(decoded[-1]) if decoded[-1][:2] == b"\x1f\x8b" else b"")
    return tape.read_bytes() + b"".join(decoded)


def test_no_planted_secret_reaches_the_proxys_journal_or_tape(proxied) -> None:
    mock, proxy, tape = proxied
    deribit = mock.create_deribit_key("bob")
    client_id = deribit["client_id"]
    plant = {name: planted(name) for name in (
        "gzip", "falsecoding", "form", "multipart", "camel", "inastring", "scheme", "underscored", "signalplus",
        "latin1", "wsbinary",
    )}  # fmt: skip
    auth = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": deribit["client_secret"]}
    tokens = plain_http.post(f"{proxy.base_url}/api/v2", json=json.loads(rpc_call("public/auth", auth))).json()
    live = tokens["result"]["access_token"]

    def post(body: bytes, **headers: str) -> None:
        assert plain_http.post(f"{proxy.base_url}/api/v2", content=body, headers=headers, timeout=10).status_code

    wrong = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "public/auth", "params": auth}).encode()
    post(gzip.compress(wrong.replace(deribit["client_secret"].encode(), plant["gzip"].encode())),
         **{"Content-Encoding": "gzip", "Content-Type": "application/json"})  # fmt: skip
    post(wrong.replace(deribit["client_secret"].encode(), plant["falsecoding"].encode()),
         **{"Content-Encoding": "br", "Content-Type": "application/json"})  # fmt: skip
    post(f"grant_type=client_credentials&client%5Fsecret={plant['form']}".encode(),
         **{"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    multipart = f'--b\r\nContent-Disposition: form-data; name="client_secret"\r\n\r\n{plant["multipart"]}\r\n--b--\r\n'
    post(multipart.encode(), **{"Content-Type": "multipart/form-data; boundary=b"})
    post(
        rpc_call(
            "public/auth", {"clientSecret": plant["camel"], "data": f"refresh_token={plant['inastring']}"}
        ).encode()
    )
    post(rpc_call("private/get_positions", {}).encode(), Authorization=f"Weird {plant['scheme']}")
    post(b'{"note": "\xff", "client_secret": "' + plant["latin1"].encode() + b'"}')
    # A live token as a bare Authorization value: the upstream mock's 401 diagnosis once quoted it back.
    post(rpc_call("private/get_positions", {"currency": "BTC"}).encode(), Authorization=live)
    post(rpc_call("private/get_positions", {}).encode(), KALSHI_ACCESS_SIGNATURE=plant["underscored"])
    plant["swapped"] = base64.b64encode(secrets.token_bytes(256)).decode()  # a signature sent as the key id
    swapped = {
        "KALSHI-ACCESS-KEY": plant["swapped"],
        "KALSHI-ACCESS-SIGNATURE": "a-key-id",
        "KALSHI-ACCESS-TIMESTAMP": "1",
    }
    assert plain_http.get(f"{proxy.kalshi_url}/portfolio/positions", headers=swapped, timeout=10).status_code == 401
    headers = {"Signalplus-API-Signature": plant["signalplus"], "Authorization": f"Bearer {client_id}"}
    assert plain_http.post(f"{proxy.base_url}/api", json={"rid": 1, "method": "x"}, headers=headers).status_code

    with connect(proxy.deribit_ws_url, open_timeout=10) as ws:
        ws.send(rpc_call("public/auth", auth))
        socket_tokens = json.loads(ws.recv(10))["result"]
        ws.send(b'{"jsonrpc": "2.0", "id": 2, "x": "\xff", "params": {"refresh_token": "' + plant["wsbinary"].encode()
                + b'"}}')  # fmt: skip
        ws.recv(10)

    granted = {"live": live, "refresh": tokens["result"]["refresh_token"], "secret": deribit["client_secret"]}
    granted |= {"socket_access": socket_tokens["access_token"], "socket_refresh": socket_tokens["refresh_token"]}
    listed = plain_http.get(f"{proxy.base_url}/_admin/requests", timeout=10).content
    assert found_in(listed + tape_bytes(tape), plant | granted) == []
    assert b'"client_id": "' + client_id.encode() in tape.read_bytes(), "only secrets are redacted"
