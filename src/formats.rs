//! The files gradlab writes and reads, in one place: a versioned safetensors
//! container that every binary format is built on, and how a run's files are
//! written so that a failure never leaves half of them.
//!
//! Every command's `--out` folder is a set of these files; the page reads the
//! same files (and writes them back when a learner saves what they trained),
//! so a person can move a run between the command line and the page in
//! either direction.
//!
//! | file | written by | format, version | layout documented in |
//! | --- | --- | --- | --- |
//! | `model.safetensors` | `mnist train`, `faces train`, the page's Save | `gradlab-model` 1 | [`crate::export`] |
//! | `report.json` | `mnist train` | `gradlab-mnist-report` 1 | [`crate::train::TrainingReport`] |
//! | `faces.safetensors`, `faces.json` | `faces prepare` | `gradlab-faces` 1 | [`crate::faces`] |
//! | `training.json` | `faces train` | `gradlab-faces-training` 1 | [`crate::faces::training::TrainingSummary`] |
//! | `features.safetensors` | `features` | `gradlab-features` 1 | [`crate::transfer`] |
//! | `classifier.safetensors` | `features` | `gradlab-model` 1 | [`crate::export`] |
//! | `features.json` | `features` | `gradlab-features` 1 | [`crate::transfer::TransferSummary`] |
//!
//! A safetensors file of gradlab carries string metadata `format` (what it
//! is) and `version` (its layout); [`TensorFile::parse_versioned`] refuses a
//! file of another kind or version with a message that says which it is, so
//! a person who opens the wrong file learns what they opened. Everything in
//! a file is checked before it is used (shapes against each other and
//! against the metadata, labels against the people), because these are
//! files a person can bring from elsewhere.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ndarray::{Array2, ArrayView2};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// What can be wrong with a file gradlab reads.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FileError {
    #[error("{file} is not a valid safetensors file: {reason}")]
    Format { file: String, reason: String },
    #[error("{file} is a {found} file, not a {expected} file")]
    WrongKind {
        file: String,
        found: String,
        expected: &'static str,
    },
    #[error("{file} has layout version {found}, and this gradlab reads version {expected}: open it with the gradlab that wrote it, or write it again with this one")]
    Version {
        file: String,
        found: String,
        expected: u32,
    },
    #[error("{file} has no metadata entry `{key}`; is it a gradlab file?")]
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
    #[error("{file}: tensor `{name}` is {found}, expected {expected}")]
    WrongDtype {
        file: String,
        name: String,
        found: String,
        expected: &'static str,
    },
    #[error("{file}: tensor `{name}` has shape {found:?}, expected {expected}")]
    WrongShape {
        file: String,
        name: String,
        found: Vec<usize>,
        expected: String,
    },
    /// The file is well formed but contradicts itself (a label past the
    /// people, counts that disagree).
    #[error("{file}: {reason}")]
    Invalid { file: String, reason: String },
}

/// A file that could not be written.
#[derive(Debug, thiserror::Error)]
// The cause is part of the message and not also `source()`, so that a
// printer of the whole chain (anyhow's `{:#}`) shows it once.
#[error("cannot write {file}: {cause}")]
pub struct WriteError {
    pub file: String,
    pub cause: std::io::Error,
}

/// Builds a gradlab safetensors file: its kind and version, string
/// metadata, and tensors.
pub struct TensorWriter {
    metadata: HashMap<String, String>,
    tensors: Vec<(String, Dtype, Vec<usize>, Vec<u8>)>,
}

impl TensorWriter {
    /// A file of kind `format` (`gradlab-model`, ...) in layout `version`.
    pub fn new(format: &str, version: u32) -> Self {
        let metadata = HashMap::from([
            ("format".to_string(), format.to_string()),
            ("version".to_string(), version.to_string()),
        ]);
        TensorWriter {
            metadata,
            tensors: Vec::new(),
        }
    }

    /// A metadata entry.
    pub fn meta(mut self, key: &str, value: impl ToString) -> Self {
        self.metadata.insert(key.to_string(), value.to_string());
        self
    }

    /// A metadata entry holding JSON (a list of names, say).
    pub fn meta_json<T: Serialize + ?Sized>(self, key: &str, value: &T) -> Self {
        let json = serde_json::to_string(value).expect("names and numbers serialise");
        self.meta(key, json)
    }

    /// A 2-D f32 tensor.
    pub fn f32_matrix(mut self, name: &str, matrix: ArrayView2<f32>) -> Self {
        let bytes = matrix.iter().flat_map(|v| v.to_le_bytes()).collect();
        let shape = vec![matrix.nrows(), matrix.ncols()];
        self.tensors
            .push((name.to_string(), Dtype::F32, shape, bytes));
        self
    }

    /// A 1-D f32 tensor.
    pub fn f32_vector(mut self, name: &str, values: &[f32]) -> Self {
        let bytes = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let shape = vec![values.len()];
        self.tensors
            .push((name.to_string(), Dtype::F32, shape, bytes));
        self
    }

    /// A u8 tensor of `shape` (row-major `bytes`).
    ///
    /// # Panics
    /// If `bytes` does not have `shape`'s number of elements.
    pub fn u8_tensor(mut self, name: &str, shape: Vec<usize>, bytes: Vec<u8>) -> Self {
        assert_eq!(
            shape.iter().product::<usize>(),
            bytes.len(),
            "{name}'s shape"
        );
        self.tensors
            .push((name.to_string(), Dtype::U8, shape, bytes));
        self
    }

    /// The file's bytes.
    pub fn finish(self) -> Vec<u8> {
        let views = self.tensors.iter().map(|(name, dtype, shape, bytes)| {
            let view = TensorView::new(*dtype, shape.clone(), bytes)
                .expect("tensors sized from their shapes");
            (name.clone(), view)
        });
        safetensors::serialize(views, Some(self.metadata))
            .expect("tensors with small string metadata always serialise")
    }
}

/// A parsed safetensors file with checked access to its metadata and tensors.
pub struct TensorFile<'a> {
    file: String,
    tensors: SafeTensors<'a>,
    metadata: HashMap<String, String>,
}

impl<'a> TensorFile<'a> {
    /// Parses `bytes` as any safetensors file; `file` names them in errors.
    pub fn parse(file: &str, bytes: &'a [u8]) -> Result<Self, FileError> {
        let format_error = |e: safetensors::SafeTensorError| FileError::Format {
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

    /// Parses a gradlab file that must be of kind `format` in layout
    /// `version`.
    pub fn parse_versioned(
        file: &str,
        bytes: &'a [u8],
        format: &'static str,
        version: u32,
    ) -> Result<Self, FileError> {
        let parsed = TensorFile::parse(file, bytes)?;
        let found = parsed.meta("format")?;
        if found != format {
            return Err(FileError::WrongKind {
                file: file.into(),
                found: found.into(),
                expected: format,
            });
        }
        let found = parsed.meta("version")?;
        if found != version.to_string() {
            return Err(FileError::Version {
                file: file.into(),
                found: found.into(),
                expected: version,
            });
        }
        Ok(parsed)
    }

    /// The name errors give the file.
    pub fn name(&self) -> &str {
        &self.file
    }

    /// A metadata value.
    pub fn meta(&self, key: &'static str) -> Result<&str, FileError> {
        self.metadata
            .get(key)
            .map(String::as_str)
            .ok_or(FileError::MissingMetadata {
                file: self.file.clone(),
                key,
            })
    }

    /// A metadata value parsed as a number.
    pub fn meta_usize(&self, key: &'static str) -> Result<usize, FileError> {
        let value = self.meta(key)?;
        value.parse().map_err(|_| FileError::BadMetadata {
            file: self.file.clone(),
            key,
            found: value.into(),
            expected: "a whole number".into(),
        })
    }

    /// A metadata value holding JSON; `expected` says what it should be.
    pub fn meta_json<T: DeserializeOwned>(
        &self,
        key: &'static str,
        expected: &str,
    ) -> Result<T, FileError> {
        let value = self.meta(key)?;
        serde_json::from_str(value).map_err(|e| FileError::BadMetadata {
            file: self.file.clone(),
            key,
            found: format!("{value:.60}"),
            expected: format!("{expected} ({e})"),
        })
    }

    /// An error about this file's content.
    pub fn invalid(&self, reason: impl Into<String>) -> FileError {
        FileError::Invalid {
            file: self.file.clone(),
            reason: reason.into(),
        }
    }

    /// Tensor `name` of `dtype`, whose shape must fit `expected` (`None`
    /// fits any length on that axis); its shape and bytes.
    fn tensor(
        &self,
        name: &str,
        dtype: Dtype,
        expected: &[Option<usize>],
    ) -> Result<(Vec<usize>, &[u8]), FileError> {
        let view = self
            .tensors
            .tensor(name)
            .map_err(|_| FileError::MissingTensor {
                file: self.file.clone(),
                name: name.into(),
            })?;
        if view.dtype() != dtype {
            return Err(FileError::WrongDtype {
                file: self.file.clone(),
                name: name.into(),
                found: format!("{:?}", view.dtype()),
                expected: if dtype == Dtype::F32 { "F32" } else { "U8" },
            });
        }
        let shape = view.shape().to_vec();
        let fits = shape.len() == expected.len()
            && shape
                .iter()
                .zip(expected)
                .all(|(&got, want)| want.is_none_or(|w| w == got));
        if !fits {
            let show: Vec<String> = expected
                .iter()
                .map(|v| v.map_or("any".to_string(), |v| v.to_string()))
                .collect();
            return Err(FileError::WrongShape {
                file: self.file.clone(),
                name: name.into(),
                found: shape,
                expected: format!("[{}]", show.join(", ")),
            });
        }
        Ok((shape, view.data()))
    }

    /// The f32 matrix `name`; `expected` (rows, cols), where given, must match.
    pub fn matrix(
        &self,
        name: &str,
        expected: (Option<usize>, Option<usize>),
    ) -> Result<Array2<f32>, FileError> {
        let (shape, bytes) = self.tensor(name, Dtype::F32, &[expected.0, expected.1])?;
        let values = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Ok(Array2::from_shape_vec((shape[0], shape[1]), values).expect("shape checked above"))
    }

    /// The f32 vector `name` of `len` values.
    pub fn f32_vector(&self, name: &str, len: usize) -> Result<Vec<f32>, FileError> {
        let (_, bytes) = self.tensor(name, Dtype::F32, &[Some(len)])?;
        Ok(bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    /// The u8 tensor `name`, whose shape must fit `expected`; its shape and bytes.
    pub fn u8_tensor(
        &self,
        name: &str,
        expected: &[Option<usize>],
    ) -> Result<(Vec<usize>, &[u8]), FileError> {
        self.tensor(name, Dtype::U8, expected)
    }
}

/// A JSON file of gradlab's (a report, a summary) read into its type;
/// `file` names it in errors and `what` says what it should be.
pub fn read_json<T: DeserializeOwned>(
    file: &str,
    bytes: &[u8],
    what: &str,
) -> Result<T, FileError> {
    serde_json::from_slice(bytes).map_err(|e| FileError::Format {
        file: file.into(),
        reason: format!("not {what}: {e}"),
    })
}

/// The temporary file beside `path` that a write goes to first.
fn temporary_beside(path: &Path) -> PathBuf {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(format!(".{name}.partial-{}", std::process::id()))
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a
/// rename, so that a failed or interrupted write never leaves a partial file
/// where a good one was expected.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_all_atomically(&[(path, bytes)])
}

/// Writes several files that belong together (a model and its report) so
/// that a failure leaves none of them changed: every file is first written
/// in full to a temporary file beside it, and only when all are written are
/// they renamed into place (a rename needs no space, so a full disk fails
/// before it). On an error every temporary file is removed and the files
/// already there are as they were.
pub fn write_all_atomically(files: &[(&Path, &[u8])]) -> Result<(), WriteError> {
    let mut written: Vec<(PathBuf, &Path)> = Vec::with_capacity(files.len());
    let clean_up = |written: &[(PathBuf, &Path)]| {
        for (temporary, _) in written {
            // Best effort: the temporary file may not exist if a write failed early.
            let _ = std::fs::remove_file(temporary);
        }
    };
    for &(path, bytes) in files {
        let temporary = temporary_beside(path);
        if let Err(cause) = std::fs::write(&temporary, bytes) {
            let _ = std::fs::remove_file(&temporary);
            clean_up(&written);
            return Err(WriteError {
                file: path.display().to_string(),
                cause,
            });
        }
        written.push((temporary, path));
    }
    for (i, (temporary, path)) in written.iter().enumerate() {
        if let Err(cause) = std::fs::rename(temporary, path) {
            clean_up(&written[i..]);
            return Err(WriteError {
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
    use wasm_bindgen_test::wasm_bindgen_test;

    fn sample() -> Vec<u8> {
        TensorWriter::new("gradlab-test", 3)
            .meta("size", 2)
            .meta_json("people", &["a", "b"])
            .f32_matrix(
                "W",
                Array2::from_shape_vec((2, 3), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
                    .unwrap()
                    .view(),
            )
            .f32_vector("scale", &[0.5, 0.25])
            .u8_tensor("labels", vec![2], vec![0, 1])
            .finish()
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn what_is_written_reads_back() {
        let bytes = sample();
        let file = TensorFile::parse_versioned("t.safetensors", &bytes, "gradlab-test", 3).unwrap();
        assert_eq!(file.meta_usize("size").unwrap(), 2);
        let people: Vec<String> = file.meta_json("people", "a list of names").unwrap();
        assert_eq!(people, ["a", "b"]);
        let w = file.matrix("W", (Some(2), None)).unwrap();
        assert_eq!(w[[1, 2]], 6.0);
        assert_eq!(file.f32_vector("scale", 2).unwrap(), [0.5, 0.25]);
        let (shape, labels) = file.u8_tensor("labels", &[None]).unwrap();
        assert_eq!((shape, labels), (vec![2], &[0u8, 1][..]));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn another_kind_or_version_is_named() {
        let bytes = sample();
        let error = TensorFile::parse_versioned("t.safetensors", &bytes, "gradlab-model", 3)
            .err()
            .unwrap();
        assert_eq!(
            error.to_string(),
            "t.safetensors is a gradlab-test file, not a gradlab-model file"
        );
        let error = TensorFile::parse_versioned("t.safetensors", &bytes, "gradlab-test", 1)
            .err()
            .unwrap();
        assert!(matches!(error, FileError::Version { ref found, expected: 1, .. } if found == "3"));
        assert!(
            error.to_string().contains("write it again with this one"),
            "{error}"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn shapes_types_and_truncation_are_named() {
        let bytes = sample();
        let file = TensorFile::parse("t", &bytes).unwrap();
        assert!(matches!(
            file.matrix("W", (Some(3), None)),
            Err(FileError::WrongShape { ref expected, .. }) if expected == "[3, any]"
        ));
        assert!(matches!(
            file.matrix("labels", (None, None)),
            Err(FileError::WrongDtype { .. })
        ));
        assert!(matches!(
            file.matrix("V", (None, None)),
            Err(FileError::MissingTensor { .. })
        ));
        assert!(matches!(
            file.meta_json::<Vec<String>>("size", "a list of names"),
            Err(FileError::BadMetadata { key: "size", .. })
        ));
        for end in [0, 8, bytes.len() / 2, bytes.len() - 1] {
            assert!(matches!(
                TensorFile::parse("cut", &bytes[..end]),
                Err(FileError::Format { .. })
            ));
        }
    }

    #[test] // the file system: native only
    fn atomic_writes_leave_nothing_behind_when_the_folder_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("absent").join("m.safetensors");
        assert!(write_atomically(&target, b"x").is_err());
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
