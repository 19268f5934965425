//! The page's WebAssembly shell: conversion between JavaScript values and the
//! library's types, and errors as JavaScript `Error`s with the library's
//! message. No numerics here: everything the page computes is a library
//! function, tested natively.
//!
//! The page's worker owns three kinds of object: [`Data`] (MNIST, parsed from
//! the IDX bytes it fetched), [`Classifier`] (a network to read drawings with)
//! and [`Session`] (a network being trained on the data).

use std::rc::Rc;

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::draw;
use crate::export::{model_from_safetensors, model_to_safetensors};
use crate::mnist::{self, Dataset, Mnist};
use crate::network::{classify_image, Model, ModelSpec, Network};
use crate::train::{evaluate, TrainConfig, Trainer};
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
