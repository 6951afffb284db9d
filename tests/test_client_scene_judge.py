"""A scene's check, or a read's judge, that finds an answer of another shape than it reads (a field the client's model
left out, a list where it reads a mapping) fails, naming the error, instead of stopping the client matrix; a check
that reads what it expects passes (mockexchange/contract/clients/scenes/scene.py's `judge`, checks.py's `verdict`)."""

from __future__ import annotations

from typing import Any

from mockexchange.contract.clients.checks import ReadCheck, verdict
from mockexchange.contract.clients.dialects import OFFICIAL
from mockexchange.contract.clients.scenes.scene import Check, Judge, Scene, Stage, judge, problems


def _scene(*checks: Check) -> Scene:
    return Scene("account", lambda key_dir, profile: None, lambda stage: [], checks)  # type: ignore[arg-type,return-value]


def _stage() -> Stage:
    return Stage(mock=None, keys={})  # type: ignore[arg-type]


def test_an_answer_of_another_shape_fails_its_check_naming_the_error() -> None:
    def reads_a_field(j: Judge) -> None:
        j.same("limits: usage_tier", j.answer("limits")["usage_tier"], "premier")

    def reads_a_mapping(j: Judge) -> None:
        j.same("keys", j.answer("list")["api_keys"], [])

    outcomes: dict[str, Any] = {
        "limits": {"ok": True, "result": {"read": 10}},  # no usage_tier
        "list": {"ok": True, "result": []},  # a list where the check reads a mapping
    }
    checks = (Check("limits", ("GetAccountApiLimits",), reads_a_field), Check("keys", ("GetApiKeys",), reads_a_mapping))
    failed = problems(judge(_scene(*checks), OFFICIAL, _stage(), outcomes))
    assert failed == {
        "limits": ["the answers are not of the shape the check reads: KeyError: 'usage_tier'"],
        "keys": ["the answers are not of the shape the check reads: TypeError: list indices must be integers or "
                 "slices, not str"],
    }  # fmt: skip


def test_a_check_reading_what_it_expects_passes() -> None:
    def reads_a_field(j: Judge) -> None:
        j.same("limits: usage_tier", j.answer("limits")["usage_tier"], "premier")

    outcomes = {"limits": {"ok": True, "result": {"usage_tier": "premier"}}}
    found = judge(_scene(Check("limits", ("GetAccountApiLimits",), reads_a_field)), OFFICIAL, _stage(), outcomes)
    assert list(found) == ["limits"] and problems(found) == {}


def test_a_read_answered_in_another_shape_fails_its_cell_naming_the_error() -> None:
    read = ReadCheck("non_member", "resting", on="history", kind="refused")
    outcomes = {"non_member": {"ok": False, "error": "forbidden"}}  # an error as text where the judge reads a mapping
    judged = verdict(OFFICIAL, [read], None, outcomes)  # type: ignore[arg-type]  (a refusal's judge reads no mock)
    assert not judged.passed
    said = "non_member: the answer is not of the shape the judge reads: TypeError: string indices must be integers"
    assert said in judged.reason, judged
