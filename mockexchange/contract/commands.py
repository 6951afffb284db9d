"""`mockexchange contract ...`: the kit's subcommands, each living with the code it runs. Each registered venue with a
kit (mockexchange/registry/'s `VENUES`, a registration's `kit`) has its kit package named by it,
`mockexchange.contract.<venue>`, whose `commands()` are its subcommands; the client matrix's (`clients`) is every
venue's.

Their modules (httpx, the schemas, the client matrix's app and server) are imported by `add_commands`, which the
command line calls when `contract` is the command parsed (or its help asked), not for every command it builds.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Iterable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mockexchange.control.registration import Venue

HELP = "schema slices, drift reports and contract suites"


def add_commands(parser: argparse.ArgumentParser, venues: Sequence[Venue] | None = None) -> None:
    """Declare the kit's subcommands (`slice`, `drift`, `check`, ...) on `contract`'s parser: those of each venue
    (the registry's unless given), in the registry's order, then the client matrix's."""
    from mockexchange.contract.clients import matrix
    from mockexchange.registry import VENUES

    commands = parser.add_subparsers(dest="contract_command", required=True)
    for module in (*venue_commands(VENUES if venues is None else venues), matrix):
        module.add_command(commands)


def venue_commands(venues: Iterable[Venue]) -> list[ModuleType]:
    """The subcommands of each venue registered with a kit, from its kit package. A venue whose kit has no package
    (or one without `commands`) is a mistake of its registration: LookupError, naming the package it lacks."""
    found: list[ModuleType] = []
    for venue in venues:
        if venue.kit is None:
            continue
        name = f"{__package__}.{venue.name}"
        try:
            package = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise  # the package is there; something it imports is not
            package = None
        declared = getattr(package, "commands", None)
        if not callable(declared):
            raise LookupError(f"{venue.title} is registered with a kit, but no package {name} declares its commands")
        found += declared()
    return found
