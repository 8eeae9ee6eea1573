#!/usr/bin/env python3
# Packet Flow: tests/summarize.py names what broke (issue 13), TAP output.
#
# Usage: test-summarize.py SUMMARIZE_PY
#
# Runs the real summarize.py on testlog.json files written here, as meson
# writes them, and checks its output: the counts it has always printed,
# and under them the name and result of each failed or timed-out test
# with its failing TAP cases.

import json
import os
import subprocess
import sys
import tempfile

import pftest
from pftest import check

SUMMARIZE = pftest.arguments("SUMMARIZE_PY")
TMP = tempfile.mkdtemp(prefix="pf-test-summarize-")


def log(name, tests):
    path = os.path.join(TMP, name)
    with open(path, "w", encoding="utf-8") as f:
        for test in tests:
            f.write(json.dumps(test) + "\n")
    return path


def summarize(*paths):
    proc = subprocess.run([sys.executable, SUMMARIZE] + list(paths), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=30)
    return proc.returncode, proc.stdout.decode("utf-8")


PASSING = {"name": "packetflow:core / address", "result": "OK", "returncode": 0,
           "duration": 0.1, "stdout": "1..2\nok 1 - one\nok 2 - two\n"}
FAILING = {"name": "packetflow:core / cli", "result": "FAIL", "returncode": 1, "duration": 12.5,
           "stdout": "1..3\nok 1 - --list\nnot ok 2 - exact mode: web\n# only 3 TCP segments\n"
                     "#   trace: SYN\n# (1.20 s)\nok 3 - the rest\n"}
TIMED_OUT = {"name": "packetflow:ui / window", "result": "TIMEOUT", "returncode": -15,
             "duration": 60.0, "stdout": "1..4\nok 1 - opens\n"}
CRASHED = {"name": "packetflow:core / potfiles", "result": "ERROR", "returncode": 139,
           "duration": 0.2, "stdout": ""}


def case_all_pass():
    status, out = summarize(log("pass.json", [PASSING]))
    check(status == 0, "exit status %d for a passing log" % status, out.splitlines())
    check(out.splitlines()[-1] == "tests: 2 passed, 0 failed", "the closing line is not the count",
          out.splitlines())
    check("FAIL" not in out and "TIMEOUT" not in out, "a passing log names a failure", out.splitlines())


def case_names_failures():
    status, out = summarize(log("fail.json", [PASSING, FAILING, TIMED_OUT, CRASHED]))
    lines = out.splitlines()
    check(status == 1, "exit status %d for a failing log" % status, lines)
    check(any("FAIL: packetflow:core / cli" in l and "exit status 1" in l for l in lines),
          "the failed test is not named with its result", lines)
    check("    not ok 2 - exact mode: web" in lines and "    # only 3 TCP segments" in lines
          and "    #   trace: SYN" in lines, "the failing case and its comments are not shown", lines)
    check(not any("ok 1 - --list" in l or "ok 3 - the rest" in l for l in lines),
          "passing cases are listed among the failures", lines)
    check(any("TIMEOUT: packetflow:ui / window" in l and "60.0 s" in l for l in lines),
          "the timed-out test is not named", lines)
    check(any("ERROR: packetflow:core / potfiles" in l and "exit status 139" in l for l in lines),
          "the crashed test is not named", lines)
    check(not any("address" in l for l in lines), "the passing test is named", lines)
    check(lines[-1] == "tests: 5 passed, 3 failed", "the closing count is %r" % lines[-1], lines)


def case_missing_and_skipped():
    skipped = dict(PASSING, stdout="1..2\nok 1 - one\nok 2 - two # SKIP no tshark\n")
    status, out = summarize(log("skip.json", [skipped]), os.path.join(TMP, "absent.json"))
    lines = out.splitlines()
    check(status == 1, "a skipped test and a missing log passed", lines)
    check(any("absent.json: missing" in l for l in lines), "the missing log is not reported", lines)
    check(lines[-1] == "tests: 1 passed, 1 failed, 1 skipped", "the closing count is %r" % lines[-1], lines)


CASES = [
    ("a passing log: the counts, no failure named", case_all_pass),
    ("failed, timed-out and crashed tests named with their failing cases", case_names_failures),
    ("a missing log and a skipped case still fail the summary", case_missing_and_skipped),
]

if __name__ == "__main__":
    sys.exit(pftest.main(CASES, scratch=TMP))
