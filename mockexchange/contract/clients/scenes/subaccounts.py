"""The `subaccounts` scene: a client manages an account's details (PortfolioApi's subaccount operations, the
intra-exchange-instance transfers and the target balance allocation).

Stage (admin API): `trader` with 1,000.00, subaccount 1 made and paid 50.00 from the primary, its netting turned off,
a pending 5.00 transfer to the margined instance, an allocation of 60/40 over exchange indexes 0 and 1; `full`, with
all 63 numbered subaccounts. The client reads all that, then makes subaccount 2, pays it 12.34 (and sends the same
transfer again, which moves nothing), turns its netting off, moves 12.3456 to the margined instance and replaces the
allocation; it must be refused a reused `client_transfer_id` with other terms (409), a transfer beyond the source's
cash (400 `insufficient_balance`), a reused instance transfer id (409) and a 64th subaccount (400). The checks compare
each answer with what was seeded and with the ledger after the writes.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from mockexchange.contract.clients.checks import start_mock
from mockexchange.contract.clients.portfolio import Key
from mockexchange.contract.clients.scenes.scene import Check, Judge, Scene, SceneCall, Stage, has
from mockexchange.core.clock import unix_seconds
from mockexchange.server import MockServer

TRADER = "trader"
FULL = "full"  # holds all 63 numbered subaccounts
SEEDED_TRANSFER = "0b6c1e52-3f0a-4d6e-9f61-5a7d2c1e0001"
CLIENT_TRANSFER = PAY_ID = "0b6c1e52-3f0a-4d6e-9f61-5a7d2c1e0002"
SHORT_TRANSFER = "0b6c1e52-3f0a-4d6e-9f61-5a7d2c1e0003"
INSTANCE_TRANSFER = "0b6c1e52-3f0a-4d6e-9f61-5a7d2c1e0004"
# Worked out by hand: the primary starts with 1,000.00, pays 50.00 to subaccount 1 and 5.00 to the margined instance
# (pending: it has left); the client then pays 12.34 to subaccount 2 and moves 12.3456 to the margined instance.
SEEDED_BALANCES = {0: Decimal("945.00"), 1: Decimal("50.00")}
BALANCES_AFTER = {0: Decimal("920.3144"), 1: Decimal("50.00"), 2: Decimal("12.34")}
SEEDED_ALLOCATION = [{"exchange_index": 0, "percent": 60}, {"exchange_index": 1, "percent": 40}]
NEW_ALLOCATION = [{"exchange_index": 0, "percent": 25}, {"exchange_index": 1, "percent": 75}]


def seed(key_dir: Path, profile: str) -> Stage:
    mock = start_mock(MockServer(profile=profile))
    try:
        mock.create_account(TRADER, balance_cents=100_000)
        mock.create_account(FULL, balance_cents=100)
        mock.create_subaccount(TRADER)
        mock.subaccount_transfer(TRADER, SEEDED_TRANSFER, 0, 1, 5_000)
        mock.set_subaccount_netting(TRADER, 1, False)
        pending = mock.intra_exchange_transfer(TRADER, "event_contract", "margined", 50_000, status="pending")
        mock.set_target_balance_allocation(TRADER, SEEDED_ALLOCATION, resting_margin_reservation="max")
        for _ in range(63):
            mock.create_subaccount(FULL)
        keys = {
            "trader": Key.create(mock, key_dir, "subs-trader", TRADER),
            "full": Key.create(mock, key_dir, "full", FULL),
        }
        return Stage(mock, keys, profile, {"pending": pending["transfer_id"]})
    except BaseException:
        mock.stop()
        raise


def calls(stage: Stage) -> list[SceneCall]:
    pay = {"client_transfer_id": CLIENT_TRANSFER, "from_subaccount": 0, "to_subaccount": 2, "amount_cents": 1234}
    move = {"source": "event_contract", "destination": "margined", "amount": 123_456}
    return [
        SceneCall("balances_seeded", "GetSubaccountBalances"),
        SceneCall("netting_seeded", "GetSubaccountNetting"),
        SceneCall("instance_seeded", "GetIntraExchangeInstanceTransfer", {"transfer_id": stage.facts["pending"]}),
        SceneCall("allocation_seeded", "GetTargetBalanceAllocation"),
        SceneCall("create", "CreateSubaccount"),
        SceneCall("transfer", "ApplySubaccountTransfer", pay),
        SceneCall("retry", "ApplySubaccountTransfer", pay),
        SceneCall("reused", "ApplySubaccountTransfer", pay | {"amount_cents": 999}),
        SceneCall("short", "ApplySubaccountTransfer",
                  {"client_transfer_id": SHORT_TRANSFER, "from_subaccount": 1, "to_subaccount": 0,
                   "amount_cents": 5_001}),
        SceneCall("netting_set", "UpdateSubaccountNetting", {"subaccount_number": 2, "enabled": False}),
        SceneCall("netting", "GetSubaccountNetting"),
        SceneCall("instance", "IntraExchangeInstanceTransfer", move | {"client_transfer_id": INSTANCE_TRANSFER}),
        SceneCall("instance_reused", "IntraExchangeInstanceTransfer", move | {"client_transfer_id": INSTANCE_TRANSFER,
                                                                              "amount": 1}),
        SceneCall("allocation_set", "SetTargetBalanceAllocation",
                  {"allocations": NEW_ALLOCATION, "resting_margin_reservation": "none"}),
        SceneCall("allocation", "GetTargetBalanceAllocation"),
        SceneCall("balances", "GetSubaccountBalances"),
        SceneCall("transfers", "GetSubaccountTransfers", {"limit": 1}, "pages", "transfers"),
        SceneCall("instances", "GetIntraExchangeInstanceTransfers", {"limit": 1}, "pages", "transfers"),
        SceneCall("sixty_fourth", "CreateSubaccount", key="full"),
    ]  # fmt: skip


# -- checks -------------------------------------------------------------------------------------------------------


def _rows(j: Judge, call: str, envelope: str) -> list[Any]:
    """A list answered whole: under its envelope, or the list itself for a client that answers it (pykalshi)."""
    answer = j.answer(call)
    return answer if isinstance(answer, list) else answer[envelope]


def _balances(j: Judge, call: str, want: dict[int, Decimal]) -> None:
    rows = _rows(j, call, "subaccount_balances")
    for row in rows:
        j.same(f"{call}: subaccount {row['subaccount_number']}: exchange_index", row["exchange_index"], 0)
        j.same(f"{call}: subaccount {row['subaccount_number']}: updated_ts type", type(row["updated_ts"]), int)
    got = {row["subaccount_number"]: Decimal(str(row["balance"])) for row in rows}
    j.same(f"{call}: balances", got, want)


def seeded_balances(j: Judge) -> None:
    _balances(j, "balances_seeded", SEEDED_BALANCES)


def balances_after(j: Judge) -> None:
    """After the transfer (and the instance transfer, for a client that made it: 12.3456 out of subaccount 0)."""
    want = dict(BALANCES_AFTER)
    if not has(j.dialect, "IntraExchangeInstanceTransfer"):
        want[0] += Decimal("12.3456")
    _balances(j, "balances", want)
    account = j.ledger.state.accounts[TRADER]
    with j.ledger.reading():
        j.same("the ledger's balances", {sub: account.balance(sub, 0) for sub in want}, want)


def _netting(j: Judge, call: str, want: dict[int, bool]) -> None:
    rows = _rows(j, call, "netting_configs")
    got = {row["subaccount_number"]: (row["enabled"], row["exchange_index"]) for row in rows}
    j.same(f"{call}: netting", got, {sub: (enabled, 0) for sub, enabled in want.items()})


def seeded_netting(j: Judge) -> None:
    _netting(j, "netting_seeded", {0: True, 1: False})


def netting_set(j: Judge) -> None:
    j.empty("netting_set")
    _netting(j, "netting", {0: True, 1: False, 2: False})
    with j.ledger.reading():
        j.same("the ledger's netting settings", dict(j.ledger.subaccounts.setup(TRADER).netting), {1: False, 2: False})


# The fields of a transfer equal as the wire has them; `amount` (dollars) and `created_ts` are compared apart.
_INSTANCE_FIELDS = (
    "transfer_id",
    "source",
    "destination",
    "source_exchange_shard",
    "destination_exchange_shard",
    "status",
)
_TRANSFER_FIELDS = ("transfer_id", "from_subaccount", "to_subaccount", "amount_cents", "exchange_index")


def _instance_row(record: Any) -> tuple:
    """A ledger instance transfer as the client's row must read: its amount of centi-cents in dollars."""
    amount = Decimal(record.amount) / 10_000
    return (*(getattr(record, name) for name in _INSTANCE_FIELDS), amount, unix_seconds(record.created))


def _client_instance(row: dict) -> tuple:
    return (*(row[name] for name in _INSTANCE_FIELDS), Decimal(str(row["amount"])), row["created_ts"])


def seeded_instance(j: Judge) -> None:
    answer = j.answer("instance_seeded")
    row = answer.get("transfer", answer)  # the official SDK keeps the wire's envelope; kalshi-sdk answers its inside
    with j.ledger.reading():
        record = j.ledger.state.subaccount_state.instance_by_id[j.facts["pending"]]
        j.same("instance_seeded", _client_instance(row), _instance_row(record))
    j.same("instance_seeded: status and amount", _client_instance(row)[-3:-1], ("pending", Decimal("5")))


def seeded_allocation(j: Judge) -> None:
    seeded = {"allocations": SEEDED_ALLOCATION, "resting_margin_reservation": "max"}
    j.same("allocation_seeded", j.answer("allocation_seeded"), seeded)


def created(j: Judge) -> None:
    j.same("create: subaccount_number", j.answer("create")["subaccount_number"], 2)
    with j.ledger.reading():
        j.same("the ledger's subaccounts made", j.ledger.subaccounts.setup(TRADER).created, 2)


def transferred_once(j: Judge) -> None:
    for call in ("transfer", "retry"):
        if "ApplySubaccountTransfer" in j.dialect.echoed:  # the client answers the id it sent (pykalshi)
            j.same(f"{call}: the client_transfer_id it answers", j.answer(call), CLIENT_TRANSFER)
        else:
            j.empty(call)
    with j.ledger.reading():
        records = list(j.ledger.state.subaccount_state.transfers.records(TRADER))
    made = [(r.from_subaccount, r.to_subaccount, r.amount_cents) for r in records if r.client_transfer_id == PAY_ID]
    j.same("the ledger's transfers under the client's id", made, [(0, 2, 1234)])


def refusals(j: Judge) -> None:
    j.refused("reused", 409, "conflict")
    j.refused("short", 400, "insufficient_balance")
    j.refused("sixty_fourth", 400)
    with j.ledger.reading():
        j.same("full's subaccounts after the 64th was refused", j.ledger.subaccounts.setup(FULL).created, 63)
        j.same(
            "subaccount 1 after the refused transfer", j.ledger.state.accounts[TRADER].balance(1, 0), Decimal("50.00")
        )


def transfers_listed(j: Judge) -> None:
    rows = j.listed("transfers")
    with j.ledger.reading():
        records = list(reversed(list(j.ledger.state.subaccount_state.transfers.records(TRADER))))  # newest first
    want = [(*(getattr(r, name) for name in _TRANSFER_FIELDS), unix_seconds(r.created)) for r in records]
    got = [(*(row[name] for name in _TRANSFER_FIELDS), row["created_ts"]) for row in rows]
    j.same("transfers, newest first", got, want)
    j.same("transfers: client ids", [r.client_transfer_id for r in records], [CLIENT_TRANSFER, SEEDED_TRANSFER])
    j.walked("transfers", len(want), 1)


def instance_refused(j: Judge) -> None:
    j.refused("instance_reused", 409, "conflict")


def instance_moved(j: Judge) -> None:
    made = j.answer("instance")["transfer_id"]
    state = j.ledger.state.subaccount_state
    with j.ledger.reading():
        record = state.instance_by_id.get(made)
        terms = record and (record.client_transfer_id, record.amount, record.status)
        j.same("instance: the ledger's transfer", terms, (INSTANCE_TRANSFER, 123_456, "complete"))
        j.same("the margined balance (micro-dollars)", state.margined.get((TRADER, 0, 0)), 12_345_600)


def instances_listed(j: Judge) -> None:
    rows = j.listed("instances")
    with j.ledger.reading():
        records = list(j.ledger.state.subaccount_state.instance_transfers.records(TRADER))
    want = [_instance_row(record) for record in reversed(records)]  # newest first
    j.same("instance transfers, newest first", [_client_instance(row) for row in rows], want)
    j.same("instance transfers: amounts", [Decimal(str(row["amount"])) for row in rows], [Decimal("12.3456"), 5])
    j.walked("instances", len(want), 1)


def allocation_replaced(j: Judge) -> None:
    j.empty("allocation_set")
    j.same("allocation", j.answer("allocation"), {"allocations": NEW_ALLOCATION, "resting_margin_reservation": "none"})
    with j.ledger.reading():
        setup = j.ledger.subaccounts.setup(TRADER)
        j.same("the ledger's allocation", (setup.allocations, setup.reservation), (((0, 25), (1, 75)), "none"))


_TRANSFER_OPS = ("ApplySubaccountTransfer", "GetSubaccountBalances")
SUBACCOUNTS = Scene(
    "subaccounts",
    seed,
    calls,
    (
        Check("balances as seeded", ("GetSubaccountBalances",), seeded_balances),
        Check("netting as seeded", ("GetSubaccountNetting",), seeded_netting),
        Check("an instance transfer by id", ("GetIntraExchangeInstanceTransfer",), seeded_instance),
        Check("the allocation as seeded", ("GetTargetBalanceAllocation",), seeded_allocation),
        Check("a new subaccount", ("CreateSubaccount",), created),
        Check("a transfer moves cash once", ("ApplySubaccountTransfer",), transferred_once),
        Check("refusals", ("ApplySubaccountTransfer", "CreateSubaccount"), refusals),
        Check("an instance transfer's id reused", ("IntraExchangeInstanceTransfer",), instance_refused),
        Check("netting set", ("UpdateSubaccountNetting", "GetSubaccountNetting"), netting_set),
        Check("balances after", _TRANSFER_OPS, balances_after),
        Check("transfers listed", ("GetSubaccountTransfers",), transfers_listed),
        Check("an instance transfer", ("IntraExchangeInstanceTransfer",), instance_moved),
        Check("instance transfers listed", ("GetIntraExchangeInstanceTransfers",), instances_listed),
        Check(
            "the allocation replaced", ("SetTargetBalanceAllocation", "GetTargetBalanceAllocation"), allocation_replaced
        ),
    ),  # fmt: skip
)
