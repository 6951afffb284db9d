"""The inspector's live feed: `GET /_admin/events`, server-sent events (text/event-stream) saying what changed in the
mock as it changes, so a page shows it without asking again and again.

Sources tell the feed a topic changed, from whatever thread they run on, without blocking: the request journal
(`requests`), the mock's bus (`state`, with the users whose accounts changed, by venue; and each venue's own topics,
its panel's `Moves`: Kalshi's `markets`, with the markets whose book, trades or status moved; Deribit's `instruments`,
with the instruments an order change moved), the frame tap and the connection registry (`connections`), the admin
operations and the scenario (`control`). Which venue a change is of, and what it moves, the venues' panels say
(admin/panels.py): the feed names no venue. Nothing is done for a topic while no client listens. Each client gathers
its topics for `COALESCE_S` (one timer, on its loop), then its events are built there, once for the batch: `requests`
carries the journal's new entries (each with the user its key belongs to), `state` the changed users, the clock and the
scenario, a venue's topic the things it moved (`markets`: the tickers; `instruments`: the names; a book that moves a
thousand times a second is one small event a window: the page reads it again, at its own pace), `connections` what
changed in the open websockets since this client was last told (admin/connections.py: the first lists them all; then a
connection that moved frames is its counts and new frames, one whose subscriptions changed its description; at most
`CONNECTIONS_EVENT_BYTES` an event, the rest in the next window), `control` the scenario, the fault rules, the rate
limits and the REST lag. A flood of requests is one event per window, not one per request, and a flood of frames costs
what the frames are, not the connections' whole description again.

A client's events wait in its own queue, counted in bytes: an event is queued while less than `QUEUE_BYTES` wait, so a
client that does not read fills it and is dropped (its connection closed at once, `web.extensions.DROPPED`): what the
mock holds for it stays bounded. An idle stream carries a comment every `HEARTBEAT_S` seconds, so a client (and any
proxy between) knows it is alive. The stream ends when the server shuts down (`web.extensions.STREAM_ENDS`). The first
event, `hello`, says where the journal stands; a client that reconnects with `?since=SEQ` (the `last_seq` it had) gets
what it missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from mockexchange.admin.connections import ConnectionChanges, ConnectionReads
from mockexchange.admin.guard import error
from mockexchange.admin.panels import Moves, Panel
from mockexchange.core.events import Change, Subscribed
from mockexchange.core.numbers import IntegerError, excerpt, parse_int
from mockexchange.journal.journal import Journal
from mockexchange.version import __version__
from mockexchange.web.extensions import DROPPED, STREAM_ENDS
from mockexchange.web.websocket import until_first_ends

log = logging.getLogger(__name__)

QUEUE_BYTES = 4 << 20  # events waiting for one client, in bytes (sent or not); one more may be queued past it
CONNECTIONS_EVENT_BYTES = 1 << 20  # of connections in one event; the rest go in the next window
HEARTBEAT_S = 15.0
COALESCE_S = 0.1  # a client's topics gathered this long before its events are built
REQUESTS_PER_EVENT = 500  # journal entries in one `requests` event; older ones of a larger batch are skipped
MAX_USERS_NAMED = 1_000  # changed users named in one `state` event; past it, `users` is null (every user)
MAX_MARKETS_NAMED = 1_000  # things (markets, instruments) named in one event of a venue's topic; past it, null
# A batch's events' order: the venues' own topics (their panels' `Moves`) come after `state`.
FIRST_TOPICS = ("state",)
LAST_TOPICS = ("cleared", "requests", "connections", "control")
RETRY_MS = 2_000  # what an EventSource waits before it reconnects

Read = Callable[[], dict[str, Any]]


def event(name: str, data: Any) -> bytes:
    """One server-sent event: its name and one line of JSON."""
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


class _Client:
    """One listening page: its loop, its queue, the topics gathered since its last batch, and what it was told of the
    connections."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        seq: int,
        connections: ConnectionChanges,
        users: dict[str, set[str]],
        names: dict[str, set[str] | None],
    ) -> None:
        self.loop = loop
        self.queue: deque[bytes] = deque()
        self.queued = 0  # bytes queued, and being sent
        self.ready = asyncio.Event()  # something is queued
        self.seq = seq  # the journal's last entry this client has
        self.connections = connections
        self.ended = asyncio.Event()  # dropped, or the server shuts down
        self.dropped = False
        self.lock = threading.Lock()
        self.topics: set[str] = set()
        self.users = users  # by venue
        self.every_user = False  # a reset, or more users than MAX_USERS_NAMED
        # A venue's topic's names (None: every one: a reset, or more than MAX_MARKETS_NAMED).
        self.names = names
        self.scheduled = False

    def name(self, topic: str, venue: str | None, name: str | None, everyone: bool) -> None:
        """Under `lock`: note whose change it is (`state`: a venue's user; a venue's topic: the thing it names, as
        Kalshi's `markets` a market's ticker)."""
        if topic in self.names:
            named = self.names[topic]
            if everyone or named is None:
                self.names[topic] = None
            elif name is not None:
                named.add(name)
                if len(named) > MAX_MARKETS_NAMED:
                    self.names[topic] = None
            return
        if everyone:
            self.every_user = True
        elif venue in self.users and name is not None and not self.every_user:
            named = self.users[venue]
            named.add(name)
            if len(named) > MAX_USERS_NAMED:
                self.every_user = True

    def end(self, dropped: bool = False) -> None:
        """On the loop."""
        self.dropped = self.dropped or dropped
        self.ended.set()

    def put(self, chunk: bytes) -> None:
        """On the loop: queue an event, or drop a client that has `QUEUE_BYTES` waiting already."""
        if self.queued >= QUEUE_BYTES:
            self.end(dropped=True)
            return
        self.queue.append(chunk)
        self.queued += len(chunk)
        self.ready.set()


class Feed:
    """The live feed of one app. `reads` builds the events' data: "state" and "control" are reads without arguments;
    "requests" come from the journal with "user_of" (venue, key id), and "connections" from what `connections` reads
    for each client. `panels`: the venues' (each names its change kinds and its own topics; none: a proxy's feed)."""

    def __init__(
        self,
        journal: Journal,
        reads: Mapping[str, Read],
        user_of: Callable[[str, str | None], str | None],
        connections: ConnectionReads,
        panels: Sequence[Panel] = (),
    ) -> None:
        self.journal = journal
        self.reads = reads
        self.user_of = user_of
        self.connections = connections
        # The longest prefix first: a change's venue is the first whose kinds it begins with.
        self.panels = sorted(panels, key=lambda panel: -len(panel.kinds))
        self.venues = tuple(panel.name for panel in panels)
        self.moves = {moves.topic: moves for panel in panels for moves in panel.moves}
        self.topics = (*FIRST_TOPICS, *self.moves, *LAST_TOPICS)
        self._clients: tuple[_Client, ...] = ()
        self._lock = threading.Lock()
        self.on_open: Callable[[], None] | None = None  # told when a client opens (the frame tap starts recording)
        self._stop_watching: list[Callable[[], None]] = []
        self._wants_changed: list[Callable[[], None]] = []  # each watched bus's, called as clients come and go

    # -- the sources (any thread; never blocks) -------------------------------------------------------------------

    def watch(self, subscribe: Callable[..., Subscribed]) -> None:
        """Follow a bus (`EventBus.subscribe`): its changes are `state` (and the users they name); while no client
        listens, it wants none (a batch of fills makes none for it)."""
        subscription = subscribe(self._on_change, wants=self._listened)
        self._stop_watching.append(subscription)
        self._wants_changed.append(subscription.wants_changed)

    def _listened(self) -> bool:
        return bool(self._clients)

    def watch_journal(self) -> None:
        self._stop_watching.append(
            self.journal.watch(lambda entry: self.notify("requests" if entry is not None else "cleared"))
        )

    def _no_users(self) -> dict[str, set[str]]:
        return {venue: set() for venue in self.venues}

    def _no_names(self) -> dict[str, set[str] | None]:
        return {topic: set() for topic in self.moves}

    def _on_change(self, change: Change) -> None:
        if not self._clients:
            return
        kind = change.kind
        panel = next((panel for panel in self.panels if kind.startswith(panel.kinds)), None)
        if panel is None:  # a venue the inspector does not show: its users are none of the page's
            self.notify("state")
            return
        alone = False
        for moves in panel.moves:
            alone = self._moved(moves, change) or alone
        if alone:
            return
        everyone = kind in panel.everyone or change.user_id is None
        self.notify("state", panel.name, change.user_id, everyone=everyone)
        party = panel.parties.get(kind)
        if party is not None:
            self.notify("state", panel.name, getattr(change.payload, party))

    def _moved(self, moves: Moves, change: Change) -> bool:
        """Tell what the change moved of the venue's topic; whether that is all it moved (no account's)."""
        attribute = moves.named.get(change.kind)
        if attribute is not None:
            self.notify(moves.topic, name=getattr(change.payload, attribute))
        elif change.kind in moves.every:
            self.notify(moves.topic, everyone=True)
        return change.kind in moves.only

    def notify(self, topic: str, venue: str | None = None, name: str | None = None, everyone: bool = False) -> None:
        """Tell every client that `topic` changed (`state`: whose account; `markets`: which market; `instruments`: which
        instrument; or `everyone`)."""
        for client in self._clients:
            self.tell(client, topic, venue, name, everyone)

    def tell(
        self, client: _Client, topic: str, venue: str | None = None, name: str | None = None, everyone: bool = False
    ) -> None:
        """Tell one client that `topic` changed; its window starts unless one is waiting already."""
        with client.lock:
            client.topics.add(topic)
            client.name(topic, venue, name, everyone)
            if client.scheduled:
                return
            client.scheduled = True
        with contextlib.suppress(RuntimeError):  # its loop has closed: the server stopped under it
            client.loop.call_soon_threadsafe(client.loop.call_later, COALESCE_S, self._flush, client)

    def changed(self) -> None:
        """What an admin operation or the scenario changed: the control state, and perhaps any account or the clock."""
        self.notify("control")
        self.notify("state", everyone=False)

    # -- clients (the server's loop) ----------------------------------------------------------------------------------

    def open(self, since: int | None) -> _Client:
        seq = self.journal.last_seq if since is None else since
        client = _Client(
            asyncio.get_running_loop(), seq, self.connections.changes(), self._no_users(), self._no_names()
        )
        if self.on_open is not None:
            self.on_open()
        with self._lock:
            self._clients = (*self._clients, client)
        self._listening_moved()
        return client

    def close(self, client: _Client) -> None:
        with self._lock:
            self._clients = tuple(c for c in self._clients if c is not client)
        self._listening_moved()

    def _listening_moved(self) -> None:
        """Whether a client listens may have changed: the buses it watches ask `_listened` again."""
        for changed in self._wants_changed:
            changed()

    @property
    def listening(self) -> int:
        return len(self._clients)

    def _flush(self, client: _Client) -> None:
        """Build the client's events for the topics gathered, and queue them; a full queue drops the client."""
        with client.lock:
            topics, client.topics = client.topics, set()
            users, every = client.users, client.every_user
            client.users, client.every_user = self._no_users(), False
            names, client.names = client.names, self._no_names()
            client.scheduled = False
        if client.ended.is_set():
            return
        for topic in self.topics:
            if topic not in topics:
                continue
            try:
                data = self._build(topic, client, users, every, names)
            except Exception:  # a bug of the mock's: the page misses one event, the feed goes on
                log.exception("inspector feed: could not build the %s event", topic)
                continue
            if data is None:
                continue
            client.put(event(topic, data))
            if client.ended.is_set():
                return
        if "connections" in topics and client.connections.more:
            self.tell(client, "connections")  # what did not fit in this window's event

    def _build(
        self, topic: str, client: _Client, users: dict[str, set[str]], every: bool, names: dict[str, set[str] | None]
    ) -> Any:
        if topic in names:
            named = names[topic]
            return {self.moves[topic].field: None if named is None else sorted(named)}
        if topic == "requests":
            return self._requests(client)
        if topic == "cleared":
            return {"last_seq": self.journal.last_seq}
        if topic == "state":
            shown = None if every else {venue: sorted(found) for venue, found in users.items()}
            return {"users": shown, **self.reads["state"]()}
        if topic == "connections":
            return client.connections.next_event(CONNECTIONS_EVENT_BYTES)
        return self.reads[topic]()

    def _requests(self, client: _Client) -> dict[str, Any] | None:
        read = self.journal.read(since=client.seq)
        entries, last_seq = read["requests"], read["last_seq"]
        skipped = max(0, len(entries) - REQUESTS_PER_EVENT)
        entries = entries[skipped:]
        client.seq = last_seq
        if not entries:
            return None
        for entry in entries:
            entry["user_id"] = self.user_of(entry["venue"], entry["key_id"])
        return {"requests": entries, "last_seq": last_seq, "skipped": skipped}

    def hello(self, client: _Client) -> bytes:
        facts = {"version": __version__, "last_seq": self.journal.last_seq, "queue_bytes": QUEUE_BYTES}
        return b"retry: %d\n\n" % RETRY_MS + event("hello", facts | {"heartbeat_s": HEARTBEAT_S})

    # -- the endpoint -------------------------------------------------------------------------------------------------

    async def endpoint(self, request: Request) -> Response:
        """`GET /_admin/events[?since=SEQ]` (guarded by the caller)."""
        accept = request.headers.get("accept", "")
        if "text/event-stream" not in accept:
            return error(
                "GET /_admin/events is a stream of server-sent events: send Accept: text/event-stream "
                "(EventSource does; curl -N -H 'Accept: text/event-stream')",
                406,
            )
        since = None
        for name, value in request.query_params.multi_items():
            if name != "since":
                return error(f"unknown query parameter {excerpt(name)}; accepted: since", 400)
            if since is not None:
                return error("since is given more than once", 400)
            try:
                since = parse_int(value, 0)
            except IntegerError as exc:
                return error(f"since must be a journal seq (an integer >= 0): {exc}", 400)
        return _Stream(self, self.open(since))


class _Stream(Response):
    """The response of one client: the hello, then its events as they are queued, heartbeats while idle; it ends when
    the client leaves, is dropped or the server shuts down."""

    media_type = "text/event-stream"

    def __init__(self, feed: Feed, client: _Client) -> None:
        # As StreamingResponse does: no body, so no Content-Length.
        self.status_code = 200
        self.background = None
        self.init_headers({"Cache-Control": "no-store", "X-Accel-Buffering": "no", "X-Content-Type-Options": "nosniff"})
        self.feed = feed
        self.client = client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = self.client
        scope[STREAM_ENDS] = client.end  # the mock's server calls it when it shuts down (on the loop)
        try:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            await send({"type": "http.response.body", "body": self.feed.hello(client), "more_body": True})
            self.feed.notify("requests")  # what the journal holds after `since`, if anything
            self.feed.tell(client, "connections")  # every open connection, to this client
            failure = await until_first_ends(self._pump(send), _until_gone(receive), client.ended.wait())
            if failure is not None:
                log.error("inspector feed: a stream failed", exc_info=failure)
        finally:
            self.feed.close(client)
        last = {"type": "http.response.body", "body": b"", "more_body": False}
        if client.dropped:
            last[DROPPED] = True  # the mock's server closes the connection at once: the client does not read
        with contextlib.suppress(Exception):  # the client has gone: nothing to end
            await asyncio.wait_for(send(last), 1.0)

    async def _pump(self, send: Send) -> None:
        client = self.client
        in_flight = 0  # bytes written last, which the transport may still hold
        while True:
            if client.queue:
                chunk = b"".join(client.queue)
                client.queue.clear()
            else:
                client.ready.clear()
                try:
                    await asyncio.wait_for(client.ready.wait(), HEARTBEAT_S)
                    continue
                except TimeoutError:
                    chunk = b": heartbeat\n\n"
            # The server waits for its transport to drain what it holds before it writes more: once this returns,
            # what was in flight left, and `chunk` is in flight. A client's bytes are counted until they leave.
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            client.queued -= in_flight
            in_flight = len(chunk) if chunk[:1] != b":" else 0


async def _until_gone(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
