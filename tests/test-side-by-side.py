#!/usr/bin/env python3
# Packet Flow: loopback runs side by side (issue 13), TAP output.
#
# Usage: test-side-by-side.py PACKETFLOW SOURCE_DIR
#
# Environment: GSETTINGS_SCHEMA_DIR and PACKETFLOW_NETNS_HELPER (meson
# sets them).
#
# A fresh clone's tests failed while another Packet Flow ran a loopback
# scenario: both mapped web's knuth to 127.203.196.71:8080. Here the real
# binary runs web (with a pause, so the runs overlap) twice at once in
# two processes, and once while another program listens on the old
# default 127.203.196.71:8080; every run must succeed, each on addresses
# of its own, which its summary and its trace show.

import errno
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

import pftest
from pftest import Fail, check, read_trace

BINARY, SRCDIR = pftest.arguments("PACKETFLOW", "SOURCE_DIR")
ENV = dict(os.environ)
ENV.setdefault("LC_ALL", "C.UTF-8")
TMP = tempfile.mkdtemp(prefix="pf-test-side-by-side-")
TIMEOUT = 60
OLD_DEFAULT = ("127.203.196.71", 8080)   # web's knuth:80 before blocks


def paused_web():
    """web, with a pause of 1.5 s before the close, so two runs overlap."""
    path = os.path.join(TMP, "paused-web.pflow.json")
    if not os.path.exists(path):
        with open(os.path.join(SRCDIR, "data", "scenarios", "web.pflow.json"), encoding="utf-8") as f:
            web = json.load(f)
        web["steps"].insert(len(web["steps"]) - 1,
                            {"narration": "A pause.", "action": "wait", "milliseconds": 1500})
        with open(path, "w", encoding="utf-8") as f:
            json.dump(web, f)
    return path


def start(name):
    trace = os.path.join(TMP, name + ".jsonl")
    args = ["--headless", paused_web(), "--mode=loopback", "--trace=" + trace]
    proc = subprocess.Popen([BINARY] + args, env=ENV, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return proc, args, trace


def finish(proc, args):
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise Fail("packetflow %s did not finish within %d s" % (" ".join(args), TIMEOUT))
    return pftest.Result(["packetflow"] + args, proc.returncode, out.decode("utf-8", "replace"),
                         err.decode("utf-8", "replace"))


def here(r, host, address):
    """The address @host (@address in the scenario) got on this computer,
    from the summary's host list."""
    for line in r.stderr.splitlines():
        words = line.split()
        if words[:2] == [host, address]:
            check(len(words) > 3 and words[2] == "(here", "%s has no mapped address" % host,
                  r.describe())
            return words[3].rstrip(")")
    raise Fail("the summary lists no %s" % host, r.describe())


def knuth_here(r):
    return here(r, "knuth", "192.203.196.71")


def check_run(r, trace):
    pftest.expect_exit(r, 0)
    check("result: ran as written" in r.stderr, "the run did not run as written", r.describe())
    segments = [e for e in read_trace(trace) if e["kind"] == "segment"]
    check(len(segments) >= 9, "only %d segments in %s" % (len(segments), trace))
    # The trace has the kernel's addresses, the ones the summary shows.
    ends = {e["src"].rsplit(":", 1)[0] for e in segments} | {e["dst"].rsplit(":", 1)[0] for e in segments}
    shown = {knuth_here(r), here(r, "laptop", "10.0.0.2")}
    check(ends == shown, "the trace has addresses %s, the summary shows %s"
          % (sorted(ends), sorted(shown)))


def case_two_processes():
    before = pftest.helper_pids()
    first, first_args, first_trace = start("first")
    second, second_args, second_trace = start("second")
    r1 = finish(first, first_args)
    r2 = finish(second, second_args)
    pftest.check_no_leftover(before, "two runs at once")
    check_run(r1, first_trace)
    check_run(r2, second_trace)
    here = (knuth_here(r1), knuth_here(r2))
    check(here[0] != here[1], "both runs put knuth on %s at the same time" % here[0],
          r1.describe() + r2.describe())
    return ["knuth was %s in one run and %s in the other" % here]


def case_old_default_held():
    notes = []
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        holder.bind(OLD_DEFAULT)
        holder.listen(1)
    except OSError as e:
        holder.close()
        holder = None
        # Held already, by another program (a Packet Flow window in
        # loopback mode, say): the very case this test makes.
        if e.errno != errno.EADDRINUSE:
            raise Fail("could not hold %s:%d for the test: %s" % (OLD_DEFAULT + (e,)))
        notes.append("%s:%d was held already, by another program" % OLD_DEFAULT)
    try:
        proc, args, trace = start("held")
        r = finish(proc, args)
    finally:
        if holder is not None:
            holder.close()
    check_run(r, trace)
    here = knuth_here(r)
    check(here != OLD_DEFAULT[0], "knuth was put on %s, which another program holds" % here,
          r.describe())
    return notes + ["knuth was %s" % here]


CASES = [
    ("two loopback runs of web at once, in two processes, both succeed", case_two_processes),
    ("a loopback run while another program holds 127.203.196.71:8080 succeeds", case_old_default_held),
]

if __name__ == "__main__":
    pftest.become_subreaper()
    sys.exit(pftest.main(CASES, scratch=TMP, before_each=lambda: pftest.check_build_tree(BINARY, ENV)))
