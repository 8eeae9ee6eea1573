#!/usr/bin/env python3
# Reads meson's testlog.json files, one per run of the suite (./run test
# runs it in build/, in the sanitizer build build-asan/ and the fuzz
# targets in build-fuzz/), and prints a line per file and one closing line
# that counts the test cases of them all (cmocka's TAP subtests, not just
# executables):
#   tests: N passed, N failed
# Under each file's line it names every test that did not pass, with its
# result (FAIL, TIMEOUT, ERROR...) and its failing TAP cases (each "not
# ok" line and the "#" comments after it), so a CI log shows what broke.
# It fails when no test ran, when a log is missing (its run did not
# happen) or when any test was skipped: a skipped test is a defect in
# this project.
#
# Usage: summarize.py TESTLOG.json...
import json
import os
import sys


MAX_COMMENT_LINES = 12   # of "#" lines shown under one failing case


def failing_cases(stdout):
    """The "not ok" lines of a TAP stream, each with the "#" comments that
    follow it (at most MAX_COMMENT_LINES)."""
    lines = []
    taking, shown = False, 0
    for out in stdout.splitlines():
        if out.startswith('not ok '):
            lines.append(out)
            taking, shown = True, 0
        elif taking and out.startswith('#'):
            if shown < MAX_COMMENT_LINES:
                lines.append(out)
            shown += 1
        else:
            taking = False
    return lines


def describe_failure(test):
    """What one test that did not pass shows: its name and result, then
    its failing cases."""
    details = []
    if test.get('returncode') not in (None, 0):
        details.append(f"exit status {test['returncode']}")
    if test.get('duration') is not None:
        details.append(f"{test['duration']:.1f} s")
    lines = [f"  {test['result']}: {test['name']}" + (f" ({', '.join(details)})" if details else '')]
    lines += ['    ' + line for line in failing_cases(test.get('stdout', ''))]
    return lines


def count(path):
    """(executables, passed, failed, skipped, failures) of one
    testlog.json; failures: the lines describe_failure() gives for each
    test that did not pass."""
    passed = failed = skipped = executables = 0
    failures = []
    with open(path, encoding='utf-8') as log:
        for line in log:
            test = json.loads(line)
            executables += 1
            result = test['result']
            ok = not_ok = skip = 0
            for out in test.get('stdout', '').splitlines():
                if out.startswith('ok '):
                    if '# SKIP' in out:
                        skip += 1
                    else:
                        ok += 1
                elif out.startswith('not ok '):
                    not_ok += 1
            if ok + not_ok + skip == 0:
                # An exit-code test: one case.
                ok, not_ok, skip = (result == 'OK'), result not in ('OK', 'SKIP'), result == 'SKIP'
            elif result != 'OK' and not_ok == 0:
                # It crashed or timed out between cases.
                not_ok = 1
            if not_ok or result not in ('OK', 'SKIP'):
                failures += describe_failure(test)
            passed += ok
            failed += not_ok
            skipped += skip
    return executables, passed, failed, skipped, failures


def main(paths):
    if not paths:
        sys.stderr.write('usage: summarize.py TESTLOG.json...\n')
        return 2
    total = [0, 0, 0, 0]
    missing = 0
    for path in paths:
        if not os.path.exists(path):
            print(f'{path}: missing: that run of the tests did not happen')
            missing += 1
            continue
        *numbers, failed_tests = count(path)
        executables, passed, failed, skipped = numbers
        line = f'{path}: {executables} test programs, {passed} passed, {failed} failed'
        print(line + (f', {skipped} skipped' if skipped else ''))
        for failure in failed_tests:
            print(failure)
        total = [a + b for a, b in zip(total, numbers)]

    executables, passed, failed, skipped = total
    failed += missing
    print(f'{executables} test programs')
    if skipped:
        print(f'tests: {passed} passed, {failed} failed, {skipped} skipped')
    else:
        print(f'tests: {passed} passed, {failed} failed')
    return 0 if failed == 0 and skipped == 0 and passed > 0 else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
