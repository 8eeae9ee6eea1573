#!/usr/bin/env python3
# Packet Flow: bad input on the command line (issue 6), TAP output.
#
# Usage: test-bad-input.py PACKETFLOW SOURCE_DIR
#
# Environment: as for test-cli.py (GSETTINGS_SCHEMA_DIR and
# PACKETFLOW_NETNS_HELPER; meson sets them).
#
# Every case in tests/bad-scenarios/expected.txt is one file with one kind
# of mistake, and the exact first line of the error it must give. The
# files are in tests/bad-scenarios/; the ones that cannot be committed (10
# MB of nesting, more than 16 MiB, a directory, a FIFO, a symlink loop, a
# missing file) are made here. Each runs twice:
#
#   packetflow --check FILE
#   packetflow --headless FILE --trace=T --pcap=P
#
# and must exit 2 (a crash, a sanitizer report or a hang cannot), print
# exactly the expected line on stderr and nothing else, and leave no trace
# or pcap file behind, whole or half written.

import os
import shutil
import subprocess
import sys
import tempfile

import pftest
from pftest import Fail, check

RUN_TIMEOUT = 60
EXIT_BAD_INPUT = 2
MiB = 1024 * 1024

BINARY, SRCDIR = pftest.arguments("PACKETFLOW", "SOURCE_DIR")
CASES_DIR = os.path.join(SRCDIR, "tests", "bad-scenarios")
GOOD_FILE = os.path.join(SRCDIR, "data", "scenarios", "web.pflow.json")
ENV = dict(os.environ)
# The messages quote strerror(): English, whatever the machine's locale.
ENV["LC_ALL"] = "C.UTF-8"
ENV.pop("LANGUAGE", None)


# ---------------------------------------------------------------- the cases

def make_nested(path, opener, inner, closer, size):
    """About @size bytes of nothing but nesting, written in pieces."""
    depth = (size - len(inner)) // (len(opener) + len(closer))
    with open(path, "w", encoding="ascii") as f:
        for piece, count in ((opener, depth), (inner, 1), (closer, depth)):
            while count > 0:
                n = min(count, 65536)
                f.write(piece * n)
                count -= n


# Files made at test time, by name: what git cannot hold or what would
# weigh 10 MB in the repository.
GENERATED = {
    "deep-arrays.pflow.json": lambda p: make_nested(p, "[", "", "]", 10 * MiB),
    "deep-objects.pflow.json": lambda p: make_nested(p, '{"a":', "1", "}", 10 * MiB),
    "too-large.pflow.json": lambda p: open(p, "w").write(" " * (16 * MiB) + "{}"),
    "a-directory.pflow.json": lambda p: os.mkdir(p),
    "fifo.pflow.json": lambda p: os.mkfifo(p, 0o644),
    "symlink-loop.pflow.json": lambda p: os.symlink(os.path.basename(p), p),
    "missing.pflow.json": lambda p: None,
}


def read_expected():
    """[(name, first line)] in file order."""
    cases = []
    path = os.path.join(CASES_DIR, "expected.txt")
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            name = line.split(":", 1)[0]
            if not name or name == line:
                sys.stderr.write("%s:%d: not FILE: message\n" % (path, number))
                sys.exit(99)
            cases.append((name, line))
    return cases


# ---------------------------------------------------------------- running

def run(args, cwd):
    try:
        proc = subprocess.run([BINARY] + args, cwd=cwd, env=ENV, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Fail("packetflow %s did not finish within %d s" % (" ".join(args), RUN_TIMEOUT))
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def describe(args, status, stderr):
    lines = ["command: packetflow %s" % " ".join(args), "exit status: %d" % status]
    lines += ["stderr: " + line for line in stderr.splitlines()[:20]]
    return lines


def expect_refused(args, cwd, expected):
    status, stdout, stderr = run(args, cwd)
    details = describe(args, status, stderr)
    check(status >= 0, "packetflow was killed by signal %d" % -status, details)
    check(status == EXIT_BAD_INPUT,
          "expected exit status %d (bad input), got %d" % (EXIT_BAD_INPUT, status), details)
    lines = stderr.splitlines()
    check(lines and lines[0] == expected,
          "the first line on stderr is not the expected one",
          ["expected: " + expected, "got:      " + (lines[0] if lines else "(nothing)")] + details)
    check(len(lines) == 1, "stderr has %d lines; bad input gives exactly one" % len(lines), details)
    check(stdout == "", "stdout is not empty", ["stdout: " + l for l in stdout.splitlines()[:5]])


def main():
    cases = read_expected()
    work = tempfile.mkdtemp(prefix="pf-test-bad-input-")
    out = os.path.join(work, "out")
    os.mkdir(out)

    # Every committed file has an expected line, every line a file.
    committed = sorted(f for f in os.listdir(CASES_DIR) if f != "expected.txt")
    names = [name for name, _ in cases]
    for name in committed:
        shutil.copyfile(os.path.join(CASES_DIR, name), os.path.join(work, name))
    corpus_ok = []

    # The corpus is whole, and the harness can tell a good file from a bad one.
    def case_corpus():
        unlisted = [n for n in committed if n not in names]
        check(not unlisted, "files in tests/bad-scenarios/ without an expected line: %s"
              % ", ".join(unlisted))
        unknown = [n for n in names if n not in committed and n not in GENERATED]
        check(not unknown, "expected lines for files that are neither in "
              "tests/bad-scenarios/ nor made by this test: %s" % ", ".join(unknown))
        check(len(set(names)) == len(names), "a file is listed twice in expected.txt")
        status, _, stderr = run(["--check", GOOD_FILE], work)
        check(status == 0, "a good scenario does not pass --check", describe(["--check", GOOD_FILE], status, stderr))
        for name in names:
            if name in GENERATED:
                GENERATED[name](os.path.join(work, name))
        corpus_ok.append(True)

    def case_check(name, line):
        check(corpus_ok, "not run: the corpus is broken")
        expect_refused(["--check", name], work, line)

    def case_headless(name, line):
        check(corpus_ok, "not run: the corpus is broken")
        trace = os.path.join(out, name + ".jsonl")
        pcap = os.path.join(out, name + ".pcap")
        try:
            expect_refused(["--headless", name, "--trace=" + trace, "--pcap=" + pcap], work, line)
            left = sorted(os.listdir(out))
            check(not left, "files left behind in the output directory: %s" % ", ".join(left))
        finally:
            for left in os.listdir(out):
                os.unlink(os.path.join(out, left))

    tap = [("bad-scenarios: %d cases, each with its expected line; web.pflow.json passes --check"
            % len(cases), case_corpus)]
    for name, line in cases:
        tap.append(("--check %s" % name, lambda name=name, line=line: case_check(name, line)))
        tap.append(("--headless %s --trace --pcap" % name,
                    lambda name=name, line=line: case_headless(name, line)))
    return pftest.main(tap, scratch=work)


if __name__ == "__main__":
    sys.exit(main())
