"""The admin API's access rules over real HTTP (mockexchange/admin/guard.py, paths.py): what a web page in a browser
can send (a cross-site simple request, a foreign Origin, a rebound Host name) is refused and changes nothing; the
token is required when set; scenario files and key folders are confined; replays of signed Kalshi requests are
accepted unless refused by configuration; `serve` warns when the admin API is open beyond loopback without a token."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import plain_http
import pytest

from mockexchange.admin.guard import exposure_warning
from mockexchange.auth.kalshi.replays import SeenSignatures
from mockexchange.core.clock import ManualClock
from mockexchange.scenario.library import library_dir
from mockexchange.server import MockServer
from mockexchange.settings import Settings
from mockexchange.testing.signing import KalshiSigner

JSON = {"Content-Type": "application/json"}
EVIL = "https://evil.example"
BALANCE = "/trade-api/v2/portfolio/balance"
BOB_PUBLIC = library_dir() / "keys" / "bob.pub.pem"


def _serve_process():
    # tests/serve_process.py, beside this folder (pytest puts only tests/hostile on the path).
    if "serve_process" not in sys.modules:
        path = Path(__file__).resolve().parent.parent / "serve_process.py"
        spec = importlib.util.spec_from_file_location("serve_process", path)
        assert spec is not None and spec.loader is not None
        sys.modules["serve_process"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules["serve_process"])
    return sys.modules["serve_process"]


def post(mock: MockServer, op: str, content: bytes = b"{}", **headers: str) -> httpx.Response:
    return plain_http.post(f"{mock.base_url}/_admin/{op}", content=content, headers=headers, timeout=10)


def json_post(mock: MockServer, op: str, body: dict, **headers: str) -> httpx.Response:
    return plain_http.post(f"{mock.base_url}/_admin/{op}", json=body, headers=headers, timeout=10)


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer() as made:
        yield made


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    """The module's mock, reset, with alice's account."""
    server.reset()
    server.create_account("alice", balance_cents=100_000)
    return server


def intact(mock: MockServer) -> bool:
    return set(mock.ledger.state.accounts) == {"alice"}


# -- what a page in a browser can send ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_a_cross_site_simple_post_to_reset_is_refused_and_changes_nothing(mock, content_type):
    # What a page elsewhere sends without a preflight: a form, or fetch(..., {mode: "no-cors", body: text}).
    r = post(mock, "reset", b'{"a": 1}', **{"Content-Type": content_type, "Origin": EVIL})
    assert r.status_code == 403 and "Origin 'https://evil.example'" in r.json()["error"]
    assert intact(mock)
    # Without an Origin (a client that does not send one) the content type alone refuses it.
    r = post(mock, "reset", b"{}", **{"Content-Type": content_type})
    assert r.status_code == 415 and "Content-Type: application/json" in r.json()["error"]
    assert content_type.split(";")[0] in r.json()["error"]
    assert intact(mock)


def test_a_body_needs_the_json_content_type_and_a_bodiless_post_does_not(mock):
    assert post(mock, "accounts", b'{"user_id": "bob"}').status_code == 415, "a body without a Content-Type"
    assert (
        post(mock, "accounts", b'{"user_id": "bob"}', **{"Content-Type": "application/json; charset=utf-8"}).json()[
            "user_id"
        ]
        == "bob"
    )
    assert post(mock, "requests/clear", b"", **{"Content-Type": "text/plain"}).status_code == 415
    assert (
        plain_http.delete(f"{mock.base_url}/_admin/requests", headers={"Content-Type": "text/plain"}).status_code == 415
    )
    # No body, no type: acts with no arguments (curl -X POST, httpx.post(url)).
    assert plain_http.post(f"{mock.base_url}/_admin/requests/clear").json()["cleared"] is True
    assert plain_http.post(f"{mock.base_url}/_admin/reset").json() == {"ok": True} and mock.ledger.state.accounts == {}


@pytest.mark.parametrize("origin", [EVIL, "null", "http://127.0.0.1:1", "http://localhost.evil.example", "file://"])
def test_a_foreign_origin_is_refused_whatever_it_asks(mock, origin):
    for r in [
        json_post(mock, "reset", {}, Origin=origin),
        json_post(mock, "accounts", {"user_id": "mallory"}, Origin=origin),
        plain_http.get(f"{mock.base_url}/_admin/requests", headers={"Origin": origin}),
        plain_http.get(f"{mock.base_url}/_admin/clock", headers={"Origin": origin}),
    ]:
        assert r.status_code == 403 and "is not this mock's" in r.json()["error"], r.text
    assert intact(mock)


def test_the_mocks_own_origin_and_an_allowed_hosts_are_served():
    with MockServer(allowed_hosts=("tools.test",)) as mock:
        for origin in [mock.base_url, f"http://localhost:{mock.port}", "https://tools.test", "http://tools.test:3000"]:
            host = f"localhost:{mock.port}" if "localhost" in origin else f"127.0.0.1:{mock.port}"
            r = json_post(
                mock, "accounts", {"user_id": f"u{len(mock.ledger.state.accounts)}"}, Origin=origin, Host=host
            )
            assert r.status_code == 200, (origin, r.text)
        # Same host, another port: another origin (another local service's page).
        assert json_post(mock, "reset", {}, Origin=f"http://127.0.0.1:{mock.port + 1}").status_code == 403


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8000", "mock.127.0.0.1.nip.io", "localhost.evil.example"]
)
def test_a_rebound_host_name_is_refused(mock, host):
    # DNS rebinding: the page's own name, now resolving to 127.0.0.1, and its own origin (so Origin alone passes).
    origin = f"http://{host}"
    r = json_post(mock, "reset", {}, Host=host, Origin=origin)
    assert r.status_code == 403 and f"Host {host!r} is not a name of this mock" in r.json()["error"]
    assert plain_http.get(f"{mock.base_url}/_admin/requests", headers={"Host": host}).status_code == 403
    assert intact(mock)
    # The health check and the API's description answer any Host (container health checks, bridges).
    assert plain_http.get(f"{mock.base_url}/_admin/health", headers={"Host": host}).status_code == 200
    assert plain_http.get(f"{mock.base_url}/_admin/openapi.json", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", [b"localhost:\xb2", b"[::1]:\xb2", b"localhost:" + b"9" * 5000, b"localhost:70000"])
def test_a_host_whose_port_is_no_port_is_refused_not_a_500(mock, host):
    r = plain_http.get(f"{mock.base_url}/_admin/clock", headers={"Host": host})
    assert r.status_code == 403 and "is not a name of this mock" in r.json()["error"]


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST:9", "app.localhost", "127.0.0.1", "127.8.9.10:1", "[::1]:80",
                                  "172.17.0.2:8000", "[fd00::2]"])  # fmt: skip
def test_loopback_names_and_ip_addresses_are_served(mock, host):
    assert plain_http.get(f"{mock.base_url}/_admin/clock", headers={"Host": host}).status_code == 200


def test_configured_host_names_are_served():
    with MockServer(allowed_hosts=("mockexchange", "Mock.Internal.")) as mock:
        for host in ["mockexchange:8000", "mock.internal", "MOCK.INTERNAL:8000"]:
            assert plain_http.get(f"{mock.base_url}/_admin/clock", headers={"Host": host}).status_code == 200, host
        assert plain_http.get(f"{mock.base_url}/_admin/clock", headers={"Host": "other:8000"}).status_code == 403
    with MockServer(allowed_hosts=("*",)) as mock:
        assert plain_http.get(f"{mock.base_url}/_admin/clock", headers={"Host": "anything.example"}).status_code == 200
        # Any Host is no licence for any Origin.
        r = plain_http.get(f"{mock.base_url}/_admin/clock", headers={"Host": "anything.example", "Origin": EVIL})
        assert r.status_code == 403


# -- the token ---------------------------------------------------------------------------------------------------------


def test_a_token_is_required_on_every_admin_call_when_set():
    with MockServer(admin_token="s3cret-token") as mock:
        for headers in [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic s3cret-token"},
                        {"Authorization": "Bearer"}, {"Authorization": "s3cret-token"}]:  # fmt: skip
            for r in [
                json_post(mock, "accounts", {"user_id": "mallory"}, **headers),
                plain_http.get(f"{mock.base_url}/_admin/requests", headers=headers),
                plain_http.delete(f"{mock.base_url}/_admin/requests", headers=headers),
            ]:
                assert r.status_code == 401 and "token" in r.json()["error"], (headers, r.text)
                assert r.headers["WWW-Authenticate"].startswith("Bearer")
        assert mock.ledger.state.accounts == {}
        right = {"Authorization": "Bearer s3cret-token"}
        assert json_post(mock, "accounts", {"user_id": "alice"}, **right).status_code == 200
        assert json_post(mock, "accounts", {"user_id": "bob"}, Authorization="bearer s3cret-token").status_code == 200
        assert plain_http.get(f"{mock.base_url}/_admin/requests", headers=right).status_code == 200
        assert plain_http.get(f"{mock.base_url}/_admin/health").status_code == 200, "the health check needs no token"
        assert "s3cret" not in repr(mock.app.settings)


# -- files -------------------------------------------------------------------------------------------------------------


SCENARIO = "users:\n  - user_id: {user}\n    balance_cents: 100\n"


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    allowed, outside, keys = tmp_path / "scenarios", tmp_path / "outside", tmp_path / "keys"
    for folder in (allowed, outside, keys):
        folder.mkdir()
    (allowed / "mine.yaml").write_text(SCENARIO.format(user="mine"))
    (outside / "secret.yaml").write_text(SCENARIO.format(user="secret"))
    (allowed / "escape.yaml").symlink_to(outside / "secret.yaml")
    (allowed / "linked-dir").symlink_to(outside)
    (keys / "escape").symlink_to(outside)
    return {"allowed": allowed, "outside": outside, "keys": keys}


@pytest.fixture
def confined(folders) -> Iterator[MockServer]:
    with MockServer(
        clock=ManualClock(), scenario_dirs=(str(folders["allowed"]),), key_dirs=(str(folders["keys"]),)
    ) as m:
        yield m


def test_a_scenario_path_outside_the_scenario_folders_is_refused(confined, folders):
    allowed, outside = folders["allowed"], folders["outside"]
    for path in [
        outside / "secret.yaml",  # plainly outside
        f"{allowed}/../outside/secret.yaml",  # ../ out of an allowed folder
        allowed / "escape.yaml",  # a symlink in the folder to a file outside
        allowed / "linked-dir" / "secret.yaml",  # a symlinked folder
        "/etc/passwd",
        "../../../../etc/hostname",
    ]:
        r = json_post(confined, "scenario", {"path": str(path)})
        assert r.status_code == 403 and "lies outside the scenario folders" in r.json()["error"], (path, r.text)
        assert str(allowed) in r.json()["error"] and "--scenario-dir" in r.json()["error"]
    assert confined.ledger.state.accounts == {} and confined.scenario_status()["loaded"] is False


def test_a_scenario_in_an_allowed_folder_or_shipped_by_name_loads(confined, folders):
    r = json_post(confined, "scenario", {"path": str(folders["allowed"] / "mine.yaml")})
    assert r.status_code == 200 and set(confined.ledger.state.accounts) == {"mine"}, r.text
    r = json_post(confined, "scenario", {"path": "fed-decision"})
    assert r.status_code == 200 and r.json()["scenario"] == "fed-decision", r.text
    # The shipped folder's files by path, with their key files beside them.
    r = json_post(confined, "scenario", {"path": str(library_dir() / "fcm-subtraders.yaml")})
    assert r.status_code == 200, r.text


def test_a_scenarios_key_file_outside_the_scenario_folders_is_refused(confined, folders):
    (folders["outside"] / "bob.pub.pem").write_text(BOB_PUBLIC.read_text())
    escaping = "users:\n  - user_id: u\n    keys: [{key_id: k, public_key_file: %s}]\n"
    for document_path in [folders["outside"] / "bob.pub.pem", "../outside/bob.pub.pem"]:
        (folders["allowed"] / "keyed.yaml").write_text(escaping % document_path)
        r = json_post(confined, "scenario", {"path": str(folders["allowed"] / "keyed.yaml")})
        assert r.status_code == 400 and "outside the scenario folders" in r.json()["error"], r.text
    r = json_post(confined, "scenario", {"document": escaping % (folders["outside"] / "bob.pub.pem")})
    assert r.status_code == 400 and "outside the scenario folders" in r.json()["error"], r.text
    r = json_post(confined, "scenario", {"document": escaping % BOB_PUBLIC})  # the shipped folder's key: allowed
    assert r.status_code == 200, r.text
    # The Python API is trusted code: not confined.
    assert confined.load_scenario(document=escaping % (folders["outside"] / "bob.pub.pem"))["loaded"] is True


def test_a_key_dir_outside_the_key_folder_is_refused(confined, folders):
    keys, outside = folders["keys"], folders["outside"]
    document = "users:\n  - user_id: u\n    keys: [{key_id: k}]\n"
    for key_dir in [outside, f"{keys}/../outside", keys / "escape", keys / "escape" / "deeper", "/tmp"]:
        r = json_post(confined, "scenario", {"document": document, "key_dir": str(key_dir)})
        assert r.status_code == 403 and "lies outside the key folder" in r.json()["error"], (key_dir, r.text)
    assert list(outside.iterdir()) == [outside / "secret.yaml"], "nothing was written outside"
    r = json_post(confined, "scenario", {"document": document, "key_dir": str(keys / "mine")})
    assert r.status_code == 200 and (keys / "mine" / "u-k.pem").is_file(), r.text


def test_no_key_dir_is_allowed_without_a_key_folder(tmp_path):
    with MockServer() as mock:
        r = json_post(mock, "scenario", {"document": SCENARIO.format(user="u"), "key_dir": str(tmp_path)})
        assert r.status_code == 403 and "none is configured" in r.json()["error"]
        assert list(tmp_path.iterdir()) == []


# -- replays of a signed Kalshi request --------------------------------------------------------------------------------


def signer(mock: MockServer) -> KalshiSigner:
    mock.create_account("trader", balance_cents=500)
    key = mock.create_key("trader")
    return KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])


def test_a_replayed_signature_is_accepted_by_default():
    with MockServer() as mock:
        headers = signer(mock).headers("GET", BALANCE)
        assert [plain_http.get(mock.base_url + BALANCE, headers=headers).status_code for _ in range(3)] == [200] * 3


def test_a_replayed_signature_is_refused_when_configured():
    with MockServer(kalshi_reject_replays=True) as mock:
        key = signer(mock)
        headers = key.headers("GET", BALANCE)
        assert plain_http.get(mock.base_url + BALANCE, headers=headers).status_code == 200
        again = plain_http.get(mock.base_url + BALANCE, headers=headers)
        assert again.status_code == 401
        assert again.json() == {"error": {"code": "authentication_error", "message": "authentication_error"}}
        assert "already used inside the timestamp window" in again.headers["X-Mockexchange-Auth"]
        # Signed anew (RSA-PSS signatures differ each time), the same request passes.
        assert plain_http.get(mock.base_url + BALANCE, headers=key.headers("GET", BALANCE)).status_code == 200
        [refused] = mock.requests(status=401)
        assert refused["problems"][0]["rule"] == "auth.signature"


def test_the_replay_memory_is_bounded_in_time_and_size():
    seen = SeenSignatures(window_ms=60_000, capacity=3)
    assert seen.first_use("k", b"sig-1", now_ms=0) and not seen.first_use("k", b"sig-1", now_ms=59_999)
    assert seen.first_use("other-key", b"sig-1", now_ms=1), "the same bytes under another key id are another request"
    assert seen.first_use("k", b"sig-1", now_ms=60_001), "forgotten once its window has passed"
    assert seen.first_use("k\n", b"sig-1", now_ms=60_002) and seen.first_use("k", b"\nsig-1", now_ms=60_003)
    for n in range(10):
        assert seen.first_use("k", f"burst-{n}".encode(), now_ms=70_000)
    assert len(seen) == 3, "no more than the capacity at once"


# -- the warning at start ----------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_serve_warns_when_the_admin_api_is_open_without_a_token(tmp_path):
    serve_process = _serve_process()
    # stderr is read once serve has stopped: its reader may lag behind the ready line on stdout
    with serve_process.serving(tmp_path / "keys", "--admin-open") as served:
        assert plain_http.post(f"{served.base_url}/_admin/reset").status_code == 200
    [warning] = [line for line in served.err if "warning" in line]
    assert warning.startswith("mockexchange: warning: the admin API is reachable beyond loopback (--admin-open)")
    assert "--admin-token" in warning
    env = {"MOCKEXCHANGE_ADMIN_TOKEN": "from-the-env", "MOCKEXCHANGE_ALLOWED_HOSTS": "mock.test"}
    with serve_process.serving(tmp_path / "keys", "--admin-open", env=env) as served:
        base = served.base_url
        assert plain_http.post(f"{base}/_admin/reset").status_code == 401
        token = {"Authorization": "Bearer from-the-env"}
        assert plain_http.post(f"{base}/_admin/reset", headers=token | {"Host": "mock.test"}).status_code == 200
        assert plain_http.post(f"{base}/_admin/reset", headers=token | {"Host": "other.test"}).status_code == 403
    assert not [line for line in served.err if "warning" in line]
    with serve_process.serving(tmp_path / "keys") as served:
        pass
    assert not [line for line in served.err if "warning" in line], "loopback only: nothing to warn of"


def test_the_warning_covers_a_non_loopback_host():
    assert "(--host 0.0.0.0)" in (exposure_warning(Settings(host="0.0.0.0")) or "")
    assert exposure_warning(Settings(host="0.0.0.0", admin_token="t")) is None
    assert exposure_warning(Settings(host="::1")) is None and exposure_warning(Settings(host="localhost")) is None
    assert exposure_warning(Settings(host="0.0.0.0", admin=False)) is None
