#!/usr/bin/env bash
# Rebuilds mixdown's built-in tonal-balance curves (master/curves/*.json) from
# real, professionally produced, freely licensed music shipped by Debian:
#   - supertuxkart-data: the SuperTuxKart soundtrack (electronic, pop, rock,
#     celtic; various composers; CC-BY-SA 3.0/4.0 per debian/copyright)
#   - wesnoth-1.16-music: the Battle for Wesnoth soundtrack (orchestral and
#     cinematic; GPL-2+)
# The packages are downloaded and unpacked in a temporary directory (not
# installed); only the averaged band levels are written to the repository,
# never audio. Tracks shorter than 30 s (jingles) are skipped.
# Usage: bash scripts/derive-curves.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download supertuxkart-data wesnoth-1.16-music >/dev/null)
for d in "$tmp"/*.deb; do dpkg-deb -x "$d" "$tmp/x"; done
stk=$(ls "$tmp"/x/usr/share/games/supertuxkart/data/music/*.ogg)
wes=$(ls "$tmp"/x/usr/share/games/wesnoth/*/data/core/music/*.ogg)
go build -o "$tmp/mixdown" ./cmd/mixdown
stkver=$(dpkg-deb -f "$tmp"/supertuxkart-data_*.deb Version)
wesver=$(dpkg-deb -f "$tmp"/wesnoth-1.16-music_*.deb Version)

# shellcheck disable=SC2086
"$tmp/mixdown" curve -o master/curves/electronic.json --name electronic \
  --description "electronic, pop and rock production: the SuperTuxKart soundtrack" \
  --source "Debian supertuxkart-data $stkver, data/music/*.ogg (CC-BY-SA 3.0/4.0, composers in debian/copyright); derived by scripts/derive-curves.sh" \
  $stk
# shellcheck disable=SC2086
"$tmp/mixdown" curve -o master/curves/orchestral.json --name orchestral \
  --description "orchestral and cinematic production: the Battle for Wesnoth soundtrack" \
  --source "Debian wesnoth-1.16-music $wesver, data/core/music/*.ogg (GPL-2+); derived by scripts/derive-curves.sh" \
  $wes
# shellcheck disable=SC2086
"$tmp/mixdown" curve -o master/curves/neutral.json --name neutral \
  --description "both soundtracks together: a middle-of-the-road target" \
  --source "Debian supertuxkart-data $stkver and wesnoth-1.16-music $wesver (CC-BY-SA / GPL-2+); derived by scripts/derive-curves.sh" \
  $stk $wes
