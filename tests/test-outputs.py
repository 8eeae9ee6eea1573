#!/usr/bin/env python3
# Packet Flow: what --trace and --pcap write (issue 13), TAP output.
#
# Usage: test-outputs.py PACKETFLOW SOURCE_DIR
#
# Environment: GSETTINGS_SCHEMA_DIR and PACKETFLOW_NETNS_HELPER, as for
# running the build tree (meson sets them). Needs tshark.
#
# Every case runs the real binary (in exact mode, and the window case in
# loopback mode too) and reads what it wrote
# with tshark: the pcap on standard output, the trace's steps numbered as
# the window numbers them, the scaled TCP window beside the raw one, and
# --trace-payload's ways of writing a payload, byte for byte.

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pftest
from pftest import Fail, check, expect_exit, parse_trace_text, read_trace

RUN_TIMEOUT = 60

BINARY, SRCDIR = pftest.arguments("PACKETFLOW", "SOURCE_DIR")
ENV = dict(os.environ)
ENV.setdefault("LC_ALL", "C.UTF-8")
TMP = tempfile.mkdtemp(prefix="pf-test-outputs-")
TSHARK = "/usr/bin/tshark" if os.access("/usr/bin/tshark", os.X_OK) else shutil.which("tshark")
PCAP_MAGIC = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4")


def run(args, cwd=TMP):
    return pftest.run_packetflow([BINARY] + args, args, ENV, RUN_TIMEOUT)


def run_bytes(args, cwd):
    """packetflow with its standard output as bytes, in @cwd."""
    before = pftest.helper_pids()
    start = time.monotonic()
    try:
        proc = subprocess.run([BINARY] + args, env=ENV, cwd=cwd, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Fail("packetflow %s did not finish within %d s" % (" ".join(args), RUN_TIMEOUT))
    pftest.check_no_leftover(before, "packetflow %s" % " ".join(args))
    return pftest.Result(["packetflow"] + args, proc.returncode, "",
                         proc.stderr.decode("utf-8", "replace"),
                         time.monotonic() - start), proc.stdout


def tshark_fields(path, fields, display_filter="tcp"):
    check(TSHARK is not None, "tshark is not installed")
    env = dict(ENV)
    env.setdefault("HOME", TMP)
    cmd = [TSHARK, "-n", "-r", path, "-Y", display_filter, "-T", "fields",
           "-E", "separator=/t", "-E", "occurrence=f"]
    for field in fields:
        cmd += ["-e", field]
    proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    check(proc.returncode == 0, "tshark could not read %s (exit %d)" % (path, proc.returncode),
          proc.stderr.decode("utf-8", "replace").splitlines()[:10])
    return [dict(zip(fields, line.split("\t")))
            for line in proc.stdout.decode("utf-8", "replace").splitlines()]


def tcp_segments(events):
    return [e for e in events if e["kind"] == "segment" and e["proto"] == "tcp"]


def exact_run(name, extra=(), mode="exact"):
    trace = os.path.join(TMP, name + ".jsonl")
    pcap = os.path.join(TMP, name + ".pcap")
    r = run(["--headless", "web", "--mode=" + mode, "--trace=" + trace, "--pcap=" + pcap] + list(extra))
    expect_exit(r, 0)
    return read_trace(trace), pcap


# ---------------------------------------------------------------- cases


def case_pcap_stdout():
    cwd = os.path.join(TMP, "stdout")
    os.mkdir(cwd)
    trace = os.path.join(TMP, "stdout.jsonl")
    r, out = run_bytes(["--headless", "web", "--mode=exact", "--trace=" + trace, "--pcap=-"], cwd)
    expect_exit(r, 0)
    check(os.listdir(cwd) == [], "packetflow wrote %s into its working directory" % os.listdir(cwd))
    check(out[:4] in PCAP_MAGIC, "standard output does not start with a pcap header",
          ["first bytes: %r" % out[:16]] + r.describe())
    check("result: ran as written" in r.stderr, "the summary is not on stderr", r.describe())
    check(b"result:" not in out and b"Packet Flow:" not in out,
          "the summary went to standard output with the pcap")
    pcap = os.path.join(TMP, "stdout.pcap")
    with open(pcap, "wb") as f:
        f.write(out)
    wire = tshark_fields(pcap, ["tcp.seq_raw"])
    segs = tcp_segments(read_trace(trace))
    check(len(wire) == len(segs) and len(segs) >= 9,
          "tshark reads %d TCP segments from standard output, the trace has %d"
          % (len(wire), len(segs)))
    check([int(w["tcp.seq_raw"]) for w in wire] == [e["seq"] for e in segs],
          "the pcap on standard output holds other segments than the trace")


def case_both_stdout():
    cwd = os.path.join(TMP, "both")
    os.mkdir(cwd)
    r, out = run_bytes(["--headless", "web", "--trace=-", "--pcap=-"], cwd)
    expect_exit(r, 2)
    check(out == b"", "something was written to standard output", [repr(out[:100])])
    check("--trace=-" in r.stderr and "--pcap=-" in r.stderr and "standard output" in r.stderr,
          "the message does not say that --trace=- and --pcap=- both want standard output",
          r.describe())
    check("Packet Flow:" not in r.stderr, "the run started anyway", r.describe())
    check(os.listdir(cwd) == [], "files were written: %s" % os.listdir(cwd))


def case_steps():
    events, _ = exact_run("steps")
    steps = [e["step"] for e in events if e["kind"] == "step"]
    with open(os.path.join(SRCDIR, "data", "scenarios", "web.pflow.json"), encoding="utf-8") as f:
        n = len(json.load(f)["steps"])
    check(steps == list(range(1, n + 1)),
          "the trace's step events are numbered %s; the window counts 1 to %d" % (steps, n))
    setup = [e for e in events if e["step"] == 0]
    check(setup and all(e["kind"] == "state" and e["to"] == "LISTEN" for e in setup),
          "set-up (step 0) is not the servers' LISTEN states",
          [json.dumps(e) for e in setup[:5]])
    first = events.index(next(e for e in events if e["kind"] == "step"))
    check(all(e["step"] == 0 for e in events[:first]),
          "events before the first step event are not numbered 0")
    syn = next(e for e in tcp_segments(events) if e["flags"] == "SYN")
    check(syn["step"] == 1, "the first SYN is in step %d, not step 1" % syn["step"])


def case_window_scaled(mode):
    events, pcap = exact_run("window-" + mode, mode=mode)
    segs = tcp_segments(events)
    wire = tshark_fields(pcap, ["tcp.window_size_value", "tcp.window_size", "tcp.flags.syn"])
    check(len(wire) == len(segs), "tshark reads %d segments, the trace has %d" % (len(wire), len(segs)))
    raw = [(e["win"], e["window_scaled"]) for e in segs]
    theirs = [(int(w["tcp.window_size_value"]), int(w["tcp.window_size"])) for w in wire]
    check(raw == theirs, "the trace's (win, window_scaled) are not tshark's "
          "(tcp.window_size_value, tcp.window_size)",
          ["trace:  %s" % raw, "tshark: %s" % theirs])
    check(any(s != w for w, s in raw),
          "no segment has a scaled window other than its raw one: the check proves nothing",
          ["trace: %s" % raw])


def payloads_of(pcap):
    wire = tshark_fields(pcap, ["tcp.payload", "tcp.len"])
    return [bytes.fromhex(w["tcp.payload"].replace(":", "")) for w in wire]


def case_payload(how):
    events, pcap = exact_run("payload-" + how, ["--trace-payload=" + how])
    segs = tcp_segments(events)
    wire = payloads_of(pcap)
    check(len(wire) == len(segs), "tshark reads %d segments, the trace has %d" % (len(wire), len(segs)))
    check(any(len(p) > 64 for p in wire), "no payload is longer than an excerpt: the check proves nothing")
    for e, data in zip(segs, wire):
        encoding = e.get("payload_encoding")
        if how == "hex":
            check(encoding == "hex", "payload_encoding is %r, not \"hex\"" % encoding, [json.dumps(e)])
            got = bytes.fromhex(e["payload"])
        elif how == "base64" or encoding == "base64":
            check(encoding == "base64", "payload_encoding is %r, not \"base64\"" % encoding, [json.dumps(e)])
            got = base64.b64decode(e["payload"], validate=True)
        else:
            check(encoding == "text", "payload_encoding is %r, not \"text\"" % encoding, [json.dumps(e)])
            got = e["payload"].encode("utf-8")
        check(got == data, "segment seq %d: the trace holds %r, tshark reads %r" % (e["seq"], got[:80], data[:80]))
    delivered = [e for e in events if e["kind"] == "deliver"]
    check(delivered and all(e.get("payload_encoding") for e in delivered),
          "deliver events do not say their payload_encoding")


def case_excerpt_once():
    events, pcap = exact_run("excerpt")
    segs = [e for e in tcp_segments(events) if e["len"] > 0]
    wire = [p for p in payloads_of(pcap) if p]
    check(len(segs) == len(wire) and segs, "the trace and tshark disagree on the data segments")
    for e, data in zip(segs, wire):
        text = data.decode("utf-8", "replace")
        want = text if len(text) <= 64 else text[:64] + "…"
        check(e["payload"] == want, "the excerpt is %r, expected %r" % (e["payload"], want))
        check("\\r" not in e["payload"], "the excerpt holds a backslash escape: escaped twice")
        check("payload_encoding" not in e, "an excerpt has a payload_encoding")


def case_payload_bad():
    r = run(["--headless", "web", "--trace-payload=all"])
    expect_exit(r, 2)
    check("--trace-payload must be excerpt, full, hex or base64, not “all”" in r.stderr,
          "no message saying what --trace-payload takes", r.describe())


CASES = [
    ("--pcap=- writes the pcap to standard output, the summary to stderr", case_pcap_stdout),
    ("--trace=- with --pcap=- is refused with a sentence", case_both_stdout),
    ("the trace numbers steps as the window: set-up 0, then 1..N", case_steps),
    ("exact mode: win and window_scaled are tshark's window_size_value and window_size",
     lambda: case_window_scaled("exact")),
    ("loopback mode (modelled): win and window_scaled are tshark's", lambda: case_window_scaled("loopback")),
    ("the default excerpt is escaped once", case_excerpt_once),
    ("--trace-payload=full holds every payload byte (tshark)", lambda: case_payload("full")),
    ("--trace-payload=hex holds every payload byte (tshark)", lambda: case_payload("hex")),
    ("--trace-payload=base64 holds every payload byte (tshark)", lambda: case_payload("base64")),
    ("--trace-payload=all exits 2 with a sentence", case_payload_bad),
]


def main():
    pftest.become_subreaper()
    return pftest.main(CASES, scratch=TMP, before_each=lambda: pftest.check_build_tree(BINARY, ENV))


if __name__ == "__main__":
    sys.exit(main())
