//! Parts 4 and 5: vanilla gradient descent and gradient descent with
//! momentum.
//!
//! ```text
//! gradient descent:  W <- W - lr * dC/dW
//! momentum:          v <- beta * v + lr * dC/dW
//!                    W <- W - v
//! ```
//!
//! With momentum the step is an exponentially weighted sum of past gradients:
//! along a long narrow valley the gradients across the valley alternate in
//! sign and cancel, while those along it add up, so progress along the valley
//! speeds up by up to `1 / (1 - beta)` (part 6 draws this).

use ndarray::{Array2, Zip};
use serde::{Deserialize, Serialize};

use crate::Real;

/// Which update rule, with its settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub enum OptimizerKind {
    /// Vanilla gradient descent.
    Gd,
    /// Momentum with coefficient `beta` in [0, 1).
    Momentum { beta: f64 },
}

/// An optimiser and its state (the velocity, for momentum).
#[derive(Clone, Debug)]
pub struct Optimizer<T: Real> {
    kind: OptimizerKind,
    learning_rate: T,
    /// One velocity per weight matrix, created at the first step.
    velocity: Vec<Array2<T>>,
}

impl<T: Real> Optimizer<T> {
    pub fn new(kind: OptimizerKind, learning_rate: T) -> Self {
        Optimizer {
            kind,
            learning_rate,
            velocity: Vec::new(),
        }
    }

    /// Applies one update to `weights` given `gradient` (same shapes).
    ///
    /// # Panics
    /// If `gradient` does not have the shapes of `weights`.
    pub fn step(&mut self, weights: &mut [Array2<T>], gradient: &[Array2<T>]) {
        let lr = self.learning_rate;
        match self.kind {
            OptimizerKind::Gd => {
                for (w, g) in weights.iter_mut().zip(gradient) {
                    w.scaled_add(-lr, g);
                }
            }
            OptimizerKind::Momentum { beta } => {
                let beta = T::from_f64(beta).expect("beta fits the float type");
                if self.velocity.is_empty() {
                    // In the weights' memory order (`mapv` keeps it), so
                    // that the update below runs over three contiguous
                    // slices alike.
                    self.velocity = weights.iter().map(|w| w.mapv(|_| T::zero())).collect();
                }
                for ((w, v), g) in weights.iter_mut().zip(&mut self.velocity).zip(gradient) {
                    Zip::from(w).and(v).and(g).for_each(|w, v, &g| {
                        *v = beta * *v + lr * g;
                        *w = *w - *v;
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn gradient_descent_moves_against_the_gradient() {
        let mut w = [array![[1.0_f64, 2.0]]];
        Optimizer::new(OptimizerKind::Gd, 0.5).step(&mut w, &[array![[2.0, -4.0]]]);
        assert_eq!(w[0], array![[0.0, 4.0]]);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn momentum_accumulates_a_constant_gradient() {
        // With a constant gradient g: v1 = lr g, v2 = beta lr g + lr g, so
        // after two steps W = W0 - lr g (2 + beta).
        let mut w = [array![[0.0_f64]]];
        let mut opt = Optimizer::new(OptimizerKind::Momentum { beta: 0.9 }, 0.1);
        for _ in 0..2 {
            opt.step(&mut w, &[array![[1.0]]]);
        }
        assert!((w[0][[0, 0]] - (-0.1 * 2.9)).abs() < 1e-15);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn momentum_with_beta_zero_is_gradient_descent() {
        let mut a = [array![[1.0_f64, -3.0], [0.5, 2.0]]];
        let mut b = a.clone();
        let mut gd = Optimizer::new(OptimizerKind::Gd, 0.3);
        let mut momentum = Optimizer::new(OptimizerKind::Momentum { beta: 0.0 }, 0.3);
        for g in [
            array![[1.0, 2.0], [3.0, 4.0]],
            array![[-1.0, 0.5], [0.0, 2.0]],
        ] {
            gd.step(&mut a, std::slice::from_ref(&g));
            momentum.step(&mut b, std::slice::from_ref(&g));
        }
        assert_eq!(a, b);
    }
}
