"""What a command of the command line imports: building the parser imports only what the options need, and a command's
heavy imports (the app, the server, the proxy, the admin API, httpx) happen when that command runs, so that
`mockexchange sign`, run several times in a row by a shell walk-through, starts in a fraction of a second."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mockexchange.auth.kalshi.keys import generate_private_key, private_key_pem
from mockexchange.cli import CommandParser, build_parser

# What serving a mock or a proxy takes; no command but `serve`, `proxy` and the kit's `contract` ones needs them.
SERVING = (
    "mockexchange.app",
    "mockexchange.server",
    "mockexchange.admin.routes",
    "mockexchange.proxy.app",
    "mockexchange.control.operations",
    "mockexchange.scenario.runner",
    "mockexchange.venues.kalshi.profiles",
    "mockexchange.cli.serving",
    "starlette",
    "uvicorn",
)


def imported_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running `code` (a child process: this one has imported them all)."""
    script = textwrap.dedent(code) + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_building_the_parser_imports_no_command_s_run() -> None:
    modules = imported_after("from mockexchange.cli import build_parser\nbuild_parser()")
    assert sorted(modules.intersection((*SERVING, "httpx", "mockexchange.contract.kalshi.check"))) == []


def test_sign_imports_no_server(tmp_path: Path) -> None:
    pem = tmp_path / "key.pem"
    pem.write_text(private_key_pem(generate_private_key("rsa")))
    arguments = ["sign", "GET", "/trade-api/v2/portfolio/balance", "--key-id", "k", "--private-key", str(pem)]
    modules = imported_after(f"from mockexchange.cli import main\nassert main({arguments!r}) == 0")
    assert sorted(modules.intersection(SERVING)) == []


@pytest.mark.parametrize("command", ["contract", "contract check"])
def test_the_kit_s_commands_are_declared_when_their_help_is_asked(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args([*command.split(), "--help"])
    assert stopped.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith(f"usage: mockexchange {command} ")
    assert ("check-websocket" in shown) if command == "contract" else ("--private-key" in shown)


def test_a_declared_parser_lists_the_kit_s_commands() -> None:
    contract = build_parser()._subparsers._group_actions[0].choices["contract"]  # type: ignore[union-attr]
    assert isinstance(contract, CommandParser)
    # each venue's, in the registry's order, then the client matrix's
    listed = (
        "{slice,drift,check,check-websocket,fuzz-client,slice-deribit,check-deribit,slice-perps,check-perps,clients}"
    )
    assert listed in contract.format_help()
