#!/usr/bin/env python3
# Packet Flow: runs a fuzz target for the test suite, TAP output.
#
#   run-fuzz.py replay TARGET CORPUS_DIR
#       every file of CORPUS_DIR through TARGET once, one process and one
#       TAP case per file (TARGET is a libFuzzer binary or one linked with
#       fuzz-main.c: both run the files named on their command line).
#   run-fuzz.py fuzz TARGET CORPUS_DIR ARTIFACT_DIR
#       libFuzzer for PF_FUZZ_SECONDS seconds (45 by default; 0 skips it),
#       starting from CORPUS_DIR; new inputs go to a scratch directory,
#       never into the source tree. A crash, leak, timeout, out-of-memory
#       or sanitizer report fails the case; the input that caused it is
#       left in ARTIFACT_DIR and printed in base64 so a CI log keeps it.
#
# README.md, "Hardening", says how to fuzz longer and what to do with a
# crasher (keep it in tests/fuzz/corpus/TARGET/ as a regression input).

import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

DEFAULT_SECONDS = 45
REPLAY_TIMEOUT = 60         # seconds for one corpus file
PER_INPUT_TIMEOUT = 25      # libFuzzer's -timeout: a slower input is a hang
LOG_TAIL = 60               # lines of the fuzzer's log shown on failure


def sanitizer_env():
    env = dict(os.environ)
    env.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
    env.setdefault("G_SLICE", "always-malloc")
    env.setdefault("LC_ALL", "C.UTF-8")
    return env


def diag(lines):
    for line in lines:
        print("# " + line.rstrip("\n"))


def target_name(target):
    return os.path.basename(target)


def replay(target, corpus):
    files = sorted(f for f in os.listdir(corpus) if os.path.isfile(os.path.join(corpus, f)))
    print("1..%d" % max(len(files), 1))
    if not files:
        print("not ok 1 - %s: the corpus %s is empty" % (target_name(target), corpus))
        return 1
    failed = 0
    env = sanitizer_env()
    for number, name in enumerate(files, 1):
        path = os.path.join(corpus, name)
        what = "%s %s" % (target_name(target), os.path.join(os.path.basename(corpus), name))
        try:
            proc = subprocess.run([target, path], env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  timeout=REPLAY_TIMEOUT)
        except subprocess.TimeoutExpired:
            print("not ok %d - %s: still running after %d s" % (number, what, REPLAY_TIMEOUT))
            failed += 1
            continue
        if proc.returncode == 0:
            print("ok %d - %s" % (number, what))
        else:
            failed += 1
            print("not ok %d - %s: exit status %d" % (number, what, proc.returncode))
            diag(proc.stdout.decode("utf-8", "replace").splitlines()[-LOG_TAIL:])
    return 1 if failed else 0


def fuzz(target, corpus, artifact_root):
    name = target_name(target)
    print("1..1")
    seconds = int(os.environ.get("PF_FUZZ_SECONDS", DEFAULT_SECONDS))
    if seconds <= 0:
        print("ok 1 - %s: not fuzzed, PF_FUZZ_SECONDS=%d" % (name, seconds))
        return 0

    artifacts = os.path.join(artifact_root, name)
    os.makedirs(artifacts, exist_ok=True)
    before = set(os.listdir(artifacts))
    scratch = tempfile.mkdtemp(prefix="pf-%s-" % name)
    log_path = os.path.join(artifacts, "fuzz.log")
    seed = int(os.environ.get("PF_FUZZ_SEED", "0")) or (int(time.time() * 1000) & 0x7fffffff)
    cmd = [target,
           "-max_total_time=%d" % seconds,
           "-timeout=%d" % PER_INPUT_TIMEOUT,
           "-rss_limit_mb=2048",
           "-seed=%d" % seed,
           "-print_final_stats=1",
           "-artifact_prefix=%s/" % artifacts]
    dictionary = os.path.join(os.path.dirname(os.path.abspath(__file__)), name[len("fuzz-"):] + ".dict")
    if os.path.exists(dictionary):
        cmd.append("-dict=%s" % dictionary)
    cmd += [scratch, corpus]

    start = time.monotonic()
    try:
        with open(log_path, "wb") as log:
            proc = subprocess.run(cmd, env=sanitizer_env(), stdin=subprocess.DEVNULL,
                                  stdout=log, stderr=subprocess.STDOUT,
                                  timeout=seconds + 120)
        status = proc.returncode
    except subprocess.TimeoutExpired:
        status = None
    elapsed = time.monotonic() - start
    shutil.rmtree(scratch, ignore_errors=True)

    with open(log_path, encoding="utf-8", errors="replace") as log:
        lines = log.read().splitlines()
    stats = dict(re.findall(r"^stat::(\w+):\s*(\d+)", "\n".join(lines), re.M))
    runs = stats.get("number_of_executed_units", "?")
    found = sorted(set(os.listdir(artifacts)) - before - {"fuzz.log"})

    if status == 0 and not found:
        print("ok 1 - %s: %s inputs in %.0f s, no crash (seed %d)" % (name, runs, elapsed, seed))
        return 0

    if status is None:
        print("not ok 1 - %s: did not stop after %d s (seed %d)" % (name, seconds + 120, seed))
    else:
        print("not ok 1 - %s: exit status %d after %s inputs in %.0f s (seed %d)"
              % (name, status, runs, elapsed, seed))
    diag(["the fuzzer's log: %s; its last lines:" % log_path])
    diag(lines[-LOG_TAIL:])
    for artifact in found:
        path = os.path.join(artifacts, artifact)
        with open(path, "rb") as f:
            data = f.read()
        diag(["input that failed: %s (%d bytes); reproduce: %s %s" % (path, len(data), target, path),
              "keep it: cp %s tests/fuzz/corpus/%s/" % (path, name[len("fuzz-"):]),
              "base64: " + base64.b64encode(data[:4096]).decode("ascii")])
    return 1


def main(argv):
    if len(argv) == 4 and argv[1] == "replay":
        return replay(argv[2], argv[3])
    if len(argv) == 5 and argv[1] == "fuzz":
        return fuzz(argv[2], argv[3], argv[4])
    sys.stderr.write("usage: run-fuzz.py replay TARGET CORPUS_DIR\n"
                     "       run-fuzz.py fuzz TARGET CORPUS_DIR ARTIFACT_DIR\n")
    return 99


if __name__ == "__main__":
    sys.exit(main(sys.argv))
