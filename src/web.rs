//! The page's WebAssembly shell: conversion between JavaScript values and the
//! library's types, and errors as JavaScript `Error`s with the library's
//! message. No numerics here: everything the page computes is a library
//! function, tested natively.
//!
//! The page's worker owns four kinds of object: [`Data`] (MNIST, parsed from
//! the IDX bytes it fetched), [`Classifier`] (a network to read drawings with),
//! [`Session`] (a network being trained on the data) and [`Surface`] (the cost
//! over two weights, for part 6). The lessons' other figures are free
//! functions ([`figure5_table`], [`time_backprop`], [`sweep_slopes`]).
//! Parts 8 and 9 add [`Faces`] (the exported faces), [`FacesNetwork`] (the
//! shipped faces network, or one trained in the page) and
//! [`FacesTraining`] (what a training run returns).

use std::rc::Rc;

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::backprop_cost::{self, TimingRow};
use crate::draw;
use crate::export::{model_from_safetensors, model_to_safetensors};
use crate::faces::hidden::{favoured_units, input_weight_images_rgba};
use crate::faces::training::{
    confusion_matrix, predict, train_on, FacesTrainConfig, FacesTrainReport, Prediction, Splits,
    TrainingSummary,
};
use crate::faces::{FaceSet, Split};
use crate::gradcheck;
use crate::kernels;
use crate::mnist::{self, Dataset, Mnist};
use crate::network::{classify_image, forward_pass, Mlp, Model, ModelSpec, Network};
use crate::optim::OptimizerKind;
use crate::surface::{self, TwoWeightSlice, WeightIndex};
use crate::train::{evaluate, TrainConfig, Trainer};
use crate::transfer::{self, ClassifierResult, FeatureSet};
use crate::visual;

/// Installs the panic hook, so that a panic reaches the console (and the
/// page's error handler) with its message instead of `unreachable`.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

fn js_error(error: impl std::fmt::Display) -> JsError {
    JsError::new(&error.to_string())
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(js_error)
}

/// Whether this module was built with 128-bit SIMD (`+simd128`); the page
/// shows it and a test fails without it.
#[wasm_bindgen(js_name = simdEnabled)]
pub fn simd_enabled() -> bool {
    cfg!(target_feature = "simd128")
}

/// Whether this is the relaxed-SIMD build (`+relaxed-simd`, fused
/// multiply-adds in the matrix products; see src/kernels/wasm_gemm.rs). The page
/// loads it where the browser supports relaxed SIMD and shows which it runs.
#[wasm_bindgen(js_name = relaxedSimdEnabled)]
pub fn relaxed_simd_enabled() -> bool {
    cfg!(target_feature = "relaxed-simd")
}

/// Panics on purpose: the page's failure-path test (www/tests/failures.test.mjs)
/// uses it to check that a trap inside the module is shown and the worker
/// restarted. Nothing else calls it.
#[wasm_bindgen(js_name = panicForTest)]
pub fn panic_for_test(message: &str) {
    panic!("{message}")
}

/// The benchmark's yardstick: `iterations` rounds of 64 independent f32
/// multiply-adds in 128-bit registers ([`kernels::simd_peak_kernel`]); the
/// caller times it. Returns a checksum.
#[wasm_bindgen(js_name = simdPeakKernel)]
pub fn simd_peak_kernel(iterations: u32) -> f32 {
    kernels::simd_peak_kernel(iterations, 1.0)
}

/// Floating-point operations per iteration of [`simd_peak_kernel`].
#[wasm_bindgen(js_name = simdPeakFlopsPerIteration)]
pub fn simd_peak_flops_per_iteration() -> f64 {
    kernels::SIMD_PEAK_FLOPS_PER_ITERATION
}

/// `reps` products `W^T X` of the MLP's first layer (785 x `units` weights,
/// a batch of `batch` images) through the training kernel
/// ([`kernels::matmul_kernel`]), `2 * 785 * units * batch` operations each;
/// the caller times it. Returns a checksum.
#[wasm_bindgen(js_name = matmulKernel)]
pub fn matmul_kernel(units: usize, batch: usize, reps: u32) -> f32 {
    kernels::matmul_kernel(units, batch, reps)
}

/// A drawing (RGBA canvas pixels, the alpha channel as ink) turned into the
/// 28x28 input, or `undefined` when nothing is drawn.
#[wasm_bindgen(js_name = preprocessDrawing)]
pub fn preprocess_drawing(
    rgba: &[u8],
    width: usize,
    height: usize,
) -> Result<Option<Vec<f32>>, JsError> {
    let ink = draw::ink_from_rgba(rgba, width, height).map_err(js_error)?;
    match draw::to_mnist(&ink, width, height) {
        Ok(field) => Ok(Some(field)),
        Err(draw::DrawError::NoInk) => Ok(None),
        Err(error) => Err(js_error(error)),
    }
}

/// Grey levels 0..1 as RGBA, ink dark on white.
#[wasm_bindgen(js_name = inkRgba)]
pub fn ink_rgba(values: &[f32]) -> Vec<u8> {
    visual::ink_rgba(values)
}

/// MNIST's two splits.
#[wasm_bindgen]
pub struct Data {
    mnist: Rc<Mnist>,
}

#[wasm_bindgen]
impl Data {
    /// Parses the four IDX files' bytes; errors name the file and the defect.
    #[wasm_bindgen(constructor)]
    pub fn new(
        train_images: &[u8],
        train_labels: &[u8],
        test_images: &[u8],
        test_labels: &[u8],
    ) -> Result<Data, JsError> {
        let train = Dataset::from_idx_bytes(
            mnist::TRAIN_IMAGES,
            train_images,
            mnist::TRAIN_LABELS,
            train_labels,
        )
        .map_err(js_error)?;
        let test = Dataset::from_idx_bytes(
            mnist::TEST_IMAGES,
            test_images,
            mnist::TEST_LABELS,
            test_labels,
        )
        .map_err(js_error)?;
        let mnist = Mnist::from_splits(train, test, mnist::TEST_IMAGES).map_err(js_error)?;
        Ok(Data {
            mnist: Rc::new(mnist),
        })
    }

    #[wasm_bindgen(getter, js_name = trainLength)]
    pub fn train_length(&self) -> usize {
        self.mnist.train.len()
    }

    #[wasm_bindgen(getter, js_name = testLength)]
    pub fn test_length(&self) -> usize {
        self.mnist.test.len()
    }

    /// `{ train: [10 counts], test: [10 counts] }`.
    #[wasm_bindgen(js_name = classCounts)]
    pub fn class_counts(&self) -> Result<JsValue, JsError> {
        to_js(&self.mnist.class_counts())
    }

    /// Indices of `per_class` training images of each digit, digit 0 first,
    /// searching from image `offset`: `[[...], ..., [...]]`.
    #[wasm_bindgen(js_name = galleryIndices)]
    pub fn gallery_indices(&self, per_class: usize, offset: usize) -> Result<JsValue, JsError> {
        to_js(&self.mnist.train.gallery_indices(per_class, offset))
    }

    /// The images at `indices` of a split (`train` or `test`) as 28x28 RGBA
    /// images one after another, ink dark on white.
    #[wasm_bindgen(js_name = imagesRgba)]
    pub fn images_rgba(&self, split: &str, indices: &[u32]) -> Result<Vec<u8>, JsError> {
        let data = self.split(split)?;
        let indices = checked_indices(data, indices)?;
        Ok(visual::pixel_rows_rgba(data.pixels(), &indices))
    }

    /// Image `index` of a split as 784 values in 0..1.
    pub fn image(&self, split: &str, index: u32) -> Result<Vec<f32>, JsError> {
        let data = self.split(split)?;
        let index = checked_indices(data, &[index])?[0];
        Ok(data.image(index))
    }

    /// The label (digit) of image `index` of a split.
    pub fn label(&self, split: &str, index: u32) -> Result<u8, JsError> {
        let data = self.split(split)?;
        let index = checked_indices(data, &[index])?[0];
        Ok(data.labels()[index])
    }

    /// Part 3 on real digits: both networks' gradients against central
    /// differences on `n_images` random training images (see
    /// [`gradcheck::check_on_digits`]).
    #[wasm_bindgen(js_name = gradientCheck)]
    pub fn gradient_check(
        &self,
        n_images: usize,
        n_weights: usize,
        hidden_units: usize,
        seed: u32,
    ) -> Result<JsValue, JsError> {
        to_js(&gradcheck::check_on_digits(
            &self.mnist.train,
            n_images,
            n_weights,
            hidden_units,
            u64::from(seed),
        ))
    }

    fn split(&self, split: &str) -> Result<&Dataset, JsError> {
        match split {
            "train" => Ok(&self.mnist.train),
            "test" => Ok(&self.mnist.test),
            other => Err(JsError::new(&format!(
                "no split \"{other}\": use \"train\" or \"test\""
            ))),
        }
    }
}

fn checked_indices(data: &Dataset, indices: &[u32]) -> Result<Vec<usize>, JsError> {
    indices
        .iter()
        .map(|&i| {
            let i = i as usize;
            if i < data.len() {
                Ok(i)
            } else {
                Err(JsError::new(&format!(
                    "image {i} does not exist: the split has {} images",
                    data.len()
                )))
            }
        })
        .collect()
}

/// A network that reads drawings.
#[wasm_bindgen]
pub struct Classifier {
    model: Model<f32>,
}

fn probabilities(model: &Model<f32>, pixels: &[f32]) -> Result<Vec<f32>, JsError> {
    let expected = model.weights()[0].nrows() - 1;
    classify_image(model, pixels).ok_or_else(|| {
        JsError::new(&format!(
            "the network takes {expected} pixels, got {}",
            pixels.len()
        ))
    })
}

#[wasm_bindgen]
impl Classifier {
    /// A model file written by `gradlab mnist train --out` (or by
    /// [`Classifier::to_safetensors`]).
    #[wasm_bindgen(js_name = fromSafetensors)]
    pub fn from_safetensors(name: &str, bytes: &[u8]) -> Result<Classifier, JsError> {
        let (model, _) = model_from_safetensors(name, bytes).map_err(js_error)?;
        Ok(Classifier { model })
    }

    /// `softmax` or `mlp`.
    #[wasm_bindgen(getter)]
    pub fn kind(&self) -> String {
        self.model.kind().to_string()
    }

    /// The ten class probabilities for a 28x28 input.
    pub fn predict(&self, pixels: &[f32]) -> Result<Vec<f32>, JsError> {
        probabilities(&self.model, pixels)
    }

    #[wasm_bindgen(js_name = toSafetensors)]
    pub fn to_safetensors(&self) -> Vec<u8> {
        model_to_safetensors(&self.model, (28, 28))
    }

    /// Input weights of first-layer units `first .. first + count` as 28x28
    /// RGBA images, as [`Session::weight_images`] draws them: the page shows
    /// the shipped network's weights before any training.
    #[wasm_bindgen(js_name = weightImages)]
    pub fn weight_images(&self, first: usize, count: usize) -> Vec<u8> {
        visual::weight_images_rgba(self.model.weights()[0].view(), first, count)
    }

    /// `{ logits, probabilities, predicted }` for a 28x28 input.
    #[wasm_bindgen(js_name = forwardPass)]
    pub fn forward_pass(&self, pixels: &[f32]) -> Result<JsValue, JsError> {
        probabilities(&self.model, pixels)?; // The size check and its message.
        to_js(&forward_pass(&self.model, pixels))
    }

    /// For the softmax network, the terms `W[1 + p, class] x_p` of logit
    /// `class` as a 28x28 RGBA image on a diverging map scaled to their
    /// largest magnitude (red raised the score, blue lowered it).
    #[wasm_bindgen(js_name = contributionsRgba)]
    pub fn contributions_rgba(&self, pixels: &[f32], class: usize) -> Result<Vec<u8>, JsError> {
        let Model::Softmax(net) = &self.model else {
            return Err(JsError::new(
                "pixel contributions are drawn for the softmax network only",
            ));
        };
        let terms = net.pixel_contributions(pixels, class).ok_or_else(|| {
            JsError::new(&format!(
                "no class {class}, or not {} pixels",
                net.n_inputs() - 1
            ))
        })?;
        Ok(visual::signed_rgba(&terms))
    }

    /// The bias `W[0, class]` of each class of the first layer.
    pub fn biases(&self) -> Vec<f32> {
        self.model.weights()[0].row(0).to_vec()
    }
}

/// What the page asks to train: the network and how.
#[derive(Deserialize)]
struct SessionConfig {
    model: ModelSpec,
    train: TrainConfig,
}

/// What one call of [`Session::step`] reports.
#[derive(Serialize)]
struct StepReport {
    iteration: usize,
    epoch: f64,
    batch_cost: f64,
    total_iterations: usize,
}

/// A network being trained on [`Data`], step by step.
#[wasm_bindgen]
pub struct Session {
    data: Rc<Mnist>,
    trainer: Trainer<Model<f32>>,
}

#[wasm_bindgen]
impl Session {
    /// A fresh network and trainer; `config` is
    /// `{ model: { kind, hidden_units, activation }, train: { optimizer, learning_rate, batch_size, epochs, seed, ... } }`.
    #[wasm_bindgen(constructor)]
    pub fn new(data: &Data, config: JsValue) -> Result<Session, JsError> {
        let config: SessionConfig = serde_wasm_bindgen::from_value(config)
            .map_err(|e| JsError::new(&format!("bad training settings: {e}")))?;
        let mnist = Rc::clone(&data.mnist);
        config
            .model
            .check(mnist.train.n_pixels(), mnist::N_CLASSES)
            .map_err(js_error)?;
        let model = config.model.build(
            mnist.train.n_pixels(),
            mnist::N_CLASSES,
            &mut Trainer::<Model<f32>>::rng_for(config.train.seed),
        );
        let trainer = Trainer::new(model, config.train, mnist.train.len()).map_err(js_error)?;
        Ok(Session {
            data: mnist,
            trainer,
        })
    }

    /// Takes up to `steps` steps (stopping at the end of the schedule);
    /// throws with the library's message if training diverges.
    pub fn step(&mut self, steps: usize) -> Result<JsValue, JsError> {
        let total_iterations = self.total_iterations();
        let mut batch_cost = f64::NAN;
        for _ in 0..steps {
            if self.trainer.iteration() >= total_iterations {
                break;
            }
            batch_cost = self.trainer.step(&self.data.train).map_err(js_error)?;
        }
        to_js(&StepReport {
            iteration: self.trainer.iteration(),
            epoch: self.trainer.epoch(),
            batch_cost,
            total_iterations,
        })
    }

    /// Steps in the whole schedule (epochs x steps per epoch).
    #[wasm_bindgen(getter, js_name = totalIterations)]
    pub fn total_iterations(&self) -> usize {
        self.trainer.steps_per_epoch() * self.trainer.config().epochs
    }

    /// A learning-curve point measured now.
    #[wasm_bindgen(js_name = curvePoint)]
    pub fn curve_point(&self) -> Result<JsValue, JsError> {
        to_js(&self.trainer.curve_point(&self.data.train, &self.data.test))
    }

    /// `{ cost, accuracy }` on the whole test set: the figure to report at
    /// the end of a run whose curve points were measured on a sample.
    #[wasm_bindgen(js_name = testEvaluation)]
    pub fn test_evaluation(&self) -> Result<JsValue, JsError> {
        to_js(&evaluate(self.trainer.network(), &self.data.test, None))
    }

    /// The ten class probabilities for a 28x28 input, by the network as it is now.
    pub fn predict(&self, pixels: &[f32]) -> Result<Vec<f32>, JsError> {
        probabilities(self.trainer.network(), pixels)
    }

    /// Input weights of first-layer units `first .. first + count` as 28x28
    /// RGBA images one after another, on a shared diverging colour scale.
    #[wasm_bindgen(js_name = weightImages)]
    pub fn weight_images(&self, first: usize, count: usize) -> Vec<u8> {
        visual::weight_images_rgba(self.trainer.network().weights()[0].view(), first, count)
    }

    /// The network as it is now, to keep reading drawings with.
    pub fn classifier(&self) -> Classifier {
        Classifier {
            model: self.trainer.network().clone(),
        }
    }
}

/// A weight of the softmax network as the page names it: pixel (`y`, `x`)
/// of the 28x28 image into `digit`.
#[derive(Deserialize)]
struct PixelWeight {
    y: usize,
    x: usize,
    digit: usize,
}

/// The cost over two weights of a softmax network on training images, all
/// other weights fixed (part 6).
#[wasm_bindgen]
pub struct Surface {
    slice: TwoWeightSlice<f32>,
}

#[wasm_bindgen]
impl Surface {
    /// `w1` and `w2` are `{ y, x, digit }`; the cost is the mean over the
    /// first `n_images` training images.
    #[wasm_bindgen(constructor)]
    pub fn new(
        data: &Data,
        classifier: &Classifier,
        w1: JsValue,
        w2: JsValue,
        n_images: usize,
    ) -> Result<Surface, JsError> {
        let Model::Softmax(net) = &classifier.model else {
            return Err(JsError::new(
                "the cost surface is drawn for the softmax network only",
            ));
        };
        let (rows, cols) = data.mnist.train.image_shape();
        let weight = |value: JsValue| -> Result<WeightIndex, JsError> {
            let w: PixelWeight = serde_wasm_bindgen::from_value(value)
                .map_err(|e| JsError::new(&format!("bad weight: {e}")))?;
            if w.y >= rows || w.x >= cols {
                return Err(JsError::new(&format!(
                    "pixel ({}, {}) is outside the {rows}x{cols} image",
                    w.y, w.x
                )));
            }
            Ok(WeightIndex::pixel(w.y, w.x, cols, w.digit))
        };
        let (w1, w2) = (weight(w1)?, weight(w2)?);
        let indices: Vec<usize> = (0..n_images.clamp(1, data.mnist.train.len())).collect();
        let x = data.mnist.train.inputs::<f32>(&indices);
        let y = data.mnist.train.one_hot::<f32>(&indices);
        let slice = TwoWeightSlice::new(net, x.view(), y.view(), w1, w2).map_err(js_error)?;
        Ok(Surface { slice })
    }

    /// The two weights' trained values `[w1, w2]`.
    pub fn trained(&self) -> Vec<f32> {
        self.slice.trained().to_vec()
    }

    /// The mean cost at `(w1, w2)`.
    pub fn cost(&self, w1: f32, w2: f32) -> f32 {
        self.slice.cost([w1, w2])
    }

    /// `{ w1_values, w2_values, costs }` (costs row-major in w2) over the two
    /// ranges.
    pub fn grid(
        &self,
        w1_min: f32,
        w1_max: f32,
        w2_min: f32,
        w2_max: f32,
        resolution: usize,
    ) -> Result<JsValue, JsError> {
        let grid = surface::cost_grid(&self.slice, (w1_min, w1_max), (w2_min, w2_max), resolution)
            .map_err(js_error)?;
        to_js(&grid)
    }

    /// `[w1_values, w2_values]`: where [`Surface::grid`] would compute the cost.
    #[wasm_bindgen(js_name = gridAxes)]
    pub fn grid_axes(
        &self,
        w1_min: f32,
        w1_max: f32,
        w2_min: f32,
        w2_max: f32,
        resolution: usize,
    ) -> Result<JsValue, JsError> {
        let axes =
            surface::grid_axes((w1_min, w1_max), (w2_min, w2_max), resolution).map_err(js_error)?;
        to_js(&axes)
    }

    /// The mean cost at each of `w1_values` with `w2`: one row of the grid.
    #[wasm_bindgen(js_name = costRow)]
    pub fn cost_row(&self, w1_values: &[f32], w2: f32) -> Vec<f32> {
        self.slice.cost_row(w1_values, w2)
    }

    /// `{ points, costs, diverged }`: `steps` steps of `optimizer`
    /// (`{ kind: "gd" }` or `{ kind: "momentum", beta }`) from the start.
    pub fn trajectory(
        &self,
        start_w1: f32,
        start_w2: f32,
        optimizer: JsValue,
        learning_rate: f32,
        steps: usize,
    ) -> Result<JsValue, JsError> {
        let optimizer: OptimizerKind = serde_wasm_bindgen::from_value(optimizer)
            .map_err(|e| JsError::new(&format!("bad optimiser: {e}")))?;
        to_js(&surface::trajectory(
            &self.slice,
            [start_w1, start_w2],
            optimizer,
            learning_rate,
            steps,
        ))
    }
}

/// How much of the way from the start cost to the minimum a path went
/// ([`surface::gap_closed`]).
#[wasm_bindgen(js_name = gapClosed)]
pub fn gap_closed(start: f64, end: f64, minimum: f64) -> f64 {
    surface::gap_closed(start, end, minimum)
}

/// The project's Figure 5: `[{ h, total_error }, ...]` for h = 1 .. 1e-9.
#[wasm_bindgen(js_name = figure5Table)]
pub fn figure5_table() -> Result<JsValue, JsError> {
    to_js(&gradcheck::figure5_table())
}

/// Times backpropagation against per-weight derivatives for one size (part
/// 7), the fastest of `repeats` measurements, with `now` (the page passes
/// `() => performance.now()`) as the clock: one [`TimingRow`].
#[wasm_bindgen(js_name = timeBackprop)]
pub fn time_backprop(
    n_layers: usize,
    n_units: usize,
    batch: usize,
    seed: u32,
    repeats: usize,
    now: &js_sys::Function,
) -> Result<JsValue, JsError> {
    let clock = || {
        now.call0(&JsValue::NULL)
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(f64::NAN)
    };
    let rows = backprop_cost::time_methods_best_of(
        &[(n_layers, n_units)],
        batch,
        u64::from(seed),
        repeats,
        clock,
    )
    .map_err(js_error)?;
    to_js(&rows[0])
}

/// The sizes `[[N, K], ...]` part 7 times by default.
#[wasm_bindgen(js_name = defaultBackpropGrid)]
pub fn default_backprop_grid() -> Result<JsValue, JsError> {
    to_js(&backprop_cost::default_grid())
}

/// The log-log slopes of each sweep in `rows` (rows from [`time_backprop`]).
#[wasm_bindgen(js_name = sweepSlopes)]
pub fn sweep_slopes(rows: JsValue) -> Result<JsValue, JsError> {
    let rows: Vec<TimingRow> = serde_wasm_bindgen::from_value(rows)
        .map_err(|e| JsError::new(&format!("bad timing rows: {e}")))?;
    to_js(&backprop_cost::sweep_slopes(&rows))
}

/// The fitted power law `{ slope, coefficient }` through `[[s, t], ...]`, or
/// `null` when there is none (see [`backprop_cost::loglog_fit`]).
#[wasm_bindgen(js_name = loglogFit)]
pub fn loglog_fit(points: JsValue) -> Result<JsValue, JsError> {
    let points: Vec<(f64, f64)> = serde_wasm_bindgen::from_value(points)
        .map_err(|e| JsError::new(&format!("bad points: {e}")))?;
    to_js(&backprop_cost::loglog_fit(&points))
}

/// The prepared faces of parts 8 and 9 (`faces.safetensors`, layout
/// version 1), to show and to train on.
#[wasm_bindgen]
pub struct Faces {
    set: FaceSet,
}

#[wasm_bindgen]
impl Faces {
    /// Parses `faces.safetensors`; errors name `name` and the defect.
    #[wasm_bindgen(constructor)]
    pub fn new(name: &str, bytes: &[u8]) -> Result<Faces, JsError> {
        let set = FaceSet::from_safetensors(name, bytes).map_err(js_error)?;
        Ok(Faces { set })
    }

    /// The side of the square images, in pixels.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> usize {
        self.set.size()
    }

    /// The people's names, in label order.
    pub fn people(&self) -> Result<JsValue, JsError> {
        to_js(&self.set.people())
    }

    /// Each image's person (an index into `people`).
    pub fn labels(&self) -> Vec<u8> {
        self.set.labels().to_vec()
    }

    /// Each image's split: 0 training, 1 validation, 2 test.
    pub fn splits(&self) -> Vec<u8> {
        self.set.splits().iter().map(|s| s.code()).collect()
    }

    /// Images `indices` as grey RGBA, `size x size` each, one after another.
    #[wasm_bindgen(js_name = imagesRgba)]
    pub fn images_rgba(&self, indices: &[u32]) -> Result<Vec<u8>, JsError> {
        let pixels = self.set.pixels();
        let mut rgba = Vec::with_capacity(indices.len() * pixels.ncols() * 4);
        for &index in indices {
            let index = index as usize;
            if index >= pixels.nrows() {
                return Err(JsError::new(&format!(
                    "no face {index}: there are {}",
                    pixels.nrows()
                )));
            }
            for &grey in pixels.row(index) {
                rgba.extend_from_slice(&[grey, grey, grey, 255]);
            }
        }
        Ok(rgba)
    }
}

/// The settings the page lets a person change for part 8's training; the
/// rest are [`FacesTrainConfig::default`]'s.
#[derive(Deserialize)]
struct FacesSettings {
    hidden_units: usize,
    learning_rate: f64,
    momentum: f64,
    epochs: usize,
    seed: u64,
}

/// A one-hidden-layer network that tells the people of [`Faces`] apart: the
/// shipped one (`model.safetensors`) or one trained in the page.
#[wasm_bindgen]
pub struct FacesNetwork {
    network: Mlp<f32>,
}

#[wasm_bindgen]
impl FacesNetwork {
    /// The model file written by `gradlab faces train`.
    #[wasm_bindgen(js_name = fromSafetensors)]
    pub fn from_safetensors(name: &str, bytes: &[u8]) -> Result<FacesNetwork, JsError> {
        match model_from_safetensors(name, bytes).map_err(js_error)? {
            (Model::Mlp(network), _) => Ok(FacesNetwork { network }),
            (model, _) => Err(JsError::new(&format!(
                "{name} holds a {} network, not one with a hidden layer",
                model.kind()
            ))),
        }
    }

    /// Trains a fresh network on `faces`' training set with `settings`
    /// (`{ hidden_units, learning_rate, momentum, epochs, seed }`), calling
    /// `on_point(point)` with each learning-curve point as it is measured.
    /// Returns the network; [`FacesNetwork::summary`] has the rest.
    pub fn train(
        faces: &Faces,
        settings: JsValue,
        on_point: &js_sys::Function,
    ) -> Result<FacesTraining, JsError> {
        let config = settings_over(settings, FacesTrainConfig::default())?;
        let report = train_reporting(
            &Splits::of_faces(&faces.set),
            faces.set.people().len(),
            &config,
            on_point,
        )?;
        let summary = to_js(&TrainingSummary::new(&faces.set, &config, &report))?;
        Ok(FacesTraining {
            network: Some(FacesNetwork {
                network: report.network,
            }),
            summary,
        })
    }

    /// Part 10: trains a fresh network on `features`' training set, as
    /// [`FacesNetwork::train`] does on pixels; settings not given are
    /// [`transfer::default_config`]'s. The summary is a `features.json`
    /// classifier result.
    #[wasm_bindgen(js_name = trainOnFeatures)]
    pub fn train_on_features(
        features: &Features,
        settings: JsValue,
        on_point: &js_sys::Function,
    ) -> Result<FacesTraining, JsError> {
        let config = settings_over(settings, transfer::default_config())?;
        let report = train_reporting(
            &features.set.splits(),
            features.set.people().len(),
            &config,
            on_point,
        )?;
        let summary = to_js(&ClassifierResult::new(&report, &config))?;
        Ok(FacesTraining {
            network: Some(FacesNetwork {
                network: report.network,
            }),
            summary,
        })
    }

    /// The `count` hidden units whose output weights favour person `person`
    /// most: `[{ unit, score, weight }]`, best first.
    #[wasm_bindgen(js_name = favouredUnits)]
    pub fn favoured_units(&self, person: usize, count: usize) -> Result<JsValue, JsError> {
        to_js(&favoured_units(&self.network, person, count).map_err(js_error)?)
    }

    /// The input weights of `units` as RGBA images, one after another, on one
    /// shared diverging scale.
    #[wasm_bindgen(js_name = unitImagesRgba)]
    pub fn unit_images_rgba(&self, units: &[u32]) -> Result<Vec<u8>, JsError> {
        let units: Vec<usize> = units.iter().map(|&u| u as usize).collect();
        let images = input_weight_images_rgba(&self.network, &units).map_err(js_error)?;
        Ok(images.concat())
    }

    /// The number of hidden units.
    #[wasm_bindgen(getter, js_name = hiddenUnits)]
    pub fn hidden_units(&self) -> usize {
        self.network.weights()[0].ncols()
    }

    /// `{ predictions: [{ index, label, predicted, probability }], confusion }`
    /// on `faces`' test set.
    #[wasm_bindgen(js_name = testResults)]
    pub fn test_results(&self, faces: &Faces) -> Result<JsValue, JsError> {
        let test = faces.set.dataset(Split::Test);
        let predictions = predict(&self.network, &test, &faces.set.indices(Split::Test));
        let confusion = confusion_matrix(&predictions, faces.set.people().len());
        to_js(&TestResults {
            predictions,
            confusion,
        })
    }
}

/// `settings` (`{ hidden_units, learning_rate, momentum, epochs, seed }`)
/// over `defaults`.
fn settings_over(
    settings: JsValue,
    defaults: FacesTrainConfig,
) -> Result<FacesTrainConfig, JsError> {
    let settings: FacesSettings = serde_wasm_bindgen::from_value(settings)
        .map_err(|e| JsError::new(&format!("bad training settings: {e}")))?;
    Ok(FacesTrainConfig {
        hidden_units: settings.hidden_units,
        train: TrainConfig {
            optimizer: OptimizerKind::Momentum {
                beta: settings.momentum,
            },
            learning_rate: settings.learning_rate,
            epochs: settings.epochs,
            seed: settings.seed,
            ..defaults.train.clone()
        },
        ..defaults
    })
}

/// Trains on `sets`, handing each learning-curve point to `on_point`; the
/// first error the callback raises ends the run.
fn train_reporting(
    sets: &Splits,
    n_classes: usize,
    config: &FacesTrainConfig,
    on_point: &js_sys::Function,
) -> Result<FacesTrainReport, JsError> {
    crate::network::size::check_sizes(&[sets.train.n_pixels(), config.hidden_units, n_classes])
        .map_err(js_error)?;
    let mut callback_error = None;
    let report = train_on(sets, n_classes, config, |progress| {
        let Some(point) = progress.point else { return };
        if callback_error.is_some() {
            return;
        }
        let value = match to_js(point) {
            Ok(value) => value,
            Err(error) => {
                callback_error = Some(error);
                return;
            }
        };
        if let Err(error) = on_point.call1(&JsValue::NULL, &value) {
            callback_error = Some(JsError::new(&format!(
                "the curve callback failed: {error:?}"
            )));
        }
    })
    .map_err(js_error)?;
    match callback_error {
        Some(error) => Err(error),
        None => Ok(report),
    }
}

/// Part 10's features of the faces (`features.safetensors`, layout version
/// 1), to train the small classifier on in the page.
#[wasm_bindgen]
pub struct Features {
    set: FeatureSet,
}

#[wasm_bindgen]
impl Features {
    /// Parses `features.safetensors`; errors name `name` and the defect.
    #[wasm_bindgen(constructor)]
    pub fn new(name: &str, bytes: &[u8]) -> Result<Features, JsError> {
        let set = FeatureSet::from_safetensors(name, bytes).map_err(js_error)?;
        Ok(Features { set })
    }

    /// Features per face.
    #[wasm_bindgen(getter)]
    pub fn dim(&self) -> usize {
        self.set.dim()
    }

    /// Faces.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.set.len()
    }

    /// The network the features come from, and its layer.
    #[wasm_bindgen(getter)]
    pub fn backbone(&self) -> String {
        self.set.backbone().to_string()
    }

    #[wasm_bindgen(getter)]
    pub fn layer(&self) -> String {
        self.set.layer().to_string()
    }

    /// The people's names, in label order.
    pub fn people(&self) -> Result<JsValue, JsError> {
        to_js(&self.set.people())
    }
}

#[derive(Serialize)]
struct TestResults {
    predictions: Vec<Prediction>,
    confusion: Vec<Vec<usize>>,
}

/// What [`FacesNetwork::train`] returns: the network and its
/// `training.json`-shaped summary.
#[wasm_bindgen]
pub struct FacesTraining {
    network: Option<FacesNetwork>,
    summary: JsValue,
}

#[wasm_bindgen]
impl FacesTraining {
    /// The summary, in the layout of `training.json`.
    #[wasm_bindgen(getter)]
    pub fn summary(&self) -> JsValue {
        self.summary.clone()
    }

    /// The trained network (once: it is moved out).
    #[wasm_bindgen(js_name = takeNetwork)]
    pub fn take_network(&mut self) -> Result<FacesNetwork, JsError> {
        self.network
            .take()
            .ok_or_else(|| JsError::new("the trained network was taken already"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Any RUSTFLAGS in the environment, even an empty one, replaces the
    /// `+simd128` of `.cargo/config.toml`; the module then builds and runs,
    /// only slower. This test is what notices.
    #[wasm_bindgen_test]
    fn the_module_is_built_with_simd128() {
        assert!(
            simd_enabled(),
            "built without +simd128: is RUSTFLAGS set in the environment?"
        );
    }

    #[wasm_bindgen_test]
    fn a_blank_drawing_is_undefined_and_a_wrong_buffer_an_error() {
        assert_eq!(preprocess_drawing(&[0; 16], 2, 2).ok().flatten(), None);
        assert!(preprocess_drawing(&[0; 15], 2, 2).is_err());
    }
}
