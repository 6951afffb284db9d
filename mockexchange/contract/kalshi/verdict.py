"""The verdict of a `contract check` run, read from schemathesis' event stream (its NDJSON report): every violation
class found, per operation, with the field or the status involved; and the operations that only ever answered
401/403, which a run must never call a pass.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_INDEX = re.compile(r"\[\d+\]")
_VALUE_FIRST = re.compile(r"^(.+?) (is not (?:of type|one of|a|valid|greater|less).*)$")
_SHOWN_FIELDS = 5
_REFUSED = (401, 403)


@dataclass(frozen=True, slots=True)
class Violation:
    operation: str  # "GET /portfolio/positions"
    code: str  # schemathesis' code: ST101, ST108, ST401, ST901 (our checks)
    title: str
    detail: str  # the fields, or the status and the request


@dataclass
class Verdict:
    violations: list[Violation] = field(default_factory=list)
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))  # operation -> statuses

    @property
    def refused_operations(self) -> list[str]:
        """Operations that answered, and only ever 401/403."""
        return sorted(op for op, seen in self.statuses.items() if seen and set(seen) <= set(_REFUSED))

    def report(self) -> list[str]:
        lines: list[str] = []
        refused = self.refused_operations
        by_operation: dict[str, list[Violation]] = defaultdict(list)
        for violation in self.violations:
            by_operation[violation.operation].append(violation)
        for operation in refused:
            statuses = ", ".join(f"{n} x {s}" for s, n in sorted(self.statuses[operation].items()))
            by_operation[operation].insert(0, Violation(operation, "auth", "every answer refused the key", statuses))
        if not by_operation:
            return lines
        count = sum(len(v) for v in by_operation.values())
        lines.append(f"contract check: {count} violation(s) in {len(by_operation)} operation(s):")
        for operation in sorted(by_operation):
            lines.append(f"  {operation}")
            for v in by_operation[operation]:
                lines.append(f"    {v.code} {v.title}: {v.detail}")
        return lines


def read_events(path: Path) -> Verdict:
    """The verdict from schemathesis' NDJSON events (one JSON object a line, streamed: the file can be large)."""
    verdict = Verdict()
    seen: set[tuple[str, str, str]] = set()
    if not path.exists():
        return verdict
    with path.open(encoding="utf-8") as events:
        for line in events:
            event = json.loads(line)
            finished = event.get("ScenarioFinished")
            if finished:
                _read_scenario(finished.get("recorder") or {}, verdict, seen)
            for failure in (event.get("EngineFinished") or {}).get("failures") or ():
                _read_run_failure(failure, verdict)
    return verdict


def _read_run_failure(failure: dict[str, Any], verdict: Verdict) -> None:
    """A failure of a check that judges the whole run (refusals.WriteAcceptance: a write that accepted nothing)."""
    lines = [line.strip() for line in (failure.get("message") or "").splitlines() if line.strip()]
    operation = failure.get("operation") or "the whole run"
    title = failure.get("title") or failure.get("type", "")
    verdict.violations.append(Violation(operation, failure.get("code", ""), title, lines[0] if lines else ""))


def _read_scenario(recorder: dict[str, Any], verdict: Verdict, seen: set[tuple[str, str, str]]) -> None:
    cases = recorder.get("cases") or {}
    interactions = recorder.get("interactions") or {}
    for case_id, interaction in interactions.items():
        response = interaction.get("response") or {}
        case = (cases.get(case_id) or {}).get("value") or {}
        if "status_code" in response and case:
            verdict.statuses[f"{case.get('method')} {case.get('path')}"][response["status_code"]] += 1
    for case_id, checks in (recorder.get("checks") or {}).items():
        for check in checks:
            failure = ((check.get("failure_info") or {}).get("failure")) or {}
            if check.get("status") != "failure" or not failure:
                continue
            name = check.get("name", "")
            key = (failure.get("operation", ""), failure.get("code", ""), name)
            if key in seen:
                continue  # one line per operation and check; the report above has every case
            seen.add(key)
            interaction = interactions.get(case_id) or {}
            detail = _detail(name, failure.get("message") or "", interaction)
            verdict.violations.append(Violation(key[0], key[1], failure.get("title", name), detail))


def _detail(check: str, message: str, interaction: dict[str, Any]) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    status = (interaction.get("response") or {}).get("status_code")
    request = interaction.get("request") or {}
    uri = str(request.get("uri", ""))
    where = uri.split("/trade-api/v2", 1)[-1] if uri else ""
    if check == "response_fields":
        first_of: dict[str, str] = {}
        listed = [line for line in lines[1:] if not line.startswith("... and ")]  # the check's own count of the rest
        for key, shown in map(_field_problem, listed):
            first_of.setdefault(key, shown)
        fields = list(first_of.values())
        shown = "; ".join(fields[:_SHOWN_FIELDS])
        return shown + (f" (and {len(fields) - _SHOWN_FIELDS} more)" if len(fields) > _SHOWN_FIELDS else "")
    if check == "not_a_server_error":
        return f"{status} for {request.get('method', 'GET')} {where}"
    if check in ("ignored_auth",):
        return f"{lines[0] if lines else ''} (an unsigned or badly signed request got {status})"
    return lines[0] if lines else f"status {status}"


def _field_problem(line: str) -> tuple[str, str]:
    """`market_positions[3].position_fp: -3.0 is not of type "string"` -> a key the same for every row and value,
    and what to show: `market_positions[].position_fp: is not of type "string" (e.g. -3.0)`."""
    path, _, problem = line.partition(": ")
    path = _INDEX.sub("[]", path)
    value_first = _VALUE_FIRST.match(problem)
    if value_first:
        return f"{path}: {value_first.group(2)}", f"{path}: {value_first.group(2)} (e.g. {value_first.group(1)})"
    return f"{path}: {problem}", f"{path}: {problem}"
