"""A mock per test module, reset before each test, and the Kalshi keys the module makes once and signs with in every
test: the reset forgets every key, and the same public key is registered again under the same id when a test asks
for a signed client, so a test costs no new app, no new RSA pair, no PEM load and no new client.
`module_mock(name, t0, **settings)` is the module's fixture, `fresh(mock, t0)` each test's start (or `forget(mock)`
after a reset of the test's own), `signed(mock, user_id, **binding)` is as kalshi_http's, for a user the test has
made, and `client_of(user)` as kalshi_orders'; `profile_mocks` gives the fixtures of a module run in both wire
profiles, `plugin_mocks` the plugin's `mockexchange` and `kalshi_user`. A module whose tests each start a mock of
their own registers a `key_pair`, made once in the process, with each."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import httpx
import kalshi_http
import pytest

from mockexchange.auth.kalshi.keys import generate_private_key, public_key_pem
from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner


class _KeptClient(httpx.Client):
    """A kept key's client: a test's `with signed(...)` neither opens it again nor closes it (the module's next test
    signs with it); the module mock's teardown closes it."""

    def __enter__(self) -> _KeptClient:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


@dataclass
class KeptUser:
    """A user's kept key, as the plugin's `kalshi_user` gives one: its signer, its PEM and a client signing with it."""

    user_id: str
    signer: KalshiSigner
    private_key_pem: str
    public_pem: str
    client: _KeptClient

    @property
    def key_id(self) -> str:
        return self.signer.key_id


@dataclass
class _Keys:
    made: dict[tuple, KeptUser] = field(default_factory=dict)
    registered: set[tuple] = field(default_factory=set)  # what the mock knows since its last reset


_KEYS: dict[int, _Keys] = {}  # by id(mock), while a module's mock runs


def signed(mock: MockServer, user_id: str, **binding) -> httpx.Client:
    """A client signing with the user's kept key of that binding (subaccount, scopes...), registered with the mock
    if it has not been since the last `forget`; on a mock of a test's own, a new key's client, as kalshi_http's."""
    if id(mock) not in _KEYS:
        return kalshi_http.signed(mock, user_id, **binding)
    return kept_user(mock, user_id, **binding).client


def kept_user(mock: MockServer, user_id: str, **binding) -> KeptUser:
    """The user's kept key of that binding on a module's mock, registered if it has not been since the last reset."""
    keys = _KEYS[id(mock)]
    wanted = (user_id, *sorted((name, repr(value)) for name, value in binding.items()))
    kept = keys.made.get(wanted)
    if kept is None:
        key = mock.create_key(user_id, **binding)
        signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
        public = public_key_pem(signer.private_key.public_key())
        client = _client(mock, signer)
        keys.made[wanted] = kept = KeptUser(user_id, signer, key["private_key_pem"], public, client)
    elif wanted not in keys.registered:
        mock.create_key(user_id, public_key_pem=kept.public_pem, key_id=kept.key_id, **binding)
    keys.registered.add(wanted)
    return kept


def _client(mock: MockServer, signer: KalshiSigner) -> _KeptClient:
    return _KeptClient(base_url=mock.kalshi_url, auth=KalshiAuth(signer), timeout=10)


def client_of(user: str) -> Callable[..., httpx.Client]:
    """A fixture named after the user: a client signing with their kept key, on the test module's `mock`."""

    @pytest.fixture(name=user)
    def client(mock: MockServer) -> httpx.Client:
        return signed(mock, user)

    return client


def module_mock(name: str, t0: datetime | None = None, **settings: object) -> Callable[..., Iterator[MockServer]]:
    """A module fixture named `name`: one mock of `settings` on a manual exchange clock at `t0` (None: the system
    clock)."""

    @pytest.fixture(scope="module", name=name)
    def server() -> Iterator[MockServer]:
        clock = None if t0 is None else ManualClock(t0)
        with MockServer(clock=clock, **settings) as mock:  # type: ignore[arg-type]
            _KEYS[id(mock)] = _Keys()
            yield mock
            for kept in _KEYS.pop(id(mock), _Keys()).made.values():
                kept.client.close()

    return server


def module_http(server: str = "server") -> Callable[..., Iterator[httpx.Client]]:
    """A module fixture `http`: an unsigned HTTP client of the module's mock (the fixture named `server`)."""

    @pytest.fixture(scope="module", name="http")
    def http(request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
        with httpx.Client(base_url=request.getfixturevalue(server).base_url, timeout=10) as client:
            yield client

    return http


def fresh(mock: MockServer, t0: datetime | None = None) -> MockServer:
    """The module's mock as a test starts: reset (no account, key, market or fault), an empty journal (its sequence
    numbers go on), a manual clock at `t0`."""
    mock.reset()
    mock.clear_requests()
    if t0 is not None:
        mock.ledger.state.clock.set(t0)  # type: ignore[attr-defined]
    forget(mock)
    return mock


def forget(mock: MockServer) -> None:
    """After the mock's reset, which forgot every key: each kept key is registered again when next asked for."""
    _KEYS[id(mock)].registered.clear()


PROFILES = ("3.34", "legacy")


def profile_mocks(t0: datetime) -> tuple[Callable[..., object], ...]:
    """The fixtures of a module run under both Kalshi wire profiles: `modern_server` and `legacy_server`, the
    module's mock of each; `modern` and `legacy`, each fresh for a test; `mock`, a test once under each profile."""
    modern_server = module_mock("modern_server", t0, profile="3.34")
    legacy_server = module_mock("legacy_server", t0, profile="legacy")

    @pytest.fixture(name="modern")
    def modern(modern_server: MockServer) -> MockServer:
        return fresh(modern_server, t0)

    @pytest.fixture(name="legacy")
    def legacy(legacy_server: MockServer) -> MockServer:
        return fresh(legacy_server, t0)

    @pytest.fixture(name="mock", params=PROFILES)
    def mock(request: pytest.FixtureRequest) -> MockServer:
        return request.getfixturevalue("modern" if request.param == "3.34" else "legacy")

    return modern_server, legacy_server, modern, legacy, mock


def plugin_mocks(t0: datetime | None = None) -> tuple[Callable[..., object], ...]:
    """The plugin's `mockexchange` and `kalshi_user` (user-1, $10,000, a key of theirs), on the module's mock
    (`mockexchange_server`) reset before each test; a test marked `mockexchange(...)` for settings of its own is
    refused, since the module's mock has one set."""
    server = module_mock("mockexchange_server", t0)

    @pytest.fixture(name="mockexchange")
    def mockexchange(mockexchange_server: MockServer, request: pytest.FixtureRequest) -> MockServer:
        if request.node.get_closest_marker("mockexchange") is not None:
            pytest.fail("the module's mock takes no mockexchange marker: start a mock of the test's own")
        return fresh(mockexchange_server, t0)

    @pytest.fixture(name="kalshi_user")
    def kalshi_user(mockexchange: MockServer) -> KeptUser:
        mockexchange.create_account("user-1", balance_cents=1_000_000)
        return kept_user(mockexchange, "user-1")

    return server, mockexchange, kalshi_user


@dataclass(frozen=True)
class KeyPair:
    """A key made once in the process, registered with each mock that a test starts."""

    signer: KalshiSigner
    public_pem: str

    def register(self, mock: MockServer, user_id: str, **binding) -> KalshiSigner:
        """The key, the user's on `mock` (under its own id); its signer."""
        mock.create_key(user_id, public_key_pem=self.public_pem, key_id=self.signer.key_id, **binding)
        return self.signer


@functools.cache
def key_pair(key_id: str) -> KeyPair:
    """An RSA key, as the mock would generate one, under the id `key_id`: made once in the process."""
    private = generate_private_key("rsa")
    return KeyPair(KalshiSigner(key_id, private), public_key_pem(private.public_key()))
