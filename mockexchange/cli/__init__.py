"""The command line: `mockexchange serve | sign | proxy | tape-to-scenario | contract ...` and `--version`
(`python -m mockexchange` too).

The top floor: it may import any part of the package. One module per command (`serve`, `sign`, `proxy`,
`tape-to-scenario`; the kit's `contract` commands register themselves), what `serve` prints in `banner`, a long load's
progress in `progress`, the option types the commands share in `arguments`.

Building the parser imports only what the options need (their defaults and choices): what a command runs is
imported when it runs (`serve`'s in `serving`), and the kit's `contract` commands are declared only when `contract` is
parsed, so `mockexchange sign` does not pay for the app, the server and httpx.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

from mockexchange.cli import proxy, serve, sign, tape_to_scenario
from mockexchange.contract import commands as contract
from mockexchange.core import dataclass_code
from mockexchange.version import __version__


class CommandParser(argparse.ArgumentParser):
    """A command's parser (`serve`, `contract check`, ...): an argument it does not know is refused with its own usage.
    argparse leaves it to the top-level parser, whose usage names no command's options.

    `declare`: what declares the parser's options and subcommands when it is first parsed or its help shown, for a
    command whose declaration imports much (`contract`) that no other command should pay for."""

    def __init__(
        self, *args: Any, declare: Callable[[argparse.ArgumentParser], None] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._declare = declare

    def declared(self) -> CommandParser:
        """This parser with its options and subcommands declared (for a caller that reads them without parsing)."""
        if self._declare is not None:
            declare, self._declare = self._declare, None
            declare(self)
        return self

    def format_usage(self) -> str:
        self.declared()
        return super().format_usage()

    def format_help(self) -> str:
        self.declared()
        return super().format_help()

    def parse_known_args(self, args: Iterable[str] | None = None, namespace: Any = None) -> tuple[Any, list[str]]:
        self.declared()
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockexchange", description="A faithful, stateful mock of exchange position APIs."
    )
    parser.add_argument("--version", action="version", version=f"mockexchange {__version__}")
    # Each command's parser, and the parsers of their own subcommands (`contract check`), are CommandParsers.
    sub = parser.add_subparsers(dest="command", required=True, parser_class=CommandParser)
    serve.add_command(sub)
    sign.add_command(sub)
    proxy.add_command(sub)
    tape_to_scenario.add_command(sub)
    sub.add_parser("contract", help=contract.HELP, declare=contract.add_commands)
    return parser


# A command's collector collects its first generation every 10,000 net allocations, not 700: a kit command's requests,
# answers and verdicts die young (`contract check`'s own process spent 0.22 s of its 1.2 collecting, 0.1 so). `serve`
# sets its own once it serves (server/serving.py); the collector is given back as it was when the command returns.
COMMAND_THRESHOLDS = (10_000, 10, 10)


def main(argv: list[str] | None = None) -> int:
    dataclass_code.install()  # what a command runs imports the rest of the package: its dataclasses' code kept
    args = build_parser().parse_args(argv)
    threshold = gc.get_threshold()
    gc.set_threshold(*COMMAND_THRESHOLDS)
    try:
        return args.func(args)
    except KeyboardInterrupt:  # Ctrl-C (before the server runs, or the proxy it stopped): no traceback
        return 130
    except BrokenPipeError:
        # The reader of stdout went away (`| head`): stop quietly, and keep Python's exit flush from failing again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    finally:
        gc.set_threshold(*threshold)
