# Packet Flow: what the Python test scripts share (test-*.py): the TAP
# main() that runs their cases, their command line, failing a case,
# running packetflow and checking that no namespace helper outlives it,
# reading a JSON Lines trace.

import atexit
import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HELPER_NAME = "packetflow-netns-helper"
TCP_FLAG_NAMES = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"]


class Fail(Exception):
    """A case failed; the message says what was expected and what came."""

    def __init__(self, message, details=None):
        super().__init__(message)
        self.details = details or []


DEBIAN_PYTHON = "/usr/bin/python3"


def on_session_bus(marker):
    """Runs the calling script again under dbus-run-session, with a bus
    of its own for AT-SPI, and returns there once it is. The window
    tests need it: dbus-run-session ends the bus and the a11y bus with
    the test. They run under Debian's own python3, whose gi and Atspi
    bindings are the packages' (python3-gi, gir1.2-atspi-2.0,
    python3-pyatspi). @marker is the environment variable that tells
    the second run from the first.

    The accessibility bus's socket goes in $XDG_RUNTIME_DIR/at-spi, else
    in ~/.cache/at-spi: shared by every such test run at the same time
    (test-keys, test-a11y, test-layout, another checkout's), where one
    bus launcher takes the other's socket away. A runtime directory of
    its own keeps each run's bus its own; it is removed at exit."""
    if os.environ.get(marker) != "1":
        runner = find_tool("dbus-run-session")
        if runner is None:
            print("1..1\nnot ok 1 - dbus-run-session (package dbus-daemon) is not installed")
            sys.exit(1)
        runtime_dir = tempfile.mkdtemp(prefix="pf-test-bus-")
        env = dict(os.environ, XDG_RUNTIME_DIR=runtime_dir, PF_TEST_RUNTIME_DIR=runtime_dir)
        env[marker] = "1"
        python = DEBIAN_PYTHON if os.access(DEBIAN_PYTHON, os.X_OK) else sys.executable
        # The buses and the services they start (at-spi2-registryd says
        # it runs on its stdout) write to stderr; the TAP stream goes on
        # fd 3 and is put back on stdout in the second run.
        sys.stdout.flush()
        os.dup2(1, 3, inheritable=True)
        os.dup2(2, 1)
        os.execvpe(runner, [runner, "--", python] + sys.argv, env)
    os.dup2(3, 1)
    os.close(3)
    del os.environ[marker]
    atexit.register(shutil.rmtree, os.environ.pop("PF_TEST_RUNTIME_DIR"), True)


def check(condition, message, details=None):
    if not condition:
        raise Fail(message, details)


def find_tool(name, *fallbacks):
    found = shutil.which(name)
    if found:
        return found
    for path in fallbacks:
        if os.access(path, os.X_OK):
            return path
    return None


# ---------------------------------------------------------------- TAP

def arguments(*names):
    """The script's arguments, one for each of @names (PACKETFLOW,
    SOURCE_DIR...), as absolute paths; without them, a usage line and
    exit status 99, which meson counts as an error, not a failure."""
    if len(sys.argv) != 1 + len(names):
        sys.stderr.write("usage: %s %s\n" % (os.path.basename(sys.argv[0]), " ".join(names)))
        sys.exit(99)
    paths = [os.path.abspath(argument) for argument in sys.argv[1:]]
    return paths[0] if len(paths) == 1 else paths


def check_build_tree(binary, env):
    """What every run of packetflow from the build tree needs."""
    check(os.access(binary, os.X_OK), "%s is not an executable file" % binary)
    for var in ("GSETTINGS_SCHEMA_DIR", "PACKETFLOW_NETNS_HELPER"):
        check(var in env, "%s is not set in the environment" % var)


def main(cases, scratch=None, before_each=None):
    """Runs @cases, (description, function) pairs, one TAP test point
    each, and returns the exit status: 1 if any failed.

    A function fails its case by raising Fail (its message and details
    are printed as TAP comments); any other exception is a bug in the
    test, and fails the case too. What it returns, a list of lines, is
    printed as notes. @before_each, if given, runs first in every case.

    With a list of cases the plan comes first; with an iterator (a
    generator that yields later cases only when earlier ones have made
    them possible) it comes last. @scratch, a directory, is removed when
    every case passed, and kept and named when one failed."""
    if isinstance(cases, (list, tuple)):
        print("1..%d" % len(cases), flush=True)
    number = failures = 0
    start_all = time.monotonic()
    for number, (description, function) in enumerate(cases, 1):
        start = time.monotonic()
        notes = []
        try:
            if before_each is not None:
                before_each()
            notes = function() or []
            print("ok %d - %s" % (number, description))
        except Fail as e:
            failures += 1
            print("not ok %d - %s" % (number, description))
            print("# %s" % e)
            for line in e.details:
                print("#   %s" % line)
        except Exception as e:   # a crash of the test is a failure too
            failures += 1
            print("not ok %d - %s" % (number, description))
            print("# the test itself raised %s: %s" % (type(e).__name__, e))
        for line in notes:
            print("# %s" % line)
        print("# (%.2f s)" % (time.monotonic() - start), flush=True)
    if not isinstance(cases, (list, tuple)):
        print("1..%d" % number)
    print("# all: %.1f s" % (time.monotonic() - start_all))
    if failures and scratch is not None:
        print("# %d of %d failed; files kept in %s" % (failures, number, scratch))
    elif scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)
    sys.stdout.flush()
    return 1 if failures else 0


# ---------------------------------------------------------------- processes

SUBREAPER = False


def become_subreaper():
    """Makes this test a child subreaper: a helper that outlives its
    packetflow is then re-parented to it, so it is told apart from the
    helpers of other tests running at the same time, and can be cleaned
    up (check_no_leftover)."""
    global SUBREAPER
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        SUBREAPER = libc.prctl(36, 1, 0, 0, 0) == 0   # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        SUBREAPER = False


def helper_pids():
    """Pids of live processes whose command line names the helper
    (what `pgrep -f packetflow-netns-helper` lists)."""
    pids = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if HELPER_NAME.encode() in cmdline:
            pids.add(int(entry))
    return pids


def parent_of(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
        return int(stat[stat.rindex(")") + 2:].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def reap_children():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def check_no_leftover(before, what):
    """Fail if a helper started during the run is still there."""
    deadline = time.monotonic() + 3.0
    while True:
        reap_children()
        new = helper_pids() - before
        if SUBREAPER:
            new = {pid for pid in new if parent_of(pid) == os.getpid()}
        if not new or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if new:
        details = []
        for pid in sorted(new):
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    details.append("leftover pid %d: %s" % (pid, f.read().replace(b"\0", b" ").decode()))
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (OSError, ChildProcessError):
                pass
        reap_children()
        raise Fail("%s left %d namespace helper process(es) behind" % (what, len(new)), details)


class Result:
    """A finished command: @command as it is shown (its argv, or
    "packetflow" and the arguments), its exit status and output."""

    def __init__(self, command, returncode, stdout, stderr, seconds=None):
        self.command = command
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.seconds = seconds

    def describe(self):
        status = "exit status: %d" % self.returncode
        if self.seconds is not None:
            status += " (%.2f s)" % self.seconds
        lines = ["command: %s" % " ".join(self.command), status]
        lines += ["stderr: " + line for line in self.stderr.splitlines()[:20]]
        lines += ["stdout: " + line for line in self.stdout.splitlines()[:5]]
        return lines


def run_packetflow(command, args, env, timeout):
    """Runs @command (packetflow and @args, or a wrapper that runs
    them), for at most @timeout seconds, and checks that no namespace
    helper outlives it. A Result named by @args."""
    before = helper_pids()
    start = time.monotonic()
    try:
        proc = subprocess.run(command, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        seconds = time.monotonic() - start
        try:
            check_no_leftover(before, "packetflow (killed after the time limit)")
        except Fail:
            pass
        raise Fail("packetflow %s did not finish within %d s (killed after %.1f s)"
                   % (" ".join(args), timeout, seconds))
    seconds = time.monotonic() - start
    result = Result(["packetflow"] + args, proc.returncode,
                    proc.stdout.decode("utf-8", "replace"),
                    proc.stderr.decode("utf-8", "replace"), seconds)
    check_no_leftover(before, "packetflow %s" % " ".join(args))
    return result


def expect_exit(result, code):
    check(result.returncode == code,
          "expected exit status %d, got %d" % (code, result.returncode), result.describe())


# ---------------------------------------------------------------- traces

def parse_trace_text(text, where):
    events = []
    for number, line in enumerate(text.splitlines(), 1):
        try:
            event = json.loads(line)
        except ValueError as e:
            raise Fail("%s line %d is not JSON: %s" % (where, number, e), [line[:200]])
        check(isinstance(event, dict), "%s line %d is not a JSON object" % (where, number))
        for key in ("t", "step", "kind"):
            check(key in event, "%s line %d has no \"%s\"" % (where, number, key), [line[:200]])
        check(event["kind"] in ("step", "state", "segment", "deliver", "error"),
              "%s line %d has an unknown kind %r" % (where, number, event["kind"]))
        events.append(event)
    check(events, "%s is empty" % where)
    return events


def read_trace(path):
    check(os.path.exists(path), "no trace file was written at %s" % path)
    with open(path, encoding="utf-8") as f:
        return parse_trace_text(f.read(), path)


def norm_flags(flags):
    """'SYN,ACK' and 0x12 both become 'SYN,ACK' (bit order)."""
    if isinstance(flags, int):
        bits = flags
    else:
        names = [n for n in flags.split(",") if n]
        unknown = [n for n in names if n not in TCP_FLAG_NAMES]
        check(not unknown, "unknown TCP flag name(s) %s in %r" % (unknown, flags))
        bits = 0
        for n in names:
            bits |= 1 << TCP_FLAG_NAMES.index(n)
    return ",".join(n for i, n in enumerate(TCP_FLAG_NAMES) if bits & (1 << i))


def split_endpoint(endpoint):
    host, _, port = endpoint.rpartition(":")
    return host, int(port)


def seg_key(e):
    """(proto, src, dst, flags, len) of a trace segment."""
    flags = norm_flags(e["flags"]) if e["proto"] == "tcp" else ""
    return (e["proto"], e["src"], e["dst"], flags, e["len"])
