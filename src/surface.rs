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
//! a path costs `O(m)` instead of a full forward pass's `O(n k m)`: exact,
//! and fast enough to redraw the surface as a person clicks. Only the one or
//! two changed rows of `Z` need new exponentials; the other classes' share of
//! each image's softmax denominator is summed once, against their largest
//! logit `r_j`:
//!
//! ```text
//! R_j       = sum over unchanged c of exp(Z0[c, j] - r_j)
//! t_j       = max(r_j, changed logits of image j)
//! log sum_c exp(Z[c, j]) = t_j + log(R_j exp(r_j - t_j) + sum over changed c of exp(Z[c, j] - t_j))
//! ```
//!
//! Every exponent is at most 0, as in the stable softmax.
//!
//! The cost and gradient here are means over the images, as in training.

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::mnist::{Dataset, INPUT_CHUNK};
use crate::network::{Network, SoftmaxNet};
use crate::optim::{Optimizer, OptimizerKind};
use crate::Real;

/// A weight of the softmax network: row `row` of `W` (0 is the bias, `1 + p`
/// is pixel `p`) and column `col` (the class).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
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

/// A weight as a person picks it: pixel (`y`, `x`) of the image into
/// output `digit` (the page's pickers, the command line's `ROW,COL,DIGIT`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct PixelWeight {
    pub y: usize,
    pub x: usize,
    pub digit: usize,
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
    #[error("pixel ({y}, {x}) is outside the {rows}x{cols} image")]
    OutsideImage {
        y: usize,
        x: usize,
        rows: usize,
        cols: usize,
    },
}

/// The cost over two chosen weights of a trained softmax network.
#[derive(Clone, Debug)]
pub struct TwoWeightSlice<T: Real> {
    indices: [WeightIndex; 2],
    trained: [T; 2],
    /// The classes whose logits the two weights change (one class when both
    /// weights go into the same output), and those rows of `Z0 = W^T X`.
    changed_classes: Vec<usize>,
    changed_logits: Vec<Array1<T>>,
    /// `Y`'s rows of the changed classes.
    changed_targets: Vec<Array1<T>>,
    /// For weight `k`, its position in `changed_classes`.
    changed_row_of: [usize; 2],
    /// Per image, over the unchanged classes: the largest logit `r_j`
    /// (`-inf` if every class changes) and `R_j = sum exp(Z0[c, j] - r_j)`.
    rest_max: Array1<T>,
    rest_sum: Array1<T>,
    /// Per image: `sum_c Y[c, j] Z0[c, j]` and `sum_c Y[c, j]`.
    target_logit: Array1<T>,
    target_weight: Array1<T>,
    /// `X[r1, :]` and `X[r2, :]`.
    input_rows: [Array1<T>; 2],
}

impl<T: Real> TwoWeightSlice<T> {
    /// Part 6 as the page and the command line set it up: the cost over two
    /// pixel weights of `net`, as the mean over the first `n_images` images
    /// of `data` (at least one; no more than there are).
    pub fn on_images(
        net: &SoftmaxNet<T>,
        data: &Dataset,
        w1: PixelWeight,
        w2: PixelWeight,
        n_images: usize,
    ) -> Result<Self, SurfaceError> {
        let (rows, cols) = data.image_shape();
        let index = |w: PixelWeight| {
            if w.y >= rows || w.x >= cols {
                return Err(SurfaceError::OutsideImage {
                    y: w.y,
                    x: w.x,
                    rows,
                    cols,
                });
            }
            Ok(WeightIndex::pixel(w.y, w.x, cols, w.digit))
        };
        let (w1, w2) = (index(w1)?, index(w2)?);
        if n_images == 0 || data.is_empty() {
            return Err(SurfaceError::NoImages);
        }
        Self::on_images_in_chunks(net, data, w1, w2, n_images.min(data.len()), INPUT_CHUNK)
    }

    /// [`TwoWeightSlice::on_images`] `chunk` images at a time: the slice keeps
    /// a few numbers per image, but `X` for all of them at once would be 785
    /// floats an image ([`INPUT_CHUNK`] says why that matters).
    fn on_images_in_chunks(
        net: &SoftmaxNet<T>,
        data: &Dataset,
        w1: WeightIndex,
        w2: WeightIndex,
        n_images: usize,
        chunk: usize,
    ) -> Result<Self, SurfaceError> {
        let indices: Vec<usize> = (0..n_images).collect();
        let parts = indices
            .chunks(chunk.max(1))
            .map(|images| {
                let x = data.inputs::<T>(images);
                let y = data.one_hot::<T>(images);
                TwoWeightSlice::new(net, x.view(), y.view(), w1, w2)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::joined(&parts).ok_or(SurfaceError::NoImages)
    }

    /// One slice of the images of every part in turn (parts set up for the
    /// same network and weights): each per-image array joined; `None` for no
    /// part.
    fn joined(parts: &[Self]) -> Option<Self> {
        let first = parts.first()?;
        debug_assert!(parts
            .iter()
            .all(|p| p.indices == first.indices && p.trained == first.trained));
        let join = |pick: fn(&Self) -> &Array1<T>| -> Array1<T> {
            parts.iter().flat_map(|p| pick(p).iter().copied()).collect()
        };
        let join_rows = |pick: fn(&Self) -> &[Array1<T>]| -> Vec<Array1<T>> {
            (0..pick(first).len())
                .map(|r| {
                    parts
                        .iter()
                        .flat_map(|p| pick(p)[r].iter().copied())
                        .collect()
                })
                .collect()
        };
        Some(TwoWeightSlice {
            indices: first.indices,
            trained: first.trained,
            changed_classes: first.changed_classes.clone(),
            changed_row_of: first.changed_row_of,
            changed_logits: join_rows(|s| &s.changed_logits),
            changed_targets: join_rows(|s| &s.changed_targets),
            rest_max: join(|s| &s.rest_max),
            rest_sum: join(|s| &s.rest_sum),
            target_logit: join(|s| &s.target_logit),
            target_weight: join(|s| &s.target_weight),
            input_rows: [join(|s| &s.input_rows[0]), join(|s| &s.input_rows[1])],
        })
    }

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
        let logits = net.logits(x);
        let mut changed_classes = vec![w1.col];
        if w2.col != w1.col {
            changed_classes.push(w2.col);
        }
        let changed_row_of = [0, if w2.col == w1.col { 0 } else { 1 }];
        let m = x.ncols();
        let mut rest_max = Array1::from_elem(m, T::neg_infinity());
        let mut rest_sum = Array1::zeros(m);
        for (j, column) in logits.columns().into_iter().enumerate() {
            let unchanged = || {
                column
                    .iter()
                    .enumerate()
                    .filter(|(c, _)| !changed_classes.contains(c))
                    .map(|(_, &z)| z)
            };
            let top = unchanged().fold(T::neg_infinity(), |a, z| a.max(z));
            if top.is_finite() {
                rest_max[j] = top;
                rest_sum[j] = unchanged().map(|z| (z - top).exp()).sum();
            }
        }
        let target_logit = Array1::from_iter(
            logits
                .columns()
                .into_iter()
                .zip(y.columns())
                .map(|(z, t)| z.dot(&t)),
        );
        let target_weight = Array1::from_iter(y.columns().into_iter().map(|t| t.sum()));
        Ok(TwoWeightSlice {
            indices: [w1, w2],
            trained: [net.w()[[w1.row, w1.col]], net.w()[[w2.row, w2.col]]],
            changed_logits: changed_classes
                .iter()
                .map(|&c| logits.row(c).to_owned())
                .collect(),
            changed_targets: changed_classes
                .iter()
                .map(|&c| y.row(c).to_owned())
                .collect(),
            changed_classes,
            changed_row_of,
            rest_max,
            rest_sum,
            target_logit,
            target_weight,
            input_rows: [x.row(w1.row).to_owned(), x.row(w2.row).to_owned()],
        })
    }

    /// The two weights' trained values.
    pub fn trained(&self) -> [T; 2] {
        self.trained
    }

    pub fn indices(&self) -> [WeightIndex; 2] {
        self.indices
    }

    fn m(&self) -> T {
        T::from_usize(self.rest_max.len()).expect("an image count fits a float")
    }

    /// The summed cost at `w` and, with `gradient`, the summed derivatives
    /// `sum_j X[r_k, j] (P - Y)[c_k, j]`: one pass over the images, with
    /// exponentials of the changed logits only.
    fn evaluate(&self, w: [T; 2], gradient: bool) -> (T, [T; 2]) {
        let shifts = [w[0] - self.trained[0], w[1] - self.trained[1]];
        let n_changed = self.changed_classes.len();
        let (mut cost, mut sums) = (T::zero(), [T::zero(); 2]);
        let mut logits = [T::zero(); 2];
        let mut exps = [T::zero(); 2];
        for j in 0..self.rest_max.len() {
            let mut top = self.rest_max[j];
            for (r, logit) in logits.iter_mut().enumerate().take(n_changed) {
                *logit = self.changed_logits[r][j];
            }
            for (k, shift) in shifts.iter().enumerate() {
                logits[self.changed_row_of[k]] =
                    logits[self.changed_row_of[k]] + *shift * self.input_rows[k][j];
            }
            for &logit in &logits[..n_changed] {
                top = top.max(logit);
            }
            // R_j exp(r_j - t_j); with no unchanged class, R_j is 0 and r_j -inf.
            let mut total = if self.rest_sum[j] > T::zero() {
                self.rest_sum[j] * (self.rest_max[j] - top).exp()
            } else {
                T::zero()
            };
            for (e, &logit) in exps.iter_mut().zip(&logits).take(n_changed) {
                *e = (logit - top).exp();
                total = total + *e;
            }
            let log_total = top + total.ln();
            // -sum_c Y[c, j] log P[c, j] = (sum_c Y[c, j]) log_total - sum_c Y[c, j] Z[c, j]
            let mut target_logit = self.target_logit[j];
            for ((&logit, base), targets) in logits
                .iter()
                .zip(&self.changed_logits)
                .zip(&self.changed_targets)
            {
                target_logit = target_logit + targets[j] * (logit - base[j]);
            }
            cost = cost + self.target_weight[j] * log_total - target_logit;
            if gradient {
                for (k, sum) in sums.iter_mut().enumerate() {
                    let r = self.changed_row_of[k];
                    let p_minus_y = exps[r] / total - self.changed_targets[r][j];
                    *sum = *sum + self.input_rows[k][j] * p_minus_y;
                }
            }
        }
        (cost, sums)
    }

    /// The mean cost with the two weights set to `w`.
    pub fn cost(&self, w: [T; 2]) -> T {
        self.evaluate(w, false).0 / self.m()
    }

    /// The mean cost and its gradient with respect to the two weights.
    pub fn cost_and_gradient(&self, w: [T; 2]) -> (T, [T; 2]) {
        let m = self.m();
        let (cost, sums) = self.evaluate(w, true);
        (cost / m, sums.map(|g| g / m))
    }
}

/// The cost on a grid of `(w1, w2)` values, for contours.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
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

/// The `resolution` values of `w1` and of `w2` a [`cost_grid`] over the two
/// ranges is computed at, evenly spaced, ends included.
pub fn grid_axes<T: Real>(
    w1_range: (T, T),
    w2_range: (T, T),
    resolution: usize,
) -> Result<GridAxes<T>, SurfaceError> {
    if resolution < 2 {
        return Err(SurfaceError::Resolution(resolution));
    }
    Ok(GridAxes {
        w1_values: linspace(w1_range, resolution),
        w2_values: linspace(w2_range, resolution),
    })
}

/// Where a [`CostGrid`] is computed: the values of each weight.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct GridAxes<T> {
    pub w1_values: Vec<T>,
    pub w2_values: Vec<T>,
}

impl<T: Real> TwoWeightSlice<T> {
    /// The mean cost at `(w1, w2)` for each of `w1_values` and one `w2`: a
    /// row of a [`CostGrid`]. The page computes its grid a few rows at a
    /// time, so that its worker can answer other requests in between.
    pub fn cost_row(&self, w1_values: &[T], w2: T) -> Vec<T> {
        w1_values.iter().map(|&w1| self.cost([w1, w2])).collect()
    }
}

/// The cost of `slice` at `resolution x resolution` points spanning the two
/// ranges.
pub fn cost_grid<T: Real>(
    slice: &TwoWeightSlice<T>,
    w1_range: (T, T),
    w2_range: (T, T),
    resolution: usize,
) -> Result<CostGrid<T>, SurfaceError> {
    let GridAxes {
        w1_values,
        w2_values,
    } = grid_axes(w1_range, w2_range, resolution)?;
    let costs = w2_values
        .iter()
        .flat_map(|&w2| slice.cost_row(&w1_values, w2))
        .collect();
    Ok(CostGrid {
        w1_values,
        w2_values,
        costs,
    })
}

/// The path an optimiser takes over the two weights.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
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

/// Part 6's comparison: gradient descent and momentum from the same start
/// with the same rate and number of steps, and at each step how much of the
/// way to `minimum` (the grid's lowest cost) each has closed.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct Paths<T> {
    pub gd: Trajectory<T>,
    pub momentum: Trajectory<T>,
    /// [`gap_closed`] at each point of `gd`.
    pub gd_closed: Vec<f64>,
    /// [`gap_closed`] at each point of `momentum`.
    pub momentum_closed: Vec<f64>,
}

/// Both paths of part 6 over `slice` (see [`Paths`]).
pub fn paths<T: Real>(
    slice: &TwoWeightSlice<T>,
    start: [T; 2],
    learning_rate: T,
    beta: f64,
    steps: usize,
    minimum: T,
) -> Paths<T> {
    let gd = trajectory(slice, start, OptimizerKind::Gd, learning_rate, steps);
    let momentum = trajectory(
        slice,
        start,
        OptimizerKind::Momentum { beta },
        learning_rate,
        steps,
    );
    let closed = |t: &Trajectory<T>| -> Vec<f64> {
        let first = t.costs.first().copied().unwrap_or(minimum);
        t.costs
            .iter()
            .map(|&c| gap_closed(first, c, minimum))
            .collect()
    };
    Paths {
        gd_closed: closed(&gd),
        momentum_closed: closed(&momentum),
        gd,
        momentum,
    }
}

/// How much of the way from `start` to `minimum` a path's cost went: 0 at
/// the start, 1 at the minimum, negative if the cost rose. The page and the
/// command line compare gradient descent and momentum with it, the minimum
/// being the lowest cost on the grid.
///
/// ```
/// assert_eq!(gradlab::surface::gap_closed(1.0, 0.75, 0.5), 0.5);
/// ```
pub fn gap_closed<T: Real>(start: T, end: T, minimum: T) -> f64 {
    let gap = (start - minimum).to_f64().unwrap_or(f64::NAN);
    if gap <= 0.0 || !gap.is_finite() {
        // Already at (or below) the minimum: nothing left to close.
        return if (end - minimum).to_f64().unwrap_or(f64::NAN) <= 0.0 {
            1.0
        } else {
            0.0
        };
    }
    (start - end).to_f64().unwrap_or(f64::NAN) / gap
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
    fn slice_cost_is_exact_with_every_class_changed_and_far_from_the_trained_values() {
        // Two classes, one weight in each: no class is left unchanged. And
        // weights of +-800 make logits whose exponentials overflow f64
        // (exp(709.8) is the largest), which the shifted sums must survive.
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        let net = SoftmaxNet::<f64>::new(3, 2, &mut rng);
        let x = Array2::from_shape_fn(
            (4, 5),
            |(i, j)| if i == 0 { 1.0 } else { 0.2 * (i + j) as f64 },
        );
        let y = Array2::from_shape_fn((2, 5), |(i, j)| if i == j % 2 { 1.0 } else { 0.0 });
        let (w1, w2) = (
            WeightIndex { row: 1, col: 0 },
            WeightIndex { row: 3, col: 1 },
        );
        let slice = TwoWeightSlice::new(&net, x.view(), y.view(), w1, w2).unwrap();
        for point in [[0.3, -0.2], [800.0, -800.0], [-800.0, 5.0]] {
            let mut changed = net.clone();
            changed.weights_mut()[0][[w1.row, w1.col]] = point[0];
            changed.weights_mut()[0][[w2.row, w2.col]] = point[1];
            let full = changed.cost(x.view(), y.view()) / 5.0;
            let fast = slice.cost(point);
            assert!(fast.is_finite());
            // Relative: the cost is in the hundreds far from the minimum.
            assert!(
                (fast - full).abs() <= 1e-12 * full.abs().max(1.0),
                "{point:?}: {fast} vs {full}"
            );
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
    fn gap_closed_is_the_fraction_of_the_cost_drop_to_the_minimum() {
        // From 1.0 towards a minimum of 0.5: ending at 0.75 closes half the
        // gap, at 0.5 all of it, and ending above the start is negative.
        assert_eq!(gap_closed(1.0_f64, 0.75, 0.5), 0.5);
        assert_eq!(gap_closed(1.0_f64, 0.5, 0.5), 1.0);
        assert_eq!(gap_closed(1.0_f64, 1.25, 0.5), -0.5);
        // Starting at the minimum there is no gap; staying there is all of it.
        assert_eq!(gap_closed(0.5_f32, 0.5, 0.5), 1.0);
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
        // Row by row, as the page computes it, gives the same numbers.
        let GridAxes {
            w1_values,
            w2_values,
        } = grid_axes((-1.0, 1.0), (0.0, 2.0), 3).unwrap();
        assert_eq!(w2_values, vec![0.0, 1.0, 2.0]);
        let rows: Vec<f64> = w2_values
            .iter()
            .flat_map(|&w2| slice.cost_row(&w1_values, w2))
            .collect();
        assert_eq!(rows, grid.costs);
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

    #[wasm_bindgen_test(unsupported = test)]
    fn the_set_up_on_images_checks_the_pixels_and_needs_an_image() {
        // 3 images of 2x3 pixels, 4 classes.
        let pixels = Array2::from_shape_fn((3, 6), |(i, p)| (i * 40 + p * 30) as u8);
        let data = Dataset::from_pixels(pixels, vec![0, 1, 3], (2, 3), 4).unwrap();
        let net = SoftmaxNet::<f64>::new(6, 4, &mut ChaCha8Rng::seed_from_u64(1));
        let at = |y, x, digit| PixelWeight { y, x, digit };
        let slice = TwoWeightSlice::on_images(&net, &data, at(1, 2, 3), at(0, 0, 3), 10).unwrap();
        // Pixel (1, 2) of a 3-wide image is pixel 5, row 1 + 5 of W.
        assert_eq!(
            slice.indices(),
            [
                WeightIndex { row: 6, col: 3 },
                WeightIndex { row: 1, col: 3 }
            ]
        );
        let all = TwoWeightSlice::new(
            &net,
            data.inputs::<f64>(&[0, 1, 2]).view(),
            data.one_hot::<f64>(&[0, 1, 2]).view(),
            slice.indices()[0],
            slice.indices()[1],
        )
        .unwrap();
        assert_eq!(
            slice.cost([0.5, -0.5]),
            all.cost([0.5, -0.5]),
            "10 images asked, all 3 used"
        );
        assert!(matches!(
            TwoWeightSlice::on_images(&net, &data, at(2, 0, 1), at(0, 0, 1), 3),
            Err(SurfaceError::OutsideImage { y: 2, rows: 2, .. })
        ));
        assert!(matches!(
            TwoWeightSlice::on_images(&net, &data, at(0, 1, 1), at(0, 0, 1), 0),
            Err(SurfaceError::NoImages)
        ));
    }

    /// A slice set up in chunks of 2 (2, 2 and 1 of 5 images of 2x3 pixels,
    /// 4 classes) against one set up from all of them at once.
    fn check_chunked_set_up<T: Real + std::fmt::Debug>() {
        let pixels = Array2::from_shape_fn((5, 6), |(i, p)| (i * 37 + p * 23) as u8);
        let data = Dataset::from_pixels(pixels, vec![0, 1, 3, 2, 1], (2, 3), 4).unwrap();
        let net = SoftmaxNet::<T>::new(6, 4, &mut ChaCha8Rng::seed_from_u64(2));
        let images = [0, 1, 2, 3, 4];
        let value = |x: f64| T::from_f64(x).unwrap();
        for (w1, w2) in [
            // Both in one class, then in two.
            (
                WeightIndex { row: 6, col: 3 },
                WeightIndex { row: 1, col: 3 },
            ),
            (
                WeightIndex { row: 2, col: 0 },
                WeightIndex { row: 4, col: 1 },
            ),
        ] {
            let at_once = TwoWeightSlice::new(
                &net,
                data.inputs::<T>(&images).view(),
                data.one_hot::<T>(&images).view(),
                w1,
                w2,
            )
            .unwrap();
            let chunked = TwoWeightSlice::on_images_in_chunks(&net, &data, w1, w2, 5, 2).unwrap();
            assert_eq!(chunked.trained(), at_once.trained());
            for w in [
                [value(0.5), value(-0.5)],
                [value(3.0), value(2.0)],
                at_once.trained(),
            ] {
                // The same sums in the same order: equal to the last bit.
                assert_eq!(chunked.cost_and_gradient(w), at_once.cost_and_gradient(w));
            }
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_slice_set_up_in_chunks_is_the_slice_of_all_the_images_at_once() {
        // f32 as in the page, f64 as on the command line.
        check_chunked_set_up::<f32>();
        check_chunked_set_up::<f64>();
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn paths_start_together_and_measure_the_gap_from_their_start() {
        let (net, x, y) = setup();
        let slice = TwoWeightSlice::new(
            &net,
            x.view(),
            y.view(),
            WeightIndex { row: 3, col: 0 },
            WeightIndex { row: 5, col: 2 },
        )
        .unwrap();
        let start = [slice.trained()[0] + 2.0, slice.trained()[1] - 2.0];
        let minimum = cost_grid(&slice, (-4.0, 4.0), (-4.0, 4.0), 41)
            .unwrap()
            .costs
            .into_iter()
            .fold(f64::INFINITY, f64::min);
        let both = paths(&slice, start, 1.0, 0.9, 30, minimum);
        assert_eq!(both.gd.points[0], start);
        assert_eq!(both.momentum.points[0], start);
        assert_eq!(both.gd_closed[0], 0.0);
        assert_eq!(both.gd_closed.len(), both.gd.costs.len());
        let last = both.momentum.costs[30];
        assert_eq!(
            both.momentum_closed[30],
            gap_closed(both.momentum.costs[0], last, minimum)
        );
    }
}
