"""`mockexchange contract check` on the reads of what Kalshi's exchange is told from outside (milestones, live data,
the weather index, structured targets, incentive programs), their ids drawn from what the server lists
(contract/kalshi/discovery.py's `find_live_data`; the seeded account's, contract/kalshi/account.py): a server that
breaks four of them is named by operation and field, two healthy ones that name what discovery found left unblamed.
(The mock passes all twelve in test_check.py's clean run and contracts/kalshi's suite; a run of these six, one
example each, keeps the test's CPU to the schemathesis run's own.)"""

from __future__ import annotations

import re
from pathlib import Path

import kit_commands
import pytest
from broken_live_data import BrokenLiveData
from broken_server import serving_through

from mockexchange.server import MockServer

pytestmark = pytest.mark.slow  # it runs schemathesis in a child process (conftest.py)

BROKEN = ("GetMilestones", "GetLiveDataByMilestone", "GetIncentivePrograms", "GetWeatherIndex")
HEALTHY = ("GetStructuredTarget", "GetEventLiveData")  # (each names what discovery found: a target, an event)


def test_a_server_that_breaks_the_live_data_reads_is_named_field_by_field(started: list[MockServer], pem: Path) -> None:
    server = serving_through(BrokenLiveData)
    # One example of each read (the fuzzing phase alone): each defect shows in every answer of its read.
    result, summary = kit_commands.check_seeded_reads(started, server, pem, BROKEN + HEALTHY)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out[-4000:]
    assert ("what the exchange is told (for the live data, milestone, target and weather reads): 3 milestones, 2 with "
            "live data, 3 structured targets, weather cities ['miami']") in out  # fmt: skip
    assert "no valid request can be drawn" not in out
    assert re.search(r'milestones\[\]\.start_date: is not of type "string"', summary["GET /milestones"]), summary
    live = summary["GET /live_data/milestone/{milestone_id}"]
    assert '"milestone_id" is a required property' in live, live
    programs = summary["GET /incentive_programs"]
    assert re.search(r'incentive_programs\[\]\.period_reward: is not of type "integer"', programs), programs
    weather = summary["GET /live_data/weather/{city}"]
    assert re.search(r'timeseries\[\]\.t: is not of type "integer"', weather), weather
    assert set(summary) == {"GET /milestones", "GET /live_data/milestone/{milestone_id}", "GET /incentive_programs",
                            "GET /live_data/weather/{city}"}, summary  # fmt: skip
