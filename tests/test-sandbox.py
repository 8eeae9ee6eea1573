#!/usr/bin/env python3
# Packet Flow: every built-in scenario in a sandbox like Flatpak's (issue 6), TAP.
#
# Usage: test-sandbox.py PACKETFLOW
#
# Environment: GSETTINGS_SCHEMA_DIR and PACKETFLOW_NETNS_HELPER, as for
# running the build tree (meson sets them). Needs bubblewrap (bwrap), the
# sandbox Flatpak itself is built on, and unprivileged user namespaces.
#
# The sandbox is the one the Flatpak manifest asks for: no network
# (--unshare-all gives a network namespace of its own), no user
# namespaces inside it (--disable-userns: the limit on new ones is 0, as
# Flatpak's seccomp filter refuses them), no capabilities, a read-only
# root and a private /tmp. Flatpak without --share=network gives a new
# network namespace whose lo is up; bubblewrap does the same (it brings
# lo up in the namespace it makes). Case 1 checks that this sandbox is
# really that: lo up with 127.0.0.1, no other interface, nothing else
# reachable, no user namespace to be had, / read-only. Then every
# scenario that `packetflow --list` names (inside the sandbox) must run
# in loopback mode, say why, model every segment and exit 0.

import json
import os
import re
import shutil
import subprocess
import sys

import pftest
from pftest import Fail, Result, check

RUN_TIMEOUT = 60

BINARY = pftest.arguments("PACKETFLOW")
BWRAP = shutil.which("bwrap")
PYTHON = os.path.realpath(sys.executable)
WHY = ("why: User namespaces are not allowed here (the limit on user namespaces is reached "
       "or set to zero), so Packet Flow uses loopback addresses and models the segments.")


def sandbox_argv(command):
    argv = [BWRAP,
            "--unshare-all", "--unshare-user", "--disable-userns",
            "--cap-drop", "ALL",
            "--ro-bind", "/", "/",
            "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    # A build tree under /tmp stays visible through the private /tmp.
    for path in (BINARY, os.environ.get("PACKETFLOW_NETNS_HELPER"),
                 os.environ.get("GSETTINGS_SCHEMA_DIR")):
        if path and os.path.realpath(path).startswith("/tmp/"):
            path = os.path.realpath(path)
            directory = path if os.path.isdir(path) else os.path.dirname(path)
            argv += ["--ro-bind", directory, directory]
    argv += ["--die-with-parent", "--new-session",
            "--clearenv",
            "--setenv", "PATH", "/usr/bin:/bin",
            "--setenv", "LC_ALL", "C.UTF-8"]
    for name in ("GSETTINGS_SCHEMA_DIR", "PACKETFLOW_NETNS_HELPER", "G_DEBUG"):
        if name in os.environ:
            argv += ["--setenv", name, os.environ[name]]
    return argv + ["--"] + command


def in_sandbox(command, timeout=RUN_TIMEOUT):
    argv = sandbox_argv(command)
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Fail("%s did not finish within %d s in the sandbox" % (" ".join(command), timeout))
    return Result(command, proc.returncode, proc.stdout.decode("utf-8", "replace"),
                  proc.stderr.decode("utf-8", "replace"))


# What the sandbox holds, seen from inside: one JSON object.
PROBE = r'''
import errno, fcntl, json, os, socket, struct, subprocess
out = {}
# /proc/net is the sandbox's own network (/sys is the host's, bound in).
with open("/proc/net/dev") as f:
    out["interfaces"] = sorted(l.split(":")[0].strip() for l in f if ":" in l)
request = struct.pack("16sH14x", b"lo", 0)
flags = struct.unpack("16sH14x", fcntl.ioctl(socket.socket(), 0x8913, request))[1]  # SIOCGIFFLAGS
out["lo_up"] = bool(flags & 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.connect(("127.0.0.1", 9))
    out["loopback"] = "reachable"
except OSError as e:
    out["loopback"] = errno.errorcode.get(e.errno, str(e.errno))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.connect(("192.0.2.1", 9))
    out["outside"] = "reachable"
except OSError as e:
    out["outside"] = errno.errorcode.get(e.errno, str(e.errno))
r = subprocess.run(["unshare", "--user", "--map-root-user", "true"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
out["userns"] = "allowed" if r.returncode == 0 else r.stderr.decode().strip()
try:
    open("/packetflow-probe", "w")
    out["root"] = "writable"
except OSError as e:
    out["root"] = errno.errorcode.get(e.errno, str(e.errno))
with open("/proc/self/status") as f:
    out["caps"] = [l.split()[1] for l in f if l.startswith("CapEff")][0]
print(json.dumps(out))
'''


def case_sandbox_is_flatpaks():
    r = in_sandbox([PYTHON, "-c", PROBE])
    check(r.returncode == 0, "the probe failed in the sandbox", r.describe())
    probe = json.loads(r.stdout)
    details = ["%s: %s" % (k, v) for k, v in sorted(probe.items())]
    check(probe["interfaces"] == ["lo"], "the sandbox has interfaces other than lo", details)
    check(probe["lo_up"], "lo is down in the sandbox (Flatpak's is up)", details)
    check(probe["loopback"] == "reachable", "127.0.0.1 is not reachable in the sandbox", details)
    check(probe["outside"] == "ENETUNREACH", "an outside address is reachable", details)
    check(probe["userns"] != "allowed", "a user namespace could be made in the sandbox", details)
    check(probe["root"] in ("EROFS", "EACCES"), "/ is writable in the sandbox", details)
    check(int(probe["caps"], 16) == 0, "the sandbox has capabilities", details)


NAMES = []   # what --list named in the sandbox, once case_list has passed


def case_list():
    r = in_sandbox([BINARY, "--list"])
    names = []
    check(r.returncode == 0, "--list failed in the sandbox", r.describe())
    for line in r.stdout.splitlines():
        check(re.fullmatch(r"[A-Za-z0-9_-]+\t\S.*", line) is not None,
              "--list printed a line that is not NAME<TAB>TITLE: %r" % line)
        names.append(line.split("\t", 1)[0])
    check(names, "--list named no scenario")
    outside = subprocess.run([BINARY, "--list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             timeout=RUN_TIMEOUT)
    check(outside.stdout.decode() == r.stdout, "--list differs inside and outside the sandbox")
    NAMES.extend(names)


def case_exact_refused():
    r = in_sandbox([BINARY, "--headless", NAMES[0], "--mode=exact"])
    check(r.returncode == 3, "--mode=exact in the sandbox: exit %d, not 3" % r.returncode,
          r.describe())
    check("packetflow: Exact mode is not available. User namespaces are not allowed here"
          in r.stderr, "no sentence saying why exact mode is not available", r.describe())


def case_scenario(name):
    r = in_sandbox([BINARY, "--headless", name, "--trace=-"])
    check(r.returncode == 0, "%s: exit status %d in the sandbox" % (name, r.returncode),
          r.describe())
    lines = r.stderr.splitlines()
    check("mode: loopback: addresses mapped into 127.0.0.0/8" in lines,
          "%s did not run in loopback mode" % name, r.describe())
    check(WHY in lines, "%s: no \"why:\" line saying user namespaces are refused" % name,
          r.describe())
    check("result: ran as written" in lines, "%s did not run as written" % name, r.describe())

    events = [json.loads(l) for l in r.stdout.splitlines()]
    segments = [e for e in events if e["kind"] == "segment"]
    steps = [e for e in events if e["kind"] == "step"]
    check(steps, "%s: the trace has no steps" % name)
    check(segments, "%s: the trace has no segments" % name)
    captured = [e for e in segments if e.get("origin") != "modelled"]
    check(not captured, "%s: %d segments are not marked modelled" % (name, len(captured)))
    errors = [e["message"] for e in events
              if e["kind"] == "error" and e.get("code") != "ECONNREFUSED"]
    check(not errors, "%s: errors in the sandbox" % name, errors)
    counted = re.search(r"^segments: 0 captured, (\d+) modelled$", r.stderr, re.M)
    check(counted and int(counted.group(1)) == len(segments),
          "%s: the summary does not count %d modelled segments" % (name, len(segments)),
          r.describe())


def need_bwrap():
    check(BWRAP is not None,
          "bubblewrap is not installed (apt install bubblewrap): the sandbox test cannot run")


def cases():
    """The sandbox and --list first; the scenarios once --list has named them."""
    if BWRAP is None:
        yield ("bubblewrap is installed", need_bwrap)
        return
    yield ("the sandbox is Flatpak's: lo up, nothing else, no user namespaces, / read-only",
           case_sandbox_is_flatpaks)
    yield ("packetflow --list in the sandbox", case_list)
    if not NAMES:
        return
    yield ("--mode=exact in the sandbox: exit 3 and why", case_exact_refused)
    for scenario in NAMES:
        yield ("%s in the sandbox: loopback mode, why, modelled segments, exit 0" % scenario,
               lambda scenario=scenario: case_scenario(scenario))


def main():
    return pftest.main(cases())


if __name__ == "__main__":
    sys.exit(main())
