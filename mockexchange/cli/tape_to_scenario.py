"""`mockexchange tape-to-scenario TAPE [-o FILE]`: a scenario file from what a tape saw (docs/replay.md).

The scenario goes to FILE (YAML, or JSON for a `.json` name) or stdout; what the tape disagreed on and what a scenario
cannot carry are said on stderr, a line each. A file that is no tape, or one over the replay's bound, is refused in one
line naming the line at fault, exit status 2; a tape whose replies hold an amount or a time that is none (NaN,
Infinity, `1e999999999`) likewise, naming the record.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mockexchange.recording.records import TapeError
from mockexchange.replay.reel import MAX_TAPE_BYTES, read_bounded


def add_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "tape-to-scenario",
        help="turn what a recorded tape saw into a scenario file",
        description="Write a scenario (docs/scenarios.md) seeding the account a tape read: its last observed "
        "positions as opening fills, its balance as a deposit, later fills and settlements as steps.",
    )
    p.add_argument(
        "tape", metavar="TAPE", help=f"a tape `mockexchange proxy --record` wrote (at most {MAX_TAPE_BYTES:,} bytes)"
    )
    p.add_argument(
        "-o", "--output", metavar="FILE", help="where to write it: YAML, or JSON for a .json name (default: stdout)"
    )
    p.add_argument("--user-id", default="trader", help="the scenario's user for the account (default: %(default)s)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mockexchange.registry import TAPE_READERS, TAPE_VENUES  # this command's, not the parser's
    from mockexchange.scenario.from_tape import dumps, scenario_from_tape

    try:
        tape = read_bounded(args.tape, TAPE_VENUES)
    except TapeError as exc:
        print(f"mockexchange: the tape cannot be read: {exc}", file=sys.stderr)
        return 2
    try:
        converted = scenario_from_tape(tape, TAPE_READERS, user_id=args.user_id)
    except TapeError as exc:
        print(f"mockexchange: the tape cannot be made a scenario: {exc}", file=sys.stderr)
        return 2
    for note in converted.notes:
        print(f"mockexchange: {note}", file=sys.stderr)
    text = dumps(converted.document, as_json=bool(args.output and args.output.endswith(".json")))
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"mockexchange: {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0
