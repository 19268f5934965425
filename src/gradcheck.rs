//! Part 3: checking a gradient against finite differences.
//!
//! ```text
//! forward:  dC/dW_ij ~ (C(W + h e_ij) - C(W)) / h            error O(h)
//! central:  dC/dW_ij ~ (C(W + h e_ij) - C(W - h e_ij)) / 2h   error O(h^2)
//! ```
//!
//! Both also carry a round-off error of about `eps * |C| / h`, which grows as
//! `h` shrinks. The total error therefore falls with `h` until round-off takes
//! over: the V shape of the project's Figure 5, which [`figure5_table`]
//! reproduces.

use ndarray::{array, Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::mnist::{Dataset, N_CLASSES};
use crate::network::{Activation, Model, ModelKind, ModelSpec, Network, SoftmaxNet};
use crate::Real;

/// Which finite-difference formula to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Difference {
    /// `(C(W + h e_ij) - C(W)) / h`, as in the project.
    Forward,
    /// `(C(W + h e_ij) - C(W - h e_ij)) / 2h`.
    Central,
}

/// The finite-difference estimate of `dC/dW[layer][i, j]`.
///
/// The network is borrowed mutably to nudge one weight; the weight is put
/// back exactly before returning.
pub fn finite_difference_at<T: Real, N: Network<T> + ?Sized>(
    net: &mut N,
    x: ArrayView2<T>,
    y: ArrayView2<T>,
    h: T,
    difference: Difference,
    (layer, i, j): (usize, usize, usize),
) -> T {
    let original = net.weights()[layer][[i, j]];
    net.weights_mut()[layer][[i, j]] = original + h;
    let cost_plus = net.cost(x, y);
    let estimate = match difference {
        Difference::Forward => {
            net.weights_mut()[layer][[i, j]] = original;
            (cost_plus - net.cost(x, y)) / h
        }
        Difference::Central => {
            net.weights_mut()[layer][[i, j]] = original - h;
            let cost_minus = net.cost(x, y);
            net.weights_mut()[layer][[i, j]] = original;
            (cost_plus - cost_minus) / (h + h)
        }
    };
    estimate
}

/// The finite-difference estimate of every weight's derivative: one (forward)
/// or two (central) cost evaluations per weight.
pub fn finite_difference_gradient<T: Real, N: Network<T> + Clone>(
    net: &N,
    x: ArrayView2<T>,
    y: ArrayView2<T>,
    h: T,
    difference: Difference,
) -> Vec<Array2<T>> {
    let mut probe = net.clone();
    net.weights()
        .iter()
        .enumerate()
        .map(|(layer, w)| {
            let mut estimate = Array2::zeros(w.raw_dim());
            for ((i, j), slot) in estimate.indexed_iter_mut() {
                *slot = finite_difference_at(&mut probe, x, y, h, difference, (layer, i, j));
            }
            estimate
        })
        .collect()
}

/// `sum |A - B|` over every entry of every layer: the figure the project's
/// Figure 5 plots.
pub fn total_absolute_difference<T: Real>(a: &[Array2<T>], b: &[Array2<T>]) -> T {
    a.iter()
        .zip(b)
        .flat_map(|(a, b)| a.iter().zip(b.iter()))
        .map(|(&a, &b)| (a - b).abs())
        .sum()
}

/// `|A - B| / max(|A| + |B|, tiny)` in the Euclidean norm over all layers: a
/// scale-free error, about 1e-7 or less for a correct gradient in f64.
pub fn relative_error<T: Real>(a: &[Array2<T>], b: &[Array2<T>]) -> T {
    let norm = |arrays: &mut dyn Iterator<Item = T>| arrays.map(|v| v * v).sum::<T>().sqrt();
    let difference = norm(
        &mut a
            .iter()
            .zip(b)
            .flat_map(|(a, b)| a.iter().zip(b.iter()).map(|(&a, &b)| a - b)),
    );
    let size = norm(&mut a.iter().flat_map(|a| a.iter().copied()))
        + norm(&mut b.iter().flat_map(|b| b.iter().copied()));
    difference / size.max(T::min_positive_value())
}

/// The relative error between backpropagation and central differences on a
/// random sample of `n_samples` weights (all of them for small networks),
/// for checking large networks such as 785 x 300 x 10 in reasonable time.
pub fn sampled_relative_error<T: Real, N: Network<T> + Clone>(
    net: &N,
    x: ArrayView2<T>,
    y: ArrayView2<T>,
    h: T,
    n_samples: usize,
    rng: &mut impl Rng,
) -> SampledCheck<T> {
    let comparison = sampled_comparison(net, x, y, h, n_samples, rng);
    SampledCheck {
        n_weights: comparison.weights.len(),
        relative_error: comparison.relative_error,
    }
}

/// [`sampled_relative_error`] with every sampled weight's two derivatives,
/// for a page to show a few of them side by side.
pub fn sampled_comparison<T: Real, N: Network<T> + Clone>(
    net: &N,
    x: ArrayView2<T>,
    y: ArrayView2<T>,
    h: T,
    n_samples: usize,
    rng: &mut impl Rng,
) -> SampledComparison<T> {
    let (_, analytic) = net.cost_and_gradient(x, y);
    let mut probe = net.clone();
    let mut weights = Vec::with_capacity(n_samples);
    for _ in 0..n_samples {
        let layer = rng.random_range(0..analytic.len());
        let (rows, cols) = analytic[layer].dim();
        let (row, col) = (rng.random_range(0..rows), rng.random_range(0..cols));
        let finite =
            finite_difference_at(&mut probe, x, y, h, Difference::Central, (layer, row, col));
        weights.push(WeightComparison {
            layer,
            row,
            col,
            backprop: analytic[layer][[row, col]],
            finite,
        });
    }
    let as_matrix = |v: Vec<T>| vec![Array2::from_shape_vec((1, v.len()), v).expect("1 x len")];
    let relative = relative_error(
        &as_matrix(weights.iter().map(|w| w.backprop).collect()),
        &as_matrix(weights.iter().map(|w| w.finite).collect()),
    );
    SampledComparison {
        weights,
        relative_error: relative,
    }
}

/// The result of [`sampled_relative_error`].
#[derive(Clone, Copy, Debug, Serialize)]
pub struct SampledCheck<T> {
    pub n_weights: usize,
    pub relative_error: T,
}

/// One sampled weight `W_layer[row, col]` and its derivative both ways.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct WeightComparison<T> {
    pub layer: usize,
    pub row: usize,
    pub col: usize,
    /// From [`Network::cost_and_gradient`].
    pub backprop: T,
    /// Central difference.
    pub finite: T,
}

/// The result of [`sampled_comparison`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct SampledComparison<T> {
    pub weights: Vec<WeightComparison<T>>,
    /// Over all the sampled weights, as in [`relative_error`].
    pub relative_error: T,
}

/// One network's check in [`check_on_digits`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct DigitsCheck {
    /// `softmax` or `mlp`.
    pub network: &'static str,
    /// The network's layer sizes, inputs first (`[784, 10]`, `[784, 30, 10]`).
    pub sizes: Vec<usize>,
    /// Which training images the batch holds.
    pub images: Vec<usize>,
    pub h: f64,
    pub comparison: SampledComparison<f64>,
}

/// The gradient check on real digits, as `gradlab gradcheck --mnist` runs it:
/// both networks (softmax, and one tanh hidden layer of `hidden_units`),
/// freshly initialised, on `n_images` random images of `data`, with
/// `n_weights` sampled weights each, central differences with `h = 1e-6`, in
/// f64. `seed` picks the images, the networks and the weights.
///
/// # Panics
/// If `data` is empty.
pub fn check_on_digits(
    data: &Dataset,
    n_images: usize,
    n_weights: usize,
    hidden_units: usize,
    seed: u64,
) -> Vec<DigitsCheck> {
    assert!(!data.is_empty(), "no images to check the gradient on");
    const H: f64 = 1e-6;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let images =
        rand::seq::index::sample(&mut rng, data.len(), n_images.clamp(1, data.len())).into_vec();
    let (x, y) = (data.inputs::<f64>(&images), data.one_hot::<f64>(&images));
    let specs = [
        ModelSpec::default(),
        ModelSpec {
            kind: ModelKind::Mlp,
            hidden_units: hidden_units.max(1),
            activation: Activation::Tanh,
        },
    ];
    specs
        .iter()
        .map(|spec| {
            let net: Model<f64> = spec.build(data.n_pixels(), N_CLASSES, &mut rng);
            let sizes = match &net {
                Model::Softmax(_) => vec![data.n_pixels(), N_CLASSES],
                Model::Mlp(mlp) => mlp.sizes(),
            };
            let comparison = sampled_comparison(&net, x.view(), y.view(), H, n_weights, &mut rng);
            DigitsCheck {
                network: net.kind(),
                sizes,
                images: images.clone(),
                h: H,
                comparison,
            }
        })
        .collect()
}

/// The project's test case for its Figure 5: `X` is 5 x 4 with every row
/// `[1, 2, 3, 4]`, `W` is 5 x 4, `Y` the 4 x 4 identity. Returns `(X, W, Y)`.
pub fn figure5_case() -> (Array2<f64>, Array2<f64>, Array2<f64>) {
    let x = Array2::from_shape_fn((5, 4), |(_, j)| (j + 1) as f64);
    let w = array![
        [1.0, 0.0, 1.2, 3.0],
        [1.0, 2.0, 0.2, 1.2],
        [1.0, 8.0, 1.0, 4.0],
        [1.0, -2.0, 3.0, 1.0],
        [1.0, 0.0, 3.0, 1.0],
    ];
    let y = Array2::eye(4);
    (x, w, y)
}

/// One row of the Figure 5 table.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct Figure5Row {
    pub h: f64,
    /// `sum |G_vectorised - G_finite(h)|` over all 20 weights.
    pub total_error: f64,
}

/// The project's Figure 5: for h = 1, 0.1, ..., 1e-9, the total absolute
/// difference between the vectorised gradient `X (P - Y)^T` and the forward
/// differences, in f64.
pub fn figure5_table() -> Vec<Figure5Row> {
    let (x, w, y) = figure5_case();
    let net = SoftmaxNet::from_weights(w);
    let (_, vectorised) = net.cost_and_gradient(x.view(), y.view());
    (0..=9)
        .map(|decade| {
            let h = 10f64.powi(-decade);
            let finite =
                finite_difference_gradient(&net, x.view(), y.view(), h, Difference::Forward);
            Figure5Row {
                h,
                total_error: total_absolute_difference(&vectorised, &finite),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn figure5_error_falls_tenfold_per_decade_then_round_off_takes_over() {
        let rows = figure5_table();
        assert_eq!(rows.len(), 10);
        assert_eq!(rows[0].h, 1.0);
        assert_eq!(rows[9].h, 1e-9);
        // Truncation regime: forward differences are first order, so from
        // h = 1e-2 to 1e-5 each decade divides the error by about 10.
        for pair in rows[2..=5].windows(2) {
            let ratio = pair[0].total_error / pair[1].total_error;
            assert!(
                (7.0..14.0).contains(&ratio),
                "h = {}: ratio {ratio}",
                pair[1].h
            );
        }
        // The smallest error is at a middling h (near sqrt(eps) ~ 1e-8 scaled
        // by the cost's size), not at the smallest h: round-off has taken over.
        let best = rows
            .iter()
            .min_by(|a, b| a.total_error.total_cmp(&b.total_error))
            .unwrap();
        assert!(best.h < 1e-4 && best.h > 1e-9, "best h {}", best.h);
        assert!(rows[9].total_error > best.total_error);
    }

    // The Figure 5 case's cost C(W), probabilities P and vectorised gradient
    // G, as numpy computes them: numbers from
    // scripts/reference/figure5_reference.py, an independent float64
    // computation with numpy only (its own log-sum-exp softmax, its own cost
    // -sum(Y * log P), its own X (P - Y)^T; no gradlab code), printed by
    //
    //     python3 -m venv /tmp/ref && /tmp/ref/bin/pip install numpy
    //     /tmp/ref/bin/python scripts/reference/figure5_reference.py
    //
    // (numpy 2.4.6). Each literal is the repr of numpy's float64, so it reads
    // back as exactly numpy's value.
    const NUMPY_COST: f64 = 15.29374696883351;
    const NUMPY_P: [[f64; 4]; 4] = [
        [
            0.004304372902665834,
            2.9272375028693576e-05,
            1.6690185131475258e-07,
            9.253057268980904e-10,
        ],
        [
            0.0864556408676631,
            0.011809318940492705,
            0.0013524197088711483,
            0.00015059794058010825,
        ],
        [
            0.12897666029678378,
            0.02628212263968784,
            0.0044901915620655306,
            0.000745916482740406,
        ],
        [
            0.7802633259328873,
            0.9618792860447907,
            0.9941572218272121,
            0.9991034846513737,
        ],
    ];
    // Every row of numpy's 5 x 4 G is this one, because every row of X is
    // [1, 2, 3, 4].
    const NUMPY_G_ROW: [f64; 4] = [
        -0.9956365779405,
        -1.8852660703624176,
        -2.8020048538066824,
        5.6829075021096,
    ];

    #[wasm_bindgen_test(unsupported = test)]
    fn figure5_cost_probabilities_and_gradient_match_numpy() {
        // Numbers from scripts/reference/figure5_reference.py (see NUMPY_COST
        // for the command). Both sides evaluate the same formulas in f64 and
        // differ only in the order of operations. The logits are at most 41
        // in size, so each log-probability carries an absolute round-off of
        // a few eps * 41 ~ 1e-14, which is also the relative round-off of P
        // (even of its 9e-10 entry) and, since the cost is a sum of positive
        // terms, of C. The gradient's entries are O(1) sums of x (p - y) in
        // which nothing cancels below 1e-3. A relative tolerance of 1e-12
        // leaves a margin of about 100 over that (when this was written the
        // two agreed to the last bit), while a wrong softmax is off in the
        // first digits.
        let (x, w, y) = figure5_case();
        let net = SoftmaxNet::from_weights(w);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs();

        // The cost through backpropagation, and through Network::cost, the
        // path the finite differences take.
        let (cost, gradient) = net.cost_and_gradient(x.view(), y.view());
        assert!(close(cost, NUMPY_COST), "{cost} vs numpy {NUMPY_COST}");
        let cost = net.cost(x.view(), y.view());
        assert!(close(cost, NUMPY_COST), "{cost} vs numpy {NUMPY_COST}");

        let p = net.probabilities(x.view());
        assert_eq!(p.dim(), (4, 4));
        for ((r, c), &v) in p.indexed_iter() {
            assert!(
                close(v, NUMPY_P[r][c]),
                "P[{r}, {c}] = {v} vs numpy {}",
                NUMPY_P[r][c]
            );
        }

        assert_eq!(gradient.len(), 1);
        assert_eq!(gradient[0].dim(), (5, 4));
        for ((r, c), &v) in gradient[0].indexed_iter() {
            assert!(
                close(v, NUMPY_G_ROW[c]),
                "G[{r}, {c}] = {v} vs numpy {}",
                NUMPY_G_ROW[c]
            );
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn figure5_table_matches_numpy() {
        // Numbers from scripts/reference/figure5_reference.py (see NUMPY_COST
        // for the command): for each h, numpy's sum |G - G_forward(h)| over
        // the 20 weights.
        const NUMPY_TABLE: [(f64, f64); 10] = [
            (1.0, 2.698202291518699),
            (0.1, 0.20016635987683717),
            (0.01, 0.019912135073950066),
            (0.001, 0.001990621644408219),
            (0.0001, 0.00019905638026618266),
            (1e-05, 1.990372311189148e-05),
            (1e-06, 1.9930723721417465e-06),
            (1e-07, 3.245036340748797e-07),
            (1e-08, 2.50552614911026e-06),
            (1e-09, 2.7471310612980915e-05),
        ];
        // Each forward difference subtracts two costs of about 15.3. Each cost
        // carries a round-off of about eps * C that depends on the order of
        // operations, so gradlab's and numpy's difference quotients for one
        // weight may differ by up to about 4 eps C / h (two costs, two
        // implementations) for reasons that have nothing to do with
        // correctness, and the sums over the 20 weights by ROUND_OFF / h =
        // 2.7e-13 / h. That is what a row may differ by, plus 1e-12 relative
        // for the rest of the arithmetic.
        //
        // Relative to the row (about 2h while truncation dominates) that
        // allowance grows as 1 / h^2: 1e-13 at h = 1, 1.4e-11 at 0.1,
        // 1.4e-9 at 1e-2, 1.4e-7 at 1e-3, 1.4e-5 at 1e-4, 1.4e-3 at 1e-5 and
        // 14 % at 1e-6. So the rows h = 1 .. 1e-5 are pinned to numpy's
        // value to between 13 and 3 digits, and h = 1e-6 to within 14 %,
        // which still tells a correct table from a wrong one. When this was
        // written the two differed by about 1.8e-14 / h in each of those
        // rows (ten ulps of C over the 20 weights): exactly equal at h = 1,
        // 9e-13 relative at 0.1, 9e-11 at 1e-2, 8e-9 at 1e-3, 9e-7 at 1e-4,
        // 4e-5 at 1e-5 and 0.4 % at 1e-6.
        //
        // At h = 1e-7, 1e-8 and 1e-9 the allowance exceeds the row itself:
        // those rows are round-off, not truncation, and their exact values
        // are an accident of the order of operations. They are only banded,
        // within a factor of BAND of numpy's, which checks their order of
        // magnitude (and so that round-off has taken over), not their
        // digits. The band rests on the script's last section, which
        // recomputes the table with the cost's sums taken in 300 random
        // orders: at those three h the values ranged from 0.46 to 2.8 times
        // numpy's. Gradlab's are 0.53, 0.86 and 1.08 times numpy's. A future
        // change in the order of operations may move these rows within the
        // band; a row outside it is more likely a real change.
        const ROUND_OFF: f64 = 20.0 * 4.0 * f64::EPSILON * NUMPY_COST;
        const BAND: f64 = 3.0;
        let rows = figure5_table();
        assert_eq!(rows.len(), NUMPY_TABLE.len());
        for (row, &(h, numpy)) in rows.iter().zip(&NUMPY_TABLE) {
            assert_eq!(row.h, h);
            let error = row.total_error;
            if h >= 1e-6 {
                let tolerance = 1e-12 * numpy + ROUND_OFF / h;
                assert!(
                    (error - numpy).abs() <= tolerance,
                    "h = {h:e}: {error:e} vs numpy {numpy:e} (tolerance {tolerance:e})"
                );
            } else {
                assert!(
                    error >= numpy / BAND && error <= numpy * BAND,
                    "h = {h:e}: {error:e} vs numpy {numpy:e} (band: a factor of {BAND})"
                );
            }
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn figure5_vectorised_gradient_matches_loops_with_their_own_softmax() {
        // dC/dW = X (P - Y)^T is the sum over images j of x_j (p_j - y_j)^T.
        // Computing that sum with explicit loops checks the matrix product's
        // orientation (a transposed product would give a 4 x 5 or wrong
        // result). P is computed here too, by the textbook formula
        // exp(z - max) / sum exp(z - max) on z = W^T x written as loops, and
        // not with the crate's softmax, so that a wrong softmax cannot pass
        // by being compared with itself. Both sides are f64 sums of the same
        // terms of size at most 6 in different orders, so they may differ by
        // a few ulps (1e-15 each at that size); 1e-14 allows for that. When
        // this was written they agreed to the last bit.
        let (x, w, y) = figure5_case();
        let (n, k, m) = (x.nrows(), w.ncols(), x.ncols());
        let mut p = Array2::<f64>::zeros((k, m));
        for j in 0..m {
            let z: Vec<f64> = (0..k)
                .map(|c| (0..n).map(|r| w[[r, c]] * x[[r, j]]).sum())
                .collect();
            let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let total: f64 = z.iter().map(|&v| (v - max).exp()).sum();
            for c in 0..k {
                p[[c, j]] = (z[c] - max).exp() / total;
            }
        }
        let mut by_hand = Array2::<f64>::zeros((n, k));
        for j in 0..m {
            for r in 0..n {
                for c in 0..k {
                    by_hand[[r, c]] += x[[r, j]] * (p[[c, j]] - y[[c, j]]);
                }
            }
        }
        let net = SoftmaxNet::from_weights(w);
        let (_, gradient) = net.cost_and_gradient(x.view(), y.view());
        assert_eq!(gradient[0].dim(), (n, k));
        for (a, b) in gradient[0].iter().zip(by_hand.iter()) {
            assert!((a - b).abs() < 1e-14, "{a} vs {b}");
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_wrong_gradient_is_caught() {
        // The check must be able to fail: a gradient off by a factor of 1.01
        // in one weight gives a relative error far above 1e-6.
        let (x, w, y) = figure5_case();
        let net = SoftmaxNet::from_weights(w);
        let (_, mut gradient) = net.cost_and_gradient(x.view(), y.view());
        gradient[0][[2, 1]] *= 1.01;
        let numeric =
            finite_difference_gradient(&net, x.view(), y.view(), 1e-6, Difference::Central);
        assert!(relative_error(&gradient, &numeric) > 1e-4);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_check_on_digits_agrees_for_both_networks() {
        use crate::mnist::idx_bytes;
        // Twelve 3x3 "images" with labels 0..9 and two more; pixels vary so
        // that every input weight has a non-zero derivative.
        let labels: Vec<u8> = (0..12).map(|i| (i % 10) as u8).collect();
        let pixels: Vec<u8> = (0..12 * 9).map(|i| ((i * 37) % 256) as u8).collect();
        let data = Dataset::from_idx_bytes(
            "i",
            idx_bytes::images(12, 3, 3, &pixels),
            "l",
            &idx_bytes::labels(&labels),
        )
        .unwrap();
        let checks = check_on_digits(&data, 5, 30, 4, 7);
        let names: Vec<&str> = checks.iter().map(|c| c.network).collect();
        assert_eq!(names, ["softmax", "mlp"]);
        assert_eq!(checks[0].sizes, vec![9, 10]);
        assert_eq!(checks[1].sizes, vec![9, 4, 10]);
        for check in &checks {
            assert_eq!(check.images.len(), 5);
            assert_eq!(check.comparison.weights.len(), 30);
            // Central differences with h = 1e-6 in f64: about 1e-10 relative
            // (see sampled_check_on_a_random_softmax_network_is_tiny).
            assert!(
                check.comparison.relative_error < 1e-6,
                "{}: {}",
                check.network,
                check.comparison.relative_error
            );
            for w in &check.comparison.weights {
                // Per weight: relative 1e-6, plus round-off eps * C / h ~ 1e-8
                // for a derivative near 0.
                assert!((w.backprop - w.finite).abs() < 1e-6 * w.backprop.abs() + 1e-8);
            }
        }
        // The same seed samples the same images and weights.
        let again = check_on_digits(&data, 5, 30, 4, 7);
        assert_eq!(again[1].comparison.weights, checks[1].comparison.weights);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn sampled_check_on_a_random_softmax_network_is_tiny() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let net = SoftmaxNet::<f64>::new(20, 5, &mut rng);
        let x = Array2::from_shape_fn((21, 8), |(i, _)| {
            if i == 0 {
                1.0
            } else {
                rng.random_range(0.0..1.0)
            }
        });
        let y = Array2::from_shape_fn((5, 8), |(i, j)| if i == j % 5 { 1.0 } else { 0.0 });
        let check = sampled_relative_error(&net, x.view(), y.view(), 1e-6, 50, &mut rng);
        assert_eq!(check.n_weights, 50);
        assert!(check.relative_error < 1e-6, "{}", check.relative_error);
    }
}
