#!/usr/bin/env bash
# Runs every test: the library and the CLI natively on real MNIST, the
# library's tests again in headless Chromium (wasm, SIMD), and the page's
# Playwright test; plus formatting and the benchmarks' build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Chromium leaves ~14 MB of profile folders per run in the temp folder.
export TMPDIR="$PWD/.tmp"
rm -rf "$TMPDIR" && mkdir -p "$TMPDIR"

printf '\n== formatting\n' >&2
cargo fmt --check

printf '\n== clippy, natively and for wasm32 (warnings are errors)\n' >&2
cargo clippy --locked --all-targets -- -D warnings
cargo clippy --locked --all-targets --target wasm32-unknown-unknown -- -D warnings

printf '\n== native tests (cargo test)\n' >&2
cargo test --locked

printf '\n== fuzz targets, 20 s each on their seeds (fuzz/README.md)\n' >&2
# An unoptimised build (FUZZ_DEV=1): about 3 minutes to build, against 6.5
# optimised, for a smoke run. AddressSanitizer needs nightly; without one
# the targets run on stable without it (see fuzz/README.md).
if rustup run nightly rustc --version >/dev/null 2>&1; then
  FUZZ_DEV=1 FUZZ_TOOLCHAIN=nightly fuzz/run.sh 20
else
  FUZZ_DEV=1 FUZZ_TOOLCHAIN= FUZZ_SANITIZER=none fuzz/run.sh 20
fi

printf '\n== set-up for part 10: SqueezeNet weights to safetensors (once)\n' >&2
# The binary `cargo test` just built for the CLI tests (`cargo run --profile
# test` would rebuild everything: its features differ without dev-dependencies).
"${CARGO_TARGET_DIR:-target}/debug/gradlab" cnn import-squeezenet

printf '\n== the core library builds for wasm32 on its own (no cfg in the numerics)\n' >&2
cargo build --locked --lib --target wasm32-unknown-unknown --no-default-features

printf '\n== the benchmarks build (in the test profile, sharing its build)\n' >&2
cargo test --locked --benches --no-run

printf '\n== the library tests in headless Chromium, as README shows the command\n' >&2
# Exactly the commands README gives a user, so that they cannot drift: the
# default build (the test profile) and the release build.
wasm-pack test --headless --chrome
wasm-pack test --headless --chrome --release
printf '\n== the matrix-product tests again in the relaxed-SIMD build (fused multiply-adds)\n' >&2
source scripts/relaxed-simd.sh
relaxed_simd wasm-pack test --headless --chrome --release --no-default-features --lib -- kernels::

printf '\n== the page, built and driven by Playwright in Chromium\n' >&2
scripts/build-page.sh
# The page's own-runs tests run the binary `cargo test` built above.
GRADLAB_BIN="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/gradlab" npm test --prefix www
