#!/usr/bin/env bash
# Render the README's pictures from the built PDFs: builds the default
# layouts, the tri-fold and a short campaign (tests/fixtures/fill/
# kort-skola.yaml, in a throw-away copy of the project), then draws their
# pages with pdftoppm.  A build removes the outputs it no longer lists, so
# each build's pages are drawn before the next build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] && PY=.venv/bin/python
mkdir -p docs/images

"$PY" make_flyers.py build > /dev/null
pdftoppm -r 60 -png -f 1 -l 1 -singlefile output/trygghet-vasteras-leaflet-a5.pdf docs/images/leaflet-a5-front
pdftoppm -r 60 -png -f 2 -l 2 -singlefile output/trygghet-vasteras-leaflet-a5.pdf docs/images/leaflet-a5-back
pdftoppm -r 30 -png -f 1 -l 1 -singlefile output/trygghet-vasteras-poster-a3.pdf docs/images/poster-a3
cp output/proofs/contact-sheet.png docs/images/contact-sheet.png

"$PY" make_flyers.py build --layout trifold-dl > /dev/null
pdftoppm -r 40 -png -f 1 -l 1 -singlefile output/trygghet-vasteras-trifold-dl.pdf docs/images/trifold-dl-outside
pdftoppm -r 40 -png -f 2 -l 2 -singlefile output/trygghet-vasteras-trifold-dl.pdf docs/images/trifold-dl-inside

short=$(mktemp -d)
trap 'rm -rf "$short"' EXIT
cp -r content layouts brands assets printshops "$short"/
cp tests/fixtures/fill/kort-skola.yaml "$short"/content/
"$PY" make_flyers.py --project "$short" build --layout leaflet-a5 --edition print "$short"/content/kort-skola.yaml > /dev/null
pdftoppm -r 60 -png -f 1 -l 1 -singlefile "$short"/output/kort-skola-leaflet-a5.pdf docs/images/leaflet-a5-short-front
pdftoppm -r 60 -png -f 2 -l 2 -singlefile "$short"/output/kort-skola-leaflet-a5.pdf docs/images/leaflet-a5-short-back

"$PY" make_flyers.py build > /dev/null  # output/ as the quick start leaves it
ls -la docs/images
