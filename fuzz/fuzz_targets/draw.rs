//! Draw a digit: any canvas size and any RGBA bytes. The input is width and
//! height (two u32, little-endian: sizes a 32-bit wasm build can be given),
//! then the pixels; the declared size is
//! checked against the bytes as the page passes them, then the bytes are fitted
//! to the size (repeated or cut) so that preprocessing itself runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let width = u32::from_le_bytes([data[0], data[1], data[2], data[3]]) as usize;
    let height = u32::from_le_bytes([data[4], data[5], data[6], data[7]]) as usize;
    let rgba = &data[8..];
    // As the page calls it: whatever the sizes, an error or an input.
    if let Ok(ink) = gradlab::draw::ink_from_rgba(rgba, width, height) {
        let _ = gradlab::draw::to_mnist(&ink, width, height);
    }
    // A canvas of the declared size (kept to 256 x 256 so that one run
    // stays fast), filled with the given bytes.
    let (width, height) = (width.min(256), height.min(256));
    if rgba.is_empty() || width == 0 || height == 0 {
        return;
    }
    let canvas: Vec<u8> = rgba
        .iter()
        .copied()
        .cycle()
        .take(width * height * 4)
        .collect();
    let ink = gradlab::draw::ink_from_rgba(&canvas, width, height).expect("sized to fit");
    if let Ok(field) = gradlab::draw::to_mnist(&ink, width, height) {
        assert_eq!(field.len(), 28 * 28);
        assert!(field.iter().all(|v| (0.0..=1.0).contains(v)), "{field:?}");
    }
});
