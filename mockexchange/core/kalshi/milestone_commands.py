"""A milestone and its live data, declared once (core/commands.py): what Kalshi is told from outside of a real-world
occurrence (a game, a race) that its events are about. The admin API, the Python API, scenario steps and set-up
sections and the state file build these; the ledger's `milestones` part (milestones.py) keeps them.

A milestone names its events (`related_event_tickers`, and of those the ones its outcome decides,
`primary_event_tickers`), each an event the mock lists; its times are on the exchange clock. Set again under its id,
it is replaced whole; without an id, one is drawn. Its live data (the scoreboard: `details`, a free-form object, and
the play-by-play, `game_stats`) is set apart, as often as the game moves, and replaced whole each time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, NamedTuple

from mockexchange.core.commands import Command, value
from mockexchange.core.kalshi.market_values import TITLE, JsonObject
from mockexchange.core.money import shown
from mockexchange.core.values import FLAG, TEXT, Entries, IsoTime, Kind, Listed, Refused

MAX_MILESTONES = 10_000  # milestones the mock keeps (a new one beyond is refused)
MAX_EVENT_TICKERS = 100  # of a milestone's related (or primary) events
MAX_SOURCE_IDS = 32  # entries of a record's `source_ids`
MAX_PERIODS = 20  # periods of a game's play-by-play
MAX_PERIOD_EVENTS = 400  # plays of one period
MAX_RANGES = 32  # an event's live data chart ranges

EVENT_TICKERS = Listed(TEXT, MAX_EVENT_TICKERS, noun="event tickers")
# A milestone's, a structured target's details (a few hundred values); a scoreboard's and a player's stats (more)
DETAILS = JsonObject()
LIVE_DETAILS = JsonObject(nodes=4096, depth=6)
AT = IsoTime()


@dataclass(frozen=True, slots=True)
class SourceIds(Kind[dict[str, str]]):
    """Ids of a record at its sources (`{"sportradar": "sr:match:1"}`): an object of at most `MAX_SOURCE_IDS`
    strings, each key and value a non-empty text."""

    plain = dict[str, str]

    def read(self, value: Any, name: str) -> dict[str, str]:
        if not isinstance(value, dict) or len(value) > MAX_SOURCE_IDS:
            raise Refused(f"{name} must be an object of at most {MAX_SOURCE_IDS} source ids, not {shown(value)}")
        return {TEXT.read(key, f"{name} key"): TEXT.read(held, f"{name}.{key}") for key, held in value.items()}

    def schema(self) -> dict[str, Any]:
        return {"type": "object", "maxProperties": MAX_SOURCE_IDS, "additionalProperties": {"type": "string"}}


SOURCE_IDS = SourceIds()


class Period(NamedTuple):
    """One period of a game's play-by-play: its plays, each a free-form object."""

    events: tuple[dict[str, Any], ...]


PLAY_BY_PLAY = Entries(
    Period, {"events": Listed(DETAILS, MAX_PERIOD_EVENTS, noun="plays")}, MAX_PERIODS, "periods", least=0
)


@dataclass(frozen=True, slots=True)
class SetMilestone(Command):
    """The milestone `milestone_id` (drawn if not given; set again: replaced whole), of `category` (Sports,
    Elections, ...) and `type` (football_game, political_race, ...), starting at `start_date`."""

    name: ClassVar[str] = "set_milestone"
    category: str = value(TEXT)
    type: str = value(TEXT)
    start_date: datetime = value(AT)
    milestone_id: str | None = value(TEXT, None)
    title: str = value(TITLE, "")
    notification_message: str = value(TITLE, "")
    end_date: datetime | None = value(AT, None)
    related_event_tickers: tuple[str, ...] = value(EVENT_TICKERS, ())
    primary_event_tickers: tuple[str, ...] = value(EVENT_TICKERS, ())
    source_id: str | None = value(TEXT, None)
    source_ids: dict[str, str] | None = value(SOURCE_IDS, None)
    details: dict[str, Any] | None = value(DETAILS, None)

    def check(self) -> None:
        if self.end_date is not None and self.end_date < self.start_date:
            raise Refused("end_date must not be before start_date")

    @property
    def event_tickers(self) -> tuple[str, ...]:
        """Every event it names, related or primary, each once."""
        return tuple(dict.fromkeys(self.related_event_tickers + self.primary_event_tickers))


@dataclass(frozen=True, slots=True)
class SetLiveData(Command):
    """The live data of the milestone `milestone_id`, replacing what it had: its scoreboard (`details`, free-form;
    `type`, the milestone's unless given), a player's stats shown on request (`player_stats`), the play-by-play
    (`game_stats`; none: the game has none), and what an event's read shows of it (`is_historical`,
    `default_range`, `range_options`)."""

    name: ClassVar[str] = "set_live_data"
    milestone_id: str = value(TEXT)
    details: dict[str, Any] | None = value(LIVE_DETAILS, None)
    type: str | None = value(TEXT, None)
    player_stats: dict[str, Any] | None = value(LIVE_DETAILS, None)
    game_stats: tuple[Period, ...] | None = value(PLAY_BY_PLAY, None)
    is_historical: bool | None = value(FLAG, None)
    default_range: str | None = value(TEXT, None)
    range_options: tuple[str, ...] = value(Listed(TEXT, MAX_RANGES, noun="ranges"), ())
