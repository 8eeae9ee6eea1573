#!/usr/bin/env python3
# Reads meson's testlog.json and prints one closing line that counts the
# test cases (cmocka's TAP subtests, not just executables):
#   tests: N passed, N failed
# It fails when no test ran or when any test was skipped: a skipped test
# is a defect in this project.
import json
import sys

passed = failed = skipped = executables = 0
with open(sys.argv[1], encoding='utf-8') as log:
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

print(f'{executables} test programs')
if skipped:
    print(f'tests: {passed} passed, {failed} failed, {skipped} skipped')
else:
    print(f'tests: {passed} passed, {failed} failed')
sys.exit(0 if failed == 0 and skipped == 0 and passed > 0 else 1)
