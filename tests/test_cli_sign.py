"""`mockexchange sign`: the headers it prints, and the curl command, are accepted by a running mock; the query string
is sent but not signed; a body (`--data JSON`, `--data @FILE`) rides in the curl command with its Content-Type; a bad
key, path or body is one line and exit status 2. `KalshiSigner.from_pem_file` takes a `str` or any path object."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import plain_http
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from mockexchange.cli import main
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner

SIGN = [sys.executable, "-m", "mockexchange", "sign"]
POSITIONS = "/trade-api/v2/portfolio/positions"


@pytest.fixture
def signed_user(mockexchange: MockServer, tmp_path: Path) -> tuple[str, Path]:
    mockexchange.create_account("alice", balance_cents=100_000)
    mockexchange.fill("alice", "KXFED-26DEC-T4.00", "yes", "buy", "10", "0.56")
    key = mockexchange.create_key("alice")
    pem = tmp_path / "alice.pem"
    pem.write_text(key["private_key_pem"])
    return key["key_id"], pem


def sign(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([*SIGN, *arguments], capture_output=True, text=True, timeout=60)


def headers_of(stdout: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in stdout.splitlines())


@pytest.mark.slow
def test_the_printed_headers_sign_a_request_the_mock_accepts(mockexchange, signed_user):
    key_id, pem = signed_user
    done = sign("get", POSITIONS, "--key-id", key_id, "--private-key", str(pem))
    assert done.returncode == 0 and done.stderr == ""
    headers = headers_of(done.stdout)
    assert list(headers) == ["KALSHI-ACCESS-KEY", "KALSHI-ACCESS-TIMESTAMP", "KALSHI-ACCESS-SIGNATURE"]
    assert headers["KALSHI-ACCESS-KEY"] == key_id and re.fullmatch(r"\d{13}", headers["KALSHI-ACCESS-TIMESTAMP"])
    r = plain_http.get(mockexchange.base_url + POSITIONS, headers=headers)
    assert r.status_code == 200, r.headers.get("X-Mockexchange-Auth")
    assert r.json()["market_positions"][0]["position_fp"] == "10.00"


@pytest.mark.slow
def test_a_query_is_not_signed(mockexchange, signed_user):
    key_id, pem = signed_user
    done = sign("GET", f"{POSITIONS}?limit=1", "--key-id", key_id, "--private-key", str(pem))
    r = plain_http.get(f"{mockexchange.base_url}{POSITIONS}?limit=1", headers=headers_of(done.stdout))
    assert r.status_code == 200, r.headers.get("X-Mockexchange-Auth")


def test_the_curl_command_calls_the_mock(mockexchange, signed_user):
    key_id, pem = signed_user
    done = sign(
        "GET", f"{POSITIONS}?limit=5", "--key-id", key_id, "--private-key", str(pem),
        "--curl", "--base-url", mockexchange.base_url,
    )  # fmt: skip
    assert done.returncode == 0
    command = shlex.split(done.stdout)
    assert command[:4] == ["curl", "-sS", "-X", "GET"] and command[-1] == f"{mockexchange.base_url}{POSITIONS}?limit=5"
    if shutil.which("curl") is None:  # the command's parts, sent with httpx instead
        headers = headers_of("\n".join(command[i + 1] for i, part in enumerate(command) if part == "-H"))
        body = plain_http.get(command[-1], headers=headers).json()
    else:
        ran = subprocess.run([*command, "--fail-with-body"], capture_output=True, text=True, timeout=30)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        body = json.loads(ran.stdout)
    assert body["market_positions"][0]["ticker"] == "KXFED-26DEC-T4.00"


ORDERS = "/trade-api/v2/portfolio/events/orders"
ORDER = {"ticker": "KXFED-26DEC-T4.00", "side": "bid", "count": "3", "price": "0.30", "client_order_id": "sign-1",
         "time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross"}  # fmt: skip


@pytest.mark.parametrize("given", ["text", "file"])
def test_the_curl_command_sends_the_body_with_its_content_type(mockexchange, signed_user, tmp_path, capsys, given):
    key_id, pem = signed_user
    mockexchange.create_market(ORDER["ticker"])
    (tmp_path / "order.json").write_text(json.dumps(ORDER, indent=2) + "\n")
    data = json.dumps(ORDER) if given == "text" else f"@{tmp_path / 'order.json'}"
    argv = ["sign", "POST", ORDERS, "--key-id", key_id, "--private-key", str(pem), "--data", data]
    assert main([*argv, "--curl", "--base-url", mockexchange.base_url]) == 0
    command = shlex.split(capsys.readouterr().out)
    assert "Content-Type: application/json" in command and json.loads(command[command.index("--data-raw") + 1]) == ORDER
    assert shutil.which("curl"), "the printed command is run with curl"
    ran = subprocess.run([*command, "-w", "\n%{http_code}"], capture_output=True, text=True, timeout=30)
    body, status = ran.stdout.rsplit("\n", 1)
    assert status == "201", ran.stdout + ran.stderr
    assert (json.loads(body)["client_order_id"], json.loads(body)["remaining_count"]) == ("sign-1", "3.00")


def test_the_headers_of_a_request_with_a_body_name_its_content_type(mockexchange, signed_user, capsys):
    key_id, pem = signed_user
    mockexchange.create_market(ORDER["ticker"])
    assert main(["sign", "POST", ORDERS, "--key-id", key_id, "--private-key", str(pem), "--data", "{}"]) == 0
    headers = headers_of(capsys.readouterr().out)
    assert list(headers)[3:] == ["Content-Type"] and headers["Content-Type"] == "application/json"
    r = plain_http.post(mockexchange.base_url + ORDERS, headers=headers, content=json.dumps(ORDER))
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ("{'ticker': 1}", "--data is not JSON (unexpected character"),
        ("[" * 100 + "]" * 100, "--data is not JSON (nested deeper than 64 levels"),
        ("@DIR/missing.json", "cannot read the --data file DIR/missing.json: No such file or directory"),
        ("@DIR/latin1.json", "the --data file DIR/latin1.json is not UTF-8 text"),
    ],
)
def test_a_body_that_is_no_json_is_one_line_and_exit_2(tmp_path, capsys, data, why):
    pem = tmp_path / "key.pem"
    pem.write_bytes(pem_of(RSA_KEY))
    (tmp_path / "latin1.json").write_bytes('{"title": "caf\xe9"}'.encode("latin-1"))
    argv = ["sign", "POST", ORDERS, "--key-id", "k", "--private-key", str(pem), "--curl", "--data"]
    assert main([*argv, data.replace("DIR", str(tmp_path))]) == 2
    out, err = capsys.readouterr()
    expected = f"mockexchange sign: {why.replace('DIR', str(tmp_path))}"
    assert (out, err.count("\n"), err[: len(expected)]) == ("", 1, expected), err


class PemPath:
    """A path object of the caller's own (`os.PathLike`), neither a str nor a pathlib.Path."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __fspath__(self) -> str:
        return str(self.path)


@pytest.mark.parametrize("kind", [str, Path, PemPath])
def test_the_signer_reads_a_pem_file_named_by_a_str_or_any_path(mockexchange, signed_user, kind):
    key_id, pem = signed_user
    signer = KalshiSigner.from_pem_file(key_id, kind(pem))
    r = plain_http.get(mockexchange.base_url + POSITIONS, headers=signer.headers("GET", POSITIONS))
    assert r.status_code == 200, r.headers.get("X-Mockexchange-Auth")
    with pytest.raises(ValueError, match=f"^cannot read the private key {pem}.gone: No such file or directory$"):
        KalshiSigner.from_pem_file(key_id, kind(Path(f"{pem}.gone")))


@pytest.mark.slow
def test_the_readmes_sign_command_works(mockexchange, signed_user, tmp_path):
    key_id, pem = signed_user
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    [shown] = [b for b in re.findall(r"```sh\n(.*?)```", readme, re.S) if b.startswith("mockexchange sign")]
    argv = shlex.split(shown.replace("\\\n", " "))
    argv = [
        {"00000000-0000-4000-8000-000000000007": key_id, ".mockexchange/demo-key.pem": str(pem)}.get(a, a)
        for a in argv[2:]
    ]
    done = sign(*(a.replace("http://127.0.0.1:8000", mockexchange.base_url) for a in argv))
    assert done.returncode == 0, done.stderr
    command = shlex.split(done.stdout)
    headers = headers_of("\n".join(command[i + 1] for i, part in enumerate(command) if part == "-H"))
    assert plain_http.get(command[-1], headers=headers).status_code == 200


@pytest.mark.slow
def test_a_path_without_the_api_prefix_gets_a_note(signed_user):
    key_id, pem = signed_user
    done = sign("GET", "/portfolio/positions", "--key-id", key_id, "--private-key", str(pem))
    assert done.returncode == 0 and "Kalshi signs the full path, /trade-api/v2 included" in done.stderr


def assert_refused(done: subprocess.CompletedProcess, says: str) -> None:
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("mockexchange sign: ") and says in done.stderr
    assert "Traceback" not in done.stderr


def pem_of(key, encryption=None) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption or serialization.NoEncryption()
    )


RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
# What a user may give as --private-key, and the reason the refusal gives.
BAD_PEMS = {
    "text": (b"hello\n", "no '-----BEGIN PRIVATE KEY-----' line: the text is not PEM"),
    "public key": (
        RSA_KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        "it holds a PUBLIC KEY",
    ),
    "damaged": (
        b"-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
        "its PRIVATE KEY block does not decode: damaged, or cut short",
    ),
    "cut short": (pem_of(RSA_KEY)[:400], "its PRIVATE KEY block does not decode: damaged, or cut short"),
    "encrypted": (
        pem_of(RSA_KEY, serialization.BestAvailableEncryption(b"secret")),
        "it is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN.pem)",
    ),
    "EC": (pem_of(ec.generate_private_key(ec.SECP256R1())), "it holds an EC key; Kalshi's keys are RSA or Ed25519"),
}


@pytest.mark.parametrize("case", list(BAD_PEMS))
def test_a_bad_pem_is_one_line_naming_the_file_and_why(case, tmp_path, capsys):
    data, why = BAD_PEMS[case]
    bad = tmp_path / "bad.pem"
    bad.write_bytes(data)
    assert main(["sign", "GET", POSITIONS, "--key-id", "k", "--private-key", str(bad)]) == 2
    out, err = capsys.readouterr()
    expected = f"mockexchange sign: {bad} is not an unencrypted RSA or Ed25519 private key in PEM ({why})\n"
    assert (out, err) == ("", expected)


@pytest.mark.slow
def test_a_bad_pem_from_the_shell_is_one_line_and_exit_2(tmp_path):
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("hello\n")
    assert_refused(
        sign("GET", POSITIONS, "--key-id", "k", "--private-key", str(not_pem)),
        f"{not_pem} is not an unencrypted RSA or Ed25519 private key in PEM (no '-----BEGIN PRIVATE KEY-----' line",
    )
    assert_refused(
        sign("GET", POSITIONS, "--key-id", "k", "--private-key", str(tmp_path / "missing.pem")),
        f"cannot read the private key {tmp_path / 'missing.pem'}: No such file or directory",
    )


def test_the_signer_says_why_a_pem_is_refused():
    with pytest.raises(ValueError) as refused:
        KalshiSigner.from_pem("k", "garbage")
    message = "not an unencrypted RSA or Ed25519 private key in PEM (no '-----BEGIN PRIVATE KEY-----' line: the text "
    assert str(refused.value) == message + "is not PEM)"


@pytest.mark.slow
def test_a_relative_path_or_a_bad_method_is_one_line_and_exit_2(signed_user):
    key_id, pem = signed_user
    assert_refused(sign("GET", "portfolio/positions", "--key-id", key_id, "--private-key", str(pem)), "PATH is")
    assert_refused(sign("G T", POSITIONS, "--key-id", key_id, "--private-key", str(pem)), "METHOD is")


def shell_blocks(doc: str) -> list[str]:
    """The ```sh blocks of a doc under the repository's root, indented ones (in a list item) dedented."""
    text = (Path(__file__).resolve().parent.parent / doc).read_text()
    return [textwrap.dedent(body) for _, body in re.findall(r"^( *)```sh\n(.*?)^\1```", text, re.M | re.S)]


def run_shell(script: str, mock: MockServer, cwd: Path) -> subprocess.CompletedProcess:
    """The script in bash against `mock` (for localhost:8000), with this environment's `mockexchange` and python3."""
    assert shutil.which("curl"), "the docs' shell blocks call curl"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    script = script.replace("localhost:8000", f"127.0.0.1:{mock.port}")
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script], cwd=cwd, capture_output=True, text=True, env=env, timeout=120
    )


def test_the_readmes_admin_curls_print_a_line_each_and_its_saved_pem_signs(mockexchange, tmp_path):
    [setup] = [b for b in shell_blocks("README.md") if "/_admin/keys" in b]
    [signing] = [b for b in shell_blocks("README.md") if "--private-key alice.pem" in b]
    done = run_shell(setup + signing, mockexchange, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    *answers, positions = done.stdout.split("\n")  # the keys answer went to alice-key.json
    assert len(answers) == 3, done.stdout  # reset, accounts, fills: a line each
    _, account, fill = map(json.loads, answers)
    assert account["user_id"] == "alice" and "fill_id" in fill
    assert json.loads(positions)["market_positions"][0]["position_fp"] == "10.00"
    assert (tmp_path / "alice.pem").read_text().startswith("-----BEGIN RSA PRIVATE KEY-----")


def test_the_admin_docs_key_saving_gives_a_pem_sign_uses(mockexchange, tmp_path):
    mockexchange.create_account("alice", balance_cents=4_200)
    [block] = [b for b in shell_blocks("docs/admin-api.md") if "alice.pem" in b]
    done = run_shell(block, mockexchange, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    ran = run_shell(done.stdout, mockexchange, tmp_path)  # the curl command sign printed
    assert ran.returncode == 0 and json.loads(ran.stdout)["balance"] == 4_200, ran.stdout + ran.stderr
