"""The inspector's panel of one venue (a registration's `panel`, made from what the venue serves): its part of the
account list (`GET /_admin/accounts`), one account of it (`GET /_admin/accounts/{user_id}`, with the query parameters
it reads), whose a key is (the live feed names a request's user), what its changes on the bus move (the live feed's
`state` event names their users; `Moves`: a topic of its own, such as Kalshi's `markets`), its own reads beside those
(routes and their OpenAPI entries) and the page's scripts that draw it (served under /_inspector/; each registers its
section with the page, inspector.js's `window.inspector.venue`).

admin/accounts.py joins every venue's panel; a venue with no panel is left out of the inspector.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Self

from starlette.routing import BaseRoute

from mockexchange.admin.guard import AdminGuard

Schemas = Mapping[str, Mapping[str, Any]]
JS = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Moves:
    """A live-feed topic of a venue's own (admin/feed.py): which of its change kinds move what the topic shows, each
    naming one thing (`named`: kind -> the payload's attribute that names it) or every one (`every`); its event lists
    the things moved in `field` (null: every one). A kind in `only` moves nothing else: no account's."""

    topic: str
    field: str
    named: Mapping[str, str]
    every: frozenset[str] = frozenset()
    only: frozenset[str] = frozenset()


class Panel:
    """A panel that shows nothing: each venue's says what it shows (admin/kalshi/panel.py, admin/deribit/panel.py)."""

    # The venue's name (the key of its part of every answer) and its title ("no Kalshi or Deribit account has it"):
    # its registration's, which `named` gives it.
    name = ""
    title = ""
    labels: tuple[str, ...] = ()  # the journal's names of the venue's requests (a gateway's too)
    query: Schemas = {}  # the query parameters of one account it reads, as JSON Schemas
    # The page's scripts and style sheets that draw it: file name -> media type; each a file of the `static/` folder
    # beside the panel's module (package data), served under /_inspector/ (`asset`)
    assets: Mapping[str, str] = {}
    # The live feed (admin/feed.py): its change kinds on the bus begin with `kinds` (the longest prefix of every
    # venue's a kind begins with names its venue); those of `everyone` change every user's account, as a change naming
    # no user does; `moves`: its own topics beside the accounts.
    kinds = ""
    everyone: frozenset[str] = frozenset()
    moves: tuple[Moves, ...] = ()
    # kind -> the payload's attribute naming one more user whose account the change moves (a quote's RFQ creator
    # sees the quote offered, as its maker does)
    parties: Mapping[str, str] = {}

    @classmethod
    def asset(cls, name: str) -> bytes:
        """One of its `assets`, as the installed package holds it."""
        return _packaged(cls.__module__.rpartition(".")[0], name)

    def named(self, name: str, title: str) -> Self:
        self.name, self.title = name, title
        return self

    def accounts(self) -> tuple[dict[str, Any], bool]:
        """Its part of the account list, and whether it left accounts out (more than it lists)."""
        return {}, False

    def account(self, user_id: str, query: dict[str, Any]) -> dict[str, Any] | None:
        """One account of the user (None: the venue has none), as `query` (its own parameters) asks it shown."""
        return None

    def user_of(self, key_id: str) -> str | None:
        """The user whose key (or client id) it is; None if none."""
        return None

    def routes(self, guard: AdminGuard, prefix: str) -> list[BaseRoute]:
        """Its reads beside the accounts, under the admin API's `prefix` and behind its guard."""
        return []

    def paths(self, prefix: str) -> dict[str, dict[str, Any]]:
        """The OpenAPI entries of its own reads."""
        return {}


@cache
def _packaged(package: str, name: str) -> bytes:
    return resources.files(package).joinpath("static", name).read_bytes()
