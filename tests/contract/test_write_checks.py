"""The kit's judgement of the account writes can fail: each defect of `broken_writes.py` is reported, in the pytest
suite's runner (in-process) and by `contract check`; the mock passes both, and a full account's refusals of another
subaccount are no failure."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import kit_commands
import pytest
from broken_writes import BrokenWrites
from schemathesis.core.failures import FailureGroup

from mockexchange.app import build_app
from mockexchange.contract.kalshi import suite
from mockexchange.contract.kalshi.account import seed, seed_writes, signer, values

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

EXAMPLES = 15
# `contract check`'s examples per operation: each defect shows in every valid transfer's answer, and the coverage
# phase (whose cases do not depend on the number) sends valid transfers too; the judgement of many drawn bodies is
# the in-process runs' above.
CHECK_EXAMPLES = "3"
SEED = "20260102"
TRANSFER = "POST /portfolio/subaccounts/transfer"


def _run(operation_id: str, defect: str | None = None, *, subaccounts: bool = True) -> None:
    mock = build_app()
    seed(mock.control)
    seed_writes(mock.control, subaccounts=subaccounts)
    app = mock.asgi if defect is None else BrokenWrites(mock.asgi, defect)
    schema = suite.load_schema(signer(), app=app, operations=[operation_id], account=values())
    suite.run_operations(schema, max_examples=EXAMPLES, drawn_from=int(SEED))


def _failures(defect: str) -> list[Any]:
    with pytest.raises(FailureGroup) as raised:
        _run("ApplySubaccountTransfer", defect)
    return list(raised.value.exceptions)


def test_a_valid_transfer_refused_with_an_undeclared_code_fails() -> None:
    (failure,) = _failures("undeclared")
    assert failure.code == "ST202" and failure.status_code == 400
    assert "400 `invalid_parameters` is no refusal a valid ApplySubaccountTransfer body may meet" in failure.message
    assert "400 `insufficient_balance` (the source subaccount holds less" in failure.message  # what is declared


def test_a_balance_refusal_of_what_the_source_holds_fails() -> None:
    (failure,) = _failures("no_balance")
    held = r"400 `insufficient_balance` .*, but subaccount \d+ holds \$[\d.]+ on exchange index 0"
    assert re.search(held, failure.message), failure.message


def test_a_server_that_refuses_every_transfer_with_a_declared_code_fails() -> None:
    (failure,) = _failures("conflict")  # 409 `conflict` is declared, and no judge can rule one case out
    assert failure.operation == TRANSFER
    assert failure.message.startswith("every schema-valid request was refused (409 conflict)")


def test_a_server_that_takes_an_invalid_transfer_fails() -> None:
    accepted = [f for f in _failures("takes_anything") if f.code == "ST201"]
    assert accepted and re.search(r"violates `(minimum|exclusiveMinimum)`", accepted[0].message), accepted


def test_a_full_accounts_refusals_of_another_subaccount_are_no_failure() -> None:
    # Every numbered subaccount made: each valid CreateSubaccount is refused (400 `bad_request`), and the account read
    # back says why, so the run needs no acceptance.
    _run("CreateSubaccount", subaccounts=True)


# -- `contract check`: the same judgement in schemathesis' own runner (hooks.py, in its child process) -------------


@pytest.fixture(scope="module")
def pem(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return kit_commands.contract_pem(tmp_path_factory.mktemp("keys"))


def _check(pem: Path, defect: str | None, *operations: str, phases: tuple[str, ...] = ()) -> tuple[int, str]:
    middleware = functools.partial(BrokenWrites, defect=defect) if defect else (lambda app: app)
    named = [arg for operation in operations for arg in ("--operation", operation)]
    arguments = [*named, *(["--phases", ",".join(phases)] if phases else [])]
    return kit_commands.check_seeded(middleware, pem, "--seed", SEED, "--max-examples", CHECK_EXAMPLES, *arguments)


def test_contract_check_passes_the_mocks_transfers_and_allocations(pem: Path) -> None:
    status, out = _check(pem, None, "ApplySubaccountTransfer", "IntraExchangeInstanceTransfer",
                         "SetTargetBalanceAllocation")  # fmt: skip
    assert status == 0, out[-4000:]
    assert "Schema-valid request rejected" not in out


def test_contract_check_names_each_refusal_it_cannot_explain(pem: Path) -> None:
    # a valid transfer's refusal is judged in the fuzzing phase's valid cases (the coverage phase's, the clean run's)
    status, out = _check(pem, "no_balance", "ApplySubaccountTransfer", phases=("fuzzing",))
    assert status == 1, out[-4000:]
    summary = out[out.index("violation(s) in") :]
    assert re.search(r"ST202 .*400 `insufficient_balance` .*, but subaccount \d+ holds \$", summary), summary
    assert "ST202 Schema-valid request rejected: every schema-valid request was refused (400 insufficient_balance)" in (
        summary
    )
    status, out = _check(pem, "undeclared", "ApplySubaccountTransfer", phases=("fuzzing",))
    assert status == 1 and "400 `invalid_parameters` is no refusal a valid ApplySubaccountTransfer" in out, out[-4000:]
