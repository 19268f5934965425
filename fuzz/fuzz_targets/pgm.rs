//! The face images: the PGM reader with its CRLF repair (ORL), and the
//! decoder of a face folder's files (PGM, else PNG or JPEG through `image`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((pgm, _)) = gradlab::faces::pgm::parse_repairing("fuzz.pgm", data) {
        assert_eq!(pgm.pixels.len(), pgm.width * pgm.height);
    }
    if let Ok(image) = gradlab::faces::folder::decode_image("fuzz-image", data) {
        assert_eq!(
            image.as_raw().len(),
            image.width() as usize * image.height() as usize
        );
    }
});
