"""Where a Kalshi write runs (venues/kalshi/routes.py): on the event loop, as a read does, unless it may take long: a
write whose work grows with its input (a batch, cancelling every order) or that makes a key pair (`Operation.worker`)
runs in a worker thread, and so does every write when a state file is kept (its commit may wait on a snapshot). Seen
over real HTTP, from the thread each command ran on."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from kalshi_http import signed
from kalshi_orders import T0, M, order

from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi.orders import MAX_BATCH
from mockexchange.core.values import Listed
from mockexchange.server import MockServer
from mockexchange.venues.kalshi import commands
from mockexchange.venues.kalshi.table import BY_ID, OPERATIONS

WORKER = "AnyIO worker thread"  # the name anyio gives its worker threads


def _batch(op) -> bool:
    """Whether the operation's body takes a list as long as a batch (a short list, as a key's scopes, is no batch)."""
    fields = op.body.fields if op.body is not None else ()
    return any(isinstance(f.kind, Listed) and (f.kind.most is None or f.kind.most >= MAX_BATCH) for f in fields)


def test_every_write_whose_work_grows_with_its_input_runs_in_a_worker():
    batches = [op for op in OPERATIONS if _batch(op)]
    assert {op.operation_id for op in batches} >= {"BatchCreateOrdersV2", "BatchCancelOrdersV2"}
    assert all(op.worker for op in batches), [op.operation_id for op in batches if not op.worker]
    assert BY_ID["CancelAllOrders"].worker and BY_ID["GenerateApiKey"].worker
    assert not BY_ID["CreateOrderV2"].worker and not any(op.worker for op in OPERATIONS if not op.write)


@pytest.mark.parametrize("kept", [False, True], ids=["no state file", "a state file"])
def test_a_write_runs_on_the_event_loop_unless_it_may_take_long(tmp_path: Path, monkeypatch, kept):
    ran: dict[str, str] = {}
    real = commands.execute

    def spy(ctx, command):
        ran[command.name] = threading.current_thread().name
        return real(ctx, command)

    monkeypatch.setattr(commands, "execute", spy)
    state = {"state": str(tmp_path / "state.db")} if kept else {}
    with MockServer(clock=ManualClock(T0), **state) as mock:  # type: ignore[arg-type]
        mock.create_account("alice", balance_cents=10_000)
        mock.create_market(M)
        with signed(mock, "alice") as alice:
            assert alice.post("/portfolio/events/orders", json=order()).status_code == 201
            batch = alice.post("/portfolio/events/orders/batched", json={"orders": [order(), order()]})
            assert batch.status_code == 201, batch.text
    assert ran["place_orders"] == WORKER  # a batch: always
    assert (ran["place_order"] == WORKER) is kept, ran  # one order: on the loop, but with a state file
