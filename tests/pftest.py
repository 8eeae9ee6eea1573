# Packet Flow: what the command-line test scripts share (test-cli.py,
# test-scenarios.py): failing a case, running packetflow and checking no
# namespace helper outlives it, reading a JSON Lines trace.

import ctypes
import json
import os
import shutil
import signal
import time

HELPER_NAME = "packetflow-netns-helper"
TCP_FLAG_NAMES = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"]


class Fail(Exception):
    """A case failed; the message says what was expected and what came."""

    def __init__(self, message, details=None):
        super().__init__(message)
        self.details = details or []


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


# Become a child subreaper: a helper that outlives its packetflow is then
# re-parented to this test, so it is told apart from the helpers of other
# tests running at the same time, and can be cleaned up.
SUBREAPER = False
try:
    _libc = ctypes.CDLL(None, use_errno=True)
    SUBREAPER = _libc.prctl(36, 1, 0, 0, 0) == 0   # PR_SET_CHILD_SUBREAPER
except (OSError, AttributeError):
    SUBREAPER = False


# ---------------------------------------------------------------- processes

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
    def __init__(self, args, returncode, stdout, stderr, seconds):
        self.args = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.seconds = seconds

    def describe(self):
        lines = ["command: packetflow %s" % " ".join(self.args),
                 "exit status: %d (%.2f s)" % (self.returncode, self.seconds)]
        for line in self.stderr.splitlines()[:15]:
            lines.append("stderr: " + line)
        return lines


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
