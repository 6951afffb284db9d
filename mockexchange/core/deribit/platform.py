"""The Deribit platform's own news, set through the control plane: the price indices it is locked in
(`public/status`) and its announcements (`public/get_announcements`). A lock is reported, as Deribit's status reports
it; the mock's matching does not stop for it (docs/known-differences.md).

Each is published on the exchange's bus for the `platform_state` and `announcements` channels: a lock set with the
indices locked before and after it; an announcement once its publication time is reached by the exchange clock (at
once when it is added, else at the first announcement added or clock move after it: `tell_due`).
"""

from __future__ import annotations

from datetime import datetime
from itertools import islice

from mockexchange.core.deribit.exchange_state import ExchangeState
from mockexchange.core.deribit.records import Announcement

MAX_ANNOUNCEMENTS = 1_000  # kept, the newest by publication time
MAX_READ = 50  # one read's most (Deribit's `count`)


class Platform:
    """The locked indices (the state's `locked_indices`, in the order set) and the announcements (its
    `announcements`, by publication time)."""

    def __init__(self, state: ExchangeState) -> None:
        self.state = state

    def set_locked(self, indices: tuple[str, ...]) -> list[str]:
        """Lock the platform in `indices` from now on, and in no other (each named once); answers them."""
        state = self.state
        with state.lock:
            before = list(state.locked_indices)
            state.locked_indices[:] = dict.fromkeys(indices)
            state.publish("platform_state", None, (before, list(state.locked_indices)))
            return list(state.locked_indices)

    def status(self) -> tuple[str, list[str]]:
        """`public/status`: "true" locked in every index that has a price (at least one), "partial" in some, "false"
        in none; and the indices locked."""
        state = self.state
        with state.lock:
            locked = list(state.locked_indices)
            now = state.clock.now()
            priced = {name for name, path in state.indexes.items() if path.at(now) is not None}
        if not locked:
            return "false", locked
        return ("true" if priced and priced <= set(locked) else "partial"), locked

    def announce(
        self, title: str, body: str, important: bool, confirmation: bool, published: datetime | None
    ) -> Announcement:
        state = self.state
        with state.lock:
            made = Announcement(
                state.next_announcement_id, title, body, important, confirmation, published or state.clock.now()
            )
            state.next_announcement_id += 1
            self.tell_due()
            kept = state.announcements
            kept.append(made)
            kept.sort(key=lambda item: (item.published, item.id))
            del kept[: max(0, len(kept) - MAX_ANNOUNCEMENTS)]
            if made.published <= state.clock.now():  # (one for later: told when the clock reaches it)
                state.publish("announcement", None, made)
            return made

    def tell_due(self) -> None:
        """Publish each announcement whose publication time the clock has reached since this was last asked (none the
        first time: each is published at once when added with a time reached)."""
        state = self.state
        with state.lock:
            now, since = state.clock.now(), state.announced_until
            state.announced_until = now
            if since is None or since >= now:
                return
            for item in state.announcements:
                if since < item.published <= now:
                    state.publish("announcement", None, item)

    def announcements(self, latest: datetime, count: int) -> list[Announcement]:
        """The newest `count` published at or before `latest` (and by now), newest first."""
        state = self.state
        latest = min(latest, state.clock.now())
        with state.lock:
            found = (item for item in reversed(state.announcements) if item.published <= latest)
            return list(islice(found, count))
