"""The ways users embed the mock: the pytest plugin, the in-process server, `mockexchange serve`, the demo portfolio."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import plain_http
import pytest
from serve_process import serving
from user_suite import run_user_suite

from mockexchange.app import build_app
from mockexchange.scenario.generator import generate
from mockexchange.server import MockServer
from mockexchange.server.addresses import bound_port, listening_socket
from mockexchange.testing.signing import KalshiSigner

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

pytest_plugins = ["pytester"]


def test_the_plugin_fixtures_work_in_a_users_test_suite(pytester):
    pytester.makepyfile(
        """
        import pytest

        def test_positions(mockexchange, kalshi_user):
            mockexchange.fill(kalshi_user.user_id, "EV-M", "yes", "buy", "2", "0.5")
            body = kalshi_user.client.get("/portfolio/positions").json()
            assert body["market_positions"][0]["position_fp"] == "2.00"
            assert kalshi_user.pem_path.read_text().startswith("-----BEGIN RSA PRIVATE KEY-----")

        @pytest.mark.mockexchange(profile="legacy")
        def test_marker(mockexchange, kalshi_user):
            mockexchange.fill(kalshi_user.user_id, "EV-M", "yes", "buy", "2", "0.5")
            assert kalshi_user.client.get("/portfolio/positions").json()["market_positions"][0]["position"] == 2

        def test_fresh_state_each_test(mockexchange):
            assert mockexchange.ledger.state.accounts == {}
        """
    )
    result = run_user_suite(pytester)
    result.assert_outcomes(passed=3)


def test_the_profile_option(pytester):
    # In this process: the suite above runs in an interpreter of its own, as a user's does; the option is the
    # plugin's either way.
    pytester.makepyfile(
        """
        def test_profile(mockexchange):
            assert mockexchange.app.settings.profile == "legacy"
        """
    )
    result = pytester.runpytest_inprocess("--mockexchange-profile", "legacy", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_in_process_servers_take_free_ports_and_stop():
    with MockServer() as a, MockServer() as b:
        assert a.port != b.port and a.port > 0
        assert plain_http.post(f"{a.base_url}/_admin/reset").status_code == 200
        url = a.base_url
    with pytest.raises(httpx.ConnectError):
        plain_http.post(f"{url}/_admin/reset", timeout=2)


def test_accepted_connections_get_tcp_nodelay():
    # Without it Nagle and delayed ACK add 40 ms to every keep-alive response (bench/keepalive_latency.py).
    with MockServer() as mock, httpx.Client() as client:
        assert client.get(f"{mock.base_url}/_admin/health").status_code == 200
        server = mock.runner.server
        assert server is not None
        assert [s.proto for srv in server.servers for s in srv.sockets] == [socket.IPPROTO_TCP]
        accepted = [p.transport.get_extra_info("socket") for p in list(server.server_state.connections)]
        nodelay = [s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in accepted]
        assert nodelay and set(nodelay) == {1}


@pytest.mark.skipif(not socket.has_ipv6, reason="no IPv6")
def test_the_listening_socket_resolves_its_host():
    for host, family in (("127.0.0.1", socket.AF_INET), ("localhost", None), ("::1", socket.AF_INET6)):
        try:
            sock = listening_socket(host, 0)
        except OSError as exc:  # a machine without an IPv6 loopback
            pytest.skip(f"cannot bind {host}: {exc}")
        with sock:
            assert sock.proto == socket.IPPROTO_TCP and bound_port(sock) > 0
            assert family is None or sock.family == family
    with listening_socket("127.0.0.1", 0) as taken, pytest.raises(OSError):
        listening_socket("127.0.0.1", bound_port(taken))


def test_an_unknown_profile_is_refused_clearly():
    with pytest.raises(ValueError, match="unknown profile 'v9'"):
        MockServer(profile="v9")


def test_the_demo_portfolio_is_reproducible_from_its_seed():
    def snapshot(seed):
        mock = build_app(seed=seed)
        portfolio = generate(mock.scenarios, seed)
        rows = sorted(
            (r.user_id, r.ticker, r.position, r.market_exposure) for r in mock.ledger.state.positions.all_rows()
        )
        return portfolio, rows, [f.fill_id for f in mock.ledger.state.fills]

    first, again, other = snapshot(7), snapshot(7), snapshot(8)
    assert first[1] == again[1] and first[2] == again[2]
    assert first[1] != other[1]
    portfolio = first[0]
    assert len(portfolio.users) >= 3 and portfolio.fcm_member and len(portfolio.subtraders) >= 2
    assert len({event for event, _ in portfolio.markets}) >= 3 and portfolio.fills > 50


def test_serve_starts_prints_what_a_client_needs_and_answers(tmp_path: Path):
    with serving(tmp_path / "keys", "--seed", "11") as served:
        out, base = served.banner, served.base_url
        key_id = re.search(r"key id (\S+), private key (\S+)", out)
        assert key_id, out
        pem = Path(key_id.group(2)).read_text()
        assert f'key_id = "{key_id.group(1)}"' in out and f'pem = Path("{key_id.group(2)}")' in out
        signer = KalshiSigner.from_pem(key_id.group(1), pem)
        path = "/trade-api/v2/portfolio/positions"
        body = plain_http.get(f"{base}{path}", headers=signer.headers("GET", path)).json()
        assert body["market_positions"], "the demo user holds positions"
        fcm = re.search(r"FCM member '([^']+)': key id (\S+), private key (\S+)", out)
        subtrader = re.search(r"subtraders: ([^,\s]+)", out).group(1)
        fcm_signer = KalshiSigner.from_pem(fcm.group(2), Path(fcm.group(3)).read_text())
        path = "/trade-api/v2/fcm/positions"
        r = plain_http.get(f"{base}{path}", params={"subtrader_id": subtrader}, headers=fcm_signer.headers("GET", path))
        assert r.status_code == 200 and r.json()["market_positions"]


def test_serve_answers_generated_bodies_and_bounds_its_journal(tmp_path: Path):
    with serving(tmp_path / "keys", "--generated-responses", "5", "--journal-size", "3") as served:
        key_id, pem = re.search(r"key id (\S+), private key (\S+)", served.banner).groups()
        signer = KalshiSigner.from_pem(key_id, Path(pem).read_text())
        path = "/trade-api/v2/portfolio/fills"
        for _ in range(5):
            r = plain_http.get(f"{served.base_url}{path}", headers=signer.headers("GET", path))
            assert r.status_code == 200 and r.headers["X-Mockexchange-Generated"].startswith("seed=5 ")
        journal = plain_http.get(f"{served.base_url}/_admin/requests").json()["requests"]
        assert len(journal) == 3 and {entry["path"] for entry in journal} == {path}


def test_serve_refuses_a_negative_journal_size(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "mockexchange", "serve", "--journal-size", "-1"], capture_output=True, text=True
    )
    assert result.returncode == 2 and "must be 0 or more" in result.stderr


def test_serve_reuses_the_demo_key_across_restarts(tmp_path: Path):
    from mockexchange.auth.kalshi.keys import private_key_pem, public_key_pem
    from mockexchange.scenario.kalshi.demo_keys import _demo_key, _kept_key

    pem_path = tmp_path / "demo-key.pem"
    first = build_app()
    first.control.create_account("u")
    assert _kept_key(pem_path) is None
    _demo_key(first.control, "u", pem_path, None, "k1")
    written = pem_path.read_text()
    second = build_app()
    second.control.create_account("u")
    kept = _kept_key(pem_path)
    assert kept is not None and private_key_pem(kept) == written
    _demo_key(second.control, "u", pem_path, kept, "k1")
    assert pem_path.read_text() == written
    # each mock holds the public half of the key written
    for mock in (first, second):
        assert public_key_pem(mock.keys.get("k1").public_key) == public_key_pem(kept.public_key())
    assert oct(pem_path.stat().st_mode & 0o777) == "0o600"
