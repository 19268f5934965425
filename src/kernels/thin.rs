//! The softmax network's two f32 products, written for their shape: one
//! side has only k (10) columns, so a general GEMM spends much of its time
//! packing and on partial tiles (BENCHMARKS.md, "Where the softmax step's
//! time went").
//!
//! ```text
//! forward    Z = W^T X          z[c, j]  = sum_i w[i, c] x[i, j]
//! gradient   G = s X D^T        g[i, c]  = s sum_j x[i, j] d[c, j]
//! ```
//!
//! Shapes: `W` and `G` are n x k, `X` is n x m, `Z` and `D` are k x m. Every
//! operand is a plain slice in the layout that makes the inner loop read
//! contiguous memory: `X` by columns (one image after another, as
//! `Dataset::inputs_into` writes it), `W` and `G` by columns too (each
//! class's n weights together, which is how `SoftmaxNet` stores `W`), and `Z`
//! and `D` by columns (one image's k logits together, for the softmax).
//!
//! - The forward product is k x m dot products of length n: a tile of
//!   `J` images by `C` classes keeps `J * C` vector accumulators, and each
//!   step loads `J` pieces of images and `C` pieces of weights for `J * C`
//!   multiply-adds; the lanes are added up once at the end.
//! - The gradient is n x k sums over the m images: a tile of `R` vectors of
//!   rows by `C` classes keeps `R * C` accumulators, and each image adds its
//!   `R` pieces of pixels times `C` broadcast deltas. A strip of rows goes
//!   through every class before the next strip, so that its pieces of the
//!   images can come from the L1 cache after the first class (in Chromium
//!   this order measured the same as class tiles outermost: 1.00).
//!
//! The tiles are sized so that the accumulators and the operands of one step
//! fit in the vector registers. Natively AVX2 with FMA is used when the CPU
//! has it (checked at run time: the build has no `target-cpu`), else the
//! portable loop; AVX-512 is left out, as its intrinsics need a newer Rust
//! than the crate's `rust-version`. In WebAssembly the module's 128-bit SIMD
//! is used, with fused multiply-adds in the relaxed-SIMD module.

/// Vectors of `LANES` f32 and the few operations the kernels need. Every
/// method is inlined into a kernel compiled with the matching target
/// features (see [`forward`]), so that each one is a single instruction.
trait Lanes: Copy {
    const LANES: usize;
    /// # Safety
    /// `LANES` f32 readable at `p` (no alignment needed).
    unsafe fn load(p: *const f32) -> Self;
    fn splat(v: f32) -> Self;
    /// `a * b + c`, fused where the instruction set has it.
    fn madd(a: Self, b: Self, c: Self) -> Self;
    /// The lanes as an array (to add them up or store them).
    fn to_array(self) -> [f32; 16];
}

/// Shapes of one call, checked against the slices before any unsafe code.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Rows of `W` and `X` (inputs, with the bias row).
    pub n: usize,
    /// Classes: columns of `W`, rows of `Z`.
    pub k: usize,
    /// Images: columns of `X` and `Z`.
    pub m: usize,
}

/// `Z = W^T X` into `z` (k x m by columns), from `w` (n x k by columns) and
/// `x` (n x m by columns).
///
/// # Panics
/// If a slice's length is not its shape's.
pub fn forward(shape: Shape, w: &[f32], x: &[f32], z: &mut [f32]) {
    let Shape { n, k, m } = shape;
    assert!(
        w.len() == n * k && x.len() == n * m && z.len() == k * m,
        "thin::forward shapes"
    );
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU has AVX2 and FMA (checked just above); the
            // lengths were checked against the shape.
            unsafe { x86::forward_avx2(shape, w, x, z) };
            return;
        }
    }
    // SAFETY: the lengths were checked against the shape; the wasm module
    // is built with +simd128 (a test in web.rs checks it).
    #[cfg(target_arch = "wasm32")]
    unsafe {
        forward_tiles::<wasm::V, 2, 5>(shape, w, x, z);
    }
    // SAFETY: the lengths were checked against the shape.
    #[cfg(not(target_arch = "wasm32"))]
    unsafe {
        forward_tiles::<Scalar, 2, 5>(shape, w, x, z);
    }
}

/// `G = scale X D^T` into `g` (n x k by columns), from `x` (n x m by
/// columns) and `d` (k x m by columns).
///
/// # Panics
/// If a slice's length is not its shape's.
pub fn gradient(shape: Shape, scale: f32, x: &[f32], d: &[f32], g: &mut [f32]) {
    let Shape { n, k, m } = shape;
    assert!(
        g.len() == n * k && x.len() == n * m && d.len() == k * m,
        "thin::gradient shapes"
    );
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU has AVX2 and FMA (checked just above); the
            // lengths were checked against the shape.
            unsafe { x86::gradient_avx2(shape, scale, x, d, g) };
            return;
        }
    }
    // SAFETY: the lengths were checked against the shape.
    #[cfg(target_arch = "wasm32")]
    unsafe {
        // Four vectors of rows by two classes: eight accumulators, enough
        // to hide a multiply-add's latency, and four loads and two
        // broadcasts per eight multiply-adds. Against one by five (five
        // accumulators), the softmax step in Chromium ran 1.10 times as
        // fast with these, 1.06 with one by ten and 1.03-1.07 with two by
        // four; two by five spilled registers (0.70 against two by four;
        // BENCHMARKS.md, issue 18).
        gradient_tiles::<wasm::V, 4, 2>(shape, scale, x, d, g);
    }
    // SAFETY: the lengths were checked against the shape.
    #[cfg(not(target_arch = "wasm32"))]
    unsafe {
        gradient_tiles::<Scalar, 2, 5>(shape, scale, x, d, g);
    }
}

/// The forward product in tiles of `J` images by `C` classes.
///
/// # Safety
/// `w`, `x` and `z` have the lengths of `shape` (n k, n m, k m).
#[inline(always)]
unsafe fn forward_tiles<V: Lanes, const J: usize, const C: usize>(
    shape: Shape,
    w: &[f32],
    x: &[f32],
    z: &mut [f32],
) {
    let Shape { n, k, m } = shape;
    let mut j = 0;
    while j < m {
        // Full tiles of J images, then the last images one at a time.
        if j + J <= m {
            forward_images::<V, J, C>(n, k, w, x, z, j);
            j += J;
        } else {
            forward_images::<V, 1, C>(n, k, w, x, z, j);
            j += 1;
        }
    }
}

/// Logits of images `j0 .. j0 + J`, `C` classes at a time.
#[inline(always)]
unsafe fn forward_images<V: Lanes, const J: usize, const C: usize>(
    n: usize,
    k: usize,
    w: &[f32],
    x: &[f32],
    z: &mut [f32],
    j0: usize,
) {
    let mut c = 0;
    while c < k {
        if c + C <= k {
            forward_tile::<V, J, C>(n, k, w, x, z, j0, c);
            c += C;
        } else {
            forward_tile::<V, J, 1>(n, k, w, x, z, j0, c);
            c += 1;
        }
    }
}

/// `z[c, j]` for `J` images from `j0` and `C` classes from `c0`: the
/// accumulators stay in registers across the n inputs.
// The indices address several arrays at once (`acc[c][t]`, `weights[c]`).
#[allow(clippy::needless_range_loop)]
#[inline(always)]
unsafe fn forward_tile<V: Lanes, const J: usize, const C: usize>(
    n: usize,
    k: usize,
    w: &[f32],
    x: &[f32],
    z: &mut [f32],
    j0: usize,
    c0: usize,
) {
    let images: [*const f32; J] = std::array::from_fn(|t| x.as_ptr().add((j0 + t) * n));
    let weights: [*const f32; C] = std::array::from_fn(|c| w.as_ptr().add((c0 + c) * n));
    let mut acc = [[V::splat(0.0); J]; C];
    let whole = n - n % V::LANES;
    let mut i = 0;
    while i < whole {
        let pixels: [V; J] = std::array::from_fn(|t| V::load(images[t].add(i)));
        for c in 0..C {
            let weight = V::load(weights[c].add(i));
            for t in 0..J {
                acc[c][t] = V::madd(weight, pixels[t], acc[c][t]);
            }
        }
        i += V::LANES;
    }
    for c in 0..C {
        for t in 0..J {
            let lanes = acc[c][t].to_array();
            let mut sum: f32 = lanes[..V::LANES].iter().sum();
            // The last n mod LANES inputs (one: 785 = 98 x 8 + 1).
            for i in whole..n {
                sum += *weights[c].add(i) * *images[t].add(i);
            }
            z[(j0 + t) * k + c0 + c] = sum;
        }
    }
}

/// The gradient in tiles of `R` vectors of rows by `C` classes.
///
/// # Safety
/// `x`, `d` and `g` have the lengths of `shape` (n m, k m, n k).
#[inline(always)]
unsafe fn gradient_tiles<V: Lanes, const R: usize, const C: usize>(
    shape: Shape,
    scale: f32,
    x: &[f32],
    d: &[f32],
    g: &mut [f32],
) {
    let Shape { n, k, m } = shape;
    // Strips of R vectors of rows, then single vectors, then the last rows
    // (fewer than LANES) one by one.
    let mut i = 0;
    while i + R * V::LANES <= n {
        gradient_strip::<V, R, C>(shape, scale, x, d, g, i);
        i += R * V::LANES;
    }
    while i + V::LANES <= n {
        gradient_strip::<V, 1, C>(shape, scale, x, d, g, i);
        i += V::LANES;
    }
    for row in i..n {
        for class in 0..k {
            let mut sum = 0.0;
            for j in 0..m {
                sum += x[j * n + row] * d[j * k + class];
            }
            g[class * n + row] = scale * sum;
        }
    }
}

/// Every class of the `R * LANES` rows from `i0`, before the next strip (see
/// the module documentation).
///
/// # Safety
/// As [`gradient_tiles`], with `i0 + R * LANES <= n`.
#[inline(always)]
unsafe fn gradient_strip<V: Lanes, const R: usize, const C: usize>(
    shape: Shape,
    scale: f32,
    x: &[f32],
    d: &[f32],
    g: &mut [f32],
    i0: usize,
) {
    let mut c = 0;
    while c < shape.k {
        // Tiles of C classes, then of two, then one.
        if c + C <= shape.k {
            gradient_tile::<V, R, C>(shape, scale, x, d, g, i0, c);
            c += C;
        } else if c + 2 <= shape.k {
            gradient_tile::<V, R, 2>(shape, scale, x, d, g, i0, c);
            c += 2;
        } else {
            gradient_tile::<V, R, 1>(shape, scale, x, d, g, i0, c);
            c += 1;
        }
    }
}

/// `g[i, c]` for `R * LANES` rows from `i0` and `C` classes from `c0`.
// The indices address several arrays at once (`acc[c][r]`, `pixels[r]`).
#[allow(clippy::needless_range_loop)]
#[inline(always)]
unsafe fn gradient_tile<V: Lanes, const R: usize, const C: usize>(
    shape: Shape,
    scale: f32,
    x: &[f32],
    d: &[f32],
    g: &mut [f32],
    i0: usize,
    c0: usize,
) {
    let Shape { n, k, m } = shape;
    let mut acc = [[V::splat(0.0); R]; C];
    for j in 0..m {
        let image = x.as_ptr().add(j * n + i0);
        let pixels: [V; R] = std::array::from_fn(|r| V::load(image.add(r * V::LANES)));
        let deltas = d.as_ptr().add(j * k + c0);
        for c in 0..C {
            let delta = V::splat(*deltas.add(c));
            for r in 0..R {
                acc[c][r] = V::madd(pixels[r], delta, acc[c][r]);
            }
        }
    }
    for c in 0..C {
        for r in 0..R {
            let lanes = acc[c][r].to_array();
            let out = &mut g[(c0 + c) * n + i0 + r * V::LANES..][..V::LANES];
            for (o, &v) in out.iter_mut().zip(&lanes[..V::LANES]) {
                *o = scale * v;
            }
        }
    }
}

/// One lane: the loops above for a CPU without the vector extensions.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Copy)]
struct Scalar(f32);

#[cfg(not(target_arch = "wasm32"))]
impl Lanes for Scalar {
    const LANES: usize = 1;
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        Scalar(*p)
    }
    #[inline(always)]
    fn splat(v: f32) -> Self {
        Scalar(v)
    }
    #[inline(always)]
    fn madd(a: Self, b: Self, c: Self) -> Self {
        Scalar(a.0 * b.0 + c.0)
    }
    #[inline(always)]
    fn to_array(self) -> [f32; 16] {
        let mut out = [0.0; 16];
        out[0] = self.0;
        out
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    //! The kernels compiled for AVX2 + FMA. The generic code is inlined into
    //! these entry points, whose target features let each `Lanes` method
    //! become one instruction.
    use super::{forward_tiles, gradient_tiles, Lanes, Shape};
    use std::arch::x86_64::*;

    #[derive(Clone, Copy)]
    pub(super) struct Avx2(__m256);

    impl Lanes for Avx2 {
        const LANES: usize = 8;
        #[inline(always)]
        unsafe fn load(p: *const f32) -> Self {
            Avx2(_mm256_loadu_ps(p))
        }
        #[inline(always)]
        fn splat(v: f32) -> Self {
            // SAFETY: only reached from the AVX2 entry points below.
            Avx2(unsafe { _mm256_set1_ps(v) })
        }
        #[inline(always)]
        fn madd(a: Self, b: Self, c: Self) -> Self {
            // SAFETY: only reached from the AVX2 + FMA entry points below.
            Avx2(unsafe { _mm256_fmadd_ps(a.0, b.0, c.0) })
        }
        #[inline(always)]
        fn to_array(self) -> [f32; 16] {
            let mut out = [0.0; 16];
            // SAFETY: 8 f32 fit in `out`; only reached from AVX2 code.
            unsafe { _mm256_storeu_ps(out.as_mut_ptr(), self.0) };
            out
        }
    }

    // Tiles of 2 x 5: ten accumulators and the operands of one step in
    // AVX2's 16 vector registers.

    /// # Safety
    /// The CPU has AVX2 and FMA; the slices have the lengths of `shape`.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn forward_avx2(shape: Shape, w: &[f32], x: &[f32], z: &mut [f32]) {
        forward_tiles::<Avx2, 2, 5>(shape, w, x, z)
    }

    /// # Safety
    /// The CPU has AVX2 and FMA; the slices have the lengths of `shape`.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn gradient_avx2(
        shape: Shape,
        scale: f32,
        x: &[f32],
        d: &[f32],
        g: &mut [f32],
    ) {
        gradient_tiles::<Avx2, 2, 5>(shape, scale, x, d, g)
    }
}

#[cfg(target_arch = "wasm32")]
mod wasm {
    //! 128-bit SIMD: `f32x4`, with the fused `relaxed_madd` in the
    //! relaxed-SIMD module (as `wasm_gemm.rs` and `simd_peak_kernel`).
    use super::Lanes;
    use core::arch::wasm32::*;

    #[derive(Clone, Copy)]
    pub(super) struct V(v128);

    impl Lanes for V {
        const LANES: usize = 4;
        #[inline(always)]
        unsafe fn load(p: *const f32) -> Self {
            V(v128_load(p.cast()))
        }
        #[inline(always)]
        fn splat(v: f32) -> Self {
            V(f32x4_splat(v))
        }
        #[inline(always)]
        fn madd(a: Self, b: Self, c: Self) -> Self {
            #[cfg(target_feature = "relaxed-simd")]
            {
                V(f32x4_relaxed_madd(a.0, b.0, c.0))
            }
            #[cfg(not(target_feature = "relaxed-simd"))]
            {
                V(f32x4_add(f32x4_mul(a.0, b.0), c.0))
            }
        }
        #[inline(always)]
        fn to_array(self) -> [f32; 16] {
            let mut out = [0.0; 16];
            out[0] = f32x4_extract_lane::<0>(self.0);
            out[1] = f32x4_extract_lane::<1>(self.0);
            out[2] = f32x4_extract_lane::<2>(self.0);
            out[3] = f32x4_extract_lane::<3>(self.0);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Both products against a plain f64 loop, for shapes with partial tiles
    /// on every side (k not a multiple of 5, n not a multiple of any vector
    /// width, m odd), and the network's own 785 x 10 x 100.
    #[wasm_bindgen_test(unsupported = test)]
    fn thin_products_match_a_plain_loop() {
        for (n, k, m) in [(785, 10, 100), (53, 7, 5), (1, 1, 1), (40, 12, 3)] {
            let w: Vec<f32> = (0..n * k)
                .map(|i| ((i * 7) % 13) as f32 * 0.1 - 0.6)
                .collect();
            let x: Vec<f32> = (0..n * m).map(|i| ((i * 5) % 11) as f32 * 0.09).collect();
            let d: Vec<f32> = (0..k * m)
                .map(|i| ((i * 3) % 7) as f32 * 0.2 - 0.6)
                .collect();
            let shape = Shape { n, k, m };
            let mut z = vec![f32::NAN; k * m];
            forward(shape, &w, &x, &mut z);
            let mut g = vec![f32::NAN; n * k];
            gradient(shape, 0.5, &x, &d, &mut g);
            // f32 sums of at most 785 terms, in any order: within
            // n EPSILON of the sum of the terms' sizes.
            for j in 0..m {
                for c in 0..k {
                    let (mut exact, mut size) = (0.0_f64, 0.0_f64);
                    for i in 0..n {
                        let term = f64::from(w[c * n + i]) * f64::from(x[j * n + i]);
                        exact += term;
                        size += term.abs();
                    }
                    let got = f64::from(z[j * k + c]);
                    let bound = size * n as f64 * f64::from(f32::EPSILON) + 1e-30;
                    assert!(
                        (got - exact).abs() <= bound,
                        "z {n}x{k}x{m} [{c}, {j}]: {got} vs {exact}"
                    );
                }
            }
            for c in 0..k {
                for i in 0..n {
                    let (mut exact, mut size) = (0.0_f64, 0.0_f64);
                    for j in 0..m {
                        let term = 0.5 * f64::from(x[j * n + i]) * f64::from(d[j * k + c]);
                        exact += term;
                        size += term.abs();
                    }
                    let got = f64::from(g[c * n + i]);
                    let bound = size * (m + 1) as f64 * f64::from(f32::EPSILON) + 1e-30;
                    assert!(
                        (got - exact).abs() <= bound,
                        "g {n}x{k}x{m} [{i}, {c}]: {got} vs {exact}"
                    );
                }
            }
        }
    }
}
