"""The kept index (core/kept_index.py) against a plain model: records added (the clock set back now and then), dropped
anywhere and trimmed from the oldest, its columns made again without their holes; every page, cursor, count and
oldest-first walk reads as the model's sorted records, and a cursor stays good across a rebuild."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from mockexchange.core.kept_index import KeptIndex
from mockexchange.core.time_index import TimeIndex

T0 = datetime(2026, 1, 2, tzinfo=UTC)


def pages(index, user: str, limit: int, **query) -> list[tuple[tuple[int, int], object]]:
    """Every page of the user's records, cursor after cursor, newest first."""
    found, before = [], None
    while True:
        page, more = index.page(user, limit, before=before, **query)
        found += page
        if not more:
            return found
        before = page[-1][0]


def test_pages_counts_and_trims_read_as_the_kept_records_do():
    rng = random.Random(7)
    index, model = KeptIndex(), {}  # model: key -> record, the user's kept records
    when = T0
    for n in range(600):
        when += timedelta(microseconds=rng.choice((0, 0, 1, 5)) if rng.random() > 0.05 else -7)  # ties; set back
        model[index.add("u", when, n)] = n
        if n % 3 == 0:  # a drop anywhere, now and then twice in a row
            key = rng.choice(sorted(model))
            assert index.drop("u", key) == model.pop(key)
        if n % 50 == 49:
            gone = index.trim("u", 40, droppable=lambda record: record % 2 == 0)
            kept = sorted(model)
            assert gone == [model.pop(k) for k in [k for k in kept if model[k] % 2 == 0][: len(gone)]]
            assert len(model) <= 40 or all(model[k] % 2 for k in model)
    newest_first = sorted(model.items(), reverse=True)
    assert pages(index, "u", 7) == newest_first
    assert list(index.records("u")) == [record for _, record in sorted(model.items())]
    cut = sorted(model)[len(model) // 2][0]
    assert index.count("u", until_us=cut) == sum(1 for at, _ in model if at < cut)
    assert pages(index, "u", 5, from_us=cut) == [item for item in newest_first if item[0][0] >= cut]
    assert pages(index, "u", 5, keep=lambda record: record % 3 == 1) == [i for i in newest_first if i[1] % 3 == 1]


def test_a_cursor_holds_across_a_rebuild_and_a_drained_user_holds_nothing():
    index, when = KeptIndex(), T0
    keys = [index.add("u", when + timedelta(microseconds=i // 4), i) for i in range(200)]
    first, more = index.page("u", 10)
    assert more and [record for _, record in first] == list(range(199, 189, -1))
    for key in keys[:150]:  # drops that rebuild the columns (holes outnumber what is kept)
        index.drop("u", key)
    rest, _ = index.page("u", 100, before=first[-1][0])
    assert [record for _, record in rest] == list(range(189, 149, -1))
    assert index.trim("u", 0) == list(range(150, 200)) and index.count("u") == 0 and index.page("u", 10) == ([], False)


def test_it_pages_as_the_time_index_does():
    kept, timed = KeptIndex(), TimeIndex()
    for i in range(40):
        at = T0 + timedelta(seconds=i // 3)
        assert kept.add("u", at, i)[0] == timed.add("u", at, i)[0]
    query = {
        "min_ts": int((T0 + timedelta(seconds=2)).timestamp()),
        "max_ts": int((T0 + timedelta(seconds=9)).timestamp()),
    }
    assert [r for _, r in pages(kept, "u", 4, **query)] == [r for _, r in pages(timed, "u", 4, **query)]
