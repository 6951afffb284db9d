"""Deribit's `user.mmp_trigger.{index_name}` notification of a market maker protection trigger (core's
`mmp_trigger` change, core/deribit/mmp.py), for every connection bound to the wallet it froze that holds the index's
channel: the index, when the freeze ends (ms; 0 until `private/reset_mmp`) and, for a mass quote group's trigger, the
group.

A kind of `notifications.UserNotifications`, so the websocket's sender treats every kind alike.
"""

from __future__ import annotations

import orjson

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.mmp_records import MmpTriggered
from mockexchange.venues.deribit.channels import Channel
from mockexchange.venues.deribit.notifications import UserNotifications


def trigger_row(triggered: MmpTriggered) -> dict[str, object]:
    row: dict[str, object] = {
        "index_name": triggered.index_name,
        "frozen_until": 0 if triggered.frozen_until is None else unix_ms(triggered.frozen_until),
    }
    if triggered.mmp_group is not None:
        row["mmp_group"] = triggered.mmp_group
    return row


class MmpTriggerNotifications(UserNotifications[None]):
    __slots__ = ("triggered",)

    def __init__(self, triggered: MmpTriggered) -> None:
        super().__init__()
        self.triggered = triggered

    def _instrument(self, exchange: DeribitExchange) -> None:
        return None  # (a trigger is of an index)

    def _ours(self, user_id: str, wallet_id: int) -> bool:
        return user_id == self.triggered.user_id and wallet_id == self.triggered.wallet_id

    def _key(self, channel: Channel, instrument: None) -> str | None:
        if channel.family == "mmp_trigger" and channel.index_name == self.triggered.index_name:
            return channel.family
        return None

    def _data_json(self, exchange: DeribitExchange, key: str, instrument: None) -> bytes:
        return orjson.dumps(trigger_row(self.triggered))
