"""The Dockerfile, checked without a docker engine: its entrypoint is a valid `serve` command line, its environment
names the options the CLI reads, its key volume belongs to a fixed user, and its HEALTHCHECK command passes against a
serving mock and fails against none."""

from __future__ import annotations

import json
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

from mockexchange.cli import build_parser
from mockexchange.cli.serve import ADVERTISE_KEY_DIR_ENV, ADVERTISE_URL_ENV, ALLOWED_HOSTS_ENV
from mockexchange.server import MockServer

DOCKERFILE = Path(__file__).resolve().parent.parent / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, its arguments) in order, continuation lines joined, comments left out."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, rest = line.strip().partition(" ")
            found.append((name.upper(), rest.strip()))
    return found


def only(name: str) -> str:
    [arguments] = [rest for instruction, rest in instructions() if instruction == name]
    return arguments


def environment() -> dict[str, str]:
    found: dict[str, str] = {}
    for instruction, rest in instructions():
        if instruction == "ENV":
            found.update(part.split("=", 1) for part in shlex.split(rest))
    return found


def test_the_entrypoint_is_a_serve_command_line_for_a_container():
    entrypoint = json.loads(only("ENTRYPOINT"))
    assert entrypoint[:2] == ["mockexchange", "serve"]
    args = build_parser().parse_args(entrypoint[1:])
    assert (args.host, args.port, args.admin_open, args.key_dir) == ("0.0.0.0", 8000, True, "/keys")
    assert args.scenario_dir == ["/scenarios"], "scenario files mounted there load over the admin API"
    assert "8000" in only("EXPOSE").split()


def test_the_environment_sets_what_the_banner_advertises_to_the_host():
    env = environment()
    assert env[ADVERTISE_URL_ENV] == "http://localhost:8000" and env[ADVERTISE_KEY_DIR_ENV] == "./keys"
    # docs/docker.md's compose service calls the admin API by this name (loopback names and IPs need nothing).
    assert env[ALLOWED_HOSTS_ENV] == "mockexchange"
    assert "MOCKEXCHANGE_CONTRACTS" not in env, "the schema slices are package data"
    assert not any(i == "COPY" and "contracts" in rest for i, rest in instructions())


def test_the_key_volume_belongs_to_a_fixed_user():
    run = only("RUN")
    assert "groupadd --gid 1000 mock" in run and "useradd --uid 1000 --gid mock" in run
    assert "chown mock:mock /keys" in run and only("VOLUME") == "/keys" and only("USER") == "mock"
    order = [instruction for instruction, _ in instructions()]
    assert order.index("RUN") < order.index("VOLUME"), "changes to a volume after VOLUME are discarded"


def healthcheck(port: int) -> subprocess.CompletedProcess:
    options, _, command = only("HEALTHCHECK").partition("CMD ")
    assert "--start-period=" in options and "--timeout=" in options
    argv = json.loads(command)
    assert argv[0] == "python" and "/_admin/health" in argv[-1] and "127.0.0.1:8000" in argv[-1]
    argv = [sys.executable, *argv[1:-1], argv[-1].replace("127.0.0.1:8000", f"127.0.0.1:{port}")]
    return subprocess.run(argv, capture_output=True, text=True, timeout=30)


def test_the_healthcheck_passes_on_a_serving_mock_and_fails_on_none():
    with MockServer() as mock:
        assert healthcheck(mock.port).returncode == 0
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    assert healthcheck(port).returncode != 0
