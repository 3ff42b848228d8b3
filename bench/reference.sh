#!/usr/bin/env bash
# Reference mastering: `mixdown master SONG --reference REF` against Matchering
# (github.com/sergree/matchering, the open-source reference-mastering peer) on
# a real song and a real reference, measured with tools independent of mixdown:
#   - integrated loudness and true peak: ffmpeg's ebur128 filter (peak=true),
#     and libebur128 through internal/refmeter/testdata/ebur128ref.c (built
#     here when gcc and libebur128-dev are present; sample peak comes from it
#     too). "Δref" is the output's loudness minus the reference's (libebur128
#     when built, else ffmpeg); the goal is |Δref| <= 0.1 LU.
#   - tonal match: bench/banddiff.py (numpy/scipy): RMS over the 28 ISO
#     1/3-octave bands 31.5 Hz-16 kHz of the mid-signal level difference to the
#     reference, "shape" with the mean difference removed (tonal balance only)
#     and "abs" after matching integrated loudness (see its docstring).
#   - wall time (best of RUNS) and peak RSS of each tool.
# Material: by default two tracks of the SuperTuxKart soundtrack from Debian's
# supertuxkart-data (CC-BY-SA; downloaded with `apt-get download` into a temp
# dir, never installed or kept). Song: kart_grand_prix.ogg ("Kart Grand Prix",
# Weirwood), a dynamic mix at -13.7 LUFS with a heavy low end; reference:
# menutheme.ogg ("SuperTuxKart Theme", Claude Werner), a loud master (-8.3
# LUFS) with lean lows and forward mids (picked by measurement, not by ear).
# They start 5.4 LU and 6.7 dB of band shape apart, close to the issue's 7.2 dB
# example. Both are decoded to 44.1 kHz 24-bit WAV with `mixdown convert`;
# both tools get the same files.
#   bash bench/reference.sh
#   TARGET=farm.ogg REF=win_theme.ogg bash bench/reference.sh  (names in the
#       package's data/music, or paths to any audio files mixdown can decode)
#   STK_DEB=/path/supertuxkart-data_*.deb  reuse a downloaded package
#   RUNS=3  best of 3 for the wall times    PYTHON=/usr/bin/python3
# Dependencies: Go, ffmpeg, apt-get/dpkg-deb (for the default material),
# Python 3 with numpy, scipy, soundfile, resampy and statsmodels (Debian:
# python3-numpy python3-scipy python3-soundfile python3-resampy
# python3-statsmodels), and Matchering itself: normally `pip install
# matchering`; otherwise put its source tree (the directory that contains
# matchering/__init__.py) in MATCHERING_DIR (default /tmp/matchering-src).
# Matchering is GPL-3 and is never copied into this repository.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-1}
PY=${PYTHON:-/usr/bin/python3}
MATCHERING_DIR=${MATCHERING_DIR:-/tmp/matchering-src}
export PYTHONPATH="$MATCHERING_DIR${PYTHONPATH:+:$PYTHONPATH}"
TARGET=${TARGET:-kart_grand_prix.ogg}
REF=${REF:-menutheme.ogg}

die() { echo "bench/reference.sh: $*" >&2; exit 1; }
command -v ffmpeg >/dev/null || die "needs ffmpeg"
"$PY" -c 'import numpy, scipy, soundfile' 2>/dev/null ||
  die "needs Python 3 ($PY) with numpy, scipy and soundfile"
if ! mgver=$("$PY" -W ignore -c 'import matchering as m; print(m.__version__, "from", m.__file__)' 2>"$tmp/mg.err"); then
  cat >&2 <<EOF
bench/reference.sh: cannot import matchering with $PY:
$(tail -n 3 "$tmp/mg.err")
Get Matchering (GPL-3, https://github.com/sergree/matchering) one of two ways:
  - the normal way: pip install matchering   (or: $PY -m pip install --user matchering)
  - offline: put its source tree in MATCHERING_DIR (now: $MATCHERING_DIR), i.e.
    MATCHERING_DIR/matchering/__init__.py, core.py, ... from a clone or a
    release tarball, and install its dependencies (numpy, scipy, soundfile,
    resampy, statsmodels; Debian: python3-resampy python3-statsmodels ...).
EOF
  exit 1
fi

# Build the independent libebur128 meter if we can.
ebu=""
if command -v gcc >/dev/null && pkg-config --exists libebur128 2>/dev/null; then
  # shellcheck disable=SC2046
  gcc -O2 -o "$tmp/ebur128ref" "$root/internal/refmeter/testdata/ebur128ref.c" \
    $(pkg-config --cflags --libs libebur128) -lm && ebu="$tmp/ebur128ref"
fi

# Material.
music=""
describe() { # FILE: the title and composer from the package's .music files, if any
  local m
  [ -n "$music" ] || return 0
  m=$(grep -l "\"$(basename "$1")\"" "$music"/*.music 2>/dev/null | head -n 1) || true
  [ -n "$m" ] || return 0
  tr '\n' ' ' <"$m" | sed -n 's/.*title *= *"\([^"]*\)".*composer *= *"\([^"]*\)".*/ ("\1" by \2)/p' | sed 's/&amp;/\&/g'
}
if [ ! -f "$TARGET" ] || [ ! -f "$REF" ]; then
  deb=${STK_DEB:-}
  if [ -z "$deb" ]; then
    echo "downloading Debian's supertuxkart-data (about 630 MB) into a temp dir..."
    (cd "$tmp" && apt-get download supertuxkart-data >/dev/null 2>&1) ||
      die "apt-get download supertuxkart-data failed (set TARGET and REF to audio files, or STK_DEB to the .deb)"
    deb=$(ls "$tmp"/supertuxkart-data_*.deb)
  fi
  mkdir -p "$tmp/x"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/x" --wildcards \
    './usr/share/games/supertuxkart/data/music/*.ogg' './usr/share/games/supertuxkart/data/music/*.music'
  echo "material: Debian supertuxkart-data $(dpkg-deb -f "$deb" Version), data/music (CC-BY-SA)"
  rm -f "$tmp"/supertuxkart-data_*.deb
  music="$tmp/x/usr/share/games/supertuxkart/data/music"
fi
resolve() { # NAME: a file, or a track of the package's data/music (with or without .ogg)
  if [ -f "$1" ]; then echo "$1"; return; fi
  local f
  for f in "$music/$1" "$music/$1.ogg"; do [ -f "$f" ] && { echo "$f"; return; }; done
  die "no audio file or SuperTuxKart track '$1'; tracks: $(cd "$music" && ls -- *.ogg | tr '\n' ' ')"
}
target_src=$(resolve "$TARGET")
ref_src=$(resolve "$REF")
echo "song (TARGET):  $(basename "$target_src")$(describe "$target_src")"
echo "reference (REF): $(basename "$ref_src")$(describe "$ref_src")"
"$mixdown" convert "$target_src" "$tmp/target.wav" --rate 44100 --bits 24 2>/dev/null
"$mixdown" convert "$ref_src" "$tmp/reference.wav" --rate 44100 --bits 24 2>/dev/null
rm -rf "$tmp/x"
dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$tmp/target.wav")
echo "both decoded to 44.1 kHz 24-bit WAV with mixdown convert; song $(printf '%.0f' "$dur") s"
echo "matchering: $mgver"
machine

# Matchering: its default result (limiter on, normalized), 24-bit PCM.
cat >"$tmp/mg.py" <<'EOF'
import sys, warnings
warnings.filterwarnings("ignore", category=DeprecationWarning)
import matchering as mg
mg.process(target=sys.argv[1], reference=sys.argv[2], results=[mg.pcm24(sys.argv[3])])
EOF
mg=("$PY" "$tmp/mg.py" "$tmp/target.wav" "$tmp/reference.wav")
md=("$mixdown" master "$tmp/target.wav" --reference "$tmp/reference.wav")
"${mg[@]}" "$tmp/matchering.wav"
"${md[@]}" -o "$tmp/mixdown.wav" --report "$tmp/mixdown.json" 2>"$tmp/mixdown.log" ||
  { cat "$tmp/mixdown.log" >&2; die "mixdown master failed"; }
t_mg="" t_md=""
for ((i = 0; i < RUNS; i++)); do
  t_mg=$(minof "$t_mg" "$(wall "${mg[@]}" "$tmp/scratch.wav")")
  t_md=$(minof "$t_md" "$(wall "${md[@]}" -o "$tmp/scratch.wav")")
done
kb_mg=$(peak_kb "${mg[@]}" "$tmp/scratch.wav")
kb_md=$(peak_kb "${md[@]}" -o "$tmp/scratch.wav")
rm -f "$tmp/scratch.wav"

# measure FILE: prints "I_ffmpeg TP_ffmpeg I_ebu TP_ebu SP_ebu" ("-" where not measured).
measure() {
  local ff ch e
  ff=$(ffmpeg -hide_banner -nostats -i "$1" -af ebur128=peak=true -f null - 2>&1 |
    awk '/Summary:/ { s = 1 } s && $1 == "I:" { i = $2 } s && $1 == "Peak:" { p = $2 } END { print i, p }')
  if [ -n "$ebu" ]; then
    ch=$(ffprobe -v error -show_entries stream=channels -of csv=p=0 "$1")
    e=$(ffmpeg -v error -i "$1" -f f32le - | "$ebu" 44100 "$ch" |
      awk '$1 == "integrated" { i = $2 } $1 == "truepeak" && $2 > tp { tp = $2 } $1 == "samplepeak" && $2 > sp { sp = $2 }
        END { printf "%.2f %.2f %.2f", i, 20 * log(tp) / log(10), 20 * log(sp) / log(10) }')
  else
    e="- - -"
  fi
  echo "$ff $e"
}
declare -A I_ff TP_ff I_e TP_e SP_e SHAPE ABS
names=(input reference matchering mixdown)
declare -A file=([input]="$tmp/target.wav" [reference]="$tmp/reference.wav" [matchering]="$tmp/matchering.wav" [mixdown]="$tmp/mixdown.wav")
for n in "${names[@]}"; do
  read -r I_ff[$n] TP_ff[$n] I_e[$n] TP_e[$n] SP_e[$n] < <(measure "${file[$n]}")
done
lufs() { if [ -n "$ebu" ]; then echo "${I_e[$1]}"; else echo "${I_ff[$1]}"; fi; }
tpk() { if [ -n "$ebu" ]; then echo "${TP_e[$1]}"; else echo "${TP_ff[$1]}"; fi; }
for n in "${names[@]}"; do
  out=$("$PY" "$root/bench/banddiff.py" "${file[$n]}" "$tmp/reference.wav" --lufs-x "$(lufs "$n")" --lufs-ref "$(lufs reference)")
  SHAPE[$n]=$(sed -n 's/.*shape=\([^ ]*\).*/\1/p' <<<"$out")
  ABS[$n]=$(sed -n 's/.*abs=\([^ ]*\).*/\1/p' <<<"$out")
done
declare -A T=([matchering]="$t_mg" [mixdown]="$t_md") RSS=([matchering]=$((kb_mg / 1024)) [mixdown]=$((kb_md / 1024)))

echo
printf '%-11s %8s %8s %8s %8s %8s %8s %9s %9s %7s %7s  %s\n' "" "I LUFS" "I LUFS" " Δref LU" "TP dBTP" "TP dBTP" "SP dBFS" "bands dB" "bands dB" "time" "RSS" ""
printf '%-11s %8s %8s %8s %8s %8s %8s %9s %9s %7s %7s  %s\n' "" "ffmpeg" "ebur128" "" "ffmpeg" "ebur128" "ebur128" "(shape)" "(abs)" "s" "MiB" "flags"
for n in "${names[@]}"; do
  d=$(awk -v a="$(lufs "$n")" -v b="$(lufs reference)" 'BEGIN { printf "%+.2f", a - b }')
  tp=$(tpk "$n")
  flags=$(awk -v tp="$tp" -v d="$d" -v n="$n" 'BEGIN {
    f = ""
    if (n != "input" && n != "reference" && (d > 0.1 || d < -0.1)) f = f " |Δref|>0.1"
    if (tp > 0) f = f " TP>0dBTP"; else if (tp > -1) f = f " TP>-1dBTP"
    print f }')
  printf '%-11s %8s %8s %8s %8s %8s %8s %9s %9s %7s %7s %s\n' "$n" "${I_ff[$n]}" "${I_e[$n]}" "$d" "${TP_ff[$n]}" "${TP_e[$n]}" "${SP_e[$n]}" \
    "${SHAPE[$n]}" "${ABS[$n]}" "${T[$n]:--}" "${RSS[$n]:--}" "$flags"
done
echo "Δref: loudness minus the reference's ($([ -n "$ebu" ] && echo libebur128 || echo ffmpeg)); bands: bench/banddiff.py, RMS 1/3-octave mid-level difference to the reference, 31.5 Hz-16 kHz; shape = mean removed, abs = after matching integrated loudness"
echo "mixdown's own report: $(grep '^Reference match' "$tmp/mixdown.log" | sed 's/^Reference match *//')"
grep -E '^ *FAIL' "$tmp/mixdown.log" | sed 's/^ */mixdown check: /' || true

echo
echo "goals (the issue): mixdown against Matchering"
awk -v r="$(lufs reference)" -v mgl="$(lufs matchering)" -v mdl="$(lufs mixdown)" \
  -v mgtp="$(tpk matchering)" -v mdtp="$(tpk mixdown)" \
  -v mgs="${SHAPE[matchering]}" -v mds="${SHAPE[mixdown]}" -v mga="${ABS[matchering]}" -v mda="${ABS[mixdown]}" 'BEGIN {
  a = mdl - r; b = mgl - r; if (a < 0) a = -a; if (b < 0) b = -b
  printf "  %-4s loudness within 0.1 LU of the reference: mixdown %.2f LU off, matchering %.2f LU off\n", a <= 0.1 ? "PASS" : "FAIL", a, b
  printf "  %-4s no true-peak overs: mixdown %+.2f dBTP, matchering %+.2f dBTP\n", mdtp <= 0 ? "PASS" : "FAIL", mdtp, mgtp
  printf "  %-4s 1/3-octave shape at least as close as matchering: mixdown %.2f dB, matchering %.2f dB (abs: %.2f vs %.2f)\n", mds <= mgs ? "PASS" : "FAIL", mds, mgs, mda, mga
}'
echo "load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
