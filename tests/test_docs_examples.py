"""Every example of README.md and docs/*.md runs, so the docs stay true (tests/doc_blocks.py reads the blocks and their
directives, tests/doc_pages.py runs a page as a reader works through it).

Each fenced block is one of: run (```python in-process, ```sh/```bash/```console in the page's bash), checked
(```yaml scenarios through the scenario reader and loaded into a mock, other YAML and ```json parsed), a sample
(```text, ```mermaid), or excused by a `<!-- docs-test: skip (why) -->` above it. Anything else fails
`test_every_block_is_run_checked_or_excused`, so a new example cannot slip by unrun.

The blocks of a page run in order, sharing the page's folder, served mock, bash and Python namespace, in one test a
page (a failure names each failing block by its file and line): a page's blocks are never split across xdist
workers, each of which would run the earlier blocks again. A Python block's `test_*` functions are called; those
that take fixtures run under pytest, with the plugin, in a module that sees the page's namespace.
"""

from __future__ import annotations

import subprocess
import textwrap
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from doc_blocks import CHECK, ROOT, RUN, Block, Directive, DirectiveError, all_blocks, blocks_of, problems_of
from doc_pages import Page, curl_problems, json_values, shell_text

from mockexchange import MockServer
from mockexchange.contract.clients.libraries import CLIENTS, ensure_venv, venv_python
from mockexchange.core.clock import ManualClock
from mockexchange.registry import GRAMMAR
from mockexchange.scenario.schema import load_document

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

pytest_plugins = ["pytester"]

BLOCKS = all_blocks()
TESTED = [b for b in BLOCKS if b.language in RUN | CHECK and b.skipped is None]
SCENARIO_KEYS = {
    "scenario", "description", "settings", "users", "series", "events", "markets", "positions", "deribit", "steps",
    "milestones", "live_data", "structured_targets", "incentive_programs", "weather",
}  # fmt: skip
# A scenario's `public_key_file` names the reader's own file: the shipped public key stands in for it.
PUBLIC_KEY = (ROOT / "mockexchange" / "scenario" / "library" / "keys" / "bob.pub.pem").read_text()
# The pages being run, by file: a Python block's pytest module reads the page's namespace from here.
PAGES: dict[str, Page] = {}


def test_every_block_is_run_checked_or_excused():
    problems = [problem for block in BLOCKS for problem in problems_of(block)]
    assert problems == [], "\n".join(problems)
    assert len(TESTED) > 40, "the pages were read: their examples are found"


PAGE_FILES = sorted({block.page for block in TESTED})


@pytest.mark.parametrize("path", PAGE_FILES, ids=[str(path.relative_to(ROOT)) for path in PAGE_FILES])
def test_the_pages_examples_run(path: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """A page's examples, in order, in the page's folder, served mock, bash and namespace, as a reader works through
    them: one test a page, so that no worker runs a page's earlier blocks again for a later one. Every block runs,
    and each failure is named by its file and line."""
    page = PAGES[str(path)] = Page(blocks_of(path), tmp_path)
    failed: list[str] = []
    try:
        for block in page.blocks:
            if block not in TESTED:
                continue
            try:
                run(block, page, request)
            except Exception as exc:  # noqa: BLE001 (each block's failure is reported, the later blocks still run)
                failed.append(f"{block.where}: {type(exc).__name__}: {exc}")
    finally:
        page.close()
        del PAGES[str(path)]
    assert failed == [], "\n\n".join(failed)


def run(block: Block, page: Page, request: pytest.FixtureRequest) -> None:
    if block.language == "python":
        run_python(block, page, request)
    elif block.language in ("sh", "bash", "console"):
        problems = page.run_shell(block, shell_text(block))
        assert problems == [], f"{block.where}:\n" + "\n".join(problems)
    elif block.language == "json":
        assert json_values(block.text)
    else:
        check_yaml(block, page)


def run_python(block: Block, page: Page, request: pytest.FixtureRequest) -> None:
    text = page.fill(block.text)
    if client := block.of_kind("client"):
        python = venv_python(ensure_venv(CLIENTS[client[0].text]))
        done = subprocess.run([python, "-"], input=text, capture_output=True, text=True, cwd=page.folder, timeout=120)
        assert done.returncode == 0, f"{block.where} with {client[0].text}:\n{done.stdout}{done.stderr}"
        return
    tests = page.run_python(block, text)
    with_fixtures = [name for name in tests if page.namespace[name].__code__.co_argcount]
    for name in tests:
        if name not in with_fixtures:
            page.namespace[name]()
    if with_fixtures:
        run_under_pytest(block, page, text, with_fixtures, request.getfixturevalue("pytester"))


def run_under_pytest(block: Block, page: Page, text: str, names: list[str], pytester: pytest.Pytester) -> None:
    """A reader's tests that take the plugin's fixtures, in a module of their own that sees the page's names."""
    prelude = f"""\
        import sys
        globals().update(
            (name, value)
            for name, value in sys.modules[{__name__!r}].PAGES[{str(block.page)!r}].namespace.items()
            if not name.startswith(("test_", "__"))
        )
    """
    module = pytester.makepyfile(**{"test_docs_block": textwrap.dedent(prelude) + text})
    result = pytester.runpytest_inprocess(*(f"{module}::{name}" for name in names), "-p", "no:cacheprovider")
    assert result.ret == 0, f"{block.where}: {', '.join(names)} under pytest:\n{result.stdout.str()}"
    result.assert_outcomes(passed=len(names))


def check_yaml(block: Block, page: Page) -> None:
    document = yaml.safe_load(block.text)
    if not (isinstance(document, dict) and set(document) <= SCENARIO_KEYS):
        return  # YAML that is no scenario: read, which is all it claims
    load_document(block.text, base_dir=page.folder, read_key_file=lambda path: PUBLIC_KEY, grammar=GRAMMAR)
    if block.of_kind("parse-only"):
        return
    mock = MockServer(clock=ManualClock())
    try:
        loaded: dict[str, Any] = mock.load_scenario(
            document=block.text, run=True, read_key_file=lambda path: PUBLIC_KEY
        )
        assert loaded["error"] is None and loaded["steps_left"] == 0, loaded
    finally:
        mock.stop()


# -- the harness itself: a wrong example fails, an unrun one is named -----------------------------------------------


def page_file(tmp_path: Path, text: str) -> Path:
    page = tmp_path / "page.md"
    page.write_text(textwrap.dedent(text))
    return page


def test_a_block_neither_run_nor_excused_is_named(tmp_path):
    page = page_file(
        tmp_path,
        """\
        ```
        mockexchange serve
        ```

        ```go
        fmt.Println("hi")
        ```

        <!-- docs-test: skip-line "nowhere" (a line that is not there) -->
        ```sh
        echo hi
        ```

        <!-- docs-test: skip (Go needs its toolchain) -->
        ```go
        fmt.Println("excused")
        ```
        """,
    )
    blocks = blocks_of(page)
    problems = [p.split(": ", 1)[1] for block in blocks for p in problems_of(replace(block, page=ROOT / page.name))]
    assert problems == [
        "a block without a language: label it (sh, python, json, yaml, text, ...)",
        "```go is never run: excuse it with <!-- docs-test: skip (why) -->",
        "skip-line 'nowhere' matches no line of the block",
    ]
    assert blocks[3].skipped is not None and blocks[3].skipped.reason == "Go needs its toolchain"


@pytest.mark.parametrize(
    "text",
    [
        "<!-- docs-test: skip -->\n```sh\nx\n```\n",  # an excuse without a reason
        "<!-- docs-test: skipp (typo) -->\n```sh\nx\n```\n",
        "<!-- docs-test: skip (why) -->\n\nSome prose.\n```sh\nx\n```\n",  # not right above the fence
    ],
)
def test_a_directive_that_cannot_be_read_is_an_error(tmp_path, text):
    with pytest.raises(DirectiveError):
        blocks_of(page_file(tmp_path, text))


def test_skip_line_and_add_args_keep_the_line_numbers():
    block = Block(
        ROOT / "x.md",
        1,
        "console",
        "$ echo one \\\n  two\noutput\n$ tool --a  # note\n",
        [Directive("skip-line", "why", "echo one"), Directive("add-args", "why", "tool", ("--b", "c d"))],
    )
    assert shell_text(block) == "\n\n\ntool --a --b 'c d'  # note\n"


def test_a_curl_answering_other_than_its_comment_says_is_a_problem():
    script = 'curl a\ncurl b  # 503 {"error": {"code": "x", ...}}\ncurl c  # {"n": 1, ...}\ncurl d\n'
    printed = [(1, "{}", 200), (2, '{"error": {"code": "x", "message": "m"}}', 503), (3, '{"n": 2}', 200), (4, "", 0)]
    log = "".join(f"__DOCS_CURL__ {line}\n{body}\n__DOCS_HTTP__ {status:03d}\n" for line, body, status in printed)
    assert curl_problems(script, log) == [
        'line 3: curl answered {"n": 2}, not what its comment shows',
        "line 4: curl answered 0, expected < 400",
    ]


def test_a_pages_shell_keeps_its_variables_and_reports_each_failed_command(tmp_path):
    page = Page([], tmp_path)
    try:
        first = Block(ROOT / "x.md", 1, "sh", "greeting=hello\n")
        second = Block(ROOT / "x.md", 5, "sh", 'test "$greeting" = hello\nfalse\necho still running\nls /nowhere\n')
        assert page.run_shell(first, shell_text(first)) == []
        problems = page.run_shell(second, shell_text(second))
        assert problems[:2] == ["line 2: false (exit 1)", "line 4: ls /nowhere (exit 2)"]
        assert "still running" in problems[2]
    finally:
        page.close()


def test_a_curl_redirected_to_a_file_writes_the_body_alone(tmp_path):
    page = Page([], tmp_path)
    try:
        (tmp_path / "answer.json").write_text('{"key_id": "k"}\n')
        block = Block(ROOT / "x.md", 1, "sh", "curl -s file://$PWD/answer.json > copy.json\n")
        problems = page.run_shell(block, shell_text(block))
        assert (tmp_path / "copy.json").read_text() == '{"key_id": "k"}\n'
        assert problems[0] == "line 1: curl answered 0, expected < 400"  # no HTTP status for a file
    finally:
        page.close()
