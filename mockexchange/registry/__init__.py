"""The venues a mock serves, one registration each (control/registration.py's `Venue`): build_app, the control plane,
the admin API, the scenario reader, the inspector and the contract kit iterate them. A new venue is its packages (core/,
auth/, venues/, control/, ... each a subpackage named by it) and one line here.

Stands above every floor a registration names a piece of (core up to admin/) and below app.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mockexchange.admin.panels import Panel
from mockexchange.control import Control
from mockexchange.control.registration import MockParts, Proxied, TapeReader, Venue
from mockexchange.core.clock import Clock, SystemClock
from mockexchange.core.connections import LiveConnections
from mockexchange.core.events import EventBus
from mockexchange.core.faults import FaultRules, FaultVenues
from mockexchange.core.ids import IdFactory
from mockexchange.core.rate_limits import RateLimits
from mockexchange.registry import deribit, kalshi, perps
from mockexchange.scenario.grammar import ScenarioGrammar
from mockexchange.settings import Settings

VENUES: tuple[Venue, ...] = (
    kalshi.VENUE,
    deribit.VENUE,
    perps.VENUE,  # (after Kalshi's: it signs with Kalshi's keys, its cash is Kalshi's margined instance's)
)
# What a scenario file may hold: each venue's set-up sections and steps, and the mock's own (scenario/grammar.py)
GRAMMAR = ScenarioGrammar.of(VENUES)


def panels(venues: Sequence[Venue]) -> tuple[type[Panel], ...]:
    """Each venue's inspector panel (a proxy's page loads their scripts too)."""
    return tuple(venue.panel for venue in venues if isinstance(venue.panel, type))


def proxied(venues: Sequence[Venue]) -> dict[str, Proxied]:
    """Each venue the proxy forwards to, by its name (its upstream's and a tape's), in the order registered."""
    return {venue.name: venue.proxied for venue in venues if venue.proxied is not None}


def tape_readers(venues: Sequence[Venue]) -> tuple[TapeReader, ...]:
    """Each venue's reader of a tape (its `setup.from_tape`), in the order registered: what `tape-to-scenario` makes
    a scenario of (scenario/from_tape.py is given them: it stands below the registry)."""
    return tuple(venue.setup.from_tape for venue in venues if venue.setup is not None and venue.setup.from_tape)


PANELS = panels(VENUES)
# The venues a tape may hold records of (recording/ is given them: it stands below the registry)
TAPE_VENUES = tuple(proxied(VENUES))
TAPE_READERS = tape_readers(VENUES)

__all__ = [
    "PANELS", "GRAMMAR", "TAPE_READERS", "TAPE_VENUES", "VENUES", "Venue", "control_plane", "journal_names",
    "journal_venues", "mock_parts", "panels", "proxied", "tape_readers",
]  # fmt: skip


def journal_names(venues: Sequence[Venue]) -> dict[str, Venue]:
    """Each name the journal gives a venue's requests (its `name` and its `dialects`), in the order registered, and
    the venue it is of."""
    return {name: venue for venue in venues for name in (venue.name, *venue.dialects)}


def journal_venues(venues: Sequence[Venue]) -> dict[str, Any]:
    """What a `Journal` takes of the venues: the names a read may filter by, and those whose requests name their
    operation in their body (the journal's line names it after the path)."""
    names = journal_names(venues)
    return {"venues": tuple(names), "operation_in_body": [name for name, v in names.items() if v.operation_in_body]}


def mock_parts(
    settings: Settings, venues: Sequence[Venue], clock: Clock | None, wall_clock: Clock, seed: int | None
) -> MockParts:
    """What the venues of one mock share: the exchange clock (the system clock unless given), the wall clock, one bus,
    the ids from `seed`, the rate limits under the settings' tier, each venue's budgets its registration's, and the
    fault rules and open connections, which name the venues (and their channels) as the registrations do."""
    tables = {venue.name: venue.budgets for venue in venues if venue.budgets is not None}
    # Rate limits refill on the wall clock: a test's ManualClock refills them when it moves. ValueError: unknown tier.
    limits = RateLimits(wall_clock, settings.rate_limit_tier, tables=tables)
    named = FaultVenues.of(venues)
    return MockParts(
        settings, clock or SystemClock(), wall_clock, EventBus(), IdFactory(seed), limits,
        faults=FaultRules(named), connections=LiveConnections(named),
    )  # fmt: skip


def control_plane(
    clock: Clock | None = None, *, settings: Settings | None = None, venues: Sequence[Venue] = VENUES
) -> Control:
    """The venues' state and operations alone, without HTTP: what a fresh mock holds (Deribit's default instruments),
    on `clock` (the system clock unless given)."""
    control = Control(venues, mock_parts(settings or Settings(), venues, clock, SystemClock(), None))
    for venue in venues:
        venue.fresh(control)
    return control
