"""An instrument's candles (core/deribit/candles.py), in process: a trade rolls into each resolution's period, one the
clock set back into its own earlier period, each resolution keeps its newest `CANDLES_KEPT`, and a chart fills a
period with no trade from the close before it, the newest `limit` of its range."""

from __future__ import annotations

from decimal import Decimal

from mockexchange.core.deribit.candles import CANDLES_KEPT, MINUTE_MS, RESOLUTIONS, DeribitCandle, chart, roll

DAY = 1440 * MINUTE_MS


def figures(candles: list[DeribitCandle]) -> list[tuple[int, int, int, int, int, int]]:
    return [(c.tick, int(c.open), int(c.high), int(c.low), int(c.close), int(c.volume)) for c in candles]


def test_a_trade_rolls_into_every_resolution():
    series: list[list[DeribitCandle]] = []
    roll(series, 10 * MINUTE_MS + 5, Decimal(100), Decimal(1), Decimal(100))
    roll(series, 10 * MINUTE_MS + 9, Decimal(90), Decimal(2), Decimal(180))
    roll(series, 14 * MINUTE_MS, Decimal(120), Decimal(3), Decimal(360))
    assert len(series) == len(RESOLUTIONS)
    assert figures(series[0]) == [(10 * MINUTE_MS, 100, 100, 90, 90, 3), (14 * MINUTE_MS, 120, 120, 120, 120, 3)]
    assert figures(series[RESOLUTIONS.index(5)]) == [(10 * MINUTE_MS, 100, 120, 90, 120, 6)]
    assert figures(series[-1]) == [(0, 100, 120, 90, 120, 6)]  # the day from 00:00 UTC
    assert series[0][0].cost == 280


def test_a_trade_in_an_earlier_period_goes_into_that_period():
    series: list[list[DeribitCandle]] = []
    roll(series, 5 * MINUTE_MS, Decimal(100), Decimal(1), Decimal(100))
    roll(series, 9 * MINUTE_MS, Decimal(110), Decimal(1), Decimal(110))
    roll(series, 5 * MINUTE_MS + 1, Decimal(130), Decimal(1), Decimal(130))  # the clock set back
    roll(series, 7 * MINUTE_MS, Decimal(80), Decimal(1), Decimal(80))
    assert figures(series[0]) == [
        (5 * MINUTE_MS, 100, 130, 100, 100, 2),  # its open and close as they were: the trade came after them
        (7 * MINUTE_MS, 80, 80, 80, 80, 1),
        (9 * MINUTE_MS, 110, 110, 110, 110, 1),
    ]


def test_each_resolution_keeps_its_newest_candles():
    series: list[list[DeribitCandle]] = []
    for minute in range(CANDLES_KEPT + 3):
        roll(series, minute * MINUTE_MS, Decimal(100 + minute), Decimal(1), Decimal(1))
    assert len(series[0]) == CANDLES_KEPT and series[0][0].tick == 3 * MINUTE_MS
    assert len(series[-1]) == 4  # the days it spans
    roll(series, 0, Decimal(1), Decimal(1), Decimal(1))  # older than every minute kept: forgotten there
    assert len(series[0]) == CANDLES_KEPT and series[0][0].tick == 3 * MINUTE_MS


def test_a_chart_fills_the_periods_without_trade_and_answers_its_newest():
    series: list[list[DeribitCandle]] = []
    roll(series, 2 * MINUTE_MS, Decimal(100), Decimal(1), Decimal(100))
    roll(series, 5 * MINUTE_MS, Decimal(120), Decimal(2), Decimal(240))
    found = list(chart(series, 1, 0, 10 * MINUTE_MS, 6 * MINUTE_MS + 30_000, 100))
    assert [c.tick // MINUTE_MS for c in found] == [2, 3, 4, 5, 6]  # from the first trade to the clock's minute
    assert [int(c.close) for c in found] == [100, 100, 100, 120, 120]
    assert [int(c.volume) for c in found] == [1, 0, 0, 2, 0]
    newest = list(chart(series, 1, 0, 10 * MINUTE_MS, 6 * MINUTE_MS, 3))
    assert [c.tick // MINUTE_MS for c in newest] == [4, 5, 6] and int(newest[0].open) == 100  # the close before
    assert list(chart(series, 1, 0, MINUTE_MS, DAY, 100)) == []  # before the first trade: none
    assert list(chart([], 1, 0, DAY, DAY, 100)) == []
    late = list(chart(series, 3, MINUTE_MS, DAY, DAY, 2))
    assert [c.tick // MINUTE_MS for c in late] == [1437, 1440]  # the newest two periods of three minutes
