# Shared helpers for the bench scripts (sourced).
# Builds mixdown into $tmp, times commands, prints machine context.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mixdown="$tmp/mixdown"
(cd "$root" && go build -o "$mixdown" ./cmd/mixdown)

# wall CMD... runs CMD and prints its wall time in seconds.
wall() {
  local t0 t1
  t0=$EPOCHREALTIME
  "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

# peak_kb CMD... runs CMD and prints its peak resident memory in KiB.
peak_kb() {
  /usr/bin/time -f "%M" -o "$tmp/.rss" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }
  cat "$tmp/.rss"
}

minof() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }

machine() {
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) CPUs; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
}
