"""Kalshi's historical cutoff moved, declared once (core/kalshi/archive_commands.py): read from the ISO 8601 times a
state file kept it as before it was typed, each held as the exchange's (UTC) time; `at` moves all four, each named one
over it; none given is refused; the ledger's handler moves the archive's cutoffs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mockexchange.core.clock import ManualClock
from mockexchange.core.commands import Handlers, read, write
from mockexchange.core.kalshi.archive import CUTOFFS, EPOCH
from mockexchange.core.kalshi.archive_commands import SetHistoricalCutoff
from mockexchange.core.kalshi.handlers import add_kalshi_handlers
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.values import Refused

KEPT = {"orders_updated_ts": "2100-01-01T00:00:00Z", "market_positions_last_updated_ts": "2100-01-01T02:00:00+02:00"}
Y2100 = datetime(2100, 1, 1, tzinfo=UTC)


def test_a_cutoff_kept_before_it_was_typed_reads_into_utc_times_and_writes_back_the_same_times():
    cutoff = read(SetHistoricalCutoff, KEPT)
    assert cutoff.changes() == {"orders_updated_ts": Y2100, "market_positions_last_updated_ts": Y2100}
    assert cutoff.orders_updated_ts is not None and cutoff.orders_updated_ts.tzinfo is UTC
    assert write(cutoff) == dict.fromkeys(KEPT, "2100-01-01T00:00:00+00:00")
    assert read(SetHistoricalCutoff, write(cutoff)) == cutoff


def test_at_moves_all_four_and_each_named_one_itself():
    both = SetHistoricalCutoff(at=Y2100, trades_created_ts=EPOCH)
    assert both.changes() == {**dict.fromkeys(CUTOFFS, Y2100), "trades_created_ts": EPOCH}


@pytest.mark.parametrize(
    ("plain", "words"),
    [
        ({}, "give `at` or one of market_settled_ts, trades_created_ts, orders_updated_ts, "),
        ({"at": None}, "give `at` or one of"),
        ({"at": "2100-01-01T00:00:00"}, "at must be an ISO 8601 time with a timezone, e.g. 2026-12-09T19:00:00Z"),
        ({"at": "1969-12-31T23:59:59Z"}, r"at must be from 1970-01-01T00:00:00\+00:00 to before 9999-01-01"),
        ({"trades_created_ts": 0}, "trades_created_ts must be an ISO 8601 time"),
    ],
)
def test_a_cutoff_it_does_not_take_is_refused(plain, words):
    with pytest.raises(Refused, match=words):
        read(SetHistoricalCutoff, plain)


def test_the_handler_moves_the_archives_cutoffs():
    ledger = Ledger(clock=ManualClock(datetime(2026, 1, 5, tzinfo=UTC)))
    handlers = Handlers()
    add_kalshi_handlers(handlers, ledger)
    assert handlers.run(read(SetHistoricalCutoff, KEPT)) == 0  # no event's positions to move
    assert ledger.state.archive.cutoffs == {**dict.fromkeys(CUTOFFS, EPOCH), **dict.fromkeys(KEPT, Y2100)}
