# Sourced by scripts/build-page.sh and scripts/test.sh: `relaxed_simd CMD...`
# runs CMD with the relaxed-SIMD module's flags and its own target folder
# (other flags, other artifacts, so neither build invalidates the plain
# one's), so that the tests build exactly what the page ships.
relaxed_simd() {
  env CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/wasm-relaxed" \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd --cfg getrandom_backend=\"wasm_js\"" \
    "$@"
}
