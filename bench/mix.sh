#!/usr/bin/env bash
# `mixdown mix` against the equivalent ffmpeg filter graph on the same
# material, in one run: 32 generated stems of 4 minutes at 48 kHz (24-bit
# WAV, half mono, half stereo), each with a 12 dB/octave high-pass, a 4-band
# parametric EQ and a compressor, panned into two group buses, 8 of them
# also sent to a reverb return (bench/internal/mixbench writes the stems,
# the session and the ffmpeg graph). Both write a 24-bit stereo WAV. Prints
# the best wall time of each over RUNS, the ratio (goal <= 0.5), mixdown's
# speed as a multiple of real time (the session's length over the wall
# time; and the stems' total length over it), and the peak resident memory
# of both (goal < 256 MiB for mixdown).
#
#   bash bench/mix.sh                  4-minute stems, RUNS=1
#   RUNS=3 bash bench/mix.sh           best of 3
#   MINUTES=20 bash bench/mix.sh       the 20-minute version (memory check;
#                                      writes ~8 GB of stems to $TMPDIR)
#   FFMPEG=0 bash bench/mix.sh         mixdown only
#   TRACKS=16 bash bench/mix.sh        another number of stems
#
# Timing is only meaningful on an otherwise idle machine: the load average
# is printed before and after.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-1}
MINUTES=${MINUTES:-4}
TRACKS=${TRACKS:-32}
FFMPEG=${FFMPEG:-1}
if [ "$FFMPEG" != 0 ]; then
  command -v ffmpeg >/dev/null || { echo "needs ffmpeg (or FFMPEG=0)" >&2; exit 1; }
fi
seconds=$(awk -v m="$MINUTES" 'BEGIN { print m * 60 }')

material="$tmp/material"
(cd "$root" && go build -o "$tmp/mixbench" ./bench/internal/mixbench)
t0=$EPOCHREALTIME
"$tmp/mixbench" -dir "$material" -tracks "$TRACKS" -seconds "$seconds"
t1=$EPOCHREALTIME
machine
echo "input: $TRACKS stems of $MINUTES min at 48 kHz, 24-bit WAV, $(du -sh "$material" | cut -f1) (written in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }') s); best of $RUNS"

ffargs=(-hide_banner -nostats -loglevel error -y)
while read -r f; do ffargs+=(-i "$f"); done <"$material/inputs.txt"
ffargs+=(-filter_complex_script "$material/ffmpeg.txt" -map "[out]" -c:a pcm_s24le "$tmp/ffmpeg.wav")

# timed CMD... runs CMD, sets T (wall seconds) and KB (peak RSS in KiB).
timed() {
  /usr/bin/time -f "%e %M" -o "$tmp/.time" "$@" >"$tmp/.out" 2>&1 || { cat "$tmp/.out" >&2; echo "failed: $*" >&2; exit 1; }
  read -r T KB <"$tmp/.time"
}

best_ff="" best_md="" rss_ff=0 rss_md=0
for ((i = 0; i < RUNS; i++)); do
  if [ "$FFMPEG" != 0 ]; then
    timed ffmpeg "${ffargs[@]}"
    best_ff=$(minof "$best_ff" "$T")
    rss_ff=$((KB > rss_ff ? KB : rss_ff))
  fi
  timed "$mixdown" mix "$material/session.yaml" -o "$tmp/mixdown.wav" --report "$tmp/report.json"
  best_md=$(minof "$best_md" "$T")
  rss_md=$((KB > rss_md ? KB : rss_md))
done
cp "$tmp/.out" "$tmp/mixdown.txt"
grep -E '^(mix:|rendered| *master)' "$tmp/mixdown.txt" || true

if [ "$FFMPEG" != 0 ]; then
  printf '%-58s %8s s  %5d MiB\n' "ffmpeg (highpass, 4 x equalizer, acompressor, amix, aecho)" "$best_ff" $((rss_ff / 1024))
fi
printf '%-58s %8s s  %5d MiB\n' "mixdown mix" "$best_md" $((rss_md / 1024))
if [ "$FFMPEG" != 0 ]; then
  awk -v f="$best_ff" -v m="$best_md" 'BEGIN { printf "mixdown/ffmpeg wall time: %.2f (goal <= 0.50)\n", m / f }'
fi
awk -v s="$seconds" -v n="$TRACKS" -v m="$best_md" 'BEGIN {
  printf "mixdown speed: %.1fx real time (goal >= 100; the %g s session in %.2f s); %.0fx counting all %d stems (%g s of audio)\n", s / m, s, m, n * s / m, n, n * s }'
echo "mixdown peak RSS: $((rss_md / 1024)) MiB (goal < 256)"
echo "load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
