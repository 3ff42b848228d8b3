#!/usr/bin/env bash
# `mixdown master --preset spotify` against ffmpeg's single-pass
# loudnorm=I=-14:TP=-1 on the same 4-minute 44.1 kHz 24-bit stereo song,
# both writing 44.1 kHz 24-bit WAV, alternating runs, best of RUNS. Prints
# the wall-time ratio, peak RSS, and where each output landed (measured by
# ffmpeg's ebur128 meter, which neither tool uses to verify itself). When
# Matchering can be imported (pip install matchering, or its source tree in
# MATCHERING_DIR; see bench/reference.sh), also times reference mastering of
# the same song against a second generated song with both tools. Then the
# peak memory of mastering a 2-hour programme (skip with LONG=0).
#   bash bench/master.sh            RUNS=5 LONG=0 bash bench/master.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-3}
command -v ffmpeg >/dev/null || { echo "needs ffmpeg" >&2; exit 1; }

song="$tmp/song.wav"
"$mixdown" generate song "$song" --seconds 240 --rate 44100 --bits 24
machine
echo "input: 240 s generated song, 44.1 kHz 24-bit stereo; best of $RUNS"
ff=(ffmpeg -hide_banner -nostats -y -i "$song" -af loudnorm=I=-14:TP=-1 -ar 44100 -c:a pcm_s24le "$tmp/ff.wav")
md=("$mixdown" master "$song" -o "$tmp/md.wav" --preset spotify --bits 24)
best_ff="" best_md=""
for ((i = 0; i < RUNS; i++)); do
  best_ff=$(minof "$best_ff" "$(wall "${ff[@]}")")
  best_md=$(minof "$best_md" "$(wall "${md[@]}")")
done
kb_ff=$(peak_kb "${ff[@]}")
kb_md=$(peak_kb "${md[@]}")
measure() {
  ffmpeg -hide_banner -nostats -i "$1" -af ebur128=peak=true -f null - 2>&1 |
    awk '/I:/ { i = $2 } /Peak:/ { p = $2 } END { printf "%s LUFS, %s dBTP", i, p }'
}
printf '%-46s %8s s  %5d MiB  -> %s\n' "ffmpeg loudnorm=I=-14:TP=-1 (one pass)" "$best_ff" $((kb_ff / 1024)) "$(measure "$tmp/ff.wav")"
printf '%-46s %8s s  %5d MiB  -> %s\n' "mixdown master --preset spotify" "$best_md" $((kb_md / 1024)) "$(measure "$tmp/md.wav")"
awk -v f="$best_ff" -v m="$best_md" 'BEGIN { printf "mixdown/ffmpeg wall time: %.2f (goal <= 0.50); mixdown speed: %.0fx real time\n", m / f, 240 / m }'

PY=${PYTHON:-/usr/bin/python3}
MATCHERING_DIR=${MATCHERING_DIR:-/tmp/matchering-src}
if PYTHONPATH="$MATCHERING_DIR${PYTHONPATH:+:$PYTHONPATH}" "$PY" -c 'import matchering' 2>/dev/null; then
  ref="$tmp/ref.wav"
  "$mixdown" generate song "$ref" --seconds 240 --rate 44100 --bits 24 --seed 7
  mg=(env PYTHONPATH="$MATCHERING_DIR${PYTHONPATH:+:$PYTHONPATH}" "$PY" -c "import matchering as mg, sys; mg.log(print); mg.process(target=sys.argv[1], reference=sys.argv[2], results=[mg.pcm24(sys.argv[3])])" "$song" "$ref" "$tmp/mg.wav")
  mr=("$mixdown" master "$song" -o "$tmp/mr.wav" --reference "$ref")
  best_mg="" best_mr=""
  for ((i = 0; i < RUNS; i++)); do
    best_mg=$(minof "$best_mg" "$(wall "${mg[@]}")")
    best_mr=$(minof "$best_mr" "$(wall "${mr[@]}")")
  done
  kb_mg=$(peak_kb "${mg[@]}")
  kb_mr=$(peak_kb "${mr[@]}")
  printf '%-46s %8s s  %5d MiB  -> %s\n' "matchering (reference: another generated song)" "$best_mg" $((kb_mg / 1024)) "$(measure "$tmp/mg.wav")"
  printf '%-46s %8s s  %5d MiB  -> %s\n' "mixdown master --reference (same songs)" "$best_mr" $((kb_mr / 1024)) "$(measure "$tmp/mr.wav")"
  echo "reference loudness: $(measure "$ref")"
  awk -v a="$best_mg" -v m="$best_md" -v r="$best_mr" 'BEGIN { printf "mixdown/matchering wall time: %.2f with --preset spotify, %.2f with --reference (goal: well under 0.20)\n", m / a, r / a }'
else
  echo "matchering not importable (see bench/reference.sh): skipping the comparison with it"
fi

if [ "${LONG:-1}" != 0 ]; then
  long="$tmp/long.wav"
  args=(); for ((i = 0; i < 30; i++)); do args+=("$song"); done
  sox "${args[@]}" "$long"
  rm -f "$tmp/md.wav" "$tmp/ff.wav"
  t0=$EPOCHREALTIME
  kb=$(peak_kb "$mixdown" master "$long" -o "$tmp/long-master.wav" --preset spotify)
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" -v kb="$kb" 'BEGIN { printf "2-hour programme: mixdown master peak RSS %d MiB (goal <= 128), %.1f s\n", kb / 1024, b - a }'
fi
echo "load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
