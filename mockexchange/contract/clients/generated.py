"""The client matrix's generated-responses column: each real client reads every portfolio operation from mocks in the
generated-responses mode (venues/kalshi/generated_mode.py), one mock per seed, and what breaks it is a finding about
the client.

A run is one seed: the client reads positions (page by page), FCM positions, balance, fills, settlements, deposits,
withdrawals and the resting order value (those it has), as its users would; the run broke when any read raised. Each
mock listens to its own generated answers, and since every operation is read by one call per run, the answer a call
failed on is the last one of its operation: its `X-Mockexchange-Generated` tag (seed, n, stress profile) names it, and
`generate_response(kalshi_document(), operation_id, seed, n, query)` gives its body again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from mockexchange.contract.clients.checks import compact_error, start_mock, walk
from mockexchange.contract.clients.dialects import Dialect
from mockexchange.contract.clients.libraries import ClientSpec
from mockexchange.contract.clients.plans import run_plan
from mockexchange.contract.clients.portfolio import Key
from mockexchange.contract.kalshi.account import KEY_ID, SUBTRADERS, private_key_pem_text, seed
from mockexchange.server import MockServer
from mockexchange.venues.kalshi.generated_mode import GeneratedAnswer

# endpoint -> (the operation it calls, the plan op, its arguments)
READS: dict[str, tuple[str, str, dict]] = {
    "positions": ("GetPositions", "pages", {"limit": 100}),
    "fcm_positions": ("GetFCMPositions", "pages", {"subtrader_id": SUBTRADERS[0]}),
    "balance": ("GetBalance", "call", {}),
    "fills": ("GetFills", "pages", {"limit": 100}),
    "settlements": ("GetSettlements", "pages", {"limit": 100}),
    "deposits": ("GetDeposits", "pages", {"limit": 100}),
    "withdrawals": ("GetWithdrawals", "pages", {"limit": 100}),
    "resting": ("GetPortfolioRestingOrderTotalValue", "call", {}),
}
TRANSFERS = ("deposits", "withdrawals")


@dataclass(frozen=True)
class Breakage:
    """One read that raised inside the client."""

    seed: int
    operation_id: str
    error_type: str
    message: str  # on one line, cut short
    tag: str  # the X-Mockexchange-Generated tag of the answer it failed on ("" if none was served)
    query: str

    def describe(self) -> str:
        query = f"?{self.query}" if self.query else ""
        return f"seed {self.seed}, {self.operation_id}{query} [{self.tag}]: {self.error_type}: {self.message}"


@dataclass
class Findings:
    seeds: list[int]
    broken: list[Breakage] = field(default_factory=list)

    @property
    def broken_seeds(self) -> list[int]:
        return sorted({b.seed for b in self.broken})

    def kinds(self) -> Counter[tuple[str, str, str]]:
        """(operation, error type, stress profile) -> reads broken that way."""
        return Counter((b.operation_id, b.error_type, _profile(b.tag)) for b in self.broken)

    def summary(self) -> str:
        if not self.broken:
            return f"no read raised under seeds {self.seeds[0]}..{self.seeds[-1]}"
        kinds = "; ".join(
            f"{operation} {error} on '{profile}' answers x{count}"
            for (operation, error, profile), count in self.kinds().most_common()
        )
        return f"first: {self.broken[0].describe()}. All: {kinds}"


def _profile(tag: str) -> str:
    return next((part.split("=", 1)[1] for part in tag.split() if part.startswith("profile=")), "?")


def run_generated(spec: ClientSpec, dialect: Dialect, profile: str, seeds: list[int], work_dir: Path) -> Findings:
    """The client's reads under each seed, each seed on its own fresh mock; raises ClientEnvError / ClientRunError
    when the client cannot run at all."""
    pem = work_dir / "generated-key.pem"
    pem.write_text(private_key_pem_text())
    key = Key(KEY_ID, str(pem))
    endpoints = [e for e in READS if e in dialect.methods and not (e in TRANSFERS and "transfers" in dialect.lacks)]
    mocks: dict[int, MockServer] = {}
    served: dict[int, list[GeneratedAnswer]] = {}
    try:
        for number in seeds:
            mock = start_mock(MockServer(profile=profile, generated_responses=number))
            mocks[number] = mock
            seed(mock.app.control)  # an FCM member with subtraders: authentication runs before a body is generated
            served[number] = []
            mock.app.generated.listen(served[number].append)
        calls = []
        for number, mock in mocks.items():
            for endpoint in endpoints:
                _, op, args = READS[endpoint]
                call = {"id": f"{number}/{endpoint}", "op": op, "method": dialect.methods[endpoint], "args": args}
                if op == "pages":
                    call |= walk(dialect, endpoint, args)
                calls.append(call | {"base_url": mock.kalshi_url, **key.plan_fields})
        outcomes = run_plan(spec, _Account(mocks[seeds[0]], {"trader": key}), calls, work_dir)
    finally:
        for mock in mocks.values():
            mock.stop()
    findings = Findings(list(seeds))
    for call_id, outcome in outcomes.items():
        if outcome["ok"]:
            continue
        number, endpoint = int(call_id.split("/")[0]), call_id.split("/")[1]
        operation_id = READS[endpoint][0]
        answers = [answer for answer in served[number] if answer.operation_id == operation_id]
        last = answers[-1] if answers else None
        message = compact_error(outcome["error"]["message"])
        findings.broken.append(
            Breakage(
                number,
                operation_id,
                outcome["error"]["type"],
                message,
                last.tag if last else "",
                last.query if last else "",
            )
        )
    return findings


@dataclass
class _Account:
    """What run_plan needs: a mock and the default key (every call names its own mock)."""

    mock: MockServer
    keys: dict[str, Key]
