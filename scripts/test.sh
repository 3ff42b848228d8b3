#!/usr/bin/env bash
# Runs every test: installs the reference tools, checks formatting, vet and
# staticcheck, runs the unit, conformance and cross-check tests (with the
# race detector on the concurrent packages), and fuzzes every parser briefly.
#   FUZZTIME=5m bash scripts/test.sh   fuzzes each target longer
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

# A reference tool that is missing fails the tests instead of skipping them.
export MIXDOWN_REQUIRE_TOOLS=1

echo "== gofmt"
unformatted=$(gofmt -l . | grep -v '^vendor/' || true)
if [ -n "$unformatted" ]; then
  echo "gofmt: these files need formatting:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
go tool staticcheck ./...

echo "== go test"
go test -timeout 40m ./...

echo "== go test -race (concurrent packages)"
go test -race -short -timeout 20m ./loudness/... ./analysis/... ./audio/resample/... ./dsp/... ./internal/cli/... ./mix/...
# The master's whole streaming pipeline (workers, asynchronous sinks) runs in
# the golden and album tests; the rest repeats it on other material.
go test -race -short -timeout 20m -run 'Golden|MidSide|AlbumFiles' ./master/

echo "== fuzz (${FUZZTIME:=10s} per target)"
FUZZTIME=$FUZZTIME bash scripts/fuzz.sh

echo "== all tests passed"
