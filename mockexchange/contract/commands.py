"""`mockexchange contract ...`: each subcommand lives with the code it runs and registers itself here.

Their modules (httpx, the schemas, the client matrix's app and server) are imported by `add_commands`, which the
command line calls when `contract` is the command parsed (or its help asked), not for every command it builds.
"""

from __future__ import annotations

import argparse

HELP = "schema slices, drift reports and contract suites"


def add_commands(parser: argparse.ArgumentParser) -> None:
    """Declare the kit's subcommands (`slice`, `drift`, `check`, ...) on `contract`'s parser."""
    from mockexchange.contract.clients import matrix
    from mockexchange.contract.deribit import check as deribit_check
    from mockexchange.contract.deribit import slicing as deribit_slicing
    from mockexchange.contract.kalshi import check, drift, fuzz_client, slicing, ws_check

    commands = parser.add_subparsers(dest="contract_command", required=True)
    for module in (slicing, deribit_slicing, drift, check, ws_check, deribit_check, fuzz_client, matrix):
        module.add_command(commands)
