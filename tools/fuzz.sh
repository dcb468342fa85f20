#!/usr/bin/env bash
# Run every fuzz target with libFuzzer (clang, ASan + UBSan) for SECONDS each
# (default 60), growing a working corpus seeded from tests/fuzz/corpus/, and
# print one summary line per target (executions, new corpus entries, crash).
# Crashes are left as crash-* files in build-fuzz/findings/<target>/.
# Usage: tools/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(vhost-user vhost-user-fe virtq http api boot fuse net)
command -v clang >/dev/null || { echo "fuzz: clang is needed (apt-get install clang)"; exit 1; }

dir=build-fuzz
if [ ! -f "$dir/build.ninja" ]; then
  CC=clang meson setup "$dir" -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dwerror=false -Dc_args=-fsanitize=fuzzer-no-link >/dev/null
fi
ninja -C "$dir" $(printf 'tests/fuzz/fuzz-%s ' "${targets[@]}") >/dev/null

for t in "${targets[@]}"; do
  work="$dir/findings/$t"
  mkdir -p "$work/corpus"
  cp -n tests/fuzz/corpus/"$t"/* "$work/corpus/" 2>/dev/null || true
  before=$(ls "$work/corpus" | wc -l)
  log="$work/fuzz.log"
  set +e
  (cd "$work" && "../../tests/fuzz/fuzz-$t" -max_total_time="$secs" -max_len=8192 \
     -print_final_stats=1 corpus >"fuzz.log" 2>&1)
  rc=$?
  set -e
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  after=$(ls "$work/corpus" | wc -l)
  crash=$(ls "$work" | grep -c '^crash-\|^leak-\|^timeout-' || true)
  echo "fuzz-$t: ${secs}s, $runs executions, corpus $before -> $after, exit $rc, $crash finding(s)"
done
