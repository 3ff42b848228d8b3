#!/usr/bin/env bash
# Installs what mixdown's tests and benchmarks compare against: independent
# tools from Debian packages (ffmpeg, sox, flac, lame, vorbis-tools,
# libebur128 with pkg-config and gcc to build its small reference program,
# hyperfine and GNU time for the bench scripts). The Go toolchain itself is
# expected on the machine (see go.mod for the version); modules are fetched by
# `go` as needed. Safe to run repeatedly: it installs only what is missing.
set -euo pipefail

packages=(ffmpeg sox libsox-fmt-all flac lame vorbis-tools libebur128-dev pkg-config gcc hyperfine time)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v go >/dev/null 2>&1; then
  echo "setup: Go is not installed; install the version named in go.mod" >&2
  exit 1
fi
go mod download
echo "setup: ok ($(go version | cut -d' ' -f3), $(ffmpeg -version | head -1 | cut -d' ' -f1-3), sox $(sox --version | sed 's/.*v//'), libebur128 $(pkg-config --modversion libebur128))"
