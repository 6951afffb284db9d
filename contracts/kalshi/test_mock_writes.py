"""The writes (`KALSHI_WRITES`: they change the account) against the mock in-process, each on a fresh seeded mock of
its own: valid and invalid bodies, every check, the kit's write acceptance among them (a valid body answered 2xx or
with a declared state refusal, and some valid body accepted in the run). The account (`seed` and `seed_writes`) makes
most valid writes succeed: cash in every numbered subaccount, the Premier usage level, keys to delete, an error account
for position transfers, resting orders of the kit's to cancel, amend and decrease (seed_orders), and for the
communications writes the RFQs, quotes and block trade proposal `contract check --communications` makes, another
user's among them (seed_rfq_writes)."""

from __future__ import annotations

import pytest

from mockexchange.app import build_app
from mockexchange.contract.kalshi import suite
from mockexchange.contract.kalshi.account import seed, seed_orders, seed_rfq_writes, seed_writes, signer, values
from mockexchange.contract.kalshi.slicing import KALSHI_WRITES
from mockexchange.schema.write_rules import COMMUNICATION_WRITES

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

EXAMPLES = 15  # of valid data and as many of invalid, per operation


@pytest.mark.parametrize("operation_id", sorted(KALSHI_WRITES))
def test_each_write_against_a_fresh_mock(operation_id: str) -> None:
    mock = build_app()
    seed(mock.control)
    seed_writes(mock.control, subaccounts=operation_id != "CreateSubaccount")  # it needs room for more
    orders = seed_orders(mock.control)  # the resting orders the order writes change
    rfqs = seed_rfq_writes(mock.control, mock.asgi) if operation_id in COMMUNICATION_WRITES else {}
    schema = suite.load_schema(signer(), app=mock.asgi, operations=[operation_id], account=values(**orders, **rfqs))
    suite.run_operations(schema, max_examples=EXAMPLES)
