#!/usr/bin/env bash
# `mixdown analyze` against ffmpeg's EBU R128 meter with true peak on the same
# 4-minute 44.1 kHz 24-bit stereo file, alternating runs, best of RUNS; then the
# peak memory of `mixdown analyze` on a 2-hour file (skip with LONG=0).
#   bash bench/analyze.sh            RUNS=5 bash bench/analyze.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-3}
command -v ffmpeg >/dev/null || { echo "needs ffmpeg" >&2; exit 1; }

song="$tmp/song.wav"
"$mixdown" generate song "$song" --seconds 240 --rate 44100 --bits 24
machine
echo "input: 240 s generated song, 44.1 kHz 24-bit stereo ($(stat -c %s "$song") bytes); best of $RUNS"
best_ff="" best_md=""
for ((i = 0; i < RUNS; i++)); do
  best_ff=$(minof "$best_ff" "$(wall ffmpeg -hide_banner -nostats -i "$song" -af ebur128=peak=true -f null -)")
  best_md=$(minof "$best_md" "$(wall "$mixdown" analyze "$song")")
done
printf '%-44s %8s s\n' "ffmpeg -af ebur128=peak=true -f null -" "$best_ff" "mixdown analyze (I, LRA, TP, spectrum, ...)" "$best_md"
awk -v f="$best_ff" -v m="$best_md" 'BEGIN { printf "mixdown/ffmpeg wall time: %.2f (goal <= 0.50); mixdown speed: %.0fx real time\n", m / f, 240 / m }'

if [ "${LONG:-1}" != 0 ]; then
  long="$tmp/long.wav"
  # 2 hours: the song 30 times over (sox concatenates without re-synthesis).
  args=(); for ((i = 0; i < 30; i++)); do args+=("$song"); done
  sox "${args[@]}" "$long"
  kb=$(peak_kb "$mixdown" analyze "$long")
  t=$(wall "$mixdown" analyze "$long")
  echo "2-hour file ($(stat -c %s "$long") bytes): mixdown analyze peak RSS $((kb / 1024)) MiB (goal < 64), $t s"
fi
echo "load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
