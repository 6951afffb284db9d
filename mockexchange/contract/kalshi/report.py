"""schemathesis' report as `contract check` shows it, line by line as it comes: its hints in `contract check`'s terms,
the temporary files it names said for what they are (they are gone once the check ends), and each signed "Reproduce
with" curl, whose signature passes only within the server's timestamp window, given as the `mockexchange sign`
command that prints it signed anew; its warnings gathered for the check's own summary.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from mockexchange.auth.kalshi.signature import KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER

# Hints of schemathesis' report that name its own options; `contract check` spells them differently or not at all.
HINTS = (
    (re.compile(r"Ensure valid authentication credentials are set via `--auth` or `-H`"),
     "The key was refused: check --key-id, --private-key and this machine's clock (contract check signs every "
     "request itself)"),
    (re.compile(r"`--url`"), "`--base-url`"),
    (re.compile(r"^\s*st replay \S+\s*$"), None),  # needs a cassette the check does not record
    # A warning's tip to add a link or write ids into schemathesis' config, which `contract check` writes itself.
    (re.compile(r"💡 .*in your config file.*"),
     "💡 A 404 for an id the account does not hold is right (no violation); the check draws real ids only from what "
     "it found in the account (docs/contract-kit.md), so give the account one (an order, a group, a transfer) to "
     "check these past a 404"),
)  # fmt: skip
_SECTION = re.compile(r"^=+ (.+?) =+$")  # schemathesis' section headers: `=== WARNINGS ===`, `=== SUMMARY ===`
_WARNING = re.compile(r"^[A-Z][^:]*: \d+ ")  # a warning's first line: `Missing test data: 3 operations ...`
_NAMED = re.compile(r"^\s+- (\S.*)$")  # an operation it names: `  - GET /portfolio/orders/{order_id}`
_SIGNED = {KEY_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER}


@dataclass(frozen=True, slots=True)
class Run:
    """What the report of one check needs to say our way."""

    key_id: str
    private_key: Path  # as the user gave it
    temporary: Path  # the check's own folder, removed when it ends
    kept_report: Path | None  # --report FILE: the NDJSON events are kept there

    def temporary_files(self) -> dict[str, str]:
        """Each file of the temporary folder the report may name, and what to say instead."""
        said = {
            "openapi.json": "the checked slice (a temporary copy)",
            "schemathesis.toml": "contract check's own (a temporary file)",
        }
        if self.kept_report is None:
            said["events.ndjson"] = "not kept (--report FILE keeps it)"
        return {f"{self.temporary / name}": text for name, text in said.items()}


@dataclass(slots=True)
class Warned:
    """One warning of schemathesis' report: what it says, and the operations it names."""

    said: str
    operations: list[str] = field(default_factory=list)


class Warnings:
    """The warnings of schemathesis' report, read from its WARNINGS section as the report passes (its event report
    holds none), so that `contract check` names each in its own summary, after the report ends with a count."""

    def __init__(self) -> None:
        self.found: list[Warned] = []
        self._inside = False

    def see(self, line: str) -> None:
        text = line.rstrip("\n")
        if header := _SECTION.match(text.strip()):
            self._inside = header.group(1) == "WARNINGS"
        elif self._inside and _WARNING.match(text):
            self.found.append(Warned(text.strip()))
        elif self._inside and self.found and (named := _NAMED.match(text)):
            self.found[-1].operations.append(named.group(1))

    def summary(self) -> list[str]:
        """`contract check`'s lines for them: each warning and the operations it names; none for none."""
        if not self.found:
            return []
        count = f"{len(self.found)} warning{'' if len(self.found) == 1 else 's'}"
        lines = [f"contract check: {count} from schemathesis (its WARNINGS above; a warning is no violation):"]
        for warned in self.found:
            lines.append(f"  {warned.said}")
            lines += [f"    {operation}" for operation in warned.operations]
        return lines


def translate(lines: Iterable[str], run: Run) -> Iterator[str]:
    """schemathesis' report, line by line, in `contract check`'s terms."""
    replaced = run.temporary_files()
    for line in lines:
        for pattern, replacement in HINTS:
            if pattern.search(line):
                if replacement is None:
                    break
                line = pattern.sub(replacement, line)
        else:
            for path, text in replaced.items():
                line = line.replace(path, text)
            yield from _resigned(line, run)


def _resigned(line: str, run: Run) -> list[str]:
    """A signed curl command as the `mockexchange sign` command that prints it signed now; other lines as they are."""
    indent = line[: len(line) - len(line.lstrip())]
    request = _signed_curl(line.strip())
    if request is None:
        return [line]
    method, url = request
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    command = ["mockexchange", "sign", method, path, "--key-id", run.key_id, "--private-key", str(run.private_key)]
    command += ["--base-url", f"{parts.scheme}://{parts.netloc}", "--curl"]
    why = "# its signature has expired; this prints the curl signed anew (add | sh to send it):"
    return [f"{indent}{why}\n", f"{indent}{shlex.join(command)}\n"]


def _signed_curl(text: str) -> tuple[str, str] | None:
    """The method and URL of `curl [-X METHOD] -H 'KALSHI-ACCESS-...: ...' ... URL`, signed and with nothing else (no
    body, no other header: `mockexchange sign` would leave them out); None for any other line."""
    if not text.startswith("curl ") or SIGNATURE_HEADER not in text:
        return None
    try:
        words = shlex.split(text)[1:]
    except ValueError:
        return None
    method, headers, urls = "GET", set(), []
    while words:
        word = words.pop(0)
        if word in ("-X", "-H") and words:
            value = words.pop(0)
            if word == "-X":
                method = value
            else:
                headers.add(value.partition(":")[0].strip())
        elif word.startswith("-"):
            return None
        else:
            urls.append(word)
    if headers != _SIGNED or len(urls) != 1 or not urls[0].startswith(("http://", "https://")):
        return None
    return method, urls[0]
