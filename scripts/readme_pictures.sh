#!/usr/bin/env bash
# Render the README's pictures from the built PDFs: builds the default
# layouts and the tri-fold, then draws their pages with pdftoppm.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] && PY=.venv/bin/python
"$PY" make_flyers.py build --layout trifold-dl > /dev/null
"$PY" make_flyers.py build > /dev/null
mkdir -p docs/images
pdftoppm -r 60 -png -f 1 -l 1 -singlefile output/trygghet-vasteras-leaflet-a5.pdf docs/images/leaflet-a5-front
pdftoppm -r 60 -png -f 2 -l 2 -singlefile output/trygghet-vasteras-leaflet-a5.pdf docs/images/leaflet-a5-back
pdftoppm -r 30 -png -f 1 -l 1 -singlefile output/trygghet-vasteras-poster-a3.pdf docs/images/poster-a3
pdftoppm -r 40 -png -f 1 -l 1 -singlefile output/trygghet-vasteras-trifold-dl.pdf docs/images/trifold-dl-outside
pdftoppm -r 40 -png -f 2 -l 2 -singlefile output/trygghet-vasteras-trifold-dl.pdf docs/images/trifold-dl-inside
cp output/proofs/contact-sheet.png docs/images/contact-sheet.png
ls -la docs/images
