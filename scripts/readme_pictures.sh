#!/usr/bin/env bash
# Render the README's pictures from the built PDFs (run `make build` first).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p docs/images
pdftoppm -r 60 -png -f 1 -l 1 -singlefile output/trygghet-vasteras-leaflet-a5.pdf docs/images/leaflet-a5-front
pdftoppm -r 60 -png -f 2 -l 2 -singlefile output/trygghet-vasteras-leaflet-a5.pdf docs/images/leaflet-a5-back
pdftoppm -r 30 -png -f 1 -l 1 -singlefile output/trygghet-vasteras-poster-a3.pdf docs/images/poster-a3
ls -la docs/images
cp output/proofs/contact-sheet.png docs/images/contact-sheet.png
