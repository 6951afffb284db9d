"""`mockexchange contract check --communications` on Kalshi's RFQ, quote and block trade writes: the kit makes its own
RFQs, and with the other user's key (the seeded asker's) that user's RFQs, the quotes each side offers, an accepted
quote and a block trade proposal (contract/kalshi/rfq_setup.py), so that every write names records it may act on;
the mock passes, the state refusals a correct server answers (a closed RFQ's 409, quoting one's own RFQ) count as
refusals, not failures, and a server that breaks a write is named by operation and field."""

from __future__ import annotations

import re
from pathlib import Path

import kit_commands
import pytest
from broken_rfqs import BrokenRfqWrites
from broken_server import serving_through
from kit_commands import SEED
from test_order_checks import _section

from mockexchange.contract.kalshi.account import ASKER, ASKER_KEY_ID, KEY_ID, seed
from mockexchange.schema.write_rules import COMMUNICATION_WRITES, TWO_PARTY_WRITES
from mockexchange.server import MockServer

pytestmark = pytest.mark.slow  # each runs schemathesis in a child process (conftest.py)


def check(started: list[MockServer], server: MockServer, pem: Path, *extra: str) -> tuple[int, str]:
    """`contract check --communications` of `server`, started and seeded, with the asker's key made (`extra`: the
    options that name it), the fuzzing phase alone: exit status and what it printed."""
    started.append(server.start())
    seed(server)
    asker_pem = pem.with_name("asker.pem")
    asker_pem.write_text(server.create_key(ASKER, key_id=ASKER_KEY_ID)["private_key_pem"])
    only = ["--operation", "GetCommunicationsID"]
    result = kit_commands.check_here(
        server.kalshi_url, KEY_ID, pem, "--seed", SEED, "--phases", "fuzzing", "--max-examples", "5",
        "--communications", *only, *extra,
    )  # fmt: skip
    return result.returncode, result.stdout + result.stderr


def counterparty(pem: Path) -> list[str]:
    return ["--counterparty-key-id", ASKER_KEY_ID, "--counterparty-private-key", str(pem.with_name("asker.pem"))]


def test_the_mock_passes_the_communications_writes_on_the_records_the_kit_made(started, pem) -> None:
    status, out = check(started, MockServer(), pem, *counterparty(pem))
    assert status == 0, out[-6000:]
    assert all(op in out.split("\n", 1)[0] for op in COMMUNICATION_WRITES), out[:600]
    made = "the kit made 3 RFQs of the kit's, 5 RFQs of the other user's, 2 quotes by the other user, 4 by the kit, 2 "
    assert made + "accepted" in out, out[:3000]
    assert "no valid request can be drawn" not in out and "  skipped " not in out, out[:3000]


def test_without_the_other_users_key_the_two_party_writes_are_skipped_visibly(started, pem) -> None:
    status, out = check(started, MockServer(), pem)
    assert status == 0, out[-6000:]
    for operation in TWO_PARTY_WRITES:
        assert f"skipped {operation}: it needs another user: pass its key (--counterparty-key-id" in out, out[:3000]
    assert "CreateRFQ" in out.split("\n", 1)[0] and "DeleteRFQ" in out.split("\n", 1)[0], out[:600]


def test_a_server_that_breaks_the_communications_writes_is_named_by_operation_and_field(started, pem) -> None:
    broken = serving_through(lambda app: BrokenRfqWrites(app, "quote_no_id", "confirm_conflict"))
    status, out = check(started, broken, pem, *counterparty(pem))
    assert status == 1, out[-6000:]
    summary = out[out.index("violation(s) in") :]
    assert re.search(r'"id" is a required property', _section(summary, "POST /communications/quotes")), summary
    confirm = _section(summary, "PUT /communications/quotes/{quote_id}/confirm")
    assert "409 `conflict`" in confirm and "is accepted (GetQuote says so)" in confirm, confirm
