"""Where specs come from: a published spec read from a file or URL, and the committed slices (package data) the mock
and the kit check against."""

from __future__ import annotations

import os
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

CONTRACTS_ENV = "MOCKEXCHANGE_CONTRACTS"


class SpecError(Exception):
    """A spec that cannot be read: missing file, unreachable URL, not YAML/JSON."""


def read_spec_text(source: str) -> str:
    """The text of a spec given as a path or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        import httpx  # (only here: the mock reads its specs from package data, and starts faster without it)

        try:
            response = httpx.get(source, follow_redirects=True, timeout=30)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise SpecError(f"cannot fetch {source}: {exc}") from None
        return response.text
    try:
        return Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {source}: {exc.strerror}") from None


def load_spec(source: str) -> dict[str, Any]:
    """A spec document (OpenAPI or AsyncAPI, YAML or JSON) from a path or URL."""
    return parse_spec_text(read_spec_text(source), source)


# libyaml's parser when PyYAML has it: the 400 KB OpenAPI document takes 0.7 s to read in pure Python, 0.13 s with it.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_spec_text(text: str, source: str, what: str = "YAML or JSON") -> dict[str, Any]:
    """A spec document from its text (`source` names it in errors); for callers that also need the text itself."""
    try:
        document = yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise SpecError(f"{source} is not {what}: {exc}") from None
    if not isinstance(document, dict):
        raise SpecError(f"{source} is not a spec document (top level is not a mapping)")
    return document


def slices_root(folder: str = "kalshi") -> Path:
    """The folder of the committed Kalshi slices (`folder` "perps": the perps exchange's): `$MOCKEXCHANGE_CONTRACTS/
    kalshi` if set, else the package's own `schema/kalshi/` (package data: present in a checkout and in an installed
    wheel alike)."""
    configured = os.environ.get(CONTRACTS_ENV)
    root = Path(configured) / folder if configured else package_path("mockexchange.schema", folder)
    if not root.is_dir():
        raise SpecError(f"no schema slices under {root}: {CONTRACTS_ENV} names a folder without {folder}/")
    return root


def kalshi_slice_path(name: str) -> Path:
    """A committed Kalshi slice: `openapi.yaml` or `asyncapi.yaml`."""
    return slices_root() / name


def perps_slice_path(name: str) -> Path:
    """A committed slice of Kalshi's perps (margin) specs: `openapi.yaml` or `asyncapi.yaml`."""
    return slices_root("perps") / name


PUBLISHED_KALSHI = ("openapi.yaml", "asyncapi.yaml")


def published_kalshi_path(name: str) -> Path:
    """Kalshi's whole published spec, `openapi.yaml` (3.34.0) or `asyncapi.yaml`, as package data
    (`schema/published/kalshi/`, SOURCE.txt there says where from): what the proxy judges Kalshi's traffic by."""
    if name not in PUBLISHED_KALSHI:
        raise SpecError(f"no published Kalshi spec {name!r}: one of {', '.join(PUBLISHED_KALSHI)}")
    return package_path("mockexchange.schema", "published", "kalshi", name)


@cache
def load_published_kalshi(name: str) -> dict[str, Any]:
    """A published Kalshi spec, read once."""
    path = published_kalshi_path(name)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror}") from None
    return parse_spec_text(text, str(path), "YAML")


def package_path(package: str, *parts: str) -> Path:
    """A folder or file shipped inside a package, as a real path (a wheel is installed unpacked, so it is one)."""
    return Path(str(files(package).joinpath(*parts)))
