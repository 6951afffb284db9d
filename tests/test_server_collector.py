"""The garbage collector of a process that serves (`mockexchange serve`: server.tune_collector) and of one that does
not (an in-process `MockServer` in a user's test process, whose collector stays as the user set it); a command's."""

from __future__ import annotations

import gc
import json
import subprocess
import sys

from mockexchange.cli import COMMAND_THRESHOLDS, main, serving
from mockexchange.server import MockServer
from mockexchange.server.serving import SERVING_THRESHOLDS

SERVED = """
import gc, json
from mockexchange.app import build_app
from mockexchange.server import serving
from mockexchange.server.addresses import listening_socket

class Served:  # the foreground server, standing in: what the collector is when serving starts
    def __init__(self, config, on_ready, on_stop):
        self.interrupted = False
    def run(self, sockets):
        print(json.dumps({"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count()}))

serving.Foreground = Served
serving.serve_forever(build_app(), listening_socket("127.0.0.1", 0))
"""
PROBE = """
import gc, json
from mockexchange.server.serving import tune_collector
before = gc.get_freeze_count()
gc.disable()  # as `serve` holds it off while it loads
tune_collector()
print(json.dumps({"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count() - before, "on": gc.isenabled()}))
"""


def _run(script: str) -> dict:
    return json.loads(subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, text=True).stdout)


def test_a_serving_process_freezes_its_start_and_collects_the_young_generation_less_often():
    found = _run(PROBE)
    assert tuple(found["threshold"]) == SERVING_THRESHOLDS and SERVING_THRESHOLDS[0] > gc.get_threshold()[0]
    assert found["frozen"] > 1000  # the modules and what they hold, never scanned again
    assert found["on"] is True


def test_serve_holds_the_collector_off_while_it_loads_and_gives_it_back(monkeypatch):
    loading = []
    monkeypatch.setattr(serving, "serve", lambda args: loading.append(gc.isenabled()) or 2)
    assert gc.isenabled()
    assert main(["serve", "--port", "0"]) == 2
    assert loading == [False] and gc.isenabled()  # a start that ends (refused, say) leaves it as it found it


def test_mockexchange_serve_serves_with_that_collector():
    found = _run(SERVED)
    assert tuple(found["threshold"]) == SERVING_THRESHOLDS and found["frozen"] > 1000


def test_an_in_process_mock_leaves_the_users_collector_as_it_was():
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    with MockServer():
        # (the suite froze what its collection made: a frozen object freed since leaves the count one less; a freeze
        # here would add the thousands of objects the mock made)
        assert gc.get_threshold() == threshold and gc.get_freeze_count() <= frozen


def test_a_command_collects_the_young_generation_less_often_and_gives_the_collector_back(monkeypatch):
    seen = []
    monkeypatch.setattr(serving, "serve", lambda args: seen.append(gc.get_threshold()) or 2)
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # Python's default, which the suite's workers raise
    try:
        assert main(["serve", "--port", "0"]) == 2
        assert seen == [COMMAND_THRESHOLDS] and gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)
