#!/usr/bin/env bash
# Runs every test: the library's and the CLI's tests on real MNIST, the
# library's build for wasm32, and the benchmarks' build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

printf '\n== formatting\n' >&2
cargo fmt --check

printf '\n== native tests (cargo test)\n' >&2
cargo test --locked

printf '\n== the core library builds for wasm32 without cfg in the numerics\n' >&2
cargo build --locked --lib --target wasm32-unknown-unknown

printf '\n== the benchmarks build\n' >&2
cargo bench --locked --no-run
