"""The commands on a Kalshi account as a whole, declared once (core/kalshi/account_commands.py): read from the plain
values a state file kept them as before they were typed, written back to them, refused in their kinds' words; the
ledger's handlers open the account with its cents as money, record the transfer as `Ledger.transfer` does and grant
the usage level until its Unix second."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mockexchange.core.clock import ManualClock
from mockexchange.core.commands import Handlers, read, write
from mockexchange.core.kalshi.account_commands import CreateAccount, GrantApiUsageLevel, SeedTransfer
from mockexchange.core.kalshi.account_handlers import add_account_handlers
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.values import Refused

T0 = datetime(2026, 1, 5, 15, tzinfo=UTC)


def ledger_and_handlers() -> tuple[Ledger, Handlers]:
    ledger = Ledger(clock=ManualClock(T0), ids=iter(map(str, range(100))).__next__)
    handlers = Handlers()
    add_account_handlers(handlers, ledger)
    return ledger, handlers


@pytest.mark.parametrize(
    ("cls", "kept"),
    [
        (CreateAccount, {"user_id": "alice", "balance_cents": 100000}),
        (CreateAccount, {"user_id": "fcm", "fcm_member": True, "balance_cents": 5000}),
        (CreateAccount, {"user_id": "sub", "subtrader_of": "fcm"}),
        (SeedTransfer, {"kind": "deposit", "user_id": "alice", "amount_cents": 2500, "fee_cents": 10}),
        (SeedTransfer, {"kind": "withdrawal", "user_id": "alice", "amount_cents": 1000, "status": "applied",
                        "id": "f6a6c411"}),
        (GrantApiUsageLevel, {"user_id": "alice", "level": "expert"}),
        (GrantApiUsageLevel, {"user_id": "alice", "level": "premier", "exchange_instance": "margined",
                              "source": "volume", "expires_ts": 253_402_300_799}),
    ],
)  # fmt: skip
def test_a_command_kept_before_it_was_typed_reads_and_writes_back_the_same(cls, kept):
    command = read(cls, kept)
    assert read(cls, write(command)) == command
    assert write(command) == {k: v for k, v in kept.items() if (k, v) != ("status", "applied")}  # (a default)


@pytest.mark.parametrize(
    ("cls", "plain", "words"),
    [
        (CreateAccount, {"user_id": "a", "balance_cents": -1}, "balance_cents must be an integer from 0 to 10000000"),
        (CreateAccount, {"user_id": "a", "balance_cents": "100"}, "balance_cents must be an integer"),
        (CreateAccount, {"user_id": "a", "fcm_member": 1}, "fcm_member must be true or false, not 1"),
        (CreateAccount, {"user_id": " "}, "user_id must be a non-empty string"),
        (SeedTransfer, {"kind": "gift", "user_id": "a", "amount_cents": 1}, "kind must be one of 'deposit'"),
        (SeedTransfer, {"kind": "deposit", "user_id": "a", "amount_cents": 0}, "amount_cents must be an integer"),
        (SeedTransfer, {"kind": "deposit", "user_id": "a", "amount_cents": 1, "status": "done"}, "status must be one"),
        (SeedTransfer, {"kind": "deposit", "user_id": "a", "amount_cents": 1, "type": "cash"}, "type must be one of"),
        (GrantApiUsageLevel, {"user_id": "a", "level": "gold"}, "level must be one of 'basic', 'advanced'"),
        (
            GrantApiUsageLevel,
            {"user_id": "a", "level": "basic", "expires_ts": 253_402_300_800},
            "expires_ts must be an integer from 0 to 253402300799, not 253402300800",
        ),
        (GrantApiUsageLevel, {"user_id": "a", "level": "basic", "source": "gift"}, "source must be one of"),
    ],
)
def test_a_value_it_does_not_take_is_refused_in_its_kinds_words(cls, plain, words):
    with pytest.raises(Refused, match=words):
        read(cls, plain)


def test_the_handlers_open_the_account_with_its_cents_as_money_and_record_the_transfer():
    ledger, handlers = ledger_and_handlers()
    opened = handlers.run(CreateAccount("alice", 12_345))
    assert opened.command.balance_cents == 12_345 and opened.account.user_id == "alice"
    assert ledger.state.account("alice").balance() == Decimal("123.45")
    pending = handlers.run(SeedTransfer("withdrawal", "alice", 1_000, status="pending", fee_cents=5))
    assert (pending.kind, pending.status, pending.amount_cents, pending.fee_cents) == ("withdrawal", "pending", 1000, 5)
    assert ledger.state.account("alice").balance() == Decimal("123.45")  # a pending withdrawal moves no cash yet
    applied = handlers.run(SeedTransfer("withdrawal", "alice", 1_000, status="applied", id=pending.id))
    assert applied is pending and ledger.state.account("alice").balance() == Decimal("113.40")
    handlers.run(SeedTransfer("deposit", "alice", 60, fee_cents=0, type="wire"))
    assert ledger.state.account("alice").balance() == Decimal("114.00")
    member = handlers.run(CreateAccount("fcm", fcm_member=True)).account
    assert handlers.run(CreateAccount("sub", subtrader_of="fcm")).account.subtrader_of == "fcm"
    assert member.subtraders == ["sub"]


def test_the_handler_grants_the_level_until_its_unix_second():
    ledger, handlers = ledger_and_handlers()
    handlers.run(CreateAccount("alice"))
    assert handlers.run(GrantApiUsageLevel("alice", "premier", expires_ts=int(T0.timestamp()) + 60)) == "alice"
    [grant] = ledger.state.usage_levels.grants("alice", T0)
    assert grant.as_wire() == {"exchange_instance": "event_contract", "level": "premier", "source": "manual",
                               "expires_ts": int(T0.timestamp()) + 60}  # fmt: skip
    assert ledger.state.usage_levels.tier("alice", "basic", T0) == "premier"
    assert ledger.state.usage_levels.tier("alice", "basic", T0.replace(minute=1)) == "basic"  # expired
    with pytest.raises(LedgerError, match="unknown user_id 'bob'"):
        handlers.run(GrantApiUsageLevel("bob", "expert"))
