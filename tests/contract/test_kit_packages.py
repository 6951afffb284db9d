"""The kit's commands come from the registry: each venue registered with a kit has its kit package, named by it
(`mockexchange.contract.<venue>`), which declares its subcommands; `contract` lists them venue by venue, then the
client matrix's. A venue registered with a kit but no such package is refused, naming what it lacks."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import pytest

from mockexchange.contract.commands import add_commands
from mockexchange.control.registration import Kit, Venue
from mockexchange.registry import VENUES

NO_KIT = Venue(name="bell", title="Bell", state=lambda parts: {})
WITH_KIT = Venue(name="bell", title="Bell", state=lambda parts: {}, kit=Kit((), (), frozenset()))


def declared(venues: Sequence[Venue] | None = None) -> list[str]:
    parser = argparse.ArgumentParser()
    add_commands(parser, venues)
    [subcommands] = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    return list(subcommands.choices)


def test_each_registered_venue_s_kit_declares_its_commands_then_the_matrix_s() -> None:
    kalshi = ["slice", "drift", "check", "check-websocket", "fuzz-client"]
    assert declared() == [*kalshi, "slice-deribit", "check-deribit", "slice-perps", "check-perps", "clients"]
    assert declared([venue for venue in VENUES if venue.name == "deribit"]) == [
        "slice-deribit",
        "check-deribit",
        "clients",
    ]


def test_a_venue_without_a_kit_adds_no_command() -> None:
    assert declared([NO_KIT]) == ["clients"]


def test_a_venue_registered_with_a_kit_and_no_kit_package_is_refused() -> None:
    with pytest.raises(
        LookupError, match=r"Bell is registered with a kit, but no package mockexchange\.contract\.bell"
    ):
        declared([*VENUES, WITH_KIT])
