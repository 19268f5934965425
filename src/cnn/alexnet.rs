//! AlexNet (Krizhevsky et al., 2012), the network the project used, in
//! torchvision's layout:
//!
//! ```text
//! features.0  conv 11x11/4, pad 2 (64)  -> ReLU -> max 3x3/2
//! features.3  conv 5x5, pad 2 (192)     -> ReLU -> max 3x3/2
//! features.6  conv 3x3, pad 1 (384)     -> ReLU
//! features.8  conv 3x3, pad 1 (256)     -> ReLU
//! features.10 conv 3x3, pad 1 (256)     -> ReLU -> max 3x3/2 (6x6 for 224x224)
//! classifier.1 linear 9216 -> 4096 -> ReLU
//! classifier.4 linear 4096 -> 4096 -> ReLU
//! classifier.6 linear 4096 -> 1000
//! ```
//!
//! The weights come from a file the user supplies: torchvision's
//! `alexnet-owt-7be5be79.pth` as downloaded, or the same tensors as
//! `.safetensors`. The layer widths are read from the file (only the kernel
//! sizes and the way layers connect are fixed), so a small file in the same
//! layout goes through exactly the code that the real weights take; the tests
//! use one. Input: 224x224 RGB, scaled to 0..1 and normalised with
//! torchvision's ImageNet mean and standard deviation. At that size the last
//! pooling gives 6x6, so torchvision's adaptive pooling to 6x6 changes
//! nothing and is left out; dropout is for training only.

use std::path::Path;

use candle_core::Tensor;
use candle_nn::{Conv2d, Conv2dConfig, Linear, Module};

use super::{CnnError, InputSpec, Weights};

pub const NAME: &str = "AlexNet";

pub const INPUT: InputSpec = InputSpec {
    size: 224,
    bgr: false,
    scale: 1.0 / 255.0,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
};

/// The layers features can be taken at (conv1..5 are `features.0/3/6/8/10`;
/// fc6..8 are `classifier.1/4/6`).
pub const LAYERS: &[&str] = &[
    "conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8",
];

/// torchvision's key, kernel side, stride, padding and whether max pooling
/// follows, for each convolution.
const CONVS: [(&str, usize, usize, usize, bool); 5] = [
    ("features.0", 11, 4, 2, true),
    ("features.3", 5, 1, 2, true),
    ("features.6", 3, 1, 1, false),
    ("features.8", 3, 1, 1, false),
    ("features.10", 3, 1, 1, true),
];

const LINEARS: [&str; 3] = ["classifier.1", "classifier.4", "classifier.6"];

/// The side of the last pooling's output for a 224x224 input.
const POOLED_SIDE: usize = 6;

pub struct AlexNet {
    convs: Vec<Conv2d>,
    linears: Vec<Linear>,
}

impl AlexNet {
    /// Builds the network from torchvision-layout tensors, reading each
    /// layer's width from its weight and checking that it fits the layer
    /// before it.
    pub fn from_weights(weights: &Weights) -> Result<Self, CnnError> {
        let mut channels = 3;
        let mut convs = Vec::new();
        for (key, k, stride, padding, _) in CONVS {
            let weight = weights.get(
                &format!("{key}.weight"),
                &[None, Some(channels), Some(k), Some(k)],
            )?;
            let outputs = weight.dims()[0];
            let bias = weights.get(&format!("{key}.bias"), &[Some(outputs)])?;
            let config = Conv2dConfig {
                stride,
                padding,
                ..Conv2dConfig::default()
            };
            convs.push(Conv2d::new(weight, Some(bias), config));
            channels = outputs;
        }
        let mut inputs = channels * POOLED_SIDE * POOLED_SIDE;
        let mut linears = Vec::new();
        for key in LINEARS {
            let weight = weights.get(&format!("{key}.weight"), &[None, Some(inputs)])?;
            let outputs = weight.dims()[0];
            let bias = weights.get(&format!("{key}.bias"), &[Some(outputs)])?;
            linears.push(Linear::new(weight, Some(bias)));
            inputs = outputs;
        }
        Ok(AlexNet { convs, linears })
    }

    /// Reads a `.pth` or `.safetensors` file in torchvision's layout.
    pub fn load(path: &Path) -> Result<Self, CnnError> {
        Self::from_weights(&Weights::read(path, NAME)?)
    }

    /// The activations of `layer` (after its ReLU; fc8 is the class scores).
    pub fn forward_to(&self, input: &Tensor, layer: &str) -> candle_core::Result<Tensor> {
        let mut x = input.clone();
        for (i, (conv, (_, _, _, _, pool))) in self.convs.iter().zip(CONVS).enumerate() {
            x = conv.forward(&x)?.relu()?;
            if layer == LAYERS[i] {
                return Ok(x);
            }
            if pool {
                x = x.max_pool2d_with_stride(3, 2)?;
            }
        }
        let (n, _, h, w) = x.dims4()?;
        if (h, w) != (POOLED_SIDE, POOLED_SIDE) {
            candle_core::bail!("AlexNet needs a 224x224 input; the last pooling gave {h}x{w}")
        }
        x = x.reshape((n, ()))?;
        for (i, linear) in self.linears.iter().enumerate() {
            x = linear.forward(&x)?;
            let name = LAYERS[CONVS.len() + i];
            if name != "fc8" {
                x = x.relu()?;
            }
            if layer == name {
                return Ok(x);
            }
        }
        Ok(x)
    }

    /// The class scores (fc8).
    pub fn logits(&self, input: &Tensor) -> candle_core::Result<Tensor> {
        self.forward_to(input, "fc8")
    }
}
