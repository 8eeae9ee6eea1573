#!/usr/bin/env python3
# Packet Flow: the build tree runs whole (issue 13), TAP output.
#
# Usage: test-build-tree.py PACKETFLOW BUILD_DIR
#
# README's "Running from the build tree": build/app/packetflow, run with
# neither PACKETFLOW_NETNS_HELPER nor GSETTINGS_SCHEMA_DIR set, finds its
# own tree's namespace helper (so exact mode, not a fall-back to
# loopback) and GSettings schemas (so the window opens); `meson devenv`
# sets both; and a copy of the executable outside the build tree (as an
# installed one) never looks in it. Needs xvfb-run for the window.

import os
import shutil
import subprocess
import sys
import tempfile

import pftest
from pftest import check, expect_exit

BINARY, BUILD_DIR = pftest.arguments("PACKETFLOW", "BUILD_DIR")
TMP = tempfile.mkdtemp(prefix="pf-test-build-tree-")
ENV = {k: v for k, v in os.environ.items()
       if k not in ("PACKETFLOW_NETNS_HELPER", "GSETTINGS_SCHEMA_DIR")}
ENV.setdefault("LC_ALL", "C.UTF-8")
TIMEOUT = 60


def run(command, env=ENV):
    return pftest.run_packetflow(command, command[1:], env, TIMEOUT)


def mode_line(r):
    return next((l for l in r.stderr.splitlines() if l.startswith("mode:")), None)


def case_headless_exact():
    r = run([BINARY, "--headless", "web", "--mode=exact"])
    expect_exit(r, 0)
    check(mode_line(r) == "mode: exact: private network namespace",
          "the build tree's packetflow did not run in exact mode", r.describe())
    check("captured, 0 modelled" in r.stderr, "the segments were not captured", r.describe())


def case_auto_is_exact():
    r = run([BINARY, "--headless", "web"])
    expect_exit(r, 0)
    check(mode_line(r).startswith("mode: exact"),
          "--mode=auto fell back from exact mode in the build tree", r.describe())
    check(not any(l.startswith("why:") for l in r.stderr.splitlines()),
          "a reason to fall back was given", r.describe())


def case_window_finds_schemas():
    xvfb = pftest.find_tool("xvfb-run", "/usr/bin/xvfb-run")
    check(xvfb is not None, "xvfb-run is not installed")
    env = dict(ENV, GSETTINGS_BACKEND="memory", GSK_RENDERER="cairo", NO_AT_BRIDGE="1",
               PACKETFLOW_BENCH_FIRST_FRAME="1")
    r = run([xvfb, "-a", BINARY, "web", "--mode=loopback"], env=env)
    check("is not installed" not in r.stderr, "the window did not find its GSettings schema",
          r.describe())
    expect_exit(r, 0)
    check(r.stdout.startswith("first-frame "), "the window did not paint its first frame",
          r.describe())


def case_devenv():
    meson = pftest.find_tool("meson", "/usr/bin/meson")
    check(meson is not None, "meson is not installed")
    r = run([meson, "devenv", "-C", BUILD_DIR, "sh", "-c",
             'echo "$GSETTINGS_SCHEMA_DIR"; echo "$PACKETFLOW_NETNS_HELPER"; command -v packetflow'])
    expect_exit(r, 0)
    lines = r.stdout.splitlines()
    check(len(lines) == 3, "meson devenv printed %d lines, not 3" % len(lines), r.describe())
    check(os.path.samefile(lines[0], os.path.join(BUILD_DIR, "data"))
          and os.path.exists(os.path.join(lines[0], "gschemas.compiled")),
          "GSETTINGS_SCHEMA_DIR is %r, not the build's data/" % lines[0])
    check(os.access(lines[1], os.X_OK) and os.path.basename(lines[1]) == "packetflow-netns-helper",
          "PACKETFLOW_NETNS_HELPER is %r, not the build's helper" % lines[1])
    check(os.path.samefile(lines[2], BINARY), "packetflow in meson devenv is %r" % lines[2])
    r = run([meson, "devenv", "-C", BUILD_DIR, "packetflow", "--headless", "web", "--mode=exact"])
    expect_exit(r, 0)
    check(mode_line(r) == "mode: exact: private network namespace",
          "meson devenv -C build packetflow did not run in exact mode", r.describe())


def case_copy_never_looks():
    copy = os.path.join(TMP, "packetflow")
    shutil.copy2(BINARY, copy)
    r = run([copy, "--headless", "web", "--mode=exact"])
    # Where Packet Flow is installed too, its helper would run; here (a
    # build machine, a CI runner) none is.
    expect_exit(r, 3)
    check("packetflow-netns-helper" in r.stderr, "the message does not name the helper", r.describe())
    check(os.path.realpath(BUILD_DIR) not in r.stderr and BUILD_DIR not in r.stderr,
          "a copy outside the build tree looked in it", r.describe())


CASES = [
    ("build/app/packetflow --headless web --mode=exact runs exact, nothing set", case_headless_exact),
    ("build/app/packetflow --headless web (auto) does not fall back", case_auto_is_exact),
    ("build/app/packetflow's window finds its schemas, nothing set", case_window_finds_schemas),
    ("meson devenv -C build packetflow: helper, schemas, exact mode", case_devenv),
    ("a copy outside the build tree never looks in it", case_copy_never_looks),
]

if __name__ == "__main__":
    pftest.become_subreaper()
    sys.exit(pftest.main(CASES, scratch=TMP))
