#!/usr/bin/env bash
# Side-by-side speed of audio/resample against `sox rate -v` on the same work:
# read a 24-bit stereo WAV, convert its sample rate, write raw interleaved
# float32 (sox with -t f32, ours through bench/internal/resamplebench, which
# stands in for `mixdown convert` until that exists).
#
# Usage: bench/resample.sh            (4-minute files, best of 3 runs each)
#   RUNS=5 LENGTH=60 bench/resample.sh
#   PAIRS="44100:48000 96000:44100 192000:44100" bench/resample.sh
#   EXTRA=-parallel bench/resample.sh   (let the resampler use helper goroutines)
#
# Timings are wall-clock seconds, best of RUNS, sox and ours alternating so
# that both see the same machine load. Run it on a quiet machine.
set -euo pipefail

RUNS=${RUNS:-3}
LENGTH=${LENGTH:-240}
PAIRS=${PAIRS:-"44100:48000 96000:44100"}
EXTRA=${EXTRA:-}

root=$(cd "$(dirname "$0")/.." && pwd)
command -v sox >/dev/null || { echo "sox is not installed" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "building resamplebench..."
(cd "$root" && go build -o "$tmp/resamplebench" ./bench/internal/resamplebench)

now() { echo "$EPOCHREALTIME"; }

# one_time CMD... runs CMD once and prints its wall time in seconds.
one_time() {
	local t0 t1
	t0=$(now)
	"$@" >/dev/null 2>&1
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }

echo "$(sox --version 2>&1 | head -1 | tr -s " ")"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) CPUs; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "input: ${LENGTH} s of 24-bit stereo pink noise + tones; output raw float32; best of $RUNS runs"
printf '\n%-16s %10s %10s %12s %12s\n' "conversion" "sox -v s" "ours s" "sox/ours" "ours ×RT"

for pair in $PAIRS; do
	in=${pair%%:*}
	out=${pair##*:}
	wav="$tmp/in_$in.wav"
	if [ ! -f "$wav" ]; then
		# -R: repeatable noise. Pink noise at −12 dBFS plus two tones.
		sox -R -n -r "$in" -b 24 -c 2 "$wav" synth "$LENGTH" pinknoise vol 0.25 \
			synth "$LENGTH" sine mix 997 synth "$LENGTH" sine mix 12345 gain -3
	fi
	best_sox="" best_ours=""
	for ((i = 0; i < RUNS; i++)); do
		t=$(one_time sox -D "$wav" -t f32 "$tmp/sox.f32" rate -v "$out")
		best_sox=$(min "$best_sox" "$t")
		# shellcheck disable=SC2086
		t=$(one_time "$tmp/resamplebench" $EXTRA -r "$out" "$wav" "$tmp/ours.f32")
		best_ours=$(min "$best_ours" "$t")
	done
	s1=$(stat -c %s "$tmp/sox.f32")
	s2=$(stat -c %s "$tmp/ours.f32")
	if [ "$s1" != "$s2" ]; then
		echo "warning: output sizes differ (sox $s1 bytes, ours $s2 bytes)" >&2
	fi
	awk -v p="$in→$out" -v s="$best_sox" -v o="$best_ours" -v len="$LENGTH" \
		'BEGIN { printf "%-16s %10.3f %10.3f %11.2f× %11.0f×\n", p, s, o, s / o, len / o }'
	rm -f "$tmp/sox.f32" "$tmp/ours.f32"
done
echo
echo "sox/ours > 1 means ours is faster. Load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
