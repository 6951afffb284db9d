"""What one venue contributes to a mock: its registration (`Venue`), and what every mock gives each venue (`MockParts`).

A registration names each of the venue's pieces, whatever floor it stands on: its state and the handlers of its typed
commands (core), its table of control-plane operations (control), its scenario steps, the admin API's paths of its
operations, how it serves (its context, routes and websocket channels; venues), its rate-limit budgets, the
inspector's panel of it and its section of `serve`'s banner (admin), its part of a state file's snapshot, what the
contract kit checks of it and how the proxy forwards to it (`Proxied`). The registrations themselves are made above
all of those (mockexchange/registry/), and the parts that take them (the control plane, the scenario reader, the admin
API, the inspector, build_app, the kit, the proxy and the replay) iterate them, so a venue is a package and one
registration line. This module holds only the shape: it imports no venue.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockexchange.core.clock import Clock
from mockexchange.core.commands import Command, Handlers
from mockexchange.core.connections import LiveConnections
from mockexchange.core.events import EventBus
from mockexchange.core.faults import Channels, FaultRules
from mockexchange.core.ids import IdFactory
from mockexchange.core.rate_limits import RateLimits
from mockexchange.core.token_bucket import Budget
from mockexchange.settings import Settings


@dataclass(slots=True)
class MockParts:
    """What every venue of one mock shares: its settings, the exchange clock and the wall clock, the bus its changes
    go on, the id generator, the rate limits, the fault rules and the open connections; `journal` is the request
    journal once the app has one (None for a control plane alone), `served` what each venue serves once made."""

    settings: Settings
    clock: Clock
    wall_clock: Clock
    bus: EventBus
    ids: IdFactory
    rate_limits: RateLimits
    faults: FaultRules = field(default_factory=FaultRules)
    connections: LiveConnections = field(default_factory=LiveConnections)
    journal: Any = None
    # What each venue serves, by its name, as the app makes them in the order registered: a venue may stand on one
    # registered before it (the perps venue signs with Kalshi's venue's keys and window).
    served: dict[str, VenueServed] = field(default_factory=dict)


@dataclass(slots=True)
class VenueServed:
    """What a venue serves once the app has made it: its context (the venue's own object, which the inspector's panel
    reads through), its routes (REST and websocket), and which requests are its own (`owns`: the name the journal
    gives a request of it, None for another's; a venue answering under several names, as Deribit's SignalPlus gateway,
    says which), and how the journal judges a request of it (`judge`). A fault rule's status is answered by `refuse`
    (the ASGI scope and receive, the status, the diagnosis, the name `owns` gave) in the venue's error shape; `faulted`
    marks a request a fault rule took before the venue saw it (the journal's note of it)."""

    context: Any
    routes: list[Any]
    owns: Callable[[Any], str | None]
    refuse: Callable[[Any, Any, int, str, str], Awaitable[Any]]
    faulted: Callable[[Any], None] = lambda scope: None
    # The journal's judge of a request of it that its routes left no note on, when the entry is first read
    # (journal/judging.py's `Judge`: Kalshi's REST requests against its slice); None: its routes note every request.
    judge: Callable[[Any], Any] | None = None
    # The header its requests name their key in (Kalshi's `KALSHI-ACCESS-KEY`), which the journal keeps of a request
    # (its `key_id`); None: its routes' notes name the key.
    key_header: bytes | None = None


@dataclass(frozen=True, slots=True)
class Snapshotting:
    """How a venue's state goes into a state file's snapshot (state/snapshot.py): `keep(control, seal)` answers what
    to pickle (plain values and the mock's state classes; `seal` seals a secret), taken under the venue's own lock;
    `restore(control, kept, unseal)` reads it back and answers what puts it in place, changing nothing itself (a
    secret that does not open raises first; `unseal(sealed, whose)` answers None for one a lost key sealed)."""

    keep: Callable[[Any, Callable[[str], str]], Any]
    restore: Callable[[Any, Any, Callable[[str, str], str | None]], Callable[[], None]]
    # Whose secrets it seals, as a state file's messages name one ("Deribit API key"); "": it seals none.
    sealed: str = ""


@dataclass(frozen=True, slots=True)
class KeptRecords:
    """What a state file keeps of a venue beside its commands and snapshot, record by record as it changes (Deribit's
    tokens, each by its digest: never a secret in plain text), in its rows of the file's `tokens` table: `kinds`, the
    kinds of record it keeps (the rows of them are its); `watch(control, keep)` has the venue tell `keep(kind, key,
    record)` each change (record None: that one forgotten; kind "clear": all of them); `restore(control, kind, key,
    record)` takes one back once the commands ran (ValueError, TypeError, KeyError or AttributeError: one it cannot
    read, set aside). `changes` and `held` name them in warnings ("Deribit token changes", "Deribit tokens")."""

    kinds: tuple[str, ...]
    watch: Callable[[Any, Callable[[str, str, dict[str, Any] | None], None]], None]
    restore: Callable[[Any, str, str, dict[str, Any]], None]
    changes: str
    held: str
    # A record's key as a state file of format 2 (or 1) kept it, as kept now, when the file is upgraded on opening
    # (Deribit's tokens were kept in clear: each becomes its digest); None: kept as it was.
    upgraded: Callable[[str], str] | None = None


@dataclass(frozen=True, slots=True)
class ScenarioKeys:
    """How a scenario's set-up makes a venue's keys of one set-up kind (scenario/kalshi/keys.py, deribit/keys.py):
    `answer`, the field of a load's answer listing them ("keys", "deribit_keys"); `make(session, op, n)`, the key of
    the set-up's `op`, its user's `n`th of the kind (the scenario runner's session, its key folder if any);
    `writes(op)`, whether loading it into a key folder writes a file there."""

    answer: str
    make: Callable[[Any, Any, int], dict[str, Any]]
    writes: Callable[[Any], bool]


@dataclass(frozen=True, slots=True)
class TapeSeen:
    """What a venue's tape reader saw of the scenario's user (`mockexchange tape-to-scenario`, scenario/from_tape.py):
    whether it `read` the account (its positions or balance), the last time it did (`at`, "" if never);
    `opening()`, its part of the scenario (its set-up sections) and the steps making the state it observed, which the
    scenario holds when it read the account (or when no venue did, the first registered venue's, an empty account);
    and `later(after)`, what the tape saw happen to the account after `after` as steps, each with its time. Its notes
    (what it read differently, what a scenario cannot carry) go on the list its reader is given."""

    read: bool
    at: str
    opening: Callable[[], tuple[dict[str, Any], list[dict[str, Any]]]]
    later: Callable[[str], list[tuple[str, dict[str, Any]]]]


# A venue's reader of a tape: what its records (the tape's) saw of a user (the scenario's user id), its notes said on
# the list given.
TapeReader = Callable[[Sequence[Any], str, list[str]], TapeSeen]


@dataclass(frozen=True, slots=True)
class ScenarioSetup:
    """What a scenario file's set-up says of a venue: the top-level sections it reads (`sections`), how (`read`: the
    scenario reader, scenario/schema.py's `Reader`, and the document's top fields; answers the set-up's operations in
    the order they run), and the control-plane operation of each set-up kind it makes no command of when read."""

    sections: tuple[str, ...]
    read: Callable[[Any, Mapping[str, Any]], list[Any]]
    operations: Mapping[str, str]
    # How each set-up kind of its keys is made as the set-up runs (with what a client configures: a private key).
    keys: Mapping[str, ScenarioKeys] = field(default_factory=dict)
    # Its reader of a tape (`mockexchange tape-to-scenario`; scenario/<venue>/from_tape.py); None: a scenario made
    # from a tape holds none of it.
    from_tape: TapeReader | None = None


@dataclass(frozen=True, slots=True)
class Kit:
    """What the contract kit checks of a venue: the committed slices of its published schemas (files under
    mockexchange/schema/, package data), the operations it serves (each operationId or JSON-RPC method, from its
    route table) and those of them that change state (the kit sends them only when named)."""

    slices: tuple[str, ...]
    operations: tuple[str, ...]
    writes: frozenset[str]


@dataclass(frozen=True, slots=True)
class Proxied:
    """How the proxy (proxy/) forwards to a venue's upstream and a replay of its tape (replay/) answers for it, the
    upstream and the tape naming it by the venue's `name`: the paths its clients call (`serves`; a path no venue
    serves goes to the first registered venue's upstream); the key a request names (`key_id(headers, exchange)`;
    exchange None: a websocket's upgrade); how an exchange is judged against its published schema (`judge`, given
    venues/proxied.py's `Exchange`; `frames()`, one judge per websocket connection, given a frame's direction and the
    frame as read); and the venue's own error body of what the proxy or a replay answers itself (`refuse(status, why,
    request_id, now_us, testnet)` -> the status and body; `refuse_frame(request_id, why, now_us, testnet)` -> a
    websocket error frame). `json_rpc`: its requests carry an `id` that such an answer repeats; `live_host`: its live
    server's host (an answer the proxy makes of another upstream says it is a test server); `ignored`: the fields of
    its requests a replay's match leaves out wherever they are (replay/matching.py's `Matcher`: what its clients make
    afresh each run, or who asks)."""

    serves: Callable[[str], bool]
    key_id: Callable[[list[tuple[bytes, bytes]], Any], str | None]
    judge: Callable[[Any], Any]
    frames: Callable[[], Callable[[str, Any, str], Any]]
    refuse: Callable[[int, str, Any, int, bool], tuple[int, dict[str, Any]]]
    refuse_frame: Callable[[Any, str, int, bool], dict[str, Any]]
    json_rpc: bool = False
    live_host: str | None = None
    ignored: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Banner:
    """What `mockexchange serve` prints of a venue (cli/banner.py puts the venues' sections together), each given
    where clients reach the mock (`where`: cli/banner.py's `Advertised`, its base and websocket URLs and a key file's
    path as clients see it) and, for a section, what serves it (`what`: the profile, and the demo's seed or the
    scenario). `url` and `websocket`: where its API and its websocket answer (a replay's banner names them);
    `demo(where, what, portfolio, made)`: its section of the demo's (`made`: what the demo made of it);
    `scenario(where, what, loaded, read)`: a scenario's, from the load's answer and the scenario read ([]: the
    scenario holds none of it); `restored(where, what, mock, said)`: a mock restored from its state file's (`said`:
    the file's own lines, which the first venue's section carries); `snippet(where, made)`: the demo's snippet of a
    client calling it, if it gives one."""

    url: Callable[[Any], str]
    websocket: Callable[[Any], str]
    demo: Callable[[Any, str, Any, Any], list[str]]
    scenario: Callable[[Any, str, Mapping[str, Any], Any], list[str]]
    restored: Callable[[Any, str, Any, Sequence[str]], list[str]]
    snippet: Callable[[Any, Any], str] | None = None


@dataclass(frozen=True, slots=True)
class Venue:
    """One venue's registration. Only `name`, `title` and `state` are required: a venue may contribute no routes (a
    control plane alone), no steps or no panel."""

    name: str  # its name in the mock's words: a fault rule's `venue`, its rate limits' key, its part of an answer
    title: str  # as a message names it ("Kalshi")
    # Its state on the mock's shared parts, by the names the control plane shows them (`control.ledger`).
    state: Callable[[MockParts], Mapping[str, Any]]
    # Its typed commands' handlers (and draws), registered on the control plane's `Handlers` over its state.
    handlers: Callable[[Handlers, Any], None] = lambda handlers, control: None
    # Its state as a fresh mock's (the mock's reset), and what falls due when the exchange clock moves.
    reset: Callable[[Any], None] = lambda control: None
    on_clock: Callable[[Any], None] = lambda control: None
    # What a command it ran scheduled for the instant it ran (None: nothing can be), made before the command answers.
    made_now: Callable[[Any], None] | None = None
    # What a new mock holds, made by commands (a new state file keeps them first; a restarted one has them already).
    fresh: Callable[[Any], None] = lambda control: None
    # The run's settings that are no state, given after a state file's commands ran (the control plane, the settings).
    configure: Callable[[Any, Settings], None] = lambda control, settings: None
    # Its control-plane operations: a class whose attributes are `operation(...)` lines and plain reads taking the
    # control plane first; `Control` binds them as its own methods (a namespace, never a base class).
    operations: type | None = None
    # The admin API's paths of its operations: `POST /_admin/<path>` -> operation name; `GET /_admin/<path>` -> read.
    admin: Mapping[str, str] = field(default_factory=dict)
    admin_reads: Mapping[str, str] = field(default_factory=dict)
    # The reads the inspector shows among the mock's controls (its live feed's `control` topic): name -> read.
    inspected: Mapping[str, str] = field(default_factory=dict)
    # Its scenario steps: a step's kind -> what makes its command of the step's fields; `step_specs`: a step's fields
    # where they are not all its command's (scenario/scalars.py's `command_specs`).
    steps: Mapping[str, Callable[..., Command]] = field(default_factory=dict)
    step_specs: Mapping[str, Any] = field(default_factory=dict)
    # Its scenario set-up sections (scenario/<venue>/setup.py).
    setup: ScenarioSetup | None = None
    # The typed commands its clients may run through its routes, and the core's error it words in its own shape.
    commands: frozenset[type[Command]] = frozenset()
    refusal: type[Exception] = ValueError
    # How it serves, given the control plane (with its state) and the app's parts: its context and routes.
    serve: Callable[[Any, MockParts], VenueServed] | None = None
    # Its rate-limit buckets under a tier (core/rate_limits.py), by bucket name.
    budgets: Callable[[str], dict[str, Budget]] | None = None
    # The inspector's panel of it (admin/panels.py's `Panel`), made from what it serves.
    panel: Callable[[Any], Any] | None = None
    # What the contract kit checks of it (its commands are contract/<name>/'s).
    kit: Kit | None = None
    # Its state in a state file's snapshot; None: a state file holding it takes no snapshot (a restart runs every
    # command again).
    snapshot: Snapshotting | None = None
    # Its websocket channels a channel fault rule may delay (core/faults.py's `Channels`); None: it has none.
    channels: Channels | None = None
    # What a state file keeps of it record by record beside its commands and snapshot (Deribit's tokens); None: nothing.
    kept_records: KeptRecords | None = None
    # The other names the journal gives its requests (what its `serve`'s `owns` may answer beside `name`: Deribit's
    # SignalPlus gateway, "signalplus"), which a read of the journal may filter by.
    dialects: tuple[str, ...] = ()
    # Given, once a state file keeps the commands, the hold under which no command runs (`StateRecorder.holding`): what
    # the venue runs between commands takes it (Kalshi's transitions a read finds due).
    kept_between: Callable[[Any, Callable[[], AbstractContextManager[object]]], None] = lambda control, holding: None
    # How the proxy forwards to it, records it and a replay of its tape answers for it; None: it is not proxied.
    proxied: Proxied | None = None
    # Its requests name their operation in their body, not in their path (a JSON-RPC method: Deribit's), so the
    # journal's one line of a request (`JournalEntry.describe`) names it after the path.
    operation_in_body: bool = False
    # Its section of `mockexchange serve`'s banner (admin/<venue>/banner.py); None: the banner says nothing of it.
    banner: Banner | None = None
    # The demo's keys of it (`serve` without a scenario, scenario/<venue>/demo_keys.py): given the key folder, it reads
    # what is kept there (refusing a broken file before the load) and answers what makes them once the demo portfolio
    # is loaded (the control plane, the portfolio, the seed), answering what its `banner.demo` takes.
    demo_keys: Callable[[Path], Callable[[Any, Any, int], Any]] | None = None
