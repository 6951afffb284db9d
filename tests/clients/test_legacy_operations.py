"""Every request the official `kalshi_python_sync` 3.2.0 (the legacy profile's own client) can send is one the mock
serves under the legacy profile: each (method, path) its API classes name, read from the installed package's source,
is an operation of the route table served in that profile, and over real HTTP none answers as a path the mock does
not route (405, or 404 where nothing in the path names a record). This is how `GET /exchange/announcements`, which
3.34.0 no longer has, was found missing."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from mockexchange.contract.clients.libraries import OFFICIAL_SYNC_LEGACY
from mockexchange.server import MockServer
from mockexchange.venues.kalshi.table import OPERATIONS

pytestmark = [pytest.mark.clients]

_SENT = re.compile(r"method='(\w+)',\s*resource_path='([^']+)'")
_NAMED = re.compile(r"\{[^}]+\}")
ROUTER_404 = {"error": {"code": "not_found", "message": "not found"}}


def sdk_requests(venv: Path) -> set[tuple[str, str]]:
    found = set()
    for source in venv.glob("lib/python*/site-packages/kalshi_python_sync/api/*_api.py"):
        found |= set(_SENT.findall(source.read_text()))
    return found


def shape(path: str) -> str:
    return _NAMED.sub("{}", path)


@pytest.fixture(scope="module")
def requests(client_venvs: dict[str, Path]) -> set[tuple[str, str]]:
    found = sdk_requests(client_venvs[OFFICIAL_SYNC_LEGACY.name])
    assert len(found) >= 60 and ("GET", "/exchange/announcements") in found  # (the package as pinned)
    return found


def test_each_request_is_an_operation_the_legacy_profile_serves(requests: set[tuple[str, str]]) -> None:
    served = {(op.method, shape(op.path)) for op in OPERATIONS if op.served_in("legacy")}
    assert sorted((method, path) for method, path in requests if (method, shape(path)) not in served) == []


def test_none_answers_as_an_unrouted_path_over_http(requests: set[tuple[str, str]]) -> None:
    with MockServer(profile="legacy") as mock, httpx.Client(timeout=10) as http:
        unrouted = []
        for method, path in sorted(requests):
            answer = http.request(method, mock.kalshi_url + _NAMED.sub("X", path))
            if answer.status_code == 405 or ("{" not in path and answer.status_code == 404):
                unrouted.append((method, path, answer.status_code, answer.text[:80]))
        assert unrouted == []
        answer = http.get(mock.kalshi_url + "/exchange/no_such_read")  # (the check can tell: an unrouted path)
        assert (answer.status_code, answer.json()) == (404, ROUTER_404)
