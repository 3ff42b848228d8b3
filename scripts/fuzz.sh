#!/usr/bin/env bash
# Fuzzes every fuzz target in the module for $FUZZTIME each (default 10s).
#   FUZZTIME=5m bash scripts/fuzz.sh
#
# Go 1.26's fuzz coordinator can report its own -fuzztime deadline as a test
# failure: "--- FAIL: FuzzX" followed by a bare "context deadline exceeded",
# with no failing input (golang/go#75804, fixed in Go 1.27). It is a race in
# the toolchain, not a finding, and it is rare.
# When a run fails with exactly that and nothing else, the target is fuzzed
# again for the number of executions the first run reached (-fuzztime Nx),
# which sets no deadline and so cannot race. Any other failure, and any
# failing input written, fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${FUZZTIME:=10s}"

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# deadline_race reports whether the log in $log is the coordinator's deadline
# race: one failing fuzz target whose only message is the deadline, and no
# failing input.
deadline_race() {
  [ "$(grep -c '^--- FAIL' "$log")" = 1 ] &&
    ! grep -q 'Failing input written' "$log" &&
    [ "$(grep -A1 '^--- FAIL' "$log" | tail -n 1)" = '    context deadline exceeded' ]
}

fuzz() { # fuzz PKG TARGET BUDGET
  go test -run '^$' -fuzz "^$2\$" -fuzztime "$3" -fuzzminimizetime 50x -parallel 2 "$1"
}

grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do
  pkg="./$(dirname "${file#./}")"
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | cut -d' ' -f2); do
    echo "-- $pkg $target"
    if fuzz "$pkg" "$target" "$FUZZTIME" >"$log" 2>&1; then
      cat "$log"
      continue
    fi
    if ! deadline_race; then
      cat "$log"
      exit 1
    fi
    execs=$(grep -o 'execs: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    execs=$(( ${execs:-0} > 1000 ? ${execs:-0} : 1000 ))
    grep '^fuzz: elapsed' "$log" || true
    echo "fuzz: the toolchain reported its own deadline as a failure (golang/go#75804), no failing input; fuzzing $target again for ${execs}x"
    fuzz "$pkg" "$target" "${execs}x"
  done
done
