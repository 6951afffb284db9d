"""The Docker image, checked without a docker engine (no image can be built here): its entrypoint is
docker/entrypoint.sh in front of a valid `serve` command line, its environment names the options the CLI reads, and
the two files it copies are run as the image runs them: the entrypoint as root against a root-owned key folder (the
mock ends up running as UID 1000 and writes its keys there), the health check against a mock on a port that is not
8000 (it passes) and against none (it fails).

Giving a folder away and dropping to UID 1000 need root: CI runs the suite as root, and these tests fail, saying so,
when it does not."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import plain_http
import pytest
from held_port import held_port
from serve_process import serving

from mockexchange.cli import build_parser
from mockexchange.cli.serve import ADVERTISE_KEY_DIR_ENV, ADVERTISE_URL_ENV, ALLOWED_HOSTS_ENV, PORT_FILE_ENV

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
SCRIPT = Path(sys.executable).with_name("mockexchange")
MOCK_UID = 1000


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, its arguments) in order, continuation lines joined, comments left out."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, rest = line.strip().partition(" ")
            found.append((name.upper(), rest.strip()))
    return found


def only(name: str) -> str:
    [arguments] = [rest for instruction, rest in instructions() if instruction == name]
    return arguments


def environment() -> dict[str, str]:
    found: dict[str, str] = {}
    for instruction, rest in instructions():
        if instruction == "ENV":
            found.update(part.split("=", 1) for part in shlex.split(rest))
    return found


def copied() -> dict[str, Path]:
    """The image's path of each file COPY puts in a folder of the image -> the file in this repository."""
    found = {}
    for instruction, rest in instructions():
        if instruction == "COPY":
            *sources, target = rest.split()
            if target.endswith("/") and target.startswith("/"):
                found.update({f"{target}{Path(source).name}": ROOT / source for source in sources})
    return found


def entrypoint() -> list[str]:
    return json.loads(only("ENTRYPOINT"))


def in_repository(argv: list[str]) -> list[str]:
    """An image command line run here: the copied files from this repository, `mockexchange` from this venv."""
    files = copied()
    return [str(files.get(arg, SCRIPT if arg == "mockexchange" else arg)) for arg in argv]


def test_the_entrypoint_script_runs_a_serve_command_line_for_a_container():
    script, *command = entrypoint()
    assert copied()[script] == ROOT / "docker" / "entrypoint.sh"
    assert command[:2] == ["mockexchange", "serve"]
    args = build_parser().parse_args(command[1:])
    assert (args.host, args.port, args.admin_open, args.key_dir) == ("0.0.0.0", 8000, True, "/keys")
    assert args.scenario_dir == ["/scenarios"], "scenario files mounted there load over the admin API"
    assert "8000" in only("EXPOSE").split()


def test_the_environment_sets_what_the_banner_advertises_and_where_the_port_is_kept():
    env = environment()
    assert env[ADVERTISE_URL_ENV] == "http://localhost:8000" and env[ADVERTISE_KEY_DIR_ENV] == "./keys"
    # docs/docker.md's compose service calls the admin API by this name (loopback names and IPs need nothing).
    assert env[ALLOWED_HOSTS_ENV] == "mockexchange"
    assert env[PORT_FILE_ENV].startswith("/tmp/"), "a folder UID 1000 (and any --user) can write"
    assert "MOCKEXCHANGE_CONTRACTS" not in env, "the schema slices are package data"
    assert not any(i == "COPY" and "contracts" in rest for i, rest in instructions())


def test_the_image_starts_as_root_with_a_fixed_user_to_drop_to():
    run = only("RUN")
    assert f"groupadd --gid {MOCK_UID} mock" in run and f"useradd --uid {MOCK_UID} --gid mock" in run
    assert "chown mock:mock /keys" in run and only("VOLUME") == "/keys"
    assert "USER" not in [instruction for instruction, _ in instructions()], "the entrypoint drops from root"
    order = [instruction for instruction, _ in instructions()]
    assert order.index("RUN") < order.index("VOLUME"), "changes to a volume after VOLUME are discarded"
    assert f"MOCK_UID={MOCK_UID}" in (ROOT / "docker" / "entrypoint.sh").read_text()


# -- the entrypoint, run as root ---------------------------------------------------------------------------------------


def need_root() -> None:
    if os.geteuid() != 0:
        pytest.fail("run as root (CI does): the entrypoint gives a root-owned folder away and drops to UID 1000")


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A root-owned folder that UID 1000 can enter but not write (pytest's tmp_path is closed to other users)."""
    need_root()
    path = Path(tempfile.mkdtemp(prefix="mockexchange-docker-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path)


def run_entrypoint(*command: str, user: int | None = None) -> subprocess.CompletedProcess:
    argv = ["sh", str(ROOT / "docker" / "entrypoint.sh"), *command]
    if user is not None:
        argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *argv]
    return subprocess.run(argv, capture_output=True, text=True, timeout=30)


def owner(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_uid, info.st_gid


IDS = "id -u; id -g; id -G"  # run as `sh -c IDS --key-dir DIR`: the entrypoint reads the key folder from the arguments


def test_as_root_the_entrypoint_gives_a_root_owned_key_folder_to_uid_1000_and_drops_to_it(open_dir):
    keys = open_dir / "keys"  # missing: made (by root, as Docker makes a bind mount's folder), then given away
    done = run_entrypoint("sh", "-c", IDS, "--key-dir", str(keys))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(MOCK_UID)] * 3, "user, group and no supplementary group of root's"
    assert owner(keys) == (MOCK_UID, MOCK_UID)
    # --key-dir=DIR too, and only the folder: a root-owned file in it stays root's
    again = open_dir / "again"
    again.mkdir()
    (again / "notes.txt").write_text("root's")
    assert run_entrypoint("sh", "-c", IDS, f"--key-dir={again}").returncode == 0
    assert owner(again) == (MOCK_UID, MOCK_UID) and owner(again / "notes.txt") == (0, 0)


def test_as_root_a_key_folder_of_another_user_is_left_as_it_is(open_dir):
    theirs = open_dir / "theirs"
    theirs.mkdir()
    os.chown(theirs, 1234, 1234)
    done = run_entrypoint("sh", "-c", IDS, "--key-dir", str(theirs))
    assert done.stdout.split() == [str(MOCK_UID)] * 3 and owner(theirs) == (1234, 1234)


def test_started_as_another_user_the_entrypoint_changes_nothing(open_dir):
    keys = open_dir / "keys"
    keys.mkdir()
    done = run_entrypoint("sh", "-c", IDS, "--key-dir", str(keys), user=4321)  # docker run --user 4321:4321
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["4321"] * 3 and owner(keys) == (0, 0)


def process_ids(pid: int) -> tuple[list[str], list[str]]:
    """The real, effective, saved and filesystem UIDs and GIDs of a running process."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return status["Uid"].split(), status["Gid"].split()


def healthcheck(port_file: Path) -> subprocess.CompletedProcess:
    """The image's HEALTHCHECK command as it is written, its copied script taken from this repository."""
    options, _, command = only("HEALTHCHECK").partition("CMD ")
    assert "--start-period=" in options and "--timeout=" in options
    argv = in_repository(json.loads(command))
    assert argv[0] == "python" and "8000" not in " ".join(argv), "the port is read where serve wrote it"
    env = {**os.environ, PORT_FILE_ENV: str(port_file)}
    return subprocess.run([sys.executable, *argv[1:]], capture_output=True, text=True, timeout=30, env=env)


@pytest.mark.slow
def test_the_image_serves_as_uid_1000_on_a_root_owned_key_folder_and_its_health_check_follows_the_port(open_dir):
    keys = open_dir / "keys"
    keys.mkdir()  # root's, as `docker run -v "$PWD/keys:/keys"` makes it
    run = open_dir / "run"  # the container's /tmp: anyone may write
    run.mkdir()
    run.chmod(0o1777)
    port_file = run / "mockexchange.port"
    assert healthcheck(port_file).returncode == 1, "no port file yet: not healthy"
    # The image's whole entrypoint, then the options that keep a test to loopback, any free port and its own folder.
    image = in_repository(entrypoint())
    with serving(keys, serve=image, env={PORT_FILE_ENV: str(port_file)}) as served:
        assert process_ids(served.proc.pid) == ([str(MOCK_UID)] * 4, [str(MOCK_UID)] * 4)
        assert owner(keys) == (MOCK_UID, MOCK_UID)
        for name in ("demo-key.pem", "fcm-key.pem", "deribit-key.json"):
            kept = keys / name
            assert owner(kept) == (MOCK_UID, MOCK_UID) and stat.S_IMODE(kept.stat().st_mode) == 0o600, name
        assert served.port != 8000 and port_file.read_text() == f"{served.port}\n"
        assert plain_http.get(f"{served.base_url}/_admin/health").status_code == 200
        health = healthcheck(port_file)
        assert health.returncode == 0, health.stderr
        served.proc.send_signal(signal.SIGTERM)  # as `docker stop` does: the process ends without unwinding
        served.proc.wait(timeout=30)
    assert not port_file.exists(), "serve removes its port file when it stops"
    assert healthcheck(port_file).returncode == 1
    with held_port() as port:  # a port file left behind, naming a port nothing listens on
        port_file.write_text(f"{port}\n")
        health = healthcheck(port_file)
    assert health.returncode == 1 and "Connection refused" in health.stderr
