//! Trained weights as safetensors files (`model.safetensors`): what `gradlab
//! mnist train` and `gradlab faces train` write, what the page loads, and
//! what the page writes back when a learner saves a network it trained.
//!
//! A model file (format `gradlab-model`, version 1, on the container of
//! [`crate::formats`]) holds one f32 tensor per layer, `W1`, `W2`, ..., each
//! `(inputs + 1) x outputs` with the bias in row 0 (the project's layout),
//! and string metadata: `kind` (`softmax` or `mlp`), `layers`, `activation`,
//! and the image shape `image_rows`, `image_cols` (1 x d for features).
//! Loading checks all of it and names what is missing or mis-shaped,
//! because a weight file is something a person can bring from elsewhere.

use ndarray::Array2;

use crate::formats::{FileError, TensorFile, TensorWriter};
use crate::network::{Activation, Mlp, Model, Network, SoftmaxNet};

/// The `format` metadata value of a model file.
pub const MODEL_FORMAT: &str = "gradlab-model";
/// The layout version this code writes and reads.
pub const MODEL_VERSION: u32 = 1;

/// A model file's bytes: its layers and what the page needs to use it.
pub fn model_to_safetensors(model: &Model<f32>, image_shape: (usize, usize)) -> Vec<u8> {
    let activation = match model {
        Model::Mlp(mlp) => mlp.activation(),
        Model::Softmax(_) => Activation::default(),
    };
    let writer = TensorWriter::new(MODEL_FORMAT, MODEL_VERSION)
        .meta("kind", model.kind())
        .meta("layers", model.weights().len())
        .meta("activation", activation.name())
        .meta("image_rows", image_shape.0)
        .meta("image_cols", image_shape.1);
    model
        .weights()
        .iter()
        .enumerate()
        .fold(writer, |writer, (l, w)| {
            writer.f32_matrix(&format!("W{}", l + 1), w.view())
        })
        .finish()
}

/// A model read back from [`model_to_safetensors`]'s bytes, with the image
/// shape it was trained on.
pub fn model_from_safetensors(
    file: &str,
    bytes: &[u8],
) -> Result<(Model<f32>, (usize, usize)), FileError> {
    let tensors = TensorFile::parse_versioned(file, bytes, MODEL_FORMAT, MODEL_VERSION)?;
    let bad = |key: &'static str, found: &str, expected: &str| FileError::BadMetadata {
        file: file.into(),
        key,
        found: found.into(),
        expected: expected.into(),
    };
    let image_shape = (
        tensors.meta_usize("image_rows")?,
        tensors.meta_usize("image_cols")?,
    );
    // Checked: the metadata comes from the file, and a product that wraps
    // would pass the shape check against a small tensor.
    let n_inputs = image_shape
        .0
        .checked_mul(image_shape.1)
        .and_then(|n| n.checked_add(1))
        .ok_or_else(|| {
            bad(
                "image_cols",
                &format!("{} (with {} rows)", image_shape.1, image_shape.0),
                "an image size that fits in memory",
            )
        })?;
    let model = match tensors.meta("kind")? {
        "softmax" => Model::Softmax(SoftmaxNet::from_weights(
            tensors.matrix("W1", (Some(n_inputs), None))?,
        )),
        "mlp" => {
            let activation = match tensors.meta("activation")? {
                "tanh" => Activation::Tanh,
                "relu" => Activation::Relu,
                other => return Err(bad("activation", other, "tanh or relu")),
            };
            let n_layers = tensors.meta_usize("layers")?;
            if n_layers < 2 {
                return Err(bad(
                    "layers",
                    &n_layers.to_string(),
                    "at least 2 for an mlp",
                ));
            }
            let mut weights: Vec<Array2<f32>> = Vec::with_capacity(n_layers);
            for l in 0..n_layers {
                let rows = weights.last().map_or(n_inputs, |w| w.ncols() + 1);
                weights.push(tensors.matrix(&format!("W{}", l + 1), (Some(rows), None))?);
            }
            Model::Mlp(
                Mlp::from_weights(weights, activation).expect("shapes chained while reading"),
            )
        }
        other => return Err(bad("kind", other, "softmax or mlp")),
    };
    // A layer of no units (no classes, no hidden units) has nothing to
    // predict or pass on.
    if let Some((l, w)) = model
        .weights()
        .iter()
        .enumerate()
        .find(|(_, w)| w.ncols() == 0)
    {
        return Err(FileError::WrongShape {
            file: file.into(),
            name: format!("W{}", l + 1),
            found: w.shape().to_vec(),
            expected: format!("[{}, at least 1]", w.nrows()),
        });
    }
    Ok((model, image_shape))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::ModelKind;
    use crate::network::ModelSpec;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn mlp() -> Model<f32> {
        let spec = ModelSpec {
            kind: ModelKind::Mlp,
            hidden_units: 5,
            activation: Activation::Relu,
        };
        spec.build(12, 10, &mut ChaCha8Rng::seed_from_u64(1))
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn models_round_trip_exactly() {
        for model in [
            mlp(),
            ModelSpec::default().build(12, 10, &mut ChaCha8Rng::seed_from_u64(2)),
        ] {
            let bytes = model_to_safetensors(&model, (3, 4));
            let (back, shape) = model_from_safetensors("m", &bytes).unwrap();
            assert_eq!(shape, (3, 4));
            assert_eq!(back.kind(), model.kind());
            assert_eq!(back.weights(), model.weights());
        }
    }

    /// A model file's writer with `mlp()`'s metadata and no tensors yet.
    fn mlp_file() -> TensorWriter {
        TensorWriter::new(MODEL_FORMAT, MODEL_VERSION)
            .meta("kind", "mlp")
            .meta("layers", 2)
            .meta("activation", "relu")
            .meta("image_rows", 3)
            .meta("image_cols", 4)
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_missing_tensor_is_named() {
        let model = mlp();
        let bytes = mlp_file()
            .f32_matrix("W1", model.weights()[0].view())
            .finish();
        let error = model_from_safetensors("weights.safetensors", &bytes).unwrap_err();
        assert!(
            matches!(&error, FileError::MissingTensor { name, .. } if name == "W2"),
            "{error}"
        );
        assert!(error.to_string().contains("weights.safetensors"));

        // W2 with the wrong number of rows (does not chain onto W1's 5 units).
        let wrong = Array2::<f32>::zeros((4, 10));
        let bytes = mlp_file()
            .f32_matrix("W1", model.weights()[0].view())
            .f32_matrix("W2", wrong.view())
            .finish();
        let error = model_from_safetensors("w", &bytes).unwrap_err();
        assert!(
            matches!(&error, FileError::WrongShape { name, found, .. } if name == "W2" && found == &vec![4, 10]),
            "{error}"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn garbage_truncation_and_other_files_are_named() {
        assert!(matches!(
            model_from_safetensors("w", b"not a model"),
            Err(FileError::Format { .. })
        ));
        let bytes = model_to_safetensors(&mlp(), (3, 4));
        assert!(matches!(
            model_from_safetensors("w", &bytes[..bytes.len() - 3]),
            Err(FileError::Format { .. })
        ));
        // A faces file opened as a model says what it is.
        let faces = TensorWriter::new("gradlab-faces", 1).finish();
        let error = model_from_safetensors("faces.safetensors", &faces).unwrap_err();
        assert_eq!(
            error.to_string(),
            "faces.safetensors is a gradlab-faces file, not a gradlab-model file"
        );
        let newer = TensorWriter::new(MODEL_FORMAT, 2).finish();
        assert!(matches!(
            model_from_safetensors("m", &newer),
            Err(FileError::Version { expected: 1, .. })
        ));
    }
}
