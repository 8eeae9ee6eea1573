#!/usr/bin/env python3
# Reads meson's testlog.json files, one per run of the suite (./run test
# runs it in build/, in the sanitizer build build-asan/ and the fuzz
# targets in build-fuzz/), and prints a line per file and one closing line
# that counts the test cases of them all (cmocka's TAP subtests, not just
# executables):
#   tests: N passed, N failed
# It fails when no test ran, when a log is missing (its run did not
# happen) or when any test was skipped: a skipped test is a defect in
# this project.
#
# Usage: summarize.py TESTLOG.json...
import json
import os
import sys


def count(path):
    """(executables, passed, failed, skipped) of one testlog.json."""
    passed = failed = skipped = executables = 0
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
            passed += ok
            failed += not_ok
            skipped += skip
    return executables, passed, failed, skipped


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
        numbers = count(path)
        executables, passed, failed, skipped = numbers
        line = f'{path}: {executables} test programs, {passed} passed, {failed} failed'
        print(line + (f', {skipped} skipped' if skipped else ''))
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
