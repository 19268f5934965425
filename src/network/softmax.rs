//! Part 2: the network with no hidden layer, `P = softmax(W^T X)`, and the
//! pieces of part 3 that every network shares: the stable softmax, the
//! negative log-probability cost and its gradient.
//!
//! ```text
//! Z = W^T X                      k x m   (W is n x k, X is n x m)
//! P[i, j] = exp(Z[i, j]) / sum_c exp(Z[c, j])
//! C = -sum_ij Y[i, j] log P[i, j]
//! dC/dZ = P - Y
//! dC/dW = X (P - Y)^T           n x k
//! ```
//!
//! The softmax subtracts each column's maximum before exponentiating. That
//! changes nothing mathematically (the factor `exp(-max)` cancels) but keeps
//! every exponent at most 0, so a logit of 1000 no longer overflows to `inf`
//! and gives `inf / inf = NaN` as the project's own listing did. The cost is
//! computed from `log P = Z - max - log(sum exp(Z - max))` rather than from
//! `log(P)`, so that a probability that underflows to 0 still has a finite
//! log.

use ndarray::{Array2, ArrayView2, ShapeBuilder, Zip};
use rand::Rng;
use rand_distr::{Distribution, Normal};

use super::{Network, Scratch};
use crate::{kernels, Real};

/// `softmax(Z)` column by column, stable for logits of any finite size.
///
/// ```
/// use ndarray::array;
/// let p = gradlab::network::softmax::softmax_columns(array![[1000.0_f64], [0.0]].view());
/// assert_eq!(p, array![[1.0], [0.0]]);
/// ```
pub fn softmax_columns<T: Real>(z: ArrayView2<T>) -> Array2<T> {
    let mut p = log_softmax_columns(z);
    p.mapv_inplace(T::exp);
    p
}

/// `log softmax(Z)` column by column: `Z - max - log(sum exp(Z - max))`.
pub fn log_softmax_columns<T: Real>(z: ArrayView2<T>) -> Array2<T> {
    let mut out = z.to_owned();
    for mut column in out.columns_mut() {
        let max = column.fold(T::neg_infinity(), |m, &v| m.max(v));
        let log_sum = column.iter().map(|&v| (v - max).exp()).sum::<T>().ln();
        column.mapv_inplace(|v| v - max - log_sum);
    }
    out
}

/// The cost `C = -sum(Y * log softmax(Z))`, summed over all columns.
pub fn negative_log_likelihood<T: Real>(z: ArrayView2<T>, y: ArrayView2<T>) -> T {
    let log_p = log_softmax_columns(z);
    -Zip::from(&log_p)
        .and(&y)
        .fold(T::zero(), |acc, &lp, &target| acc + target * lp)
}

/// The cost and `dC/dZ = P - Y` of a softmax output layer, from its logits.
///
/// This is where every network's backward pass starts.
pub fn cost_and_output_delta<T: Real>(z: ArrayView2<T>, y: ArrayView2<T>) -> (T, Array2<T>) {
    let mut delta = z.to_owned();
    let cost = cost_and_output_delta_in_place(&mut delta, y);
    (cost, delta)
}

/// [`cost_and_output_delta`] overwriting the logits with the delta, column by
/// column. With `e = exp(z - max)` and `s = sum e`, `log p = z - max - log s`,
/// so the cost `-sum(y log p)` is `sum(y) log s - sum(y (z - max))`, and
/// `p - y = e / s - y`: one `exp` per logit (it was two, the second for
/// `exp(log p)`, nearly half of the softmax step's elementwise time).
///
/// The exponentials are [`Real::fast_exp`] (f32's without a library call).
pub fn cost_and_output_delta_in_place<T: Real>(z: &mut Array2<T>, y: ArrayView2<T>) -> T {
    let k = z.nrows().max(1);
    if let (Some(logits), Some(targets)) = (columns_mut(z), columns(&y)) {
        return logits
            .chunks_exact_mut(k)
            .zip(targets.chunks_exact(k))
            .fold(T::zero(), |cost, (z, y)| cost + column_cost_and_delta(z, y));
    }
    // Other layouts are made column-major first (the trainer's `z` and `y`
    // are already); `z` keeps its values, in the new memory order.
    *z = column_major(std::mem::take(z));
    let targets = column_major(y.to_owned());
    cost_and_output_delta_in_place(z, targets.view())
}

/// One image's cost, with its logits `z` overwritten by `p - y`. Plain
/// slices: through ndarray's column iterators these ten-element loops took
/// 9-10 % of the page's softmax step, 5.7 % on slices (profiles,
/// BENCHMARKS.md, issue 18), and the `exp` pass, in a loop of its own,
/// vectorises.
fn column_cost_and_delta<T: Real>(z: &mut [T], y: &[T]) -> T {
    let max = z.iter().fold(T::neg_infinity(), |m, &v| m.max(v));
    let (target_sum, target_logit) = z
        .iter()
        .zip(y)
        .fold((T::zero(), T::zero()), |(sum, logit), (&v, &target)| {
            (sum + target, logit + target * (v - max))
        });
    for v in z.iter_mut() {
        *v = (*v - max).fast_exp();
    }
    let sum = z.iter().fold(T::zero(), |sum, &e| sum + e);
    for (v, &target) in z.iter_mut().zip(y) {
        *v = *v / sum - target;
    }
    target_sum * sum.ln() - target_logit
}

/// `a`'s memory as one slice, column after column, if it is laid out so.
fn columns<'a, T>(a: &'a ArrayView2<'_, T>) -> Option<&'a [T]> {
    if a.t().is_standard_layout() {
        a.as_slice_memory_order()
    } else {
        None
    }
}

/// [`columns`] for a mutable array.
fn columns_mut<T>(a: &mut Array2<T>) -> Option<&mut [T]> {
    if a.t().is_standard_layout() {
        a.as_slice_memory_order_mut()
    } else {
        None
    }
}

/// `Z = W^T X`, stored column-major so that each column of `Z` (one image)
/// is contiguous in memory for the column-wise softmax that follows.
pub fn affine<T: Real>(w: ArrayView2<T>, x: ArrayView2<T>) -> Array2<T> {
    kernels::matmul(w.t(), x, true)
}

/// `w` stored by columns (Fortran order), without a copy when it already is:
/// each class's n weights are contiguous, which is what the forward
/// product's dot products (`kernels::thin`) read, and each image's logits
/// and targets, which the softmax's cost reads. Only the memory order
/// changes: `w[[i, c]]` and every view of `w` are the same.
fn column_major<T: Real>(w: Array2<T>) -> Array2<T> {
    if w.t().is_standard_layout() {
        return w;
    }
    let mut by_columns = Array2::zeros(w.raw_dim().f());
    by_columns.assign(&w);
    by_columns
}

/// The no-hidden-layer network `P = softmax(W^T X)` of part 2.
#[derive(Clone, Debug, PartialEq)]
pub struct SoftmaxNet<T: Real> {
    /// One matrix, n x k, bias in row 0; a slice so that it can be handed to
    /// optimisers like any other network's weights.
    weights: [Array2<T>; 1],
}

impl<T: Real> SoftmaxNet<T> {
    /// A network with the given weights `W` (n x k), kept by columns (see
    /// [`column_major`]).
    pub fn from_weights(w: Array2<T>) -> Self {
        SoftmaxNet {
            weights: [column_major(w)],
        }
    }

    /// A network for `n_inputs` pixels (plus the bias row) and `n_classes`
    /// outputs, with small random weights (normal, standard deviation 0.01)
    /// and zero biases.
    pub fn new(n_inputs: usize, n_classes: usize, rng: &mut impl Rng) -> Self {
        // Too small to saturate anything, large enough that the weight images
        // are not blank before the first step.
        let normal = Normal::new(0.0, 0.01).expect("0.01 is a valid standard deviation");
        let mut w = Array2::from_shape_fn((n_inputs + 1, n_classes), |_| {
            T::from_f64(normal.sample(rng)).unwrap_or_else(T::zero)
        });
        w.row_mut(0).fill(T::zero());
        SoftmaxNet::from_weights(w)
    }

    /// The weight matrix `W` (n x k).
    pub fn w(&self) -> &Array2<T> {
        &self.weights[0]
    }

    /// The number of inputs including the bias row (n).
    pub fn n_inputs(&self) -> usize {
        self.weights[0].nrows()
    }

    /// The number of classes (k).
    pub fn n_classes(&self) -> usize {
        self.weights[0].ncols()
    }

    /// The terms of logit `class` for one image, pixel by pixel:
    /// `W[1 + p, class] * x_p`. They add up, with the bias `W[0, class]`, to
    /// `z_class`, so they show which pixels raised that class's score and
    /// which lowered it. `None` if `class` or the number of pixels does not
    /// fit the network.
    pub fn pixel_contributions(&self, pixels: &[T], class: usize) -> Option<Vec<T>> {
        if class >= self.n_classes() || pixels.len() + 1 != self.n_inputs() {
            return None;
        }
        let weights = self.w().column(class);
        Some(
            pixels
                .iter()
                .zip(weights.iter().skip(1))
                .map(|(&x, &w)| w * x)
                .collect(),
        )
    }
}

impl<T: Real> Network<T> for SoftmaxNet<T> {
    fn weights(&self) -> &[Array2<T>] {
        &self.weights
    }

    fn weights_mut(&mut self) -> &mut [Array2<T>] {
        &mut self.weights
    }

    fn logits(&self, x: ArrayView2<T>) -> Array2<T> {
        affine(self.w().view(), x)
    }

    fn cost_and_gradient_into(
        &self,
        x: ArrayView2<T>,
        y: ArrayView2<T>,
        scale: T,
        scratch: &mut Scratch<T>,
        gradient: &mut [Array2<T>],
    ) -> T {
        // Z, then P - Y in its place, by columns (one image's k values together).
        let z = super::sized(&mut scratch.output, self.w().ncols(), x.ncols());
        kernels::thin_forward(self.w().view(), x, &mut z.view_mut());
        let cost = cost_and_output_delta_in_place(z, y);
        // dC/dW = X (P - Y)^T
        kernels::thin_gradient(scale, x, z.view(), &mut gradient[0].view_mut());
        cost
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn softmax_of_huge_logits_is_finite_and_sums_to_one() {
        // exp(1000) overflows f64 (max about 1.8e308 = exp(709.8)); the naive
        // softmax gives inf / inf = NaN here.
        let z = array![
            [1000.0_f64, -1000.0, 1e300],
            [999.0, -1001.0, 0.0],
            [0.0, -2000.0, -1e300]
        ];
        let p = softmax_columns(z.view());
        assert!(p.iter().all(|v| v.is_finite()));
        for column in p.columns() {
            assert!((column.sum() - 1.0).abs() < 1e-12);
        }
        // Column 0: softmax(1000, 999, 0) = softmax(1, 0, -1000): e/(e+1), 1/(e+1), ~0.
        let e = std::f64::consts::E;
        assert!((p[[0, 0]] - e / (e + 1.0)).abs() < 1e-15);
        assert!((p[[1, 0]] - 1.0 / (e + 1.0)).abs() < 1e-15);
        // Column 1 is column 0 shifted by -2000 in its first two entries.
        assert!((p[[0, 1]] - p[[0, 0]]).abs() < 1e-15);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn softmax_in_f32_survives_logits_that_overflow_f32_exp() {
        // exp(100) is about 2.7e43, past f32's maximum of 3.4e38.
        let z = array![[100.0_f32, 88.0], [99.0, 90.0]];
        let p = softmax_columns(z.view());
        assert!(p.iter().all(|v| v.is_finite()));
        assert!((p[[0, 0]] - 0.731_058_6).abs() < 1e-6, "1 / (1 + e^-1)");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn pixel_contributions_add_up_to_the_logit_less_the_bias() {
        // W (bias row first) for two pixels and two classes; pixels (1, 0.5):
        // class 1's terms are -1 * 1 and 4 * 0.5, and z_1 = 3 - 1 + 2 = 4.
        let net = SoftmaxNet::from_weights(array![[0.0_f64, 3.0], [2.0, -1.0], [1.0, 4.0]]);
        let terms = net.pixel_contributions(&[1.0, 0.5], 1).unwrap();
        assert_eq!(terms, vec![-1.0, 2.0]);
        let x = array![[1.0], [1.0], [0.5]];
        let z = net.logits(x.view());
        assert_eq!(net.w()[[0, 1]] + terms.iter().sum::<f64>(), z[[1, 0]]);
        assert!(
            net.pixel_contributions(&[1.0, 0.5], 2).is_none(),
            "no class 2"
        );
        assert!(
            net.pixel_contributions(&[1.0], 0).is_none(),
            "a pixel short"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn cost_stays_finite_when_the_true_class_probability_underflows() {
        // P of class 1 is exp(-2000), 0 in f64, so -log(P) computed from P
        // would be inf. From log-softmax it is 2000 exactly.
        let z = array![[2000.0_f64], [0.0]];
        let y = array![[0.0], [1.0]];
        assert_eq!(negative_log_likelihood(z.view(), y.view()), 2000.0);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn cost_of_a_tiny_case_matches_the_hand_computation() {
        // X = [[1, 1], [2, -1]] (bias row, one pixel; two images),
        // W = [[0, 0], [1, -1]] so Z = W^T X = [[2, -1], [-2, 1]].
        // Image 1 is class 0: C1 = -log(e^2 / (e^2 + e^-2)) = log(1 + e^-4).
        // Image 2 is class 1: C2 = -log(e^1 / (e^-1 + e^1)) = log(1 + e^-2).
        let x = array![[1.0_f64, 1.0], [2.0, -1.0]];
        let w = array![[0.0, 0.0], [1.0, -1.0]];
        let y = array![[1.0, 0.0], [0.0, 1.0]];
        let net = SoftmaxNet::from_weights(w);
        let expected = (1.0 + (-4.0_f64).exp()).ln() + (1.0 + (-2.0_f64).exp()).ln();
        assert!((net.cost(x.view(), y.view()) - expected).abs() < 1e-15);
        // And the gradient X (P - Y)^T by hand: P - Y for image 1 is
        // [s - 1, 1 - s] with s = sigma(4), for image 2 [1 - t, t - 1] with
        // t = sigma(2), where sigma(a) = 1 / (1 + e^-a).
        let s = 1.0 / (1.0 + (-4.0_f64).exp());
        let t = 1.0 / (1.0 + (-2.0_f64).exp());
        let (_, gradient) = net.cost_and_gradient(x.view(), y.view());
        let expected_gradient = array![
            [(s - 1.0) + (1.0 - t), (1.0 - s) + (t - 1.0)],
            [2.0 * (s - 1.0) - (1.0 - t), 2.0 * (1.0 - s) - (t - 1.0)]
        ];
        for (a, b) in gradient[0].iter().zip(expected_gradient.iter()) {
            assert!((a - b).abs() < 1e-15, "{a} vs {b}");
        }
    }
}
