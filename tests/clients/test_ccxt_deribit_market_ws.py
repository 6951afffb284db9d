"""ccxt 4.5.90, unmodified from PyPI in its own venv, following the mock's Deribit public channels with ccxt.pro:
`watch_trades`, `watch_ohlcv` and `watch_ticker` in one client run, while another account takes resting asks over
two minutes once the channels are acknowledged. Every trade, candle and ticker field ccxt parsed equals what the mock
keeps (public/get_last_trades_by_instrument, public/get_tradingview_chart_data, public/ticker), and a wrong value is
named by the check."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest

from mockexchange.contract.clients.ccxt_market_ws import market_ws_problems, watch_market

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py

PERP = "BTC-PERPETUAL"


def test_watch_trades_ohlcv_and_ticker_equal_the_mocks_records(client_venvs: dict[str, Path], tmp_path: Path) -> None:
    watched = watch_market(tmp_path)
    assert market_ws_problems(watched) == []
    assert watched.channels == [f"trades.{PERP}.100ms", f"chart.trades.{PERP}.1", f"ticker.{PERP}.100ms"]
    done = watched.done
    assert [(t["side"], t["price"], t["amount"]) for t in done["trades"]] == [
        ("buy", 60010.0, 40.0), ("buy", 60020.0, 20.0), ("buy", 60030.0, 10.0)
    ]  # fmt: skip
    (first, second) = done["ohlcv"]
    assert second[0] - first[0] == 60_000 and first[1:5] == [60010.0] * 4 and second[1:5] == [60020.0, 60030.0,
                                                                                          60020.0, 60030.0]  # fmt: skip
    assert watched.chart["volume"][0] == Decimal("0.00066656")  # 40 USD at 60010, in BTC to 8 places
    ticker = done["ticker"]
    assert (ticker["last"], ticker["bid"], ticker["ask"]) == (60030.0, 59990.0, 60040.0)
    assert ticker["quoteVolume"] == 70.0  # USD traded today
    # A client that parsed a wrong value is named, method by method.
    for path, value, named in (
        (("trades", 1, "price"), 60021.0, "watch_trades' trade"),
        (("ohlcv", 0, 4), 60011.0, "watch_ohlcv's candles"),
        (("ticker", "bidVolume"), 49.0, "watch_ticker's bidVolume"),
    ):
        wrong = copy.deepcopy(watched)
        held = wrong.done
        for step in path[:-1]:
            held = held[step]
        held[path[-1]] = value
        assert market_ws_problems(wrong)[0].startswith(named)
