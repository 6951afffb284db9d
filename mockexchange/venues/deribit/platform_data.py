"""Deribit's public reads of the platform itself: `public/status` (the indices it is locked in,
core/deribit/platform.py), `public/hello` (a client introducing itself: the API's version), `public/get_announcements`
(the newest published by a time); and their rows. The locks and announcements are set through the control plane.
"""

from __future__ import annotations

from typing import Any

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.platform import MAX_READ
from mockexchange.core.deribit.records import Announcement
from mockexchange.core.values import Integer
from mockexchange.venues.deribit.methods import VERSION, Method, RpcCall
from mockexchange.venues.deribit.params import STRING
from mockexchange.venues.deribit.render import Row

COUNT = Integer(1, MAX_READ)
DEFAULT_COUNT = 5  # announcements a read answers when it does not say (Deribit's default)


def public_status(call: RpcCall) -> Any:
    locked, indices = call.ctx.exchange.platform.status()
    return status_row(locked, indices)


def public_hello(call: RpcCall) -> Any:
    # (what it names is not kept: Deribit's use of it is its own)
    call.params.read("client_name", STRING, required=True)
    call.params.read("client_version", STRING, required=True)
    return {"version": VERSION}


def public_get_announcements(call: RpcCall) -> Any:
    exchange = call.ctx.exchange
    latest = call.params.time("start_timestamp", exchange.state.clock.now())
    count = call.params.read("count", COUNT, DEFAULT_COUNT)
    return [announcement_row(item) for item in exchange.platform.announcements(latest, count)]


METHODS: dict[str, Method] = {
    "public/status": Method(public_status),
    "public/hello": Method(public_hello),
    "public/get_announcements": Method(public_get_announcements),
}


# -- rows -------------------------------------------------------------------------------------------------------------


def status_row(locked: str, indices: list[str]) -> Row:
    return {"locked": locked, "locked_indices": indices}


def announcement_row(item: Announcement) -> Row:
    return {
        "title": item.title,
        "publication_timestamp": unix_ms(item.published),
        "important": item.important,
        "id": item.id,
        "confirmation": item.confirmation,
        "body": item.body,
    }
