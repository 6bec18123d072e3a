#!/usr/bin/env bash
# The README's picture of a diff report (docs/images/diff-report.png): the
# seed's leaflet built as its file says, then with its typo "otrugga"
# corrected, compared with "diff", and the report's page drawn by
# WeasyPrint and pdftoppm.  Works in a throw-away copy of the project.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] && PY=$repo/.venv/bin/python
mkdir -p docs/images
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/p"
cp -r content layouts brands assets printshops "$work/p"/
rm -f "$work"/p/content/*.variants.csv
cd "$work/p"
B=("$PY" "$repo/make_flyers.py" --project . build content/trygghet-vasteras.yaml --layout leaflet-a5 --edition print)
"${B[@]}" > /dev/null 2>&1
cp -r output before
sed -i 's/Kriminalitet, otrugga/Kriminalitet, otrygga/' content/trygghet-vasteras.yaml
"${B[@]}" > /dev/null 2>&1
"$PY" "$repo/make_flyers.py" --project . diff before output/ || true
"$PY" - <<'PY'
from weasyprint import CSS, HTML
# A user stylesheet ("!important" to win over the report's own): one
# page, the three pictures of the changed page side by side.
HTML(filename='output/diff/index.html').write_pdf('diff.pdf', stylesheets=[CSS(string=(
    '@page{size:250mm 200mm;margin:6mm}body{margin:0!important;font-size:11px!important}'
    'h1{margin-top:0!important}h2{margin-top:1rem!important}'
    '.pages{display:block!important}'
    'figure{display:inline-block!important;vertical-align:top;margin:0 3mm 0 0!important}'
    'figure img{display:block;max-height:none!important;height:95mm!important;width:auto}'))])
PY
pdftoppm -r 60 -png -f 1 -l 1 -singlefile diff.pdf "$repo/docs/images/diff-report"
ls -la "$repo/docs/images/diff-report.png"
