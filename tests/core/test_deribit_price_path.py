"""What a Deribit path keeps past its bound (core/deribit/price_path.py): the newest `MAX_POINTS` points and the one in
force when points were set, whichever of them is oldest; nothing else of what came before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from mockexchange.core.deribit.price_path import MAX_POINTS, PricePath
from mockexchange.core.deribit.records import Price

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _points(first: int, count: int) -> list[Price]:
    """`count` points a second apart from `first` seconds after NOW, each worth its own offset."""
    return [Price(Decimal(first + i), NOW + timedelta(seconds=first + i)) for i in range(count)]


def _offsets(path: PricePath) -> list[int]:
    return [int(point.value) for point in path.points]


@pytest.mark.parametrize(
    ("before", "setting", "kept"),
    [
        # three past points (the last in force), 10,000 set ahead: the one in force and the 10,000
        ([(-3, 3)], (1, MAX_POINTS), [-1, *range(1, MAX_POINTS + 1)]),
        # and five points ahead set earlier, before the new ones: those go, as the older past ones do
        ([(-3, 3), (1, 5)], (6, MAX_POINTS), [-1, *range(6, MAX_POINTS + 6)]),
        # nothing in force yet (every point ahead): the newest 10,000
        ([(1, MAX_POINTS)], (MAX_POINTS + 1, MAX_POINTS), list(range(MAX_POINTS + 1, 2 * MAX_POINTS + 1))),
        # the one in force among the newest: the oldest go, as many as are over
        ([(-MAX_POINTS, MAX_POINTS)], (0, 1), list(range(-MAX_POINTS + 1, 1))),
    ],
)
def test_a_path_past_its_bound_keeps_its_newest_points_and_the_one_in_force(
    before: list[tuple[int, int]], setting: tuple[int, int], kept: list[int]
) -> None:
    path = PricePath()
    for first, count in before:
        path.set(_points(first, count), NOW)
    path.set(_points(*setting), NOW)
    assert _offsets(path) == kept
