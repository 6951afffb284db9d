"""What Kalshi's exchange is told from outside, on the control plane: a milestone, its live data, a structured
target, an incentive program, an announcement (each answered as its command's plain values, every field, its drawn id
in), and a city's weather index (answered by how many points and calibrations the city holds). The admin API, the
Python API and scenarios set them; a state file keeps the commands, so a restart keeps them. The venue's public
reads show them."""

from __future__ import annotations

from typing import Any

from mockexchange.control.answers import every_field
from mockexchange.core.kalshi.announcements import AnnouncementRecord
from mockexchange.core.kalshi.milestones import MilestoneRecord
from mockexchange.core.kalshi.structured_targets import TargetRecord


def milestone_json(record: MilestoneRecord) -> dict[str, Any]:
    return {**every_field(record.milestone), "last_updated_ts": record.last_updated.isoformat()}


def target_json(record: TargetRecord) -> dict[str, Any]:
    return {**every_field(record.target), "last_updated_ts": record.last_updated.isoformat()}


def announcement_json(record: AnnouncementRecord) -> dict[str, Any]:
    return {**every_field(record.announcement), "delivery_time": record.delivery_time.isoformat()}
