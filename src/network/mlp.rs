//! Fully connected networks with hidden layers: the one-hidden-layer network
//! of parts 4-5 and 8, and the N-layer networks of part 7. Backpropagation is
//! written out here, once, for any depth.
//!
//! ```text
//! forward, for l = 1..L (A_0 = X, whose row 0 is all ones):
//!     Z_l = W_l^T A_{l-1}                      (units_l x m)
//!     A_l = [1; g(Z_l)]   for hidden layers    (a ones row for the next bias)
//!     P   = softmax(Z_L)
//! backward:
//!     D_L = dC/dZ_L = P - Y
//!     dC/dW_l = A_{l-1} D_l^T
//!     D_{l-1} = (W_l[1..] D_l) * g'(Z_{l-1})   (row 0 of W_l is the bias:
//!                                               nothing flows back through it)
//! ```
//!
//! Each layer's delta `D_l` is computed once and reused for every weight of
//! that layer and for the layer below: that reuse is what makes
//! backpropagation cost about as much as a forward pass (part 7 measures it).

use ndarray::{s, Array2, ArrayView2, ArrayViewMut2, Zip};
use rand::Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use super::softmax::cost_and_output_delta_in_place;
use super::{sized, Network, Scratch};
use crate::{kernels, Real};

/// The non-linearity `g` of the hidden units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub enum Activation {
    /// `tanh`, as in the course's handout.
    #[default]
    Tanh,
    /// `max(0, z)`.
    Relu,
}

impl Activation {
    /// `g(z)`.
    pub fn apply<T: Real>(self, z: T) -> T {
        match self {
            Activation::Tanh => z.tanh(),
            Activation::Relu => z.max(T::zero()),
        }
    }

    /// `g'(z)` written in terms of the output `a = g(z)`, which the forward
    /// pass keeps: `1 - a^2` for tanh, `1 if a > 0` for ReLU.
    pub fn derivative_from_output<T: Real>(self, a: T) -> T {
        match self {
            Activation::Tanh => T::one() - a * a,
            Activation::Relu => {
                if a > T::zero() {
                    T::one()
                } else {
                    T::zero()
                }
            }
        }
    }

    /// `g` applied to every entry of `z`. For f32, tanh is
    /// [`crate::kernels::tanh`], a rational approximation within a few units
    /// in the last place that the compiler vectorises (libm's `tanhf` does not
    /// vectorise, and took a fifth of a training step).
    pub fn apply_in_place<T: Real>(self, mut z: ArrayViewMut2<T>) {
        match self {
            Activation::Tanh => z.mapv_inplace(T::fast_tanh),
            Activation::Relu => z.mapv_inplace(|v| v.max(T::zero())),
        }
    }

    /// The lower-case name used on the command line and in exported files.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
        }
    }
}

/// A fully connected network: inputs, one or more hidden layers with
/// activation `g`, and a softmax output layer.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp<T: Real> {
    weights: Vec<Array2<T>>,
    activation: Activation,
}

impl<T: Real> Mlp<T> {
    /// A network with the given layer sizes, from inputs (without the bias
    /// row) to classes: `[784, 300, 10]` is the one-hidden-layer network.
    ///
    /// Weights are drawn from a normal distribution with the variance that
    /// keeps activations from growing or shrinking layer after layer
    /// (Glorot's `2 / (fan_in + fan_out)` for tanh, He's `2 / fan_in` for
    /// ReLU); biases start at zero.
    ///
    /// # Panics
    /// If `sizes` has fewer than two entries: a network needs inputs and outputs.
    pub fn new(sizes: &[usize], activation: Activation, rng: &mut impl Rng) -> Self {
        assert!(
            sizes.len() >= 2,
            "a network needs at least an input and an output size"
        );
        let weights = sizes
            .windows(2)
            .map(|pair| {
                let (fan_in, fan_out) = (pair[0], pair[1]);
                let variance = match activation {
                    Activation::Tanh => 2.0 / (fan_in + fan_out) as f64,
                    Activation::Relu => 2.0 / fan_in.max(1) as f64,
                };
                let normal =
                    Normal::new(0.0, variance.sqrt()).expect("a variance from sizes is finite");
                let mut w = Array2::from_shape_fn((fan_in + 1, fan_out), |_| {
                    T::from_f64(normal.sample(rng)).unwrap_or_else(T::zero)
                });
                w.row_mut(0).fill(T::zero());
                w
            })
            .collect();
        Mlp {
            weights,
            activation,
        }
    }

    /// A network from given weights, each `(inputs + 1) x outputs` with its
    /// bias in row 0. Returns `None` if consecutive shapes do not chain
    /// (`W_{l+1}` must have one row more than `W_l` has columns) or if there
    /// are none.
    pub fn from_weights(weights: Vec<Array2<T>>, activation: Activation) -> Option<Self> {
        if weights.is_empty() {
            return None;
        }
        let chained = weights
            .windows(2)
            .all(|pair| pair[1].nrows() == pair[0].ncols() + 1);
        chained.then_some(Mlp {
            weights,
            activation,
        })
    }

    /// The hidden units' activation.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// The layer sizes, inputs (without the bias row) first.
    pub fn sizes(&self) -> Vec<usize> {
        std::iter::once(self.weights[0].nrows() - 1)
            .chain(self.weights.iter().map(|w| w.ncols()))
            .collect()
    }

    /// The forward pass into `scratch`: the hidden layers' activations,
    /// then the logits (in `scratch.output`).
    fn forward_into(&self, x: ArrayView2<T>, scratch: &mut Scratch<T>) {
        let (last, hidden_layers) = self.weights.split_last().expect("at least one layer");
        let m = x.ncols();
        scratch
            .hidden
            .resize_with(hidden_layers.len(), Default::default);
        for (l, w) in hidden_layers.iter().enumerate() {
            let (below, rest) = scratch.hidden.split_at_mut(l);
            let input = below.last().map_or(x, |a| a.view());
            // A_l = [1; g(W_l^T A_{l-1})]: the product is written straight
            // below the ones row, and g applied where it lies.
            let a = sized(&mut rest[0], w.ncols() + 1, m);
            a.row_mut(0).fill(T::one());
            let mut z = a.slice_mut(s![1.., ..]);
            kernels::matmul_into(T::zero(), &mut z, T::one(), w.t(), input);
            self.activation.apply_in_place(z);
        }
        let input = scratch.hidden.last().map_or(x, |a| a.view());
        let z = sized(&mut scratch.output, last.ncols(), m);
        kernels::matmul_into(T::zero(), &mut z.view_mut(), T::one(), last.t(), input);
    }
}

impl<T: Real> Network<T> for Mlp<T> {
    fn weights(&self) -> &[Array2<T>] {
        &self.weights
    }

    fn weights_mut(&mut self) -> &mut [Array2<T>] {
        &mut self.weights
    }

    fn logits(&self, x: ArrayView2<T>) -> Array2<T> {
        let mut scratch = Scratch::default();
        self.forward_into(x, &mut scratch);
        scratch.output
    }

    fn cost_and_gradient_into(
        &self,
        x: ArrayView2<T>,
        y: ArrayView2<T>,
        scale: T,
        scratch: &mut Scratch<T>,
        gradient: &mut [Array2<T>],
    ) -> T {
        self.forward_into(x, scratch);
        let Scratch {
            hidden,
            output,
            deltas,
        } = scratch;
        // D_L = P - Y, in place of the logits.
        let cost = cost_and_output_delta_in_place(output, y);
        deltas.resize_with(hidden.len(), Default::default);
        for layer in (0..self.weights.len()).rev() {
            let input = if layer == 0 {
                x
            } else {
                hidden[layer - 1].view()
            };
            let (lower, upper) = deltas.split_at_mut(layer);
            let delta: &Array2<T> = upper.first().unwrap_or(output);
            // dC/dW_l = A_{l-1} D_l^T
            kernels::matmul_into(
                T::zero(),
                &mut gradient[layer].view_mut(),
                scale,
                input,
                delta.t(),
            );
            if layer > 0 {
                // D_{l-1} = (W_l[1..] D_l) * g'(Z_{l-1}); g' from the stored A.
                let w = self.weights[layer].slice(s![1.., ..]);
                let below = sized(&mut lower[layer - 1], w.nrows(), delta.ncols());
                kernels::matmul_into(T::zero(), &mut below.view_mut(), T::one(), w, delta.view());
                Zip::from(below)
                    .and(input.slice(s![1.., ..]))
                    .for_each(|d, &a| *d = *d * self.activation.derivative_from_output(a));
            }
        }
        cost
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::{finite_difference_gradient, relative_error, Difference};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn random_batch(
        n: usize,
        k: usize,
        m: usize,
        rng: &mut ChaCha8Rng,
    ) -> (Array2<f64>, Array2<f64>) {
        let mut x = Array2::from_shape_fn((n + 1, m), |_| rng.random_range(-1.0..1.0));
        x.row_mut(0).fill(1.0);
        let mut y = Array2::zeros((k, m));
        for j in 0..m {
            y[[rng.random_range(0..k), j]] = 1.0;
        }
        (x, y)
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn backprop_matches_central_differences_for_tanh_and_relu_at_several_depths() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for activation in [Activation::Tanh, Activation::Relu] {
            for sizes in [vec![5, 4, 3], vec![6, 5, 4, 3], vec![4, 3, 3, 3, 2]] {
                let net = Mlp::<f64>::new(&sizes, activation, &mut rng);
                let (x, y) = random_batch(sizes[0], *sizes.last().unwrap(), 7, &mut rng);
                let (_, analytic) = net.cost_and_gradient(x.view(), y.view());
                let numeric =
                    finite_difference_gradient(&net, x.view(), y.view(), 1e-6, Difference::Central);
                let error = relative_error(&analytic, &numeric);
                // Central differences in f64 with h = 1e-6 are good to about
                // h^2 + eps / h = 1e-10 relative; a wrong formula is off by O(1).
                // ReLU's kink is only a problem if some z lies within h of 0.
                assert!(
                    error < 1e-6,
                    "{activation:?} {sizes:?}: relative error {error}"
                );
            }
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_single_layer_mlp_is_the_softmax_network() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mlp = Mlp::<f64>::new(&[4, 3], Activation::Tanh, &mut rng);
        let softmax = super::super::SoftmaxNet::from_weights(mlp.weights()[0].clone());
        let (x, y) = random_batch(4, 3, 5, &mut rng);
        let (cost_a, grad_a) = mlp.cost_and_gradient(x.view(), y.view());
        let (cost_b, grad_b) = softmax.cost_and_gradient(x.view(), y.view());
        assert_eq!(cost_a, cost_b);
        assert_eq!(grad_a, grad_b);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn from_weights_rejects_shapes_that_do_not_chain() {
        let w1 = Array2::<f32>::zeros((5, 3));
        assert!(
            Mlp::from_weights(vec![w1.clone(), Array2::zeros((4, 2))], Activation::Tanh).is_some()
        );
        assert!(Mlp::from_weights(vec![w1, Array2::zeros((3, 2))], Activation::Tanh).is_none());
        assert!(Mlp::<f32>::from_weights(vec![], Activation::Tanh).is_none());
    }
}
