"""One page of the docs as a reader works through it: a folder of its own, a served mock when an example needs one,
one bash for its shell blocks and one Python namespace for its Python blocks, so a later example may use what an
earlier one set up (a `$json` variable, a function, an account).

Placeholders are filled as the reader would fill them: `localhost:8000` and `127.0.0.1:8000` name the page's served
mock (`mockexchange serve` on a free port in the page's folder, the demo unless the page served something else),
`/home/you` the page's folder, `.venv/bin/` the folder of the Python running the tests, and `KEY_ID` the id of a key
made for the reader on the served mock, whose private half is `key.pem` in the page's folder.

A shell line that runs `mockexchange serve` (in the foreground, or with `&`) starts the page's served mock with those
options on a free port, replacing the one before; a foreground one stops at the end of its block, as the reader stops
it with Ctrl-C before moving on. Each `curl` must answer a status below 400, or the status its line's comment starts
with (`# 503 ...`), and the JSON its comment shows, if any (`# {"cleared": 1}`); every other command must exit 0.
"""

from __future__ import annotations

import json
import os
import re
import select
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, chdir
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plain_http
from doc_blocks import Block
from serve_process import Served, serving

BIN = Path(sys.executable).parent
_SERVED = re.compile(r"\b(localhost|127\.0\.0\.1):8000\b")
_KEY_ID = re.compile(r"\bKEY_ID\b")
_SERVE = re.compile(r"^\s*(?:\S*/)?mockexchange serve\b")
_CURL_CALL = re.compile(r"^__DOCS_CURL__ (\d+)$")
_CURL_STATUS = re.compile(r"^__DOCS_HTTP__ (\d{3})$")
_EXPECTED_STATUS = re.compile(r"\s*(\d{3})\b")  # the start of a line's comment
_SHELL_TIMEOUT_S = 120.0

# Run before the page's first shell block. ERR records each failing command of the block without ending the shell,
# so the block's later lines still run and every failure is reported (a function's, such as curl's, at its call).
# The script ends in `true`, so `source` itself never fails. `curl` prints its body as curl does (a redirect gets the
# body alone) and notes the line it was called from, the body and the status in a log of its own.
_PRELUDE = r"""
curl() {
    local __docs_out
    __docs_out=$(command curl -w '\n__DOCS_HTTP__ %{http_code}' "$@")
    local __docs_status=$?
    local __docs_body=${__docs_out%$'\n'__DOCS_HTTP__ *}
    printf '%s' "$__docs_body"
    printf '__DOCS_CURL__ %s\n%s\n__DOCS_HTTP__ %s\n' \
        "${BASH_LINENO[0]}" "$__docs_body" "${__docs_out##*__DOCS_HTTP__ }" >> "$__docs_curls"
    return $__docs_status
}
__docs_run() {
    : > "$3"
    : > "$4"
    __docs_curls=$4
    trap "__docs_status=\$?; echo \"line \$LINENO: \$BASH_COMMAND (exit \$__docs_status)\" >> '$3'" ERR
    source "$1" < /dev/null > "$2" 2>&1
    trap - ERR
    echo __DOCS_DONE__
}
"""


@dataclass
class Command:
    """A logical shell command: its first line in the block (from 1) and its text (continuation lines joined)."""

    line: int
    text: str

    @property
    def lines(self) -> int:
        return self.text.count("\n") + 1


def commands_of(text: str) -> Iterator[Command]:
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start = i
        while lines[i].endswith("\\") and i + 1 < len(lines):
            i += 1
        yield Command(start + 1, "\n".join(lines[start : i + 1]))
        i += 1


def shell_text(block: Block) -> str:
    """The block as bash gets it: a console block's commands only (`$ ` lines), each skip-line's command left out
    (a blank line each, so line numbers stay the block's) and each add-args' arguments added."""
    text = block.text
    if block.language == "console":
        text = "".join(line[2:] if line.startswith("$ ") else "\n" for line in text.splitlines(keepends=True))
    out: list[str] = []
    for command in commands_of(text):
        out += [""] * (command.line - 1 - len(out))
        if any(d.text in command.text for d in block.of_kind("skip-line")):
            out += [""] * command.lines
            continue
        for d in block.of_kind("add-args"):
            if d.text in command.text:
                code, hash_, comment = command.text.partition(" #")
                command.text = f"{code.rstrip()} {shlex.join(d.args)}" + (
                    f"  {hash_.strip()}{comment}" if hash_ else ""
                )
        out += command.text.splitlines()
    return "\n".join(out) + "\n"


def serve_options(command: str) -> list[str]:
    """The options of a `mockexchange serve` line, without its comment or a trailing `&`."""
    words = shlex.split(command.replace("\\\n", " "), comments=True)
    words = words[words.index("serve") + 1 :]
    return words[:-1] if words and words[-1] == "&" else words


class Shell:
    """One bash for a page: variables and functions outlive a block, as in the reader's terminal."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder = folder
        self.scripts = folder / ".docs-test"
        self.scripts.mkdir(exist_ok=True)
        self.proc = subprocess.Popen(
            ["bash", "--noprofile", "--norc"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=folder,
            env=env, start_new_session=True,
        )  # fmt: skip
        self._send(_PRELUDE)
        self.runs = 0

    def _send(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def run(self, script: str) -> tuple[str, list[str], str]:
        """Source `script` (its line numbers are the block's); what it printed, the commands that failed and the log
        of its curls."""
        self.runs += 1
        paths = [self.scripts / f"{self.runs}.{name}" for name in ("sh", "out", "failed", "curls")]
        paths[0].write_text(script + "true\n")
        self._send("__docs_run " + " ".join(shlex.quote(str(p)) for p in paths))
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], _SHELL_TIMEOUT_S)
        done = self.proc.stdout.readline() if ready else ""
        output = paths[1].read_text(errors="replace")
        assert done == "__DOCS_DONE__\n", f"the block did not finish in {_SHELL_TIMEOUT_S:g}s:\n{output}"
        failed = paths[2].read_text().splitlines()
        return output, failed, paths[3].read_text(errors="replace")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()  # type: ignore[union-attr]
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def curl_calls(log: str) -> Iterator[tuple[int, str, int]]:
    """Each curl the script made, from the log of its curls: the line it was called from, the body and the status."""
    line, body = 0, []
    for printed in log.splitlines():
        if call := _CURL_CALL.match(printed):
            line, body = int(call.group(1)), []
        elif status := _CURL_STATUS.match(printed):
            yield line, "\n".join(body), int(status.group(1))
        else:
            body.append(printed)


def sample_of(comment: str) -> Any:
    """The JSON a line's comment shows (`{"id": 1, ..., "fired": 2}`: `...` elides fields, `"..."` is any value);
    None when it shows none."""
    text = comment[comment.find("{") :] if "{" in comment else ""
    text = re.sub(r",\s*\.\.\.(?=\s*[,}\]])", "", re.sub(r"(?<=[{\[])\s*\.\.\.\s*,", "", text))
    try:
        return json.JSONDecoder().raw_decode(text)[0] if text else None
    except ValueError:
        return None


def shows(sample: Any, got: Any) -> bool:
    """Whether `got` is what the sample shows: its fields (others may follow), its lists item by item."""
    if sample == "...":
        return True
    if isinstance(sample, dict):
        return isinstance(got, dict) and all(k in got and shows(v, got[k]) for k, v in sample.items())
    if isinstance(sample, list):
        return isinstance(got, list) and len(got) == len(sample) and all(map(shows, sample, got))
    return sample == got


def curl_problems(script: str, log: str) -> list[str]:
    """Each curl whose status is not the one its line's comment starts with (else below 400), or whose body is not
    what the comment shows."""
    lines = script.splitlines()
    problems = []
    for line, body, got in curl_calls(log):
        comment = lines[line - 1].partition(" #")[2]
        expected = _EXPECTED_STATUS.match(comment)
        if not (got == int(expected.group(1)) if expected else 0 < got < 400):
            problems.append(f"line {line}: curl answered {got}, expected {expected.group(1) if expected else '< 400'}")
        if (sample := sample_of(comment)) is not None:
            try:
                answered = json.loads(body)
            except ValueError:
                answered = body
            if not shows(sample, answered):
                problems.append(f"line {line}: curl answered {body}, not what its comment shows")
    return problems


class Page:
    """The examples of one page, run in order in the page's own folder."""

    def __init__(self, blocks: list[Block], folder: Path) -> None:
        self.blocks, self.folder = blocks, folder
        self.namespace: dict[str, Any] = {"__name__": "__docs__"}
        self._servers = ExitStack()
        self.served: Served | None = None
        self._reader_key: str | None = None
        self._shell: Shell | None = None
        for block in blocks:
            for directive in block.of_kind("file"):
                for name in directive.args:
                    (folder / name).parent.mkdir(parents=True, exist_ok=True)
                    (folder / name).write_text(block.text)

    # -- the served mock ------------------------------------------------------------------------------------------

    def serve(self, *options: str) -> Served:
        """Serve `mockexchange serve OPTIONS` from the page's folder on a free port, in place of any served before."""
        self.stop_serving()
        key_dir = self.folder / ".mockexchange"
        self.served = self._servers.enter_context(
            serving(key_dir, *options, "--host", "127.0.0.1", "--port", "0", cwd=self.folder)
        )
        return self.served

    def stop_serving(self) -> None:
        self._servers.close()
        self.served, self._reader_key = None, None

    def reader_key(self) -> str:
        """A key of the reader's on the served mock (its private half in key.pem); made once per served mock."""
        if self._reader_key is None:
            assert self.served is not None
            base = self.served.base_url
            plain_http.post(f"{base}/_admin/accounts", json={"user_id": "docs-reader", "balance_cents": 100_000})
            key = plain_http.post(f"{base}/_admin/keys", json={"user_id": "docs-reader"}).raise_for_status().json()
            (self.folder / "key.pem").write_text(key["private_key_pem"])
            self._reader_key = key["key_id"]
        return self._reader_key

    def fill(self, text: str) -> str:
        """The example with its placeholders filled (serving the demo first when it names a served mock)."""
        text = text.replace(".venv/bin/", f"{BIN}/").replace("/home/you", str(self.folder))
        if _SERVED.search(text) or _KEY_ID.search(text):
            served = self.served or self.serve()
            text = _SERVED.sub(lambda m: f"{m.group(1)}:{served.port}", text)
            if _KEY_ID.search(text):
                text = _KEY_ID.sub(self.reader_key(), text)
        return text

    # -- shell blocks -----------------------------------------------------------------------------------------------

    @property
    def shell(self) -> Shell:
        if self._shell is None:
            keep = {k: v for k, v in os.environ.items() if not k.startswith("MOCKEXCHANGE_")}
            self._shell = Shell(self.folder, {**keep, "PATH": f"{BIN}{os.pathsep}{keep.get('PATH', '')}"})
        return self._shell

    def run_shell(self, block: Block, text: str) -> list[str]:
        """Run a shell block (serve lines served by the page); the problems found, each with its line."""
        problems: list[str] = []
        chunk: list[str] = []  # the lines for bash so far, blank where a line is not for it
        foreground = False
        for command in commands_of(text):
            if _SERVE.match(command.text):
                problems += self._run_chunk(chunk)
                options = serve_options(command.text)
                foreground = foreground or not command.text.rstrip().endswith("&")
                self.serve(*options)
                chunk = [""] * (command.line + command.lines - 1)
            else:
                chunk += [""] * (command.line - 1 - len(chunk)) + command.text.splitlines()
        problems += self._run_chunk(chunk)
        if foreground:
            self.stop_serving()
        return problems

    def _run_chunk(self, chunk: list[str]) -> list[str]:
        if not any(line.strip() for line in chunk):
            return []
        script = self.fill("\n".join(chunk) + "\n")
        output, failed, curls = self.shell.run(script)
        problems = failed + curl_problems(script, curls)
        if problems:
            problems.append(f"it printed:\n{output}")
        return problems

    # -- Python blocks ------------------------------------------------------------------------------------------------

    def run_python(self, block: Block, text: str) -> list[str]:
        """Run a Python block in the page's namespace, from the page's folder; the names of the `test_*` functions it
        defined (a reader's tests, run by the caller)."""
        code = compile(text, f"<{block.where}>", "exec")
        with chdir(self.folder):
            exec(code, self.namespace)
        return [
            name
            for name, value in self.namespace.items()
            if name.startswith("test_")
            and getattr(getattr(value, "__code__", None), "co_filename", "") == code.co_filename
        ]

    def close(self) -> None:
        if self._shell is not None:
            self._shell.close()
        self.stop_serving()


def json_values(text: str) -> list[Any]:
    """The JSON values of a block: one document, or several one after the other (a frame a line, say)."""
    decoder, values, at = json.JSONDecoder(), [], 0
    while (at := len(text) - len(text[at:].lstrip())) < len(text):
        value, at = decoder.raw_decode(text, at)
        values.append(value)
    return values
