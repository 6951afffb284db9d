"""No credential is kept in the spellings the first attack did not try, over real HTTP and websockets: a Kalshi
signature sent as the key id in another encoding (unpadded, URL-safe, hex, beside the key id, cut in two) or as the
timestamp; a secret inside a value (a query parameter spelling a pair, JSON in a string of a command cut short, a
JSON-RPC method); Deribit's and SignalPlus's timestamps holding a credential, a client id that is the client secret (a
blank around it or not); through the proxy, multipart fields named in any of RFC 7578's ways, a form value spelling a
pair, gzip in gzip, a Content-Encoding in two lines, the signature in Kalshi's timestamp header, a secret as the client
id, an answer in a coding the proxy cannot read; and an older tape's signature as a key id, or secret as a client id, in
tape-to-scenario's output. Each is looked for, byte for byte, in the journal, the inspector's frames, the diagnoses, the
tape and the scenario. A query value holding a credential still matches its recording in a replay, and the proxy reads a
hostile form body in linear time."""

from __future__ import annotations

import base64
import gzip
import json
import time
import zlib
from pathlib import Path

import plain_http
from hostile_wire import KALSHI_WS, rpc, send
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from test_hostile_secrets import admin_reads, found_in, frames_shown, planted, proxied, rpc_call
from test_proxy import serving
from websockets.sync.client import connect

from mockexchange.cli import main
from mockexchange.proxy.runner import ProxyServer
from mockexchange.recording.reader import read_tape
from mockexchange.recording.records import encode_body
from mockexchange.recording.writer import TapeWriter
from mockexchange.registry import TAPE_VENUES
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner

__all__ = ["proxied"]  # the proxy and its tape, as the first attack's tests have them

POSITIONS = "/trade-api/v2/portfolio/positions"
SWAPPED = "KALSHI-ACCESS-KEY holds a signature, not a key id: are the headers swapped?"
WITHHELD = "<withheld: it looks like a credential>"


def test_a_kalshi_signature_spelt_otherwise_as_the_key_id_or_sent_as_the_timestamp_is_not_kept() -> None:
    with MockServer() as mock:
        mock.create_account("alice", balance_cents=100_000)
        key = mock.create_key("alice", key_type="ed25519")
        signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
        spellings = {
            "unpadded": lambda sig: sig.rstrip("="),
            "urlsafe": lambda sig: base64.urlsafe_b64encode(base64.b64decode(sig)).decode(),
            "hex": lambda sig: base64.b64decode(sig).hex(),
            "beside": lambda sig: f"{key['key_id']} {sig}",
            "cut": lambda sig: f"{sig[:60]} {sig[60:]}",
        }
        plant, said = {}, []
        for name, spelt in spellings.items():
            headers = signer.headers("GET", POSITIONS)
            sent = spelt(headers["KALSHI-ACCESS-SIGNATURE"])
            plant[name] = sent.split(" ")[-1] if name == "beside" else sent.split(" ")[0]
            answer = send(
                mock, "GET", POSITIONS, headers | {"KALSHI-ACCESS-KEY": sent, "KALSHI-ACCESS-SIGNATURE": key["key_id"]}
            )
            said.append(answer.headers["X-Mockexchange-Auth"])
        headers = signer.headers("GET", POSITIONS)  # the three headers rotated: the signature where the time goes
        plant["timestamp"] = headers["KALSHI-ACCESS-SIGNATURE"][:40]  # what the diagnosis quoted of it
        rotated = {
            "KALSHI-ACCESS-KEY": key["key_id"],
            "KALSHI-ACCESS-SIGNATURE": headers["KALSHI-ACCESS-TIMESTAMP"],
            "KALSHI-ACCESS-TIMESTAMP": headers["KALSHI-ACCESS-SIGNATURE"],
        }
        said.append(send(mock, "GET", POSITIONS, rotated).headers["X-Mockexchange-Auth"])
        kept = admin_reads(mock)
    assert found_in(kept + "\n".join(said).encode(), plant) == []
    assert said == [SWAPPED] * 5 + [f"timestamp {WITHHELD} is not an integer number of milliseconds"]


def test_a_credential_inside_a_value_or_where_the_time_goes_is_kept_and_quoted_nowhere() -> None:
    plant = {name: planted(name) for name in (
        "semicolon", "nextquery", "method", "deribitcut", "kalshicut", "hmacts", "grantts", "gatewayts",
    )}  # fmt: skip
    with MockServer() as mock:
        mock.create_account("alice", balance_cents=100_000)
        mock.create_deribit_account("bob", balances={"BTC": "2"})
        key = mock.create_key("alice", key_type="ed25519")
        signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
        deribit = mock.create_deribit_key("bob")
        client_id, secret = deribit["client_id"], deribit["client_secret"]
        # A parameter's value that spells a pair, as sent and percent-encoded; a JSON-RPC method holding one.
        auth = f"/api/v2/public/auth?grant_type=client_credentials&client_id={client_id};client_secret="
        said = [send(mock, "GET", auth + plant["semicolon"]).json()["error"]["mockexchange_diagnosis"]]
        # The client secret as the client id (the two swapped), in a query and on the websocket below.
        assert send(mock, "GET", f"{auth.split('&client_id')[0]}&client_id={secret}&client_secret={client_id}").status
        assert send(mock, "GET", f"{POSITIONS}?next=%2Fauth%3Fpassword%3D{plant['nextquery']}").status == 401
        said.append(rpc(mock, f"public/auth?client_secret={plant['method']}", {}).json()["error"]["code"])
        # The client's secret as its client id, a blank around it; credentials where a timestamp goes.
        grant = {"grant_type": "client_credentials", "client_id": f" {secret}", "client_secret": client_id}
        signed = {"grant_type": "client_signature", "client_id": client_id, "timestamp": plant["grantts"],
                  "signature": "00", "nonce": "n", "data": ""}  # fmt: skip
        hmac = {"Authorization": f"deri-hmac-sha256 id={client_id},ts={plant['hmacts']},sig=00,nonce=n"}
        said += [rpc(mock, "public/auth", grant), rpc(mock, "public/auth", signed)]
        said.append(rpc(mock, "private/get_positions", {"currency": "BTC"}, hmac))
        gateway = {"Authorization": f"Bearer {client_id}", "Signalplus-API-Signature": "c2ln",
                   "Signalplus-API-Nonce": "n", "Signalplus-API-Timestamp": plant["gatewayts"]}  # fmt: skip
        said.append(
            plain_http.post(
                f"{mock.base_url}/api", headers=gateway, json={"rid": 1, "method": "private/get_positions"}, timeout=10
            )
        )
        said = [*said[:2], *(answer.json()["error"]["mockexchange_diagnosis"] for answer in said[2:])]
        # Commands cut short (longer than the journal and the inspector keep), JSON in a string of each.
        assert plain_http.get(f"{mock.base_url}/_admin/connections", timeout=10).status_code == 200  # frames noted now
        pad = "x" * 9_000
        with connect(mock.deribit_ws_url, open_timeout=10) as ws:
            note = json.dumps({"refresh_token": plant["deribitcut"]})
            ws.send(rpc_call("public/test", {"note": note, "pad": pad}))
            ws.recv(10)
            ws.send(rpc_call("public/auth", grant | {"client_id": secret}, 2))
            assert "are the two swapped" in ws.recv(10)
            frames = frames_shown(mock, "deribit", 4)
        with connect(mock.kalshi_ws_url, open_timeout=10, additional_headers=signer.headers("GET", KALSHI_WS)) as ws:
            note = json.dumps([{"params": {"password": plant["kalshicut"]}}])
            ws.send(json.dumps({"id": 1, "cmd": "list_subscriptions", "params": {"note": note, "pad": pad}}))
            ws.recv(10)
            frames += frames_shown(mock, "kalshi", 2)
        kept = admin_reads(mock) + json.dumps([said, frames]).encode()
    assert found_in(kept, plant | {"secret": secret}) == []
    assert said[1:] == [
        -32601,
        "client_id holds a client_secret, not a client id: are the two swapped?",
        f"timestamp {WITHHELD} is not an integer number of milliseconds",
        f"ts {WITHHELD} is not an integer number of milliseconds",
        f"Signalplus-API-Timestamp {WITHHELD} is not an integer number of milliseconds",
    ]
    assert kept.count(b"[redacted]") >= 5


def test_no_planted_secret_in_these_spellings_reaches_the_proxys_journal_or_tape(proxied) -> None:
    mock, proxy, tape = proxied
    plant = {name: planted(name) for name in (
        "unquoted", "star", "single", "spaced", "headers", "lines", "formvalue", "gzipingzip", "twolines", "asclientid",
    )}  # fmt: skip
    fields = {  # a multipart form's field named in each way RFC 7578 (and lenient parsers) allow
        "unquoted": "name=client_secret",
        "star": "name*=utf-8''client_secret",
        "single": "name='client_secret'",
        "spaced": 'name = "client_secret"',
        "headers": 'name="client_secret"' + "".join(f"\r\nX-Part-{n}: {n}" for n in range(10)),
        "lines": 'name="client_secret"\r\n\r\nits first line',
    }

    def post(body: bytes, headers: dict[str, str] | list[tuple[str, str]]) -> None:
        assert plain_http.post(f"{proxy.base_url}/api/v2/public/auth", content=body, headers=headers, timeout=10)

    for name, field in fields.items():
        part = f"--b\r\nContent-Disposition: form-data; {field}\r\n\r\n{plant[name]}\r\n--b--\r\n"
        post(part.encode(), {"Content-Type": "multipart/form-data; boundary=b"})
    form = f"grant_type=client_credentials&next=%2Fauth%3Fclient_secret%3D{plant['formvalue']}"
    post(form.encode(), {"Content-Type": "application/x-www-form-urlencoded"})
    twice = gzip.compress(gzip.compress(rpc_call("public/auth", {"client_secret": plant["gzipingzip"]}).encode()))
    post(twice, {"Content-Encoding": "gzip", "Content-Type": "application/json"})  # one layer said, one not
    twice = zlib.compress(gzip.compress(rpc_call("public/auth", {"client_secret": plant["twolines"]}).encode()))
    post(twice, [("Content-Encoding", "gzip"), ("Content-Encoding", "deflate")])  # one list, in two lines
    swapped = rpc_call("public/auth", {"client_id": plant["asclientid"], "client_secret": "a-client-id"})  # swapped
    post(swapped.encode(), {"Content-Type": "application/json"})
    # Kalshi's signature as the key id, unpadded, and as the timestamp.
    plant["unpadded"] = base64.b64encode(b"\x01" * 64).decode().rstrip("=")
    plant["timestamp"] = base64.b64encode(b"\x02" * 64).decode()
    for swapped in (
        {"KALSHI-ACCESS-KEY": plant["unpadded"], "KALSHI-ACCESS-SIGNATURE": "a-key-id", "KALSHI-ACCESS-TIMESTAMP": "1"},
        {
            "KALSHI-ACCESS-KEY": "a-key-id",
            "KALSHI-ACCESS-SIGNATURE": "1",
            "KALSHI-ACCESS-TIMESTAMP": plant["timestamp"],
        },
    ):
        assert plain_http.get(f"{proxy.kalshi_url}/portfolio/positions", headers=swapped, timeout=10).status_code == 401
    listed = plain_http.get(f"{proxy.base_url}/_admin/requests", timeout=10).content
    assert found_in(listed + unpacked(tape), plant) == []
    assert tape.read_bytes().count(b"[redacted]") >= len(plant)


def unpacked(tape: Path) -> bytes:
    """The tape, and each body in it decoded from base64 and from every gzip or zlib layer it is packed in."""
    kept = [tape.read_bytes()]
    for record in read_tape(tape, TAPE_VENUES).records:
        for body in ((record.request or {}).get("body"), (record.response or {}).get("body"), record.data):
            data = base64.b64decode(body["base64"]) if isinstance(body, dict) and "base64" in body else b""
            while data:
                kept.append(data)
                try:
                    data = zlib.decompressobj(32 + zlib.MAX_WBITS).decompress(data)  # (either header)
                except zlib.error:
                    break
    return b"".join(kept)


def test_the_proxy_reads_a_form_body_of_many_names_on_one_line_in_linear_time(proxied) -> None:
    _, proxy, tape = proxied
    body = "form-data; client_secret: x; " + 'name="a" ' * 25_000  # a multipart field's name, again and again
    started = time.monotonic()
    answered = plain_http.post(f"{proxy.base_url}/api/v2/public/test", content=body.encode(), timeout=60)
    took = time.monotonic() - started
    assert answered.status_code == 413  # (the upstream mock's: over Deribit's bound)
    assert took < 2, took  # about 5 s before, as each name read the rest of the line again


def test_a_query_value_holding_a_credential_replays_as_it_was_recorded(tmp_path: Path) -> None:
    path = tmp_path / "t.tape"
    writer = TapeWriter(path, {"kalshi": "https://demo-api.kalshi.co/trade-api/v2"}, TAPE_VENUES)
    recorded = "next=%2Fauth%3Fpassword%3D%5Bredacted%5D"  # as the proxy keeps it
    request = {"method": "GET", "path": POSITIONS, "query": recorded, "headers": {}, "body": None}
    answer = {"status": 200, "headers": {}, "body": encode_body(b'{"market_positions": [], "cursor": ""}')}
    writer.write("http", "kalshi", "2026-11-24T10:00:00.000Z", request=request, response=answer, elapsed_ms=1.0)
    writer.close()
    with MockServer(replay=str(path)) as mock:
        live = plain_http.get(f"{mock.base_url}{POSITIONS}?next=%2Fauth%3Fpassword%3D{planted('live')}", timeout=10)
    assert (live.status_code, live.json()) == (200, {"market_positions": [], "cursor": ""})


def test_tape_to_scenario_keeps_no_credential_an_older_tape_holds_as_a_key_id_or_client_id(tmp_path: Path) -> None:
    signature = base64.b64encode(b"\x03" * 64).decode().rstrip("=")  # unpadded: an older proxy kept it
    secret = planted("swappedsecret")  # a Deribit client secret sent as the client id
    writer = TapeWriter(tmp_path / "t.tape", {"kalshi": "https://demo-api.kalshi.co/trade-api/v2"}, TAPE_VENUES)
    at = "2026-11-24T10:00:00.000Z"
    request = {"method": "GET", "path": "/portfolio/balance", "query": "", "headers": {"KALSHI-ACCESS-KEY": signature},
               "body": None}  # fmt: skip
    answer = {"status": 200, "headers": {}, "body": encode_body(b'{"balance": 500}')}
    writer.write("http", "kalshi", at, request=request, response=answer, elapsed_ms=1.0)
    for method, params, result in (
        ("public/auth", {"grant_type": "client_credentials", "client_id": secret}, {"access_token": "[redacted]"}),
        ("private/get_positions", {"currency": "BTC"}, []),
    ):
        call = encode_body(rpc_call(method, params).encode())
        request = {"method": "POST", "path": "/api/v2", "query": "", "headers": {}, "body": call}
        reply = encode_body(json.dumps({"jsonrpc": "2.0", "id": 1, "result": result}).encode())
        answer = {"status": 200, "headers": {}, "body": reply}
        writer.write("http", "deribit", at, request=request, response=answer, elapsed_ms=1.0)
    writer.close()
    out = tmp_path / "s.yaml"
    assert main(["tape-to-scenario", str(tmp_path / "t.tape"), "-o", str(out)]) == 0
    written = out.read_text()
    assert signature not in written and secret not in written
    assert "key_id: trader-key" in written and "client_id: trader-client" in written


def test_the_proxy_asks_the_upstream_for_no_coding_it_cannot_read(tmp_path: Path) -> None:
    """An answer in a coding the proxy cannot read (brotli: the tokens of a `public/auth` in it) would reach the tape
    as its bytes, unread: the proxy sends the client's Accept-Encoding on without such codings. The upstream here
    stands in base64 for brotli, which the test can undo."""
    token = planted("token")
    asked: list[str | None] = []

    async def auth(request: Request) -> Response:
        asked.append(request.headers.get("accept-encoding"))
        reply = json.dumps({"jsonrpc": "2.0", "id": 1, "result": {"access_token": token}}).encode()
        if "br" in (asked[-1] or ""):
            return Response(base64.b64encode(reply), headers={"Content-Encoding": "br"}, media_type="application/json")
        return Response(reply, media_type="application/json")

    tape = tmp_path / "t.tape"
    app = Starlette(routes=[Route("/api/v2", auth, methods=["POST"])])
    with serving(app) as base, ProxyServer(deribit_upstream=base, record=str(tape)) as proxy:
        for accepted in ("br", "gzip, br;q=1.0, zstd, *;q=0.1", "deflate"):
            headers = {"Accept-Encoding": accepted}
            assert plain_http.post(f"{proxy.base_url}/api/v2", content=b"{}", headers=headers).status_code == 200
    assert asked == ["identity", "gzip", "deflate"]
    answers = [record.response["body"] for record in read_tape(tape, TAPE_VENUES).records if record.response]
    assert [body["json"]["result"]["access_token"] for body in answers] == ["[redacted]"] * 3
    assert token.encode() not in tape.read_bytes()
