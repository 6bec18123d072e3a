#!/usr/bin/env bash
# Derive the CMYK output profile for coated offset paper (FOGRA39) that the
# print editions embed as their PDF/X output intent.
#
# No free FOGRA39 ICC profile is packaged in Debian, but the FOGRA39
# characterization data is: FOGRA39L.ti3 in icc-profiles-free (Zlib licence).
# ArgyllCMS's colprof turns it into a profile.  The result is committed as
# assets/color/FOGRA39-flyers.icc; run this only to re-derive it (about a
# minute).  Needs: apt-get install argyll icc-profiles-free
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp /usr/share/color/icc/FOGRA39L.ti3 "$work/"
# -qm: medium quality; -kr: black generation ramp; -l300: total ink limit
# 300 % (the print-shop default in printshops/default.yaml); -L95: black
# limit 95 %.
(cd "$work" && colprof -v -qm -kr -l300 -L95 \
  -A "Fogra (characterization data); derived with ArgyllCMS colprof" \
  -D "Coated FOGRA39 (flyers, derived from FOGRA39L.ti3)" \
  -C "Profile derived from FOGRA39L.ti3 (icc-profiles-free, Zlib licence, Kai-Uwe Behrmann); no warranty" \
  FOGRA39L)
cp "$work/FOGRA39L.icc" assets/color/FOGRA39-flyers.icc
echo "wrote assets/color/FOGRA39-flyers.icc"
