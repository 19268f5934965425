#!/usr/bin/env bash
# Builds the page: the Rust core to WebAssembly (with SIMD, see
# .cargo/config.toml) into www/pkg, then the frontend into www/dist.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ -n "${RUSTFLAGS+set}" ]; then
  echo "warning: RUSTFLAGS is set; it replaces .cargo/config.toml's +simd128 for the wasm build" >&2
fi
wasm-pack build --release --target web --out-dir www/pkg --no-pack --no-default-features
npm run --prefix www build
