"""What a kit's check found for one operation or method of a venue (its calls, those answered "not found", the
violations and notes), and the verdict that makes: FAIL, not served, PASS or skipped. Shared by the venues' checks
(`contract check-deribit`, `contract check-perps`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CallVerdict:
    """What the calls of one operation (or method) found."""

    calls: int = 0
    not_found: int = 0
    violations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.violations:
            return "FAIL"
        if self.calls and self.not_found == self.calls:
            return "not served"
        return "PASS" if self.calls else "skipped"
