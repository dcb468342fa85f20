#!/usr/bin/env bash
# The whole test suite: install what is missing, build, run every suite
# (unit, kvm, linux), then rebuild with AddressSanitizer and UBSan and run
# it again. Prints one "N passed, N failed, N skipped" line at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh

status=0
run_suite() {
  local dir=$1; shift
  tools/build.sh "$dir" "$@"
  meson test -C "$dir" --print-errorlogs --num-processes 2 || status=1
}

run_suite build
run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false

python3 - build build-asan <<'PY'
import json, sys
totals = {"passed": 0, "failed": 0, "skipped": 0}
for d in sys.argv[1:]:
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    try:
        lines = open(d + "/meson-logs/testlog.json").read().splitlines()
    except OSError:
        print("%s: no test log" % d)
        totals["failed"] += 1
        continue
    for line in lines:
        r = json.loads(line)["result"]
        k = {"OK": "passed", "SKIP": "skipped", "EXPECTEDFAIL": "passed"}.get(r, "failed")
        counts[k] += 1
        totals[k] += 1
    print("%s: %d passed, %d failed, %d skipped" % (d, counts["passed"], counts["failed"], counts["skipped"]))
print("%d passed, %d failed, %d skipped" % (totals["passed"], totals["failed"], totals["skipped"]))
PY
exit $status
