#!/usr/bin/env python3
# Packet Flow: faults, as the command line reports them (issue 6), TAP.
#
# Usage: test-faults-cli.py PACKETFLOW
#
# Environment: GSETTINGS_SCHEMA_DIR and PACKETFLOW_NETNS_HELPER, as for
# running the build tree (meson sets them). Needs unshare (util-linux),
# mount inside a user namespace, and unprivileged user namespaces.
#
# Every fault is real: a port another program holds, a network whose lo
# is down, a system that refuses user namespaces (a user namespace whose
# limit on new ones is 0, as bubblewrap --disable-userns does), a helper
# killed in the middle of a run, a full disk (a tmpfs, filled) and a file
# size limit (ulimit -f). Each must end with the documented exit status
# and a sentence, never an errno alone, and leave no half-written file.
# The engine's and the player's side of the same faults, and a peer that
# resets mid-transfer, are in test-faults.c.

import json
import os
import re
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

import pftest
from pftest import Fail, Result, check, expect_exit

RUN_TIMEOUT = 60
HELPER_NAME = "packetflow-netns-helper"

BINARY = pftest.arguments("PACKETFLOW")
ENV = dict(os.environ)
ENV.setdefault("LC_ALL", "C.UTF-8")
TMP = tempfile.mkdtemp(prefix="pf-test-faults-")
UNSHARE = shutil.which("unshare") or "/usr/bin/unshare"

# Addresses that no built-in scenario uses, so that loopback runs here
# never meet another test's sockets: 192.0.2.80 is 127.0.2.80 there.
SERVER = "192.0.2.80"
SERVER_HERE = "127.0.2.80"
LOOPBACK_BLOCKS = 16   # PF_NETSPACE_LOOPBACK_N_BLOCKS
CLIENT = "10.80.0.2"
CLIENT_HERE = "127.80.0.2"


def scenario(wait_ms=None):
    steps = [
        {"narration": "The browser connects to the web server.", "action": "connect",
         "id": "w", "from": "pc", "to": "srv", "port": 80},
        {"narration": "It asks for the page.", "action": "send", "connection": "w",
         "data": "GET / HTTP/1.1\r\nHost: srv\r\n\r\n"},
        {"narration": "The page comes back.", "action": "expect", "connection": "w",
         "contains": "200 OK"},
    ]
    if wait_ms is not None:
        steps.append({"narration": "A pause.", "action": "wait", "milliseconds": wait_ms})
    steps.append({"narration": "The browser closes.", "action": "close", "connection": "w"})
    return {
        "format": "packetflow-scenario", "version": 1,
        "title": "Faults", "summary": "A page fetched while things go wrong.",
        "hosts": [
            {"id": "pc", "name": "PC", "address": CLIENT, "kind": "laptop"},
            {"id": "srv", "name": "Server", "address": SERVER, "kind": "server",
             "services": [{"type": "http", "port": 80, "pages": {"/": "<p>hi</p>\n"}}]},
        ],
        "steps": steps,
    }


def write_scenario(name, **kwargs):
    path = os.path.join(TMP, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(scenario(**kwargs), f, indent=2)
    return path


SCENARIO = None      # written in main ()
WAIT_SCENARIO = None


def run(argv, env=None, preexec_fn=None, timeout=RUN_TIMEOUT):
    try:
        proc = subprocess.run(argv, env=env or ENV, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout, preexec_fn=preexec_fn)
    except subprocess.TimeoutExpired:
        raise Fail("%s did not finish within %d s" % (" ".join(argv), timeout))
    return Result(argv, proc.returncode, proc.stdout.decode("utf-8", "replace"),
                  proc.stderr.decode("utf-8", "replace"))


def packetflow(args, **kwargs):
    return run([BINARY] + args, **kwargs)


STRERRORS = {os.strerror(n) for n in range(1, 134)}


def is_sentence(text):
    """Words, at least five, and not a bare strerror."""
    text = re.sub(r"^(packetflow|why):\s*", "", text.strip()).rstrip(".")
    head, _, tail = text.rpartition(": ")
    if text in STRERRORS or (tail in STRERRORS and len(head.split()) <= 1):
        return False
    return len(re.findall(r"[A-Za-z]{2,}", text)) >= 5


def line_starting(result, prefix):
    lines = [l for l in result.stderr.splitlines() if l.startswith(prefix)]
    check(lines, "no line on stderr starts with %r" % prefix, result.describe())
    return lines[0]


def leftovers(directory, keep=()):
    return sorted(n for n in os.listdir(directory) if n not in keep)


# ---------------------------------------------------------------- fake helpers

# A helper that answers as the real one does when a stage of the set-up
# fails: one PfNetnsReply (pf-netns-protocol.h) with status ERROR, then
# exit status 1.
FAKE_HELPER = r'''#!/usr/bin/env python3
import socket, struct, sys
MAGIC, VERSION, STATUS_ERROR = 0x734e6650, 2, 3
stage, errno_, address = int(sys.argv[-3]), int(sys.argv[-2]), sys.argv[-1]
control = socket.socket(fileno=3)
addr = struct.unpack("!I", socket.inet_aton(address))[0]
control.send(struct.pack("=IHHIIiII", MAGIC, VERSION, STATUS_ERROR, 0, stage, errno_, addr, 0))
sys.exit(1)
'''

STAGE_UNSHARE = 2
STAGE_ADD_ADDRESS = 5


def fake_helper(stage, errno_, address="0.0.0.0"):
    """A PACKETFLOW_NETNS_HELPER that fails at @stage with @errno_."""
    script = os.path.join(TMP, "fake-helper.py")
    if not os.path.exists(script):
        with open(script, "w") as f:
            f.write(FAKE_HELPER)
        os.chmod(script, 0o755)
    wrapper = os.path.join(TMP, "fake-helper-%d-%d.sh" % (stage, errno_))
    with open(wrapper, "w") as f:
        f.write('#!/bin/sh\nexec "%s" "%s" "$@" %d %d %s\n'
                % (sys.executable, script, stage, errno_, address))
    os.chmod(wrapper, 0o755)
    return wrapper


# ---------------------------------------------------------------- cases

def case_port_taken():
    """Other programs listen where loopback mode puts the web server, in
    every block of addresses it could move to (127.0.2.80, 127.1.2.80,
    ...: core/pf-netspace-loopback.c)."""
    holders = []
    trace = os.path.join(TMP, "taken.jsonl")
    try:
        for block in range(LOOPBACK_BLOCKS):
            holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            holders.append(holder)
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            holder.bind(("127.%d.2.80" % block, 8080))
            holder.listen(1)
        r = packetflow(["--headless", SCENARIO, "--mode=loopback", "--trace=" + trace])
    finally:
        for holder in holders:
            holder.close()
    expect_exit(r, 3)
    line = line_starting(r, "packetflow: ")
    check(line == "packetflow: Port 80 on %s is already in use (it is port 8080 on %s on "
          "this computer)." % (SERVER, SERVER_HERE),
          "unexpected message: %r" % line, r.describe())
    check(not os.path.exists(trace), "a trace was left although nothing ran")
    check(not [n for n in os.listdir(TMP) if n.startswith("taken.jsonl")],
          "a temporary trace file was left behind", os.listdir(TMP))

    # Freed, the port serves the next run.
    expect_exit(packetflow(["--headless", SCENARIO, "--mode=loopback"]), 0)


def case_address_unavailable():
    """lo is down (a new network namespace): no 127.x address works. The
    first host's address is the one named (older kernels refuse the bind,
    newer ones the route)."""
    argv = [UNSHARE, "--user", "--map-root-user", "--net", "--",
            BINARY, "--headless", SCENARIO, "--mode=loopback"]
    r = run(argv)
    expect_exit(r, 3)
    line = line_starting(r, "packetflow: ")
    check(line == ("packetflow: The address %s cannot be used here: this computer does not "
                   "accept %s, which stands in for it, because its loopback interface is down "
                   "or has no 127.0.0.0/8 addresses." % (CLIENT, CLIENT_HERE)),
          "unexpected message: %r" % line, r.describe())
    check(is_sentence(line), "not a sentence: %r" % line)

    # Exact mode brings its own lo up: the same place is no trouble.
    argv[-1] = "--mode=auto"
    r = run(argv)
    expect_exit(r, 0)
    check("mode: exact: private network namespace" in r.stderr, "not exact mode", r.describe())


def case_address_refused_by_namespace():
    """The private network cannot have an address: loopback mode, and why."""
    helper = fake_helper(STAGE_ADD_ADDRESS, 99, SERVER)    # EADDRNOTAVAIL
    r = packetflow(["--headless", SCENARIO], env=dict(ENV, PACKETFLOW_NETNS_HELPER=helper))
    expect_exit(r, 0)
    line_starting(r, "mode: loopback")
    why = line_starting(r, "why: ")
    check(why.startswith("why: The address %s could not be added to the private network" % SERVER),
          "the reason does not name the address: %r" % why, r.describe())
    check(why.endswith("so Packet Flow uses loopback addresses and models the segments."),
          "the reason does not say what happens instead: %r" % why)


def case_userns_refused_real():
    """A system whose limit on user namespaces is 0 (bubblewrap's
    --disable-userns does exactly this)."""
    shell = 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"'
    argv = [UNSHARE, "--user", "--map-root-user", "--", "sh", "-c", shell, "sh",
            BINARY, "--headless", SCENARIO]
    r = run(argv)
    expect_exit(r, 0)
    line_starting(r, "mode: loopback: addresses mapped into 127.0.0.0/8")
    why = line_starting(r, "why: ")
    check(why == "why: User namespaces are not allowed here (the limit on user namespaces is "
          "reached or set to zero), so Packet Flow uses loopback addresses and models the "
          "segments.", "unexpected reason: %r" % why, r.describe())
    check("segments: 0 captured" in r.stderr, "segments were captured", r.describe())
    line_starting(r, "result: ran as written")

    # Asked for exact mode only: the environment refused, exit 3.
    r = run(argv + ["--mode=exact"])
    expect_exit(r, 3)
    line = line_starting(r, "packetflow: ")
    check(line == "packetflow: Exact mode is not available. User namespaces are not allowed "
          "here (the limit on user namespaces is reached or set to zero).",
          "unexpected message: %r" % line, r.describe())


def case_userns_refused_fake():
    """A helper whose unshare () is refused with EPERM (a seccomp filter,
    as in the Flatpak sandbox)."""
    helper = fake_helper(STAGE_UNSHARE, 1)
    r = packetflow(["--headless", SCENARIO], env=dict(ENV, PACKETFLOW_NETNS_HELPER=helper))
    expect_exit(r, 0)
    why = line_starting(r, "why: ")
    check(why == "why: User namespaces are not allowed here (the system refused to create one), "
          "so Packet Flow uses loopback addresses and models the segments.",
          "unexpected reason: %r" % why, r.describe())


def children_of(pid):
    found = []
    try:
        for task in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, task)) as f:
                found += [int(p) for p in f.read().split()]
    except OSError:
        pass
    return found


def is_helper(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return HELPER_NAME.encode() in f.read()
    except OSError:
        return False


def case_helper_killed():
    """The helper dies while a step waits: the run stops at once, exit 3."""
    trace = os.path.join(TMP, "killed.jsonl")
    proc = subprocess.Popen([BINARY, "--headless", WAIT_SCENARIO, "--mode=exact",
                             "--trace=" + trace], env=ENV, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        helpers = []
        while not helpers and time.monotonic() < deadline and proc.poll() is None:
            helpers = [p for p in children_of(proc.pid) if is_helper(p)]
            time.sleep(0.01)
        check(helpers, "packetflow started no helper")
        # The steps before the pause take milliseconds; the pause 5 s.
        time.sleep(1.0)
        check(proc.poll() is None, "packetflow ended before the helper was killed")
        killed_at = time.monotonic()
        os.kill(helpers[0], signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=RUN_TIMEOUT)
        seconds = time.monotonic() - killed_at
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    r = Result(["packetflow", "--headless", WAIT_SCENARIO], proc.returncode,
               stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"))
    expect_exit(r, 3)
    check(seconds < 3.0, "the run went on for %.1f s after the helper died" % seconds)
    line = line_starting(r, "packetflow: ")
    check(line == "packetflow: The private network went away during the run (its helper "
          "process ended). Restart the scenario to run it again.",
          "unexpected message: %r" % line, r.describe())
    check("result:" not in r.stderr, "a result was claimed for a run that stopped", r.describe())

    # The trace is the record of what happened: up to the pause.
    with open(trace, encoding="utf-8") as f:
        events = [json.loads(l) for l in f]
    steps = [e["step"] for e in events if e["kind"] == "step"]
    check(steps == [1, 2, 3, 4], "the trace's steps are %s, not the four run" % steps)

    # And the next run works.
    expect_exit(packetflow(["--headless", SCENARIO, "--mode=exact"]), 0)


def assert_write_refused(r, target, directory, keep):
    expect_exit(r, 3)
    lines = [l for l in r.stderr.splitlines() if target in l]
    check(lines, "no message names %s" % target, r.describe())
    check(lines[0].startswith("packetflow: Could not write the "),
          "unexpected message: %r" % lines[0], r.describe())
    check(is_sentence(lines[0]), "not a sentence: %r" % lines[0])
    left = leftovers(directory, keep)
    check(not left, "files were left behind: %s" % left)


def case_disk_full(option):
    """The output goes to a full tmpfs (its own mount namespace)."""
    directory = tempfile.mkdtemp(prefix="full-", dir=TMP)
    name = "web.jsonl" if option == "trace" else "web.pcap"
    target = os.path.join(directory, name)
    shell = ('mount -t tmpfs -o size=64k tmpfs "$1" || exit 90\n'
             'head -c 1048576 /dev/zero > "$1/filler" 2>/dev/null\n'
             'shift\n'
             '"$@"; rc=$?\n'
             'echo "left: $(ls -A "$D")" >&2\n'
             'exit $rc\n')
    argv = [UNSHARE, "--user", "--map-root-user", "--mount", "--", "sh", "-c",
            shell.replace('"$D"', '"%s"' % directory), "sh", directory,
            BINARY, "--headless", SCENARIO, "--%s=%s" % (option, target)]
    r = run(argv)
    check(r.returncode != 90, "tmpfs could not be mounted", r.describe())
    left = line_starting(r, "left: ")
    check(left.split() == ["left:", "filler"], "files were left behind: %r" % left, r.describe())
    expect_exit(r, 3)
    line = [l for l in r.stderr.splitlines() if target in l]
    check(line and line[0] == "packetflow: Could not write the %s to “%s”: %s."
          % ("trace" if option == "trace" else "capture", target, os.strerror(28)),
          "unexpected message: %r" % line, r.describe())
    check(is_sentence(line[0]), "not a sentence: %r" % line[0])


def case_file_size_limit(option):
    """ulimit -f: the file may not grow past 512 bytes."""
    directory = tempfile.mkdtemp(prefix="fsize-", dir=TMP)
    target = os.path.join(directory, "web.jsonl" if option == "trace" else "web.pcap")

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (512, 512))

    r = packetflow(["--headless", SCENARIO, "--%s=%s" % (option, target)], preexec_fn=limit)
    check(r.returncode != -signal.SIGXFSZ, "packetflow was killed by SIGXFSZ", r.describe())
    assert_write_refused(r, target, directory, ())


CASES = [
    ("port taken: exit 3, \"Port 80 on %s is already in use …\", no trace" % SERVER,
     case_port_taken),
    ("an address cannot be assigned (lo down): exit 3 with a sentence; exact mode unaffected",
     case_address_unavailable),
    ("the private network refuses an address: loopback mode, and why", case_address_refused_by_namespace),
    ("user namespaces refused (limit 0): loopback mode, why:, exit 0; --mode=exact exit 3",
     case_userns_refused_real),
    ("user namespaces refused (EPERM): loopback mode and why:", case_userns_refused_fake),
    ("helper killed during a step: exit 3 at once with a sentence, trace up to then",
     case_helper_killed),
    ("disk full: --trace gives exit 3, a sentence naming the file, nothing left",
     lambda: case_disk_full("trace")),
    ("disk full: --pcap gives exit 3, a sentence naming the file, nothing left",
     lambda: case_disk_full("pcap")),
    ("file size limit: --trace gives exit 3, not SIGXFSZ, nothing left",
     lambda: case_file_size_limit("trace")),
    ("file size limit: --pcap gives exit 3, not SIGXFSZ, nothing left",
     lambda: case_file_size_limit("pcap")),
]


def main():
    global SCENARIO, WAIT_SCENARIO
    SCENARIO = write_scenario("faults.pflow.json")
    WAIT_SCENARIO = write_scenario("faults-wait.pflow.json", wait_ms=5000)
    return pftest.main(CASES, scratch=TMP)


if __name__ == "__main__":
    sys.exit(main())
