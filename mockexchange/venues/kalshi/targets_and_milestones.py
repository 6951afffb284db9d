"""GET /milestones and /milestones/{milestone_id}, and GET /structured_targets and /structured_targets/{id}: what the
exchange was told of real-world occurrences and entities (the control plane sets them: core/kalshi/milestones.py,
structured_targets.py), public.

Milestones are listed by start, then id (keyset cursors); the filters are each the milestone's own field
(`category`, `type`, `source_id` or one of its `source_ids`, `related_event_ticker` among its events, related or
primary), `competition` its details' `competition`, `minimum_start_date` its start at or after it, `min_updated_ts`
its last change after that second. Structured targets are paged in id order; `ids` picks them, `type` is theirs,
`competition` their details' league, conference, division or tour, or an entry of its `leagues`. A cursor that is not
one the mock issued for these filters starts from the first page, as Kalshi's market data reads do.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mockexchange.core.clock import unix_us
from mockexchange.core.kalshi.milestones import MilestoneRecord
from mockexchange.core.kalshi.structured_targets import TargetRecord
from mockexchange.core.values import Integer
from mockexchange.venues.kalshi import cursors
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import not_found, param_error
from mockexchange.venues.kalshi.live_data_render import milestone, structured_target
from mockexchange.venues.kalshi.params import CURSOR, INT64, GoTime, Param, parse_query

GET_MILESTONE, GET_MILESTONES = "GetMilestone", "GetMilestones"
GET_STRUCTURED_TARGET, GET_STRUCTURED_TARGETS = "GetStructuredTarget", "GetStructuredTargets"
COMPETITION = Param("competition", "Competition")
TYPE = Param("type", "Type")
MILESTONES_PARAMS = [
    Param("limit", "Limit", Integer(1, 500), required=True, range_tags=("min", "max")),
    Param("minimum_start_date", "MinimumStartDate", GoTime()), Param("category", "Category"), COMPETITION,
    Param("source_id", "SourceId"), TYPE, Param("related_event_ticker", "RelatedEventTicker"), CURSOR,
    Param("min_updated_ts", "MinUpdatedTs", INT64),
]  # fmt: skip
TARGETS_PARAMS = [TYPE, COMPETITION, Param("page_size", "PageSize", Integer(1, 2000), 100, range_tags=("min", "max")),
                  CURSOR]  # fmt: skip
MAX_IDS = 2000  # a targets read's `ids`
TARGET_COMPETITION = ("league", "conference", "division", "tour")  # the details a target's competition is in
_SECOND_US = 1_000_000


def _milestone_matches(record: MilestoneRecord, values: dict[str, Any]) -> bool:
    m = record.milestone
    source, updated, start = values["source_id"], values["min_updated_ts"], values["minimum_start_date"]
    return (
        (values["category"] is None or m.category == values["category"])
        and (values["type"] is None or m.type == values["type"])
        and (values["competition"] is None or (m.details or {}).get("competition") == values["competition"])
        and (source is None or m.source_id == source or source in (m.source_ids or {}).values())
        and (start is None or m.start_date >= start)
        and (updated is None or unix_us(record.last_updated) >= (updated + 1) * _SECOND_US)
    )


def get_milestones(ctx: KalshiContext, key: Any, query: Any) -> dict[str, Any]:
    values = parse_query(GET_MILESTONES, MILESTONES_PARAMS, query)
    filters = {"op": GET_MILESTONES, **{k: v for k, v in values.items() if k not in ("cursor", "limit")}}
    after = cursors.decode_times(GET_MILESTONES, values["cursor"], filters, str, lenient=True)
    event = values["related_event_ticker"]
    with ctx.ledger.reading() as ledger:
        kept = ledger.state.milestones
        records: Iterable[MilestoneRecord] = kept.listed(after) if event is None else kept.of_event(event, after)
        page, more = cursors.one_page((r for r in records if _milestone_matches(r, values)), values["limit"])
        last = page[-1].key if more else None
        return {
            "milestones": [milestone(r) for r in page],
            "cursor": "" if last is None else cursors.encode((str(last[0]), last[1]), filters),
        }


def get_milestone(ctx: KalshiContext, key: Any, values: Any) -> dict[str, Any]:
    with ctx.ledger.reading() as ledger:
        record = ledger.state.milestones.records.get(values["milestone_id"])
        if record is None:
            raise not_found(f"no milestone {values['milestone_id']!r}")
        return {"milestone": milestone(record)}


def milestones_of_events(ctx: KalshiContext, event_tickers: Iterable[str]) -> list[dict[str, Any]]:
    """The milestones naming any of the events (GET /events' `with_milestones`), each once, in order; under the
    ledger's lock."""
    kept = ctx.ledger.state.milestones
    found = {r.milestone_id: r for ticker in event_tickers for r in kept.of_event(ticker)}
    return [milestone(r) for r in sorted(found.values(), key=lambda record: record.key)]


def _in_competition(record: TargetRecord, competition: str) -> bool:
    details = record.target.details or {}
    leagues = details.get("leagues")
    return any(details.get(name) == competition for name in TARGET_COMPETITION) or (
        isinstance(leagues, list) and competition in leagues
    )


def get_structured_targets(ctx: KalshiContext, key: Any, query: Any) -> dict[str, Any]:
    values = parse_query(GET_STRUCTURED_TARGETS, TARGETS_PARAMS, query)
    ids = query.every("ids")
    if len(ids) > MAX_IDS:
        raise param_error(GET_STRUCTURED_TARGETS, "Ids", "max", f"ids takes at most {MAX_IDS} values")
    kind, competition = values["type"], values["competition"]
    filters = {"op": GET_STRUCTURED_TARGETS, "ids": sorted(set(ids)), "type": kind, "competition": competition}
    after = cursors.decode_param(GET_STRUCTURED_TARGETS, values["cursor"], filters, 1, lenient=True)
    with ctx.ledger.reading() as ledger:
        kept = ledger.state.structured_targets
        start = after[0] if after else None
        records = kept.named(ids, start) if ids else kept.listed(start)
        found = (
            r for r in records
            if (kind is None or r.target.type == kind) and (competition is None or _in_competition(r, competition))
        )  # fmt: skip
        page, more = cursors.one_page(found, values["page_size"])
        return {
            "structured_targets": [structured_target(r) for r in page],
            "cursor": cursors.encode((page[-1].structured_target_id,), filters) if more else "",
        }


def get_structured_target(ctx: KalshiContext, key: Any, values: Any) -> dict[str, Any]:
    with ctx.ledger.reading() as ledger:
        record = ledger.state.structured_targets.records.get(values["structured_target_id"])
        if record is None:
            raise not_found(f"no structured target {values['structured_target_id']!r}")
        return {"structured_target": structured_target(record)}
