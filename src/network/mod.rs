//! The networks of parts 2, 3 and 7, and what they have in common.
//!
//! Every network here maps inputs `X` (n x m, one column per image, first row
//! all ones) to class probabilities `P` (k x m), and every layer's weight
//! matrix keeps the project's convention: `W` is (inputs + 1) x outputs and its
//! row 0 multiplies the ones row, so it is the layer's bias. That way the
//! formulas in the code are the formulas on the page: `Z = W^T X`,
//! `dC/dW = X (P - Y)^T`.

pub mod mlp;
pub mod size;
pub mod softmax;

use ndarray::{Array2, ArrayView2, Axis, ShapeBuilder};

use crate::Real;

pub use mlp::{Activation, Mlp};
pub use softmax::SoftmaxNet;

/// A classifier whose cost and gradient the trainer, the gradient checks and
/// the page can use without knowing its architecture.
pub trait Network<T: Real> {
    /// The weight matrices, input side first; each has its bias in row 0.
    fn weights(&self) -> &[Array2<T>];

    /// Mutable access to the weights, for optimisers and finite differences.
    fn weights_mut(&mut self) -> &mut [Array2<T>];

    /// The logits `Z` (k x m) of the output layer for inputs `X` (n x m).
    fn logits(&self, x: ArrayView2<T>) -> Array2<T>;

    /// The cost `C = -sum(Y * log P)` summed over the m columns, and its
    /// gradient with respect to each weight matrix (same shapes as
    /// [`Network::weights`]), by backpropagation.
    fn cost_and_gradient(&self, x: ArrayView2<T>, y: ArrayView2<T>) -> (T, Vec<Array2<T>>) {
        let mut gradient: Vec<Array2<T>> = self
            .weights()
            .iter()
            .map(|w| w.mapv(|_| T::zero()))
            .collect();
        let cost =
            self.cost_and_gradient_into(x, y, T::one(), &mut Scratch::default(), &mut gradient);
        (cost, gradient)
    }

    /// [`Network::cost_and_gradient`] without allocating: the gradient times
    /// `scale` is written into `gradient` (the weights' shapes), the passes'
    /// intermediate matrices live in `scratch`, and the cost returned is the
    /// plain sum. The trainer keeps both between steps and passes `1 / m`, so
    /// that a step allocates nothing and the mean costs no extra pass.
    fn cost_and_gradient_into(
        &self,
        x: ArrayView2<T>,
        y: ArrayView2<T>,
        scale: T,
        scratch: &mut Scratch<T>,
        gradient: &mut [Array2<T>],
    ) -> T;

    /// Class probabilities `P = softmax(Z)`, column by column (k x m).
    fn probabilities(&self, x: ArrayView2<T>) -> Array2<T> {
        softmax::softmax_columns(self.logits(x).view())
    }

    /// The cost `C = -sum(Y * log P)` summed over the m columns.
    fn cost(&self, x: ArrayView2<T>, y: ArrayView2<T>) -> T {
        softmax::negative_log_likelihood(self.logits(x).view(), y)
    }
}

/// The matrices of one batch's forward and backward passes, kept between
/// steps: each is reallocated only when the batch size changes.
#[derive(Clone, Debug, Default)]
pub struct Scratch<T> {
    /// `A_1 .. A_{L-1}`, each with its ones row on top.
    hidden: Vec<Array2<T>>,
    /// The logits, then (in place) the output delta `P - Y`.
    output: Array2<T>,
    /// `D_1 .. D_{L-1}`, the hidden layers' deltas.
    deltas: Vec<Array2<T>>,
}

/// `buffer`, made `rows x cols` and column-major (one image per contiguous
/// column) if it is not already; its values are left to the caller.
fn sized<T: Real>(buffer: &mut Array2<T>, rows: usize, cols: usize) -> &mut Array2<T> {
    let column_major = buffer.t().is_standard_layout();
    if buffer.dim() != (rows, cols) || !column_major {
        *buffer = Array2::zeros((rows, cols).f());
    }
    buffer
}

/// The index of the largest entry of each column: the predicted class of
/// each image.
pub fn predicted_classes<T: Real>(scores: ArrayView2<T>) -> Vec<usize> {
    scores
        .axis_iter(Axis(1))
        .map(|column| {
            let mut best = 0;
            for (class, &value) in column.iter().enumerate() {
                if value > column[best] {
                    best = class;
                }
            }
            best
        })
        .collect()
}

/// Either of the two networks the page and the CLI let a person choose.
#[derive(Clone, Debug)]
pub enum Model<T: Real> {
    Softmax(SoftmaxNet<T>),
    Mlp(Mlp<T>),
}

impl<T: Real> Model<T> {
    fn inner(&self) -> &dyn Network<T> {
        match self {
            Model::Softmax(net) => net,
            Model::Mlp(net) => net,
        }
    }

    fn inner_mut(&mut self) -> &mut dyn Network<T> {
        match self {
            Model::Softmax(net) => net,
            Model::Mlp(net) => net,
        }
    }

    /// A short name for files and messages: `softmax` or `mlp`.
    pub fn kind(&self) -> &'static str {
        match self {
            Model::Softmax(_) => "softmax",
            Model::Mlp(_) => "mlp",
        }
    }
}

impl<T: Real> Network<T> for Model<T> {
    fn weights(&self) -> &[Array2<T>] {
        self.inner().weights()
    }
    fn weights_mut(&mut self) -> &mut [Array2<T>] {
        self.inner_mut().weights_mut()
    }
    fn logits(&self, x: ArrayView2<T>) -> Array2<T> {
        self.inner().logits(x)
    }
    fn cost_and_gradient(&self, x: ArrayView2<T>, y: ArrayView2<T>) -> (T, Vec<Array2<T>>) {
        self.inner().cost_and_gradient(x, y)
    }
    fn cost_and_gradient_into(
        &self,
        x: ArrayView2<T>,
        y: ArrayView2<T>,
        scale: T,
        scratch: &mut Scratch<T>,
        gradient: &mut [Array2<T>],
    ) -> T {
        self.inner()
            .cost_and_gradient_into(x, y, scale, scratch, gradient)
    }
}

/// Which of the two networks to build.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub enum ModelKind {
    /// `softmax(W^T X)`, no hidden layer.
    #[default]
    Softmax,
    /// One hidden layer.
    Mlp,
}

/// The architecture of a [`Model`]: what a person picks on the page or on the
/// command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct ModelSpec {
    pub kind: ModelKind,
    /// Hidden units of the one-hidden-layer network (ignored for softmax).
    pub hidden_units: usize,
    pub activation: Activation,
}

impl Default for ModelSpec {
    fn default() -> Self {
        ModelSpec {
            kind: ModelKind::Softmax,
            hidden_units: 300,
            activation: Activation::Tanh,
        }
    }
}

impl ModelSpec {
    /// A freshly initialised network for `n_inputs` pixels and `n_classes`
    /// classes, its random weights drawn from `rng`.
    pub fn build<T: Real>(
        &self,
        n_inputs: usize,
        n_classes: usize,
        rng: &mut impl rand::Rng,
    ) -> Model<T> {
        match self.kind {
            ModelKind::Softmax => Model::Softmax(SoftmaxNet::new(n_inputs, n_classes, rng)),
            ModelKind::Mlp => Model::Mlp(Mlp::new(
                &[n_inputs, self.hidden_units, n_classes],
                self.activation,
                rng,
            )),
        }
    }
}

/// The column `[1; pixels]` of `X` for one image, or `None` if the network
/// takes another number of pixels.
fn image_column<T: Real>(network: &dyn Network<T>, pixels: &[T]) -> Option<Array2<T>> {
    if network.weights()[0].nrows() != pixels.len() + 1 {
        return None;
    }
    Some(Array2::from_shape_fn((pixels.len() + 1, 1), |(i, _)| {
        if i == 0 {
            T::one()
        } else {
            pixels[i - 1]
        }
    }))
}

/// The class probabilities for one image given as its pixels (0..1, without
/// the bias entry): builds the column `[1; pixels]` and runs the network.
/// `None` if the number of pixels is not what the network takes.
pub fn classify_image<T: Real>(network: &dyn Network<T>, pixels: &[T]) -> Option<Vec<T>> {
    let x = image_column(network, pixels)?;
    Some(network.probabilities(x.view()).into_raw_vec_and_offset().0)
}

/// One image's forward pass, the two numbers per class that part 2 shows.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct ForwardPass<T> {
    /// The output layer's logits `z = W^T x` (for the softmax network; the
    /// last layer's for a deeper one).
    pub logits: Vec<T>,
    /// `softmax(z)`: `exp(z_c) / sum_j exp(z_j)`.
    pub probabilities: Vec<T>,
    /// The class with the largest logit (and so the largest probability).
    pub predicted: usize,
}

/// The logits, probabilities and predicted class of one image given as its
/// pixels (0..1, without the bias entry); `None` if the number of pixels is
/// not what the network takes.
///
/// ```
/// use ndarray::array;
/// use gradlab::network::{forward_pass, SoftmaxNet};
/// // One pixel, two classes: z = [0 + 2 * 1, 0 - 2 * 1] for the pixel 1.
/// let net = SoftmaxNet::from_weights(array![[0.0_f64, 0.0], [2.0, -2.0]]);
/// let pass = forward_pass(&net, &[1.0]).unwrap();
/// assert_eq!(pass.logits, vec![2.0, -2.0]);
/// assert_eq!(pass.predicted, 0);
/// ```
pub fn forward_pass<T: Real>(network: &dyn Network<T>, pixels: &[T]) -> Option<ForwardPass<T>> {
    let x = image_column(network, pixels)?;
    let logits = network.logits(x.view());
    let probabilities = softmax::softmax_columns(logits.view());
    let predicted = predicted_classes(logits.view())[0];
    Some(ForwardPass {
        logits: logits.into_raw_vec_and_offset().0,
        probabilities: probabilities.into_raw_vec_and_offset().0,
        predicted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn forward_pass_gives_the_logits_their_softmax_and_the_best_class() {
        // Two pixels, three classes. W (bias row first) gives, for pixels
        // (1, 0.5): z_0 = 0.5 + 1 - 0.5 = 1, z_1 = 0 + 2 + 0 = 2,
        // z_2 = -1 + 0 + 1 = 0.
        let w = array![[0.5_f64, 0.0, -1.0], [1.0, 2.0, 0.0], [-1.0, 0.0, 2.0]];
        let net = SoftmaxNet::from_weights(w);
        let pass = forward_pass(&net, &[1.0, 0.5]).unwrap();
        assert_eq!(pass.logits, vec![1.0, 2.0, 0.0]);
        // softmax(1, 2, 0) = (e, e^2, 1) / (1 + e + e^2).
        let e = std::f64::consts::E;
        let total = 1.0 + e + e * e;
        for (p, expected) in pass
            .probabilities
            .iter()
            .zip([e / total, e * e / total, 1.0 / total])
        {
            assert!((p - expected).abs() < 1e-15);
        }
        assert_eq!(pass.predicted, 1);
        assert_eq!(
            classify_image(&net, &[1.0, 0.5]).unwrap(),
            pass.probabilities
        );
        assert!(forward_pass(&net, &[1.0]).is_none(), "one pixel too few");
    }
}
