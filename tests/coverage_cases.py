"""When the schemathesis tests' coverage cases are made: the first time the test runs, not when it is collected.

Schemathesis' pytest integration makes every coverage-phase case of an operation (each boundary and wrong kind of
each parameter, signed by the kit's auth) as it collects the operation's test, and attaches them as Hypothesis'
explicit examples. Under pytest-xdist every worker collects every test, so each case was made (and signed) once per
worker, some 5 CPU-seconds a time, for the one worker that runs the test. Here the cases are made by the same code,
with the same arguments, into the same list of explicit examples, when Hypothesis first reads that list: once, in the
worker that runs the test. The cases, their order and every check on them are the same; a definition the coverage
phase cannot cover fails its test when it runs, as it failed it when collected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from schemathesis.generation.hypothesis import builder

# Schemathesis' own, even where this module is imported a second time under another name (it is then patched already).
_add_coverage = getattr(builder.add_coverage, "__wrapped__", builder.add_coverage)


class ExamplesMadeWhenRead(list):
    """A test's explicit examples, the coverage cases among them made at the first read (or the first one added after
    them, so that the order stays the order they were attached in)."""

    def __init__(self, examples: list[Any], make: Callable[[], object]) -> None:
        super().__init__(examples)
        self._make: Callable[[], object] | None = make

    def _made(self) -> None:
        make, self._make = self._make, None
        if make is not None:
            make()  # appends each case through `append`, here again, with nothing left to make

    def __len__(self) -> int:
        self._made()
        return super().__len__()

    def __iter__(self) -> Iterator[Any]:
        self._made()
        return super().__iter__()

    def __reversed__(self) -> Iterator[Any]:
        self._made()
        return super().__reversed__()

    def __getitem__(self, index: Any) -> Any:
        self._made()
        return super().__getitem__(index)

    def append(self, example: Any) -> None:
        self._made()
        super().append(example)


def add_coverage_when_run(test: Callable, *args: Any, **kwargs: Any) -> Callable:
    """`builder.add_coverage`, deferred: the test's explicit examples so far, and its coverage cases when read."""
    made = getattr(test, "hypothesis_explicit_examples", [])
    test.__dict__["hypothesis_explicit_examples"] = ExamplesMadeWhenRead(
        made, lambda: _add_coverage(test, *args, **kwargs)
    )
    return test


add_coverage_when_run.__dict__["__wrapped__"] = _add_coverage
builder.add_coverage = add_coverage_when_run
