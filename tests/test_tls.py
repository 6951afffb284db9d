"""TLS (https and wss): a mock given a certificate serves every venue's REST and websocket over it, to a client that
trusts the certificate; `serve --tls-self-signed` makes one; a client that does not trust it is refused; a plain
request to the TLS port gets no answer it could take for one; mistakes are one line."""

from __future__ import annotations

import asyncio
import gc
import json
import socket
import ssl
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import websockets
from cryptography import x509
from serve_process import serving

from mockexchange.server import MockServer
from mockexchange.server.tls import CERT_FILE, KEY_FILE, client_context, self_signed
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

WS_PATH = "/trade-api/ws/v2"


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("tls"))


def test_a_mock_serves_every_venue_over_https_and_wss_to_a_client_that_trusts_it(pair):
    cert, key = pair
    with MockServer(tls_certfile=str(cert), tls_keyfile=str(key)) as mock:
        assert mock.base_url == f"https://127.0.0.1:{mock.port}"
        assert mock.kalshi_ws_url.startswith("wss://") and mock.deribit_ws_url.startswith("wss://")
        mock.create_account("alice", balance_cents=12_345)
        made = mock.create_key("alice")
        signer = KalshiSigner.from_pem(made["key_id"], made["private_key_pem"])
        trusted = client_context(cert)
        with httpx.Client(base_url=mock.kalshi_url, auth=KalshiAuth(signer), verify=trusted) as client:
            assert client.get("/portfolio/balance").json()["balance"] == 12_345
        test = {"jsonrpc": "2.0", "id": 1, "method": "public/test"}
        assert httpx.post(f"{mock.deribit_url}/api/v2", json=test, verify=trusted).json()["result"]

        async def both_websockets() -> None:
            async with websockets.connect(mock.deribit_ws_url, ssl=trusted) as ws:
                await ws.send(json.dumps(test))
                assert json.loads(await ws.recv())["result"] == {"version": "1.2.26"}
            headers = signer.headers("GET", WS_PATH)
            async with websockets.connect(mock.kalshi_ws_url, ssl=trusted, additional_headers=headers) as ws:
                await ws.send(json.dumps({"id": 1, "cmd": "list_subscriptions"}))
                answer = json.loads(await ws.recv())
                assert (answer["type"], answer["id"], answer["msg"]) == ("ok", 1, [])

        asyncio.run(both_websockets())
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{mock.base_url}/_admin/health")  # (the default trust: not this certificate)
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(f"http://127.0.0.1:{mock.port}/_admin/health")  # plain http to the TLS port: no answer
        strict = client_context(cert)
        strict.verify_flags |= ssl.VERIFY_X509_STRICT  # (as Python 3.13's default context checks a certificate)
        assert httpx.get(f"{mock.base_url}/_admin/health", verify=strict).json()["status"] == "ok"


def test_garbage_or_silence_on_the_tls_port_is_closed_and_stalls_no_other_client(pair, caplog):
    cert, key = pair
    with MockServer(tls_certfile=str(cert), tls_keyfile=str(key), header_timeout_s=1) as mock:
        address = ("127.0.0.1", mock.port)
        with (
            socket.create_connection(address, timeout=30) as silent,
            socket.create_connection(address, timeout=10) as garbage,
        ):
            garbage.sendall(b"\x16\x03\x01\x00\x05hello" + bytes(range(256)))  # a record of a handshake it is not
            assert garbage.recv(100) == b""  # closed: no answer, no traceback
            answer = httpx.get(f"{mock.base_url}/_admin/health", verify=client_context(cert))
            assert answer.json()["status"] == "ok"
            assert silent.recv(100) == b""  # no handshake within the header timeout: closed (not asyncio's 60 s)
    gc.collect()  # (a failed handshake's outcome, had nothing taken it, is logged when collected)
    assert not [record for record in caplog.records if record.name == "asyncio"]


def test_connections_in_their_tls_handshake_count_towards_the_connection_cap(pair):
    cert, key = pair
    trusted = client_context(cert)
    with MockServer(tls_certfile=str(cert), tls_keyfile=str(key), max_connections=2) as mock:
        address = ("127.0.0.1", mock.port)
        with socket.create_connection(address) as first, socket.create_connection(address):
            with pytest.raises(OSError), socket.create_connection(address, timeout=10) as third:
                trusted.wrap_socket(third, server_hostname="localhost")  # closed before its handshake
            first.close()
            # one client after another, each in the place the last one left
            assert all(_served_once_a_place_is_free(mock.base_url, trusted) for _ in range(4))


def _served_once_a_place_is_free(base_url: str, trusted: ssl.SSLContext) -> bool:
    """A client is served once the mock has seen a connection close (each try waits on the mock's answer; the
    deadline only bounds a mock that never frees the place)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            return httpx.get(f"{base_url}/_admin/health", verify=trusted).json()["status"] == "ok"
        except (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError):
            continue
    return False


def test_the_certificate_names_loopback_and_is_kept_once_made(tmp_path):
    cert, key = self_signed(tmp_path)
    assert (cert.name, key.name) == (CERT_FILE, KEY_FILE) and key.stat().st_mode & 0o777 == 0o600
    made = cert.read_bytes()
    assert self_signed(tmp_path) == (cert, key) and cert.read_bytes() == made  # (a restart keeps what clients trust)
    later = datetime.now(UTC) + timedelta(days=826)  # past its end: made again
    assert self_signed(tmp_path, now=later) == (cert, key) and cert.read_bytes() != made
    key.chmod(0o644)
    cert.write_text("not a certificate")  # made again, and the key's mode with it
    self_signed(tmp_path)
    assert ssl._ssl._test_decode_cert(str(cert)) and key.stat().st_mode & 0o777 == 0o600  # type: ignore[attr-defined]
    names = ssl._ssl._test_decode_cert(str(cert))["subjectAltName"]  # type: ignore[attr-defined]
    assert names == (("DNS", "localhost"), ("IP Address", "127.0.0.1"), ("IP Address", "0:0:0:0:0:0:0:1"))
    made = cert.read_bytes()
    key.unlink()  # a key gone: both made again (a certificate without its key serves nothing)
    assert self_signed(tmp_path) == (cert, key) and key.is_file() and cert.read_bytes() != made
    now = datetime(2030, 1, 2, tzinfo=UTC)
    self_signed(tmp_path / "then", now=now)
    issued = x509.load_pem_x509_certificate((tmp_path / "then" / CERT_FILE).read_bytes())
    assert issued.not_valid_before_utc == now - timedelta(minutes=5)  # (a client whose clock is a little behind)
    # What RFC 5280 asks of a certificate that is its own authority. Strict verifiers (Python 3.13's default context
    # turns OpenSSL's strict mode on) check parts of it, more or fewer by their version: the file itself is read.
    extensions = {extension.oid: extension for extension in issued.extensions}
    basic, usage = issued.extensions.get_extension_for_class(x509.BasicConstraints), extensions[x509.KeyUsage.oid]
    assert basic.critical and basic.value.ca and usage.critical and usage.value.key_cert_sign
    assert usage.value.digital_signature and {x509.SubjectKeyIdentifier.oid, x509.AuthorityKeyIdentifier.oid} <= set(
        extensions
    )


def test_settings_name_a_certificate_and_its_key_together(pair, tmp_path):
    cert, key = pair
    with pytest.raises(ValueError, match="go together"):
        MockServer(tls_certfile=str(cert))
    with pytest.raises(ValueError, match="no such file"):
        MockServer(tls_certfile=str(tmp_path / "none.pem"), tls_keyfile=str(key))
    other = self_signed(tmp_path / "other")[1]
    with pytest.raises(ValueError, match="not a certificate and its key"):
        MockServer(tls_certfile=str(cert), tls_keyfile=str(other))  # a key of another certificate


@pytest.mark.slow
def test_serve_tls_self_signed_makes_the_certificate_and_serves_https(tmp_path):
    folder = tmp_path / "tls"
    with serving(tmp_path / "keys", "--tls-self-signed", str(folder), "--log-level", "warning") as served:
        cert = folder / CERT_FILE
        assert f"https://127.0.0.1:{served.port}/trade-api/v2" in served.banner
        assert f"TLS: https and wss with the certificate {cert} (trust it: SSL_CERT_FILE={cert}" in served.banner
        health = httpx.get(f"https://localhost:{served.port}/_admin/health", verify=client_context(cert))
        assert health.json()["status"] == "ok"
