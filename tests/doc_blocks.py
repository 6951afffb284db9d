"""The fenced code blocks of README.md and docs/*.md, each with what it is and the docs-test directives before it.

A directive is an HTML comment on the line (or lines) right above a block's opening fence, invisible when the page is
rendered; tests/test_docs_examples.py reads them:

    <!-- docs-test: skip (REASON) -->              the block is not run: it needs what a test may not use (Docker,
                                                    the network, the reader's own files or credentials)
    <!-- docs-test: skip-line "TEXT" (REASON) -->  a shell block's lines containing TEXT are not run
    <!-- docs-test: add-args "TEXT" ARGS (REASON) -->  a shell line containing TEXT runs with ARGS added at its end
    <!-- docs-test: parse-only (REASON) -->        a YAML scenario is read and checked, not loaded into a mock
    <!-- docs-test: client NAME (REASON) -->       a Python block runs as a script of its own with the interpreter
                                                    of the client matrix's venv NAME (ccxt-4.5.90, say), built or
                                                    reused as the real-client tests build it
    <!-- docs-test: file PATH [PATH ...] -->       the block's text is also a file of the page's folder, written
                                                    before the page's first example runs
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from mockexchange.contract.clients.libraries import CLIENTS

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

RUN = {"python", "sh", "bash", "console"}  # run: Python in-process, the shells in the page's bash
CHECK = {"yaml", "json"}  # read: a scenario through the scenario reader (and loaded), JSON parsed
SAMPLE = {"text", "mermaid"}  # output, diagrams, formulas: nothing to run
# Any other language (a Go or Java recipe, say) runs only by a test of its own: it must be excused by name.

_FENCE = re.compile(r"^(`{3,})(.*)$")
_DIRECTIVE = re.compile(r"^<!-- docs-test: (.*) -->$")
_REASON = r"\((?P<reason>[^()]*\S[^()]*)\)"
_FORMS = {
    "skip": re.compile(rf"skip {_REASON}"),
    "skip-line": re.compile(rf'skip-line "(?P<text>[^"]+)" {_REASON}'),
    "add-args": re.compile(rf'add-args "(?P<text>[^"]+)" (?P<args>.+?) {_REASON}'),
    "parse-only": re.compile(rf"parse-only {_REASON}"),
    "client": re.compile(rf"client (?P<text>\S+) {_REASON}"),
    "file": re.compile(r"file (?P<paths>\S.*)"),
}


@dataclass(frozen=True)
class Directive:
    kind: str
    reason: str = ""
    text: str = ""  # skip-line, add-args: the part of a line that selects it
    args: tuple[str, ...] = ()  # add-args: what is added; file: the paths
    line: int = 0


@dataclass
class Block:
    page: Path
    line: int  # of the opening fence, from 1
    language: str
    text: str
    directives: list[Directive] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def skipped(self) -> Directive | None:
        return next((d for d in self.directives if d.kind == "skip"), None)

    def of_kind(self, kind: str) -> list[Directive]:
        return [d for d in self.directives if d.kind == kind]


class DirectiveError(ValueError):
    pass


def parse_directive(body: str, line: int) -> Directive:
    kind = body.split(" ", 1)[0]
    form = _FORMS.get(kind)
    matched = form.fullmatch(body) if form else None
    if matched is None:
        known = "; ".join(f"{name}: {pattern.pattern}" for name, pattern in _FORMS.items())
        raise DirectiveError(f"line {line}: unreadable docs-test directive {body!r} (known forms: {known})")
    found = matched.groupdict()
    args = shlex.split(found.get("args") or found.get("paths") or "")
    return Directive(kind, found.get("reason", "").strip(), found.get("text", ""), tuple(args), line)


def blocks_of(page: Path) -> list[Block]:
    """The page's fenced blocks in order. A directive above anything but a fence is an error, never ignored."""
    lines = page.read_text().splitlines()
    found: list[Block] = []
    pending: list[Directive] = []
    i = 0
    while i < len(lines):
        if directive := _DIRECTIVE.match(lines[i]):
            pending.append(parse_directive(directive.group(1), i + 1))
        elif fence := _FENCE.match(lines[i]):
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith(fence.group(1)))
            body = "".join(f"{text}\n" for text in lines[i + 1 : end])
            found.append(Block(page, i + 1, fence.group(2).strip(), body, pending))
            pending, i = [], end
        elif pending:
            raise DirectiveError(f"{page.name}:{pending[0].line}: a docs-test directive must stand right above a fence")
        i += 1
    if pending:
        raise DirectiveError(f"{page.name}:{pending[0].line}: a docs-test directive after the last block")
    return found


def all_blocks() -> list[Block]:
    return [block for page in PAGES for block in blocks_of(page)]


def problems_of(block: Block) -> list[str]:
    """Why a block is neither run, checked, a sample nor excused, or why its directives do not fit it."""
    where, language = block.where, block.language
    if not language:
        return [f"{where}: a block without a language: label it (sh, python, json, yaml, text, ...)"]
    if language not in RUN | CHECK | SAMPLE and block.skipped is None:
        return [f"{where}: ```{language} is never run: excuse it with <!-- docs-test: skip (why) -->"]
    problems = []
    for d in block.directives:
        if d.kind in ("skip-line", "add-args") and language not in ("sh", "bash", "console"):
            problems.append(f"{where}: {d.kind} applies to shell blocks only")
        elif d.kind in ("skip-line", "add-args") and d.text not in block.text:
            problems.append(f"{where}: {d.kind} {d.text!r} matches no line of the block")
        elif d.kind == "parse-only" and language != "yaml":
            problems.append(f"{where}: parse-only applies to YAML blocks only")
        elif d.kind == "client" and language != "python":
            problems.append(f"{where}: client applies to Python blocks only")
        elif d.kind == "client" and d.text not in CLIENTS:
            problems.append(f"{where}: client {d.text!r} is none of the real clients' ({', '.join(CLIENTS)})")
    return problems
