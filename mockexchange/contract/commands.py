"""`mockexchange contract ...`: each subcommand lives with the code it runs and registers itself here."""

from __future__ import annotations

import argparse


def add_contract_parser(sub: argparse._SubParsersAction) -> None:
    from mockexchange.contract import check, drift, fuzz_client, slicing, ws_check
    from mockexchange.contract.clients import matrix
    from mockexchange.contract.deribit import check as deribit_check
    from mockexchange.contract.deribit import slicing as deribit_slicing

    parser = sub.add_parser("contract", help="schema slices, drift reports and contract suites")
    commands = parser.add_subparsers(dest="contract_command", required=True)
    for module in (slicing, deribit_slicing, drift, check, ws_check, deribit_check, fuzz_client, matrix):
        module.add_command(commands)
