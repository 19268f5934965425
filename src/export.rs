//! Trained weights as safetensors files, the format the page loads.
//!
//! A model file holds one f32 tensor per layer, `W1`, `W2`, ..., each
//! `(inputs + 1) x outputs` with the bias in row 0 (the project's layout), and
//! string metadata: `format = gradlab-model`, `version`, `kind` (`softmax` or
//! `mlp`), `activation`, and the image shape. Loading checks all of it and
//! names what is missing or mis-shaped, because a weight file is something a
//! person can bring from elsewhere.

use std::collections::HashMap;
use std::path::Path;

use ndarray::{Array2, ArrayView2};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use crate::network::{Activation, Mlp, Model, Network, SoftmaxNet};

/// The `format` metadata value of a model file.
pub const MODEL_FORMAT: &str = "gradlab-model";
/// The layout version this code writes and reads.
pub const MODEL_VERSION: &str = "1";

/// What can be wrong with a weight file.
#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    #[error("{file} is not a valid safetensors file: {reason}")]
    Format { file: String, reason: String },
    #[error("{file} has no metadata entry `{key}`; is it a gradlab model file?")]
    MissingMetadata { file: String, key: &'static str },
    #[error("{file}: metadata `{key}` is `{found}`, expected {expected}")]
    BadMetadata {
        file: String,
        key: &'static str,
        found: String,
        expected: String,
    },
    #[error("{file} has no tensor `{name}`")]
    MissingTensor { file: String, name: String },
    #[error("{file}: tensor `{name}` is {found:?}, expected F32")]
    WrongDtype {
        file: String,
        name: String,
        found: Dtype,
    },
    #[error("{file}: tensor `{name}` has shape {found:?}, expected {expected}")]
    WrongShape {
        file: String,
        name: String,
        found: Vec<usize>,
        expected: String,
    },
    // The cause is part of the message and not also `source()`, so that a
    // printer of the whole chain (anyhow's `{:#}`) shows it once.
    #[error("cannot write {file}: {cause}")]
    Write { file: String, cause: std::io::Error },
}

fn f32_bytes(a: ArrayView2<f32>) -> Vec<u8> {
    a.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Serialises named f32 matrices with string metadata.
pub fn matrices_to_safetensors(
    tensors: &[(String, ArrayView2<f32>)],
    metadata: HashMap<String, String>,
) -> Vec<u8> {
    let buffers: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
        .iter()
        .map(|(name, a)| {
            (
                name.clone(),
                vec![a.nrows(), a.ncols()],
                f32_bytes(a.view()),
            )
        })
        .collect();
    let views = buffers.iter().map(|(name, shape, bytes)| {
        let view =
            TensorView::new(Dtype::F32, shape.clone(), bytes).expect("bytes sized from the shape");
        (name.clone(), view)
    });
    safetensors::serialize(views, Some(metadata))
        .expect("f32 matrices with small string metadata always serialise")
}

/// A parsed safetensors file with checked access to its matrices.
pub struct TensorFile<'a> {
    file: String,
    tensors: SafeTensors<'a>,
    metadata: HashMap<String, String>,
}

impl<'a> TensorFile<'a> {
    /// Parses `bytes`; `file` names them in errors.
    pub fn parse(file: &str, bytes: &'a [u8]) -> Result<Self, ModelFileError> {
        let format_error = |e: safetensors::SafeTensorError| ModelFileError::Format {
            file: file.into(),
            reason: e.to_string(),
        };
        let (_, header) = SafeTensors::read_metadata(bytes).map_err(format_error)?;
        let metadata = header.metadata().clone().unwrap_or_default();
        let tensors = SafeTensors::deserialize(bytes).map_err(format_error)?;
        Ok(TensorFile {
            file: file.into(),
            tensors,
            metadata,
        })
    }

    /// A metadata value.
    pub fn meta(&self, key: &'static str) -> Result<&str, ModelFileError> {
        self.metadata
            .get(key)
            .map(String::as_str)
            .ok_or(ModelFileError::MissingMetadata {
                file: self.file.clone(),
                key,
            })
    }

    /// A metadata value parsed as a number.
    pub fn meta_usize(&self, key: &'static str) -> Result<usize, ModelFileError> {
        let value = self.meta(key)?;
        value.parse().map_err(|_| ModelFileError::BadMetadata {
            file: self.file.clone(),
            key,
            found: value.into(),
            expected: "a whole number".into(),
        })
    }

    /// The f32 matrix `name`, checked to be 2-D; `expected` (rows, cols),
    /// where given, must match.
    pub fn matrix(
        &self,
        name: &str,
        expected: (Option<usize>, Option<usize>),
    ) -> Result<Array2<f32>, ModelFileError> {
        let view = self
            .tensors
            .tensor(name)
            .map_err(|_| ModelFileError::MissingTensor {
                file: self.file.clone(),
                name: name.into(),
            })?;
        if view.dtype() != Dtype::F32 {
            return Err(ModelFileError::WrongDtype {
                file: self.file.clone(),
                name: name.into(),
                found: view.dtype(),
            });
        }
        let shape = view.shape().to_vec();
        let fits = |want: Option<usize>, got: usize| want.is_none_or(|w| w == got);
        if shape.len() != 2 || !fits(expected.0, shape[0]) || !fits(expected.1, shape[1]) {
            let show = |v: Option<usize>| v.map_or("any".to_string(), |v| v.to_string());
            return Err(ModelFileError::WrongShape {
                file: self.file.clone(),
                name: name.into(),
                found: shape,
                expected: format!("[{}, {}]", show(expected.0), show(expected.1)),
            });
        }
        let values = view
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Ok(Array2::from_shape_vec((shape[0], shape[1]), values).expect("shape checked above"))
    }
}

/// A model file's bytes: its layers and what the page needs to use it.
pub fn model_to_safetensors(model: &Model<f32>, image_shape: (usize, usize)) -> Vec<u8> {
    let tensors: Vec<(String, ArrayView2<f32>)> = model
        .weights()
        .iter()
        .enumerate()
        .map(|(l, w)| (format!("W{}", l + 1), w.view()))
        .collect();
    let activation = match model {
        Model::Mlp(mlp) => mlp.activation(),
        Model::Softmax(_) => Activation::default(),
    };
    let metadata = HashMap::from([
        ("format".to_string(), MODEL_FORMAT.to_string()),
        ("version".to_string(), MODEL_VERSION.to_string()),
        ("kind".to_string(), model.kind().to_string()),
        ("layers".to_string(), model.weights().len().to_string()),
        ("activation".to_string(), activation.name().to_string()),
        ("image_rows".to_string(), image_shape.0.to_string()),
        ("image_cols".to_string(), image_shape.1.to_string()),
    ]);
    matrices_to_safetensors(&tensors, metadata)
}

/// A model read back from [`model_to_safetensors`]'s bytes, with the image
/// shape it was trained on.
pub fn model_from_safetensors(
    file: &str,
    bytes: &[u8],
) -> Result<(Model<f32>, (usize, usize)), ModelFileError> {
    let tensors = TensorFile::parse(file, bytes)?;
    let bad = |key: &'static str, found: &str, expected: &str| ModelFileError::BadMetadata {
        file: file.into(),
        key,
        found: found.into(),
        expected: expected.into(),
    };
    let format = tensors.meta("format")?;
    if format != MODEL_FORMAT {
        return Err(bad("format", format, MODEL_FORMAT));
    }
    let version = tensors.meta("version")?;
    if version != MODEL_VERSION {
        return Err(bad("version", version, MODEL_VERSION));
    }
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
        return Err(ModelFileError::WrongShape {
            file: file.into(),
            name: format!("W{}", l + 1),
            found: w.shape().to_vec(),
            expected: format!("[{}, at least 1]", w.nrows()),
        });
    }
    Ok((model, image_shape))
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a
/// rename, so that a failed or interrupted write never leaves a partial file
/// where a good one was expected.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ModelFileError> {
    let write_error = |cause| ModelFileError::Write {
        file: path.display().to_string(),
        cause,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{name}.partial-{}", std::process::id()));
    let result = std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    if result.is_err() {
        // Best effort: the temporary file may not exist if the write failed early.
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(write_error)
}

/// Writes several files that belong together (a model and its report) so
/// that a failure leaves none of them changed: every file is first written
/// in full to a temporary file beside it, and only when all are written are
/// they renamed into place (a rename needs no space, so a full disk fails
/// before it). On an error every temporary file is removed and the files
/// already there are as they were.
pub fn write_all_atomically(files: &[(&Path, &[u8])]) -> Result<(), ModelFileError> {
    let mut written: Vec<(std::path::PathBuf, &Path)> = Vec::with_capacity(files.len());
    let clean_up = |written: &[(std::path::PathBuf, &Path)]| {
        for (temporary, _) in written {
            // Best effort, as in `write_atomically`.
            let _ = std::fs::remove_file(temporary);
        }
    };
    for &(path, bytes) in files {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temporary = dir.join(format!(".{name}.partial-{}", std::process::id()));
        if let Err(cause) = std::fs::write(&temporary, bytes) {
            let _ = std::fs::remove_file(&temporary);
            clean_up(&written);
            return Err(ModelFileError::Write {
                file: path.display().to_string(),
                cause,
            });
        }
        written.push((temporary, path));
    }
    for (i, (temporary, path)) in written.iter().enumerate() {
        if let Err(cause) = std::fs::rename(temporary, path) {
            clean_up(&written[i..]);
            return Err(ModelFileError::Write {
                file: path.display().to_string(),
                cause,
            });
        }
    }
    Ok(())
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

    #[wasm_bindgen_test(unsupported = test)]
    fn a_missing_tensor_is_named() {
        let model = mlp();
        let mut metadata = HashMap::from(
            [
                ("format", MODEL_FORMAT),
                ("version", MODEL_VERSION),
                ("kind", "mlp"),
                ("layers", "2"),
                ("activation", "relu"),
                ("image_rows", "3"),
                ("image_cols", "4"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let only_first = [("W1".to_string(), model.weights()[0].view())];
        let bytes = matrices_to_safetensors(&only_first, metadata.clone());
        let error = model_from_safetensors("weights.safetensors", &bytes).unwrap_err();
        assert!(
            matches!(&error, ModelFileError::MissingTensor { name, .. } if name == "W2"),
            "{error}"
        );
        assert!(error.to_string().contains("weights.safetensors"));

        // W2 with the wrong number of rows (does not chain onto W1's 5 units).
        let wrong = Array2::<f32>::zeros((4, 10));
        let bytes = matrices_to_safetensors(
            &[only_first[0].clone(), ("W2".to_string(), wrong.view())],
            metadata.clone(),
        );
        let error = model_from_safetensors("w", &bytes).unwrap_err();
        assert!(
            matches!(&error, ModelFileError::WrongShape { name, found, .. } if name == "W2" && found == &vec![4, 10]),
            "{error}"
        );

        metadata.remove("kind");
        let bytes = matrices_to_safetensors(&only_first, metadata);
        assert!(matches!(
            model_from_safetensors("w", &bytes),
            Err(ModelFileError::MissingMetadata { key: "kind", .. })
        ));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn garbage_and_truncation_are_format_errors() {
        assert!(matches!(
            model_from_safetensors("w", b"not a model"),
            Err(ModelFileError::Format { .. })
        ));
        let bytes = model_to_safetensors(&mlp(), (3, 4));
        assert!(matches!(
            model_from_safetensors("w", &bytes[..bytes.len() - 3]),
            Err(ModelFileError::Format { .. })
        ));
    }

    #[test] // the file system: native only
    fn atomic_write_leaves_nothing_behind_when_the_folder_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("absent").join("m.safetensors");
        assert!(matches!(
            write_atomically(&target, b"x"),
            Err(ModelFileError::Write { .. })
        ));
        let good = dir.path().join("m.safetensors");
        write_atomically(&good, b"abc").unwrap();
        assert_eq!(std::fs::read(&good).unwrap(), b"abc");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }
}
