#!/usr/bin/env bash
# Compares the size of audio/flac's output with the reference encoder's on the
# same WAV files (our encoder in process via bench/internal/flacsize, the
# reference as `flac -LEVEL --no-padding --no-seektable`; the size of flac's
# default output, with its 8 KiB padding block, is shown too). Every file we
# write is checked with `flac -t`.
#
#   bash bench/flacsize.sh                 30 s of generated material (song 16/24-bit, pink noise, tones)
#   bash bench/flacsize.sh a.wav b.wav     your own 8- to 24-bit integer PCM WAV files
#   LEVEL=8 bash bench/flacsize.sh         compare level 8 with flac -8 (default 5)
#   SECONDS_GEN=60 bash bench/flacsize.sh  longer generated material
set -euo pipefail
cd "$(dirname "$0")/.."
command -v flac >/dev/null || { echo "flacsize.sh: needs the flac tool (apt-get install flac)" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/flacsize" ./bench/internal/flacsize
if [ $# -eq 0 ]; then
  "$dir/flacsize" -gen "$dir" -seconds "${SECONDS_GEN:-30}"
  set -- "$dir"/song16.wav "$dir"/song24.wav "$dir"/pink16.wav "$dir"/tones16.wav
fi
flac --version
"$dir/flacsize" -level "${LEVEL:-5}" "$@"
