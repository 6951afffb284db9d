"""Running the writes of `contract check-deribit` (the account's, account.py; the orders', trading.py): only when their
flag asks, each valid then invalid, in an order where each call's params come from what the calls before it made."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# The invalid values every check sends (the reads' in check.py, the writes' in account.py and trading.py).
NOT_A_CURRENCY = "NOT-A-COIN"
NOT_AN_INSTRUMENT = "NOT-AN-INSTRUMENT"

Params = dict[str, Any]
Call = Callable[[str, dict[str, Any]], Any]
Judge = Callable[[str, str, str, Any, dict[str, Any]], None]
Cases = list[tuple[str, dict[str, Any] | None, str]]  # (kind, params or None, why there are none)


def run_writes(
    wanted: list[str],
    enabled: bool,
    flag_note: str,
    cases: Callable[[str, dict[str, Any]], Cases],
    transport: str,
    call: Call,
    verdicts: dict[str, Any],
    judge: Judge,
) -> dict[str, Any]:
    """Each wanted write's calls (`cases(method, made)`), judged; without the flag, a note on each and nothing sent.
    Answers what each valid call made (its result), by method."""
    if not enabled:
        for method in wanted:
            if flag_note not in verdicts[method].notes:
                verdicts[method].notes.append(flag_note)
        return {}
    made: dict[str, Any] = {}
    for method in wanted:
        for kind, params, why in cases(method, made):
            if params is None:
                verdicts[method].notes.append(f"{transport}: {why}")
                continue
            reply = call(method, params)
            judge(method, transport, kind, reply, verdicts)
            if kind == "valid" and isinstance(reply, dict):
                made[method] = reply.get("result")
    return made
