"""What every command of the command line shares: an option it does not know is refused with that command's usage (not
the top-level one, which names no command's options), exit status 2."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from mockexchange.cli import CommandParser, build_parser

KALSHI_CHECK = ["--base-url", "http://127.0.0.1:9/trade-api/v2", "--key-id", "k", "--private-key", "key.pem"]
# Each command, with the arguments it requires, so that the unknown option is the only mistake.
REQUIRED = {
    "serve": [],
    "sign": ["GET", "/trade-api/v2/portfolio/positions", "--key-id", "k", "--private-key", "key.pem"],
    "proxy": ["--upstream", "https://demo-api.kalshi.co/trade-api/v2"],
    "tape-to-scenario": ["t.tape"],
    "contract slice": [],
    "contract slice-deribit": [],
    "contract drift": ["--spec", "openapi.yaml"],
    "contract check": KALSHI_CHECK,
    "contract check-websocket": KALSHI_CHECK,
    "contract check-deribit": ["--base-url", "http://127.0.0.1:9"],
    "contract slice-perps": ["--openapi", "perps_openapi.yaml", "--asyncapi", "perps_asyncapi.yaml"],
    "contract check-perps": KALSHI_CHECK,
    "contract fuzz-client": [],
    "contract clients": [],
}


def commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[str]:
    """Every command of the parser, as typed after `mockexchange` ("contract check"); `contract`'s are declared when
    asked for."""
    if isinstance(parser, CommandParser):
        parser.declared()
    subs = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    if not subs:
        return [" ".join(path)]
    return [found for name, sub in subs[0].choices.items() for found in commands(sub, (*path, name))]


def test_every_command_is_listed_here() -> None:
    assert sorted(commands(build_parser())) == sorted(REQUIRED)


@pytest.mark.parametrize("command", sorted(REQUIRED))
def test_an_unknown_option_shows_the_commands_usage(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args([*command.split(), "--bogus", *REQUIRED[command]])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: mockexchange {command} ")
    assert err.rstrip().endswith(f"mockexchange {command}: error: unrecognized arguments: --bogus")


def test_serve_bogus_from_the_shell() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mockexchange", "serve", "--bogus"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("usage: mockexchange serve ") and "--pss-salt" in done.stderr
    assert done.stderr.rstrip().endswith("mockexchange serve: error: unrecognized arguments: --bogus")
