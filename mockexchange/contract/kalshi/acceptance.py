"""The kit's verdict on reads that must accept valid requests (refinements.ACCEPTING_READS: the market data reads).

schemathesis' positive-data acceptance takes a 404, 409, 429 or 3xx for a schema-valid request, so a server that
answers every `GET /markets` with a 404 would pass it, and the response checks would have no answer to judge. The
kit draws the market data reads' valid requests from what the exchange lists (refinements.MARKET_VALUES), so a
faithful server accepts them: at the end of the run, each of these operations that answered valid requests must have
accepted (2xx) at least one. 401 and 403 are the auth verdict's (contract/kalshi/verdict.py: an operation that only ever
answered them), 5xx the server-error check's; an operation whose valid requests the kit could not draw (write_rules.
ACCEPTANCE: nothing listed to name) is passed over.
"""

from __future__ import annotations

from collections import Counter

import schemathesis
from schemathesis import Case, CheckContext, Response
from schemathesis.core.failures import FailureGroup
from schemathesis.openapi.checks import RejectedPositiveData

from mockexchange.contract.kalshi.refusals import drawn_valid
from mockexchange.schema.refinements import ACCEPTING_READS
from mockexchange.schema.write_rules import ACCEPTANCE

NOT_OURS = frozenset({401, 403})  # the auth verdict's


@schemathesis.check
class ReadAcceptance:
    """Each read of `ACCEPTING_READS` that answered valid requests accepted some of them."""

    def __init__(self) -> None:
        self.refused: dict[str, Counter[int]] = {}  # label -> the statuses valid requests got, while none accepted
        self.accepted: set[str] = set()

    def after_response(self, ctx: CheckContext, response: Response, case: Case) -> bool | None:
        definition = case.operation.definition.raw
        if definition.get("operationId") not in ACCEPTING_READS or ACCEPTANCE in definition:
            return None
        status = response.status_code
        if not drawn_valid(case) or status in NOT_OURS or status >= 500:
            return None
        label = case.operation.label
        if 200 <= status < 300:
            self.accepted.add(label)
        else:
            self.refused.setdefault(label, Counter())[status] += 1
        return None

    def after_run(self, ctx: CheckContext) -> None:
        never = sorted(set(self.refused) - self.accepted)
        if not never:
            return
        failures = []
        for label in never:
            seen = ", ".join(f"{n} x {status}" for status, n in sorted(self.refused[label].items()))
            failures.append(
                RejectedPositiveData(
                    operation=label,
                    status_code=0,
                    allowed_statuses=["2xx"],
                    message=f"every schema-valid request was refused ({seen}); a read of what the exchange lists "
                    "must answer some with 2xx",
                )
            )
        raise FailureGroup(failures, "reads that accepted no valid request")
