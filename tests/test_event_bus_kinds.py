"""The bus hands a subscriber that named its kinds only changes of those kinds, in publication order among the
others; a `Change` stays a frozen value (issue 15: cheaper changes for bulk seeding)."""

from __future__ import annotations

import dataclasses

import pytest

from mockexchange.core.events import Change, EventBus


def test_kinds_filter_order_and_unsubscribe() -> None:
    bus = EventBus()
    seen: list[tuple[str, str]] = []
    stop_fills = bus.subscribe(lambda c: seen.append(("fills", c.kind)), ("fill",))
    bus.subscribe(lambda c: seen.append(("all", c.kind)))
    bus.subscribe(lambda c: seen.append(("positions", c.kind)), frozenset({"position", "reset"}))
    for kind in ("market", "fill", "position", "reset"):
        bus.publish(Change(kind, "u", None))
    assert seen == [
        ("all", "market"),
        ("fills", "fill"),
        ("all", "fill"),
        ("all", "position"),
        ("positions", "position"),
        ("all", "reset"),
        ("positions", "reset"),
    ]
    assert bus.subscribers("fill") == bus.subscribers("fill") and len(bus.subscribers("fill")) == 2
    stop_fills()
    stop_fills()  # idempotent
    seen.clear()
    bus.publish(Change("fill", "u", None))
    assert seen == [("all", "fill")]
    late: list[str] = []
    bus.subscribe(lambda c: late.append(c.kind), ("fill",))  # a route worked out before is dropped
    bus.publish(Change("fill", "u", None))
    assert late == ["fill"] and bus.subscriber_count() == 3


def test_change_is_a_frozen_value() -> None:
    change = Change("fill", "u", 1)
    assert change == Change("fill", "u", 1) and hash(change) == hash(Change("fill", "u", 1))
    assert change != Change("fill", "u", 2)
    assert (change.kind, change.user_id, change.payload) == ("fill", "u", 1)
    assert repr(change) == "Change(kind='fill', user_id='u', payload=1)"
    assert dataclasses.replace(change, kind="position") == Change("position", "u", 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        change.kind = "x"  # type: ignore[misc]
