#!/usr/bin/env bash
# Builds the page: the Rust core to WebAssembly into www/pkg, twice, then the
# frontend into www/dist.
#   www/pkg/gradlab_bg.wasm          128-bit SIMD (.cargo/config.toml's +simd128),
#                                    for every browser with WebAssembly SIMD;
#   www/pkg/gradlab_relaxed_bg.wasm  the same code with +relaxed-simd: fused
#                                    multiply-adds in the matrix products
#                                    (src/kernels/wasm_gemm.rs), loaded where the
#                                    browser supports it (www/src/wasm-build.ts);
#   www/pkg-cnn/gradlab_cnn_bg.wasm, gradlab_cnn_relaxed_bg.wasm
#                                    the same with the feature `cnn` (part 10's
#                                    SqueezeNet), both builds, loaded only when
#                                    chapter 10 runs on the learner's own faces.
# Both come from the same source, so they share one JavaScript glue file; the
# script checks that wasm-bindgen generated the same glue for both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ -n "${RUSTFLAGS+set}" ]; then
  # Any RUSTFLAGS, even an empty one, would replace the target features below.
  echo "warning: RUSTFLAGS is set; the WebAssembly builds ignore it" >&2
  unset RUSTFLAGS
fi
wasm-pack build --release --target web --out-dir www/pkg --no-pack --no-default-features

# The relaxed-SIMD module, built into a scratch out-dir.
source scripts/relaxed-simd.sh
relaxed_out=target/wasm-relaxed-pkg
rm -rf "$relaxed_out"
relaxed_simd wasm-pack build --release --target web --out-dir "$relaxed_out" --no-pack --no-default-features
if ! cmp -s www/pkg/gradlab.js "$relaxed_out/gradlab.js"; then
  echo "error: the relaxed-SIMD build's JavaScript glue differs from the plain build's" >&2
  diff www/pkg/gradlab.js "$relaxed_out/gradlab.js" | head -20 >&2
  exit 1
fi
cp "$relaxed_out/gradlab_bg.wasm" www/pkg/gradlab_relaxed_bg.wasm

# Part 10's module: the same crate with candle (feature `cnn`), which the page
# loads in a worker of its own only when part 10 runs on the learner's faces;
# it too comes in both builds (relaxed SIMD: about 1.4 times as fast here).
wasm-pack build --release --target web --out-dir www/pkg-cnn --out-name gradlab_cnn --no-pack --no-default-features --features cnn
relaxed_cnn_out=target/wasm-relaxed-cnn-pkg
rm -rf "$relaxed_cnn_out"
relaxed_simd wasm-pack build --release --target web --out-dir "$relaxed_cnn_out" --out-name gradlab_cnn --no-pack --no-default-features --features cnn
if ! cmp -s www/pkg-cnn/gradlab_cnn.js "$relaxed_cnn_out/gradlab_cnn.js"; then
  echo "error: part 10's relaxed-SIMD build's JavaScript glue differs from the plain build's" >&2
  exit 1
fi
cp "$relaxed_cnn_out/gradlab_cnn_bg.wasm" www/pkg-cnn/gradlab_cnn_relaxed_bg.wasm

npm run --prefix www build
