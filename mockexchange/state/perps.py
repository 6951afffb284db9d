"""The perps exchange's part of a snapshot (state/snapshot.py; its registration's `snapshot`): its state's fields.
Its cash is the margined instance's, which Kalshi's part keeps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockexchange.control.registration import Snapshotting
from mockexchange.state.snapshot import fields


def keep(control: Any, seal: Callable[[str], str]) -> dict[str, Any]:
    exchange = control.perps
    with exchange.lock:
        return {"exchange": fields(exchange.state)}


def restore(control: Any, kept: dict[str, Any], unseal: Callable[[str, str], str | None]) -> Callable[[], None]:
    return lambda: vars(control.perps.state).update(kept["exchange"])


SNAPSHOT = Snapshotting(keep, restore)
