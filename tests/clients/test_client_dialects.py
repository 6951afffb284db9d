"""What the client matrix's dialects say each Kalshi client has, checked against the installed packages: every
method a dialect names exists in its client, and each operation a dialect leaves out of a scene the matrix plays for it
(so the matrix shows it as lacked, or the whole column as n/a) is missing from the client under the name the 3.34.0
SDK gives it. One run of each client's script, which looks the methods up without calling them (the harness's `has`
op)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mockexchange.contract.clients.dialects import OFFICIAL, OFFICIAL_3_2, Dialect
from mockexchange.contract.clients.matrix import CLIENTS_BY_NAME
from mockexchange.contract.clients.plans import run_plan
from mockexchange.contract.clients.portfolio import Key
from mockexchange.contract.clients.scenes import SCENES
from mockexchange.server import MockServer

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py


def played_operations(dialect: Dialect) -> list[str]:
    """The operations of the scenes the matrix plays for a client (every scene). A check's "A|B" is either: each is
    looked up."""
    return sorted(
        {op for scene in SCENES.values() for check in scene.checks for ops in check.operations for op in ops.split("|")}
    )


@dataclass
class Served:
    mock: MockServer
    keys: dict[str, Key] = field(default_factory=dict)


KALSHI_CLIENTS = [
    "kalshi-sdk", "kalshi-python-sync", "kalshi-python-async", "kalshi-python-sync-3.2.0", "pykalshi", "kalshi-py",
]  # fmt: skip


@pytest.mark.parametrize("client", KALSHI_CLIENTS)
def test_a_dialect_names_what_its_client_has_and_only_that(client_venvs, tmp_path: Path, client: str) -> None:
    row = CLIENTS_BY_NAME[client]
    assert row.spec is not None and row.dialect is not None
    lacked = {
        op: OFFICIAL_3_2.methods.get(op) or OFFICIAL.methods[op]
        for op in played_operations(row.dialect)
        if op not in row.dialect.methods and op not in row.dialect.misreads
    }  # fmt: skip (a misread one it has)
    probes = dict(row.dialect.methods) | lacked
    with MockServer() as mock:
        mock.create_account("trader")
        served = Served(mock, {"trader": Key.create(mock, tmp_path, "trader", "trader")})
        calls = [{"id": name, "op": "has", "method": method} for name, method in probes.items()]
        outcomes = run_plan(row.spec, served, calls, tmp_path)
    has = {name: outcomes[name]["result"] for name in probes}
    assert has == {name: name in row.dialect.methods for name in probes}
    # what the matrix shows as n/a is a column none of whose operations the client has
    for capability, scene in SCENES.items():
        if capability in row.dialect.lacks:
            assert scene.checks_for(row.dialect) == [], capability
