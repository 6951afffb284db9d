"""`mockexchange contract check` on the historical API's market data reads (tests/contract/test_check.py runs them
against the mock with every read, the historical markets named from what it lists there): a server that breaks them
is named field by field."""

from __future__ import annotations

import kit_commands
import pytest
from broken_server import BrokenHistorical, serving_through

from mockexchange.schema.refinements import HISTORICAL_MARKET_READS

pytestmark = pytest.mark.slow  # it runs schemathesis in a child process (conftest.py)


def test_a_server_that_breaks_the_historical_market_data_is_named_field_by_field(started, pem) -> None:
    server = serving_through(BrokenHistorical)
    result, summary = kit_commands.check_seeded_reads(started, server, pem, HISTORICAL_MARKET_READS)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out[-4000:]
    assert "10 historical markets" in out
    assert 'markets[].volume_fp: is not of type "string"' in summary["GET /historical/markets"], summary
    assert '"ticker" is a required property' in summary["GET /historical/markets/{ticker}"], summary
    candles = summary["GET /historical/markets/{ticker}/candlesticks"]  # (a drawn range may hold no candle)
    assert 'ticker: is not of type "string"' in candles, summary
    assert 'trades[].is_block_trade: is not of type "boolean"' in summary["GET /historical/trades"], summary
    assert len(summary) == 4, summary
