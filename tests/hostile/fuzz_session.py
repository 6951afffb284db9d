"""The requests session the schemathesis fuzzing sends its cases with, one a module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from schemathesis.transport.requests import ManagedCookiesSession


@pytest.fixture(scope="module")
def session() -> Iterator[ManagedCookiesSession]:
    """One session for every case, of the kind schemathesis makes for each (it drops the cookies after each case):
    its connection is kept, where each case's own session opened and closed one."""
    with ManagedCookiesSession() as shared:
        # The mock listens on loopback: no proxy or .netrc of the environment applies, which requests looks up again
        # for every request otherwise (a third of its CPU for one).
        shared.trust_env = False
        yield shared
