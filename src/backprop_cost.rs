//! Part 7: the cost of backpropagation.
//!
//! The network is fully connected, `N` layers of `K` units: an [`Mlp`] with
//! sizes `[K; N + 1]`, so `K` inputs, `N` weight matrices `W_l` of shape
//! `(K + 1) x K` (bias in row 0), tanh hidden units and a softmax output over
//! `K` classes. `X` is `(K + 1) x m` with a ones row 0, `Y` is `K x m` one-hot.
//!
//! **Backpropagation** is [`Mlp`]'s own [`Network::cost_and_gradient`], reused
//! here unchanged. One forward pass, one backward pass, and each layer's delta
//! `D_l = dC/dZ_l` is computed once and used for every weight of the layer and
//! for the layer below:
//!
//! ```text
//! forward   Z_l = W_l^T A_{l-1}                  (K + 1) K m per layer
//! backward  dC/dW_l = A_{l-1} D_l^T              (K + 1) K m per layer
//!           D_{l-1} = (W_l[1..] D_l) * g'(Z_{l-1})       K^2 m per layer
//! total     O(N K^2 m): a constant times the number of weights times m
//! ```
//!
//! **The naive method**, [`naive_gradient`], finds each weight's derivative on
//! its own by the chain rule: forward-mode differentiation, one weight at a
//! time. Nudging `W_l[i, j]` changes only unit `j` of layer `l`, by the input
//! that weight multiplies, and that change (the tangent) is carried up to the
//! cost:
//!
//! ```text
//! for every weight W_l[i, j]:
//!     dZ_l = e_j A_{l-1}[i, :]                    K x m, only row j non-zero
//!     for r = l + 1 .. N:
//!         dA_{r-1} = g'(Z_{r-1}) * dZ_{r-1}         (the ones row of A_{r-1}
//!         dZ_r     = W_r[1..]^T dA_{r-1}             has no tangent: K^2 m)
//!     dC/dW_l[i, j] = sum((P - Y) * dZ_N)
//! ```
//!
//! A weight in layer `l` pays `N - l` products of `K^2 m` with the layers above
//! it, and there are `(K + 1) K` weights per layer, so the total is about
//! `K^4 m N (N - 1) / 2`: `O(N^2 K^4 m)`.
//!
//! Why this naive method and not finite differences, which cost the same
//! order (a forward pass per weight)? Forward mode is exact: it adds up the
//! same products as backpropagation, only in another order, so the two
//! gradients agree to rounding (about `1e-15` relative in f64) and can be
//! compared for equality, where finite differences would differ by their
//! truncation error. And both methods get the forward activations `A_l` and
//! `g'(Z_l)` computed once, which is fair to the naive method: the whole
//! difference in cost is that backpropagation reuses its deltas and the
//! naive method re-derives the path from each weight to the cost.
//!
//! What the timing should show, as the slope of `log time` against
//! `log size` ([`loglog_slope`]):
//!
//! | sweep | backprop | naive |
//! | --- | --- | --- |
//! | `K` varies, `N` fixed | 2 | 4 |
//! | `N` varies, `K` fixed | 1 | 2 |
//!
//! Those are the exponents of the leading terms. At the sizes a page can
//! afford, lower-order terms (the forward pass, the `K m` sum per weight, the
//! last layer's weights with no layer above them) still bend the curves, so
//! [`multiply_adds`] counts the operations of both methods exactly and
//! [`sweep_slopes`] reports, for each sweep, the measured slope next to the
//! slope of that count on the same sizes and the asymptotic exponent.
//!
//! Expect the measured slopes below the counted ones, most of all along `K`.
//! Time is not proportional to multiply-adds at these sizes: a 4 x 4 product
//! runs at a fraction of the rate of a 32 x 32 one (fixed costs per call,
//! short vectors), so larger `K` gets faster per operation; and each `tanh`
//! and `exp` costs tens of multiply-adds, which makes backpropagation's
//! `O(N K m)` activations, not its `O(N K^2 m)` products, the larger part of
//! its time until `K` is in the hundreds. On one x86-64 machine, default
//! grid, batch 32: naive slope about 2.7 along `K` (counted 3.8) and 1.8
//! along `N` (counted 2.2); backprop about 1 along both. The ratio of the two
//! times still grows from about 10 to about 400 across the grid, which is
//! the point: the naive method pays for every weight what backpropagation
//! pays once.
//!
//! The clock is a parameter of [`time_methods`] because `std::time::Instant`
//! panics on `wasm32-unknown-unknown`: the command line passes `Instant`,
//! the page passes `performance.now()`, and the tests pass a fake clock.

use std::collections::BTreeMap;

use ndarray::{linalg::general_mat_mul, s, Array2, ArrayView2, Zip};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::network::softmax::{affine, cost_and_output_delta};
use crate::network::{Activation, Mlp, Network};
use crate::Real;

/// The batch size the command line and the page time with by default:
/// enough columns that a product is a real matrix product, few enough that
/// the naive method's largest case in [`default_grid`] stays near a tenth of
/// a second natively.
pub const DEFAULT_BATCH: usize = 32;

/// Each method is called again and again until this much time has passed,
/// and the time per call is reported: a single backpropagation on a small
/// network takes microseconds, below what a browser's clock resolves
/// (`performance.now()` is coarsened to 0.1 ms or more).
pub const MIN_TIMED_MS: f64 = 25.0;

/// The most calls of one method per size, whatever the clock says, so that a
/// clock that never advances cannot keep [`time_methods`] running forever.
pub const MAX_TIMED_CALLS: usize = 10_000;

/// What is wrong with the sizes given to [`time_methods`].
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum BackpropCostError {
    #[error("a network needs at least one layer of at least one unit; got {n_layers} layers of {n_units} units")]
    EmptyNetwork { n_layers: usize, n_units: usize },
    #[error("the batch must hold at least one example")]
    EmptyBatch,
    #[error(
        "{n_layers} layers of {n_units} units with batches of {batch} would not fit in memory: \
         at most {} weights, and {} inputs a batch",
        crate::network::size::MAX_WEIGHTS,
        crate::network::size::MAX_WEIGHTS
    )]
    TooLarge {
        n_layers: usize,
        n_units: usize,
        batch: usize,
    },
}

/// A fully connected network of `n_layers` weight layers of `n_units` units:
/// `n_units` inputs, tanh hidden units, a softmax over `n_units` classes.
///
/// # Panics
/// If `n_layers` or `n_units` is 0 ([`time_methods`] checks this and returns
/// an error instead).
pub fn deep_network<T: Real>(n_layers: usize, n_units: usize, rng: &mut impl Rng) -> Mlp<T> {
    assert!(
        n_layers > 0 && n_units > 0,
        "a network needs at least one layer of at least one unit"
    );
    Mlp::new(&vec![n_units; n_layers + 1], Activation::Tanh, rng)
}

/// A random batch `(X, Y)` of `batch` examples for [`deep_network`]: `X` is
/// `(n_units + 1) x batch` with a ones row 0 and the rest uniform in
/// `[-1, 1)`, the scale of a normalised image; `Y` is `n_units x batch`, each
/// column one-hot at a uniformly random class.
///
/// # Panics
/// If `n_units` is 0: there is no class to draw.
pub fn random_batch<T: Real>(
    n_units: usize,
    batch: usize,
    rng: &mut impl Rng,
) -> (Array2<T>, Array2<T>) {
    assert!(n_units > 0, "a batch needs at least one class");
    let mut x = Array2::from_shape_fn((n_units + 1, batch), |_| {
        T::from_f64(rng.random_range(-1.0..1.0)).unwrap_or_else(T::zero)
    });
    x.row_mut(0).fill(T::one());
    let mut y = Array2::zeros((n_units, batch));
    for column in 0..batch {
        y[[rng.random_range(0..n_units), column]] = T::one();
    }
    (x, y)
}

/// What the naive method keeps from its one forward pass.
struct ForwardPass<T> {
    /// `A_1 .. A_{L-1}`, each with its ones row on top (`A_0 = X` is borrowed).
    hidden: Vec<Array2<T>>,
    /// `g'(Z_1) .. g'(Z_{L-1})`, without a ones row: the ones have no tangent.
    slopes: Vec<Array2<T>>,
    /// `P - Y`, the derivative of the cost with respect to the logits.
    output_delta: Array2<T>,
}

impl<T: Real> ForwardPass<T> {
    fn new(net: &Mlp<T>, x: ArrayView2<T>, y: ArrayView2<T>) -> Self {
        let g = net.activation();
        let (last, hidden_layers) = net
            .weights()
            .split_last()
            .expect("an Mlp has at least one layer");
        let mut hidden: Vec<Array2<T>> = Vec::with_capacity(hidden_layers.len());
        let mut slopes = Vec::with_capacity(hidden_layers.len());
        for w in hidden_layers {
            let input = hidden.last().map_or(x, |a| a.view());
            let mut a = affine(w.view(), input);
            a.mapv_inplace(|z| g.apply(z));
            slopes.push(a.mapv(|a| g.derivative_from_output(a)));
            let mut with_ones = Array2::ones((a.nrows() + 1, a.ncols()));
            with_ones.slice_mut(s![1.., ..]).assign(&a);
            hidden.push(with_ones);
        }
        let logits = affine(last.view(), hidden.last().map_or(x, |a| a.view()));
        let (_, output_delta) = cost_and_output_delta(logits.view(), y);
        ForwardPass {
            hidden,
            slopes,
            output_delta,
        }
    }

    /// `A_{l-1}`, the input of layer `l` (counting from 0 here, so layer 0's
    /// input is `X`).
    fn input<'a>(&'a self, layer: usize, x: ArrayView2<'a, T>) -> ArrayView2<'a, T> {
        if layer == 0 {
            x
        } else {
            self.hidden[layer - 1].view()
        }
    }
}

/// The gradient of the cost `C = -sum(Y * log P)` with respect to every
/// weight, each weight's derivative computed on its own by forward-mode
/// differentiation (see the module documentation). Same result as
/// [`Network::cost_and_gradient`] up to rounding, at `O(N^2 K^4 m)` instead of
/// `O(N K^2 m)`.
///
/// Works for any [`Mlp`], not only the square ones of [`deep_network`].
///
/// # Panics
/// If `X` does not have one row more than the network has inputs, or `Y`
/// does not have one row per class and as many columns as `X`.
pub fn naive_gradient<T: Real>(net: &Mlp<T>, x: ArrayView2<T>, y: ArrayView2<T>) -> Vec<Array2<T>> {
    let forward = ForwardPass::new(net, x, y);
    let weights = net.weights();
    let top = weights.len() - 1;
    // One tangent dZ_r (units_r x m) per layer, overwritten for every weight:
    // allocating them afresh each time would add a cost that has nothing to
    // do with the reuse of deltas this module measures.
    let mut tangents: Vec<Array2<T>> = weights
        .iter()
        .map(|w| Array2::zeros((w.ncols(), x.ncols())))
        .collect();
    let mut gradient = Vec::with_capacity(weights.len());
    for (layer, w) in weights.iter().enumerate() {
        let input = forward.input(layer, x);
        let mut derivatives = Array2::zeros(w.raw_dim());
        for ((i, j), derivative) in derivatives.indexed_iter_mut() {
            // dZ_l = e_j A_{l-1}[i, :]. It is kept as a full K x m matrix, as
            // a forward pass with a perturbed weight would: what the method
            // lacks is backpropagation's deltas, not the sense to skip zeros.
            let seed = &mut tangents[layer];
            seed.fill(T::zero());
            seed.row_mut(j).assign(&input.row(i));
            for upper in layer + 1..=top {
                let (below, above) = tangents.split_at_mut(upper);
                let d_a = &mut below[upper - 1];
                // dA_{r-1} = g'(Z_{r-1}) * dZ_{r-1}, in place: this weight's
                // dZ_{r-1} is not needed again.
                Zip::from(&mut *d_a)
                    .and(&forward.slopes[upper - 1])
                    .for_each(|t, &slope| *t = *t * slope);
                // dZ_r = W_r[1..]^T dA_{r-1}; row 0 of W_r multiplies the
                // ones row, whose tangent is zero.
                let w_above = weights[upper].slice(s![1.., ..]);
                general_mat_mul(T::one(), &w_above.t(), &*d_a, T::zero(), &mut above[0]);
            }
            // dC/dW_l[i, j] = sum((P - Y) * dZ_N)
            *derivative = Zip::from(&tangents[top])
                .and(&forward.output_delta)
                .fold(T::zero(), |sum, &t, &d| sum + t * d);
        }
        gradient.push(derivatives);
    }
    gradient
}

/// How many multiply-adds each method does, counting the matrix products and
/// the naive method's final sums (the elementwise `g'` products, `K m` per
/// layer, are left out). For `n_layers` layers of `n_units` units and a
/// batch of `batch`, with `W = (K + 1) K` weights per layer:
///
/// ```text
/// backprop  N W m  (forward)  +  N W m  (A D^T)  +  (N - 1) K^2 m  (deltas)
/// naive     N W m  (forward)  +  W K^2 m N (N - 1) / 2  (propagation)
///                             +  N W K m  (sum((P - Y) * dZ_N) per weight)
/// ```
///
/// In f64 so that no size a person types can overflow it.
pub fn multiply_adds(n_layers: usize, n_units: usize, batch: usize) -> MultiplyAdds {
    let (n, k, m) = (n_layers as f64, n_units as f64, batch as f64);
    let per_layer = (k + 1.0) * k;
    let forward = n * per_layer * m;
    MultiplyAdds {
        backprop: 2.0 * forward + (n - 1.0).max(0.0) * k * k * m,
        naive: forward
            + per_layer * k * k * m * n * (n - 1.0).max(0.0) / 2.0
            + n * per_layer * k * m,
    }
}

/// The result of [`multiply_adds`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MultiplyAdds {
    pub backprop: f64,
    pub naive: f64,
}

/// One size's timing. Deserialize too: the page times one size at a time
/// and hands the rows back for [`sweep_slopes`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct TimingRow {
    /// `N`, the number of weight layers.
    pub n_layers: usize,
    /// `K`, the units per layer (and inputs, and classes).
    pub n_units: usize,
    /// `N (K + 1) K`.
    pub n_weights: usize,
    /// `m`, the examples per call.
    pub batch: usize,
    /// Milliseconds per call of [`Network::cost_and_gradient`].
    pub backprop_ms: f64,
    /// Milliseconds per call of [`naive_gradient`].
    pub naive_ms: f64,
    /// `max |naive - backprop|` over all weights: rounding only.
    pub max_abs_difference: f64,
    /// The operation counts of [`multiply_adds`].
    pub backprop_multiply_adds: f64,
    pub naive_multiply_adds: f64,
}

/// The sizes `(n_layers, n_units)` the command line and the page time by
/// default: `N` in {2, 4, 8, 16} at `K = 16`, and `K` in {4, 8, 16, 32} at
/// `N = 4`, the shared size `(4, 16)` once.
///
/// Not `N = 1`, and not the `K` sweep at `N = 2`: with one layer no weight
/// has a layer above it, so the naive method's leading term is zero there and
/// the `K m` sum per weight dominates; at `N = 2` half the weights are in that
/// position. Starting at 2 and sweeping `K` at 4 keeps the measured slopes
/// close to the exponents they illustrate. The largest naive case, `(16, 16)`,
/// is about 2.7e8 multiply-adds at [`DEFAULT_BATCH`].
pub fn default_grid() -> Vec<(usize, usize)> {
    vec![(2, 16), (4, 16), (8, 16), (16, 16), (4, 4), (4, 8), (4, 32)]
}

/// Times backpropagation against [`naive_gradient`] on a random
/// [`deep_network`] and [`random_batch`] of `batch` examples for each
/// `(n_layers, n_units)` in `sizes`, in f64.
///
/// `now_ms` is a clock in milliseconds (any origin). Each method is called
/// until [`MIN_TIMED_MS`] have passed (at most [`MAX_TIMED_CALLS`] times) and
/// the time per call is reported. The networks and batches come from one
/// random stream seeded with `seed`, so a seed gives the same networks every
/// time; only the times vary.
pub fn time_methods(
    sizes: &[(usize, usize)],
    batch: usize,
    seed: u64,
    mut now_ms: impl FnMut() -> f64,
) -> Result<Vec<TimingRow>, BackpropCostError> {
    // Check every size before timing any, so that a mistake in the last one
    // does not cost the time of all the others.
    if let Some(&(n_layers, n_units)) = sizes
        .iter()
        .find(|&&(n_layers, n_units)| n_layers == 0 || n_units == 0)
    {
        return Err(BackpropCostError::EmptyNetwork { n_layers, n_units });
    }
    if batch == 0 {
        return Err(BackpropCostError::EmptyBatch);
    }
    // Checked arithmetic: sizes come from the command line or the page.
    let limit = crate::network::size::MAX_WEIGHTS;
    let fits = |n_layers: usize, n_units: usize| {
        let per_layer = n_units.checked_add(1).and_then(|n| n.checked_mul(n_units));
        let weights = per_layer.and_then(|w| w.checked_mul(n_layers));
        let inputs = n_units.checked_add(1).and_then(|n| n.checked_mul(batch));
        weights.is_some_and(|w| w <= limit) && inputs.is_some_and(|i| i <= limit)
    };
    if let Some(&(n_layers, n_units)) = sizes.iter().find(|&&(n, k)| !fits(n, k)) {
        return Err(BackpropCostError::TooLarge {
            n_layers,
            n_units,
            batch,
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut rows = Vec::with_capacity(sizes.len());
    for &(n_layers, n_units) in sizes {
        let net = deep_network::<f64>(n_layers, n_units, &mut rng);
        let (x, y) = random_batch::<f64>(n_units, batch, &mut rng);
        let (backprop_ms, (_, backprop)) =
            ms_per_call(&mut now_ms, || net.cost_and_gradient(x.view(), y.view()));
        let (naive_ms, naive) =
            ms_per_call(&mut now_ms, || naive_gradient(&net, x.view(), y.view()));
        let counts = multiply_adds(n_layers, n_units, batch);
        rows.push(TimingRow {
            n_layers,
            n_units,
            n_weights: naive.iter().map(|w| w.len()).sum(),
            batch,
            backprop_ms,
            naive_ms,
            max_abs_difference: max_abs_difference(&backprop, &naive),
            backprop_multiply_adds: counts.backprop,
            naive_multiply_adds: counts.naive,
        });
    }
    Ok(rows)
}

/// [`time_methods`] `repeats` times over, keeping for each size and method
/// the fastest time per call. On a shared machine another process can only
/// add time to a measurement, never take it away, so the fastest of a few
/// is the least disturbed one. Everything but the times is the same in every
/// repeat (same seed, same networks).
pub fn time_methods_best_of(
    sizes: &[(usize, usize)],
    batch: usize,
    seed: u64,
    repeats: usize,
    mut now_ms: impl FnMut() -> f64,
) -> Result<Vec<TimingRow>, BackpropCostError> {
    let mut best = time_methods(sizes, batch, seed, &mut now_ms)?;
    for _ in 1..repeats {
        for (kept, row) in best
            .iter_mut()
            .zip(time_methods(sizes, batch, seed, &mut now_ms)?)
        {
            kept.backprop_ms = kept.backprop_ms.min(row.backprop_ms);
            kept.naive_ms = kept.naive_ms.min(row.naive_ms);
        }
    }
    Ok(best)
}

/// Calls `method` until [`MIN_TIMED_MS`] have passed on `now_ms` (or
/// [`MAX_TIMED_CALLS`] calls); returns the milliseconds per call and the last
/// result.
///
/// One untimed call comes first: the first call of a size pays for
/// allocating its buffers and bringing its weights into cache, and in a
/// browser the first call of all for compiling the WebAssembly functions
/// with the optimising tier, which would otherwise be counted against the
/// smallest size timed.
fn ms_per_call<R>(now_ms: &mut impl FnMut() -> f64, mut method: impl FnMut() -> R) -> (f64, R) {
    std::hint::black_box(method());
    let start = now_ms();
    let mut calls = 0;
    loop {
        // black_box: a result nobody reads must still be computed.
        let result = std::hint::black_box(method());
        calls += 1;
        let elapsed = now_ms() - start;
        if elapsed >= MIN_TIMED_MS || calls >= MAX_TIMED_CALLS {
            return (elapsed / calls as f64, result);
        }
    }
}

fn max_abs_difference(a: &[Array2<f64>], b: &[Array2<f64>]) -> f64 {
    a.iter()
        .zip(b)
        .flat_map(|(a, b)| a.iter().zip(b.iter()))
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

/// The least-squares slope of `ln t` against `ln s` for points `(s, t)`: the
/// exponent `p` if `t = c s^p`.
///
/// `None` if there are fewer than two points, any coordinate is not a
/// positive finite number (a time of 0 from a coarse clock has no
/// logarithm), or all sizes are equal.
///
/// ```
/// use gradlab::backprop_cost::loglog_slope;
/// let slope = loglog_slope(&[(2.0, 12.0), (4.0, 48.0), (8.0, 192.0)]).unwrap();
/// assert!((slope - 2.0).abs() < 1e-12); // t = 3 s^2
/// ```
pub fn loglog_slope(points: &[(f64, f64)]) -> Option<f64> {
    loglog_fit(points).map(|fit| fit.slope)
}

/// The least-squares line `ln t = ln c + p ln s` through points `(s, t)`, as
/// [`loglog_slope`] fits it, with its constant: what a log-log chart draws
/// as the fitted line. `None` in the same cases as [`loglog_slope`].
///
/// ```
/// use gradlab::backprop_cost::loglog_fit;
/// let fit = loglog_fit(&[(2.0, 12.0), (4.0, 48.0), (8.0, 192.0)]).unwrap();
/// assert!((fit.at(16.0) - 768.0).abs() < 1e-9); // t = 3 s^2
/// ```
pub fn loglog_fit(points: &[(f64, f64)]) -> Option<LogLogFit> {
    let usable = |v: f64| v.is_finite() && v > 0.0;
    if points.len() < 2 || !points.iter().all(|&(s, t)| usable(s) && usable(t)) {
        return None;
    }
    let logs: Vec<(f64, f64)> = points.iter().map(|&(s, t)| (s.ln(), t.ln())).collect();
    let n = logs.len() as f64;
    let mean_s = logs.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_t = logs.iter().map(|p| p.1).sum::<f64>() / n;
    let spread: f64 = logs.iter().map(|p| (p.0 - mean_s).powi(2)).sum();
    if spread == 0.0 {
        return None;
    }
    let covariance: f64 = logs.iter().map(|p| (p.0 - mean_s) * (p.1 - mean_t)).sum();
    let slope = covariance / spread;
    Some(LogLogFit {
        slope,
        coefficient: (mean_t - slope * mean_s).exp(),
    })
}

/// A power law `t = coefficient * s^slope`, the result of [`loglog_fit`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct LogLogFit {
    pub slope: f64,
    pub coefficient: f64,
}

impl LogLogFit {
    /// The fitted `t` at size `s`.
    pub fn at(&self, s: f64) -> f64 {
        self.coefficient * s.powf(self.slope)
    }
}

/// Which size a sweep varies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub enum Sweep {
    /// `K` varies, `N` fixed.
    Units,
    /// `N` varies, `K` fixed.
    Layers,
}

impl Sweep {
    /// The exponents of the leading terms, `(backprop, naive)`: `K^2` and
    /// `K^4` for [`Sweep::Units`], `N` and `N^2` for [`Sweep::Layers`].
    pub fn asymptotic_slopes(self) -> (f64, f64) {
        match self {
            Sweep::Units => (2.0, 4.0),
            Sweep::Layers => (1.0, 2.0),
        }
    }

    /// The size the sweep holds fixed in `row`.
    fn fixed(self, row: &TimingRow) -> usize {
        match self {
            Sweep::Units => row.n_layers,
            Sweep::Layers => row.n_units,
        }
    }

    /// The size the sweep varies in `row`.
    fn varying(self, row: &TimingRow) -> usize {
        match self {
            Sweep::Units => row.n_units,
            Sweep::Layers => row.n_layers,
        }
    }
}

/// One method's slope in one sweep.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct Slope {
    /// Of the measured times; `None` if a time was 0.
    pub measured: Option<f64>,
    /// Of [`multiply_adds`] on the same sizes: what the measured slope should
    /// be if time were proportional to arithmetic.
    pub counted: Option<f64>,
    /// The exponent of the leading term.
    pub asymptotic: f64,
}

/// The slopes of both methods along one sweep of the timed sizes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct SweepSlopes {
    pub sweep: Sweep,
    /// The size held fixed: `N` for [`Sweep::Units`], `K` for [`Sweep::Layers`].
    pub fixed: usize,
    pub n_points: usize,
    pub backprop: Slope,
    pub naive: Slope,
    /// The power laws fitted to the measured times, to draw beside them;
    /// `None` where a time was 0.
    pub backprop_fit: Option<LogLogFit>,
    pub naive_fit: Option<LogLogFit>,
}

/// Finds the sweeps in `rows` (rows sharing `N` with at least two different
/// `K`, and rows sharing `K` with at least two different `N`) and fits the
/// log-log slope of each method's time along each, `K` sweeps first, in
/// increasing order of the fixed size.
pub fn sweep_slopes(rows: &[TimingRow]) -> Vec<SweepSlopes> {
    let mut slopes = Vec::new();
    for sweep in [Sweep::Units, Sweep::Layers] {
        let mut groups: BTreeMap<usize, Vec<&TimingRow>> = BTreeMap::new();
        for row in rows {
            groups.entry(sweep.fixed(row)).or_default().push(row);
        }
        for (fixed, group) in groups {
            let first = sweep.varying(group[0]);
            if group.iter().all(|r| sweep.varying(r) == first) {
                continue;
            }
            let points = |value: fn(&TimingRow) -> f64| -> Vec<(f64, f64)> {
                group
                    .iter()
                    .map(|r| (sweep.varying(r) as f64, value(r)))
                    .collect()
            };
            let fit = |value: fn(&TimingRow) -> f64| loglog_slope(&points(value));
            let (backprop_theory, naive_theory) = sweep.asymptotic_slopes();
            slopes.push(SweepSlopes {
                sweep,
                fixed,
                n_points: group.len(),
                backprop: Slope {
                    measured: fit(|r| r.backprop_ms),
                    counted: fit(|r| r.backprop_multiply_adds),
                    asymptotic: backprop_theory,
                },
                naive: Slope {
                    measured: fit(|r| r.naive_ms),
                    counted: fit(|r| r.naive_multiply_adds),
                    asymptotic: naive_theory,
                },
                backprop_fit: loglog_fit(&points(|r| r.backprop_ms)),
                naive_fit: loglog_fit(&points(|r| r.naive_ms)),
            });
        }
    }
    slopes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::{finite_difference_gradient, relative_error, Difference};
    use wasm_bindgen_test::wasm_bindgen_test;

    /// A clock that says 0, 1, 2, ... ms on successive reads.
    fn ticking_clock() -> impl FnMut() -> f64 {
        let mut ms = -1.0;
        move || {
            ms += 1.0;
            ms
        }
    }

    fn largest_magnitude(gradient: &[Array2<f64>]) -> f64 {
        gradient
            .iter()
            .flat_map(|w| w.iter())
            .fold(0.0, |max, v| max.max(v.abs()))
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn naive_gradient_equals_backprop_up_to_rounding_at_several_depths_and_widths() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for (n_layers, n_units) in [(1, 3), (1, 6), (2, 4), (3, 5), (5, 3)] {
            let net = deep_network::<f64>(n_layers, n_units, &mut rng);
            let (x, y) = random_batch(n_units, 7, &mut rng);
            let (_, backprop) = net.cost_and_gradient(x.view(), y.view());
            let naive = naive_gradient(&net, x.view(), y.view());
            // The same sums of products in another order: each entry is a sum
            // of at most (K + 1)^N m terms of the size of the gradient, so the
            // rounding is a few hundred eps (2.2e-16) times that size at most.
            // A wrong formula is off by O(1) relative.
            let tolerance = 1e-12 * largest_magnitude(&backprop).max(1.0);
            assert_eq!(naive.len(), n_layers);
            assert!(
                max_abs_difference(&backprop, &naive) < tolerance,
                "N = {n_layers}, K = {n_units}: {}",
                max_abs_difference(&backprop, &naive)
            );
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn naive_gradient_handles_unequal_layers_and_relu_like_backprop() {
        // Not only the square networks of part 7: sizes 6 -> 5 -> 4 -> 3.
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for activation in [Activation::Tanh, Activation::Relu] {
            let net = Mlp::<f64>::new(&[6, 5, 4, 3], activation, &mut rng);
            let (mut x, _) = random_batch::<f64>(6, 9, &mut rng);
            x.row_mut(0).fill(1.0);
            let (_, y) = random_batch::<f64>(3, 9, &mut rng);
            let (_, backprop) = net.cost_and_gradient(x.view(), y.view());
            let naive = naive_gradient(&net, x.view(), y.view());
            // Same reasoning as for the square networks.
            assert!(
                max_abs_difference(&backprop, &naive)
                    < 1e-12 * largest_magnitude(&backprop).max(1.0)
            );
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn naive_gradient_and_backprop_both_match_central_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for (n_layers, n_units) in [(1, 4), (2, 3), (3, 4)] {
            let net = deep_network::<f64>(n_layers, n_units, &mut rng);
            let (x, y) = random_batch(n_units, 5, &mut rng);
            let numeric =
                finite_difference_gradient(&net, x.view(), y.view(), 1e-6, Difference::Central);
            let (_, backprop) = net.cost_and_gradient(x.view(), y.view());
            let naive = naive_gradient(&net, x.view(), y.view());
            // Central differences with h = 1e-6 in f64 are good to about
            // h^2 + eps / h ~ 1e-10 relative (see gradcheck); 1e-6 leaves room
            // and still catches any wrong formula.
            for (name, gradient) in [("backprop", &backprop), ("naive", &naive)] {
                let error = relative_error(gradient, &numeric);
                assert!(
                    error < 1e-6,
                    "{name}, N = {n_layers}, K = {n_units}: relative error {error}"
                );
            }
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn loglog_slope_recovers_the_exponent_of_a_power_law() {
        // t = 3 K^2 at K = 4, 8, 16, 32: slope 2 exactly, up to rounding of ln.
        let quadratic: Vec<(f64, f64)> = [4.0_f64, 8.0, 16.0, 32.0]
            .iter()
            .map(|&k| (k, 3.0 * k * k))
            .collect();
        assert!((loglog_slope(&quadratic).unwrap() - 2.0).abs() < 1e-12);
        // t = 0.5 / N: slope -1.
        let inverse: Vec<(f64, f64)> = [1.0_f64, 2.0, 5.0].iter().map(|&n| (n, 0.5 / n)).collect();
        assert!((loglog_slope(&inverse).unwrap() + 1.0).abs() < 1e-12);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn loglog_fit_recovers_the_constant_of_a_power_law_too() {
        // t = 0.25 K^4 at K = 2, 4, 8: slope 4 and constant 0.25.
        let points: Vec<(f64, f64)> = [2.0_f64, 4.0, 8.0]
            .iter()
            .map(|&k| (k, 0.25 * k.powi(4)))
            .collect();
        let fit = loglog_fit(&points).unwrap();
        assert!((fit.slope - 4.0).abs() < 1e-12);
        assert!((fit.coefficient - 0.25).abs() < 1e-12);
        assert!((fit.at(3.0) - 0.25 * 81.0).abs() < 1e-9);
        assert_eq!(loglog_fit(&[(2.0, 1.0)]), None);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn timing_rows_survive_a_round_trip_through_json() {
        // The page keeps the rows in JavaScript and hands them back.
        let rows = time_methods(&[(1, 3)], 2, 0, ticking_clock()).unwrap();
        let json = serde_json::to_string(&rows).unwrap();
        let back: Vec<TimingRow> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, rows);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn loglog_slope_refuses_what_has_no_slope() {
        assert_eq!(loglog_slope(&[(2.0, 1.0)]), None, "one point");
        assert_eq!(loglog_slope(&[(2.0, 1.0), (2.0, 3.0)]), None, "one size");
        assert_eq!(
            loglog_slope(&[(2.0, 1.0), (4.0, 0.0)]),
            None,
            "a time of 0 has no log"
        );
        assert_eq!(
            loglog_slope(&[(2.0, 1.0), (f64::NAN, 2.0)]),
            None,
            "not a number"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn time_methods_reports_weights_and_per_call_times_from_the_clock() {
        let sizes = [(1, 3), (2, 4), (3, 2)];
        let rows = time_methods(&sizes, 5, 7, ticking_clock()).unwrap();
        assert_eq!(rows.len(), 3);
        for (row, &(n_layers, n_units)) in rows.iter().zip(&sizes) {
            assert_eq!(
                (row.n_layers, row.n_units, row.batch),
                (n_layers, n_units, 5)
            );
            // N layers of a (K + 1) x K matrix: 1 * 4 * 3 = 12, 2 * 5 * 4 = 40,
            // 3 * 3 * 2 = 18.
            assert_eq!(row.n_weights, n_layers * (n_units + 1) * n_units);
            // The clock advances 1 ms per read and is read once before the
            // first call and once after each, so every call took 1 ms.
            assert_eq!(row.backprop_ms, 1.0);
            assert_eq!(row.naive_ms, 1.0);
            // Rounding only, as in the equality test above.
            assert!(row.max_abs_difference < 1e-12);
            assert_eq!(
                row.naive_multiply_adds,
                multiply_adds(n_layers, n_units, 5).naive
            );
        }
        assert_eq!(
            rows.iter().map(|r| r.n_weights).collect::<Vec<_>>(),
            [12, 40, 18]
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn best_of_keeps_the_fastest_time_of_each_method() {
        // A clock that advances 5 ms per read for its first four reads, all
        // in the first repeat's timing of backpropagation, and 1 ms per read
        // after that: the first repeat measures backpropagation at more than
        // 1 ms per call, every later measurement at exactly 1 ms per call
        // (one read after each call), and the fastest is kept.
        let mut reads = 0;
        let mut ms = 0.0;
        let clock = move || {
            reads += 1;
            ms += if reads <= 4 { 5.0 } else { 1.0 };
            ms
        };
        let rows = time_methods_best_of(&[(1, 2)], 3, 0, 3, clock).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].backprop_ms, rows[0].naive_ms), (1.0, 1.0));
        assert_eq!(rows[0].n_weights, 6, "N (K + 1) K = 1 * 3 * 2");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn time_methods_with_the_same_seed_builds_the_same_networks() {
        let a = time_methods(&[(2, 3)], 4, 9, ticking_clock()).unwrap();
        let b = time_methods(&[(2, 3)], 4, 9, ticking_clock()).unwrap();
        assert_eq!(a, b);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn time_methods_rejects_empty_networks_and_batches_before_timing_anything() {
        let mut reads = 0;
        let clock = || {
            reads += 1;
            reads as f64
        };
        assert_eq!(
            time_methods(&[(2, 4), (0, 4)], 5, 0, clock),
            Err(BackpropCostError::EmptyNetwork {
                n_layers: 0,
                n_units: 4
            })
        );
        assert_eq!(reads, 0);
        assert_eq!(
            time_methods(&[(2, 0)], 5, 0, ticking_clock()),
            Err(BackpropCostError::EmptyNetwork {
                n_layers: 2,
                n_units: 0
            })
        );
        assert_eq!(
            time_methods(&[(2, 4)], 0, 0, ticking_clock()),
            Err(BackpropCostError::EmptyBatch)
        );
        // Too large for memory, or beyond usize: refused, not allocated.
        for (n_layers, n_units, batch) in [(4, 100_000, 32), (usize::MAX, 2, 1), (1, 4, usize::MAX)]
        {
            assert_eq!(
                time_methods(&[(n_layers, n_units)], batch, 0, ticking_clock()),
                Err(BackpropCostError::TooLarge {
                    n_layers,
                    n_units,
                    batch
                })
            );
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn multiply_adds_of_the_smallest_network_match_a_count_by_hand() {
        // N = 1, K = 2, m = 1: W is 3 x 2. Backprop: Z = W^T X is 3 * 2 = 6
        // multiply-adds and X D^T another 6: 12. Naive: the same forward 6,
        // then for each of the 6 weights sum((P - Y) * dZ_1) over 2 x 1
        // entries: 6 + 12 = 18.
        assert_eq!(
            multiply_adds(1, 2, 1),
            MultiplyAdds {
                backprop: 12.0,
                naive: 18.0
            }
        );
        // N = 2, K = 1, m = 1: each W is 2 x 1. Backprop: forward 2 * 2, A D^T
        // 2 * 2, one delta 1 * 1: 9. Naive: forward 4; the 2 weights of layer
        // 1 propagate through one 1 x 1 product: 2; the 4 weights' final
        // sums over 1 x 1: 4. Total 10.
        assert_eq!(
            multiply_adds(2, 1, 1),
            MultiplyAdds {
                backprop: 9.0,
                naive: 10.0
            }
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn multiply_adds_grow_with_the_asymptotic_exponents_for_large_sizes() {
        // Far past the sizes timed, the leading terms dominate: doubling K
        // from 1000 at N = 4, or N from 1000 at K = 16, gives slopes within
        // 0.01 of the table in the module documentation.
        for (sweep, small, large) in [
            (
                Sweep::Units,
                multiply_adds(4, 1000, 10),
                multiply_adds(4, 2000, 10),
            ),
            (
                Sweep::Layers,
                multiply_adds(1000, 16, 10),
                multiply_adds(2000, 16, 10),
            ),
        ] {
            let (backprop_theory, naive_theory) = sweep.asymptotic_slopes();
            let backprop = loglog_slope(&[(1.0, small.backprop), (2.0, large.backprop)]).unwrap();
            let naive = loglog_slope(&[(1.0, small.naive), (2.0, large.naive)]).unwrap();
            assert!(
                (backprop - backprop_theory).abs() < 0.01,
                "{sweep:?} backprop {backprop}"
            );
            assert!(
                (naive - naive_theory).abs() < 0.01,
                "{sweep:?} naive {naive}"
            );
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn default_grid_has_no_repeats_and_one_sweep_of_each_kind() {
        let grid = default_grid();
        let mut sorted = grid.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), grid.len());
        // Rows with times equal to the counts: the measured and counted slopes
        // must then agree, and the sweeps are K at N = 4 and N at K = 16.
        let rows: Vec<TimingRow> = grid
            .iter()
            .map(|&(n_layers, n_units)| {
                let counts = multiply_adds(n_layers, n_units, DEFAULT_BATCH);
                TimingRow {
                    n_layers,
                    n_units,
                    n_weights: n_layers * (n_units + 1) * n_units,
                    batch: DEFAULT_BATCH,
                    backprop_ms: counts.backprop,
                    naive_ms: counts.naive,
                    max_abs_difference: 0.0,
                    backprop_multiply_adds: counts.backprop,
                    naive_multiply_adds: counts.naive,
                }
            })
            .collect();
        let slopes = sweep_slopes(&rows);
        let found: Vec<(Sweep, usize, usize)> = slopes
            .iter()
            .map(|s| (s.sweep, s.fixed, s.n_points))
            .collect();
        assert_eq!(found, [(Sweep::Units, 4, 4), (Sweep::Layers, 16, 4)]);
        for s in &slopes {
            assert_eq!(s.naive.measured, s.naive.counted);
            assert_eq!(s.backprop.measured, s.backprop.counted);
            // On these sizes the counts' slopes are already near the
            // exponents (the reason for the grid): within 0.4 of 4 and 2 for
            // the naive method, 0.2 of 2 and 1 for backprop.
            let naive = s.naive.counted.unwrap();
            let backprop = s.backprop.counted.unwrap();
            assert!(
                (naive - s.naive.asymptotic).abs() < 0.4,
                "{:?} naive {naive}",
                s.sweep
            );
            assert!(
                (backprop - s.backprop.asymptotic).abs() < 0.2,
                "{:?} backprop {backprop}",
                s.sweep
            );
        }
    }
}
