#!/usr/bin/env bash
# Side-by-side speed of `mixdown convert --rate` against `sox rate -v` on the
# same work: read a 24-bit stereo WAV, convert its sample rate, write a
# 32-bit float WAV (so neither side pays for dither or quantization).
#
# Usage: bench/resample.sh            (4-minute files, best of 3 runs each)
#   RUNS=5 LENGTH=60 bench/resample.sh
#   PAIRS="44100:48000 96000:44100 192000:44100" bench/resample.sh
#
# Timings are wall-clock seconds, best of RUNS, sox and ours alternating so
# that both see the same machine load. Run it on a quiet machine.
set -euo pipefail

RUNS=${RUNS:-3}
LENGTH=${LENGTH:-240}
PAIRS=${PAIRS:-"44100:48000 96000:44100"}

command -v sox >/dev/null || { echo "sox is not installed" >&2; exit 1; }
source "$(dirname "$0")/lib.sh"

echo "$(sox --version 2>&1 | head -1 | tr -s " ")"
machine
echo "input: ${LENGTH} s of 24-bit stereo pink noise + tones; output 32-bit float WAV; best of $RUNS runs"
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
		t=$(wall sox -D "$wav" -e floating-point -b 32 "$tmp/sox.wav" rate -v "$out")
		best_sox=$(minof "$best_sox" "$t")
		t=$(wall "$mixdown" convert "$wav" "$tmp/ours.wav" --rate "$out" --bits 32f)
		best_ours=$(minof "$best_ours" "$t")
	done
	n1=$(soxi -s "$tmp/sox.wav")
	n2=$(soxi -s "$tmp/ours.wav")
	if [ "$n1" != "$n2" ]; then
		echo "warning: output lengths differ (sox $n1 frames, ours $n2 frames)" >&2
	fi
	awk -v p="$in→$out" -v s="$best_sox" -v o="$best_ours" -v len="$LENGTH" \
		'BEGIN { printf "%-16s %10.3f %10.3f %11.2f× %11.0f×\n", p, s, o, s / o, len / o }'
	rm -f "$tmp/sox.wav" "$tmp/ours.wav"
done
echo
echo "sox/ours > 1 means ours is faster. Load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
