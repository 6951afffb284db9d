"""What `mockexchange serve` prints before it serves: each registered venue's section (its registration's `banner`,
admin/<venue>/banner.py: where a client finds it, that it trades, every websocket channel it serves, its keys, what was
loaded, counted in words: `1 market`, `2 markets`), the admin API, and the demo's snippet that calls a venue. A
replay's banner (`serve --replay`) is about the tape instead: what it holds for each venue, where it answers, and what
it does not do; the keys and the snippet of what is loaded beneath it would mislead.

The URLs and key paths are the ones a client can use, which need not be the mock's own view of them: in a container
`--advertise-url` and `--advertise-key-dir` give the host's (the published port, the mounted volume); otherwise the
URL is the bound address (loopback for a wildcard such as 0.0.0.0) and the paths are the files written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockexchange.admin.banners import counted
from mockexchange.app import MockApp
from mockexchange.registry import VENUES, Venue
from mockexchange.replay.reel import Reel
from mockexchange.scenario.generator import Portfolio
from mockexchange.scenario.model import Scenario
from mockexchange.server.addresses import ws_url

__all__ = ["Advertised", "counted", "demo", "replay", "restored", "scenario"]


@dataclass(frozen=True, slots=True)
class Advertised:
    """Where clients reach the mock and find its keys."""

    base_url: str  # http(s)://HOST:PORT
    key_dir: Path  # where the keys are written
    shown_key_dir: str | None = None  # the same folder as clients see it, if they do not see `key_dir`
    signalplus_prefix: str = "/api"  # Settings.signalplus_prefix

    @property
    def websocket_url(self) -> str:
        """ws(s)://HOST:PORT"""
        return ws_url(self.base_url)

    def key_path(self, written: str | Path) -> str:
        path = Path(written).resolve()
        if self.shown_key_dir is None:
            return str(path)
        try:
            inside = path.relative_to(self.key_dir.resolve())
        except ValueError:
            return str(path)
        return f"{self.shown_key_dir.rstrip('/')}/{inside.as_posix()}"


def demo(
    where: Advertised,
    profile: str,
    seed: int,
    portfolio: Portfolio,
    made: Mapping[str, Any],
    venues: Sequence[Venue] = VENUES,
) -> list[str]:
    """The demo's banner: each venue's section, from what the demo `made` of it (by its name: what its registration's
    `demo_keys` answered), then the admin API and each venue's snippet."""
    what = f"profile {profile}, seed {seed}"
    shown = [(venue.banner, made.get(venue.name)) for venue in venues if venue.banner is not None]
    snippets = [part.snippet(where, held) for part, held in shown if part.snippet is not None]
    return [
        *(line for part, held in shown for line in part.demo(where, what, portfolio, held)),
        _admin(where),
        *(line for text in snippets for line in ("", text)),
    ]


def _admin(where: Advertised) -> str:
    return f"mockexchange: admin API: {where.base_url}/_admin/...; inspector: {where.base_url}/_inspector"


def scenario(
    where: Advertised,
    profile: str,
    name: str,
    loaded: dict[str, Any],
    read: Scenario,
    timeline: str,
    venues: Sequence[Venue] = VENUES,
) -> list[str]:
    """A served scenario's banner, from its load result (`Scenarios.load`) and the scenario `read`."""
    what = f"profile {profile}, {name}"
    steps = counted(loaded["steps_total"], "step")
    return [
        *(line for venue in venues if venue.banner for line in venue.banner.scenario(where, what, loaded, read)),
        f"mockexchange: timeline: {steps}, {timeline}; exchange time {loaded['exchange_time']} (manual clock: "
        "POST /_admin/clock)",
        f"  admin API: {where.base_url}/_admin/... (GET /_admin/scenario for the timeline)",
        f"  inspector: {where.base_url}/_inspector (step, play and pause the timeline there)",
    ]


def restored(where: Advertised, mock: MockApp, scenario: str | None, venues: Sequence[Venue] = VENUES) -> list[str]:
    """A mock restored from its state file: what the file held (said in the first venue's section), and each venue's
    section."""
    assert mock.persistence is not None
    status = mock.persistence.status()
    said = [
        f"  state restored from {status['path']}: {counted(status['commands'], 'command')} "
        f"({status['restored_commands']:,} run again) in {status['restore_seconds']:.2f}s"
    ]
    if scenario is not None:
        said.append(
            f"  --scenario {scenario} not loaded again: the state file holds what it made (a new file loads it)"
        )
    what = f"profile {mock.settings.profile}"
    lines = []
    for venue in venues:
        if venue.banner is not None:
            lines += venue.banner.restored(where, what, mock, said)
            said = []
    return [*lines, _admin(where)]


def replay(where: Advertised, reel: Reel, beneath: str, venues: Sequence[Venue] = VENUES) -> list[str]:
    """A replay's banner: the tape, what it holds for each venue and where that is answered, and what `beneath` (the
    demo portfolio, a scenario, a restored state) still serves: the admin API and the inspector only."""
    recorded = ", ".join(reel.upstreams.values()) or "no upstream named"
    lines = [f"mockexchange: replaying {reel.source} (recorded from {recorded})"]
    for venue in venues:
        if venue.banner is None:
            continue
        held = reel.counts(venue.name)
        lines.append(
            f"  {venue.title} API {venue.banner.url(where)} (websocket {venue.banner.websocket(where)}): "
            f"{counted(held['exchanges'], 'HTTP exchange')} of {counted(held['requests'], 'request')}, "
            f"{counted(held['websockets'], 'websocket')}"
        )
    return [
        *lines,
        "  the venues answer from the tape only, a request's recorded answers in order (the last repeating); a request "
        "not on it is a 404 naming the nearest recorded one",
        "  nothing is signed, checked, charged or changed: any key is answered as the tape was (docs/replay.md)",
        f"mockexchange: admin API: {where.base_url}/_admin/... (GET /_admin/requests: what was replayed; POST "
        f"/_admin/reset: the tape from its start); inspector: {where.base_url}/_inspector",
        f"  beneath the replay, {beneath}, seen over the admin API only",
    ]
