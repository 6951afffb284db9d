"""What shows a client's misread (mockexchange/contract/clients/misreads.py): each sign passes an outcome that shows
the misread and fails, with what the call did, on one where the client asked or read as the spec says (it stopped
misreading), or misread otherwise. The outcomes are client_harness.py's; the matrix runs the signs against the real
clients (tests/clients/test_client_matrix.py; test_pykalshi_cells.py on a server answering the misread's name)."""

from __future__ import annotations

from typing import Any

import pytest

from mockexchange.contract.clients.dialects import OFFICIAL
from mockexchange.contract.clients.generated import READS
from mockexchange.contract.clients.kalshi_py_dialect import KALSHI_PY
from mockexchange.contract.clients.misreads import Answers, Asks, Misread, Raises, Sends, Sign
from mockexchange.contract.clients.pykalshi_dialect import PYKALSHI
from mockexchange.contract.clients.scenes import SCENES


def answered(result: Any, *requests: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "result": result, "requests": list(requests)}


def raised(kind: str, status: int | None, *bases: str, requests: tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    error = {"type": kind, "mro": [kind, *bases, "Exception"], "status": status, "message": f"{kind} said so"}
    return {"ok": False, "error": error, "requests": list(requests)}


def request(path: str, **query: str) -> dict[str, Any]:
    return {"path": path, "query": query, "status": 200}


QUOTES = "/trade-api/v2/communications/quotes"
FORECAST = "/trade-api/v2/events/KXE-26/forecast/percentile_history"
CASES: list[tuple[Sign, dict[str, Any], dict[str, Any], str]] = [
    # (the sign, an outcome showing it, one not showing it, what the problem says of the second)
    (
        Raises("UnexpectedStatus", 200),
        raised("UnexpectedStatus", 200),
        answered({"series": {}}),
        "it answered {'series': {}}, where it raised UnexpectedStatus (200)",
    ),
    (
        Raises("UnexpectedStatus", 200),
        raised("UnexpectedStatus", 200),
        raised("UnexpectedStatus", 404),
        "it raised UnexpectedStatus (404): UnexpectedStatus said so, where it raised UnexpectedStatus (200)",
    ),
    (
        Raises("TypeError"),
        raised("TypeError", None),
        raised("KalshiError", 400),
        "it raised KalshiError (400): KalshiError said so, where it raised TypeError",
    ),
    (
        Raises("KalshiError"),
        raised("NotFound", 404, "KalshiError"),
        raised("ValueError", None),
        "it raised ValueError: ValueError said so, where it raised KalshiError",
    ),
    (Answers(0), answered(0), answered(1_700_000_000), "it answered 1700000000, where it answered 0"),
    (
        Answers(0),
        answered(0),
        raised("KalshiAPIError", 500),
        "it raised KalshiAPIError (500): KalshiAPIError said so, where it answered 0",
    ),
    (
        Sends("creator_user_id", "quote_creator_user_id"),
        answered([], request(QUOTES, creator_user_id="maker")),
        answered([], request(QUOTES, quote_creator_user_id="maker")),
        "it sent [{'quote_creator_user_id': 'maker'}], where it sent creator_user_id and no quote_creator_user_id",
    ),
    (
        Sends("creator_user_id", "quote_creator_user_id"),
        answered([], request(QUOTES, creator_user_id="maker")),
        answered([], request(QUOTES, creator_user_id="maker", quote_creator_user_id="maker")),  # (both: it asks right)
        "it sent [{'creator_user_id': 'maker', 'quote_creator_user_id': 'maker'}], where it sent creator_user_id and "
        "no quote_creator_user_id",
    ),
    (
        Sends("creator_user_id", "quote_creator_user_id"),
        answered([], request(QUOTES, creator_user_id="maker")),
        answered([]),  # (no request seen: nothing shows what it sent)
        "it sent [], where it sent creator_user_id and no quote_creator_user_id",
    ),
    (
        Asks("/forecast/percentile_history"),
        raised("KalshiAPIError", 404, requests=(request("/trade-api/v2/events/KXE-26"), request(FORECAST))),
        answered({}, request("/trade-api/v2/series/KXE/events/KXE-26/forecast_percentile_history")),
        "it asked ['/trade-api/v2/series/KXE/events/KXE-26/forecast_percentile_history'], where it asked "
        "…/forecast/percentile_history",
    ),
]


@pytest.mark.parametrize(("sign", "shown", "not_shown", "said"), CASES)
def test_a_sign_passes_its_misread_and_fails_an_outcome_without_it(
    sign: Sign, shown: dict[str, Any], not_shown: dict[str, Any], said: str
) -> None:
    assert sign.problem(shown) is None
    assert sign.problem(not_shown) == said


@pytest.mark.parametrize("dialect", [PYKALSHI, KALSHI_PY], ids=["pykalshi", "kalshi-py"])
def test_each_misread_is_of_an_operation_a_scene_plays_or_of_a_read_column(dialect: Any) -> None:
    played = {op for scene in SCENES.values() for op in scene.operations() for op in op.split("|")}
    for op, misread in dialect.misreads.items():
        assert isinstance(misread, Misread)
        if op in READS:  # a read column's: its method is called (its refusals judged), its answer judged by the sign
            assert dialect.methods[op] == misread.method, op
        else:  # a scene's: judged as a misread, never also as a read
            assert op in played and op in OFFICIAL.methods, op
            assert op not in dialect.methods, op


def test_a_misread_not_called_or_not_shown_is_a_problem_naming_it_and_one_shown_is_its_finding() -> None:
    misread = Misread("it reads `x`, which the answer does not have", "get_x", Answers(0))
    said = "the client no longer misreads it as its dialect says (it reads `x`, which the answer does not have): "
    assert misread.problem(None) == said + "not called"
    assert misread.problem(answered(7)) == said + "it answered 7, where it answered 0"
    assert misread.problem(answered(0)) is None
    assert misread.finding == "a finding about the client, shown again: it reads `x`, which the answer does not have"
