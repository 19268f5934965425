// Which of the two WebAssembly modules the worker runs. scripts/build-page.sh
// builds the same Rust code twice: with 128-bit SIMD (every browser that has
// WebAssembly SIMD), and with relaxed SIMD too, whose matrix products use
// fused multiply-adds (src/kernels/wasm_gemm.rs). The relaxed one is faster where the
// browser can run it; `WebAssembly.validate` on a one-instruction module says
// whether it can, without loading anything.

export type WasmBuild = 'relaxed-simd' | 'simd128';

/** What the page asks for: the fastest module the browser runs, or the plain one (`?wasm=simd128`). */
export type WasmPreference = 'auto' | 'simd128';

/** A module whose one function is `f32x4.relaxed_madd` of its three v128 parameters. */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // types: (v128 v128 v128) -> v128
  0x03, 0x02, 0x01, 0x00, // functions: one, of type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, // code: one body of 11 bytes, no locals
  0x20, 0x00, 0x20, 0x01, 0x20, 0x02, // local.get 0, 1, 2
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd
  0x0b, // end
]);

export function supportsRelaxedSimd(): boolean {
  try {
    return WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

/** The preference in a page address's query (`?wasm=simd128`); anything else is 'auto'. */
export function wasmPreference(search: string): WasmPreference {
  return new URLSearchParams(search).get('wasm') === 'simd128' ? 'simd128' : 'auto';
}

/** The module to load for `preference` in a browser that does (or does not) support relaxed SIMD. */
export function chooseWasmBuild(preference: WasmPreference, relaxedSupported: boolean): WasmBuild {
  return preference === 'auto' && relaxedSupported ? 'relaxed-simd' : 'simd128';
}
