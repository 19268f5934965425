//! The page's WebAssembly shell: conversion between JavaScript values and the
//! library's types, and errors as JavaScript `Error`s with the library's
//! message. No numerics and no experiment here: everything the page computes
//! or runs is a library function, tested natively.
//!
//! The boundary is typed. Every value that crosses it is a library type that
//! derives `Tsify` in the wasm build, passed as [`Ts`]`<T>`: wasm-bindgen
//! writes its TypeScript declaration into `www/pkg/gradlab.d.ts`, and the
//! page imports the declarations from there, so the two sides cannot drift.
//! Pixels and images cross as typed arrays (`Vec<u8>`, `Vec<f32>`).
//!
//! The page's worker owns these objects: [`Data`] (MNIST, parsed from the IDX
//! bytes it fetched, which [`DataDownload`] unpacks as they come),
//! [`Classifier`] (a network to read drawings with),
//! [`Session`] (a [`TrainingRun`] on the data: the draw section's and the lessons'
//! training), [`Surface`] (part 6), [`Faces`] and [`FacesNetwork`] (parts 8
//! and 9) and [`Features`] (part 10). The lessons' other figures are free
//! functions ([`figure5_table`], [`time_backprop`], [`sweep_slopes`]).

use std::rc::Rc;

use serde::{Deserialize, Serialize};
use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;

use crate::backprop_cost::{self, SweepSlopes, TimingRow};
#[cfg(feature = "cnn")]
use crate::cnn;
use crate::draw;
use crate::export::{model_from_safetensors, model_to_safetensors};
use crate::faces::hidden::{favoured_units, input_weight_images_rgba, UnitScore};
use crate::faces::training::{
    train_on, FacesCurvePoint, FacesSettings, FacesTrainConfig, Prediction, Splits, TestScore,
    TrainingSummary,
};
use crate::faces::{own, FaceSet, Split};
use crate::gradcheck::{self, DigitsCheck, Figure5Row};
use crate::kernels;
use crate::mnist::{self, ClassCounts, Dataset, Mnist, MnistDownload};
use crate::network::{
    classify_image, forward_pass, ForwardPass, Mlp, Model, ModelKind, ModelSpec, Network,
};
use crate::runs::{self, Run};
use crate::surface::{self, CostGrid, GridAxes, Paths, PixelWeight, TwoWeightSlice};
use crate::train::{
    Advance, Budget, CurvePoint, Run as TrainingRun, TrainConfig, Trainer, TrainingReport,
};
use crate::transfer::{self, ClassifierResult, FeaturesRun, TransferSummary};
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

/// A library value as its typed JavaScript counterpart.
fn to_ts<T: Tsify + Serialize>(value: &T) -> Result<Ts<T>, JsError> {
    value.into_ts().map_err(js_error)
}

/// A typed JavaScript value as its library type; `what` names it in the
/// error a malformed value gets.
fn from_ts<T>(value: Ts<T>, what: &str) -> Result<T, JsError>
where
    T: Tsify + for<'de> Deserialize<'de>,
    T::JsType: Clone,
{
    value
        .to_rust()
        .map_err(|e| JsError::new(&format!("bad {what}: {e}")))
}

/// A list of library values as a typed JavaScript array.
fn to_ts_list<T: Tsify + Serialize>(values: &[T]) -> Result<Vec<Ts<T>>, JsError> {
    values.iter().map(to_ts).collect()
}

// The boundary's names for the library's generic results, as the page uses
// them (f32 networks, digit curves): TypeScript needs each generic type
// instantiated, and these are those instantiations.

/// What one call of [`Session::advance`] did.
#[derive(Serialize, Deserialize, Tsify)]
#[tsify(missing_as_null)]
#[serde(transparent)]
pub struct TrainingAdvance(Advance<CurvePoint>);

/// One image's logits, probabilities and predicted class.
#[derive(Serialize, Deserialize, Tsify)]
#[tsify(missing_as_null)]
#[serde(transparent)]
pub struct ImagePass(ForwardPass<f32>);

/// Part 6's cost grid.
#[derive(Serialize, Deserialize, Tsify)]
#[tsify(missing_as_null)]
#[serde(transparent)]
pub struct SurfaceGrid(CostGrid<f32>);

/// Where part 6's grid is computed.
#[derive(Serialize, Deserialize, Tsify)]
#[tsify(missing_as_null)]
#[serde(transparent)]
pub struct SurfaceAxes(GridAxes<f32>);

/// Part 6's two paths.
#[derive(Serialize, Deserialize, Tsify)]
#[tsify(missing_as_null)]
#[serde(transparent)]
pub struct SurfacePaths(Paths<f32>);

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

/// The indices of a gallery: one list per class, class 0 first.
#[derive(Serialize, Deserialize, Tsify)]
#[tsify(missing_as_null)]
pub struct Gallery {
    pub indices: Vec<Vec<usize>>,
}

/// MNIST's four files as they download, unpacked on the way in (see
/// [`MnistDownload`]): the worker hands each piece of a response's body over
/// as it comes and keeps none of it.
#[wasm_bindgen]
#[derive(Default)]
pub struct DataDownload {
    files: MnistDownload,
}

#[wasm_bindgen]
impl DataDownload {
    #[wasm_bindgen(constructor)]
    pub fn new() -> DataDownload {
        DataDownload::default()
    }

    /// The next bytes of file `index`, in [`Data::new`]'s order.
    pub fn push(&mut self, index: usize, chunk: &[u8]) -> Result<(), JsError> {
        self.files.push(index, chunk).map_err(js_error)
    }

    /// Whether file `index` came gzipped (a server that sent it with
    /// `Content-Encoding: gzip` had the browser unpack it).
    #[wasm_bindgen(js_name = isGzip)]
    pub fn is_gzip(&self, index: usize) -> bool {
        self.files.is_gzip(index)
    }

    /// How many bytes the files have unpacked to so far.
    #[wasm_bindgen(getter, js_name = unpackedBytes)]
    pub fn unpacked_bytes(&self) -> usize {
        self.files.unpacked_bytes()
    }

    /// Both splits, checked; the download is used up.
    pub fn finish(self) -> Result<Data, JsError> {
        let mnist = self.files.finish().map_err(js_error)?;
        Ok(Data {
            mnist: Rc::new(mnist),
        })
    }
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
        train_images: Vec<u8>,
        train_labels: &[u8],
        test_images: Vec<u8>,
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

    /// Images per digit in each split.
    #[wasm_bindgen(js_name = classCounts)]
    pub fn class_counts(&self) -> Result<Ts<ClassCounts>, JsError> {
        to_ts(&self.mnist.class_counts())
    }

    /// Indices of `per_class` training images of each digit, digit 0 first,
    /// searching from image `offset`.
    #[wasm_bindgen(js_name = galleryIndices)]
    pub fn gallery_indices(&self, per_class: usize, offset: usize) -> Result<Ts<Gallery>, JsError> {
        to_ts(&Gallery {
            indices: self.mnist.train.gallery_indices(per_class, offset),
        })
    }

    /// The images at `indices` of a split (`train` or `test`) as 28x28 RGBA
    /// images one after another, ink dark on white.
    #[wasm_bindgen(js_name = imagesRgba)]
    pub fn images_rgba(&self, split: &str, indices: &[u32]) -> Result<Vec<u8>, JsError> {
        let data = self.split(split)?;
        let indices = checked_indices(data, indices)?;
        Ok(visual::pixel_rows_rgba(data.pixels(&indices).view()))
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
    ) -> Result<Vec<Ts<DigitsCheck>>, JsError> {
        to_ts_list(&gradcheck::check_on_digits(
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

    /// The logits, probabilities and predicted class of a 28x28 input.
    #[wasm_bindgen(js_name = forwardPass)]
    pub fn forward_pass(&self, pixels: &[f32]) -> Result<Ts<ImagePass>, JsError> {
        probabilities(&self.model, pixels)?; // The size check and its message.
        let pass = forward_pass(&self.model, pixels)
            .ok_or_else(|| JsError::new("the network does not take this image"))?;
        to_ts(&ImagePass(pass))
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
#[derive(Serialize, Deserialize, Tsify)]
#[tsify(missing_as_null)]
pub struct SessionConfig {
    pub model: ModelSpec,
    pub train: TrainConfig,
}

/// A network being trained on [`Data`]: a library [`TrainingRun`], advanced by the
/// worker in chunks.
#[wasm_bindgen]
pub struct Session {
    data: Rc<Mnist>,
    spec: ModelSpec,
    run: TrainingRun<Model<f32>, CurvePoint>,
}

#[wasm_bindgen]
impl Session {
    /// A fresh network and its run; measures the starting point (the first
    /// [`Session::advance`] reports it).
    #[wasm_bindgen(constructor)]
    pub fn new(data: &Data, config: Ts<SessionConfig>) -> Result<Session, JsError> {
        let SessionConfig { model, train } = from_ts(config, "training settings")?;
        let mnist = Rc::clone(&data.mnist);
        model
            .check(mnist.train.n_pixels(), mnist::N_CLASSES)
            .map_err(js_error)?;
        let network = model.build(
            mnist.train.n_pixels(),
            mnist::N_CLASSES,
            &mut Trainer::<Model<f32>>::rng_for(train.seed),
        );
        let run = TrainingRun::new(network, train, mnist.as_ref()).map_err(js_error)?;
        Ok(Session {
            data: mnist,
            spec: model,
            run,
        })
    }

    /// Takes up to `max_steps` steps, stopping early once `now()` (the
    /// page's `performance.now`) passes `deadline`; throws with the
    /// library's message if training diverges.
    pub fn advance(
        &mut self,
        max_steps: usize,
        deadline: f64,
        now: &js_sys::Function,
    ) -> Result<Ts<TrainingAdvance>, JsError> {
        let mut before_deadline = || {
            now.call0(&JsValue::NULL)
                .ok()
                .and_then(|t| t.as_f64())
                .is_some_and(|t| t < deadline)
        };
        let advanced = self
            .run
            .advance(
                self.data.as_ref(),
                Budget::steps(max_steps, &mut before_deadline),
            )
            .map_err(js_error)?;
        to_ts(&TrainingAdvance(advanced))
    }

    /// The Step button: `steps` steps, then a point where they left the
    /// network.
    pub fn step(&mut self, steps: usize) -> Result<Ts<TrainingAdvance>, JsError> {
        let mut always = || true;
        let mut advanced = self
            .run
            .advance(self.data.as_ref(), Budget::steps(steps, &mut always))
            .map_err(js_error)?;
        advanced
            .points
            .extend(self.run.measure_now(self.data.as_ref()).points);
        to_ts(&TrainingAdvance(advanced))
    }

    /// Steps in the whole schedule.
    #[wasm_bindgen(getter, js_name = totalIterations)]
    pub fn total_iterations(&self) -> usize {
        self.run.schedule().total_steps()
    }

    /// The ten class probabilities for a 28x28 input, by the network as it is now.
    pub fn predict(&self, pixels: &[f32]) -> Result<Vec<f32>, JsError> {
        probabilities(self.run.network(), pixels)
    }

    /// Input weights of first-layer units `first .. first + count` as 28x28
    /// RGBA images one after another, on a shared diverging colour scale.
    #[wasm_bindgen(js_name = weightImages)]
    pub fn weight_images(&self, first: usize, count: usize) -> Vec<u8> {
        visual::weight_images_rgba(self.run.network().weights()[0].view(), first, count)
    }

    /// The network as it is now, as the `model.safetensors` that `gradlab
    /// mnist train --out` writes: the binary reads it back.
    #[wasm_bindgen(js_name = toSafetensors)]
    pub fn to_safetensors(&self) -> Vec<u8> {
        model_to_safetensors(self.run.network(), self.data.train.image_shape())
    }

    /// The run so far as `report.json` (its settings and curve; the test
    /// figures are the whole test set's once the run has ended), `seconds`
    /// being the time it took.
    #[wasm_bindgen(js_name = reportJson)]
    pub fn report_json(&self, seconds: f64) -> Result<Vec<u8>, JsError> {
        let report = TrainingReport::new(
            self.spec,
            self.run.config(),
            self.run.curve(),
            self.run.final_test(),
            &self.data,
            seconds,
        );
        serde_json::to_vec_pretty(&report).map_err(js_error)
    }

    /// The network as it is now, to keep reading drawings with.
    pub fn classifier(&self) -> Classifier {
        Classifier {
            model: self.run.network().clone(),
        }
    }
}

/// The cost over two weights of a softmax network on training images, all
/// other weights fixed (part 6).
#[wasm_bindgen]
pub struct Surface {
    slice: TwoWeightSlice<f32>,
}

#[wasm_bindgen]
impl Surface {
    /// The cost over `w1` and `w2` as the mean over the first `n_images`
    /// training images ([`TwoWeightSlice::on_images`]).
    #[wasm_bindgen(constructor)]
    pub fn new(
        data: &Data,
        classifier: &Classifier,
        w1: Ts<PixelWeight>,
        w2: Ts<PixelWeight>,
        n_images: usize,
    ) -> Result<Surface, JsError> {
        let Model::Softmax(net) = &classifier.model else {
            return Err(JsError::new(
                "the cost surface is drawn for the softmax network only",
            ));
        };
        let (w1, w2) = (from_ts(w1, "weight")?, from_ts(w2, "weight")?);
        let slice = TwoWeightSlice::on_images(net, &data.mnist.train, w1, w2, n_images)
            .map_err(js_error)?;
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

    /// The whole grid over the two ranges (costs row-major in w2).
    pub fn grid(
        &self,
        w1_min: f32,
        w1_max: f32,
        w2_min: f32,
        w2_max: f32,
        resolution: usize,
    ) -> Result<Ts<SurfaceGrid>, JsError> {
        let grid = surface::cost_grid(&self.slice, (w1_min, w1_max), (w2_min, w2_max), resolution)
            .map_err(js_error)?;
        to_ts(&SurfaceGrid(grid))
    }

    /// Where [`Surface::grid`] would compute the cost.
    #[wasm_bindgen(js_name = gridAxes)]
    pub fn grid_axes(
        &self,
        w1_min: f32,
        w1_max: f32,
        w2_min: f32,
        w2_max: f32,
        resolution: usize,
    ) -> Result<Ts<SurfaceAxes>, JsError> {
        let axes =
            surface::grid_axes((w1_min, w1_max), (w2_min, w2_max), resolution).map_err(js_error)?;
        to_ts(&SurfaceAxes(axes))
    }

    /// The mean cost at each of `w1_values` with `w2`: one row of the grid.
    #[wasm_bindgen(js_name = costRow)]
    pub fn cost_row(&self, w1_values: &[f32], w2: f32) -> Vec<f32> {
        self.slice.cost_row(w1_values, w2)
    }

    /// Both optimisers' paths from the start, and the share of the way to
    /// `minimum` each closed at every step ([`surface::paths`]).
    pub fn paths(
        &self,
        start_w1: f32,
        start_w2: f32,
        learning_rate: f32,
        beta: f64,
        steps: usize,
        minimum: f32,
    ) -> Result<Ts<SurfacePaths>, JsError> {
        to_ts(&SurfacePaths(surface::paths(
            &self.slice,
            [start_w1, start_w2],
            learning_rate,
            beta,
            steps,
            minimum,
        )))
    }
}

/// The project's Figure 5: the total error for h = 1 .. 1e-9.
#[wasm_bindgen(js_name = figure5Table)]
pub fn figure5_table() -> Result<Vec<Ts<Figure5Row>>, JsError> {
    to_ts_list(&gradcheck::figure5_table())
}

/// Times backpropagation against per-weight derivatives for one size (part
/// 7), the fastest of `repeats` measurements, with `now` (the page passes
/// `() => performance.now()`) as the clock.
#[wasm_bindgen(js_name = timeBackprop)]
pub fn time_backprop(
    n_layers: usize,
    n_units: usize,
    batch: usize,
    seed: u32,
    repeats: usize,
    now: &js_sys::Function,
) -> Result<Ts<TimingRow>, JsError> {
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
    to_ts(&rows[0])
}

/// The sizes part 7 times by default, as `[N, K]` pairs.
#[derive(Serialize, Deserialize, Tsify)]
#[tsify(missing_as_null)]
pub struct BackpropGrid {
    pub sizes: Vec<(usize, usize)>,
}

#[wasm_bindgen(js_name = defaultBackpropGrid)]
pub fn default_backprop_grid() -> Result<Ts<BackpropGrid>, JsError> {
    to_ts(&BackpropGrid {
        sizes: backprop_cost::default_grid(),
    })
}

/// The log-log slopes (and fitted power laws) of each sweep in `rows`.
#[wasm_bindgen(js_name = sweepSlopes)]
pub fn sweep_slopes(rows: Vec<Ts<TimingRow>>) -> Result<Vec<Ts<SweepSlopes>>, JsError> {
    let rows = rows
        .into_iter()
        .map(|row| from_ts(row, "timing row"))
        .collect::<Result<Vec<_>, _>>()?;
    to_ts_list(&backprop_cost::sweep_slopes(&rows))
}

/// The prepared faces of parts 8 and 9 (`faces.safetensors`), to show and
/// to train on.
#[wasm_bindgen]
pub struct Faces {
    set: FaceSet,
}

/// The people of a face or feature set, in label order.
#[derive(Serialize, Deserialize, Tsify)]
#[tsify(missing_as_null)]
pub struct People {
    pub names: Vec<String>,
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
    pub fn people(&self) -> Result<Ts<People>, JsError> {
        to_ts(&People {
            names: self.set.people().to_vec(),
        })
    }

    /// Each image's person (an index into `people`).
    pub fn labels(&self) -> Vec<u8> {
        self.set.labels().to_vec()
    }

    /// Each image's split: 0 training, 1 validation, 2 test.
    pub fn splits(&self) -> Vec<u8> {
        self.set.splits().iter().map(|s| s.code()).collect()
    }

    /// The set as `faces.safetensors` (what `gradlab faces prepare` writes):
    /// how the learner's faces go to part 10's module.
    #[wasm_bindgen(js_name = toSafetensors)]
    pub fn to_safetensors(&self) -> Vec<u8> {
        self.set.to_safetensors()
    }

    /// Images `indices` as grey RGBA, `size x size` each, one after another.
    #[wasm_bindgen(js_name = imagesRgba)]
    pub fn images_rgba(&self, indices: &[u32]) -> Result<Vec<u8>, JsError> {
        let indices: Vec<usize> = indices.iter().map(|&i| i as usize).collect();
        self.set.images_rgba(&indices).map_err(js_error)
    }
}

/// The faces a learner brought (chapter 8's "Use your own faces"), prepared
/// as `gradlab faces prepare --source folder --size SIZE` prepares a folder
/// of them ([`own::prepare_own`]) at `size` (32 for parts 8 and 9, 64 for
/// part 10): `people[i]` and `files[i]` are face `i`'s person and path, and
/// its square grey crop is the next `lengths[i]` bytes of `crops`.
#[wasm_bindgen(js_name = prepareOwnFaces)]
pub fn prepare_own_faces(
    people: Vec<String>,
    files: Vec<String>,
    crops: &[u8],
    lengths: Vec<u32>,
    size: usize,
    seed: u32,
) -> Result<Faces, JsError> {
    let total: u64 = lengths.iter().map(|&n| u64::from(n)).sum();
    if people.len() != files.len() || people.len() != lengths.len() || total != crops.len() as u64 {
        return Err(JsError::new(&format!(
            "{} people, {} files, {} lengths and {} bytes of crops do not describe the same faces",
            people.len(),
            files.len(),
            lengths.len(),
            crops.len()
        )));
    }
    let mut rest = crops;
    let mut faces = Vec::with_capacity(people.len());
    for ((person, file), length) in people.into_iter().zip(files).zip(lengths) {
        let (pixels, after) = rest.split_at(length as usize);
        rest = after;
        faces.push(own::OwnFace {
            person,
            file,
            pixels: pixels.to_vec(),
        });
    }
    let set = own::prepare_own(&faces, size, u64::from(seed)).map_err(js_error)?;
    Ok(Faces { set })
}

/// An image file's format and size from its first bytes; throws, with the
/// library's message, for a file that is not an image or a photograph too
/// large to take ([`own::read_header`]): the worker asks before decoding.
#[wasm_bindgen(js_name = readPhotoHeader)]
pub fn read_photo_header(file: &str, bytes: &[u8]) -> Result<Ts<own::PhotoHeader>, JsError> {
    to_ts(&own::read_header(file, bytes).map_err(js_error)?)
}

/// Throws for a decoded photograph too large to take or without pixels.
#[wasm_bindgen(js_name = checkPhotoSize)]
pub fn check_photo_size(file: &str, width: u32, height: u32) -> Result<(), JsError> {
    own::check_photo_size(file, width, height).map_err(js_error)
}

/// A decoded photograph's or webcam shot's face: its centred square, grey,
/// `64 x 64` ([`own::OWN_CROP_SIZE`], [`own::face_from_pixels`]), from canvas
/// RGBA pixels.
#[wasm_bindgen(js_name = ownFaceFromRgba)]
pub fn own_face_from_rgba(
    file: &str,
    width: u32,
    height: u32,
    rgba: Vec<u8>,
) -> Result<Vec<u8>, JsError> {
    own::face_from_pixels(
        file,
        width,
        height,
        own::PixelLayout::Rgba,
        rgba,
        own::OWN_CROP_SIZE,
    )
    .map_err(js_error)
}

/// The face of a file browsers do not decode (PGM, the ORL faces' format).
#[wasm_bindgen(js_name = ownFaceFromFile)]
pub fn own_face_from_file(file: &str, bytes: &[u8]) -> Result<Vec<u8>, JsError> {
    own::face_from_file(file, bytes, own::OWN_CROP_SIZE).map_err(js_error)
}

/// Throws if `name` cannot be a person's name ([`own::check_name`]).
#[wasm_bindgen(js_name = checkPersonName)]
pub fn check_person_name(name: &str) -> Result<(), JsError> {
    own::check_name(name).map_err(js_error)
}

/// The path of a face in the learner's set ([`own::face_path`]).
#[wasm_bindgen(js_name = ownFacePath)]
pub fn own_face_path(person: &str, original: &str, taken: Vec<String>) -> String {
    own::face_path(person, original, &taken)
}

/// A one-hidden-layer network that tells the people of [`Faces`] apart: the
/// shipped one (`model.safetensors`) or one trained in the page.
#[wasm_bindgen]
pub struct FacesNetwork {
    network: Mlp<f32>,
}

/// The test set's predictions and confusion matrix.
#[derive(Serialize, Deserialize, Tsify)]
#[tsify(missing_as_null)]
pub struct TestResults {
    pub predictions: Vec<Prediction>,
    /// `confusion[true][predicted]`.
    pub confusion: Vec<Vec<usize>>,
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

    /// Trains a fresh network on `faces`' training set with `settings` over
    /// the defaults, calling `on_point(point)` with each learning-curve point
    /// as it is measured. The summary is `training.json`'s.
    pub fn train(
        faces: &Faces,
        settings: Ts<FacesSettings>,
        on_point: &js_sys::Function,
    ) -> Result<FacesTraining, JsError> {
        let settings = from_ts(settings, "training settings")?;
        settings.check().map_err(js_error)?;
        let config = FacesTrainConfig::default().with_settings(&settings);
        let (network, report) = train_reporting(
            &Splits::of_faces(&faces.set),
            faces.set.people().len(),
            &config,
            on_point,
            |report| TrainingSummary::new(&faces.set, &config, report),
        )?;
        Ok(FacesTraining {
            network: Some(network),
            summary: Summary::Faces(report),
        })
    }

    /// Part 10: trains a fresh network on `features`' training set, as
    /// [`FacesNetwork::train`] does on pixels, over
    /// [`transfer::default_config`]. The summary is a `features.json`
    /// classifier result.
    #[wasm_bindgen(js_name = trainOnFeatures)]
    pub fn train_on_features(
        features: &Features,
        settings: Ts<FacesSettings>,
        on_point: &js_sys::Function,
    ) -> Result<FacesTraining, JsError> {
        let settings = from_ts(settings, "training settings")?;
        settings.check().map_err(js_error)?;
        let config = transfer::default_config().with_settings(&settings);
        let (network, result) = train_reporting(
            &features.run.features.splits(),
            features.run.features.people().len(),
            &config,
            on_point,
            |report| ClassifierResult::new(report, &config),
        )?;
        Ok(FacesTraining {
            network: Some(network),
            summary: Summary::Classifier(result),
        })
    }

    /// The `count` hidden units whose output weights favour person `person`
    /// most, best first.
    #[wasm_bindgen(js_name = favouredUnits)]
    pub fn favoured_units(
        &self,
        person: usize,
        count: usize,
    ) -> Result<Vec<Ts<UnitScore>>, JsError> {
        to_ts_list(&favoured_units(&self.network, person, count).map_err(js_error)?)
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

    /// The network as the `model.safetensors` of `gradlab faces train`,
    /// for faces of `size x size` pixels.
    #[wasm_bindgen(js_name = toSafetensors)]
    pub fn to_safetensors(&self, size: usize) -> Vec<u8> {
        model_to_safetensors(&Model::Mlp(self.network.clone()), (size, size))
    }

    /// The network as the `classifier.safetensors` of `gradlab features`,
    /// for features of `dim` values (`gradlab faces eval --data RUN --model
    /// FILE` measures it on that run's features).
    #[wasm_bindgen(js_name = toClassifierSafetensors)]
    pub fn to_classifier_safetensors(&self, dim: usize) -> Vec<u8> {
        model_to_safetensors(&Model::Mlp(self.network.clone()), (1, dim))
    }

    /// The predictions and confusion matrix on `faces`' test set.
    #[wasm_bindgen(js_name = testResults)]
    pub fn test_results(&self, faces: &Faces) -> Result<Ts<TestResults>, JsError> {
        let score = TestScore::of(
            &self.network,
            &faces.set.dataset(Split::Test),
            &faces.set.indices(Split::Test),
            faces.set.people().len(),
        );
        to_ts(&TestResults {
            predictions: score.predictions,
            confusion: score.confusion,
        })
    }
}

/// Trains on `sets`, handing each learning-curve point to `on_point`; the
/// first error the callback raises ends the run. Returns the network and
/// `summarise`'s summary of the run.
fn train_reporting<S>(
    sets: &Splits,
    n_classes: usize,
    config: &FacesTrainConfig,
    on_point: &js_sys::Function,
    summarise: impl FnOnce(&crate::faces::training::FacesTrainReport) -> S,
) -> Result<(FacesNetwork, S), JsError> {
    let mut callback_error = None;
    let report = train_on(sets, n_classes, config, |progress| {
        let Some(point) = progress.point else { return };
        if callback_error.is_some() {
            return;
        }
        let sent = to_ts::<FacesCurvePoint>(point).and_then(|point| {
            on_point
                .call1(&JsValue::NULL, &JsValue::from(point))
                .map_err(|error| JsError::new(&format!("the curve callback failed: {error:?}")))
        });
        if let Err(error) = sent {
            callback_error = Some(error);
        }
    })
    .map_err(js_error)?;
    if let Some(error) = callback_error {
        return Err(error);
    }
    let summary = summarise(&report);
    Ok((
        FacesNetwork {
            network: report.network,
        },
        summary,
    ))
}

/// Part 10's features of the faces, from the three files of one `gradlab
/// features` run ([`FeaturesRun::read`] checks that they belong together),
/// to show and to train the small classifier on in the page.
#[wasm_bindgen]
pub struct Features {
    run: FeaturesRun,
}

#[wasm_bindgen]
impl Features {
    /// Reads `features.safetensors`, `classifier.safetensors` and
    /// `features.json` (names for the errors, then bytes).
    #[wasm_bindgen(js_name = fromRun)]
    pub fn from_run(
        features_name: &str,
        features: &[u8],
        classifier_name: &str,
        classifier: &[u8],
        results_name: &str,
        results: &[u8],
    ) -> Result<Features, JsError> {
        let run = FeaturesRun::read(
            (features_name, features),
            (classifier_name, classifier),
            (results_name, results),
        )
        .map_err(js_error)?;
        Ok(Features { run })
    }

    /// The run's `features.safetensors`, as `gradlab features --out` writes it.
    #[wasm_bindgen(js_name = featuresSafetensors)]
    pub fn features_safetensors(&self) -> Vec<u8> {
        self.run.features.to_safetensors()
    }

    /// The run's `classifier.safetensors`.
    #[wasm_bindgen(js_name = classifierSafetensors)]
    pub fn classifier_safetensors(&self) -> Vec<u8> {
        self.run.classifier_safetensors()
    }

    /// The run's `features.json`.
    #[wasm_bindgen(js_name = resultsJson)]
    pub fn results_json(&self) -> Vec<u8> {
        self.run.results_json()
    }

    /// Features per face.
    #[wasm_bindgen(getter)]
    pub fn dim(&self) -> usize {
        self.run.features.dim()
    }

    /// Faces.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.run.features.len()
    }

    /// The network the features come from, and its layer.
    #[wasm_bindgen(getter)]
    pub fn backbone(&self) -> String {
        self.run.features.backbone().to_string()
    }

    #[wasm_bindgen(getter)]
    pub fn layer(&self) -> String {
        self.run.features.layer().to_string()
    }

    /// Hidden units of the run's classifier.
    #[wasm_bindgen(getter, js_name = classifierHiddenUnits)]
    pub fn classifier_hidden_units(&self) -> usize {
        self.run.classifier.weights()[0].ncols()
    }

    /// The people's names, in label order.
    pub fn people(&self) -> Result<Ts<People>, JsError> {
        to_ts(&People {
            names: self.run.features.people().to_vec(),
        })
    }

    /// The run's `features.json`.
    pub fn summary(&self) -> Result<Ts<TransferSummary>, JsError> {
        to_ts(&self.run.summary)
    }
}

/// Part 10's pretrained network in the page: SqueezeNet 1.1, the same code
/// as in `gradlab features`, from the weights file the page fetches
/// when chapter 10 first asks (half precision: [`cnn::to_half_precision`]).
/// Only the build with the feature `cnn` has it: the page loads that module
/// in a worker of its own when part 10 runs on the learner's faces, so that
/// candle's code (1.6 MB, which reads the weights) is not part of the page's start-up and the drawing
/// is read while the network runs.
#[cfg(feature = "cnn")]
#[wasm_bindgen]
pub struct Cnn {
    backbone: cnn::Backbone,
}

#[cfg(feature = "cnn")]
#[wasm_bindgen]
impl Cnn {
    /// SqueezeNet 1.1 from a safetensors file (`name` for the errors), f32
    /// or f16, every tensor's name and shape checked.
    #[wasm_bindgen(js_name = squeezeNet)]
    pub fn squeeze_net(name: &str, bytes: &[u8]) -> Result<Cnn, JsError> {
        let net = cnn::SqueezeNet::from_safetensors(name, bytes).map_err(js_error)?;
        Ok(Cnn {
            backbone: cnn::Backbone::SqueezeNet(net),
        })
    }

    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.backbone.name().into()
    }

    /// The 1000 ImageNet class scores (before the softmax) of one RGBA image,
    /// `width x height`, fitted to the network's input as natively.
    #[wasm_bindgen(js_name = imagenetScores)]
    pub fn imagenet_scores(
        &self,
        width: u32,
        height: u32,
        rgba: &[u8],
    ) -> Result<Vec<f32>, JsError> {
        let image = image::RgbaImage::from_raw(width, height, rgba.to_vec()).ok_or_else(|| {
            JsError::new(&format!(
                "{} bytes are not the RGBA pixels of a {width} x {height} image",
                rgba.len()
            ))
        })?;
        self.backbone
            .imagenet_scores(&image::DynamicImage::ImageRgba8(image))
            .map_err(js_error)
    }

    /// Part 10 on `faces` (the learner's own): the network's features at
    /// `layer` for every face, `batch` faces per forward pass, calling
    /// `on_progress(done)` after each batch; then the small classifier on
    /// them and on the pixels, as `gradlab features --data` does on the same
    /// prepared faces (the faces are the network's input, as there).
    #[wasm_bindgen(js_name = featuresOf)]
    pub fn features_of(
        &self,
        faces: &Faces,
        layer: &str,
        batch: usize,
        settings: Ts<transfer::TransferSettings>,
        on_progress: &js_sys::Function,
    ) -> Result<Features, JsError> {
        let settings = from_ts(settings, "part 10's settings")?;
        if batch == 0 || settings.hidden_units == 0 {
            return Err(JsError::new(
                "the batch and the hidden units must be at least 1",
            ));
        }
        let images = cnn::crops_as_rgb(&faces.set);
        let mut callback_error = None;
        let set = self
            .backbone
            .feature_set(&faces.set, &images, layer, batch, |done| {
                if callback_error.is_none() {
                    if let Err(error) = on_progress.call1(&JsValue::NULL, &JsValue::from(done)) {
                        callback_error = Some(error);
                    }
                }
            })
            .map_err(js_error)?;
        if let Some(error) = callback_error {
            return Err(JsError::new(&format!(
                "the progress callback failed: {error:?}"
            )));
        }
        let (summary, on_features) =
            transfer::compare(&faces.set, &set, &settings).map_err(js_error)?;
        Ok(Features {
            run: FeaturesRun {
                features: set,
                classifier: on_features.network,
                summary,
            },
        })
    }
}

/// The files a person opened (picked, dropped, or fetched from beside the
/// page), gathered before [`RunFiles::open`] reads them as runs.
#[wasm_bindgen]
#[derive(Default)]
pub struct RunFiles {
    files: Vec<(String, Vec<u8>)>,
}

/// A faces run's summary as the `training.json` `gradlab faces train`
/// writes (the same serialiser, so the binary reads it back).
#[wasm_bindgen(js_name = trainingJson)]
pub fn training_json(summary: Ts<TrainingSummary>) -> Result<Vec<u8>, JsError> {
    let summary = from_ts(summary, "training summary")?;
    serde_json::to_vec_pretty(&summary).map_err(js_error)
}

/// Throws, with the library's message, for a file too large to be a run's
/// ([`runs::check_size`]): the page asks before it reads a file.
#[wasm_bindgen(js_name = checkRunFileSize)]
pub fn check_run_file_size(path: &str, size: f64) -> Result<(), JsError> {
    runs::check_size(path, size as u64).map_err(js_error)
}

#[wasm_bindgen]
impl RunFiles {
    #[wasm_bindgen(constructor)]
    pub fn new() -> RunFiles {
        RunFiles::default()
    }

    /// One file: its path in the opened folder (`/` between folders) and bytes.
    pub fn add(&mut self, path: &str, bytes: &[u8]) {
        self.files.push((path.to_string(), bytes.to_vec()));
    }

    /// Recognises and reads every run among the files ([`runs::open`]).
    pub fn open(&self) -> Result<OpenedRuns, JsError> {
        let opened = runs::open(&self.files).map_err(js_error)?;
        Ok(OpenedRuns {
            runs: opened.runs,
            ignored: opened.ignored,
        })
    }
}

/// A digits run, as the page shows it: what it is called and its report.
#[derive(Serialize, Deserialize, Tsify)]
#[tsify(missing_as_null)]
pub struct DigitsRunInfo {
    pub name: String,
    pub kind: ModelKind,
    pub report: Option<TrainingReport>,
}

/// The runs [`RunFiles::open`] found. Each is taken out once, as the
/// objects the page already works with.
#[wasm_bindgen]
pub struct OpenedRuns {
    runs: Vec<(String, Run)>,
    ignored: Vec<String>,
}

#[wasm_bindgen]
impl OpenedRuns {
    /// How many runs.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.runs.len()
    }

    /// The files passed over (pictures, anything not of a run).
    pub fn ignored(&self) -> Vec<String> {
        self.ignored.clone()
    }

    /// `digits`, `faces` or `features`.
    pub fn kind(&self, index: usize) -> Result<String, JsError> {
        Ok(match self.run(index)? {
            Run::Digits(_) => "digits",
            Run::Faces(_) => "faces",
            Run::Features(_) => "features",
        }
        .into())
    }

    fn run(&self, index: usize) -> Result<&Run, JsError> {
        self.runs.get(index).map(|(_, run)| run).ok_or_else(|| {
            JsError::new(&format!("no run {index}: {} were opened", self.runs.len()))
        })
    }

    /// The folder run `index` was in (`""` for files opened on their own).
    pub fn folder(&self, index: usize) -> Result<String, JsError> {
        self.run(index)?;
        Ok(self.runs[index].0.clone())
    }

    /// Run `index`'s network, to read drawings with.
    #[wasm_bindgen(js_name = digitsClassifier)]
    pub fn digits_classifier(&self, index: usize) -> Result<Classifier, JsError> {
        match self.run(index)? {
            Run::Digits(run) => Ok(Classifier {
                model: run.model.clone(),
            }),
            _ => Err(JsError::new("not a digits run")),
        }
    }

    /// Run `index`'s name, network kind and report.
    #[wasm_bindgen(js_name = digitsInfo)]
    pub fn digits_info(&self, index: usize) -> Result<Ts<DigitsRunInfo>, JsError> {
        match self.run(index)? {
            Run::Digits(run) => to_ts(&DigitsRunInfo {
                name: run.name.clone(),
                kind: match run.model {
                    Model::Softmax(_) => ModelKind::Softmax,
                    Model::Mlp(_) => ModelKind::Mlp,
                },
                report: run.report.clone(),
            }),
            _ => Err(JsError::new("not a digits run")),
        }
    }

    /// Run `index`'s faces.
    pub fn faces(&self, index: usize) -> Result<Faces, JsError> {
        match self.run(index)? {
            Run::Faces(run) => Ok(Faces {
                set: run.faces.clone(),
            }),
            _ => Err(JsError::new("not a faces run")),
        }
    }

    /// Run `index`'s trained network, if it was trained.
    #[wasm_bindgen(js_name = facesNetwork)]
    pub fn faces_network(&self, index: usize) -> Result<Option<FacesNetwork>, JsError> {
        match self.run(index)? {
            Run::Faces(run) => Ok(run.trained.as_ref().map(|(network, _)| FacesNetwork {
                network: network.clone(),
            })),
            _ => Err(JsError::new("not a faces run")),
        }
    }

    /// Run `index`'s `training.json`, if it was trained.
    #[wasm_bindgen(js_name = facesSummary)]
    pub fn faces_summary(&self, index: usize) -> Result<Option<Ts<TrainingSummary>>, JsError> {
        match self.run(index)? {
            Run::Faces(run) => run
                .trained
                .as_ref()
                .map(|(_, summary)| to_ts(summary))
                .transpose(),
            _ => Err(JsError::new("not a faces run")),
        }
    }

    /// Run `index`'s features, classifier and `features.json`.
    pub fn features(&self, index: usize) -> Result<Features, JsError> {
        match self.run(index)? {
            Run::Features(run) => Ok(Features { run: run.clone() }),
            _ => Err(JsError::new("not a features run")),
        }
    }
}

/// What a faces run's summary is: part 8's `training.json`, or part 10's
/// classifier result.
enum Summary {
    Faces(TrainingSummary),
    Classifier(ClassifierResult),
}

/// What [`FacesNetwork::train`] and [`FacesNetwork::train_on_features`]
/// return: the network and its summary.
#[wasm_bindgen]
pub struct FacesTraining {
    network: Option<FacesNetwork>,
    summary: Summary,
}

#[wasm_bindgen]
impl FacesTraining {
    /// Part 8's summary, in the layout of `training.json`.
    #[wasm_bindgen(js_name = facesSummary)]
    pub fn faces_summary(&self) -> Result<Ts<TrainingSummary>, JsError> {
        match &self.summary {
            Summary::Faces(summary) => to_ts(summary),
            Summary::Classifier(_) => Err(JsError::new("this run trained on features")),
        }
    }

    /// Part 10's summary, a `features.json` classifier result.
    #[wasm_bindgen(js_name = classifierSummary)]
    pub fn classifier_summary(&self) -> Result<Ts<ClassifierResult>, JsError> {
        match &self.summary {
            Summary::Classifier(result) => to_ts(result),
            Summary::Faces(_) => Err(JsError::new("this run trained on faces' pixels")),
        }
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
