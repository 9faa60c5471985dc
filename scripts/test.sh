#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine, then run it.
# System packages: chromium and fonts-liberation (browser tests), raptor2-utils (rapper, an
# independent RDF parser), virtuoso-opensource (a real triple store for `graphbuild push`), tesseract-ocr
# (OCR of scanned PDF pages, with the ocr extra).
# Python packages go into a fresh virtual environment in .ci-venv/ (see below).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# Arial's metrics (Liberation Sans): the explorer's layout sizes labels by them
[ -f /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ] || need+=(fonts-liberation)
command -v rapper >/dev/null 2>&1 || need+=(raptor2-utils)
command -v virtuoso-t >/dev/null 2>&1 || need+=(virtuoso-opensource)
command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}"
fi

# Python packages: a new virtual environment, made afresh on every run, so that the tests see
# exactly what pyproject.toml declares and nothing this machine's Python happens to have.
# Needs Python 3.11+ as python3 (the version pyproject.toml requires).
VENV="$PWD/.ci-venv"
python3 -m venv --clear "$VENV"
"$VENV/bin/python" -m pip install -q -e ".[dev,dask,ocr]"
# Tests that run the `graphbuild` console script find the one in this environment.
export PATH="$VENV/bin:$PATH"
export VIRTUAL_ENV="$VENV"
unset PYTHONHOME PYTHONPATH
"$VENV/bin/python" -m pip check
"$VENV/bin/python" -m pytest -q -ra "$@"
