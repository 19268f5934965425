//! The large f32 matrix products of the WebAssembly build, written for the
//! engine that runs them.
//!
//! A product is cut into tiles of 8 rows by 4 columns of `C`, each held in
//! eight `f32x4` accumulators while the kernel runs down the shared dimension
//! `k`: per step it loads 8 floats of `A` (two vectors) and 4 of `B` (one
//! vector), broadcasts each of `B`'s 4 floats with a shuffle, and does 8
//! multiply-adds. That shape is what V8 compiles well on x86-64: the 8
//! accumulators, 2 vectors of `A`, `B` and its broadcasts fit the 15 SIMD
//! registers it allocates, and one load with four shuffles replaces four
//! broadcast loads that each needed an address computed. (V8's listing of
//! the gemm crate's kernel, in its 12 x 3 tiles unrolled twice, shows
//! accumulators moved to and from the stack at every step; see
//! BENCHMARKS.md for the rates of both.) In the relaxed-SIMD build
//! (scripts/build-page.sh) the multiply-add is one fused `relaxed_madd`; in
//! the plain one, a multiply and an add.
//!
//! `A` and `B` are first copied into panels laid out in the order the kernel
//! reads them (8 floats of `A`, then 4 of `B`, per step), a block of
//! [`KC`] steps at a time so that the panels stay in the first-level cache
//! while they are reused. That copy costs about as much as the arithmetic for
//! a product with one short side (the 10 classes of the output layer), so
//! those go to the gemm crate instead ([`suits`]); BENCHMARKS.md has the
//! figures for both.

use core::arch::wasm32::*;

/// Rows of a tile: two f32x4 vectors.
const MR: usize = 8;
/// Columns of a tile: one f32x4 vector of `B`, broadcast lane by lane.
const NR: usize = 4;
/// Steps of one block: a panel of `A` is 8 x 256 floats, 8 KB.
const KC: usize = 256;
/// Products whose output has a side shorter than this go to gemm.
const SHORTEST_SIDE: usize = 32;

/// Whether an `m x n` output is worth this kernel (see the module's notes).
pub(super) fn suits(m: usize, n: usize) -> bool {
    m.min(n) >= SHORTEST_SIDE
}

/// A matrix as a pointer to its first element (`*const f32`, or `*mut f32`
/// for the output) and the strides of its rows and columns, in elements.
#[derive(Clone, Copy)]
pub(super) struct Strided<P> {
    pub ptr: P,
    pub row_stride: isize,
    pub col_stride: isize,
}

impl<P> Strided<P> {
    pub fn new(ptr: P, (row_stride, col_stride): (isize, isize)) -> Self {
        Strided {
            ptr,
            row_stride,
            col_stride,
        }
    }

    fn transposed(self) -> Self {
        Strided {
            ptr: self.ptr,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }
}

#[inline(always)]
fn madd(a: v128, b: v128, c: v128) -> v128 {
    #[cfg(target_feature = "relaxed-simd")]
    {
        f32x4_relaxed_madd(a, b, c)
    }
    #[cfg(not(target_feature = "relaxed-simd"))]
    {
        f32x4_add(f32x4_mul(a, b), c)
    }
}

/// `C = alpha C + beta A B` for `A` m x k, `B` k x n, `C` m x n, `k > 0`
/// (`alpha` zero: `C`'s old values are not read).
///
/// # Safety
/// The elements of `A` and `B` must be readable, and those of `C` readable
/// and writable with no two at one address, at the strides given.
pub(super) unsafe fn gemm(
    (m, n, k): (usize, usize, usize),
    alpha: f32,
    c: Strided<*mut f32>,
    beta: f32,
    a: Strided<*const f32>,
    b: Strided<*const f32>,
) {
    // Computing C^T = B^T A^T instead pads less when the rows fill the
    // tiles' 8 worse than the columns fill their 4. The transposed product
    // then pads less than its own transpose, so this recurses at most once.
    let padded = |rows: usize, cols: usize| rows.next_multiple_of(MR) * cols.next_multiple_of(NR);
    if padded(n, m) < padded(m, n) {
        let (c, a, b) = (c.transposed(), b.transposed(), a.transposed());
        return gemm((n, m, k), alpha, c, beta, a, b);
    }
    let mut a_vectors = [f32x4_splat(0.0); MR * KC / 4];
    let a_panel = floats(&mut a_vectors);
    B_PANELS.with_borrow_mut(|b_vectors| {
        let needed = KC * n.next_multiple_of(NR) / 4;
        if b_vectors.len() < needed {
            b_vectors.resize(needed, f32x4_splat(0.0));
        }
        let b_panels = floats(b_vectors);
        for p0 in (0..k).step_by(KC) {
            let depth = KC.min(k - p0);
            // Rows p0.. of B: for each 4 columns, `depth` runs of 4 floats.
            for (panel, j0) in (0..n).step_by(NR).enumerate() {
                let from = b
                    .ptr
                    .offset(p0 as isize * b.row_stride + j0 as isize * b.col_stride);
                let into = &mut b_panels[panel * depth * NR..(panel + 1) * depth * NR];
                pack::<NR>(into, from, b.row_stride, b.col_stride, NR.min(n - j0));
            }
            // The first block applies alpha; the later ones add to it.
            let keep = if p0 == 0 { alpha } else { 1.0 };
            for i0 in (0..m).step_by(MR) {
                let rows = MR.min(m - i0);
                let from = a
                    .ptr
                    .offset(i0 as isize * a.row_stride + p0 as isize * a.col_stride);
                pack::<MR>(
                    &mut a_panel[..depth * MR],
                    from,
                    a.col_stride,
                    a.row_stride,
                    rows,
                );
                for (panel, j0) in (0..n).step_by(NR).enumerate() {
                    let b_panel = b_panels.as_ptr().add(panel * depth * NR);
                    let sum = tile(depth, a_panel.as_ptr(), b_panel);
                    let corner = Strided {
                        ptr: c
                            .ptr
                            .offset(i0 as isize * c.row_stride + j0 as isize * c.col_stride),
                        ..c
                    };
                    store(&sum, (rows, NR.min(n - j0)), keep, beta, corner);
                }
            }
        }
    });
}

std::thread_local! {
    /// One block of `B` in panels, kept between calls so that training's
    /// products allocate nothing after the first step. Held as vectors so
    /// that it is 16-byte aligned, like the panel of `A`: a vector load at a
    /// float's alignment can straddle two cache lines, which costs more.
    static B_PANELS: std::cell::RefCell<Vec<v128>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Views vectors as their floats.
fn floats(vectors: &mut [v128]) -> &mut [f32] {
    // SAFETY: a v128 is 16 bytes, four f32 lanes, with no padding; every
    // bit pattern is a valid f32; the borrow is carried over.
    unsafe { std::slice::from_raw_parts_mut(vectors.as_mut_ptr().cast(), vectors.len() * 4) }
}

/// `sum_p A[0..8][p] B[p][0..4]` over a packed panel of each: step `p` reads
/// 8 floats of `A` at `a + 8 p` and 4 of `B` at `b + 4 p`. Returns the tile
/// by columns, two vectors each.
///
/// # Safety
/// `depth` steps of both panels must be readable.
#[inline(always)]
unsafe fn tile(depth: usize, a: *const f32, b: *const f32) -> [[v128; 2]; NR] {
    let mut acc = [[f32x4_splat(0.0); 2]; NR];
    let (mut a, mut b) = (a, b);
    for _ in 0..depth {
        let a0 = v128_load(a as *const v128);
        let a1 = v128_load(a.add(4) as *const v128);
        let row = v128_load(b as *const v128);
        // Written out, not looped: the lane of each shuffle is a constant.
        let b0 = i32x4_shuffle::<0, 0, 0, 0>(row, row);
        acc[0] = [madd(a0, b0, acc[0][0]), madd(a1, b0, acc[0][1])];
        let b1 = i32x4_shuffle::<1, 1, 1, 1>(row, row);
        acc[1] = [madd(a0, b1, acc[1][0]), madd(a1, b1, acc[1][1])];
        let b2 = i32x4_shuffle::<2, 2, 2, 2>(row, row);
        acc[2] = [madd(a0, b2, acc[2][0]), madd(a1, b2, acc[2][1])];
        let b3 = i32x4_shuffle::<3, 3, 3, 3>(row, row);
        acc[3] = [madd(a0, b3, acc[3][0]), madd(a1, b3, acc[3][1])];
        a = a.add(MR);
        b = b.add(NR);
    }
    acc
}

/// Fills `into` with runs of `W` floats, run `p` read from
/// `from + p * step + w * across` for `w < width` and zero past `width`.
///
/// # Safety
/// Those addresses must be readable for every run `into` holds.
#[inline(always)]
unsafe fn pack<const W: usize>(
    into: &mut [f32],
    from: *const f32,
    step: isize,
    across: isize,
    width: usize,
) {
    let mut start = from;
    if across == 1 && width == W {
        // An operand stored by rows (`B` as a layer's activations or its
        // im2col): each run is `W` floats side by side, copied as vectors.
        for run in into.chunks_exact_mut(W) {
            run.copy_from_slice(std::slice::from_raw_parts(start, W));
            start = start.offset(step);
        }
        return;
    }
    for run in into.chunks_exact_mut(W) {
        if width == W {
            for (w, value) in run.iter_mut().enumerate() {
                *value = *start.offset(w as isize * across);
            }
        } else {
            for (w, value) in run.iter_mut().enumerate() {
                *value = if w < width {
                    *start.offset(w as isize * across)
                } else {
                    0.0
                };
            }
        }
        start = start.offset(step);
    }
}

/// `C = keep C + beta T` for the first `rows` rows and `columns` columns of
/// the tile `T` (by columns); `keep` zero does not read `C`.
///
/// # Safety
/// Those elements of `C` must be readable and writable at its strides.
#[inline(always)]
unsafe fn store(
    tile: &[[v128; 2]; NR],
    (rows, columns): (usize, usize),
    keep: f32,
    beta: f32,
    c: Strided<*mut f32>,
) {
    if (rows, columns) == (MR, NR) && c.col_stride == 1 {
        // `C` by rows (a convolution's output, channels by pixels): turn
        // each half of the tile into its four rows and write a row as one
        // vector, instead of 32 single floats.
        for half in [0, 1] {
            let [c0, c1, c2, c3] = [0, 1, 2, 3].map(|j| tile[j][half]);
            let (t0, t1) = (
                i32x4_shuffle::<0, 4, 1, 5>(c0, c1),
                i32x4_shuffle::<2, 6, 3, 7>(c0, c1),
            );
            let (t2, t3) = (
                i32x4_shuffle::<0, 4, 1, 5>(c2, c3),
                i32x4_shuffle::<2, 6, 3, 7>(c2, c3),
            );
            let tile_rows = [
                i32x4_shuffle::<0, 1, 4, 5>(t0, t2),
                i32x4_shuffle::<2, 3, 6, 7>(t0, t2),
                i32x4_shuffle::<0, 1, 4, 5>(t1, t3),
                i32x4_shuffle::<2, 3, 6, 7>(t1, t3),
            ];
            for (r, row) in tile_rows.into_iter().enumerate() {
                let at = c.ptr.offset((4 * half + r) as isize * c.row_stride) as *mut v128;
                // The same two roundings as the single floats below.
                let scaled = f32x4_mul(f32x4_splat(beta), row);
                let value = if keep == 0.0 {
                    scaled
                } else {
                    f32x4_add(f32x4_mul(f32x4_splat(keep), v128_load(at)), scaled)
                };
                v128_store(at, value);
            }
        }
        return;
    }
    for (j, column) in tile.iter().enumerate().take(columns) {
        let mut values = [0.0_f32; MR];
        v128_store(values.as_mut_ptr() as *mut v128, column[0]);
        v128_store(values.as_mut_ptr().add(4) as *mut v128, column[1]);
        for (r, &value) in values.iter().enumerate().take(rows) {
            let at = c
                .ptr
                .offset(r as isize * c.row_stride + j as isize * c.col_stride);
            *at = if keep == 0.0 {
                beta * value
            } else {
                keep * *at + beta * value
            };
        }
    }
}
