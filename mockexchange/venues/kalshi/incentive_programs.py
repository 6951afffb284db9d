"""GET /incentive_programs: the incentive programs the control plane set (core/kalshi/incentive_programs.py), public.

Listed by start, then id (keyset cursors, `next_cursor` empty on the last page); `status` is each program's on the
exchange clock now (`all`, the default, any), `type` its incentive type (`all`: any), `incentive_description` its
description exactly. A cursor that is not one the mock issued for these filters starts from the first page, as
Kalshi's market data reads do. Each program shows its market's id (the market it names is listed).
"""

from __future__ import annotations

from typing import Any

from mockexchange.core.kalshi.incentive_commands import INCENTIVE_TYPES, SetIncentiveProgram
from mockexchange.core.kalshi.incentive_programs import STATUSES, key, status
from mockexchange.core.values import Choice, Integer
from mockexchange.venues.kalshi import cursors
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.params import CURSOR, Param, parse_query

GET_INCENTIVE_PROGRAMS = "GetIncentivePrograms"
ALL = "all"
PROGRAMS_PARAMS = [
    Param("status", "Status", Choice((ALL, *STATUSES)), ALL),
    Param("type", "Type", Choice((ALL, *INCENTIVE_TYPES)), ALL),
    Param("incentive_description", "IncentiveDescription"),
    Param("limit", "Limit", Integer(1, 10_000), 100, range_tags=("min", "max")), CURSOR,
]  # fmt: skip


def get_incentive_programs(ctx: KalshiContext, key: Any, query: Any) -> dict[str, Any]:
    values = parse_query(GET_INCENTIVE_PROGRAMS, PROGRAMS_PARAMS, query)
    filters = {"op": GET_INCENTIVE_PROGRAMS, **{k: v for k, v in values.items() if k not in ("cursor", "limit")}}
    after = cursors.decode_times(GET_INCENTIVE_PROGRAMS, values["cursor"], filters, str, lenient=True)
    wanted, kind, description = values["status"], values["type"], values["incentive_description"]
    with ctx.ledger.reading() as ledger:
        state = ledger.state
        now = state.clock.now()
        found = (
            p for p in state.incentive_programs.listed(after)
            if (wanted == ALL or status(p, now) == wanted) and (kind == ALL or p.incentive_type == kind)
            and (description is None or p.incentive_description == description)
        )  # fmt: skip
        page, more = cursors.one_page(found, values["limit"])
        last = page[-1] if more else None
        row = ctx.profile.incentive_program
        return {
            "incentive_programs": [row(p, state.markets[p.market_ticker].market_id) for p in page],
            "next_cursor": "" if last is None else cursors.encode(_key(last), filters),
        }


def _key(program: SetIncentiveProgram) -> tuple[str, str]:
    start, program_id = key(program)
    return str(start), program_id
