"""An exchange-wide announcement, declared once (core/commands.py): what Kalshi tells every user of the exchange (a
maintenance ahead, a rule change), told to the mock from outside. The admin API, the Python API, scenario steps and
set-up sections and the state file build it; the ledger's `announcements` part (announcements.py) keeps it, and the
legacy profile's `GET /exchange/announcements` lists it once its delivery time is reached. Set again under its id, it
is replaced whole (an announcement withdrawn is set again `inactive`); without an id, one is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from mockexchange.core.commands import Command, value
from mockexchange.core.values import TEXT, Choice, IsoTime, Text

MAX_ANNOUNCEMENTS = 1_000  # announcements the mock keeps (a new one beyond is refused)
MAX_MESSAGE = 4_096  # characters of an announcement's message
TYPES = ("info", "warning", "error")  # Kalshi's Announcement.type
STATUSES = ("active", "inactive")  # Kalshi's Announcement.status


@dataclass(frozen=True, slots=True)
class SetAnnouncement(Command):
    """The announcement `announcement_id` (drawn if not given; set again: replaced whole): its `type` (info, warning,
    error), its `message`, when it is delivered (`delivery_time` on the exchange clock; not given: now, or when it was
    delivered if it is set again) and its `status` (active, inactive)."""

    name: ClassVar[str] = "set_announcement"
    message: str = value(Text(MAX_MESSAGE))
    type: str = value(Choice(TYPES), "info")
    status: str = value(Choice(STATUSES), "active")
    delivery_time: datetime | None = value(IsoTime(), None)
    announcement_id: str | None = value(TEXT, None)
