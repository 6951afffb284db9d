"""Where specs come from: a published spec read from a file or URL, and the committed slices the kit checks against."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import yaml

CONTRACTS_ENV = "MOCKEXCHANGE_CONTRACTS"


class SpecError(Exception):
    """A spec that cannot be read: missing file, unreachable URL, not YAML/JSON."""


def read_spec_text(source: str) -> str:
    """The text of a spec given as a path or an http(s) URL."""
    if source.startswith(("http://", "https://")):
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


def parse_spec_text(text: str, source: str) -> dict[str, Any]:
    """A spec document from its text (`source` names it in errors); for callers that also need the text itself."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError(f"{source} is not YAML or JSON: {exc}") from None
    if not isinstance(document, dict):
        raise SpecError(f"{source} is not a spec document (top level is not a mapping)")
    return document


def contracts_root() -> Path:
    """The `contracts/` directory: `$MOCKEXCHANGE_CONTRACTS`, else the one beside the package in a checkout."""
    configured = os.environ.get(CONTRACTS_ENV)
    root = Path(configured) if configured else Path(__file__).resolve().parents[2] / "contracts"
    if not (root / "kalshi").is_dir():
        raise SpecError(
            f"no committed schema slices under {root}/kalshi: run from a checkout of mockexchange "
            f"or set {CONTRACTS_ENV} to its contracts/ directory"
        )
    return root


def kalshi_slice_path(name: str) -> Path:
    """A committed Kalshi slice: `openapi.yaml` or `asyncapi.yaml`."""
    return contracts_root() / "kalshi" / name
