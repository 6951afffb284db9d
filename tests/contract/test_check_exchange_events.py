"""`mockexchange contract check` on Kalshi's exchange and event reads (the schedule, the user data timestamp, the fee
changes, an event's metadata, candlesticks and forecast; tests/contract/test_check.py runs them clean against the
seeded mock): a server that breaks each is named by operation and field."""

from __future__ import annotations

import re

import kit_commands
import pytest
from broken_exchange import BrokenExchangeEvents
from broken_server import serving_through

from mockexchange.schema.refinements import EXCHANGE_EVENT_READS

pytestmark = pytest.mark.slow  # it runs schemathesis in a child process (conftest.py)


def test_a_server_that_breaks_the_exchange_and_event_reads_is_named_field_by_field(started, pem) -> None:
    server = serving_through(BrokenExchangeEvents)
    result, summary = kit_commands.check_seeded_reads(started, server, pem, EXCHANGE_EVENT_READS)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out[-4000:]
    expected = {
        "/exchange/schedule": r'"monday" is a required property',
        "/exchange/user_data_timestamp": r'as_of_time: is not of type "string"',
        "/series/fee_changes": r'series_fee_change_arr\[\]\.fee_multiplier: is not of type "number"',
        "/events/fee_changes": r'"cursor" is a required property',
        "/events/{event_ticker}/metadata": r'image_url: is not of type "string"',
        "/series/{series_ticker}/events/{ticker}/candlesticks": r'adjusted_end_ts: is not of type "integer"',
        "/series/{series_ticker}/events/{ticker}/forecast_percentile_history": r"forecast_history: is not of type "
        r'"array"',
    }
    assert set(summary) == {f"GET {path}" for path in expected}, summary
    for path, said in expected.items():
        assert re.search(said, summary[f"GET {path}"]), (path, summary[f"GET {path}"])
