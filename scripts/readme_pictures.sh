#!/usr/bin/env bash
# Render the README's pictures from the built PDFs: builds the seed in the
# default layouts and the tri-fold, its Arabic translation, a short
# campaign (tests/fixtures/fill/kort-skola.yaml) and two districts of the
# seed's variants table, each in a throw-away copy of the project, then
# draws their pages with pdftoppm.  A build removes the outputs it no longer
# lists, so each build's pages are drawn before the next build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] && PY=.venv/bin/python
mkdir -p docs/images

# The seed as its file writes it (without its variants table: the
# campaign's own text), then its Arabic translation and one district, each
# in a throw-away copy of the project.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fresh() {
  rm -rf "$work/p" && mkdir "$work/p"
  cp -r content layouts brands assets printshops "$work/p"/
  rm -f "$work"/p/content/*.variants.csv
}
fresh
B=("$PY" make_flyers.py --project "$work/p" build)
"${B[@]}" "$work/p/content/trygghet-vasteras.yaml" > /dev/null
O="$work/p/output"
pdftoppm -r 60 -png -f 1 -l 1 -singlefile "$O"/trygghet-vasteras-leaflet-a5.pdf docs/images/leaflet-a5-front
pdftoppm -r 60 -png -f 2 -l 2 -singlefile "$O"/trygghet-vasteras-leaflet-a5.pdf docs/images/leaflet-a5-back
pdftoppm -r 30 -png -f 1 -l 1 -singlefile "$O"/trygghet-vasteras-poster-a3.pdf docs/images/poster-a3
cp "$O"/proofs/contact-sheet.png docs/images/contact-sheet.png

"${B[@]}" "$work/p/content/trygghet-vasteras.yaml" --layout trifold-dl > /dev/null
pdftoppm -r 40 -png -f 1 -l 1 -singlefile "$O"/trygghet-vasteras-trifold-dl.pdf docs/images/trifold-dl-outside
pdftoppm -r 40 -png -f 2 -l 2 -singlefile "$O"/trygghet-vasteras-trifold-dl.pdf docs/images/trifold-dl-inside

"${B[@]}" "$work/p/content/trygghet-vasteras-ar.yaml" --layout leaflet-a5 --edition print > /dev/null
pdftoppm -r 60 -png -f 1 -l 1 -singlefile "$O"/trygghet-vasteras-ar-leaflet-a5.pdf docs/images/leaflet-a5-ar-front
pdftoppm -r 60 -png -f 2 -l 2 -singlefile "$O"/trygghet-vasteras-ar-leaflet-a5.pdf docs/images/leaflet-a5-ar-back

cp tests/fixtures/fill/kort-skola.yaml "$work/p"/content/
"${B[@]}" --layout leaflet-a5 --edition print "$work/p"/content/kort-skola.yaml > /dev/null
pdftoppm -r 60 -png -f 1 -l 1 -singlefile "$O"/kort-skola-leaflet-a5.pdf docs/images/leaflet-a5-short-front
pdftoppm -r 60 -png -f 2 -l 2 -singlefile "$O"/kort-skola-leaflet-a5.pdf docs/images/leaflet-a5-short-back

# One district of the seed's variants table, and the contact sheet of two.
fresh
cp content/trygghet-vasteras.variants.csv "$work/p"/content/
"${B[@]}" "$work/p/content/trygghet-vasteras.yaml" --layout leaflet-a5 --edition print --variant backby --variant raby > /dev/null
pdftoppm -r 60 -png -f 2 -l 2 -singlefile "$O"/trygghet-vasteras-raby-leaflet-a5.pdf docs/images/leaflet-a5-raby-back
cp "$O"/proofs/contact-sheet.png docs/images/contact-sheet-variants.png

# The diff report (its own throw-away copy).
bash scripts/diff_picture.sh > /dev/null

"$PY" make_flyers.py build > /dev/null  # output/ as the quick start leaves it
ls -la docs/images
