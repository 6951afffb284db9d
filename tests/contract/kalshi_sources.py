"""The published Kalshi specs the committed slices were cut from, found by the sha256 each slice records.

Where they are looked for, in order: `$MOCKEXCHANGE_SHARED_SPECS`, `/work/shared/specs/kalshi`, the checkout's
`../shared/specs/kalshi`; else the same bytes are taken from the PyPI sdist that vendors them verbatim
(kalshi-sdk 22.4.0, fetched once with pip and checked against its pinned hash, then cached). When none of these
holds a file with the recorded hash, the test fails saying so: a slice whose source cannot be found is not checked
by skipping.
"""

from __future__ import annotations

import functools
import hashlib
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from mockexchange.contract.kalshi.slicing import parsed_once, source_of
from mockexchange.schema.specs import kalshi_slice_path

REPO = Path(__file__).resolve().parents[2]
SHARED_SPECS_ENV = "MOCKEXCHANGE_SHARED_SPECS"
# The sdist that carries Kalshi's specs byte for byte (shared/specs/kalshi/SOURCE.txt says where they came from).
SDIST = "kalshi-sdk==22.4.0"
SDIST_SHA256 = "9a51a32909ed5c921a08c4d01bceea5d05a510d85d6d8d2713d6a453144671f4"
SDIST_SPECS = "kalshi_sdk-22.4.0/specs"


def recorded_sha256(name: str) -> str:
    """The sha256 of the source spec that the committed slice `name` records."""
    return source_of(parsed_once(kalshi_slice_path(name)))["sha256"]


def load_source(name: str) -> dict[str, Any]:
    """The source spec of the committed slice `name`, parsed (once per process: a fresh copy each call)."""
    return parsed_once(source_spec(name))


@functools.cache  # the files are looked for and hashed once per process; not finding one fails each time
def source_spec(name: str) -> Path:
    """The source of the committed slice `name` (`openapi.yaml` or `asyncapi.yaml`): a file with the recorded hash."""
    wanted = recorded_sha256(name)
    tried = []
    for folder in _folders():
        path = folder / name
        tried.append(str(path))
        if path.is_file() and _sha256(path.read_bytes()) == wanted:
            return path
    cached = _from_sdist(name)
    tried.append(f"{cached} (from the {SDIST} sdist)")
    if cached.is_file() and _sha256(cached.read_bytes()) == wanted:
        return cached
    pytest.fail(
        f"no copy of the spec that contracts/kalshi/{name} was cut from (sha256 {wanted}); looked at: "
        f"{'; '.join(tried)}. Point ${SHARED_SPECS_ENV} at a folder holding it."
    )


def perps_source(name: str) -> Path:
    """The perps spec a committed perps slice (`openapi.yaml` or `asyncapi.yaml`) was cut from, `perps_<name>`: in a
    folder's `perps/` (shared/specs/kalshi/perps/), else from the sdist, which vendors it too."""
    source = f"perps_{name}"
    folders = [folder / "perps" / source for folder in _folders()]
    found = next((path for path in folders if path.is_file()), None)
    return found or _from_sdist(source)


def _folders() -> list[Path]:
    configured = os.environ.get(SHARED_SPECS_ENV)
    folders = [Path(configured)] if configured else []
    return folders + [Path("/work/shared/specs/kalshi"), REPO.parent / "shared" / "specs" / "kalshi"]


def _from_sdist(name: str) -> Path:
    cache = Path.home() / ".cache" / "mockexchange" / "specs" / SDIST.replace("==", "-")
    target = cache / name
    if target.is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    requirements = cache / "requirements.txt"
    requirements.write_text(f"{SDIST} --hash=sha256:{SDIST_SHA256}\n")
    # --require-hashes: pip refuses an sdist whose bytes are not the pinned ones.
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--no-binary", ":all:", "--ignore-requires-python", "--require-hashes", "-r", str(requirements),
         "-d", str(cache)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if done.returncode != 0:
        return target  # not there: the caller says what was tried
    [archive] = cache.glob("*.tar.gz")
    with tarfile.open(archive) as sdist:
        for member in ("openapi.yaml", "asyncapi.yaml", "perps_openapi.yaml", "perps_asyncapi.yaml"):
            extracted = sdist.extractfile(f"{SDIST_SPECS}/{member}")
            assert extracted is not None
            (cache / member).write_bytes(extracted.read())
    return target


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
