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

    #[wasm_bindgen_test(unsupported = test)]
    fn figure5_vectorised_gradient_matches_the_column_by_column_sum() {
        // dC/dW = X (P - Y)^T is the sum over images j of x_j (p_j - y_j)^T;
        // computing that sum with explicit loops checks the matrix product's
        // orientation (a transposed product would give a 4 x 5 or wrong result).
        let (x, w, y) = figure5_case();
        let net = SoftmaxNet::from_weights(w);
        let p = net.probabilities(x.view());
        let mut by_hand = Array2::<f64>::zeros((5, 4));
        for j in 0..4 {
            for r in 0..5 {
                for c in 0..4 {
                    by_hand[[r, c]] += x[[r, j]] * (p[[c, j]] - y[[c, j]]);
                }
            }
        }
        let (_, gradient) = net.cost_and_gradient(x.view(), y.view());
        for (a, b) in gradient[0].iter().zip(by_hand.iter()) {
            assert!((a - b).abs() < 1e-14);
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
            &idx_bytes::images(12, 3, 3, &pixels),
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
