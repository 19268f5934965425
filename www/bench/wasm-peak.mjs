// A second yardstick for the 128-bit SIMD peak, beside gradlab's
// simdPeakKernel, written here in WebAssembly bytes so that no compiler sits
// between the loop and the engine: `chains` independent f32x4 chains
// `acc = acc * m + a` (f32x4.mul then f32x4.add, or one fused
// f32x4.relaxed_madd), all accumulators and constants in locals (which V8
// keeps in registers while they fit), no memory access in the loop. Used by
// gradlab-worker.mjs.

const leb = (n) => {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
};
const f32 = (x) => [...new Uint8Array(new Float32Array([x]).buffer)];
const section = (id, bytes) => [id, ...leb(bytes.length), ...bytes];
const SIMD = 0xfd;
const V128_CONST = 0x0c;
const F32X4_SPLAT = 0x13;
const F32X4_EXTRACT_LANE = 0x1f;
const F32X4_ADD = leb(228);
const F32X4_MUL = leb(230);
const F32X4_RELAXED_MADD = leb(0x105);
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;

/** `peak(iterations) -> f32` (a checksum) and its flops per iteration;
 * `fused`: relaxed SIMD's multiply-add instead of a multiply and an add. */
export function handPeakKernel(chains, fused = false) {
  // Locals: 0 = iterations (i32), 1..chains = accumulators, then m and a.
  const m = chains + 1;
  const a = chains + 2;
  const body = [0x01, ...leb(chains + 2), 0x7b];
  for (let i = 1; i <= chains; i++) {
    body.push(SIMD, V128_CONST, ...f32(1 + i * 1e-3), ...f32(1 + i * 2e-3), ...f32(1 + i * 3e-3), ...f32(1 + i * 4e-3), LOCAL_SET, ...leb(i));
  }
  body.push(0x43, ...f32(0.999), SIMD, F32X4_SPLAT, LOCAL_SET, ...leb(m));
  body.push(0x43, ...f32(1e-4), SIMD, F32X4_SPLAT, LOCAL_SET, ...leb(a));
  // block; loop; if iterations == 0 break
  body.push(0x02, 0x40, 0x03, 0x40, LOCAL_GET, 0x00, 0x45, 0x0d, 0x01);
  for (let i = 1; i <= chains; i++) {
    if (fused) body.push(LOCAL_GET, ...leb(i), LOCAL_GET, ...leb(m), LOCAL_GET, ...leb(a), SIMD, ...F32X4_RELAXED_MADD, LOCAL_SET, ...leb(i));
    else body.push(LOCAL_GET, ...leb(i), LOCAL_GET, ...leb(m), SIMD, ...F32X4_MUL, LOCAL_GET, ...leb(a), SIMD, ...F32X4_ADD, LOCAL_SET, ...leb(i));
  }
  // iterations -= 1; continue; end; end
  body.push(LOCAL_GET, 0x00, 0x41, 0x01, 0x6b, LOCAL_SET, 0x00, 0x0c, 0x00, 0x0b, 0x0b);
  // The sum of every accumulator's lane 0, so that no chain is dead code.
  body.push(0x43, ...f32(0));
  for (let i = 1; i <= chains; i++) body.push(LOCAL_GET, ...leb(i), SIMD, F32X4_EXTRACT_LANE, 0x00, 0x92);
  body.push(0x0b);
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x01, 0x7f, 0x01, 0x7d]), // type: (i32) -> f32
    ...section(3, [0x01, 0x00]), // one function of that type
    ...section(7, [0x01, 0x04, 0x70, 0x65, 0x61, 0x6b, 0x00, 0x00]), // export "peak"
    ...section(10, [0x01, ...leb(body.length), ...body]),
  ];
  const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bytes)));
  return { peak: instance.exports.peak, flopsPerIteration: chains * 4 * 2 };
}
