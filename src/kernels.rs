//! The matrix products training spends its time in.
//!
//! Every product of the networks goes through [`matmul`]. Natively, and for
//! f64 or thin products in WebAssembly, it hands them to the
//! [gemm](https://docs.rs/gemm) crate: packed, cache-blocked kernels that
//! pick AVX2/FMA (or AVX-512) at run time natively and 128-bit SIMD in
//! WebAssembly (its `wasm-simd128-enable` feature; the module is built with
//! `+simd128`, see `.cargo/config.toml`). The large f32 products of the
//! WebAssembly build, nearly all of a training step, go to a kernel written
//! for it (`kernels/wasm_gemm.rs`), which is faster there than gemm's and
//! uses fused multiply-adds in the relaxed-SIMD module. The page ships two
//! modules, plain `+simd128` and `+simd128,+relaxed-simd`; the browser's
//! support decides which it loads (scripts/build-page.sh,
//! www/src/wasm-build.ts). Operands are ndarray views with any strides, so
//! `A^T B` needs no transposed copy. One thread: the page trains in one
//! worker, and the benchmarks compare one core with one core.
//!
//! [`simd_peak_kernel`] and [`matmul_kernel`] exist for the benchmarks: the
//! first is the most a core can do (independent multiply-adds, no memory
//! traffic), the second the product training uses, so that the page can report
//! its GFLOP/s as a fraction of that peak.

use ndarray::{Array2, ArrayView2, ArrayViewMut2, ShapeBuilder};

// The WebAssembly build's own kernel for the large f32 products.
#[cfg(target_arch = "wasm32")]
mod wasm_gemm;

// The softmax network's two products (k = 10 columns), natively and in
// WebAssembly.
pub mod thin;

use crate::Real;

/// `C = alpha C + beta A B`, into `c` (whose shape must be `A`'s rows by `B`'s
/// columns). With `alpha` zero, `C`'s old values are not read (they may be
/// anything, even NaN).
///
/// # Panics
/// If the shapes do not fit, or `c` has overlapping elements (a broadcast
/// view), which no caller makes.
pub fn matmul_into<T: Real>(
    alpha: T,
    c: &mut ArrayViewMut2<T>,
    beta: T,
    a: ArrayView2<T>,
    b: ArrayView2<T>,
) {
    let (m, k) = a.dim();
    let (k2, n) = b.dim();
    assert!(
        k == k2 && c.dim() == (m, n),
        "matmul shapes: {m}x{k} times {k2}x{n} into {:?}",
        c.dim()
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        // No terms: C = alpha C (gemm would skip even that).
        c.mapv_inplace(|v| {
            if alpha == T::zero() {
                T::zero()
            } else {
                alpha * v
            }
        });
        return;
    }
    let (c_rs, c_cs) = (c.strides()[0], c.strides()[1]);
    assert!(
        (c_rs != 0 || m == 1) && (c_cs != 0 || n == 1),
        "the output must not be a broadcast view"
    );
    let (a_rs, a_cs) = (a.strides()[0], a.strides()[1]);
    let (b_rs, b_cs) = (b.strides()[0], b.strides()[1]);
    #[cfg(target_arch = "wasm32")]
    if std::any::TypeId::of::<T>() == std::any::TypeId::of::<f32>() && wasm_gemm::suits(m, n) {
        use wasm_gemm::Strided;
        // SAFETY: `T` is f32 (checked above), so the casts change no value
        // and no pointer; the views' shapes were checked above to be m x k,
        // k x n and m x n, so every element the kernel reads or writes is
        // inside its view, and `c`, borrowed mutably, has no two elements at
        // one address (checked above).
        unsafe {
            let to_f32 = |x: T| std::mem::transmute_copy::<T, f32>(&x);
            let c = Strided::new(c.as_mut_ptr().cast(), (c_rs, c_cs));
            let a = Strided::new(a.as_ptr().cast(), (a_rs, a_cs));
            let b = Strided::new(b.as_ptr().cast(), (b_rs, b_cs));
            wasm_gemm::gemm((m, n, k), to_f32(alpha), c, to_f32(beta), a, b);
        }
        return;
    }
    // SAFETY: the pointers and strides come from live ndarray views whose
    // shapes were checked above to be m x k, k x n and m x n, so every element
    // gemm touches is inside its view; `c` is borrowed mutably and distinct
    // elements of it do not alias (checked above); `T` is f32 or f64
    // (`Real`), both of which gemm supports.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            c_cs,
            c_rs,
            alpha != T::zero(),
            a.as_ptr(),
            a_cs,
            a_rs,
            b.as_ptr(),
            b_cs,
            b_rs,
            alpha,
            beta,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// `t` as an f32 slice when `T` is f32, for the f32-only kernels of [`thin`].
fn as_f32<T: Real>(t: &[T]) -> Option<&[f32]> {
    (std::any::TypeId::of::<T>() == std::any::TypeId::of::<f32>())
        // SAFETY: `T` is f32, so the pointer and length describe the same
        // f32 values.
        .then(|| unsafe { std::slice::from_raw_parts(t.as_ptr().cast(), t.len()) })
}

/// [`as_f32`] for a mutable slice.
fn as_f32_mut<T: Real>(t: &mut [T]) -> Option<&mut [f32]> {
    (std::any::TypeId::of::<T>() == std::any::TypeId::of::<f32>())
        // SAFETY: as in `as_f32`; the borrow of `t` moves into the result.
        .then(|| unsafe { std::slice::from_raw_parts_mut(t.as_mut_ptr().cast(), t.len()) })
}

/// `Z = W^T X` into `z`, for a layer with few outputs (the softmax network's
/// k = 10). In f32 with `W`, `X` and `Z` each stored by columns (contiguous
/// columns, no gaps), [`thin::forward`] computes it; otherwise
/// [`matmul_into`].
///
/// # Panics
/// If the shapes do not fit (`W` n x k, `X` n x m, `Z` k x m).
pub fn thin_forward<T: Real>(w: ArrayView2<T>, x: ArrayView2<T>, z: &mut ArrayViewMut2<T>) {
    let shape = thin::Shape {
        n: w.nrows(),
        k: w.ncols(),
        m: x.ncols(),
    };
    assert!(
        x.nrows() == shape.n && z.dim() == (shape.k, shape.m),
        "thin_forward shapes: W {:?}, X {:?}, Z {:?}",
        w.dim(),
        x.dim(),
        z.dim()
    );
    let (w_t, x_t) = (w.t(), x.t());
    let mut z_t = z.view_mut().reversed_axes();
    if let (Some(w), Some(x), Some(z)) = (
        w_t.as_slice().and_then(as_f32),
        x_t.as_slice().and_then(as_f32),
        z_t.as_slice_mut().and_then(as_f32_mut),
    ) {
        thin::forward(shape, w, x, z);
        return;
    }
    matmul_into(T::zero(), z, T::one(), w.t(), x);
}

/// `G = scale X D^T` into `g` (the weight gradient of a layer with few
/// outputs, from its input `X` and its delta `D`). In f32 with `X`, `D` and
/// `G` each stored by columns, [`thin::gradient`] computes it; otherwise
/// [`matmul_into`].
///
/// # Panics
/// If the shapes do not fit (`X` n x m, `D` k x m, `G` n x k).
pub fn thin_gradient<T: Real>(
    scale: T,
    x: ArrayView2<T>,
    d: ArrayView2<T>,
    g: &mut ArrayViewMut2<T>,
) {
    let shape = thin::Shape {
        n: x.nrows(),
        k: d.nrows(),
        m: x.ncols(),
    };
    assert!(
        d.ncols() == shape.m && g.dim() == (shape.n, shape.k),
        "thin_gradient shapes: X {:?}, D {:?}, G {:?}",
        x.dim(),
        d.dim(),
        g.dim()
    );
    let (x_t, d_t) = (x.t(), d.t());
    let mut g_t = g.view_mut().reversed_axes();
    if let (Some(x), Some(d), Some(g), Some(scale)) = (
        x_t.as_slice().and_then(as_f32),
        d_t.as_slice().and_then(as_f32),
        g_t.as_slice_mut().and_then(as_f32_mut),
        as_f32(&[scale]).map(|s| s[0]),
    ) {
        thin::gradient(shape, scale, x, d, g);
        return;
    }
    matmul_into(T::zero(), g, scale, x, d.t());
}

/// `A B` as a new matrix. Its layout is column-major when `column_major`,
/// which makes each column (one image, for `Z = W^T X`) contiguous for the
/// column-wise softmax and activations that follow.
pub fn matmul<T: Real>(a: ArrayView2<T>, b: ArrayView2<T>, column_major: bool) -> Array2<T> {
    let shape = (a.nrows(), b.ncols());
    let mut c = if column_major {
        Array2::zeros(shape.f())
    } else {
        Array2::zeros(shape)
    };
    matmul_into(T::zero(), &mut c.view_mut(), T::one(), a, b);
    c
}

/// `tanh(x)` for f32 as a rational function, `x P(x^2) / Q(x^2)` with `P` of
/// degree 6 and `Q` of degree 3 in `x^2`, on `x` clamped to +-9 (beyond it
/// tanh rounds to +-1 in f32). No branches and no library calls, so a loop of
/// it vectorises (4 lanes in WebAssembly, 8 with AVX2). The coefficients are
/// the minimax fit that Eigen and XLA use for float tanh. Its largest error
/// against f64 tanh on -20..20 is 4.0e-7 (near x = 5.9, about 7 units in the
/// last place of numbers near 1; libm's `tanhf`: 9.3e-8), far below what f32
/// training resolves.
#[inline]
pub fn tanh(x: f32) -> f32 {
    const ALPHA: [f32; 7] = [
        4.893_524_6e-3,
        6.372_619_3e-4,
        1.485_722_4e-5,
        5.122_297e-8,
        -8.604_672e-11,
        2.000_188e-13,
        -2.760_768_5e-16,
    ];
    const BETA: [f32; 4] = [4.893_525e-3, 2.268_434_6e-3, 1.185_347_1e-4, 1.198_258_4e-6];
    let x = x.clamp(-9.0, 9.0);
    let x2 = x * x;
    let p = ALPHA.iter().rev().fold(0.0, |acc, &a| acc * x2 + a);
    let q = BETA.iter().rev().fold(0.0, |acc, &b| acc * x2 + b);
    x * p / q
}

/// `exp(x)` for f32 without a library call, for the softmax (libm's `expf`,
/// a call per logit, was 6-9 % of the page's softmax step; BENCHMARKS.md,
/// issue 18). The usual reduction: `x = n ln 2 + r` with `n` whole and
/// `|r| <= ln 2 / 2`, so `e^x = 2^n e^r`:
///
/// - `n` is `x log2(e)` rounded to nearest by adding and subtracting
///   `1.5 * 2^23`, which leaves no fraction bits (no rounding instruction is
///   needed, so it is the same everywhere);
/// - `r = x - n ln 2` with `ln 2` in two parts, the first short enough (12
///   significant bits) that `n * LN2_HI` is exact for `|n| <= 128`;
/// - `e^r` from its Taylor series to `r^7` (the first term left out,
///   `r^8 / 8!`, is below 5.3e-9);
/// - `2^n` written into the exponent bits, in two factors so that each is a
///   normal number for every `n` from -126 to 128.
///
/// Below -87.34, where `e^x` falls under f32's smallest normal number, the
/// result is 0 (libm gives subnormals there); above 88.72 it is infinity,
/// and NaN stays NaN. Branch-free, so a loop of it vectorises. Its largest
/// relative error against f64 `exp` on -87..88.7 is 9.9e-8, within a unit in
/// the last place (measured in the tests).
#[inline]
pub fn exp(x: f32) -> f32 {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    // ln 2's f32 bits 0x3f317218 with the last 12 cleared, and the rest.
    const LN2_HI: f32 = 0.693_115_23;
    const LN2_LO: f32 = 3.194_618_3e-5;
    const ROUND: f32 = 12_582_912.0; // 1.5 * 2^23
    const MIN: f32 = -87.336_54; // ln(2^-126)
    const MAX: f32 = 88.722_84; // ln(f32::MAX)

    // 1 / k! for k = 7 down to 0, for Horner's rule.
    const TAYLOR: [f32; 8] = [
        1.0 / 5040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ];
    let clamped = x.clamp(MIN, MAX);
    let n = (clamped * LOG2_E + ROUND) - ROUND;
    let r = (clamped - n * LN2_HI) - n * LN2_LO;
    let e_r = TAYLOR.iter().fold(0.0, |acc, &c| acc * r + c);
    // `n` is whole and within -126..=128 here (0 for NaN: `as` saturates).
    let n = n as i32;
    let half = n >> 1;
    let power_of_two = |k: i32| f32::from_bits(((k + 127) as u32) << 23);
    let result = e_r * power_of_two(half) * power_of_two(n - half);
    if x < MIN {
        0.0
    } else if x > MAX {
        f32::INFINITY
    } else {
        result
    }
}

/// Independent chains in [`simd_peak_kernel`]: enough to hide the latency of
/// each multiply and add, few enough to stay in registers (8, 12 and 16
/// chains measured 23, 28 and 27 GFLOP/s in Chromium here).
const PEAK_CHAINS: usize = 12;

/// Floating-point operations of one [`simd_peak_kernel`] iteration: a 4-lane
/// multiply-add (2 flops a lane) per chain.
pub const SIMD_PEAK_FLOPS_PER_ITERATION: f64 = (PEAK_CHAINS * 4 * 2) as f64;

/// The most one core does: `iterations` rounds of [`PEAK_CHAINS`] independent
/// chains of 4-lane `acc = acc * m + a`, all in registers, no memory traffic.
/// Returns a sum so that nothing is optimised away. In WebAssembly this is
/// written with `f32x4` intrinsics, the multiply-add the products use in the
/// same module: a multiply and an add, or one fused `relaxed_madd` in the
/// relaxed-SIMD build; natively the compiler vectorises the same loop.
pub fn simd_peak_kernel(iterations: u32, seed: f32) -> f32 {
    // |m| < 1 and a small `a`: the values settle instead of overflowing.
    let (m, a) = (0.999_f32, 1e-4_f32);
    #[cfg(target_arch = "wasm32")]
    {
        use core::arch::wasm32::*;
        let (mv, av) = (f32x4_splat(m), f32x4_splat(a));
        let mut acc: [v128; PEAK_CHAINS] =
            std::array::from_fn(|i| f32x4_splat(seed + i as f32 * 1e-3));
        for _ in 0..iterations {
            for v in acc.iter_mut() {
                // The same operation as gemm's kernels in this build: fused
                // in the relaxed-SIMD module, a multiply and an add otherwise.
                #[cfg(target_feature = "relaxed-simd")]
                {
                    *v = f32x4_relaxed_madd(*v, mv, av);
                }
                #[cfg(not(target_feature = "relaxed-simd"))]
                {
                    *v = f32x4_add(f32x4_mul(*v, mv), av);
                }
            }
        }
        // Only the result escapes: the loop's state stays in registers.
        let total = acc.iter().fold(f32x4_splat(0.0), |s, &v| f32x4_add(s, v));
        f32x4_extract_lane::<0>(total)
            + f32x4_extract_lane::<1>(total)
            + f32x4_extract_lane::<2>(total)
            + f32x4_extract_lane::<3>(total)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let mut acc: [[f32; 4]; PEAK_CHAINS] = std::array::from_fn(|i| [seed + i as f32 * 1e-3; 4]);
        for _ in 0..std::hint::black_box(iterations) {
            for chain in acc.iter_mut() {
                for lane in chain.iter_mut() {
                    *lane = *lane * m + a;
                }
            }
        }
        acc.iter().flatten().sum()
    }
}

/// `reps` products `W^T X` of the MLP's first layer (`W` is 785 x `units`, `X`
/// 785 x `batch`), as training computes them; returns a checksum.
pub fn matmul_kernel(units: usize, batch: usize, reps: u32) -> f32 {
    let w =
        Array2::<f32>::from_shape_fn((785, units), |(i, j)| ((i * 7 + j * 3) % 11) as f32 * 1e-2);
    let x = Array2::<f32>::from_shape_fn((785, batch).f(), |(i, j)| ((i + j) % 5) as f32 * 0.2);
    let mut z = Array2::<f32>::zeros((units, batch).f());
    for _ in 0..reps {
        matmul_into(0.0, &mut z.view_mut(), 1.0, w.t(), x.view());
        std::hint::black_box(&mut z);
    }
    z.sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, s};
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn matches_ndarray_for_every_layout_and_transpose() {
        let a = Array2::from_shape_fn((5, 7), |(i, j)| (i * 7 + j) as f64 * 0.1 - 1.0);
        let b = Array2::from_shape_fn((7, 3), |(i, j)| (i + 2 * j) as f64 * 0.3 - 0.5);
        let expected = a.dot(&b);
        for column_major in [false, true] {
            assert_eq!(matmul(a.view(), b.view(), column_major), expected);
        }
        // A^T B with A stored transposed, and a strided (sliced) operand.
        let a_t = a.t().to_owned();
        let got = matmul(a_t.t(), b.view(), false);
        assert!((&got - &expected).iter().all(|d| d.abs() < 1e-12));
        let wide = Array2::from_shape_fn((7, 6), |(i, j)| (i + 2 * (j / 2)) as f64 * 0.3 - 0.5);
        let got = matmul(a.view(), wide.slice(s![.., ..;2]), false);
        assert!((&got - &expected).iter().all(|d| d.abs() < 1e-12));
    }

    /// f32 products against ndarray's own at shapes that take every path of
    /// `matmul_into` in WebAssembly: gemm for a thin output (37 x 23), the
    /// wasm kernel for wider ones in both orientations it picks (45 x 37 as
    /// it is, 34 x 64 transposed), all with partial tiles on every side and
    /// a depth (300) that crosses the kernel's 256-step blocks; `A` stored by
    /// rows and by columns, `C` by rows and by columns, fresh and
    /// accumulated into.
    #[wasm_bindgen_test(unsupported = test)]
    fn f32_matches_ndarray_on_every_path() {
        for (m, k, n) in [(37, 300, 23), (45, 300, 37), (34, 300, 64)] {
            let a =
                Array2::from_shape_fn((m, k), |(i, j)| ((i * 13 + j * 7) % 17) as f32 * 0.1 - 0.8);
            let b = Array2::from_shape_fn((k, n), |(i, j)| {
                ((i * 5 + j * 11) % 19) as f32 * 0.05 - 0.45
            });
            let c0 = Array2::from_shape_fn((m, n), |(i, j)| (i + j) as f32 * 0.01);
            let expected = a.dot(&b);
            // Two f32 sums of k terms, in any order, fused or not, differ by
            // at most 2 k 2^-24 = k EPSILON times the sum of the terms' sizes.
            let bound = a.mapv(f32::abs).dot(&b.mapv(f32::abs)) * (k as f32 * f32::EPSILON);
            let a_by_columns = a.t().to_owned();
            for a_view in [a.view(), a_by_columns.t()] {
                for column_major in [false, true] {
                    let got = matmul(a_view, b.view(), column_major);
                    let mut accumulated = if column_major {
                        Array2::zeros((m, n).f())
                    } else {
                        Array2::zeros((m, n))
                    };
                    accumulated.assign(&c0);
                    matmul_into(1.0, &mut accumulated.view_mut(), 1.0, a_view, b.view());
                    for (((&got, &sum), &c), (&want, &bound)) in got
                        .iter()
                        .zip(&accumulated)
                        .zip(&c0)
                        .zip(expected.iter().zip(&bound))
                    {
                        assert!((got - want).abs() <= bound, "{m}x{k}x{n}: {got} vs {want}");
                        // Adding to C rounds once more.
                        let slack = bound + (c + want).abs() * f32::EPSILON;
                        assert!(
                            (sum - (c + want)).abs() <= slack,
                            "{m}x{k}x{n}: {sum} vs {c} + {want}"
                        );
                    }
                }
            }
        }
    }

    /// Backpropagation through these products: an f32 network 40-48-36 on
    /// a batch of 40, where every product of the gradient has an output of
    /// at least 32 x 32 and so, in WebAssembly, runs in the wasm kernel; its
    /// gradient against the same network's in f64 (whose products go to
    /// gemm everywhere).
    #[wasm_bindgen_test(unsupported = test)]
    fn an_f32_gradient_through_the_kernels_matches_f64() {
        use crate::network::{Activation, Mlp, Network};
        let wave =
            |i: usize, j: usize, f: usize| (((i * f + j * 7) % 23) as f64 / 23.0 - 0.5) * 0.4;
        let w64 = vec![
            Array2::from_shape_fn((41, 48), |(i, j)| wave(i, j, 5)),
            Array2::from_shape_fn((49, 36), |(i, j)| wave(i, j, 3)),
        ];
        let x64 = Array2::from_shape_fn(
            (41, 40),
            |(i, j)| if i == 0 { 1.0 } else { wave(i, j, 11) * 2.0 },
        );
        let y64 = Array2::from_shape_fn((36, 40), |(i, j)| if i == j % 36 { 1.0 } else { 0.0 });
        let to_f32 = |a: &Array2<f64>| a.mapv(|v| v as f32);
        let net64 = Mlp::from_weights(w64.clone(), Activation::Tanh).expect("shapes chain");
        let net32 = Mlp::from_weights(w64.iter().map(to_f32).collect(), Activation::Tanh)
            .expect("shapes chain");
        let (_, exact) = net64.cost_and_gradient(x64.view(), y64.view());
        let (_, got) = net32.cost_and_gradient(to_f32(&x64).view(), to_f32(&y64).view());
        for (layer, (exact, got)) in exact.iter().zip(&got).enumerate() {
            let largest = exact.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
            let worst = exact
                .iter()
                .zip(got)
                .fold(0.0_f64, |m, (e, g)| m.max((e - *g as f64).abs()));
            // f32 rounding through two layers of sums of at most 49 terms
            // and a tanh good to 4e-7: 2.7e-7 of the largest entry, measured
            // natively. A wrong tile or transposition is off by a sizeable
            // fraction of it.
            assert!(
                worst <= 1e-5 * largest,
                "layer {layer}: worst difference {worst:e}, largest entry {largest:e}"
            );
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn accumulates_with_alpha_and_ignores_old_values_without() {
        let a = array![[1.0_f32, 2.0], [3.0, 4.0]];
        let b = array![[1.0_f32, 0.0], [0.0, 1.0]];
        let mut c = array![[f32::NAN, f32::NAN], [f32::NAN, f32::NAN]];
        matmul_into(0.0, &mut c.view_mut(), 2.0, a.view(), b.view());
        assert_eq!(c, array![[2.0, 4.0], [6.0, 8.0]]);
        matmul_into(1.0, &mut c.view_mut(), 1.0, a.view(), b.view());
        assert_eq!(c, array![[3.0, 6.0], [9.0, 12.0]]);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn fast_tanh_is_within_a_few_ulp_of_tanh() {
        let mut worst = 0.0_f64;
        for i in -200_000..=200_000 {
            let x = i as f32 * 1e-4; // -20 .. 20, step 1e-4
            let exact = (x as f64).tanh();
            let error = (tanh(x) as f64 - exact).abs();
            worst = worst.max(error);
        }
        // Measured 4.0e-7 (f32 spacing near 1 is 6e-8).
        assert!(worst < 5e-7, "worst error {worst:e}");
        assert_eq!(tanh(0.0), 0.0);
        assert_eq!(tanh(f32::INFINITY), tanh(9.0));
        assert!(tanh(f32::NAN).is_nan());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn fast_exp_is_within_an_ulp_of_exp() {
        let mut worst = 0.0_f64;
        for i in -870_000..=887_000 {
            let x = i as f32 * 1e-4; // -87 .. 88.7, step 1e-4
            let exact = (x as f64).exp();
            let error = ((exp(x) as f64 - exact) / exact).abs();
            worst = worst.max(error);
        }
        // Measured 9.9e-8: within one unit in the last place (f32's spacing
        // relative to a number is 6e-8 to 1.2e-7).
        assert!(worst < 1.2e-7, "worst relative error {worst:e}");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-100.0), 0.0);
        assert_eq!(exp(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp(89.0), f32::INFINITY);
        assert_eq!(exp(f32::INFINITY), f32::INFINITY);
        assert!(exp(f32::NAN).is_nan());
        // The largest finite result, just under f32::MAX.
        assert!(exp(88.72).is_finite());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_benchmark_kernels_compute_something() {
        assert!(simd_peak_kernel(10, 1.0).is_finite());
        // Z = W^T X summed: checked against ndarray on a smaller batch.
        let w =
            Array2::<f32>::from_shape_fn((785, 3), |(i, j)| ((i * 7 + j * 3) % 11) as f32 * 1e-2);
        let x = Array2::<f32>::from_shape_fn((785, 2), |(i, j)| ((i + j) % 5) as f32 * 0.2);
        let expected = w.t().dot(&x).sum();
        assert!((matmul_kernel(3, 2, 1) - expected).abs() < 1e-3 * expected);
    }
}
