"""State files written by an earlier mock restore to the answers it gave: here, one whose commands hold a Kalshi
account's orders as they were kept before the order writes were typed commands (tests/data/write_state_orders.py
wrote it with main at 193929e: through the Python API and by a client over the wire). Its snapshots were dropped, so
every command runs again, read into today's commands. The mock's clock stands on the evening the file was written: a
market's previous-day figures roll at UTC midnight, so a later day would answer other figures than the ones kept."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_state_restart import KALSHI_READS, _answers, _rpc

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

ORDERS = Path(__file__).parent / "data" / "state-orders-193929e.db"
WRITTEN = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)  # the evening of the day the file was written (its commit's)

pytestmark = pytest.mark.slow


def test_orders_kept_before_typed_commands_run_again_to_the_same_answers(tmp_path: Path) -> None:
    kept = json.loads(ORDERS.with_suffix(".json").read_text())
    path = tmp_path / "state.db"
    for suffix in ("", "-key", "-mark"):
        shutil.copyfile(f"{ORDERS}{suffix}", f"{path}{suffix}")
    with MockServer(state=str(path), seed=25, clock=ManualClock(WRITTEN)) as mock:
        persistence = mock.app.persistence
        assert persistence is not None and persistence.warnings() == []
        status = persistence.status()
        assert status["restored_commands"] == status["commands"] == 42
        auth = KalshiAuth(KalshiSigner.from_pem(kept["kalshi_key"]["key_id"], kept["kalshi_key"]["private_key_pem"]))
        granted = _rpc(mock, "public/auth", {"grant_type": "client_credentials", **kept["deribit_key"]})["result"]
        answers = _answers(mock, auth, granted["access_token"], KALSHI_READS)
    read = {k: v.decode() if isinstance(v, bytes) else v for k, v in answers.items()}
    assert '"status":"resting"' in read["/portfolio/orders"]  # there is something to compare
    assert read == kept["answers"]
