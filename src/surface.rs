//! Part 6: the cost as a function of two weights, all others fixed at their
//! trained values, and the paths gradient descent and momentum take over it.
//!
//! Changing only `W[r1, c1]` and `W[r2, c2]` changes only rows `c1` and `c2`
//! of the logits `Z = W^T X`:
//!
//! ```text
//! Z(w1, w2) = Z0 + (w1 - w1_0) e_c1 X[r1, :] + (w2 - w2_0) e_c2 X[r2, :]
//! dC/dw1    = sum_j X[r1, j] (P - Y)[c1, j]
//! ```
//!
//! So [`TwoWeightSlice`] computes `Z0` once, and each point of the grid or of
//! a path costs `O(k m)` instead of a full forward pass's `O(n k m)`: exact,
//! and fast enough to redraw the surface as a person clicks.
//!
//! The cost and gradient here are means over the images, as in training.

use ndarray::{Array1, Array2, ArrayView2};
use serde::Serialize;

use crate::network::softmax::{cost_and_output_delta, negative_log_likelihood};
use crate::network::{Network, SoftmaxNet};
use crate::optim::{Optimizer, OptimizerKind};
use crate::Real;

/// A weight of the softmax network: row `row` of `W` (0 is the bias, `1 + p`
/// is pixel `p`) and column `col` (the class).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct WeightIndex {
    pub row: usize,
    pub col: usize,
}

impl WeightIndex {
    /// The weight from pixel (`y`, `x`) of a `width`-wide image to `class`.
    pub fn pixel(y: usize, x: usize, width: usize, class: usize) -> Self {
        WeightIndex {
            row: 1 + y * width + x,
            col: class,
        }
    }
}

/// Why a slice or a grid could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SurfaceError {
    #[error("weight ({row}, {col}) is outside W, which is {rows} x {cols}")]
    OutOfRange {
        row: usize,
        col: usize,
        rows: usize,
        cols: usize,
    },
    #[error("w1 and w2 are the same weight ({row}, {col}); pick two different ones")]
    SameWeight { row: usize, col: usize },
    #[error("no images to compute the cost on")]
    NoImages,
    #[error("X has {x_rows} rows but W has {w_rows}")]
    InputSize { x_rows: usize, w_rows: usize },
    #[error("a grid needs at least 2 points a side, got {0}")]
    Resolution(usize),
}

/// The cost over two chosen weights of a trained softmax network.
#[derive(Clone, Debug)]
pub struct TwoWeightSlice<T: Real> {
    indices: [WeightIndex; 2],
    trained: [T; 2],
    /// `Z0 = W^T X` at the trained weights, k x m.
    logits: Array2<T>,
    /// `X[r1, :]` and `X[r2, :]`.
    input_rows: [Array1<T>; 2],
    y: Array2<T>,
}

impl<T: Real> TwoWeightSlice<T> {
    /// Fixes every weight of `net` but `w1` and `w2`, on images `X`, `Y`.
    pub fn new(
        net: &SoftmaxNet<T>,
        x: ArrayView2<T>,
        y: ArrayView2<T>,
        w1: WeightIndex,
        w2: WeightIndex,
    ) -> Result<Self, SurfaceError> {
        let (rows, cols) = net.w().dim();
        for w in [w1, w2] {
            if w.row >= rows || w.col >= cols {
                return Err(SurfaceError::OutOfRange {
                    row: w.row,
                    col: w.col,
                    rows,
                    cols,
                });
            }
        }
        if w1 == w2 {
            return Err(SurfaceError::SameWeight {
                row: w1.row,
                col: w1.col,
            });
        }
        if x.ncols() == 0 {
            return Err(SurfaceError::NoImages);
        }
        if x.nrows() != rows {
            return Err(SurfaceError::InputSize {
                x_rows: x.nrows(),
                w_rows: rows,
            });
        }
        Ok(TwoWeightSlice {
            indices: [w1, w2],
            trained: [net.w()[[w1.row, w1.col]], net.w()[[w2.row, w2.col]]],
            logits: net.logits(x),
            input_rows: [x.row(w1.row).to_owned(), x.row(w2.row).to_owned()],
            y: y.to_owned(),
        })
    }

    /// The two weights' trained values.
    pub fn trained(&self) -> [T; 2] {
        self.trained
    }

    pub fn indices(&self) -> [WeightIndex; 2] {
        self.indices
    }

    fn logits_at(&self, w: [T; 2]) -> Array2<T> {
        let mut z = self.logits.clone();
        // k indexes four parallel pairs; a zip of four would read worse.
        #[allow(clippy::needless_range_loop)]
        for k in 0..2 {
            let shift = w[k] - self.trained[k];
            z.row_mut(self.indices[k].col)
                .scaled_add(shift, &self.input_rows[k]);
        }
        z
    }

    fn m(&self) -> T {
        T::from_usize(self.y.ncols()).expect("an image count fits a float")
    }

    /// The mean cost with the two weights set to `w`.
    pub fn cost(&self, w: [T; 2]) -> T {
        negative_log_likelihood(self.logits_at(w).view(), self.y.view()) / self.m()
    }

    /// The mean cost and its gradient with respect to the two weights.
    pub fn cost_and_gradient(&self, w: [T; 2]) -> (T, [T; 2]) {
        let (cost, p_minus_y) = cost_and_output_delta(self.logits_at(w).view(), self.y.view());
        let m = self.m();
        let gradient =
            [0, 1].map(|k| self.input_rows[k].dot(&p_minus_y.row(self.indices[k].col)) / m);
        (cost / m, gradient)
    }
}

/// The cost on a grid of `(w1, w2)` values, for contours.
#[derive(Clone, Debug, Serialize)]
pub struct CostGrid<T> {
    pub w1_values: Vec<T>,
    pub w2_values: Vec<T>,
    /// Row-major: `costs[i * w1_values.len() + j]` is the cost at
    /// `(w1_values[j], w2_values[i])`, the layout contour libraries take.
    pub costs: Vec<T>,
}

fn linspace<T: Real>(range: (T, T), n: usize) -> Vec<T> {
    let step = (range.1 - range.0) / T::from_usize(n - 1).expect("small count");
    (0..n)
        .map(|i| range.0 + step * T::from_usize(i).expect("small count"))
        .collect()
}

/// The cost of `slice` at `resolution x resolution` points spanning the two
/// ranges.
pub fn cost_grid<T: Real>(
    slice: &TwoWeightSlice<T>,
    w1_range: (T, T),
    w2_range: (T, T),
    resolution: usize,
) -> Result<CostGrid<T>, SurfaceError> {
    if resolution < 2 {
        return Err(SurfaceError::Resolution(resolution));
    }
    let w1_values = linspace(w1_range, resolution);
    let w2_values = linspace(w2_range, resolution);
    let costs = w2_values
        .iter()
        .flat_map(|&w2| w1_values.iter().map(move |&w1| slice.cost([w1, w2])))
        .collect();
    Ok(CostGrid {
        w1_values,
        w2_values,
        costs,
    })
}

/// The path an optimiser takes over the two weights.
#[derive(Clone, Debug, Serialize)]
pub struct Trajectory<T> {
    /// `(w1, w2)` from the start point on, one per step.
    pub points: Vec<[T; 2]>,
    /// The mean cost at each point.
    pub costs: Vec<T>,
    /// True if the cost stopped being finite: the path ends there.
    pub diverged: bool,
}

/// Runs `steps` steps of `optimizer` from `start`, moving only the two
/// weights, with the same update rule as training ([`Optimizer`]).
pub fn trajectory<T: Real>(
    slice: &TwoWeightSlice<T>,
    start: [T; 2],
    optimizer: OptimizerKind,
    learning_rate: T,
    steps: usize,
) -> Trajectory<T> {
    let mut optimizer = Optimizer::new(optimizer, learning_rate);
    let mut w = [Array2::from_shape_vec((1, 2), start.to_vec()).expect("1 x 2")];
    let mut points = Vec::with_capacity(steps + 1);
    let mut costs = Vec::with_capacity(steps + 1);
    for step in 0..=steps {
        let current = [w[0][[0, 0]], w[0][[0, 1]]];
        let (cost, gradient) = slice.cost_and_gradient(current);
        if !cost.is_finite() || !current.iter().all(|v| v.is_finite()) {
            return Trajectory {
                points,
                costs,
                diverged: true,
            };
        }
        points.push(current);
        costs.push(cost);
        if step < steps {
            let gradient = Array2::from_shape_vec((1, 2), gradient.to_vec()).expect("1 x 2");
            optimizer.step(&mut w, &[gradient]);
        }
    }
    Trajectory {
        points,
        costs,
        diverged: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::{finite_difference_at, Difference};
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn setup() -> (SoftmaxNet<f64>, Array2<f64>, Array2<f64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let net = SoftmaxNet::<f64>::new(12, 4, &mut rng);
        let x = Array2::from_shape_fn((13, 9), |(i, _)| {
            if i == 0 {
                1.0
            } else {
                rng.random_range(0.0..1.0)
            }
        });
        let y = Array2::from_shape_fn((4, 9), |(i, j)| if i == j % 4 { 1.0 } else { 0.0 });
        (net, x, y)
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn slice_cost_equals_the_full_network_cost_with_the_weights_changed() {
        let (net, x, y) = setup();
        // Same column and different columns both exercise the shortcut.
        for (a, b) in [((3, 1), (7, 1)), ((0, 2), (12, 3))] {
            let (w1, w2) = (
                WeightIndex { row: a.0, col: a.1 },
                WeightIndex { row: b.0, col: b.1 },
            );
            let slice = TwoWeightSlice::new(&net, x.view(), y.view(), w1, w2).unwrap();
            let mut changed = net.clone();
            changed.weights_mut()[0][[w1.row, w1.col]] = 0.7;
            changed.weights_mut()[0][[w2.row, w2.col]] = -1.3;
            let full = changed.cost(x.view(), y.view()) / 9.0;
            assert!((slice.cost([0.7, -1.3]) - full).abs() < 1e-13);
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn slice_gradient_matches_finite_differences_of_the_full_network() {
        let (net, x, y) = setup();
        let (w1, w2) = (
            WeightIndex::pixel(1, 2, 4, 0),
            WeightIndex::pixel(2, 1, 4, 3),
        );
        let slice = TwoWeightSlice::new(&net, x.view(), y.view(), w1, w2).unwrap();
        let (_, gradient) = slice.cost_and_gradient(slice.trained());
        let mut probe = net.clone();
        for (k, w) in [w1, w2].into_iter().enumerate() {
            let numeric = finite_difference_at(
                &mut probe,
                x.view(),
                y.view(),
                1e-6,
                Difference::Central,
                (0, w.row, w.col),
            ) / 9.0;
            assert!(
                (gradient[k] - numeric).abs() < 1e-8,
                "{} vs {numeric}",
                gradient[k]
            );
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn bad_choices_of_weights_are_named() {
        let (net, x, y) = setup();
        let w = WeightIndex { row: 2, col: 1 };
        let far = WeightIndex { row: 13, col: 0 };
        assert!(matches!(
            TwoWeightSlice::new(&net, x.view(), y.view(), w, far),
            Err(SurfaceError::OutOfRange { row: 13, .. })
        ));
        assert!(matches!(
            TwoWeightSlice::new(&net, x.view(), y.view(), w, w),
            Err(SurfaceError::SameWeight { .. })
        ));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn grid_is_row_major_in_w2() {
        let (net, x, y) = setup();
        let slice = TwoWeightSlice::new(
            &net,
            x.view(),
            y.view(),
            WeightIndex { row: 1, col: 0 },
            WeightIndex { row: 2, col: 1 },
        )
        .unwrap();
        let grid = cost_grid(&slice, (-1.0, 1.0), (0.0, 2.0), 3).unwrap();
        assert_eq!(grid.w1_values, vec![-1.0, 0.0, 1.0]);
        assert_eq!(
            grid.costs[5],
            slice.cost([1.0, 1.0]),
            "row 1 (w2 = 1), column 2 (w1 = 1)"
        );
        assert!(matches!(
            cost_grid(&slice, (0.0, 1.0), (0.0, 1.0), 1),
            Err(SurfaceError::Resolution(1))
        ));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn both_optimisers_lower_the_cost_and_a_huge_rate_is_reported_as_diverged() {
        let (net, x, y) = setup();
        let slice = TwoWeightSlice::new(
            &net,
            x.view(),
            y.view(),
            WeightIndex { row: 3, col: 0 },
            WeightIndex { row: 5, col: 2 },
        )
        .unwrap();
        for kind in [OptimizerKind::Gd, OptimizerKind::Momentum { beta: 0.9 }] {
            let path = trajectory(&slice, [3.0, -3.0], kind, 1.0, 50);
            assert_eq!(path.points.len(), 51);
            assert!(!path.diverged);
            assert!(path.costs[50] < path.costs[0]);
        }
        // The softmax cost grows only linearly far from its minimum, so only
        // an overflowing step makes it non-finite: an infinite rate does.
        let blown = trajectory(&slice, [3.0, -3.0], OptimizerKind::Gd, f64::INFINITY, 50);
        assert!(blown.diverged);
        assert_eq!(
            blown.points.len(),
            1,
            "the path stops at the last finite point"
        );
    }
}
