//! What the page loads: a model (`models/*.safetensors`, the faces'
//! `model.safetensors`), the prepared faces and the CNN features. Each file
//! is tried as all three, and what loads is then used as the page uses it.
#![no_main]

use gradlab::faces::Split;
use gradlab::network::Network;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((model, _shape)) = gradlab::export::model_from_safetensors("fuzz", data) {
        // The page classifies a drawing (or a face) with it.
        let n_pixels = model.weights()[0].nrows() - 1;
        let blank = vec![0.5_f32; n_pixels];
        let network: &dyn Network<f32> = &model;
        let _ = gradlab::network::classify_image(network, &blank);
        let _ = gradlab::network::forward_pass(network, &blank);
    }
    if let Ok(faces) = gradlab::faces::FaceSet::from_safetensors("fuzz", data) {
        for split in [Split::Train, Split::Validation, Split::Test] {
            let _ = faces.dataset(split);
        }
        let _ = faces.counts();
    }
    if let Ok(features) = gradlab::transfer::FeatureSet::from_safetensors("fuzz", data) {
        let _ = features.splits();
    }
});
